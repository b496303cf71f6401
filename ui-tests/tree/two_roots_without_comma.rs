// A second root is reported as such, not as a missing `,`.
use perennial::supervision_tree;

mod support;
use support::*;

fn main() {
    let _tree = supervision_tree! {
        app: supervisor { cache: Cache(1024) }
        db: supervisor { pool: DbPool() }
    };
}
