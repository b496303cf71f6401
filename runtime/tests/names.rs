//! Names that fail fast: a call through a name waits (within its timeout) only while the name's
//! supervisor is bringing it back; in every other case it fails at once with `NotRunning`.
//!
//! "At once" is checked on tokio's paused clock: a call that waited on the name for any time at
//! all would have let the clock jump to its timeout.

mod support;

use std::time::Duration;

use perennial_runtime::supervisor::{
    Backoff, ChildSpec, ChildState, Event, EventStream, Restart, Strategy, SupervisorHandle,
    SupervisorSpec,
};
use perennial_runtime::{CallError, ExitReason, GenServer, NamedRef, Registry};
use support::worker::{Log, WCall, WCast, Worker, WorkerArgs, worker};
use tokio::time::Instant;

fn not_running(name: &str) -> Result<&'static str, CallError> {
    Err(CallError::NotRunning {
        name: Some(name.into()),
    })
}

/// Calls `named` and checks that the answer came without any wait.
async fn call_at_once(named: &NamedRef<Worker>) -> Result<&'static str, CallError> {
    let started = Instant::now();
    let reply = named.call(WCall::Name).await;
    assert_eq!(started.elapsed(), Duration::ZERO, "the call waited");
    reply
}

async fn exited(events: &mut EventStream, child: &str) -> ExitReason {
    match events
        .wait_for(|e| matches!(e, Event::Exited { child: c, .. } if &**c == child))
        .await
    {
        Some(Event::Exited { reason, .. }) => reason,
        other => panic!("no exit of `{child}`: {other:?}"),
    }
}

fn backoff(initial: Duration) -> Backoff {
    Backoff {
        initial,
        factor: 2.0,
        max: Duration::from_secs(60),
    }
}

async fn start(children: Vec<ChildSpec>) -> SupervisorHandle {
    let mut spec = SupervisorSpec::new("sup");
    for child in children {
        spec = spec.child(child);
    }
    spec.start().await.unwrap()
}

#[tokio::test(start_paused = true)]
async fn a_name_nobody_declared_fails_at_once() {
    let registry = Registry::new();
    let named = registry.named::<Worker>("nobody");
    assert_eq!(call_at_once(&named).await, not_running("nobody"));
    assert_eq!(
        named.ping().await,
        Err(CallError::NotRunning {
            name: Some("nobody".into())
        })
    );
}

#[tokio::test(start_paused = true)]
async fn a_server_started_by_hand_that_exited_fails_at_once() {
    let registry = Registry::new();
    let log = Log::default();
    let server = Worker::builder()
        .register(&registry, "w")
        .start(WorkerArgs::new("w", &log))
        .await
        .unwrap();
    let named = registry.named::<Worker>("w");
    assert_eq!(call_at_once(&named).await, Ok("w"));
    server.stop(ExitReason::Shutdown).await.unwrap();
    assert_eq!(call_at_once(&named).await, not_running("w"));
}

