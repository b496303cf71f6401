use perennial::supervision_tree;

fn sync_loop(_port: u16) {}

fn main() {
    let _tree = supervision_tree! {
        app: supervisor {
            metrics: task(sync_loop, 9000),
            ticker: task(|| 42),
        }
    };
}
