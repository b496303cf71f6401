use perennial::supervision_tree;

mod support;
use support::*;

fn main() {
    let _tree = supervision_tree! {
        app: supervisor {
            cache: Cache(1024) { restart = permanant },
            metrics: task(metrics_loop) { restart = Transient },
            db: supervisor(restart = always) { pool: DbPool() },
        }
    };
}
