//! Every wait of the runtime, run with its caller's coop budget spent at every await point
//! (`support::starved`): a timeout still fires at its deadline, a start, stop or supervisor
//! request still completes. Each runs under a one-minute (paused-clock) deadline of its own, so
//! a wait that lost its wake-up fails here instead of hanging.

mod support;

use std::convert::Infallible;
use std::future::{Future, pending};
use std::time::Duration;

use perennial_runtime::supervisor::{ChildCounts, ChildSpec, SupervisorSpec, SupervisorStartError};
use perennial_runtime::{
    CallError, Context, ExitReason, GenServer, Registry, ServerBuilder, StartError,
};
use support::Mute;
use support::starved::starved;
use tokio::time::Instant;

const TIMEOUT: Duration = Duration::from_millis(200);

/// Runs `wait` starved (`support::starved`) in a task of its own (a call keeps its spare timer
/// per task, and the test's body is not one), and how long it took; fails naming `what` if it
/// has not finished after ten minutes (of the paused clock: no real time).
async fn starved_within<T: Send + 'static>(
    what: &str,
    wait: impl Future<Output = T> + Send + 'static,
) -> (T, Duration) {
    in_task(what, starved(wait)).await
}

/// Runs `wait` in a task of its own; fails naming `what` if it hangs (see [`starved_within`]).
async fn in_task<T: Send + 'static>(
    what: &str,
    wait: impl Future<Output = T> + Send + 'static,
) -> (T, Duration) {
    let began = Instant::now();
    let task = tokio::spawn(wait);
    match tokio::time::timeout(Duration::from_secs(600), task).await {
        Ok(done) => (done.expect("the task panicked"), began.elapsed()),
        Err(_) => panic!("{what} hung with its caller's coop budget spent"),
    }
}

/// `wait`, starved, and how long it took (inside a task: see [`in_task`]).
async fn starved_now<T>(wait: impl Future<Output = T>) -> (T, Duration) {
    timed(starved(wait)).await
}

/// `wait`, and how long it took.
async fn timed<T>(wait: impl Future<Output = T>) -> (T, Duration) {
    let began = Instant::now();
    (wait.await, began.elapsed())
}

/// Asserts that `elapsed` is `expected`, to the millisecond of tokio's timer.
#[track_caller]
fn took(elapsed: Duration, expected: Duration) {
    assert!(
        elapsed >= expected && elapsed <= expected + Duration::from_millis(1),
        "took {elapsed:?}, expected {expected:?}"
    );
}

/// Never finishes its `init`.
struct Hangs;

impl GenServer for Hangs {
    type Args = ();
    type Call = ();
    type Reply = ();
    type Cast = ();
    type Info = Infallible;
    type Continue = Infallible;
    type Error = Infallible;

    async fn init(_: (), _: &mut Context<Self>) -> Result<Self, Infallible> {
        pending().await
    }

    async fn handle_call(&mut self, _: (), _: &mut Context<Self>) {}
}

/// Idle, and takes a second to `terminate`.
struct Slow;

impl GenServer for Slow {
    type Args = ();
    type Call = ();
    type Reply = ();
    type Cast = ();
    type Info = Infallible;
    type Continue = Infallible;
    type Error = Infallible;

    async fn init(_: (), _: &mut Context<Self>) -> Result<Self, Infallible> {
        Ok(Slow)
    }

    async fn handle_call(&mut self, _: (), _: &mut Context<Self>) {}

