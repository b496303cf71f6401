use perennial::supervision_tree;

mod support;
use support::*;

fn main() {
    let _tree = supervision_tree! {
        app: supervisor {
            pool: DbPool(pool),
            metrics: task(report, metrics),
        }
    };
}
