//! Bad input at run time: each misbehaviour gets a clear, typed error and takes nothing else
//! down. Every test runs next to a bystander (a sibling worker) and checks at the end that it is
//! the same incarnation, still answering, never restarted, and that the supervisor still
//! answers.

#[path = "support/fw.rs"]
mod fw;

use std::sync::atomic::Ordering;
use std::time::Duration;

use fw::{Fw, FwArgs, FwCall, FwCast, Log};
use perennial_runtime::supervisor::{
    ChildSpec, DynamicSpec, Event, EventStream, HealthCheck, Restart, Shutdown, SupervisorError,
    SupervisorHandle, SupervisorSpec, SupervisorStartError,
};
use perennial_runtime::{
    CallError, CastError, ExitReason, GenServer, LookupError, ProcessId, StartError,
};
use tokio::time::Instant;

const HOUR: Duration = Duration::from_secs(3600);

fn fw(name: &str, log: &Log) -> ChildSpec {
    ChildSpec::server::<Fw>(name, FwArgs::new(name, log)).health(None)
}

fn fw_with(args: &FwArgs) -> ChildSpec {
    ChildSpec::server::<Fw>(args.name.clone(), args.clone()).health(None)
}

/// A supervisor with a bystander worker, and what the bystander looked like at the start.
struct Tree {
    sup: SupervisorHandle,
    bystander: ProcessId,
    events: EventStream,
}

async fn tree_with(log: &Log, children: Vec<ChildSpec>) -> Tree {
    fw::quiet_deliberate_panics();
    let mut spec = SupervisorSpec::new("sup")
        .intensity(10, Duration::from_secs(5))
        .child(fw("bystander", log));
    for c in children {
        spec = spec.child(c);
    }
    let sup = spec.start().await.expect("the tree starts");
    let bystander = sup.registry().lookup::<Fw>("bystander").unwrap().id();
    let events = sup.subscribe();
    Tree {
        sup,
        bystander,
        events,
    }
}

impl Tree {
    /// Nothing else was taken down: the bystander is the same incarnation, answers, was never
    /// restarted, and the supervisor answers.
    async fn assert_untouched(&self) {
        let b = self.sup.registry().lookup::<Fw>("bystander").unwrap();
        assert_eq!(b.id(), self.bystander, "the bystander was not replaced");
        assert_eq!(b.call(FwCall::Id).await, Ok(self.bystander));
        assert_eq!(self.sup.restart_count("bystander").await, Ok(0));
        assert!(!self.sup.is_shutting_down());
    }

    /// Shuts the tree down and checks that no task of it is left.
    async fn end(self) {
        assert_eq!(self.sup.shutdown().await, ExitReason::Shutdown);
        tokio::time::sleep(Duration::from_millis(1)).await;
        assert!(self.sup.registry().names().is_empty());
        let alive = tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks();
        assert_eq!(alive, 0, "no task of the tree outlives it");
    }
}

fn whats(log: &Log) -> Vec<String> {
    log.take()
        .into_iter()
        .map(|e| format!("{}: {}", e.who, e.what))
        .collect()
}

// ---- init that panics ----

#[tokio::test(start_paused = true)]
async fn an_init_that_panics_is_a_typed_start_error() {
    fw::quiet_deliberate_panics();
    let log = Log::new();
    // Started directly.
    let args = FwArgs::new("p", &log);
    args.panicking_inits.store(1, Ordering::SeqCst);
    match Fw::start(args).await {
        Err(e @ StartError::InitPanicked(_)) => {
            assert!(
                e.to_string()
                    .ends_with("panicked in init: fault: p panicked in init"),
                "{e}"
            );
        }
        other => panic!("expected InitPanicked, got {other:?}"),
    }

    // In a tree being started: the start fails naming the child, the rest is rolled back.
    let args = FwArgs::new("p", &log);
    args.panicking_inits.store(1, Ordering::SeqCst);
    log.take();
    let err = SupervisorSpec::new("sup")
        .child(fw("a", &log))
        .child(fw_with(&args))
        .start()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, SupervisorStartError::ChildFailed { child, .. } if &**child == "p"),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .ends_with("child `p` failed to start: `bad_input::fw::Fw` panicked in init: fault: p panicked in init"),
        "{err}"
    );
    assert_eq!(
        whats(&log),
        ["a: init", "p: init panics", "a: terminate: shutdown"]
    );
}

