// An unknown option in the root's `( .. )` lists only the root's own options: it has no parent,
// so no `restart`, `shutdown` or `backoff`. A nested supervisor's list has them.
use perennial::supervision_tree;

mod support;
use support::*;

fn main() {
    let _tree = supervision_tree! {
        app: supervisor(max_restart = 3, restrat = permanent, max_children = 2) {
            db: supervisor(shutdwn = infinity) { pool: DbPool(()) },
        }
    };
}
