//! Running a wait with its task's tokio coop budget spent at every await point.
//!
//! tokio gives a task a budget of 128 units per poll. Each tokio resource that is ready spends
//! one (a channel's receive, a `Sleep`, a `Notify`), and once the budget is spent every one of
//! them answers `Pending`, without doing its work, until the task has yielded: a `Sleep`
//! polled then does not arm its timer. A wait that takes that `Pending` for "armed, I will be
//! woken" never wakes up. Nothing in a test's usual path spends the budget, so such a hang
//! shows only in production, after a task that handled many messages in one go.
//!
//! [`starved`] wraps a future so that every other poll of it begins by spending the whole
//! budget ([`spend_budget`]): whatever the inner future waits on is polled once with no budget,
//! then (tokio wakes a task it made yield) again with a fresh one. A wait that survives it is
//! right whatever budget its caller has left.
//!
//! # Use
//!
//! Wrap the whole wait (a call, a ping, a start, a stop, a supervisor's shutdown or request),
//! and put a deadline around it so that a hang fails the test instead of hanging it; on
//! tokio's paused clock the deadline costs no real time:
//!
//! ```ignore
//! let reply = tokio::time::timeout(Duration::from_secs(60), starved(server.call_timeout(msg, ms200)))
//!     .await
//!     .expect("the call hung with its caller's budget spent");
//! ```
//!
//! The runtime's own unit tests reach this file as `crate::test_support::starved`; the tests
//! in `runtime/tests/` as `support::starved`. It needs only tokio and std.
#![allow(dead_code)]

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::task::coop;

/// Wraps `future` so that it runs with its task's coop budget spent at every other poll,
/// starting with the first (see the module's docs).
pub fn starved<F: Future>(future: F) -> Starved<F> {
    Starved {
        inner: Box::pin(future),
        spend: true,
    }
}

/// The future of [`starved`].
pub struct Starved<F> {
    inner: Pin<Box<F>>,
    /// Whether this poll starts by spending the budget.
    spend: bool,
}

impl<F: Future> Future for Starved<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = &mut *self;
        if this.spend {
            spend_budget(cx);
        }
        this.spend = !this.spend;
        this.inner.as_mut().poll(cx)
    }
}

/// Spends the rest of the current task's coop budget, as a task does that has just taken 128
/// messages from a channel. tokio wakes the task to poll it again once it has yielded.
///
/// # Panics
///
/// If the budget does not run out: the task is not budgeted (outside a tokio runtime, or
/// inside `tokio::task::unconstrained`), so starving it tests nothing.
pub fn spend_budget(cx: &mut Context<'_>) {
    // tokio's budget is 128; far more means there is none.
    for _ in 0..10_000 {
        match coop::poll_proceed(cx) {
            Poll::Ready(progress) => progress.made_progress(),
            Poll::Pending => return,
        }
    }
    panic!("the task's coop budget never ran out: it is not budgeted (unconstrained?)");
}