#[tokio::test(start_paused = true)]
async fn start_child_with_an_init_that_panics_harms_nothing_else() {
    let log = Log::new();
    let mut t = tree_with(&log, vec![]).await;
    let args = FwArgs::new("p", &log);
    args.panicking_inits.store(1, Ordering::SeqCst);
    let err = t.sup.start_child(fw_with(&args)).await.unwrap_err();
    assert!(
        matches!(&err, SupervisorError::StartFailed { child, reason: ExitReason::Error(_) } if &**child == "p"),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("child `p` failed to start: `bad_input::fw::Fw` panicked in init"),
        "{err}"
    );
    // No spec kept, no name held.
    assert_eq!(
        t.sup.child_status("p").await,
        Err(SupervisorError::NotFound("p".into()))
    );
    assert!(t.sup.registry().lookup::<Fw>("p").is_err());
    assert!(t.events.try_next().is_none(), "nothing happened to anyone");
    // The same child starts once its init behaves.
    t.sup.start_child(fw_with(&args)).await.unwrap();
    t.assert_untouched().await;
    t.end().await;
}

#[tokio::test(start_paused = true)]
async fn an_init_that_panics_on_restart_is_retried_like_a_failed_one() {
    let log = Log::new();
    let args = FwArgs::new("p", &log);
    let mut t = tree_with(&log, vec![fw_with(&args)]).await;
    args.panicking_inits.store(2, Ordering::SeqCst);
    t.sup
        .registry()
        .lookup::<Fw>("p")
        .unwrap()
        .cast(FwCast::Panic)
        .unwrap();
    let mut seen = Vec::new();
    loop {
        let e = t.events.next().await.unwrap();
        seen.push(e.to_string());
        if matches!(e, Event::Restarted { .. }) {
            break;
        }
    }
    assert_eq!(
        seen,
        [
            "`p` exited: panicked: fault: p crashed",
            "restart of `p` failed, will retry: error: `bad_input::fw::Fw` panicked in init: fault: p panicked in init",
            "restart of `p` failed, will retry: error: `bad_input::fw::Fw` panicked in init: fault: p panicked in init",
            &seen[3],
        ]
    );
    assert!(seen[3].starts_with("restarted `p`"), "{}", seen[3]);
    t.assert_untouched().await;
    t.end().await;
}

// ---- init that never returns ----

#[tokio::test(start_paused = true)]
async fn an_init_that_never_returns_times_out() {
    fw::quiet_deliberate_panics();
    let log = Log::new();
    let registry = perennial_runtime::Registry::new();
    let args = FwArgs::new("h", &log);
    args.hanging_inits.store(1, Ordering::SeqCst);
    let started = Instant::now();
    match Fw::builder()
        .register(&registry, "h")
        .init_timeout(Duration::from_secs(2))
        .start(args.clone())
        .await
    {
        Err(e @ StartError::InitTimeout(_)) => assert!(
            e.to_string()
                .ends_with("did not finish init within 2s and was killed; raise the start timeout or move slow work to handle_continue"),
            "{e}"
        ),
        other => panic!("expected InitTimeout, got {other:?}"),
    }
    assert_eq!(started.elapsed(), Duration::from_secs(2));
    // The name is free again, and the hung task is gone.
    assert!(matches!(
        registry.lookup::<Fw>("h"),
        Err(LookupError::NotFound { .. })
    ));
    Fw::builder()
        .register(&registry, "h")
        .start(args)
        .await
        .unwrap()
        .stop(ExitReason::Shutdown)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1)).await;
    let alive = tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks();
    assert_eq!(alive, 0);
}

/// Found by this test: the supervisor gave up on the hung init after its start timeout but
/// left the task running, holding the child's name, so the child could never be started again
/// (and a task outlived the tree).
#[tokio::test(start_paused = true)]
async fn a_child_whose_init_never_returns_times_out_and_frees_its_name() {
    let log = Log::new();
    let mut t = tree_with(&log, vec![]).await;
    log.take();
    let args = FwArgs::new("h", &log);
    args.hanging_inits.store(1, Ordering::SeqCst);
    let started = Instant::now();
    let err = t.sup.start_child(fw_with(&args)).await.unwrap_err();
    assert_eq!(started.elapsed(), Duration::from_secs(60));
    assert_eq!(
        err.to_string(),
        "child `h` failed to start: init did not finish within 60s"
    );
    assert!(
        t.sup.registry().lookup::<Fw>("h").is_err(),
        "the name is free"
    );
    assert!(t.events.try_next().is_none());
    t.sup.start_child(fw_with(&args)).await.unwrap();
    assert_eq!(whats(&log), ["h: init hangs", "h: init"]);
    t.assert_untouched().await;
    t.end().await;
}

