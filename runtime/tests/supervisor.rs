//! Supervisors: start order and rollback, strategies, the restart table, intensity and
//! escalation, retries and backoff, shutdown modes.

mod support;

use std::sync::Arc;
use std::time::Duration;

use perennial_runtime::supervisor::{
    Backoff, ChildSpec, ChildState, Event, EventStream, Restart, Shutdown, Strategy,
    SupervisorHandle, SupervisorSpec, SupervisorStartError,
};
use perennial_runtime::{ExitReason, ProcessId, ServerRef};
use support::worker::*;
use tokio::time::Instant;

fn server(sup: &SupervisorHandle, name: &str) -> ServerRef<Worker> {
    sup.registry()
        .lookup::<Worker>(name)
        .expect("child is registered")
}

fn id(sup: &SupervisorHandle, name: &str) -> ProcessId {
    server(sup, name).id()
}

fn crash(sup: &SupervisorHandle, name: &str) {
    server(sup, name)
        .cast(WCast::Panic)
        .expect("child takes the cast");
}

async fn restarted(events: &mut EventStream, name: &str) -> Event {
    events
        .wait_for(|e| matches!(e, Event::Restarted { child, .. } if &**child == name))
        .await
        .expect("the child is restarted")
}

async fn abc(strategy: Strategy, log: &Log) -> SupervisorHandle {
    SupervisorSpec::new("sup")
        .strategy(strategy)
        .child(worker(&WorkerArgs::new("a", log)))
        .child(worker(&WorkerArgs::new("b", log)))
        .child(worker(&WorkerArgs::new("c", log)))
        .start()
        .await
        .expect("supervisor starts")
}

