// One mistake, one error: a zero interval is not also "shorter than the timeout".
use perennial::supervision_tree;

mod support;
use support::*;

fn main() {
    let _tree = supervision_tree! {
        app: supervisor {
            cache: Cache(1) { health = { interval = 0s, timeout = 5s } },
        }
    };
}
