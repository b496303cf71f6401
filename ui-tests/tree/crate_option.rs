// `crate = path` is the root's, and takes a path: a value that is none is an error at the value,
// a quoted one is written without quotes, and on any other node it says where it goes.
use perennial::supervision_tree;

mod support;
use support::*;

fn main() {
    let _a = supervision_tree! {
        app: supervisor(crate = 5) { pool: DbPool(()) }
    };
    let _b = supervision_tree! {
        app: supervisor(crate = "perennial") { pool: DbPool(()) }
    };
    let _c = supervision_tree! {
        app: supervisor {
            db: supervisor(crate = perennial) { pool: DbPool(()) },
            cache: Cache(1) { crate = perennial },
        }
    };
}
