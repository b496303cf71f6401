//! Regression tests for promises that broke when tried from outside (issue 12): each fails on
//! the code before its fix.

mod common;

use std::convert::Infallible;
use std::future::pending;
use std::time::Duration;

use perennial_runtime::{CallError, Context, GenServer, Registry};
use tokio::time::Instant;

/// Answers nothing, ever.
struct Mute;

impl GenServer for Mute {
    type Args = ();
    type Call = ();
    type Reply = ();
    type Cast = Infallible;
    type Info = Infallible;
    type Continue = Infallible;
    type Error = Infallible;

    async fn init(_: (), _: &mut Context<Self>) -> Result<Self, Infallible> {
        Ok(Mute)
    }

    async fn handle_call(&mut self, _: (), _: &mut Context<Self>) {
        pending::<()>().await
    }
}

const MS200: Duration = Duration::from_millis(200);
/// Far longer than any wait here: reaching it means the wait hung.
const HUNG: Duration = Duration::from_secs(600);

/// Spends the calling task's whole coop budget, as a task that has just taken 128 queued items
/// from a tokio channel has.
async fn spend_budget() {
    while tokio::task::coop::has_budget_remaining() {
        tokio::task::coop::consume_budget().await;
    }
}

/// Runs `body` as a task (spare timers are kept per task) and fails if it hangs.
async fn in_task<F: Future<Output = ()> + Send + 'static>(body: F) {
    tokio::time::timeout(HUNG, tokio::spawn(body))
        .await
        .expect("the task hung")
        .unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_call_made_with_the_budget_spent_still_times_out() {
    in_task(async {
        let server = Mute::start(()).await.unwrap();
        spend_budget().await;
        let t = Instant::now();
        assert_eq!(
            server.call_timeout((), MS200).await,
            Err(CallError::Timeout(MS200))
        );
        assert_eq!(t.elapsed(), MS200);
        // And the task's later calls keep their timeouts, budget spent or not.
        for spent in [false, true, false] {
            if spent {
                spend_budget().await;
            }
            let t = Instant::now();
            assert_eq!(
                server.call_timeout((), MS200).await,
                Err(CallError::Timeout(MS200))
            );
            assert_eq!(t.elapsed(), MS200);
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_call_after_taking_128_queued_items_still_times_out() {
    in_task(async {
        let server = Mute::start(()).await.unwrap();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        for n in 0..128 {
            tx.send(n).unwrap();
        }
        // A fresh budget (128 units), all of it spent on the queue.
        tokio::task::yield_now().await;
        for _ in 0..128 {
            rx.recv().await.unwrap();
        }
        let t = Instant::now();
        assert_eq!(
            server.call_timeout((), MS200).await,
            Err(CallError::Timeout(MS200))
        );
        assert_eq!(t.elapsed(), MS200);
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_name_bound_call_made_with_the_budget_spent_still_times_out() {
    in_task(async {
        let registry = Registry::new();
        Mute::builder()
            .register(&registry, "mute")
            .start(())
            .await
            .unwrap();
        let mute = registry.named::<Mute>("mute");
        for _ in 0..3 {
            spend_budget().await;
            let t = Instant::now();
            assert_eq!(
                mute.call_timeout((), MS200).await,
                Err(CallError::Timeout(MS200))
            );
            assert_eq!(t.elapsed(), MS200);
        }
    })
    .await;
}

/// A server whose `init` never finishes.
struct Stuck;

impl GenServer for Stuck {
    type Args = ();
    type Call = ();
    type Reply = ();
    type Cast = Infallible;
    type Info = Infallible;
    type Continue = Infallible;
    type Error = Infallible;

    async fn init(_: (), _: &mut Context<Self>) -> Result<Self, Infallible> {
        pending().await
    }

    async fn handle_call(&mut self, _: (), _: &mut Context<Self>) {}
}

#[tokio::test(start_paused = true)]
async fn a_supervisor_that_spent_its_budget_on_requests_still_times_a_hanging_init_out() {
    use perennial_runtime::supervisor::{DynamicSpec, SupervisorError};

    let jobs = DynamicSpec::<Stuck>::new("jobs")
        .health(None)
        .start()
        .await
        .unwrap();
    // 127 requests and then a start, all queued before the supervisor runs: it handles them in
    // one poll, and starts the child with its budget spent.
    let counts: Vec<_> = (0..127)
        .map(|_| {
            let jobs = jobs.clone();
            tokio::spawn(async move { jobs.count_children().await })
        })
        .collect();
    let start = {
        let jobs = jobs.clone();
        tokio::spawn(async move {
            let t = Instant::now();
            (jobs.start_child(()).await, t.elapsed())
        })
    };
    let (started, took) = tokio::time::timeout(HUNG, start)
        .await
        .expect("start_child hung")
        .unwrap();
    assert!(
        matches!(started, Err(SupervisorError::StartFailed { .. })),
        "{started:?}"
    );
    assert_eq!(took, Duration::from_secs(60));
    for count in counts {
        assert!(count.await.unwrap().is_ok());
    }
    let counts = tokio::time::timeout(HUNG, jobs.count_children())
        .await
        .expect("count_children hung")
        .unwrap();
    assert_eq!(counts.active, 0);
    tokio::time::timeout(HUNG, jobs.shutdown())
        .await
        .expect("shutdown hung");
}

#[tokio::test(start_paused = true)]
async fn a_spare_timer_that_fires_before_the_deadline_is_moved_and_still_times_out() {
    in_task(async {
        let quick = Mute::start(()).await.unwrap();
        let echo = common::Other::start(()).await.unwrap();
        // A quick call leaves the task a spare timer due 1 s from now...
        echo.call_timeout((), Duration::from_secs(1)).await.unwrap();
        // ...which fires early during a call that may take 10 s: moved to 10 s, it must fire.
        let t = Instant::now();
        assert_eq!(
            quick.call_timeout((), Duration::from_secs(10)).await,
            Err(CallError::Timeout(Duration::from_secs(10)))
        );
        assert_eq!(t.elapsed(), Duration::from_secs(10));
    })
    .await;
}

/// Kills each server the moment its name resolves, from another worker thread, while its start
/// is still under way: every kill must land (the server's exit is `Killed`, its name freed).
#[test]
fn a_server_killed_as_soon_as_its_name_resolves_always_dies() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap();
    runtime.block_on(async {
        for _ in 0..2000 {
            let registry = Registry::new();
            let stop = Arc::new(AtomicBool::new(false));
            let killer = {
                let (registry, stop) = (registry.clone(), stop.clone());
                tokio::spawn(async move {
                    while !stop.load(Ordering::SeqCst) {
                        if let Ok(server) = registry.lookup::<Mute>("m") {
                            server.kill();
                            return Some(server);
                        }
                        tokio::task::yield_now().await;
                    }
                    None
                })
            };
            // The start may fail (killed during init) or succeed (killed just after).
            let _ = Mute::builder().register(&registry, "m").start(()).await;
            stop.store(true, Ordering::SeqCst);
            if let Some(server) = killer.await.unwrap() {
                // Only a lost kill waits: a killed server is gone within microseconds.
                let reason = tokio::time::timeout(Duration::from_secs(10), server.wait_exit())
                    .await
                    .expect("a kill was lost: the server is still running");
                assert_eq!(reason, perennial_runtime::ExitReason::Killed);
                assert!(registry.lookup::<Mute>("m").is_err());
            }
        }
    });
}
