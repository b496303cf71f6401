use perennial::supervision_tree;

mod support;
use support::*;

fn main() {
    let _tree = supervision_tree! {
        app: supervisor(max_restarts = 10001) {
            a: supervisor(max_restarts = -1) { cache: Cache(1) },
            b: supervisor(max_restarts = 3s) { cache2: Cache(2) },
            c: dynamic_supervisor<Job>(max_restarts = 99999999999999999999),
        }
    };
}
