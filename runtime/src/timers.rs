//! A server's timers: infos sent to itself after a delay ([`Context::send_after`]), every
//! period ([`Context::send_interval`]), or when it has had nothing to do for a while
//! ([`Context::idle_timeout`], OTP's gen_server timeout).
//!
//! They belong to the server: one deadline queue per server (a heap, and one tokio timer armed
//! at the earliest deadline), kept in its context and polled by its own task while it waits for
//! mail. No task per timer, nothing shared: when the server exits, its timers go with its
//! context, so no timer message can reach a later incarnation. A server that never sets a timer
//! has none of this (its context holds an empty `Option`).
//!
//! # Order
//!
//! A timer's info joins the mailbox when the server next looks at it after the deadline, behind
//! every message queued by then: a timer never overtakes a message sent before its deadline.
//! (While a handler runs, the server does not look: a message sent after the deadline but
//! before the handler returns is queued ahead of the timer, as it would be had the timer fired
//! then.)
//!
//! [`Context::send_after`]: crate::Context::send_after
//! [`Context::send_interval`]: crate::Context::send_interval
//! [`Context::idle_timeout`]: crate::Context::idle_timeout

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::pin::Pin;
use std::time::Duration;

use tokio::time::{Instant, Sleep};

use crate::GenServer;
use crate::mailbox::{Envelope, Rx};
use crate::reply::deadline_after;
use crate::streams::{Got, Streams, poll_next};

/// A timer set with [`Context::send_after`](crate::Context::send_after) or
/// [`send_interval`](crate::Context::send_interval), to cancel it with
/// [`Context::cancel_timer`](crate::Context::cancel_timer).
///
/// It names one timer of one server incarnation; cancelling it on another server does nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TimerRef(u64);

/// One timer's message.
enum Message<I> {
    /// Sent once.
    Once(I),
    /// Sent every `period`, a copy made by `copy` each time.
    Every {
        info: I,
        period: Duration,
        copy: fn(&I) -> I,
    },
}

/// An idle timeout: `info` once nothing has arrived for `after` (from `since`, the start of the
/// wait it was set for).
struct Idle<I> {
    after: Duration,
    info: I,
    since: Option<Instant>,
}

/// A timer that fired, waiting for its turn in the mailbox's order.
struct Due<I> {
    /// Delivered once this many mailbox messages have been taken in all.
    after: u64,
    info: I,
}

pub(crate) struct Timers<I> {
    /// Deadlines, earliest first; an entry whose timer was cancelled (or rescheduled) is
    /// skipped when it comes up.
    heap: BinaryHeap<Reverse<(Instant, u64)>>,
    /// The live timers, by id, with the deadline their heap entry is for.
    live: HashMap<u64, (Instant, Message<I>)>,
    last_id: u64,
    due: VecDeque<Due<I>>,
    idle: Option<Idle<I>>,
    /// Mailbox messages taken so far (while there were timers).
    taken: u64,
    /// Armed at the earliest deadline while the server waits.
    sleep: Pin<Box<Sleep>>,
}