// ---- terminate that panics ----

#[tokio::test(start_paused = true)]
async fn a_terminate_that_panics_becomes_the_exit_reason_and_the_stop_carries_on() {
    let log = Log::new();
    let mut t = tree_with(&log, vec![fw("a", &log), fw("b", &log)]).await;
    for name in ["a", "b"] {
        let w = t.sup.registry().lookup::<Fw>(name).unwrap();
        w.cast(FwCast::ArmTerminatePanic).unwrap();
        w.call(FwCall::Id).await.unwrap();
    }
    log.take();
    // Stopped by request: the panic is its exit reason; the spec is kept and restarts.
    assert_eq!(t.sup.terminate_child("b").await, Ok(()));
    let e = t.events.next().await.unwrap();
    assert_eq!(
        e.to_string(),
        "`b` exited: panicked: fault: b failed to clean up"
    );
    t.sup.restart_child("b").await.unwrap();
    let e = t.events.next().await.unwrap();
    assert!(e.to_string().starts_with("started `b`"), "{e}");
    // A crash whose terminate panics: the terminate's panic is the reason, and it restarts.
    let a = t.sup.registry().lookup::<Fw>("a").unwrap();
    a.cast(FwCast::Stop(ExitReason::Normal)).unwrap();
    let e = t.events.next().await.unwrap();
    assert_eq!(
        e.to_string(),
        "`a` exited: panicked: fault: a failed to clean up"
    );
    assert!(matches!(
        t.events.next().await,
        Some(Event::Restarted { .. })
    ));
    assert_eq!(
        whats(&log),
        [
            "b: terminate: shutdown",
            "b: init",
            "a: terminate: normal",
            "a: init"
        ]
    );
    t.assert_untouched().await;
    t.end().await;
}

// ---- a handler that blocks forever ----

#[tokio::test(start_paused = true)]
async fn a_handler_that_blocks_forever_times_calls_out_and_is_killed_by_its_health_check() {
    let log = Log::new();
    let check = HealthCheck {
        interval: Duration::from_secs(10),
        timeout: Duration::from_secs(1),
        failures: 2,
    };
    let stuck = ChildSpec::server::<Fw>("stuck", FwArgs::new("stuck", &log)).health(Some(check));
    let mut t = tree_with(&log, vec![stuck]).await;
    log.take();
    let w = t.sup.registry().lookup::<Fw>("stuck").unwrap();
    w.cast(FwCast::Stall(100 * HOUR)).unwrap();
    // A call does not hang: it times out, typed, after its own timeout.
    let asked = Instant::now();
    assert_eq!(
        w.call_timeout(FwCall::Id, Duration::from_secs(3)).await,
        Err(CallError::Timeout(Duration::from_secs(3)))
    );
    assert_eq!(asked.elapsed(), Duration::from_secs(3));
    // A cast does not block either: it is queued.
    assert_eq!(w.cast(FwCast::ArmTerminatePanic).map_err(|_| ()), Ok(()));
    // Two missed pings (at 10 s and 21 s, each failing 1 s later), and it is killed.
    let mut seen = Vec::new();
    loop {
        let e = t.events.next().await.unwrap();
        seen.push(e.to_string());
        if matches!(e, Event::Restarted { .. }) {
            break;
        }
    }
    assert_eq!(
        &seen[..3],
        [
            "`stuck` missed a health check (1 in a row)",
            "`stuck` missed a health check (2 in a row)",
            "`stuck` exited: error: health check failed: no pong within 1s, 2 times in a row",
        ]
    );
    assert_eq!(
        asked.elapsed(),
        Duration::from_secs(22 - 3) + Duration::from_secs(3)
    );
    assert!(!w.is_alive());
    // Killed: its terminate did not run; then restarted.
    assert_eq!(whats(&log), ["stuck: init"]);
    t.assert_untouched().await;
    t.end().await;
}

