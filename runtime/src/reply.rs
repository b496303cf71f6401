//! Where a call's reply goes: a reply slot, the one-shot channel of every call and ping.
//!
//! A tokio oneshot channel costs an allocation per call (and a free), plus the compare-and-swap
//! protocol of a channel whose two halves may race. A call needs less: the server writes the
//! reply once, the caller reads it, and both take a short, uncontended lock to do so. When the
//! call is over and the slot's only owner is the caller again, the slot goes back to the
//! thread's spare, and the next call of the same reply type takes it instead of allocating.

use std::any::Any;
use std::cell::Cell;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker, ready};

use crate::ExitReason;

/// A reply slot: the one-shot channel of a call, kept by the calling thread and used again by its next call once the server has let go of it.
///
/// A slot is reused only when the caller holds the one reference to it, that is, when the
/// server's half has been used or dropped: a late reply (to a call that timed out) can never
/// land in a later call's slot. A slot still held by a server is left to it.
pub(crate) struct Slot<T> {
    state: Mutex<SlotState<T>>,
}

enum SlotState<T> {
    /// No reply yet, and no one waiting for it.
    Empty,
    /// No reply yet; the waker of the caller waiting for it.
    Waiting(Waker),
    /// The reply, not yet taken.
    Full(T),
    /// The server's half was dropped without a reply.
    Dropped,
}

/// The server's half of a reply slot. Dropped without [`send`](Self::send), it tells the caller.
pub(crate) struct SlotTx<T> {
    slot: Option<Arc<Slot<Result<T, ExitReason>>>>,
}

/// The caller's half of a reply slot.
pub(crate) struct SlotRx<T> {
    slot: Arc<Slot<T>>,
}

/// The server's half dropped without a reply.
pub(crate) struct SlotDropped;

thread_local! {
    /// The reply slot of the last call made on this thread, for its next call.
    static SPARE_SLOT: Cell<Option<Arc<dyn Any + Send + Sync>>> = const { Cell::new(None) };
}

impl<T> Slot<T> {
    #[inline]
    fn lock(&self) -> MutexGuard<'_, SlotState<T>> {
        // Nothing panics while holding the lock; recover the state if something ever did.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A reply slot for a call replying `T`: the thread's spare if it is free and of that type, or a
/// new one.
#[inline]
pub(crate) fn reply_slot<T: Send + 'static>() -> (SlotTx<T>, SlotRx<Result<T, ExitReason>>) {
    let mut slot = SPARE_SLOT
        .try_with(Cell::take)
        .ok()
        .flatten()
        .and_then(|spare| spare.downcast::<Slot<Result<T, ExitReason>>>().ok())
        .filter(|slot| Arc::strong_count(slot) == 1)
        .unwrap_or_else(|| {
            Arc::new(Slot {
                state: Mutex::new(SlotState::Empty),
            })
        });
    if let Some(slot) = Arc::get_mut(&mut slot) {
        // Left by a call that was answered (and the answer taken), or that timed out (and a
        // late reply may sit in it): empty it either way.
        let state = slot.state.get_mut().unwrap_or_else(PoisonError::into_inner);
        if !matches!(state, SlotState::Empty) {
            *state = SlotState::Empty;
        }
    }
    let tx = SlotTx {
        slot: Some(slot.clone()),
    };
    (tx, SlotRx { slot })
}

/// The thread's spare slot, if it is one for replies of type `T`: how many hold it, and
/// whether a reply sits in it.
#[cfg(test)]
pub(crate) fn spare_slot<T: Send + 'static>() -> Option<(usize, bool)> {
    SPARE_SLOT.with(|cell| {
        let spare = cell.take();
        let seen = spare
            .clone()
            .and_then(|spare| spare.downcast::<Slot<Result<T, ExitReason>>>().ok())
            .map(|slot| {
                let full = matches!(*slot.lock(), SlotState::Full(_));
                (Arc::strong_count(&slot) - 1, full)
            });
        cell.set(spare);
        seen
    })
}

impl<T> SlotTx<T> {
    /// Sends the reply, waking the caller.
    #[inline]
    pub(crate) fn send(mut self, reply: Result<T, ExitReason>) {
        if let Some(slot) = self.slot.take() {
            slot.put(SlotState::Full(reply));
        }
    }
}

impl<T> Slot<T> {
    fn put(&self, state: SlotState<T>) {
        let previous = std::mem::replace(&mut *self.lock(), state);
        if let SlotState::Waiting(waker) = previous {
            waker.wake();
        }
    }
}

impl<T> Drop for SlotTx<T> {
    fn drop(&mut self) {
        if let Some(slot) = self.slot.take() {
            slot.put(SlotState::Dropped);
        }
    }
}

impl<T: Send + 'static> SlotRx<T> {
    /// The reply, once it is there (or the server's half is gone). A reply handed out costs one
    /// unit of the task's coop budget, as a tokio channel's receive does.
    #[inline]
    pub(crate) fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, SlotDropped>> {
        let mut state = self.slot.lock();
        match &*state {
            SlotState::Empty => {}
            SlotState::Waiting(waker) if waker.will_wake(cx.waker()) => return Poll::Pending,
            SlotState::Waiting(_) => {}
            SlotState::Full(_) | SlotState::Dropped => {
                let coop = ready!(tokio::task::coop::poll_proceed(cx));
                coop.made_progress();
                return match std::mem::replace(&mut *state, SlotState::Empty) {
                    SlotState::Full(reply) => Poll::Ready(Ok(reply)),
                    _ => Poll::Ready(Err(SlotDropped)),
                };
            }
        }
        *state = SlotState::Waiting(cx.waker().clone());
        Poll::Pending
    }

    /// Gives the slot back to the thread for its next call.
    #[inline]
    pub(crate) fn done(self) {
        let spare: Arc<dyn Any + Send + Sync> = self.slot;
        let _ = SPARE_SLOT.try_with(|cell| cell.set(Some(spare)));
    }
}
