use perennial::supervision_tree;

mod support;
use support::*;

fn main() {
    let _tree = supervision_tree! {
        app: supervisor {
            a: Cache(1) { backoff = { initial = 10s, max = 1s } },
            b: Cache(2) { backoff = { factor = 0.5 } },
            c: Cache(3) { backoff = { factor = -2 } },
            d: Cache(4) { backoff = { initial = 100ms, multiplier = 2 } },
            e: Cache(5) { backoff = 100ms },
        }
    };
}
