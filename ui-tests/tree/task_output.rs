use perennial::supervision_tree;

async fn count() -> u32 {
    7
}

fn main() {
    let _tree = supervision_tree! {
        app: supervisor {
            counter: task(count),
        }
    };
}
