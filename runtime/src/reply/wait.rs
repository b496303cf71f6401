//! Waiting for a reply: until a deadline, coarse for a call (no clock read and no timer for a
//! reply that comes within one turn of the scheduler), with a timer kept from one call of a task
//! to its next; and what a call's result is once the wait is over.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

use tokio::time::{Instant, Sleep};

use super::slot::{SlotDropped, SlotRx};
use crate::process::Process;
use crate::{CallError, ExitReason};

/// A timeout this long or longer (30 years, tokio's own "far future") is no timeout at all:
/// waiting for the reply arms no timer. Supervisor handles call with `Duration::MAX`.
pub(crate) const NEVER: Duration = Duration::from_secs(60 * 60 * 24 * 365 * 30);

/// `now + timeout`, saturating far in the future instead of overflowing.
#[inline]
pub(crate) fn deadline_after(timeout: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(timeout).unwrap_or_else(|| now + NEVER)
}

thread_local! {
    /// The timer of the last call made on this thread, kept for the next call of the same task.
    static SPARE_TIMER: Cell<Option<Timer>> = const { Cell::new(None) };
}

/// A call timer and the task that armed it.
struct Timer {
    owner: tokio::task::Id,
    sleep: Pin<Box<Sleep>>,
}

/// A timer due no later than `deadline`: the current task's spare one, or a new one.
///
/// This is what keeps a call's timeout cheap. Arming a new tokio timer takes the timer wheel's
/// lock twice (insert, then remove when the reply comes first, as it almost always does), and
/// when the wheel was empty it also wakes the parked worker that owns the time driver (a
/// syscall), which then often steals one side of a call-and-reply ping-pong onto another thread.
/// A task making calls one after another instead keeps one registered timer: a spare due before
/// the new deadline is used as it is (when it fires early, [`ReplyWait`] moves it to the real
/// deadline and waits on), and one due after it is moved earlier.
///
/// Correctness rests on tokio's own contract for [`Sleep`] and nothing more: whatever happened
/// to a spare before (fired, reset, polled with no coop budget left, which arms nothing), every
/// wait polls it again with the current waker, and a `Sleep` that returns `Pending` from a poll
/// wakes that waker when its deadline passes (or at once, when the poll was refused for
/// budget). No state of ours says "already registered": such a shortcut can be wrong, and a wait
/// without an armed deadline hangs.
///
/// The spare is reused only by the task that armed it (tokio draws task ids from one
/// process-wide 64-bit counter), so it belongs to the runtime that is polling that task, which
/// is alive. A spare that has fired (or whose runtime shut down, which fires every timer), or
/// that another task left, is replaced by a new one that this task keeps: a spare in the
/// thread's place is never in use (a wait takes it out), so dropping another task's costs what
/// a one-off timer would, and the next call of this task finds its own. (Before, another
/// task's spare was left in place, and a supervisor's 60 s start wait made every call on its
/// thread arm a one-off timer for a minute after any start.) `None` only when the call is not
/// made from a task.
#[inline]
fn take_timer(deadline: Instant) -> Option<Timer> {
    let task = tokio::task::try_id()?;
    let spare = SPARE_TIMER.try_with(Cell::take).ok()?;
    match spare {
        Some(mut timer) if timer.owner == task && !timer.sleep.is_elapsed() => {
            if timer.sleep.deadline() > deadline {
                timer.sleep.as_mut().reset(deadline);
            }
            Some(timer)
        }
        // None yet, one that fired, or another task's: a new one, which this task keeps.
        _ => Some(Timer {
            owner: task,
            sleep: Box::pin(tokio::time::sleep_until(deadline)),
        }),
    }
}

/// Keeps `timer` as the thread's spare for its task's next call. (Its owner is checked, and a
/// timer that fired meanwhile is replaced, when a call takes it.)
#[inline]
fn keep_timer(timer: Timer) {
    let _ = SPARE_TIMER.try_with(|spare| spare.set(Some(timer)));
}

