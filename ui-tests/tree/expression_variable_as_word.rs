// A bare identifier is the DSL's word for the options whose values are words: a variable of
// the option's type is written in parentheses, and the message says so.
use perennial::prelude::*;
use perennial::supervision_tree;

mod support;
use support::*;

fn main() {
    let my_strategy = Strategy::OneForAll;
    let grace = Shutdown::BrutalKill;
    let checks: Option<HealthCheck> = None;
    let _tree = supervision_tree! {
        app: supervisor(strategy = my_strategy) {
            a: Cache(1) { shutdown = grace, health = checks, backoff = None },
        }
    };
}
