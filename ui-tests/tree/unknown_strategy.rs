use perennial::supervision_tree;

mod support;
use support::*;

fn main() {
    let _tree = supervision_tree! {
        app: supervisor(strategy = one_for_al) {
            db: supervisor(strategy = simple_one_for_one) { pool: DbPool() },
            web: supervisor(strategy = round_robin) { server: Http() },
        }
    };
}
