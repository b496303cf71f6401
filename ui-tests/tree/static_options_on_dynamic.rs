use perennial::supervision_tree;

mod support;
use support::*;

fn main() {
    let _tree = supervision_tree! {
        app: supervisor {
            jobs: dynamic_supervisor<Job>(strategy = one_for_all, max_children = 10),
        }
    };
}
