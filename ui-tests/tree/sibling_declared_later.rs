use perennial::supervision_tree;

mod support;
use support::*;

fn main() {
    let _tree = supervision_tree! {
        app: supervisor(strategy = rest_for_one) {
            writer: Writer(pool, 10),
            pool: DbPool(),
        }
    };
}
