use perennial::supervision_tree;

mod support;
use support::*;

// The missing comma is reported, and the children after it are still read: the duplicate
// name `cache` below is found in the same build.
fn main() {
    let _tree = supervision_tree! {
        app: supervisor {
            cache: Cache(1024)
            db: DbPool(),
            cache: Cache(1),
        }
    };
}
