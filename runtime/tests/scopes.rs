//! Name scopes: a subtree started many times in one registry, each instance's names inside its
//! supervisor's (`east/worker`), or a whole tree inside a scope of the registry.

mod support;

use std::time::Duration;

use perennial_runtime::Group;
use perennial_runtime::supervisor::{ChildSpec, Event, SupervisorSpec, SupervisorStartError};
use perennial_runtime::{CallError, Registry};
use support::worker::{Log, WCall, WCast, Worker, WorkerArgs, worker};

fn pool(name: &str, log: &Log) -> ChildSpec {
    ChildSpec::supervisor(
        SupervisorSpec::new(name)
            .scoped()
            .child(worker(&WorkerArgs::new("worker", log)).groups(["busy"]))
            .child(ChildSpec::supervisor(
                SupervisorSpec::new("inner").child(worker(&WorkerArgs::new("deep", log))),
            )),
    )
}

#[tokio::test(start_paused = true)]
async fn one_subtree_twice_under_scoped_supervisors() {
    let log = Log::default();
    let app = SupervisorSpec::new("app")
        .child(pool("east", &log))
        .child(pool("west", &log))
        .start()
        .await
        .unwrap();
    let registry = app.registry().clone();
    assert_eq!(
        registry.names(),
        [
            "app".into(),
            "east".into(),
            "east/deep".into(),
            "east/inner".into(),
            "east/worker".into(),
            "west".into(),
            "west/deep".into(),
            "west/inner".into(),
            "west/worker".into(),
        ]
    );
    // A nested supervisor that is not scoped itself registers its children in the scope it is
    // in: `deep` is `east/deep`, not `east/inner/deep`.
    assert!(registry.lookup::<Worker>("east/deep").is_ok());
    assert!(registry.lookup::<Worker>("east/inner/deep").is_err());
    let east = registry.scope("east");
    assert_eq!(
        east.named::<Worker>("worker").call(WCall::Name).await,
        Ok("worker")
    );
    // Their groups are scoped too.
    const BUSY: Group<Worker> = Group::new("busy");
    assert_eq!(east.members(BUSY).len(), 1);
    assert_eq!(registry.scope("west").members(BUSY).len(), 1);
    assert!(registry.members(BUSY).is_empty());

    // A crash in one instance is restarted there, under its scoped name.
    let mut events = app.subscribe();
    let west_id = registry.lookup::<Worker>("west/worker").unwrap().id();
    registry
        .lookup::<Worker>("east/worker")
        .unwrap()
        .cast(WCast::Panic)
        .unwrap();
    let restarted = events
        .wait_for(|e| matches!(e, Event::Restarted { .. }))
        .await
        .unwrap();
    assert_eq!(restarted.supervisor(), "east");
    assert_eq!(restarted.child(), Some("worker"));
    assert_eq!(
        registry.lookup::<Worker>("west/worker").unwrap().id(),
        west_id
    );
    // The scoped names fail fast like any other once nobody brings them back.
    app.nested("east").terminate_child("worker").await.unwrap();
    let asked = tokio::time::Instant::now();
    assert_eq!(
        east.named::<Worker>("worker").call(WCall::Name).await,
        Err(CallError::NotRunning {
            name: Some("east/worker".into())
        })
    );
    assert_eq!(asked.elapsed(), Duration::ZERO);
    app.shutdown().await;
    assert!(registry.names().is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_whole_tree_started_once_per_scope_of_a_registry() {
    let log = Log::default();
    let registry = Registry::new();
    let spec = || SupervisorSpec::new("app").child(worker(&WorkerArgs::new("w", &log)));
    let a = spec().start_in(&registry.scope("a")).await.unwrap();
    let b = spec().start_in(&registry.scope("b")).await.unwrap();
    assert_eq!(a.registry().scope_name(), Some("a"));
    assert_eq!(a.registry().names(), ["app".into(), "w".into()]);
    assert_eq!(
        registry.names(),
        ["a/app".into(), "a/w".into(), "b/app".into(), "b/w".into()]
    );
    // Scopes nest.
    let nested = registry.scope("a").scope("x");
    assert_eq!(nested.scope_name(), Some("a/x"));
    let c = spec().start_in(&nested).await.unwrap();
    assert!(registry.lookup::<Worker>("a/x/w").is_ok());
    // The same tree in a scope that holds it already: the running one's handle.
    let err = spec().start_in(&registry.scope("b")).await.unwrap_err();
    match err {
        SupervisorStartError::AlreadyStarted { existing, .. } => assert_eq!(existing, b),
        other => panic!("{other:?}"),
    }
    for tree in [a, b, c] {
        tree.shutdown().await;
    }
    assert!(registry.names().is_empty());
}
