use perennial::supervision_tree;

mod support;
use support::*;

fn main() {
    let _root = supervision_tree! {
        app: supervisor {}
    };
    let _nested = supervision_tree! {
        app: supervisor {
            cache: Cache(1024),
            db: supervisor(strategy = rest_for_one) {},
        }
    };
}
