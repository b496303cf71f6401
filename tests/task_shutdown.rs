//! Tasks that clean up on shutdown: a task that takes a shutdown token is asked to stop and has
//! its `shutdown` timeout as grace; a task without one is aborted at once, as before.

mod common;

use std::time::Duration;

use common::Log;
use perennial::prelude::*;
use perennial::supervision_tree;
use perennial::supervisor::{
    ChildSpec, Event, EventStream, Shutdown, SupervisorHandle, SupervisorSpec,
};
use tokio::time::Instant;

/// Waits for the token, then cleans up for `cleanup` (an async flush) and logs when it is done.
async fn flusher(shutdown: CancellationToken, cleanup: Duration, log: Log) {
    shutdown.cancelled().await;
    log.push("flushing");
    tokio::time::sleep(cleanup).await;
    log.push("flushed");
}

/// Never looks at a token: stopping it can only abort it.
async fn unaware(log: Log) {
    log.push("running");
    std::future::pending::<()>().await;
    log.push("unreachable");
}

/// A supervisor `app` with `child` as its only child, started, and its events from then on.
async fn supervise(child: ChildSpec) -> (SupervisorHandle, EventStream) {
    let app = SupervisorSpec::new("app")
        .child(child)
        .start()
        .await
        .unwrap();
    let events = app.subscribe();
    (app, events)
}

/// The child and the reason of the next `Exited` event.
async fn next_exit(events: &mut EventStream) -> (String, ExitReason) {
    match events.wait_for(|e| matches!(e, Event::Exited { .. })).await {
        Some(Event::Exited { child, reason, .. }) => (child.to_string(), reason),
        other => panic!("no exit: {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn a_token_aware_task_cleans_up_within_its_grace() {
    let log = Log::default();
    let l = log.clone();
    let (app, mut events) = supervise(
        ChildSpec::task_with_shutdown("flusher", move |token| {
            flusher(token, Duration::from_secs(2), l.clone())
        })
        .shutdown(Shutdown::Timeout(Duration::from_secs(5))),
    )
    .await;
    let started = Instant::now();
    assert_eq!(app.shutdown().await, ExitReason::Shutdown);
    assert_eq!(log.take(), ["flushing", "flushed"]);
    // The supervisor waited for the cleanup (2 s), not for the whole grace (5 s).
    assert_eq!(started.elapsed(), Duration::from_secs(2));
    assert_eq!(
        next_exit(&mut events).await,
        ("flusher".to_owned(), ExitReason::Shutdown)
    );
}

#[tokio::test(start_paused = true)]
async fn a_token_aware_task_that_outlasts_its_grace_is_aborted() {
    let log = Log::default();
    let l = log.clone();
    let (app, mut events) = supervise(
        ChildSpec::task_with_shutdown("flusher", move |token| {
            flusher(token, Duration::from_secs(60), l.clone())
        })
        .shutdown(Shutdown::Timeout(Duration::from_secs(1))),
    )
    .await;
    let started = Instant::now();
    app.shutdown().await;
    assert_eq!(started.elapsed(), Duration::from_secs(1));
    assert_eq!(log.take(), ["flushing"]);
    assert_eq!(next_exit(&mut events).await.1, ExitReason::Killed);
}

#[tokio::test(start_paused = true)]
async fn brutal_kill_aborts_a_token_aware_task_at_once() {
    let log = Log::default();
    let l = log.clone();
    let (app, _events) = supervise(
        ChildSpec::task_with_shutdown("flusher", move |token| {
            flusher(token, Duration::from_secs(2), l.clone())
        })
        .shutdown(Shutdown::BrutalKill),
    )
    .await;
    let started = Instant::now();
    app.shutdown().await;
    assert_eq!(started.elapsed(), Duration::ZERO);
    assert_eq!(log.take(), Vec::<String>::new());
}

#[tokio::test(start_paused = true)]
async fn a_task_without_a_token_is_aborted_whatever_its_shutdown() {
    let log = Log::default();
    let l = log.clone();
    let (app, mut events) = supervise(
        ChildSpec::task("plain", move || unaware(l.clone()))
            .shutdown(Shutdown::Timeout(Duration::from_secs(5))),
    )
    .await;
    tokio::task::yield_now().await;
    let started = Instant::now();
    app.shutdown().await;
    assert_eq!(started.elapsed(), Duration::ZERO);
    assert_eq!(log.take(), ["running"]);
    assert_eq!(next_exit(&mut events).await.1, ExitReason::Shutdown);
}

#[tokio::test(start_paused = true)]
async fn a_restarted_task_gets_a_fresh_token() {
    let log = Log::default();
    let l = log.clone();
    let (app, mut events) = supervise(ChildSpec::task_with_shutdown("flusher", move |token| {
        flusher(token, Duration::ZERO, l.clone())
    }))
    .await;
    // terminate_child cancels this incarnation's token; the restart gets one not cancelled.
    app.terminate_child("flusher").await.unwrap();
    assert_eq!(log.take(), ["flushing", "flushed"]);
    app.restart_child("flusher").await.unwrap();
    events
        .wait_for(|e| matches!(e, Event::Started { .. } | Event::Restarted { .. }))
        .await;
    tokio::task::yield_now().await;
    assert_eq!(
        log.take(),
        Vec::<String>::new(),
        "the new token is not cancelled"
    );
    app.shutdown().await;
    assert_eq!(log.take(), ["flushing", "flushed"]);
}

/// The seed's case in the DSL: three plain tasks, each with an async cleanup, stopping cleanly.
#[tokio::test(start_paused = true)]
async fn in_a_tree_the_word_shutdown_passes_the_token() {
    async fn worker(name: &'static str, shutdown: CancellationToken, log: Log) {
        shutdown.cancelled().await;
        tokio::time::sleep(Duration::from_millis(100)).await; // an async cleanup
        log.push(format!("{name} cleaned up"));
    }
    let log = Log::default();
    let app = supervision_tree! {
        app: supervisor {
            a: task(worker, "a", shutdown, log.clone()) { shutdown = 1s },
            b: task(worker, "b", shutdown, log.clone()) { shutdown = 1s },
            c: task(worker, "c", shutdown, log.clone()) { shutdown = brutal_kill },
        }
    }
    .start()
    .await
    .unwrap();
    let started = Instant::now();
    assert_eq!(app.shutdown().await, ExitReason::Shutdown);
    // Reverse order; `c` is brutally killed (no cleanup), `b` and `a` each get their grace.
    assert_eq!(log.take(), ["b cleaned up", "a cleaned up"]);
    assert_eq!(started.elapsed(), Duration::from_millis(200));
}

#[tokio::test(start_paused = true)]
async fn a_local_named_shutdown_is_passed_in_parentheses() {
    async fn report(shutdown: u32, tx: tokio::sync::mpsc::UnboundedSender<u32>) {
        let _ = tx.send(shutdown);
    }
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let shutdown = 7u32;
    let app = supervision_tree! {
        app: supervisor {
            r: task(report, (shutdown), tx) { restart = temporary },
        }
    }
    .start()
    .await
    .unwrap();
    assert_eq!(rx.recv().await, Some(7));
    app.shutdown().await;
}
