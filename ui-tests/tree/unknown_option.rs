use perennial::supervision_tree;

mod support;
use support::*;

fn main() {
    let _tree = supervision_tree! {
        app: supervisor(stratgy = one_for_one, max_restart = 3) {
            cache: Cache(1024) { restrat = permanent, timeout = 5s },
            metrics: task(metrics_loop) { helth = off },
            jobs: dynamic_supervisor<Job>(max_child = 10),
        }
    };
}
