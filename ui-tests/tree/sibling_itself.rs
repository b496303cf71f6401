use perennial::supervision_tree;

fn main() {
    let _tree = supervision_tree! {
        app: supervisor {
            pool: DbPool(pool),
            metrics: task(report, metrics),
        }
    };
}