impl<I: Send + 'static> Timers<I> {
    pub(crate) fn new() -> Self {
        Timers {
            heap: BinaryHeap::new(),
            live: HashMap::new(),
            last_id: 0,
            due: VecDeque::new(),
            idle: None,
            taken: 0,
            sleep: Box::pin(tokio::time::sleep_until(deadline_after(Duration::MAX))),
        }
    }

    fn add(&mut self, delay: Duration, message: Message<I>) -> TimerRef {
        self.last_id += 1;
        let id = self.last_id;
        let at = deadline_after(delay);
        self.heap.push(Reverse((at, id)));
        self.live.insert(id, (at, message));
        TimerRef(id)
    }

    pub(crate) fn send_after(&mut self, delay: Duration, info: I) -> TimerRef {
        self.add(delay, Message::Once(info))
    }

    pub(crate) fn send_interval(
        &mut self,
        period: Duration,
        info: I,
        copy: fn(&I) -> I,
    ) -> TimerRef {
        // A zero period would send without end in one instant: one tick per millisecond at most.
        let period = period.max(Duration::from_millis(1));
        self.add(period, Message::Every { info, period, copy })
    }

    /// Cancels a timer; `true` if it had not fired yet (an interval: had not been cancelled).
    /// A message already due stays in the mailbox's order, as in OTP.
    pub(crate) fn cancel(&mut self, timer: TimerRef) -> bool {
        let cancelled = self.live.remove(&timer.0).is_some();
        // Drop the dead entries once they outnumber the live ones.
        if self.heap.len() > 64 && self.heap.len() > 2 * self.live.len() {
            let live = &self.live;
            self.heap
                .retain(|Reverse((at, id))| live.get(id).is_some_and(|(due, _)| due == at));
        }
        cancelled
    }

    pub(crate) fn idle_timeout(&mut self, after: Duration, info: I) {
        self.idle = Some(Idle {
            after,
            info,
            since: None,
        });
    }

    /// Timers set and not cancelled, and messages of fired timers not yet handled.
    pub(crate) fn pending(&self) -> usize {
        self.live.len() + self.due.len() + usize::from(self.idle.is_some())
    }

    /// Moves the timers due by `now` behind the `queued` messages waiting in the mailbox.
    fn collect(&mut self, now: Instant, queued: impl FnOnce() -> usize) {
        let mut queued = Some(queued);
        let mut ahead = 0;
        while let Some(&Reverse((at, id))) = self.heap.peek() {
            if at > now {
                break;
            }
            self.heap.pop();
            let Some((due_at, _)) = self.live.get(&id) else {
                continue; // cancelled
            };
            if *due_at != at {
                continue; // rescheduled: a later entry is the live one
            }
            if let Some(queued) = queued.take() {
                ahead = queued() as u64;
            }
            let info = match self.live.remove(&id) {
                Some((_, Message::Once(info))) => info,
                Some((_, Message::Every { info, period, copy })) => {
                    // Missed ticks (a busy server) are skipped, not bunched.
                    let mut next = at + period;
                    while next <= now {
                        next += period;
                    }
                    let tick = copy(&info);
                    self.heap.push(Reverse((next, id)));
                    self.live
                        .insert(id, (next, Message::Every { info, period, copy }));
                    tick
                }
                None => continue,
            };
            self.due.push_back(Due {
                after: self.taken + ahead,
                info,
            });
        }
    }

    /// The next message of a server with timers (and perhaps streams): a fired timer's info
    /// in its turn, the next mail or stream item, or the idle timeout's info. `None` once the
    /// mailbox is closed.
    pub(crate) async fn next<S: GenServer<Info = I>>(
        &mut self,
        rx: &mut Rx<S>,
        mut streams: Option<&mut Streams<I>>,
    ) -> Option<Envelope<S>> {
        loop {
            self.collect(Instant::now(), || rx.queued());
            if self.due.front().is_some_and(|due| due.after <= self.taken) {
                self.idle = None;
                return self.due.pop_front().map(|due| Envelope::Info(due.info));
            }
            let idle_at = match (&mut self.idle, self.due.is_empty()) {
                (Some(idle), true) => {
                    let since = *idle.since.get_or_insert_with(Instant::now);
                    since.checked_add(idle.after)
                }
                _ => None,
            };
            let timer_at = self.heap.peek().map(|Reverse((at, _))| *at);
            let wake_at = match (timer_at, idle_at) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            if let Some(wake_at) = wake_at
                && self.sleep.deadline() != wake_at
            {
                self.sleep.as_mut().reset(wake_at);
            }
            let sleep = &mut self.sleep;
            let got = std::future::poll_fn(|cx| {
                let timer = wake_at.map(|_| sleep.as_mut());
                poll_next(cx, rx, streams.as_deref_mut(), timer)
            })
            .await;
            match got {
                Got::Mail(mail) => {
                    self.taken += 1;
                    self.idle = None;
                    return mail;
                }
                Got::Item(info) => {
                    self.idle = None;
                    return Some(Envelope::Info(info));
                }
                Got::Timer => {
                    let now = Instant::now();
                    if idle_at.is_some_and(|at| at <= now)
                        && timer_at.is_none_or(|at| at > now)
                        && let Some(idle) = self.idle.take()
                    {
                        return Some(Envelope::Info(idle.info));
                    }
                    // A timer fired: collected on the next turn.
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::Timers;

    /// Timers set and cancelled in a bounded loop leave the deadline queue bounded: cancelled
    /// entries are dropped once they outnumber the live ones.
    #[tokio::test(start_paused = true)]
    async fn cancelled_timers_do_not_pile_up_in_the_queue() {
        let mut timers = Timers::<u32>::new();
        let kept = timers.send_after(Duration::from_secs(1), 0);
        for i in 0..100_000 {
            let t = timers.send_after(Duration::from_secs(60), i);
            assert!(timers.cancel(t));
            assert!(
                timers.heap.len() <= 130,
                "the queue grew to {}",
                timers.heap.len()
            );
        }
        assert_eq!(timers.live.len(), 1);
        assert_eq!(timers.pending(), 1);
        assert!(timers.cancel(kept));
        assert_eq!(timers.pending(), 0);
    }
}
