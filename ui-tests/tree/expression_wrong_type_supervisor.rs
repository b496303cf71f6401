// A supervisor's options given as expressions of the wrong type: each is reported at the
// expression, by the type checker, naming the type the option takes.
use perennial::prelude::*;
use perennial::supervision_tree;

mod support;
use support::*;

struct Config {
    strategy: &'static str,
    restarts: u64,
    window: u64,
    jobs: u32,
}

fn main() {
    let cfg = Config { strategy: "one_for_all", restarts: 3, window: 5, jobs: 4 };
    let _tree = supervision_tree! {
        app: supervisor(strategy = cfg.strategy, max_restarts = cfg.restarts, within = cfg.window) {
            a: Cache(1),
            jobs: dynamic_supervisor<Job>(max_children = cfg.jobs, within = Duration::from_secs(5).as_secs()),
        }
    };
}
