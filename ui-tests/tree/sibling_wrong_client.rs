use perennial::supervision_tree;

mod support;
use support::*;

// `Writer`'s init takes the client of a `DbPool`; `cache` is a `Cache`.
fn main() {
    let _tree = supervision_tree! {
        app: supervisor {
            cache: Cache(1024),
            writer: Writer(cache),
        }
    };
}
