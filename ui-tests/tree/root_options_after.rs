// How a parent treats a child goes in `{ .. }` after the child, but the root has no parent.
use perennial::supervision_tree;

mod support;
use support::*;

fn main() {
    let _tree = supervision_tree! {
        app: supervisor { cache: Cache(1) } { restart = transient }
    };
}
