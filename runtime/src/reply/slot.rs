//! Where a reply goes: a reply slot, the one-shot channel of every call and ping, and of a
//! start waiting for `init`.
//!
//! A tokio oneshot channel costs an allocation per call (and a free), plus the compare-and-swap
//! protocol of a channel whose two halves may race. A call needs less: the server writes the
//! reply once, the caller reads it, and both take a short, uncontended lock to do so. When the
//! call is over and the slot's only owner is the caller again, the slot goes back to the
//! thread's spare, and the next call of the same reply type takes it instead of allocating.

use std::any::{Any, TypeId};
use std::cell::{Cell, RefCell};
use std::sync::PoisonError;
use std::task::{Context, Poll, Waker, ready};

use crate::ExitReason;
use crate::sync::{
    AnyArc, Arc, Mutex, MutexGuard, any_type_id, downcast, into_any, thread_local, type_id_of,
};

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
    /// The server's half was given up unanswered on purpose: a reply token
    /// ([`ReplyTo`](crate::ReplyTo)) dropped without a reply.
    Unanswered,
}

/// The server's half of a reply slot. Dropped without [`send`](Self::send), it tells the caller.
pub(crate) struct SlotTx<T> {
    slot: Option<Arc<Slot<Result<T, ExitReason>>>>,
}

/// The caller's half of a reply slot.
pub(crate) struct SlotRx<T> {
    slot: Arc<Slot<T>>,
}

/// The server's half ended without a reply.
#[derive(Debug, PartialEq)]
pub(crate) enum SlotDropped {
    /// Dropped: its server (or the runtime, dropping the server's task) let go of it.
    Dropped,
    /// Given up on purpose: a reply token dropped unanswered.
    Unanswered,
}

/// How many other reply types a thread keeps a spare slot for, besides its last call's.
const OTHER_SPARES: usize = 3;

/// A slot of any reply type.
type AnySlot = AnyArc;

thread_local! {
    /// The slot of the last call made on this thread, for its next call.
    static SPARE: Cell<Option<AnySlot>> = const { Cell::new(None) };
    /// Spare slots of other reply types, one per type, so that tasks taking turns on a thread
    /// with calls of different types each find theirs.
    static OTHER: RefCell<[Option<(TypeId, AnySlot)>; OTHER_SPARES]> =
        const { RefCell::new([const { None }; OTHER_SPARES]) };
}

/// Takes the thread's spare `S`, if it has one.
#[inline]
fn take_spare<S: Any + Send + Sync>() -> Option<Arc<S>> {
    match SPARE.try_with(Cell::take).ok().flatten() {
        Some(last) => match downcast::<S>(last) {
            Ok(slot) => Some(slot),
            Err(other) => take_other(Some(other)),
        },
        // Taken by a call still waiting (another task's, on this thread): look among the others.
        None => take_other(None),
    }
}

/// The thread's last spare, if any, was of another type: keeps it among the others, and takes an
/// `S` from them if there is one.
#[cold]
fn take_other<S: Any + Send + Sync>(last: Option<AnySlot>) -> Option<Arc<S>> {
    if let Some(last) = last {
        keep_other(last);
    }
    let id = type_id_of::<S>();
    let mine = OTHER
        .try_with(|others| {
            // Busy only if a slot's drop (a user's reply value) makes a call: then do without.
            let mut others = others.try_borrow_mut().ok()?;
            others
                .iter_mut()
                .find(|o| o.as_ref().is_some_and(|(of, _)| *of == id))
                .and_then(Option::take)
        })
        .ok()
        .flatten()?;
    downcast::<S>(mine.1).ok()
}

/// Keeps `slot` among the spares of other types than the last call's: in place of one of its
/// type, else in a free place, else in place of the last.
#[cold]
fn keep_other(slot: AnySlot) {
    let id = any_type_id(&slot);
    let _ = OTHER.try_with(|others| {
        let Ok(mut others) = others.try_borrow_mut() else {
            return;
        };
        let at = others
            .iter()
            .position(|o| o.as_ref().is_some_and(|(of, _)| *of == id))
            .or_else(|| others.iter().position(Option::is_none))
            .unwrap_or(OTHER_SPARES - 1);
        let evicted = others[at].replace((id, slot));
        drop(others);
        // After the borrow: a slot's drop may run a user's drop code.
        drop(evicted);
    });
}

