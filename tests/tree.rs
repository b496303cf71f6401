//! `supervision_tree!` in the expression form, end to end through the facade: a tree of every
//! node kind, typed fields that survive restarts, sibling clients, arguments evaluated once.

mod common;

use common::*;
use perennial::prelude::*;
use perennial::supervision_tree;
use perennial::supervisor::Event;

async fn metrics_loop(port: u16, log: Log) {
    log.push(format!("metrics on {port}"));
    std::future::pending::<()>().await;
}

#[tokio::test(start_paused = true)]
async fn a_tree_of_every_node_kind_starts_with_a_typed_field_per_child()
-> Result<(), Box<dyn std::error::Error>> {
    let log = Log::default();
    let url = String::from("postgres://db");
    let port = 9000;
    let app = supervision_tree! {
        app: supervisor(strategy = one_for_one, max_restarts = 3, within = 5s) {
            cache: Cache(1024) { restart = permanent, shutdown = 5s,
                                 health = { interval = 30s, timeout = 5s, failures = 3 } },
            metrics: task(metrics_loop, port, log.clone()) { restart = transient },
            jobs: dynamic_supervisor<Job>(max_children = 100),
            db: supervisor(strategy = rest_for_one) {
                pool: DbPool(url.clone()),
                writer: Writer(pool),
            },
        }
    }
    .start()
    .await?;
    // `url` was cloned, not moved.
    assert_eq!(url, "postgres://db");
    assert_eq!(app.cache.add(1).await?, 1);
    assert_eq!(app.cache.add(2).await?, 3);
    assert_eq!(app.db.writer.flush().await?, "flushed to postgres://db");
    let job = app.jobs.start_child(7).await?;
    assert_eq!(job.call(()).await?, 7);
    assert_eq!(app.metrics.name(), "metrics");
    assert_eq!(app.metrics.restart_count().await?, 0);
    assert_eq!(log.take(), ["metrics on 9000"]);
    assert_eq!(app.supervisor().name(), "app");
    assert_eq!(app.db.supervisor().name(), "db");
    assert_eq!(app.shutdown().await, ExitReason::Shutdown);
    assert_eq!(app.join().await, ExitReason::Shutdown);
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn arguments_are_evaluated_once_and_cloned_for_each_restart() {
    let evaluations = Count::default();
    let spec = supervision_tree! {
        app: supervisor(max_restarts = 10) {
            cache: Cache(evaluations.tick(16)) { health = off },
        }
    };
    // Evaluated when the spec is made, not when it starts.
    assert_eq!(evaluations.get(), 1);
    let app = spec.start().await.unwrap();
    let mut events = app.subscribe();
    assert_eq!(app.cache.add(5).await, Ok(5));
    for _ in 0..2 {
        app.cache.crash();
        events
            .wait_for(|e| matches!(e, Event::Restarted { .. }))
            .await
            .unwrap();
    }
    // Each restart got a clone of the same argument, and a fresh state.
    assert_eq!(evaluations.get(), 1);
    assert_eq!(app.cache.capacity().await, Ok(16));
    assert_eq!(app.cache.add(1).await, Ok(1));
    app.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_task_is_called_again_with_clones_of_its_arguments() {
    let log = Log::default();
    let evaluations = Count::default();
    let app = supervision_tree! {
        app: supervisor {
            ticker: task(ticker, evaluations.tick("tick"), log.clone()),
        }
    }
    .start()
    .await
    .unwrap();
    app.ticker.terminate().await.unwrap();
    app.ticker.restart().await.unwrap();
    assert_eq!(log.take(), ["start tick", "start tick"]);
    assert_eq!(evaluations.get(), 1);
    assert_eq!(app.ticker.status().await.unwrap().name.as_ref(), "ticker");
    app.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn typed_clients_follow_their_server_across_restarts() {
    let app = supervision_tree! {
        app: supervisor {
            cache: Cache(8) { health = off, backoff = { initial = 1s } },
        }
    }
    .start()
    .await
    .unwrap();
    let mut events = app.subscribe();
    let before = app.cache.raw().resolve().unwrap().id();
    assert_eq!(app.cache.add(2).await, Ok(2));
    app.cache.crash();
    events
        .wait_for(|e| matches!(e, Event::Exited { .. }))
        .await
        .unwrap();
    // Down for the 1 s backoff: a call made now waits for the new incarnation.
    let called = tokio::time::Instant::now();
    assert_eq!(app.cache.add(3).await, Ok(3));
    assert_eq!(called.elapsed(), std::time::Duration::from_secs(1));
    assert_ne!(app.cache.raw().resolve().unwrap().id(), before);
    // Clones of the tree hold the same name-bound clients.
    let copy = app.clone();
    assert_eq!(copy.cache.add(1).await, Ok(4));
    app.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_sibling_is_passed_as_its_client_which_survives_its_restarts() {
    let app = supervision_tree! {
        app: supervisor {
            db: supervisor(strategy = one_for_one) {
                pool: DbPool(String::from("postgres://a")) { health = off },
                writer: Writer(pool) { health = off },
            },
        }
    }
    .start()
    .await
    .unwrap();
    let mut events = app.subscribe();
    assert_eq!(
        app.db.writer.flush().await,
        Ok("flushed to postgres://a".into())
    );
    // Crash the pool: one_for_one leaves the writer running, holding the same client, which
    // reaches the restarted pool by name.
    app.db.pool.cast(()).unwrap();
    events
        .wait_for(|e| matches!(e, Event::Restarted { child, .. } if &**child == "pool"))
        .await
        .unwrap();
    assert_eq!(app.db.restart_count("writer").await, Ok(0));
    assert_eq!(
        app.db.writer.flush().await,
        Ok("flushed to postgres://a".into())
    );
    app.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn nested_supervisors_have_their_own_name_bound_handles() {
    let log = Log::default();
    let app = supervision_tree! {
        app: supervisor {
            outer: supervisor {
                inner: supervisor { deep: Probe("deep", log.clone()) { health = off } },
                side: Probe("side", log.clone()) { health = off },
            },
        }
    }
    .start()
    .await
    .unwrap();
    assert_eq!(app.outer.supervisor().name(), "outer");
    assert_eq!(app.outer.inner.name(), "inner");
    let children: Vec<String> = app
        .outer
        .which_children()
        .await
        .unwrap()
        .into_iter()
        .map(|child| child.name.to_string())
        .collect();
    assert_eq!(children, ["inner", "side"]);
    assert_eq!(app.outer.inner.deep.call(()).await, Ok("deep"));
    let snapshot = app.snapshot().await.unwrap().to_string();
    for name in ["app", "outer", "inner", "deep", "side"] {
        assert!(snapshot.contains(name), "{name} in {snapshot}");
    }
    app.shutdown().await;
    assert!(app.outer.is_shutting_down());
}

#[tokio::test(start_paused = true)]
async fn a_child_that_fails_to_start_is_named_and_the_others_are_stopped() {
    let log = Log::default();
    let error = supervision_tree! {
        app: supervisor {
            first: Probe("first", log.clone()),
            bad: Probe("refuses", log.clone()),
            never: Probe("never", log.clone()),
        }
    }
    .start()
    .await
    .expect_err("the tree does not start");
    assert_eq!(
        error.to_string(),
        "supervisor `app`: child `bad` failed to start: refused to init"
    );
    assert_eq!(
        log.take(),
        [
            "init first",
            "init refuses refused",
            "terminate first: shutdown"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_tree_can_share_a_registry_whose_names_it_then_holds() {
    let registry = Registry::new();
    let app = supervision_tree! {
        app: supervisor { cache: Cache(4) }
    }
    .start_in(&registry)
    .await
    .unwrap();
    assert_eq!(
        registry
            .names()
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>(),
        ["app", "cache"]
    );
    assert!(registry.lookup::<Cache>("cache").is_ok());
    // A second tree with the same names can't start in the same registry.
    let taken = supervision_tree! {
        app: supervisor { cache: Cache(4) }
    }
    .start_in(&registry)
    .await;
    // OTP's `{already_started, Pid}`: the root's name is held by the running root.
    assert!(matches!(
        taken,
        Err(perennial::supervisor::SupervisorStartError::AlreadyStarted { .. })
    ));
    app.shutdown().await;
    assert!(registry.names().is_empty());
}

#[tokio::test(start_paused = true)]
async fn join_resolves_with_the_escalation_that_ended_the_tree() {
    let log = Log::default();
    let app = supervision_tree! {
        app: supervisor(max_restarts = 1, within = 5s) {
            a: Probe("a", log.clone()) { health = off },
        }
    }
    .start()
    .await
    .unwrap();
    // The tree moves to another task; its clone stays here.
    let watcher = tokio::spawn({
        let app = app.clone();
        async move { app.join().await }
    });
    let mut events = app.subscribe();
    app.a.cast(ProbeCast::Crash).unwrap();
    events
        .wait_for(|e| matches!(e, Event::Restarted { .. }))
        .await
        .unwrap();
    app.a.cast(ProbeCast::Crash).unwrap();
    let reason = watcher.await.unwrap();
    assert!(
        matches!(&reason, ExitReason::Escalated(e) if &*e.child == "a"),
        "{reason}"
    );
    assert_eq!(app.exit_reason(), Some(reason));
}
