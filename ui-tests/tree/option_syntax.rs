use perennial::supervision_tree;

mod support;
use support::*;

fn main() {
    let _tree = supervision_tree! {
        app: supervisor {
            a: Cache(1) { permanent },
            b: Cache(2) { restart },
            c: Cache(3) { restart: transient },
            d: Cache(4) { 5s = shutdown },
            e: Cache(5) { , restart = temporary },
        }
    };
}
