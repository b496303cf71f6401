use perennial::supervision_tree;

mod support;
use support::*;

fn main() {
    let _tree = supervision_tree! {
        app: supervisor {
            metrics: task(metrics_loop) { health = off },
            db: supervisor(health = { interval = 5s }) { pool: DbPool() },
            jobs: dynamic_supervisor<Job>(health = on),
        }
    };
}