#[tokio::test(start_paused = true)]
async fn a_child_that_ignores_shutdown_is_killed_after_its_timeout() {
    let log = Log::new();
    let t = tree_with(
        &log,
        vec![
            fw("stubborn", &log).shutdown(Shutdown::Timeout(Duration::from_secs(2))),
            fw("last", &log),
        ],
    )
    .await;
    let mut events = t.sup.subscribe();
    t.sup
        .registry()
        .lookup::<Fw>("stubborn")
        .unwrap()
        .cast(FwCast::Stall(HOUR))
        .unwrap();
    log.take();
    let asked = Instant::now();
    assert_eq!(t.sup.shutdown().await, ExitReason::Shutdown);
    assert_eq!(
        asked.elapsed(),
        Duration::from_secs(2),
        "killed after its timeout"
    );
    let mut exits = Vec::new();
    while let Some(e) = events.next().await {
        match e {
            Event::Exited { child, reason, .. } => exits.push(format!("{child}: {reason}")),
            Event::ShutDown { .. } => break,
            _ => {}
        }
    }
    assert_eq!(
        exits,
        ["last: shutdown", "stubborn: killed", "bystander: shutdown"],
        "in reverse order, the others stopped in an orderly way"
    );
    assert_eq!(
        whats(&log),
        [
            "last: terminate: shutdown",
            "bystander: terminate: shutdown"
        ]
    );
    tokio::time::sleep(Duration::from_millis(1)).await;
    let alive = tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks();
    assert_eq!(alive, 0);
}

// ---- handles used after shutdown ----

#[tokio::test(start_paused = true)]
async fn handles_used_after_shutdown_get_typed_errors() {
    fw::quiet_deliberate_panics();
    let log = Log::new();
    let jobs = DynamicSpec::<Fw>::new("jobs").health(None);
    let inner = SupervisorSpec::new("inner").child(fw("deep", &log));
    let sup = SupervisorSpec::new("sup")
        .child(fw("w", &log))
        .child(ChildSpec::supervisor(inner))
        .child(ChildSpec::supervisor(jobs.supervisor_spec()))
        .start()
        .await
        .unwrap();
    let registry = sup.registry().clone();
    let w = registry.lookup::<Fw>("w").unwrap();
    let named = registry.named::<Fw>("w");
    let nested = sup.nested("inner");
    let jobs = jobs.attach(sup.nested("jobs"));
    let job = jobs.start_child(FwArgs::new("job", &log)).await.unwrap();

    assert_eq!(sup.shutdown().await, ExitReason::Shutdown);

    // A reference to one incarnation.
    let not_running = CallError::NotRunning {
        name: Some("w".into()),
    };
    assert_eq!(w.call(FwCall::Id).await, Err(not_running.clone()));
    assert_eq!(w.ping().await, Err(not_running));
    assert!(matches!(
        w.cast(FwCast::Panic),
        Err(CastError::NotRunning(_))
    ));
    // Stopping it again: there is nothing to stop (OTP's `noproc`).
    assert_eq!(
        w.stop(ExitReason::Shutdown).await,
        Err(CallError::NotRunning {
            name: Some("w".into())
        })
    );
    w.kill();
    assert_eq!(w.exit_reason(), Some(ExitReason::Shutdown));
    assert!(matches!(
        job.call(FwCall::Id).await,
        Err(CallError::NotRunning { .. })
    ));

    // A reference to a name: nobody will bring the server back, so a call says so at once.
    let asked = Instant::now();
    assert_eq!(
        named.call_timeout(FwCall::Id, Duration::from_secs(1)).await,
        Err(CallError::NotRunning {
            name: Some("w".into())
        })
    );
    assert_eq!(asked.elapsed(), Duration::ZERO);
    assert!(matches!(
        named.cast(FwCast::Panic),
        Err(CastError::NotRunning(_))
    ));
    assert!(matches!(
        registry.lookup::<Fw>("w"),
        Err(LookupError::NotFound { .. })
    ));

    // The supervisor's handle.
    assert!(matches!(
        sup.which_children().await,
        Err(SupervisorError::NotRunning(_))
    ));
    assert!(matches!(
        sup.start_child(fw("x", &log)).await,
        Err(SupervisorError::NotRunning(_))
    ));
    assert!(matches!(
        sup.terminate_child("w").await,
        Err(SupervisorError::NotRunning(_))
    ));
    assert_eq!(sup.shutdown().await, ExitReason::Shutdown, "idempotent");
    assert_eq!(sup.wait_exit().await, ExitReason::Shutdown);
    assert!(sup.is_shutting_down());

    // Handles of nested supervisors, bound to their names: they say at once that the
    // supervisor is not running.
    let minute = Duration::from_secs(60);
    let err = tokio::time::timeout(minute, nested.which_children())
        .await
        .expect("no hang");
    assert!(
        matches!(err, Err(SupervisorError::NotRunning(_))),
        "{err:?}"
    );
    let err = tokio::time::timeout(minute, jobs.start_child(FwArgs::new("late", &log)))
        .await
        .expect("no hang")
        .map(|_| ());
    assert!(
        matches!(err, Err(SupervisorError::NotRunning(_))),
        "{err:?}"
    );
    assert_eq!(nested.shutdown().await, ExitReason::Shutdown);
}