#[tokio::test(start_paused = true)]
async fn children_start_in_order_and_stop_in_reverse() {
    let log = Log::default();
    let sup = abc(Strategy::OneForOne, &log).await;
    assert_eq!(log.take(), ["init a", "init b", "init c"]);
    let mut events = sup.subscribe();
    assert_eq!(sup.shutdown().await, ExitReason::Shutdown);
    assert_eq!(
        log.take(),
        [
            "terminate c: shutdown",
            "terminate b: shutdown",
            "terminate a: shutdown"
        ]
    );
    let mut exited = Vec::new();
    while let Some(e) = events.next().await {
        match e {
            Event::Exited { child, reason, .. } => {
                assert_eq!(reason, ExitReason::Shutdown);
                exited.push(child.to_string());
            }
            Event::ShutDown { supervisor, reason } => {
                assert_eq!(&*supervisor, "sup");
                assert_eq!(reason, ExitReason::Shutdown);
                break;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(exited, ["c", "b", "a"]);
    assert!(sup.is_shutting_down());
    // Shutdown is idempotent.
    assert_eq!(sup.shutdown().await, ExitReason::Shutdown);
    assert!(sup.registry().names().is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_failing_start_stops_the_started_children_in_reverse_and_names_the_culprit() {
    let log = Log::default();
    let c = WorkerArgs::new("c", &log);
    c.fail_next_inits(1);
    let err = SupervisorSpec::new("sup")
        .child(worker(&WorkerArgs::new("a", &log)))
        .child(worker(&WorkerArgs::new("b", &log)))
        .child(worker(&c))
        .child(worker(&WorkerArgs::new("d", &log)))
        .start()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, SupervisorStartError::ChildFailed { supervisor, child, .. }
            if &**supervisor == "sup" && &**child == "c"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "supervisor `sup`: child `c` failed to start: c refused to init"
    );
    assert_eq!(
        log.take(),
        [
            "init a",
            "init b",
            "init c failed",
            "terminate b: shutdown",
            "terminate a: shutdown"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn one_for_one_restarts_only_the_crashed_child() {
    let log = Log::default();
    let sup = abc(Strategy::OneForOne, &log).await;
    let before = [id(&sup, "a"), id(&sup, "b"), id(&sup, "c")];
    log.take();
    let mut events = sup.subscribe();
    crash(&sup, "b");
    let e = restarted(&mut events, "b").await;
    assert!(matches!(e, Event::Restarted { restarts: 1, .. }));
    assert_eq!(log.take(), ["terminate b: panicked: b crashed", "init b"]);
    assert_eq!(id(&sup, "a"), before[0]);
    assert_ne!(id(&sup, "b"), before[1]);
    assert_eq!(id(&sup, "c"), before[2]);
    assert_eq!(sup.restart_count("b").await, Ok(1));
    assert_eq!(sup.restart_count("a").await, Ok(0));
}

#[tokio::test(start_paused = true)]
async fn one_for_all_stops_the_others_in_reverse_and_restarts_all_in_order() {
    let log = Log::default();
    let sup = abc(Strategy::OneForAll, &log).await;
    let before = [id(&sup, "a"), id(&sup, "b"), id(&sup, "c")];
    log.take();
    let mut events = sup.subscribe();
    crash(&sup, "b");
    restarted(&mut events, "c").await;
    assert_eq!(
        log.take(),
        [
            "terminate b: panicked: b crashed",
            "terminate c: shutdown",
            "terminate a: shutdown",
            "init a",
            "init b",
            "init c"
        ]
    );
    for (name, old) in ["a", "b", "c"].into_iter().zip(before) {
        assert_ne!(id(&sup, name), old, "{name} is a new incarnation");
    }
}

#[tokio::test(start_paused = true)]
async fn rest_for_one_restarts_the_crashed_child_and_those_after_it() {
    let log = Log::default();
    let sup = abc(Strategy::RestForOne, &log).await;
    let a = id(&sup, "a");
    log.take();
    let mut events = sup.subscribe();
    crash(&sup, "b");
    restarted(&mut events, "c").await;
    assert_eq!(
        log.take(),
        [
            "terminate b: panicked: b crashed",
            "terminate c: shutdown",
            "init b",
            "init c"
        ]
    );
    assert_eq!(id(&sup, "a"), a);
}

/// Starts a supervisor with one child of `restart` type, stops it with `reason`, and says
/// whether it was restarted (and what the supervisor kept of it otherwise).
async fn exit_with(restart: Restart, reason: ExitReason) -> (bool, Option<ChildState>) {
    let log = Log::default();
    let sup = SupervisorSpec::new("sup")
        .child(worker(&WorkerArgs::new("w", &log)).restart(restart))
        .start()
        .await
        .unwrap();
    let mut events = sup.subscribe();
    server(&sup, "w").cast(WCast::Stop(reason)).unwrap();
    events
        .wait_for(|e| matches!(e, Event::Exited { .. }))
        .await
        .unwrap();
    // A call is answered after the exit was handled (the supervisor takes one message at a
    // time), so the state below is settled.
    let state = sup.child_status("w").await.ok().map(|info| info.state);
    let restarted = matches!(state, Some(ChildState::Running(_)));
    (restarted, state)
}

#[tokio::test(start_paused = true)]
async fn the_restart_table_follows_otp() {
    use ExitReason::*;
    let abnormal = || [Panic("p".into()), ExitReason::error("e"), Killed];
    // permanent: always, even after a normal exit or a shutdown.
    for reason in [Normal, Shutdown].into_iter().chain(abnormal()) {
        assert!(
            exit_with(Restart::Permanent, reason.clone()).await.0,
            "permanent, {reason}"
        );
    }
    // transient: only after an abnormal exit; otherwise kept, not running.
    for reason in [Normal, Shutdown] {
        let (restarted, state) = exit_with(Restart::Transient, reason.clone()).await;
        assert!(!restarted, "transient, {reason}");
        assert_eq!(state, Some(ChildState::NotRunning), "transient, {reason}");
    }
    for reason in abnormal() {
        assert!(
            exit_with(Restart::Transient, reason.clone()).await.0,
            "transient, {reason}"
        );
    }
    // temporary: never, and removed.
    for reason in [Normal, Shutdown].into_iter().chain(abnormal()) {
        let (restarted, state) = exit_with(Restart::Temporary, reason.clone()).await;
        assert!(!restarted, "temporary, {reason}");
        assert_eq!(state, None, "temporary, {reason}: removed");
    }
    // "do not restart me" wins over every restart type.
    for restart in [Restart::Permanent, Restart::Transient, Restart::Temporary] {
        assert!(
            !exit_with(restart, NoRestart).await.0,
            "{restart:?}, NoRestart"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_temporary_bystander_is_removed_not_restarted() {
    let log = Log::default();
    let sup = SupervisorSpec::new("sup")
        .strategy(Strategy::OneForAll)
        .child(worker(&WorkerArgs::new("a", &log)))
        .child(worker(&WorkerArgs::new("t", &log)).restart(Restart::Temporary))
        .start()
        .await
        .unwrap();
    let mut events = sup.subscribe();
    crash(&sup, "a");
    restarted(&mut events, "a").await;
    let names: Vec<_> = sup
        .which_children()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.name.to_string())
        .collect();
    assert_eq!(names, ["a"]);
}

#[tokio::test(start_paused = true)]
async fn intensity_allows_max_restarts_and_escalates_on_one_more() {
    let log = Log::default();
    let sup = SupervisorSpec::new("sup")
        .intensity(3, Duration::from_secs(5))
        .child(worker(&WorkerArgs::new("a", &log)))
        .child(worker(&WorkerArgs::new("b", &log)))
        .start()
        .await
        .unwrap();
    let mut events = sup.subscribe();
    for _ in 0..3 {
        crash(&sup, "b");
        restarted(&mut events, "b").await;
    }
    assert!(!sup.is_shutting_down());
    log.take();
    crash(&sup, "b");
    let exceeded = events
        .wait_for(|e| matches!(e, Event::IntensityExceeded { .. }))
        .await
        .unwrap();
    assert!(matches!(
        exceeded,
        Event::IntensityExceeded {
            max_restarts: 3,
            ..
        }
    ));
    let reason = sup.wait_exit().await;
    let ExitReason::Escalated(esc) = &reason else {
        panic!("expected an escalation, got {reason}");
    };
    assert_eq!(&*esc.supervisor, "sup");
    assert_eq!(&*esc.child, "b");
    assert_eq!(esc.cause, ExitReason::Panic("b crashed".into()));
    assert_eq!(
        log.take(),
        ["terminate b: panicked: b crashed", "terminate a: shutdown"]
    );
    assert!(sup.is_shutting_down());
    assert!(sup.registry().names().is_empty());
}

#[tokio::test(start_paused = true)]
async fn restarts_outside_the_window_do_not_count() {
    let log = Log::default();
    let sup = SupervisorSpec::new("sup")
        .intensity(1, Duration::from_secs(5))
        .child(worker(&WorkerArgs::new("a", &log)))
        .start()
        .await
        .unwrap();
    let mut events = sup.subscribe();
    for _ in 0..4 {
        crash(&sup, "a");
        restarted(&mut events, "a").await;
        // Simulated time: the previous restart leaves the 5 s window.
        tokio::time::sleep(Duration::from_millis(5001)).await;
    }
    assert_eq!(sup.restart_count("a").await, Ok(4));
    // Two crashes inside one window exceed an intensity of 1.
    crash(&sup, "a");
    restarted(&mut events, "a").await;
    crash(&sup, "a");
    assert!(matches!(sup.wait_exit().await, ExitReason::Escalated(_)));
}

#[tokio::test(start_paused = true)]
async fn escalation_travels_up_two_levels_with_its_chain_of_causes() {
    let log = Log::default();
    let inner = SupervisorSpec::new("inner")
        .intensity(1, Duration::from_secs(5))
        .child(worker(&WorkerArgs::new("w", &log)));
    let root = SupervisorSpec::new("root")
        .intensity(0, Duration::from_secs(5))
        .child(worker(&WorkerArgs::new("sibling", &log)))
        .child(ChildSpec::supervisor(inner))
        .start()
        .await
        .unwrap();
    let mut events = root.subscribe();
    crash(&root, "w");
    restarted(&mut events, "w").await;
    crash(&root, "w");
    let reason = root.wait_exit().await;
    let ExitReason::Escalated(esc) = &reason else {
        panic!("expected an escalation, got {reason}");
    };
    let chain: Vec<_> = esc
        .causes()
        .into_iter()
        .map(|(name, r)| format!("{name}: {r}"))
        .collect();
    assert_eq!(chain.len(), 2, "{chain:?}");
    assert!(chain[0].starts_with("inner: supervisor `inner` reached its restart intensity"));
    assert_eq!(chain[1], "w: panicked: w crashed");
    assert!(reason.to_string().contains("supervisor `root`"), "{reason}");
    let log = log.take();
    assert_eq!(
        log.last().map(String::as_str),
        Some("terminate sibling: shutdown")
    );
}

#[tokio::test(start_paused = true)]
async fn a_failed_restart_is_retried_through_the_mailbox_and_counts_again() {
    let log = Log::default();
    let a = WorkerArgs::new("a", &log);
    let sup = SupervisorSpec::new("sup")
        .intensity(3, Duration::from_secs(5))
        .child(worker(&a))
        .start()
        .await
        .unwrap();
    let mut events = sup.subscribe();
    a.fail_next_inits(2);
    crash(&sup, "a");
    let mut failures = 0;
    loop {
        match events.next().await.unwrap() {
            Event::RestartFailed { child, .. } => {
                assert_eq!(&*child, "a");
                failures += 1;
            }
            Event::Restarted { child, .. } if &*child == "a" => break,
            _ => {}
        }
    }
    assert_eq!(failures, 2);
    // One crash and two failed restarts made three restarts: the maximum, not one more.
    assert!(!sup.is_shutting_down());
    a.fail_next_inits(1);
    crash(&sup, "a");
    assert!(matches!(sup.wait_exit().await, ExitReason::Escalated(_)));
}

#[tokio::test(start_paused = true)]
async fn a_restart_that_keeps_failing_escalates_and_the_handle_answers_meanwhile() {
    let log = Log::default();
    let a = WorkerArgs::new("a", &log);
    let sup = SupervisorSpec::new("sup")
        .intensity(100, Duration::from_secs(5))
        .child(worker(&a).backoff(Backoff {
            initial: Duration::from_millis(100),
            factor: 2.0,
            max: Duration::from_secs(1),
        }))
        .start()
        .await
        .unwrap();
    let mut events = sup.subscribe();
    a.fail_next_inits(u32::MAX);
    crash(&sup, "a");
    events
        .wait_for(|e| matches!(e, Event::RestartFailed { .. }))
        .await
        .unwrap();
    // Between retries the supervisor answers and shows the child as restarting.
    assert_eq!(
        sup.child_status("a").await.unwrap().state,
        ChildState::Restarting
    );
    assert_eq!(sup.count_children().await.unwrap().active, 0);
    // And it can be shut down.
    assert_eq!(sup.shutdown().await, ExitReason::Shutdown);
}

#[tokio::test(start_paused = true)]
async fn a_backoff_delays_restarts_by_a_growing_amount() {
    let log = Log::default();
    let sup = SupervisorSpec::new("sup")
        .intensity(10, Duration::from_secs(60))
        .child(worker(&WorkerArgs::new("a", &log)).backoff(Backoff {
            initial: Duration::from_secs(1),
            factor: 3.0,
            max: Duration::from_secs(5),
        }))
        .start()
        .await
        .unwrap();
    let mut events = sup.subscribe();
    let mut delays = Vec::new();
    for _ in 0..4 {
        crash(&sup, "a");
        events
            .wait_for(|e| matches!(e, Event::Exited { .. }))
            .await
            .unwrap();
        let crashed = Instant::now();
        assert_eq!(
            sup.child_status("a").await.unwrap().state,
            ChildState::Restarting
        );
        restarted(&mut events, "a").await;
        delays.push(crashed.elapsed());
    }
    let secs = |s| Duration::from_secs(s);
    assert_eq!(delays, [secs(1), secs(3), secs(5), secs(5)]);
}

#[tokio::test(start_paused = true)]
async fn brutal_kill_skips_terminate() {
    let log = Log::default();
    let sup = SupervisorSpec::new("sup")
        .child(worker(&WorkerArgs::new("a", &log)).shutdown(Shutdown::BrutalKill))
        .start()
        .await
        .unwrap();
    let mut events = sup.subscribe();
    log.take();
    sup.shutdown().await;
    assert!(log.take().is_empty(), "terminate must not run");
    let e = events.wait_for(|e| matches!(e, Event::Exited { .. })).await;
    assert!(matches!(
        e,
        Some(Event::Exited {
            reason: ExitReason::Killed,
            ..
        })
    ));
}

#[tokio::test(start_paused = true)]
async fn a_shutdown_timeout_kills_a_child_that_does_not_stop_in_time() {
    let log = Log::default();
    let sup = SupervisorSpec::new("sup")
        .child(
            worker(&WorkerArgs::new("a", &log)).shutdown(Shutdown::Timeout(Duration::from_secs(2))),
        )
        .start()
        .await
        .unwrap();
    let mut events = sup.subscribe();
    server(&sup, "a")
        .cast(WCast::Stall(Duration::from_secs(3600)))
        .unwrap();
    let started = Instant::now();
    sup.shutdown().await;
    assert_eq!(started.elapsed(), Duration::from_secs(2));
    let e = events.wait_for(|e| matches!(e, Event::Exited { .. })).await;
    assert!(matches!(
        e,
        Some(Event::Exited {
            reason: ExitReason::Killed,
            ..
        })
    ));
}

#[tokio::test(start_paused = true)]
async fn infinity_waits_for_the_child_to_finish() {
    let log = Log::default();
    let sup = SupervisorSpec::new("sup")
        .child(worker(&WorkerArgs::new("a", &log)).shutdown(Shutdown::Infinity))
        .start()
        .await
        .unwrap();
    server(&sup, "a")
        .cast(WCast::Stall(Duration::from_secs(600)))
        .unwrap();
    log.take();
    let started = Instant::now();
    assert_eq!(sup.shutdown().await, ExitReason::Shutdown);
    assert_eq!(started.elapsed(), Duration::from_secs(600));
    assert_eq!(log.take(), ["terminate a: shutdown"]);
}

#[tokio::test(start_paused = true)]
async fn a_child_that_ends_with_its_own_reason_during_shutdown_keeps_it() {
    let log = Log::default();
    let sup = SupervisorSpec::new("sup")
        .child(worker(&WorkerArgs::new("a", &log)))
        .child(worker(&WorkerArgs::new("b", &log)))
        .start()
        .await
        .unwrap();
    let mut events = sup.subscribe();
    let b = server(&sup, "b");
    b.cast(WCast::PanicInTerminate).unwrap();
    b.call(WCall::Name).await.unwrap();
    sup.shutdown().await;
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
        ["b: panicked: b failed to clean up", "a: shutdown"],
        "shutdown carries on after b's own exit"
    );
}

#[tokio::test(start_paused = true)]
async fn task_children_exit_with_what_they_return() {
    let sup = SupervisorSpec::new("sup")
        .child(
            ChildSpec::task("ok", || async { Ok::<(), std::io::Error>(()) })
                .restart(Restart::Transient),
        )
        .start()
        .await
        .unwrap();
    // The task ends normally at once: a transient child is kept, not restarted.
    let mut events = sup.subscribe();
    let status = loop {
        let s = sup.child_status("ok").await.unwrap();
        if s.state == ChildState::NotRunning {
            break s;
        }
        events.next().await;
    };
    assert_eq!(status.restarts, 0);

    let attempts = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let counter = attempts.clone();
    sup.start_child(ChildSpec::task("flaky", move || {
        let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        async move {
            if n == 0 {
                Err("first run fails")
            } else {
                std::future::pending::<Result<(), &str>>().await
            }
        }
    }))
    .await
    .unwrap();
    let exited = events
        .wait_for(|e| matches!(e, Event::Exited { child, .. } if &**child == "flaky"))
        .await;
    assert!(
        matches!(exited, Some(Event::Exited { reason, .. }) if reason.to_string() == "error: first run fails")
    );
    restarted(&mut events, "flaky").await;
    assert_eq!(attempts.load(std::sync::atomic::Ordering::SeqCst), 2);

    sup.start_child(
        ChildSpec::task("panicky", || async {
            let blow_up = true;
            if blow_up {
                panic!("task blew up");
            }
        })
        .restart(Restart::Temporary),
    )
    .await
    .unwrap();
    let exited = events
        .wait_for(|e| matches!(e, Event::Exited { child, .. } if &**child == "panicky"))
        .await;
    assert!(
        matches!(exited, Some(Event::Exited { reason: ExitReason::Panic(m), .. }) if &*m == "task blew up")
    );
    // Stopping a task aborts it with reason Shutdown.
    sup.terminate_child("flaky").await.unwrap();
    let exited = events
        .wait_for(|e| matches!(e, Event::Exited { child, .. } if &**child == "flaky"))
        .await;
    assert!(matches!(
        exited,
        Some(Event::Exited {
            reason: ExitReason::Shutdown,
            ..
        })
    ));
}

#[tokio::test(start_paused = true)]
async fn a_brutally_killed_supervisor_takes_its_children_with_it() {
    let log = Log::default();
    let inner = SupervisorSpec::new("inner").child(worker(&WorkerArgs::new("a", &log)));
    let root = SupervisorSpec::new("root")
        .child(ChildSpec::supervisor(inner).shutdown(Shutdown::BrutalKill))
        .start()
        .await
        .unwrap();
    let a = server(&root, "a");
    log.take();
    root.shutdown().await;
    // The inner supervisor was aborted, so it could not stop `a` in order: `a` was killed
    // with it, and no terminate ran.
    assert_eq!(a.wait_exit().await, ExitReason::Killed);
    assert!(log.take().is_empty());
    assert!(root.registry().names().is_empty());
}

#[tokio::test(start_paused = true)]
async fn an_init_that_never_returns_cannot_hang_its_supervisor() {
    let started = tokio::time::Instant::now();
    let err = SupervisorSpec::new("sup")
        .child(ChildSpec::server_with::<Hangs>("slow", || ()).health(None))
        .start()
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "supervisor `sup`: child `slow` failed to start: init did not finish within 60s"
    );
    assert_eq!(started.elapsed(), Duration::from_secs(60));
}

/// A server whose init never returns.
struct Hangs;

impl perennial_runtime::GenServer for Hangs {
    type Args = ();
    type Call = ();
    type Reply = ();
    type Cast = ();
    type Info = std::convert::Infallible;
    type Continue = std::convert::Infallible;
    type Error = std::convert::Infallible;

    async fn init(
        _: (),
        _: &mut perennial_runtime::Context<Self>,
    ) -> Result<Self, std::convert::Infallible> {
        std::future::pending().await
    }

    async fn handle_call(&mut self, _: (), _: &mut perennial_runtime::Context<Self>) {}
}

/// OTP: a supervisor that gives up exits `shutdown`, so a transient sub-supervisor that gave
/// up stays down while a permanent one is restarted and counted.
#[tokio::test(start_paused = true)]
async fn a_sub_supervisor_that_gave_up_is_restarted_only_if_permanent() {
    for (restart, restarted) in [(Restart::Transient, false), (Restart::Permanent, true)] {
        let log = Log::default();
        let inner = SupervisorSpec::new("inner")
            .intensity(0, Duration::from_secs(5))
            .child(worker(&WorkerArgs::new("w", &log)));
        let root = SupervisorSpec::new("root")
            .child(ChildSpec::supervisor(inner).restart(restart))
            .start()
            .await
            .unwrap();
        let mut events = root.subscribe();
        crash(&root, "w");
        let reason = match events
            .wait_for(|e| matches!(e, Event::Exited { child, .. } if &**child == "inner"))
            .await
        {
            Some(Event::Exited { reason, .. }) => reason,
            other => panic!("{other:?}"),
        };
        assert!(matches!(reason, ExitReason::Escalated(_)), "{reason}");
        let status = root.child_status("inner").await.unwrap();
        if restarted {
            assert!(
                matches!(status.state, ChildState::Running(_)),
                "{restart:?}"
            );
            assert_eq!(status.restarts, 1);
        } else {
            assert_eq!(status.state, ChildState::NotRunning, "{restart:?}");
            assert_eq!(status.restarts, 0);
        }
        // The root itself carries on either way.
        assert!(!root.is_shutting_down());
        assert_eq!(root.shutdown().await, ExitReason::Shutdown);
    }
}
