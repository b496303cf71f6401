// The settings inside `health = { .. }` and `backoff = { .. }` given as expressions of the
// wrong type.
use perennial::prelude::*;
use perennial::supervision_tree;

mod support;
use support::*;

fn main() {
    let every: u64 = 30;
    let tries: usize = 3;
    let _tree = supervision_tree! {
        app: supervisor {
            a: Cache(1) { health = { interval = every, timeout = Duration::from_secs(1), failures = tries } },
            b: Cache(2) { backoff = { initial = every, factor = (2), max = (Some(Duration::from_secs(5))) } },
        }
    };
}
