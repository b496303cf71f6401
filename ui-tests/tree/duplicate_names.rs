use perennial::supervision_tree;

mod support;
use support::*;

fn main() {
    let _tree = supervision_tree! {
        app: supervisor {
            cache: Cache(1024),
            cache: Cache(64),
            db: supervisor {
                pool: DbPool(),
                app: Writer(),
            },
        }
    };
}