/// Waiting for a reply until a deadline (`None`: for as long as it takes). The timer is armed
/// only if the reply is not already there (see [`take_timer`]). Polled from the caller's own
/// future (with a pinned place for a one-off timer), not as a future of its own: one layer of
/// state machine less on every call.
///
/// A call's deadline is coarse: it counts from the wait's second poll, not from the send (see
/// [`Deadline::After`]). A reply that comes within one turn of the scheduler, as most do,
/// costs neither a clock read nor a timer.
pub(crate) struct ReplyWait<T> {
    rx: SlotRx<T>,
    deadline: Deadline,
    spare: Option<Timer>,
}

/// When a wait for a reply gives up.
#[derive(Clone, Copy)]
enum Deadline {
    /// Never.
    Never,
    /// `timeout` after the wait's second poll; `yielded` once its first poll found no reply.
    ///
    /// The first poll that finds no reply reads no clock and arms no timer: it wakes its own
    /// task and returns `Pending`, so that the tasks already queued run first (usually among
    /// them the server with the call), as the reply would wake the task anyway (and waking a
    /// task that is already woken costs next to nothing). Only a poll after that which still
    /// finds no reply reads the clock and arms the timer: a timeout fires up to one turn of the
    /// scheduler later than counted from the send (on a paused clock, where no time passes in
    /// between, exactly on time).
    After { timeout: Duration, yielded: bool },
    /// At this instant.
    At(Instant),
}

impl<T: Send + 'static> ReplyWait<T> {
    /// A wait until `deadline` (`None`: for as long as it takes).
    pub(crate) fn new(rx: SlotRx<T>, deadline: Option<Instant>) -> Self {
        ReplyWait {
            rx,
            deadline: deadline.map_or(Deadline::Never, Deadline::At),
            spare: None,
        }
    }

    /// A call's wait, giving up `timeout` after its second poll (see [`Deadline::After`]); a
    /// timeout of [`NEVER`] or more never gives up.
    #[inline]
    pub(crate) fn after(rx: SlotRx<T>, timeout: Duration) -> Self {
        ReplyWait {
            rx,
            deadline: if timeout < NEVER {
                Deadline::After {
                    timeout,
                    yielded: false,
                }
            } else {
                Deadline::Never
            },
            spare: None,
        }
    }

    /// The reply, or `None` once the deadline has passed.
    pub(crate) fn poll(
        &mut self,
        cx: &mut std::task::Context<'_>,
        mut one_off: Pin<&mut Option<Sleep>>,
    ) -> Poll<Option<Result<T, SlotDropped>>> {
        if let Poll::Ready(reply) = self.rx.poll(cx) {
            return Poll::Ready(Some(reply));
        }
        let deadline = match self.deadline {
            Deadline::Never => return Poll::Pending,
            Deadline::At(deadline) => deadline,
            Deadline::After {
                timeout,
                yielded: false,
            } => {
                self.deadline = Deadline::After {
                    timeout,
                    yielded: true,
                };
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            Deadline::After {
                timeout,
                yielded: true,
            } => {
                let deadline = deadline_after(timeout);
                self.deadline = Deadline::At(deadline);
                deadline
            }
        };
        if self.spare.is_none() && one_off.is_none() {
            match take_timer(deadline) {
                Some(timer) => self.spare = Some(timer),
                None => one_off.set(Some(tokio::time::sleep_until(deadline))),
            }
        }
        if let Some(sleep) = one_off.as_mut().as_pin_mut() {
            return sleep.poll(cx).map(|()| None);
        }
        let Some(timer) = self.spare.as_mut() else {
            return Poll::Pending; // unreachable: one of the two was just armed
        };
        loop {
            // Polled every time, with this poll's waker: see `take_timer`.
            if timer.sleep.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            // A spare due before this call's deadline fired: move it there and wait on.
            if timer.sleep.deadline() >= deadline || Instant::now() >= deadline {
                return Poll::Ready(None);
            }
            timer.sleep.as_mut().reset(deadline);
        }
    }

    /// Keeps the spare timer, if this wait used one, for the task's next call.
    pub(crate) fn done(self) {
        if let Some(timer) = self.spare {
            keep_timer(timer);
        }
        self.rx.done();
    }
}

