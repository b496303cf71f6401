use perennial::supervision_tree;

mod support;
use support::*;

fn main() {
    let _tree = supervision_tree! {
        app: supervisor(within = 5) {
            a: Cache(1) { shutdown = 5sec },
            b: Cache(2) { shutdown = 1.5s },
            c: Cache(3) { shutdown = -5s },
            d: Cache(4) { shutdown = 5 s },
            e: Cache(5) { shutdown = 100us },
            f: Cache(6) { health = { interval = "30s" } },
            g: Cache(7) { health = { timeout = soon } },
        }
    };
}
