use perennial::supervision_tree;

mod support;
use support::*;

fn main() {
    let _tree = supervision_tree! {
        app: supervisor {
            a: Cache(1) { health = { interval = 5s, timeout = 10s } },
            b: Cache(2) { health = { failures = 0 } },
            c: Cache(3) { health = { retries = 3 } },
            d: Cache(4) { health = yes },
            jobs: dynamic_supervisor<Job>(children = { health = { failures = 5000 } }),
        }
    };
}
