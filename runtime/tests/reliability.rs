//! Regression tests for promises that broke when tried from outside (issue 12): each fails on
//! the code before its fix.

mod support;

use std::convert::Infallible;
use std::future::pending;
use std::time::Duration;

use perennial_runtime::{CallError, Context, GenServer, Registry};
use support::Mute;
use tokio::time::Instant;

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
        let echo = support::Other::start(()).await.unwrap();
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

mod panics_while_making_a_child {
    use std::collections::VecDeque;
    use std::sync::{Arc, Mutex};

    use perennial_runtime::ExitReason;
    use perennial_runtime::supervisor::{
        ChildSpec, DynamicSpec, Event, SupervisorError, SupervisorSpec, SupervisorStartError,
    };

    use super::*;

    /// Init args whose clones follow a script: `true` succeeds, `false` panics; past the end
    /// of the script, every clone succeeds if `then` says so and panics otherwise.
    struct Fused(Arc<(Mutex<VecDeque<bool>>, bool)>);

    impl Clone for Fused {
        fn clone(&self) -> Self {
            let (script, then) = &*self.0;
            let ok = script.lock().unwrap().pop_front().unwrap_or(*then);
            assert!(ok, "args clone panicked");
            Fused(self.0.clone())
        }
    }

    /// A server started from [`Fused`] args, that crashes when called.
    struct Fuse;

    impl GenServer for Fuse {
        type Args = Fused;
        type Call = ();
        type Reply = ();
        type Cast = Infallible;
        type Info = Infallible;
        type Continue = Infallible;
        type Error = Infallible;

        async fn init(_: Fused, _: &mut Context<Self>) -> Result<Self, Infallible> {
            Ok(Fuse)
        }

        async fn handle_call(&mut self, _: (), _: &mut Context<Self>) {
            panic!("crash on request");
        }
    }

    fn fused(script: &[bool], then: bool) -> Fused {
        Fused(Arc::new((
            Mutex::new(script.iter().copied().collect()),
            then,
        )))
    }

    #[tokio::test(start_paused = true)]
    async fn a_panicking_args_clone_is_a_failed_restart_and_spares_the_siblings() {
        let app = SupervisorSpec::new("app")
            .child(ChildSpec::server::<Mute>("sibling", ()).health(None))
            // The first start's clone succeeds, the first restart's panics, the retry's succeeds.
            .child(ChildSpec::server::<Fuse>("fuse", fused(&[true, false], true)).health(None))
            .start()
            .await
            .unwrap();
        let mut events = app.subscribe();
        let sibling = app.registry().lookup::<Mute>("sibling").unwrap();
        let fuse = app.registry().lookup::<Fuse>("fuse").unwrap();
        assert!(fuse.call(()).await.is_err());
        let failed = events
            .wait_for(|e| matches!(e, Event::RestartFailed { .. }))
            .await
            .unwrap();
        let Event::RestartFailed { child, reason, .. } = failed else {
            unreachable!()
        };
        assert_eq!(&*child, "fuse");
        assert_eq!(reason, ExitReason::Panic("args clone panicked".into()));
        // Retried like any failed restart: the retry starts it.
        events
            .wait_for(|e| matches!(e, Event::Restarted { child, .. } if &**child == "fuse"))
            .await
            .unwrap();
        assert_eq!(app.registry().lookup::<Fuse>("fuse").map(|_| ()), Ok(()));
        // The supervisor and the sibling never noticed.
        assert!(sibling.is_alive());
        assert_eq!(app.restart_count("fuse").await, Ok(1));
        assert_eq!(app.count_children().await.unwrap().active, 2);
    }

    #[tokio::test(start_paused = true)]
    async fn args_that_always_panic_are_counted_until_the_supervisor_gives_up_in_order() {
        let app = SupervisorSpec::new("app")
            .child(ChildSpec::server::<Mute>("sibling", ()).health(None))
            .child(ChildSpec::server::<Fuse>("fuse", fused(&[true], false)).health(None))
            .start()
            .await
            .unwrap();
        let sibling = app.registry().lookup::<Mute>("sibling").unwrap();
        let fuse = app.registry().lookup::<Fuse>("fuse").unwrap();
        assert!(fuse.call(()).await.is_err());
        // Not a supervisor panic: its restart intensity, then an orderly stop of the rest.
        let reason = app.wait_exit().await;
        assert!(matches!(reason, ExitReason::Escalated(_)), "{reason:?}");
        assert_eq!(sibling.wait_exit().await, ExitReason::Shutdown);
    }

