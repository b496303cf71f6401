use perennial::supervision_tree;

mod support;
use support::*;

fn main() {
    let _tree = supervision_tree! {
        app: supervisor(strategy = one_for_one, max_restarts = 3, strategy = one_for_all) {
            cache: Cache(1024) { restart = permanent, shutdown = 5s, restart = transient },
            web: Http() { health = { interval = 10s, interval = 20s } },
        }
    };
}