    async fn terminate(&mut self, _: &ExitReason) {
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

#[tokio::test(start_paused = true)]
async fn a_starved_call_to_a_server_that_never_answers_times_out_at_its_deadline() {
    let server = Mute::start(()).await.unwrap();
    let (calls, _) = in_task("call_timeout", async move {
        let starved_call = starved_now(server.call_timeout((), TIMEOUT)).await;
        // The task's next call, not starved, still has its deadline.
        let next_call = timed(server.call_timeout((), TIMEOUT)).await;
        [starved_call, next_call]
    })
    .await;
    for (outcome, elapsed) in calls {
        assert_eq!(outcome, Err(CallError::Timeout(TIMEOUT)));
        took(elapsed, TIMEOUT);
    }
}

#[tokio::test(start_paused = true)]
async fn a_starved_call_through_a_name_times_out_at_its_deadline() {
    let registry = Registry::new();
    ServerBuilder::<Mute>::new()
        .register(&registry, "mute")
        .start(())
        .await
        .unwrap();
    let named = registry.named::<Mute>("mute");
    let (outcome, elapsed) = starved_within("NamedRef::call_timeout", async move {
        named.call_timeout((), TIMEOUT).await
    })
    .await;
    assert_eq!(outcome, Err(CallError::Timeout(TIMEOUT)));
    took(elapsed, TIMEOUT);
}

#[tokio::test(start_paused = true)]
async fn a_starved_ping_of_a_busy_server_times_out_at_its_deadline() {
    let registry = Registry::new();
    let server = ServerBuilder::<Mute>::new()
        .register(&registry, "busy")
        .start(())
        .await
        .unwrap();
    // Busy for ever with this cast: a ping waits behind it.
    server.cast(()).unwrap();
    let (outcome, elapsed) =
        starved_within(
            "ping_timeout",
            async move { server.ping_timeout(TIMEOUT).await },
        )
        .await;
    assert_eq!(outcome, Err(CallError::Timeout(TIMEOUT)));
    took(elapsed, TIMEOUT);
    let named = registry.named::<Mute>("busy");
    let (outcome, elapsed) = starved_within("NamedRef::ping_timeout", async move {
        named.ping_timeout(TIMEOUT).await
    })
    .await;
    assert_eq!(outcome, Err(CallError::Timeout(TIMEOUT)));
    took(elapsed, TIMEOUT);
}

#[tokio::test(start_paused = true)]
async fn a_starved_start_gives_up_on_a_hanging_init_at_its_timeout() {
    let (outcome, elapsed) = starved_within("ServerBuilder::start", async {
        ServerBuilder::<Hangs>::new()
            .init_timeout(Duration::from_secs(1))
            .start(())
            .await
            .map(drop)
    })
    .await;
    assert!(
        matches!(outcome, Err(StartError::InitTimeout(d)) if d == Duration::from_secs(1)),
        "{outcome:?}"
    );
    took(elapsed, Duration::from_secs(1));
}

#[tokio::test(start_paused = true)]
async fn a_starved_stop_waits_for_terminate_and_returns() {
    let server = Slow::start(()).await.unwrap();
    let stopping = server.clone();
    let (outcome, elapsed) =
        starved_within(
            "stop",
            async move { stopping.stop(ExitReason::Shutdown).await },
        )
        .await;
    assert_eq!(outcome, Ok(ExitReason::Shutdown));
    took(elapsed, Duration::from_secs(1));
    assert!(!server.is_alive());
}

#[tokio::test(start_paused = true)]
async fn a_starved_supervisor_start_gives_up_on_a_hanging_child_at_its_start_timeout() {
    let (outcome, elapsed) = starved_within("SupervisorSpec::start", async {
        SupervisorSpec::new("sup")
            .child(ChildSpec::server::<Hangs>("hangs", ()))
            .start()
            .await
            .map(drop)
    })
    .await;
    assert!(
        matches!(&outcome, Err(SupervisorStartError::ChildFailed { child, .. }) if &**child == "hangs"),
        "{outcome:?}"
    );
    // The supervisor's start timeout of a child: 60 s.
    took(elapsed, Duration::from_secs(60));
}

#[tokio::test(start_paused = true)]
async fn a_starved_count_children_and_shutdown_of_a_supervisor_complete() {
    let sup = SupervisorSpec::new("sup")
        .child(ChildSpec::server::<Mute>("mute", ()))
        .child(ChildSpec::server::<Slow>("slow", ()))
        .start()
        .await
        .unwrap();
    let handle = sup.clone();
    let (counts, _) = starved_within(
        "count_children",
        async move { handle.count_children().await },
    )
    .await;
    assert_eq!(
        counts,
        Ok(ChildCounts {
            specs: 2,
            active: 2,
            supervisors: 0,
            workers: 2,
        })
    );
    // Busy for ever: its shutdown waits the worker's 5 s, then kills it.
    let mute = sup.registry().lookup::<Mute>("mute").unwrap();
    mute.cast(()).unwrap();
    let handle = sup.clone();
    let (reason, elapsed) = starved_within("SupervisorHandle::shutdown", async move {
        handle.shutdown().await
    })
    .await;
    assert_eq!(reason, ExitReason::Shutdown);
    // Children stop in reverse order: `slow` takes 1 s, then `mute` is killed after 5 s.
    took(elapsed, Duration::from_secs(6));
    assert_eq!(mute.exit_reason(), Some(ExitReason::Killed));
}
