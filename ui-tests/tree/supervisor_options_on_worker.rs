use perennial::supervision_tree;

mod support;
use support::*;

fn main() {
    let _tree = supervision_tree! {
        app: supervisor {
            cache: Cache(1024) { strategy = one_for_one, max_restarts = 3 },
            metrics: task(metrics_loop) { within = 5s },
        }
    };
}