/// Keeps `slot` as the thread's spare for its next call (the spare it displaces, of a call made
/// meanwhile, among the others).
#[inline]
fn keep_spare<S: Any + Send + Sync>(slot: Arc<S>) {
    let _ = SPARE.try_with(|spare| {
        if let Some(displaced) = spare.replace(Some(into_any(slot))) {
            keep_other(displaced);
        }
    });
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
    let mut slot = take_spare::<Slot<Result<T, ExitReason>>>()
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

/// The thread's spare slot for replies of type `T`, if it has one: how many hold it (the spare
/// itself included), and whether a reply sits in it.
#[cfg(test)]
pub(crate) fn spare_slot<T: Send + 'static>() -> Option<(usize, bool)> {
    let slot = take_spare::<Slot<Result<T, ExitReason>>>()?;
    let seen = (
        Arc::strong_count(&slot),
        matches!(*slot.lock(), SlotState::Full(_)),
    );
    keep_spare(slot);
    Some(seen)
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

impl<T> SlotTx<T> {
    /// Gives the slot up without a reply, on purpose: the caller learns that nobody will answer
    /// (a reply token dropped unanswered), rather than that the server is gone.
    pub(crate) fn unanswered(mut self) {
        if let Some(slot) = self.slot.take() {
            slot.put(SlotState::Unanswered);
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
            SlotState::Full(_) | SlotState::Dropped | SlotState::Unanswered => {
                let coop = ready!(tokio::task::coop::poll_proceed(cx));
                coop.made_progress();
                return match std::mem::replace(&mut *state, SlotState::Empty) {
                    SlotState::Full(reply) => Poll::Ready(Ok(reply)),
                    SlotState::Unanswered => Poll::Ready(Err(SlotDropped::Unanswered)),
                    _ => Poll::Ready(Err(SlotDropped::Dropped)),
                };
            }
        }
        *state = SlotState::Waiting(cx.waker().clone());
        Poll::Pending
    }

    /// The reply if it is there (or the server's half is gone), without waiting and without
    /// touching the task's coop budget: for a supervisor looking at a ping's pong once its
    /// timeout has passed.
    pub(crate) fn try_take(&mut self) -> Option<Result<T, SlotDropped>> {
        let mut state = self.slot.lock();
        match &*state {
            SlotState::Empty | SlotState::Waiting(_) => None,
            SlotState::Full(_) | SlotState::Dropped | SlotState::Unanswered => {
                match std::mem::replace(&mut *state, SlotState::Empty) {
                    SlotState::Full(reply) => Some(Ok(reply)),
                    SlotState::Unanswered => Some(Err(SlotDropped::Unanswered)),
                    _ => Some(Err(SlotDropped::Dropped)),
                }
            }
        }
    }

    /// Gives the slot back to the thread for its next call.
    #[inline]
    pub(crate) fn done(self) {
        keep_spare(self.slot);
    }
}

#[cfg(test)]
mod tests {
    use std::future::poll_fn;

    use super::reply_slot;
    use crate::test_support::starved::starved;

    /// A reply already in the slot when its caller, out of budget, polls for it stays there
    /// for the caller's next poll: it is neither lost nor waited for in vain.
    #[tokio::test(start_paused = true)]
    async fn a_reply_is_not_lost_on_a_caller_out_of_budget() {
        let (tx, mut rx) = reply_slot::<u32>();
        tx.send(Ok(7));
        let wait = tokio::spawn(starved(async move {
            let reply = poll_fn(|cx| rx.poll(cx)).await;
            rx.done();
            reply
        }));
        let reply = tokio::time::timeout(std::time::Duration::from_secs(60), wait).await;
        assert!(matches!(reply, Ok(Ok(Ok(Ok(7))))), "the reply was lost");
    }
}

/// Loom models of the reply slot: run with `--cfg loom` (see the README's test command and
/// `crate::loom_support`).
#[cfg(all(test, loom))]
mod loom_tests {
    use std::future::poll_fn;
    use std::sync::Arc as StdArc;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::task::{Context, Poll, Waker};

    use loom::thread;

    use super::{SlotDropped, SlotRx, SlotTx, reply_slot};
    use crate::ExitReason;
    use crate::loom_support::{block_on, model, waker};

    /// What a server does with the reply half of a call.
    #[derive(Clone, Copy, Debug, PartialEq)]
    enum Server {
        /// Answers it.
        Replies,
        /// Its exit guard answers it with the reason the server ended.
        Rejects,
        /// Exits (or is dropped by the runtime) without answering.
        Exits,
    }

    const SERVERS: [Server; 3] = [Server::Replies, Server::Rejects, Server::Exits];

    /// A reply that counts its drops: wherever it ends, it is dropped exactly once.
    struct Counted(u32, StdArc<AtomicUsize>);

    impl Drop for Counted {
        fn drop(&mut self) {
            self.1.fetch_add(1, SeqCst);
        }
    }

    fn serve(tx: SlotTx<Counted>, server: Server, n: u32, drops: StdArc<AtomicUsize>) {
        match server {
            Server::Replies => tx.send(Ok(Counted(n, drops))),
            Server::Rejects => tx.send(Err(ExitReason::Shutdown)),
            Server::Exits => drop(tx),
        }
    }

    type Outcome = Result<Result<Counted, ExitReason>, SlotDropped>;

    fn poll_once(rx: &mut SlotRx<Result<Counted, ExitReason>>, waker: &Waker) -> Poll<Outcome> {
        rx.poll(&mut Context::from_waker(waker))
    }

    fn is(outcome: &Outcome, server: Server, n: u32) -> bool {
        match (server, outcome) {
            (Server::Replies, Ok(Ok(Counted(got, _)))) => *got == n,
            (Server::Rejects, Ok(Err(ExitReason::Shutdown))) => true,
            (Server::Exits, Err(SlotDropped::Dropped)) => true,
            _ => false,
        }
    }

    /// A caller waiting for its reply sees the one thing the server did (answer, reject, exit),
    /// whenever it did it: no lost wake-up (the caller would park forever, which loom reports),
    /// even when the caller was first polled with another waker (a task that moved), and no
    /// second outcome afterwards.
    #[test]
    fn loom_a_waiting_caller_sees_the_servers_one_outcome() {
        for server in SERVERS {
            model(move || {
                let drops = StdArc::new(AtomicUsize::new(0));
                let (tx, mut rx) = reply_slot::<Counted>();
                let d = drops.clone();
                let handle = thread::spawn(move || serve(tx, server, 7, d));
                // First polled with a waker that wakes nothing: only the last waker counts.
                let outcome = match poll_once(&mut rx, Waker::noop()) {
                    Poll::Ready(outcome) => outcome,
                    Poll::Pending => block_on(poll_fn(|cx| rx.poll(cx))),
                };
                assert!(
                    is(&outcome, server, 7),
                    "{server:?}: the caller saw something else"
                );
                drop(outcome);
                handle.join().unwrap();
                assert!(
                    poll_once(&mut rx, &waker()).is_pending(),
                    "{server:?}: a second outcome"
                );
                let replied = usize::from(server == Server::Replies);
                assert_eq!(drops.load(SeqCst), replied, "{server:?}: the reply's drops");
                rx.done();
            });
        }
    }

    /// A caller that gives up (its future dropped by a `select!` or an outer timeout), before
    /// its first poll or after, while the server answers, rejects or exits: nothing panics, the
    /// reply (if any) is dropped exactly once, and the slot is freed (loom checks every `Arc`).
    #[test]
    fn loom_a_caller_cancelled_while_the_server_answers_leaks_nothing() {
        for server in SERVERS {
            for polled in [false, true] {
                model(move || {
                    let drops = StdArc::new(AtomicUsize::new(0));
                    let (tx, mut rx) = reply_slot::<Counted>();
                    let d = drops.clone();
                    let handle = thread::spawn(move || serve(tx, server, 7, d));
                    if polled && let Poll::Ready(outcome) = poll_once(&mut rx, &waker()) {
                        assert!(is(&outcome, server, 7), "{server:?}: something else");
                    }
                    drop(rx);
                    handle.join().unwrap();
                    let replied = usize::from(server == Server::Replies);
                    assert_eq!(drops.load(SeqCst), replied, "{server:?}: the reply's drops");
                });
            }
        }
    }

    /// A call times out and its caller gives the slot back while the server still holds its
    /// half; a call of another reply type comes between; then a call of the first type takes
    /// the spare again, racing the first server's late reply. The slot is reused only once the
    /// first server let go of it, emptied; the third call gets its own reply and nothing else,
    /// ever; every reply is dropped exactly once, and no slot leaks.
    #[test]
    fn loom_a_late_reply_never_lands_in_a_later_call_of_any_type() {
        for late in [Server::Replies, Server::Exits] {
            model(move || {
                let drops = StdArc::new(AtomicUsize::new(0));
                // Call 1: polled once, then timed out.
                let (tx1, mut rx1) = reply_slot::<Counted>();
                let d = drops.clone();
                let server1 = thread::spawn(move || serve(tx1, late, 1, d));
                if let Poll::Ready(outcome) = poll_once(&mut rx1, &waker()) {
                    assert!(is(&outcome, late, 1), "call 1 got something else");
                }
                rx1.done();
                // Call 2, of another reply type, answered at once: call 1's slot moves among
                // the thread's other spares.
                let (tx2, mut rx2) = reply_slot::<&'static str>();
                tx2.send(Ok("two"));
                let two = rx2.poll(&mut Context::from_waker(&waker()));
                assert!(matches!(two, Poll::Ready(Ok(Ok("two")))), "call 2");
                rx2.done();
                // Call 3, of call 1's type, answered by another server.
                let (tx3, mut rx3) = reply_slot::<Counted>();
                let d = drops.clone();
                let server3 = thread::spawn(move || serve(tx3, Server::Replies, 3, d));
                let outcome = block_on(poll_fn(|cx| rx3.poll(cx)));
                assert!(is(&outcome, Server::Replies, 3), "call 3 got another reply");
                drop(outcome);
                server1.join().unwrap();
                server3.join().unwrap();
                assert!(
                    poll_once(&mut rx3, &waker()).is_pending(),
                    "a late reply landed in a later call's slot"
                );
                rx3.done();
                let replies = 1 + usize::from(late == Server::Replies);
                assert_eq!(drops.load(SeqCst), replies, "the replies' drops");
            });
        }
    }
}
