// Options written where children go, or in a `{ .. }` after a supervisor's children, say where
// options go instead of "expected `:`".
use perennial::supervision_tree;

mod support;
use support::*;

fn main() {
    let _tree = supervision_tree! {
        app: supervisor {
            db: supervisor {
                restart = temporary,
                pool: DbPool(),
            },
            web: supervisor { server: Http() } { health = on },
            cache: Cache(1),
        }
    };
}
