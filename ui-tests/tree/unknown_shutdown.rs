use perennial::supervision_tree;

mod support;
use support::*;

fn main() {
    let _tree = supervision_tree! {
        app: supervisor {
            cache: Cache(1024) { shutdown = brutal },
            db: supervisor(shutdown = infinite) { pool: DbPool() },
            metrics: task(metrics_loop) { shutdown = never },
        }
    };
}
