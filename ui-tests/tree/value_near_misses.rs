// Near misses of a closed set of values get a suggestion: a prefix (`brutal`), a typo (`onn`),
// a quoted value, a path to an enum variant, `true`/`false`.
use perennial::supervision_tree;

mod support;
use support::*;

fn main() {
    let _tree = supervision_tree! {
        app: supervisor(strategy = Strategy::RestForOne, within = "5s") {
            a: Cache(1) { shutdown = brutal, health = onn },
            b: Cache(2) { restart = "transient", health = true },
            c: Cache(3) { restart = Restart::Temporary, backoff = "on" },
            d: supervisor(strategy = "one_for_all") { e: Http(()) },
        }
    };
}
