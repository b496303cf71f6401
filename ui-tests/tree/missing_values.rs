// An option without a value says what it takes (no empty quotes).
use perennial::supervision_tree;

mod support;
use support::*;

fn main() {
    let _tree = supervision_tree! {
        app: supervisor(strategy = , within = ) {
            a: Cache(1) { restart =, shutdown = , health = { interval = } },
        }
    };
}