    #[tokio::test(start_paused = true)]
    async fn a_panicking_args_clone_at_first_start_names_the_child() {
        let started = SupervisorSpec::new("app")
            .child(ChildSpec::server::<Fuse>("fuse", fused(&[false], false)).health(None))
            .start()
            .await;
        match started {
            Err(SupervisorStartError::ChildFailed { child, cause, .. }) => {
                assert_eq!(&*child, "fuse");
                assert_eq!(cause, ExitReason::Panic("args clone panicked".into()));
            }
            other => panic!("expected the child's failed start, got {other:?}"),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_panicking_args_clone_in_a_pool_fails_that_restart_only() {
        let pool = DynamicSpec::<Fuse>::new("pool")
            .health(None)
            .start()
            .await
            .unwrap();
        let mut events = pool.subscribe();
        let healthy = pool.start_child(fused(&[], true)).await.unwrap();
        let doomed = pool.start_child(fused(&[true, false], true)).await.unwrap();
        assert!(doomed.call(()).await.is_err());
        let failed = events
            .wait_for(|e| matches!(e, Event::RestartFailed { .. }))
            .await
            .unwrap();
        assert!(
            matches!(&failed, Event::RestartFailed { reason, .. }
                if *reason == ExitReason::Panic("args clone panicked".into())),
            "{failed:?}"
        );
        assert!(healthy.is_alive());
        assert!(pool.count_children().await.is_ok());
    }

    #[tokio::test(start_paused = true)]
    async fn a_panicking_task_maker_is_a_failed_start() {
        let app = SupervisorSpec::new("app")
            .child(ChildSpec::server::<Mute>("sibling", ()).health(None))
            .start()
            .await
            .unwrap();
        let sibling = app.registry().lookup::<Mute>("sibling").unwrap();
        let made = ChildSpec::task("job", || -> std::future::Ready<()> {
            panic!("task maker panicked")
        });
        assert_eq!(
            app.start_child(made).await,
            Err(SupervisorError::StartFailed {
                child: "job".into(),
                reason: ExitReason::Panic("task maker panicked".into()),
            })
        );
        assert!(sibling.is_alive());
        assert!(app.count_children().await.is_ok());
    }
}

mod panics_during_teardown {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    use perennial_runtime::ExitReason;

    use super::*;

    /// A state that panics when dropped, and says whether `terminate` ran.
    struct Brittle(Arc<AtomicBool>);

    impl Drop for Brittle {
        fn drop(&mut self) {
            panic!("state drop panicked");
        }
    }

    /// A panic payload that panics again when dropped.
    struct Bomb;

    impl Drop for Bomb {
        fn drop(&mut self) {
            panic!("payload drop panicked");
        }
    }

    /// Says whether `terminate` ran; panics with a [`Bomb`] when called.
    struct Bomber(Arc<AtomicBool>);

    impl GenServer for Bomber {
        type Args = Arc<AtomicBool>;
        type Call = ();
        type Reply = ();
        type Cast = Infallible;
        type Info = Infallible;
        type Continue = Infallible;
        type Error = Infallible;

        async fn init(terminated: Self::Args, _: &mut Context<Self>) -> Result<Self, Infallible> {
            Ok(Bomber(terminated))
        }

        async fn handle_call(&mut self, _: (), _: &mut Context<Self>) {
            std::panic::panic_any(Bomb);
        }

        async fn terminate(&mut self, _: &ExitReason) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    impl GenServer for Brittle {
        type Args = Arc<AtomicBool>;
        type Call = ();
        type Reply = ();
        type Cast = Infallible;
        type Info = Infallible;
        type Continue = Infallible;
        type Error = Infallible;

        async fn init(terminated: Self::Args, _: &mut Context<Self>) -> Result<Self, Infallible> {
            Ok(Brittle(terminated))
        }

        async fn handle_call(&mut self, _: (), _: &mut Context<Self>) {}

        async fn terminate(&mut self, _: &ExitReason) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_state_whose_drop_panics_ends_with_that_panic_after_terminate() {
        let terminated = Arc::new(AtomicBool::new(false));
        let server = Brittle::start(terminated.clone()).await.unwrap();
        let panic = ExitReason::Panic("state drop panicked".into());
        assert_eq!(server.stop(ExitReason::Normal).await, Ok(panic.clone()));
        assert_eq!(server.exit_reason(), Some(panic));
        assert!(terminated.load(Ordering::SeqCst));
    }

    #[tokio::test(start_paused = true)]
    async fn a_panic_whose_payload_panics_when_dropped_is_still_that_panic() {
        let terminated = Arc::new(AtomicBool::new(false));
        let server = Bomber::start(terminated.clone()).await.unwrap();
        let reason = match server.call(()).await {
            Err(CallError::Exited(reason)) => reason,
            other => panic!("expected the server's exit, got {other:?}"),
        };
        assert!(matches!(reason, ExitReason::Panic(_)), "{reason:?}");
        assert_eq!(server.wait_exit().await, reason);
        assert!(terminated.load(Ordering::SeqCst), "terminate did not run");
    }
}
