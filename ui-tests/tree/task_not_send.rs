use std::rc::Rc;

use perennial::supervision_tree;

async fn holds_an_rc() {
    let shared = Rc::new(1);
    tokio::task::yield_now().await;
    drop(shared);
}

fn main() {
    let _tree = supervision_tree! {
        app: supervisor {
            local: task(holds_an_rc),
        }
    };
}
