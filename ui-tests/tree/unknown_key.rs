use perennial::supervision_tree;
use perennial::Key;

mod support;
use support::*;

supervision_tree! {
    pub struct App;
    app: supervisor { cache: Cache(1024), jobs: dynamic_supervisor<Job> }
}

// A key the tree does not declare is a compile error, not a `None` at run time; a key is typed.
async fn lookups(app: App) {
    let _pool = app.registry().get(App::POOL);
    let _cache: Key<DbPool> = App::CACHE;
    let _jobs = App::JOBS;
}

fn main() {
    let _ = lookups;
}
