//! Lifecycle facts reach `tracing`: INFO for lifecycle, ERROR for an intensity exceeded, with
//! the supervisor and child as fields, and a child's own logs inside `supervisor > child` spans.
//!
//! This file holds ONE test on purpose: tracing caches each callsite's interest process-wide,
//! and a test on another thread hitting the same callsite with no subscriber can race with this
//! test's thread-local subscriber and leave the callsite disabled for it.

mod support;

use std::sync::Arc;
use std::time::Duration;

use perennial_runtime::supervisor::{ChildSpec, Event, SupervisorSpec};
use support::recorder::{Rec, Recorder};
use support::worker::*;
use tracing::Level;

#[tokio::test(start_paused = true)]
async fn lifecycle_events_are_logged_with_their_supervisor_and_child() {
    let recorder = Arc::new(Recorder::default());
    let _guard = tracing::subscriber::set_default(Rec(recorder.clone()));
    let log = Log::default();
    let sup = SupervisorSpec::new("app")
        .intensity(0, Duration::from_secs(5))
        .child(worker(&WorkerArgs::new("w", &log)))
        .child(ChildSpec::task("t", || async {
            tracing::info!(from = "inside", "task says hello");
            std::future::pending::<()>().await
        }))
        .start()
        .await
        .unwrap();
    let mut events = sup.subscribe();
    sup.registry()
        .lookup::<Worker>("w")
        .unwrap()
        .cast(WCast::Panic)
        .unwrap();
    events
        .wait_for(|e| matches!(e, Event::ShutDown { .. }))
        .await
        .unwrap();

    let logged = recorder.events.lock().unwrap().clone();
    let find = |needle: &str| {
        logged
            .iter()
            .find(|l| l.fields.get("message").is_some_and(|m| m.contains(needle)))
            .unwrap_or_else(|| {
                let messages: Vec<_> = logged.iter().map(|l| &l.fields).collect();
                panic!("no log containing {needle:?} in {messages:?}")
            })
    };
    let started = find("started `w`");
    assert_eq!(started.level, Level::INFO);
    assert_eq!(started.fields["supervisor"], "app");
    assert_eq!(started.fields["child"], "w");
    assert_eq!(started.spans, ["supervisor=app"]);

    let exceeded = find("reached its restart intensity");
    assert_eq!(exceeded.level, Level::ERROR);
    assert_eq!(exceeded.fields["child"], "w");

    let crashed = find("server exited");
    assert_eq!(crashed.level, Level::ERROR, "a panic is logged as an error");
    assert_eq!(crashed.fields["reason"], "panicked: w crashed");

    // A child's own logs carry the supervisor and child spans.
    let hello = find("task says hello");
    assert_eq!(hello.spans, ["supervisor=app", "child=t"]);
}
