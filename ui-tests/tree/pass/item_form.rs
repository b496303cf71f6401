// The item form: a named type, usable as a field, in an `Arc`, as shared state; typed keys;
// nested types with names.
use std::sync::Arc;

use perennial::Key;
use perennial::supervision_tree;
use perennial::supervisor::SupervisorStartError;
use perennial::tree::TreeSpec;
use perennial::{Client, Registry};

#[path = "../support/mod.rs"]
mod support;
use support::*;

supervision_tree! {
    /// The application's tree.
    pub struct App(size: u32, label: String);
    app: supervisor(strategy = one_for_all) {
        cache: Cache(size),
        db: supervisor {
            pool: DbPool(),
            writer: Writer(pool),
        },
        jobs: dynamic_supervisor<Job>(children = { restart = temporary }),
        ticker: task(report, label.len() as u32),
    }
}

mod inner {
    use super::support::*;

    perennial::supervision_tree! {
        pub(crate) struct Small;
        small: supervisor { web: Http() }
    }
}

/// Shared state, as an axum `State` would hold it.
#[derive(Clone)]
struct State {
    app: App,
    small: Arc<inner::Small>,
}

fn is_state<T: Clone + Send + Sync + 'static>() {}

async fn run() -> Result<(), SupervisorStartError> {
    is_state::<App>();
    is_state::<App_db>();
    let app: App = App::start(1024, String::from("x")).await?;
    let spec: TreeSpec<App> = App::spec(1, String::new());
    let registry = Registry::new();
    let _other: App = spec.start_in(&registry).await?;
    let _third: App = App::start_in(&registry, 2, String::new()).await?;
    let small = Arc::new(inner::Small::start().await?);
    let state = State { app, small };
    let key: Key<Cache> = App::CACHE;
    let _: Key<Writer> = App::WRITER;
    let _ = state.app.registry().get(key);
    let db: &App_db = &state.app.db;
    let _: &Client<Writer> = &db.writer;
    let _ = state.small.web.clone();
    state.app.shutdown().await;
    Ok(())
}

fn main() {
    let _ = run;
}
