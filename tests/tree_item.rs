//! `supervision_tree!` in the item form: a tree type with a name, started with parameters,
//! kept in application state, with typed registry keys.

mod common;

use std::sync::Arc;

use common::*;
use perennial::Key;
use perennial::prelude::*;
use perennial::supervision_tree;
use perennial::supervisor::Event;
use perennial::tree::TreeSpec;

supervision_tree! {
    /// The application: a cache of `cache_size`, and a database at `url`.
    pub struct App(cache_size: usize, url: String, log: Log);
    app: supervisor(strategy = one_for_one) {
        cache: Cache(cache_size) { health = off },
        db: supervisor(strategy = rest_for_one) {
            pool: DbPool(url.clone()) { health = off },
            writer: Writer(pool) { health = off },
        },
        jobs: dynamic_supervisor<Job>(max_children = 10),
        ticker: task(ticker, "tick", log.clone()),
    }
}

/// What a web framework keeps as its state (an axum `State`, say): cloned per request.
#[derive(Clone)]
struct AppState {
    tree: App,
    shared: Arc<App>,
}

fn state_is_fit_for_a_web_framework<T: Clone + Send + Sync + 'static>() {}

#[tokio::test(start_paused = true)]
async fn the_named_type_starts_with_its_parameters() {
    let log = Log::default();
    let url = String::from("postgres://db");
    let app: App = App::start(64, url.clone(), log.clone()).await.unwrap();
    assert_eq!(app.cache.capacity().await, Ok(64));
    assert_eq!(
        app.db.writer.flush().await,
        Ok("flushed to postgres://db".into())
    );
    let job = app.jobs.start_child(3).await.unwrap();
    assert_eq!(job.call(()).await, Ok(3));
    assert_eq!(log.take(), ["start tick"]);
    assert_eq!(app.ticker.restart_count().await, Ok(0));
    assert!(format!("{app:?}").starts_with("App {"));
    app.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn the_tree_lives_in_application_state() {
    state_is_fit_for_a_web_framework::<App>();
    state_is_fit_for_a_web_framework::<App_db>();
    let app = App::start(8, "db".into(), Log::default()).await.unwrap();
    let state = AppState {
        tree: app.clone(),
        shared: Arc::new(app),
    };
    // A handler on another task uses its clone of the state.
    let handler = tokio::spawn({
        let state = state.clone();
        async move { state.tree.cache.add(5).await }
    });
    assert_eq!(handler.await.unwrap(), Ok(5));
    assert_eq!(state.shared.cache.add(1).await, Ok(6));
    let db: &App_db = &state.shared.db;
    assert_eq!(db.pool.call(()).await, Ok("db".into()));
    state.shared.shutdown().await;
    assert!(state.tree.is_shutting_down());
}

#[tokio::test(start_paused = true)]
async fn typed_keys_name_only_what_the_tree_declares() {
    let app = App::start(8, "db".into(), Log::default()).await.unwrap();
    let cache: Key<Cache> = App::CACHE;
    let writer: Key<Writer> = App::WRITER;
    assert_eq!(
        (cache.name(), App::POOL.name(), writer.name()),
        ("cache", "pool", "writer")
    );
    // A key reaches the child through the registry, by name, across restarts.
    let by_key = app.registry().get(App::CACHE);
    assert_eq!(by_key.call(CacheCall::Add(2)).await, Ok(2));
    let mut events = app.subscribe();
    app.cache.crash();
    events
        .wait_for(|e| matches!(e, Event::Restarted { .. }))
        .await
        .unwrap();
    assert_eq!(by_key.call(CacheCall::Add(2)).await, Ok(2));
    app.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn the_spec_starts_later_in_a_shared_registry() {
    let registry = Registry::new();
    let spec: TreeSpec<App> = App::spec(4, "db".into(), Log::default());
    // Nothing runs before `start_in`.
    assert!(registry.names().is_empty());
    let app = spec.start_in(&registry).await.unwrap();
    assert_eq!(
        registry.get(App::CACHE).call(CacheCall::Capacity).await,
        Ok(4)
    );
    app.shutdown().await;
    let again = App::start_in(&registry, 2, "db".into(), Log::default())
        .await
        .unwrap();
    assert_eq!(again.cache.capacity().await, Ok(2));
    again.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn one_tree_type_started_twice_in_one_registry_with_scopes() {
    let registry = Registry::new();
    let log = Log::default();
    let east = App::start_scoped(&registry, "east", 8, "db-east".into(), log.clone())
        .await
        .unwrap();
    let west = App::start_scoped(&registry, "west", 16, "db-west".into(), log.clone())
        .await
        .unwrap();
    // Each instance's typed fields reach its own servers, nested ones included.
    assert_eq!(east.cache.capacity().await, Ok(8));
    assert_eq!(west.cache.capacity().await, Ok(16));
    assert_eq!(
        east.db.writer.flush().await,
        Ok("flushed to db-east".into())
    );
    assert_eq!(
        west.db.writer.flush().await,
        Ok("flushed to db-west".into())
    );
    // Keys work through each tree's (scoped) registry; full names work from outside.
    let cache = CacheClient::from(perennial::Client::from(east.registry().get(App::CACHE)));
    assert_eq!(cache.capacity().await, Ok(8));
    assert_eq!(registry.lookup::<Cache>("west/cache").unwrap().id(), {
        west.registry().lookup::<Cache>("cache").unwrap().id()
    });
    let names: Vec<String> = registry.names().iter().map(|n| n.to_string()).collect();
    for scope in ["east", "west"] {
        for name in ["app", "cache", "db", "pool", "writer", "jobs"] {
            assert!(names.contains(&format!("{scope}/{name}")), "{names:?}");
        }
    }
    // A crash in one instance is restarted there and touches nothing in the other.
    let mut events = east.subscribe();
    let west_cache = registry.lookup::<Cache>("west/cache").unwrap().id();
    registry.lookup::<Cache>("east/cache").unwrap().kill();
    events
        .wait_for(|e| matches!(e, Event::Restarted { .. }))
        .await
        .unwrap();
    assert_eq!(east.cache.capacity().await, Ok(8));
    assert_eq!(
        registry.lookup::<Cache>("west/cache").unwrap().id(),
        west_cache
    );
    // Shut one down: its names fail at once, the other carries on.
    east.shutdown().await;
    assert!(matches!(
        east.cache.capacity().await,
        Err(CallError::NotRunning { .. })
    ));
    assert_eq!(west.cache.capacity().await, Ok(16));
    // The same scope can't be started twice while it runs.
    let again = App::start_scoped(&registry, "west", 1, "x".into(), log.clone()).await;
    assert!(matches!(
        again,
        Err(perennial::supervisor::SupervisorStartError::AlreadyStarted { .. })
    ));
    west.shutdown().await;
    assert!(registry.names().is_empty());
}
