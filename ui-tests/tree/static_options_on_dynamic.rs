use perennial::supervision_tree;

fn main() {
    let _tree = supervision_tree! {
        app: supervisor {
            jobs: dynamic_supervisor<Job>(strategy = one_for_all, max_children = 10),
        }
    };
}
