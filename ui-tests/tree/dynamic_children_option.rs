// `children = { .. }` holds the options of the children a dynamic_supervisor starts, checked
// like a gen_server child's; it belongs to dynamic supervisors only.
use perennial::supervision_tree;

mod support;
use support::*;

fn main() {
    let _tree = supervision_tree! {
        app: supervisor {
            jobs: dynamic_supervisor<Job>(children = { restart = sometimes, strategy = one_for_all }),
            more: dynamic_supervisor<Job>(children = temporary),
            db: supervisor(children = { restart = temporary }) { pool: DbPool() },
            web: Http() { children = { health = off } },
        }
    };
}
