// The expression form at module level, where an expression can't be: the compiler's message
// says to add a header (the item form) instead.
use perennial::supervision_tree;

mod support;
#[allow(unused_imports)]
use support::*;

supervision_tree! {
    app: supervisor { cache: Cache(1024) }
}

fn main() {}
