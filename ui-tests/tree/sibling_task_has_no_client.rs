use perennial::supervision_tree;

mod support;
use support::*;

fn main() {
    let _tree = supervision_tree! {
        app: supervisor {
            metrics: task(metrics_loop),
            reporter: Reporter(metrics),
        }
    };
}
