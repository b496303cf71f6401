use perennial::supervision_tree;

mod support;
use support::*;

// Independent mistakes are all reported in one build.
fn main() {
    let _tree = supervision_tree! {
        app: supervisor(strategy = one_for_al, within = 0s) {
            cache: Cache(1024) { restart = permanant, health = { interval = 30s } },
            metrics: task(metrics_loop) { health = off },
            cache: Cache(64),
            db: supervisor(strategy = rest_for_one) {
                writer: Writer(pool),
                pool: DbPool(),
            },
            jobs: dynamic_supervisor<Job>(max_children = 100, shutdown = 5),
        }
    };
}
