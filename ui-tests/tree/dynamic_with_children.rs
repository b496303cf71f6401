use perennial::supervision_tree;

mod support;
use support::*;

fn main() {
    let _tree = supervision_tree! {
        app: supervisor {
            jobs: dynamic_supervisor<Job>(max_children = 100) {
                first: Job(1),
            },
        }
    };
}
