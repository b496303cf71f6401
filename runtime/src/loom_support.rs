//! What the loom models share (built only with `--cfg loom`; see the README's test command).
//!
//! The models themselves sit beside the code they check: `reply::loom_tests`,
//! `mailbox::loom_tests` and `registry::loom_tests`. Each runs its scenario under loom, which runs it once for every
//! interleaving of its threads (up to a bound on preemptions) and every value each atomic load
//! may see, and fails on a panic, a deadlock (a thread parked that nothing will wake: a lost
//! wake-up) or a leaked `Arc`.
//!
//! The bound is [`DEFAULT_PREEMPTIONS`] so that CI stays quick; for a deeper search set
//! `LOOM_MAX_PREEMPTIONS` (`LOOM_MAX_PREEMPTIONS=5`: about a minute, against seconds).

use std::future::Future;
use std::pin::pin;
use std::sync::Arc as StdArc;
use std::task::{Context, Poll, Wake, Waker};

use loom::sync::Notify;

/// Preemptions per execution when `LOOM_MAX_PREEMPTIONS` is not set.
const DEFAULT_PREEMPTIONS: usize = 3;

/// Runs `scenario` under loom, in every interleaving within the preemption bound.
pub(crate) fn model(scenario: impl Fn() + Send + Sync + 'static) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(DEFAULT_PREEMPTIONS);
    }
    builder.check(scenario);
}

/// Wakes the loom thread that waits on it. Its clones are std `Arc` clones, which loom does not
/// see: a waker may be cloned under a lock loom does not know about (tokio's `Notify` keeps
/// wakers under a std mutex) without loom switching threads there. (Not `Thread::unpark`: loom
/// lets that wake a thread blocked in a `join`.)
struct Wakeup(Notify);

impl Wake for Wakeup {
    fn wake(self: StdArc<Self>) {
        self.0.notify();
    }

    fn wake_by_ref(self: &StdArc<Self>) {
        self.0.notify();
    }
}

/// A new waker, that no one waits on (so `will_wake` tells it from any other).
pub(crate) fn waker() -> Waker {
    Waker::from(StdArc::new(Wakeup(Notify::new())))
}

/// Runs `future` to completion on the current loom thread, waiting while it is pending: if
/// nothing ever wakes it, loom reports the deadlock.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    let wakeup = StdArc::new(Wakeup(Notify::new()));
    let waker = Waker::from(wakeup.clone());
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        wakeup.0.wait();
    }
}