/// Found by this test: a handle bound to a nested supervisor's name waited forever (its
/// timeout was `Duration::MAX`) once that supervisor was stopped for good.
#[tokio::test(start_paused = true)]
async fn a_nested_handle_to_a_stopped_supervisor_does_not_hang() {
    let log = Log::new();
    let inner = SupervisorSpec::new("inner").child(fw("deep", &log));
    let t = tree_with(&log, vec![ChildSpec::supervisor(inner)]).await;
    let nested = t.sup.nested("inner");
    assert_eq!(nested.which_children().await.unwrap().len(), 1);
    t.sup.terminate_child("inner").await.unwrap();
    let asked = Instant::now();
    let err = nested.which_children().await.unwrap_err();
    assert!(
        matches!(&err, SupervisorError::NotRunning(CallError::NotRunning { name: Some(n) }) if &**n == "inner"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "the supervisor is not running: server `inner` is not running"
    );
    // Nobody will bring it back: at once, not after a call timeout.
    assert_eq!(asked.elapsed(), Duration::ZERO);
    // Back once it is restarted.
    t.sup.restart_child("inner").await.unwrap();
    assert_eq!(nested.which_children().await.unwrap().len(), 1);
    t.assert_untouched().await;
    t.end().await;
}

// ---- start_child on a full dynamic supervisor ----

#[tokio::test(start_paused = true)]
async fn start_child_on_a_full_dynamic_supervisor_is_refused_and_harms_nothing() {
    fw::quiet_deliberate_panics();
    let log = Log::new();
    let spec = DynamicSpec::<Fw>::new("jobs")
        .max_children(2)
        .health(None)
        .restart(Restart::Temporary);
    let t = tree_with(&log, vec![ChildSpec::supervisor(spec.supervisor_spec())]).await;
    let jobs = spec.attach(t.sup.nested("jobs"));
    let one = jobs.start_child(FwArgs::new("one", &log)).await.unwrap();
    let two = jobs.start_child(FwArgs::new("two", &log)).await.unwrap();
    let err = jobs
        .start_child(FwArgs::new("three", &log))
        .await
        .unwrap_err();
    assert_eq!(err, SupervisorError::MaxChildren(2));
    assert_eq!(
        err.to_string(),
        "the dynamic supervisor already has its maximum of 2 children"
    );
    // Nothing else changed, and "three" never ran.
    assert_eq!(one.call(FwCall::Id).await, Ok(one.id()));
    assert_eq!(two.call(FwCall::Id).await, Ok(two.id()));
    assert_eq!(jobs.count_children().await.unwrap().active, 2);
    assert!(!whats(&log).iter().any(|l| l.starts_with("three")));
    // Room again once one ends.
    one.stop(ExitReason::Normal).await.unwrap();
    jobs.start_child(FwArgs::new("four", &log)).await.unwrap();
    t.assert_untouched().await;
    t.end().await;
}

// ---- restart of a temporary child ----

#[tokio::test(start_paused = true)]
async fn restart_of_a_temporary_child_is_a_typed_error() {
    let log = Log::new();
    let t = tree_with(&log, vec![fw("t", &log).restart(Restart::Temporary)]).await;
    let mut events = t.sup.subscribe();
    assert_eq!(
        t.sup.restart_child("t").await,
        Err(SupervisorError::Running("t".into()))
    );
    t.sup
        .registry()
        .lookup::<Fw>("t")
        .unwrap()
        .cast(FwCast::Panic)
        .unwrap();
    events
        .wait_for(|e| matches!(e, Event::Exited { .. }))
        .await
        .unwrap();
    // A temporary child's spec is gone with it: nothing to restart or delete.
    let not_found = Err(SupervisorError::NotFound("t".into()));
    assert_eq!(t.sup.restart_child("t").await, not_found);
    assert_eq!(t.sup.delete_child("t").await, not_found);
    assert_eq!(
        t.sup.restart_child("t").await.unwrap_err().to_string(),
        "no child is named `t`"
    );
    t.assert_untouched().await;
    t.end().await;
}
