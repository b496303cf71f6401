// A near miss of an earlier sibling's name is a typo, not a local variable.
use perennial::supervision_tree;

mod support;
use support::*;

fn main() {
    let _tree = supervision_tree! {
        app: supervisor {
            pool: DbPool(()),
            writer: Writer(pol),
        }
    };
}
