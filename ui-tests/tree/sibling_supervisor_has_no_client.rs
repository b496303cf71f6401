use perennial::supervision_tree;

mod support;
use support::*;

fn main() {
    let _tree = supervision_tree! {
        app: supervisor {
            db: supervisor { pool: DbPool() },
            jobs: dynamic_supervisor<Job>,
            reader: Reader(db),
            reporter: Reporter(jobs),
        }
    };
}