#[tokio::test(start_paused = true)]
async fn every_name_of_a_tree_that_was_shut_down_fails_at_once() {
    let log = Log::default();
    let sup = SupervisorSpec::new("root")
        .child(worker(&WorkerArgs::new("a", &log)))
        .child(ChildSpec::supervisor(
            SupervisorSpec::new("inner").child(worker(&WorkerArgs::new("b", &log))),
        ))
        .start()
        .await
        .unwrap();
    let (a, b) = (
        sup.registry().named::<Worker>("a"),
        sup.registry().named::<Worker>("b"),
    );
    assert_eq!(a.call(WCall::Name).await, Ok("a"));
    assert_eq!(b.call(WCall::Name).await, Ok("b"));
    let inner = sup.nested("inner");
    sup.shutdown().await;
    assert_eq!(call_at_once(&a).await, not_running("a"));
    assert_eq!(call_at_once(&b).await, not_running("b"));
    // A handle to a nested supervisor of a dead tree fails at once too.
    let started = Instant::now();
    assert!(inner.count_children().await.is_err());
    assert_eq!(started.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn a_transient_child_that_ended_normally_fails_at_once() {
    let log = Log::default();
    let sup = start(vec![
        worker(&WorkerArgs::new("job", &log)).restart(Restart::Transient),
    ])
    .await;
    let mut events = sup.subscribe();
    let job = sup.registry().named::<Worker>("job");
    job.cast(WCast::Stop(ExitReason::Normal)).unwrap();
    assert_eq!(exited(&mut events, "job").await, ExitReason::Normal);
    assert_eq!(call_at_once(&job).await, not_running("job"));
    assert_eq!(
        sup.child_status("job").await.unwrap().state,
        ChildState::NotRunning
    );
}

#[tokio::test(start_paused = true)]
async fn a_temporary_child_that_ended_fails_at_once() {
    let log = Log::default();
    let sup = start(vec![
        worker(&WorkerArgs::new("once", &log)).restart(Restart::Temporary),
    ])
    .await;
    let mut events = sup.subscribe();
    let once = sup.registry().named::<Worker>("once");
    once.cast(WCast::Panic).unwrap();
    assert!(matches!(
        exited(&mut events, "once").await,
        ExitReason::Panic(_)
    ));
    assert_eq!(call_at_once(&once).await, not_running("once"));
}

#[tokio::test(start_paused = true)]
async fn a_terminated_or_deleted_child_fails_at_once_and_a_restarted_one_answers() {
    let log = Log::default();
    let sup = start(vec![worker(&WorkerArgs::new("w", &log))]).await;
    let w = sup.registry().named::<Worker>("w");
    sup.terminate_child("w").await.unwrap();
    assert_eq!(call_at_once(&w).await, not_running("w"));
    sup.restart_child("w").await.unwrap();
    assert_eq!(call_at_once(&w).await, Ok("w"));
    sup.terminate_child("w").await.unwrap();
    sup.delete_child("w").await.unwrap();
    assert_eq!(call_at_once(&w).await, not_running("w"));
}

#[tokio::test(start_paused = true)]
async fn a_supervisor_that_gave_up_leaves_its_names_failing_at_once() {
    let log = Log::default();
    let sup = SupervisorSpec::new("sup")
        .intensity(1, Duration::from_secs(5))
        .child(worker(&WorkerArgs::new("w", &log)))
        .start()
        .await
        .unwrap();
    let w = sup.registry().named::<Worker>("w");
    let mut events = sup.subscribe();
    w.cast(WCast::Panic).unwrap();
    events
        .wait_for(|e| matches!(e, Event::Restarted { .. }))
        .await
        .unwrap();
    w.cast(WCast::Panic).unwrap();
    assert!(matches!(sup.wait_exit().await, ExitReason::Escalated(_)));
    assert_eq!(call_at_once(&w).await, not_running("w"));
}

#[tokio::test(start_paused = true)]
async fn a_call_waits_through_a_restart_backoff_and_reaches_the_new_incarnation() {
    let log = Log::default();
    let sup = start(vec![
        worker(&WorkerArgs::new("w", &log)).backoff(backoff(Duration::from_secs(2))),
    ])
    .await;
    let w = sup.registry().named::<Worker>("w");
    let mut events = sup.subscribe();
    w.cast(WCast::Panic).unwrap();
    exited(&mut events, "w").await;
    assert_eq!(
        sup.child_status("w").await.unwrap().state,
        ChildState::Restarting
    );
    let started = Instant::now();
    assert_eq!(w.call(WCall::Name).await, Ok("w"));
    assert_eq!(started.elapsed(), Duration::from_secs(2));
    assert_eq!(sup.restart_count("w").await, Ok(1));
}

#[tokio::test(start_paused = true)]
async fn a_call_waits_through_retries_of_a_failed_restart() {
    let log = Log::default();
    let args = WorkerArgs::new("w", &log);
    let sup = start(vec![worker(&args).backoff(backoff(Duration::from_secs(1)))]).await;
    let w = sup.registry().named::<Worker>("w");
    let mut events = sup.subscribe();
    args.fail_next_inits(1);
    w.cast(WCast::Panic).unwrap();
    exited(&mut events, "w").await;
    let started = Instant::now();
    // 1 s of backoff, a failed start, 2 s more, then the restart.
    assert_eq!(w.call(WCall::Name).await, Ok("w"));
    assert_eq!(started.elapsed(), Duration::from_secs(3));
    assert!(log.take().contains(&"init w failed".to_string()));
}

#[tokio::test(start_paused = true)]
async fn a_call_waiting_for_a_restart_still_times_out() {
    let log = Log::default();
    let sup = start(vec![
        worker(&WorkerArgs::new("w", &log)).backoff(backoff(Duration::from_secs(30))),
    ])
    .await;
    let w = sup.registry().named::<Worker>("w");
    let mut events = sup.subscribe();
    w.cast(WCast::Panic).unwrap();
    exited(&mut events, "w").await;
    let started = Instant::now();
    assert_eq!(
        w.call_timeout(WCall::Name, Duration::from_secs(3)).await,
        not_running("w")
    );
    assert_eq!(started.elapsed(), Duration::from_secs(3));
}

#[tokio::test(start_paused = true)]
async fn a_call_waiting_for_a_restart_fails_as_soon_as_nobody_will_bring_it_back() {
    let log = Log::default();
    let sup = start(vec![
        worker(&WorkerArgs::new("w", &log)).backoff(backoff(Duration::from_secs(30))),
    ])
    .await;
    let w = sup.registry().named::<Worker>("w");
    let mut events = sup.subscribe();
    w.cast(WCast::Panic).unwrap();
    exited(&mut events, "w").await;
    let waiting = tokio::spawn({
        let w = w.clone();
        async move {
            let started = Instant::now();
            (w.call(WCall::Name).await, started.elapsed())
        }
    });
    // The call waits for the restart...
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    assert!(!waiting.is_finished());
    // ...until the child is stopped for good: then it fails, with no time gone by.
    sup.terminate_child("w").await.unwrap();
    let (reply, waited) = waiting.await.unwrap();
    assert_eq!(reply, not_running("w"));
    assert_eq!(waited, Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn bystanders_of_a_one_for_all_restart_are_waited_for() {
    let log = Log::default();
    let sup = SupervisorSpec::new("sup")
        .strategy(Strategy::OneForAll)
        .child(worker(&WorkerArgs::new("a", &log)).backoff(backoff(Duration::from_secs(1))))
        .child(worker(&WorkerArgs::new("b", &log)))
        .start()
        .await
        .unwrap();
    let (a, b) = (
        sup.registry().named::<Worker>("a"),
        sup.registry().named::<Worker>("b"),
    );
    let mut events = sup.subscribe();
    a.cast(WCast::Panic).unwrap();
    exited(&mut events, "a").await;
    // `b` still runs until the backoff ends; then it is stopped and started again.
    assert_eq!(b.call(WCall::Name).await, Ok("b"));
    exited(&mut events, "b").await;
    assert_eq!(b.call(WCall::Name).await, Ok("b"));
    assert_eq!(sup.restart_count("b").await, Ok(1));
}