/// Maps what came back on a reply channel to a call's result. `server`: the server the call
/// went to, if known: its exit explains a reply slot let go of without an answer.
pub(crate) fn reply_outcome<T>(
    reply: Result<Result<T, ExitReason>, SlotDropped>,
    server: Option<&Process>,
) -> Result<T, CallError> {
    match reply {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(reason)) => Err(CallError::Exited(reason)),
        Err(SlotDropped::Unanswered) => Err(CallError::NoReply),
        // The server's guard answers every pending call; a dropped sender without an answer
        // means the runtime itself dropped the task.
        Err(SlotDropped::Dropped) => Err(CallError::Exited(
            server
                .and_then(Process::exit_reason)
                .unwrap_or(ExitReason::Killed),
        )),
    }
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;
    use std::future::poll_fn;
    use std::sync::Arc;
    use std::task::Waker;

    use super::*;
    use crate::{Context, GenServer};

    /// Answers a call after sleeping for as long as it says.
    struct Sleeper;

    impl GenServer for Sleeper {
        type Args = ();
        type Call = Duration;
        type Reply = ();
        type Cast = Infallible;
        type Info = Infallible;
        type Continue = Infallible;
        type Error = Infallible;

        async fn init(_: (), _: &mut Context<Self>) -> Result<Self, Infallible> {
            Ok(Sleeper)
        }

        async fn handle_call(&mut self, nap: Duration, _: &mut Context<Self>) {
            tokio::time::sleep(nap).await;
        }
    }

    const S: Duration = Duration::from_secs(1);
    const MS: Duration = Duration::from_millis(1);

    /// Answers a call with its number, after sleeping for as long as it says.
    struct Echo;

    impl GenServer for Echo {
        type Args = ();
        type Call = (Duration, u32);
        type Reply = u32;
        type Cast = Infallible;
        type Info = Infallible;
        type Continue = Infallible;
        type Error = Infallible;

        async fn init(_: (), _: &mut Context<Self>) -> Result<Self, Infallible> {
            Ok(Echo)
        }

        async fn handle_call(&mut self, (nap, n): (Duration, u32), _: &mut Context<Self>) -> u32 {
            tokio::time::sleep(nap).await;
            n
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_late_reply_left_in_a_reused_reply_slot_is_discarded() {
        in_task(async move {
            let late = Echo::start(()).await.unwrap();
            assert_eq!(
                late.call_timeout((2 * S, 1), S).await,
                Err(CallError::Timeout(S))
            );
            // Stopped once it has handled that call: its late reply is in the slot this thread
            // keeps for its next call, and the server has let go of it.
            late.stop(ExitReason::Shutdown).await.unwrap();
            assert_eq!(
                crate::reply::spare_slot::<u32>(),
                Some((1, true)),
                "the spare slot holds the late reply and nothing else holds the slot"
            );
            let next = Echo::start(()).await.unwrap();
            assert_eq!(next.call((S, 2)).await, Ok(2));
            assert_eq!(next.call((Duration::ZERO, 3)).await, Ok(3));
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn calls_of_different_reply_types_on_one_thread_each_keep_a_spare_slot() {
        in_task(async move {
            let server = Echo::start(()).await.unwrap();
            for n in 0..3 {
                // A call (replying `u32`), then a ping (replying `()`), in turn.
                assert_eq!(server.call((Duration::ZERO, n)).await, Ok(n));
                assert_eq!(server.ping().await, Ok(()));
            }
            // Each type's slot is kept, empty and held by nothing else, for its next call.
            assert_eq!(crate::reply::spare_slot::<u32>(), Some((1, false)));
            assert_eq!(crate::reply::spare_slot::<()>(), Some((1, false)));
            assert_eq!(crate::reply::spare_slot::<String>(), None);
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_reply_slot_a_server_still_holds_is_not_reused() {
        in_task(async move {
            let slow = Echo::start(()).await.unwrap();
            let quick = Echo::start(()).await.unwrap();
            assert_eq!(
                slow.call_timeout((2 * S, 1), S).await,
                Err(CallError::Timeout(S))
            );
            // `slow` still holds the first call's slot; its reply comes while the next call
            // waits, and must not answer it.
            let t = Instant::now();
            assert_eq!(quick.call((3 * S, 2)).await, Ok(2));
            assert_eq!(t.elapsed(), 3 * S);
            assert_eq!(slow.call((Duration::ZERO, 3)).await, Ok(3));
            assert_eq!(quick.call((Duration::ZERO, 4)).await, Ok(4));
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn calls_of_one_task_in_flight_together_get_their_own_replies() {
        in_task(async move {
            let server = Echo::start(()).await.unwrap();
            let (a, b, c) = tokio::join!(
                server.call((S, 1)),
                server.call((Duration::ZERO, 2)),
                server.ping(),
            );
            assert_eq!((a, b, c), (Ok(1), Ok(2), Ok(())));
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_server_killed_while_handling_a_call_answers_it_with_the_kill() {
        in_task(async move {
            let server = Echo::start(()).await.unwrap();
            let killer = server.clone();
            tokio::spawn(async move {
                tokio::time::sleep(S).await;
                killer.kill();
            });
            assert_eq!(
                server.call((10 * S, 1)).await,
                Err(CallError::Exited(ExitReason::Killed))
            );
            // And the next call on this thread, with a slot of the same type, is told it is gone.
            assert!(matches!(
                server.call((Duration::ZERO, 2)).await,
                Err(CallError::NotRunning { .. })
            ));
        })
        .await;
    }

    /// Runs `body` as a task: spare timers are kept for tasks, not for `block_on`.
    async fn in_task(body: impl Future<Output = ()> + Send + 'static) {
        tokio::spawn(body).await.unwrap();
    }

    /// Whether the current task has a spare timer.
    fn has_spare() -> bool {
        SPARE_TIMER.with(|spare| {
            let timer = spare.take();
            let mine = timer
                .as_ref()
                .is_some_and(|t| Some(t.owner) == tokio::task::try_id());
            spare.set(timer);
            mine
        })
    }

    #[tokio::test(start_paused = true)]
    async fn a_task_replaces_another_tasks_spare_timer_with_its_own() {
        // Another task (a supervisor, say) waits for a start with a long timeout and leaves
        // its spare timer on this (the only) thread.
        let server = tokio::spawn(async {
            let server = Sleeper::builder()
                .init_timeout(60 * S)
                .start(())
                .await
                .unwrap();
            assert!(has_spare());
            server
        })
        .await
        .unwrap();
        // A caller on the same thread takes the place with its own, and keeps it (a call whose
        // reply takes a while: one answered at once arms no timer at all).
        in_task(async move {
            assert!(!has_spare());
            server.call(MS).await.unwrap();
            assert!(has_spare());
            let t = Instant::now();
            assert_eq!(
                server.call_timeout(60 * S, S).await,
                Err(CallError::Timeout(S))
            );
            assert_eq!(t.elapsed(), S);
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_call_answered_within_a_turn_of_the_scheduler_arms_no_timer() {
        in_task(async move {
            let server = Sleeper::start(()).await.unwrap();
            for _ in 0..3 {
                server.call(Duration::ZERO).await.unwrap();
            }
            assert!(!has_spare(), "a call answered at once armed a timer");
            // One whose reply takes longer does, and keeps it for the task's next call.
            server.call(MS).await.unwrap();
            assert!(has_spare());
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_spare_timer_moved_earlier_still_times_the_call_out() {
        in_task(async move {
            let first = Sleeper::start(()).await.unwrap();
            // A quick call leaves a spare timer due 5 s from now.
            first.call(Duration::ZERO).await.unwrap();
            let t = Instant::now();
            assert_eq!(
                first.call_timeout(60 * S, S).await,
                Err(CallError::Timeout(S))
            );
            assert_eq!(t.elapsed(), S);
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_spare_timer_moved_later_does_not_fire_at_its_old_deadline() {
        in_task(async move {
            let server = Sleeper::start(()).await.unwrap();
            // The spare is due 1 s from now; the next call may take up to 10 s and takes 3 s.
            server.call_timeout(MS, S).await.unwrap();
            assert!(has_spare());
            let t = Instant::now();
            assert_eq!(server.call_timeout(3 * S, 10 * S).await, Ok(()));
            assert_eq!(t.elapsed(), 3 * S);
            // And it still fires at its new deadline.
            let t = Instant::now();
            assert_eq!(
                server.call_timeout(60 * S, 2 * S).await,
                Err(CallError::Timeout(2 * S))
            );
            assert_eq!(t.elapsed(), 2 * S);
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_timer_that_fired_is_not_reused() {
        in_task(async move {
            let slow = Sleeper::start(()).await.unwrap();
            assert_eq!(
                slow.call_timeout(60 * S, S).await,
                Err(CallError::Timeout(S))
            );
            let other = Sleeper::start(()).await.unwrap();
            let t = Instant::now();
            assert_eq!(other.call_timeout(2 * S, 5 * S).await, Ok(()));
            assert_eq!(t.elapsed(), 2 * S);
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_spare_timer_wakes_the_waker_that_polled_the_call_last() {
        in_task(async move {
            use std::pin::pin;
            use std::sync::atomic::{AtomicBool, Ordering::SeqCst};

            /// A waker of its own, as a combinator gives each of its futures: woken, it marks
            /// itself and wakes the task.
            struct Own {
                woken: AtomicBool,
                task: Waker,
            }
            impl std::task::Wake for Own {
                fn wake(self: Arc<Self>) {
                    self.woken.store(true, SeqCst);
                    self.task.wake_by_ref();
                }
            }

            let server = Sleeper::start(()).await.unwrap();
            // The spare is left registered with the task's own waker.
            server.call(MS).await.unwrap();
            assert!(has_spare());
            // The next call is polled only through its own waker, and only when that one is woken.
            let mut call = pin!(server.call_timeout(60 * S, S));
            let mut own: Option<Arc<Own>> = None;
            let outcome = tokio::time::timeout(
                10 * S,
                poll_fn(|cx| {
                    let own = own.get_or_insert_with(|| {
                        Arc::new(Own {
                            woken: AtomicBool::new(true),
                            task: cx.waker().clone(),
                        })
                    });
                    if !own.woken.swap(false, SeqCst) {
                        return Poll::Pending;
                    }
                    let waker = Waker::from(own.clone());
                    call.as_mut()
                        .poll(&mut std::task::Context::from_waker(&waker))
                }),
            )
            .await;
            assert_eq!(outcome, Ok(Err(CallError::Timeout(S))));
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_call_without_a_timeout_arms_no_timer_and_waits_as_long_as_it_takes() {
        in_task(async move {
            let server = Sleeper::start(()).await.unwrap();
            let hour = 3600 * S;
            let t = Instant::now();
            assert_eq!(server.call_timeout(hour, Duration::MAX).await, Ok(()));
            assert_eq!(t.elapsed(), hour);
            assert!(!has_spare());
        })
        .await;
    }

    #[test]
    fn a_spare_timer_left_by_a_runtime_that_shut_down_is_harmless() {
        let runtime = || {
            tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .build()
                .unwrap()
        };
        let calls = || async {
            let server = Sleeper::start(()).await.unwrap();
            for _ in 0..3 {
                server.call(Duration::ZERO).await.unwrap();
            }
        };
        // The first runtime's task leaves its spare timer on this thread, then the runtime goes.
        let first = runtime();
        first
            .block_on(async { tokio::spawn(calls()).await })
            .unwrap();
        drop(first);
        // Another runtime's task on the same thread finds it and must not use it.
        let second = runtime();
        second
            .block_on(async { tokio::spawn(calls()).await })
            .unwrap();
    }
}
