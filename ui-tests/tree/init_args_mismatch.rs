use perennial::supervision_tree;

mod support;
use support::*;

// `Cache`'s init takes one `u32`: the error lands on the argument; with several arguments
// (its `Args` would be a tuple) on the parentheses; with none (`()`) on the type.
fn main() {
    let _tree = supervision_tree! {
        app: supervisor {
            one: Cache("big"),
            two: Cache(1, 2),
            none: Cache,
        }
    };
}
