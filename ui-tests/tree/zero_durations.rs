use perennial::supervision_tree;

mod support;
use support::*;

fn main() {
    let _tree = supervision_tree! {
        app: supervisor(within = 0s) {
            cache: Cache(1024) { shutdown = 0ms },
            web: Http() { health = { interval = 0s, timeout = 0s } },
            metrics: task(metrics_loop) { backoff = { initial = 0ms, max = 0s } },
        }
    };
}
