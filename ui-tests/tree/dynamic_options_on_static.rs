use perennial::supervision_tree;

mod support;
use support::*;

fn main() {
    let _tree = supervision_tree! {
        app: supervisor(max_children = 10) {
            cache: Cache(1024) { max_children = 3 },
        }
    };
}
