use perennial::supervision_tree;

fn main() {
    let _tree = supervision_tree! {
        app: supervisor {
            jobs: dynamic_supervisor<Job>(max_children = 100) {
                first: Job(1),
            },
        }
    };
}
