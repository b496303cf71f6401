// `{ .. }` after a dynamic_supervisor would be read two ways (how its parent treats it, or how
// it treats the children it starts), so it is refused; both go in its `( .. )`.
use perennial::supervision_tree;

mod support;
use support::*;

fn main() {
    let _tree = supervision_tree! {
        app: supervisor {
            jobs: dynamic_supervisor<Job>(max_children = 4) { restart = temporary },
            more: dynamic_supervisor<Job> { health = off, shutdown = 1s },
        }
    };
}
