//! The supervisor handle: every method with its OTP outcomes, the snapshot, and names shared
//! across a tree.

mod support;

use std::time::Duration;

use perennial_runtime::supervisor::{
    Backoff, ChildCounts, ChildKind, ChildSpec, ChildState, Event, Restart, SupervisorError,
    SupervisorSpec, SupervisorStartError,
};
use perennial_runtime::{ExitReason, LookupError};
use support::worker::*;

async fn two_workers(log: &Log) -> perennial_runtime::supervisor::SupervisorHandle {
    SupervisorSpec::new("sup")
        .child(worker(&WorkerArgs::new("a", log)))
        .child(worker(&WorkerArgs::new("b", log)).restart(Restart::Transient))
        .start()
        .await
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn which_children_status_and_counts() {
    let log = Log::default();
    let sup = two_workers(&log).await;
    let children = sup.which_children().await.unwrap();
    assert_eq!(children.len(), 2);
    assert_eq!(&*children[0].name, "a");
    assert_eq!(children[0].kind, ChildKind::Server);
    assert_eq!(children[1].restart, Restart::Transient);
    assert!(matches!(children[0].state, ChildState::Running(_)));
    assert_eq!(sup.child_status("b").await.unwrap().restarts, 0);
    assert_eq!(
        sup.child_status("zz").await,
        Err(SupervisorError::NotFound("zz".into()))
    );
    assert_eq!(
        sup.count_children().await.unwrap(),
        ChildCounts {
            specs: 2,
            active: 2,
            supervisors: 0,
            workers: 2
        }
    );
    assert_eq!(sup.name(), "sup");
    assert_eq!(sup.health("a").await, Ok(None));
}

#[tokio::test(start_paused = true)]
async fn start_child_and_its_errors() {
    let log = Log::default();
    let sup = two_workers(&log).await;
    sup.start_child(worker(&WorkerArgs::new("c", &log)))
        .await
        .unwrap();
    assert!(sup.registry().lookup::<Worker>("c").is_ok());
    assert_eq!(
        sup.start_child(worker(&WorkerArgs::new("c", &log))).await,
        Err(SupervisorError::AlreadyStarted("c".into()))
    );
    sup.terminate_child("c").await.unwrap();
    assert_eq!(
        sup.start_child(worker(&WorkerArgs::new("c", &log))).await,
        Err(SupervisorError::AlreadyPresent("c".into()))
    );
    let bad = WorkerArgs::new("d", &log);
    bad.fail_next_inits(1);
    let err = sup.start_child(worker(&bad)).await.unwrap_err();
    assert!(matches!(&err, SupervisorError::StartFailed { child, .. } if &**child == "d"));
    assert_eq!(
        err.to_string(),
        "child `d` failed to start: d refused to init"
    );
    // A failed start keeps no spec.
    assert_eq!(
        sup.child_status("d").await,
        Err(SupervisorError::NotFound("d".into()))
    );
}

#[tokio::test(start_paused = true)]
async fn terminate_restart_and_delete_child() {
    let log = Log::default();
    let sup = two_workers(&log).await;
    log.take();
    sup.terminate_child("a").await.unwrap();
    assert_eq!(log.take(), ["terminate a: shutdown"]);
    assert_eq!(
        sup.child_status("a").await.unwrap().state,
        ChildState::NotRunning
    );
    // Not restarted: the supervisor stopped it on request.
    assert_eq!(sup.restart_count("a").await, Ok(0));
    assert!(sup.registry().lookup::<Worker>("a").is_err());
    // Idempotent.
    sup.terminate_child("a").await.unwrap();
    assert_eq!(
        sup.terminate_child("zz").await,
        Err(SupervisorError::NotFound("zz".into()))
    );

    assert_eq!(
        sup.restart_child("b").await,
        Err(SupervisorError::Running("b".into()))
    );
    assert_eq!(
        sup.delete_child("b").await,
        Err(SupervisorError::Running("b".into()))
    );
    sup.restart_child("a").await.unwrap();
    assert_eq!(log.take(), ["init a"]);
    assert!(matches!(
        sup.child_status("a").await.unwrap().state,
        ChildState::Running(_)
    ));

    sup.terminate_child("a").await.unwrap();
    sup.delete_child("a").await.unwrap();
    assert_eq!(
        sup.delete_child("a").await,
        Err(SupervisorError::NotFound("a".into()))
    );
    assert_eq!(
        sup.restart_child("a").await,
        Err(SupervisorError::NotFound("a".into()))
    );
    assert_eq!(sup.count_children().await.unwrap().specs, 1);
}

#[tokio::test(start_paused = true)]
async fn terminating_a_temporary_child_deletes_it() {
    let log = Log::default();
    let sup = SupervisorSpec::new("sup")
        .child(worker(&WorkerArgs::new("t", &log)).restart(Restart::Temporary))
        .start()
        .await
        .unwrap();
    sup.terminate_child("t").await.unwrap();
    assert_eq!(
        sup.child_status("t").await,
        Err(SupervisorError::NotFound("t".into()))
    );
}

#[tokio::test(start_paused = true)]
async fn a_handle_of_a_stopped_supervisor_says_it_is_not_running() {
    let log = Log::default();
    let sup = two_workers(&log).await;
    sup.shutdown().await;
    let err = sup.which_children().await.unwrap_err();
    assert!(matches!(err, SupervisorError::NotRunning(_)), "{err:?}");
    assert!(
        err.to_string().starts_with("the supervisor is not running"),
        "{err}"
    );
    assert_eq!(sup.exit_reason(), Some(ExitReason::Shutdown));
}

#[tokio::test(start_paused = true)]
async fn names_are_shared_across_a_tree_and_follow_restarts() {
    let log = Log::default();
    let inner = SupervisorSpec::new("inner").child(worker(&WorkerArgs::new("deep", &log)));
    let root = SupervisorSpec::new("root")
        .child(worker(&WorkerArgs::new("top", &log)))
        .child(ChildSpec::supervisor(inner))
        .start()
        .await
        .unwrap();
    let registry = root.registry();
    assert_eq!(
        registry.names(),
        ["deep", "inner", "root", "top"].map(std::sync::Arc::<str>::from)
    );
    let deep = registry.named::<Worker>("deep");
    assert_eq!(deep.call(WCall::Name).await, Ok("deep"));
    let first = deep.resolve().unwrap().id();
    let mut events = root.subscribe();
    deep.cast(WCast::Panic).unwrap();
    let e = events
        .wait_for(|e| matches!(e, Event::Restarted { .. }))
        .await
        .unwrap();
    assert_eq!(e.supervisor(), "inner");
    assert_eq!(e.child(), Some("deep"));
    // The same name-bound reference reaches the new incarnation.
    assert_eq!(deep.call(WCall::Name).await, Ok("deep"));
    assert_ne!(deep.resolve().unwrap().id(), first);
    // A supervisor is registered, but not as a worker.
    assert!(matches!(
        registry.lookup::<Worker>("inner"),
        Err(LookupError::WrongType { .. })
    ));
}

#[tokio::test(start_paused = true)]
async fn a_name_used_twice_in_a_tree_fails_the_start() {
    let log = Log::default();
    let inner = SupervisorSpec::new("inner").child(worker(&WorkerArgs::new("dup", &log)));
    let err = SupervisorSpec::new("root")
        .child(worker(&WorkerArgs::new("dup", &log)))
        .child(ChildSpec::supervisor(inner))
        .start()
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("child `inner` failed to start"), "{text}");
    assert!(text.contains("`dup`"), "{text}");

    let err = SupervisorSpec::new("sup")
        .child(worker(&WorkerArgs::new("x", &log)))
        .child(worker(&WorkerArgs::new("x", &log)))
        .start()
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            SupervisorStartError::InvalidSpec {
                flag: "children",
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn start_child_of_a_child_being_restarted_is_already_present() {
    let log = Log::default();
    let sup = SupervisorSpec::new("sup")
        .child(worker(&WorkerArgs::new("w", &log)).backoff(Backoff {
            initial: Duration::from_secs(10),
            factor: 1.0,
            max: Duration::from_secs(10),
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
        .wait_for(|e| matches!(e, Event::Exited { .. }))
        .await
        .unwrap();
    assert_eq!(
        sup.child_status("w").await.unwrap().state,
        ChildState::Restarting
    );
    // OTP's `already_present`: the child exists, but does not run.
    assert_eq!(
        sup.start_child(worker(&WorkerArgs::new("w", &log))).await,
        Err(SupervisorError::AlreadyPresent("w".into()))
    );
    events
        .wait_for(|e| matches!(e, Event::Restarted { .. }))
        .await
        .unwrap();
    assert_eq!(
        sup.start_child(worker(&WorkerArgs::new("w", &log))).await,
        Err(SupervisorError::AlreadyStarted("w".into()))
    );
}

#[tokio::test(start_paused = true)]
async fn a_supervisor_started_under_a_taken_name_gets_the_running_ones_handle() {
    let log = Log::default();
    let running = SupervisorSpec::new("app")
        .child(worker(&WorkerArgs::new("a", &log)))
        .start()
        .await
        .unwrap();
    let err = SupervisorSpec::new("app")
        .child(worker(&WorkerArgs::new("b", &log)))
        .start_in(running.registry())
        .await
        .unwrap_err();
    let SupervisorStartError::AlreadyStarted { name, existing } = &err else {
        panic!("expected AlreadyStarted, got {err:?}");
    };
    assert_eq!(&**name, "app");
    assert_eq!(existing, &running);
    assert!(
        err.to_string()
            .contains("already running under the name `app`")
    );
    // The handle works: it is the running supervisor, with its own tree's events.
    assert_eq!(existing.which_children().await.unwrap()[0].name, "a".into());
    let mut events = existing.subscribe();
    running.terminate_child("a").await.unwrap();
    assert!(matches!(events.next().await, Some(Event::Exited { .. })));
    // The second one never started a child.
    assert_eq!(log.take(), ["init a", "terminate a: shutdown"]);

    // A name taken by a server that is not a supervisor is only taken.
    running.restart_child("a").await.unwrap();
    let err = SupervisorSpec::new("a")
        .start_in(running.registry())
        .await
        .unwrap_err();
    assert!(
        matches!(err, SupervisorStartError::NameTaken { .. }),
        "{err:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_zero_window_is_refused() {
    let err = SupervisorSpec::new("sup")
        .intensity(3, Duration::ZERO)
        .start()
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "supervisor `sup`: invalid `within`: the restart window must be longer than zero"
    );
}

#[tokio::test(start_paused = true)]
async fn a_snapshot_renders_the_whole_tree() {
    let log = Log::default();
    let inner = SupervisorSpec::new("db")
        .child(worker(&WorkerArgs::new("pool", &log)))
        .child(worker(&WorkerArgs::new("writer", &log)));
    let root = SupervisorSpec::new("app")
        .child(worker(&WorkerArgs::new("cache", &log)).health(Some(Default::default())))
        .child(ChildSpec::task("metrics", std::future::pending::<()>))
        .child(ChildSpec::supervisor(inner))
        .start()
        .await
        .unwrap();
    let mut events = root.subscribe();
    root.registry()
        .lookup::<Worker>("writer")
        .unwrap()
        .cast(WCast::Panic)
        .unwrap();
    events
        .wait_for(|e| matches!(e, Event::Restarted { .. }))
        .await
        .unwrap();
    let snapshot = root.snapshot().await.unwrap();
    assert_eq!(snapshot.find("writer").unwrap().info.restarts, 1);
    // Ids differ from run to run; mask them.
    let text = snapshot.to_string();
    let masked: String = text
        .split('#')
        .enumerate()
        .map(|(i, part)| {
            if i == 0 {
                part.to_string()
            } else {
                format!(
                    "#N{}",
                    part.trim_start_matches(|c: char| c.is_ascii_digit())
                )
            }
        })
        .collect();
    assert_eq!(
        masked,
        "app (supervisor)\n\
         ├── cache (gen_server) running #N, restarts 0, health ok\n\
         ├── metrics (task) running #N, restarts 0\n\
         └── db (supervisor) running #N, restarts 0\n    \
             ├── pool (gen_server) running #N, restarts 0\n    \
             └── writer (gen_server) running #N, restarts 1\n"
    );
}

#[tokio::test(start_paused = true)]
async fn a_child_handle_reaches_a_child_by_name() {
    use perennial_runtime::supervisor::ChildHandle;
    let sup = SupervisorSpec::new("sup")
        .child(ChildSpec::task("t", std::future::pending::<()>))
        .start()
        .await
        .unwrap();
    let t = ChildHandle::new(sup.clone(), "t");
    assert_eq!(t.name(), "t");
    assert_eq!(t.supervisor().name(), "sup");
    assert!(matches!(
        t.status().await.unwrap().state,
        ChildState::Running(_)
    ));
    t.terminate().await.unwrap();
    assert_eq!(t.status().await.unwrap().state, ChildState::NotRunning);
    t.restart().await.unwrap();
    assert_eq!(t.restart_count().await, Ok(0));
    let missing = ChildHandle::new(sup, "nope");
    assert_eq!(
        missing.status().await,
        Err(SupervisorError::NotFound("nope".into()))
    );
}
