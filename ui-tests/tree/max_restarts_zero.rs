use perennial::supervision_tree;

mod support;
use support::*;

// `max_restarts = 0` is allowed only when no child would be restarted.
fn main() {
    let _tree = supervision_tree! {
        app: supervisor(max_restarts = 0) {
            cache: Cache(1024),
            metrics: task(metrics_loop) { restart = transient },
            once: task(migrate) { restart = temporary },
            jobs: dynamic_supervisor<Job>(max_restarts = 0, restart = temporary),
            batch: dynamic_supervisor<Job>(
                max_restarts = 0,
                restart = temporary,
                children = { restart = temporary },
            ),
        }
    };
}
