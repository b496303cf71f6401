use perennial::supervision_tree;

fn main() {
    let _tree = supervision_tree! {
        app: supervisor {
            metrics: task(metrics_loop),
            reporter: Reporter(metrics),
        }
    };
}
