use perennial::supervision_tree;

async fn metrics_loop(_port: u16) {}

fn main() {
    let _tree = supervision_tree! {
        app: supervisor {
            wrong_type: task(metrics_loop, "9000"),
            too_few: task(metrics_loop),
            too_many: task(metrics_loop, 1, 2),
        }
    };
}
