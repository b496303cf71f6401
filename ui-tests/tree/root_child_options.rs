use perennial::supervision_tree;

mod support;
use support::*;

fn main() {
    let _tree = supervision_tree! {
        app: supervisor(restart = transient, shutdown = 10s) {
            cache: Cache(1024),
        }
    };
}
