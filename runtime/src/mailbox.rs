//! The mailbox of a gen_server: one queue of [`Envelope`]s, bounded or not.
//!
//! Calls, casts, infos and pings share one queue, so a server sees them in the order they were
//! sent. A stop request is not queued behind them: it sets a flag in the process (checked before
//! each message) and wakes an idle server with [`Tx::wake`], which queues nothing: the server's
//! receive hands out an [`Envelope::Wake`] when it finds its queue empty.
//!
//! # Why not a tokio mpsc channel
//!
//! The queue is a `Vec` under a mutex, shared by the senders and the one receiver, because
//! that is what this use needs and no more:
//!
//! - **Memory.** A mailbox that has never received a message owns no buffer: it is one small
//!   allocation (under 100 bytes), where tokio's channel allocates about 1 KiB up front (its
//!   cache-padded state and a first block of 32 slots). That was the largest part of an idle
//!   server's memory.
//! - **Throughput.** A sender takes one short, uncontended lock. The server takes everything
//!   queued under one lock (a batch) and then handles it without touching shared state, so under
//!   a stream of casts the two sides rarely meet on the lock.
//! - **Wake-ups.** The server's waker is stored only while it waits, and the first message after
//!   that wakes it; a busy server is never woken.
//!
//! The receiving side takes part in tokio's cooperative budget, as tokio's own channels do, so a
//! server under a flood of messages still yields to its worker's other tasks. Senders are not
//! counted: the server's own context holds one, so "every sender is gone" never happens, and a
//! mailbox is closed only when its server exits.

use std::future::poll_fn;
use std::num::NonZeroUsize;
use std::pin::pin;
use std::sync::PoisonError;
use std::task::{Context, Poll, Waker, ready};

use tokio::sync::Notify;

use crate::monitor::Down;
use crate::reply::SlotTx;
use crate::sync::{Arc, AtomicBool, AtomicUsize, Mutex, MutexGuard, Ordering, seq_cst_for_loom};
use crate::{ExitReason, GenServer};

/// One message in a server's mailbox.
pub(crate) enum Envelope<S: GenServer> {
    /// A call, answered in the caller's reply slot.
    Call(S::Call, SlotTx<S::Reply>),
    Cast(S::Cast),
    Info(S::Info),
    Ping(SlotTx<()>),
    /// Wakes an idle server so that it sees a pending stop request.
    Wake,
    /// A monitored process is down (boxed: the news is bigger than most messages, and every
    /// envelope is as big as the biggest kind).
    Down(Box<Down>),
}

impl<S: GenServer> Envelope<S> {
    /// Answers a message the server will never handle with the reason it ended.
    pub(crate) fn reject(self, reason: &ExitReason) {
        match self {
            Envelope::Call(_, reply) => reply.send(Err(reason.clone())),
            Envelope::Ping(reply) => reply.send(Err(reason.clone())),
            Envelope::Cast(_) | Envelope::Info(_) | Envelope::Wake | Envelope::Down(_) => {}
        }
    }
}

/// Why a message could not be queued; the envelope comes back.
pub(crate) enum TrySendError<S: GenServer> {
    Closed(Envelope<S>),
    Full(Envelope<S>),
}

/// What the senders and the server share.
struct Shared<S: GenServer> {
    queue: Mutex<Queue<S>>,
    /// Set (under the queue's lock) when the server exits; read without it by bounded senders.
    closed: AtomicBool,
    /// Set by [`Tx::wake`], cleared by the receive that hands out its `Wake`; both under the
    /// queue's lock (an atomic only to sit in `Shared`'s padding rather than grow `Queue`).
    woken: AtomicBool,
    /// `Some` for a bounded mailbox (boxed: the default, unbounded mailbox stays small).
    bound: Option<Box<Bound>>,
}

struct Queue<S: GenServer> {
    /// Messages not yet taken by the server, oldest first. Allocated by the first message.
    items: Vec<Envelope<S>>,
    /// The server's waker while it waits for a message; the next sender takes it and wakes it.
    waker: Option<Waker>,
}

/// The limit of a bounded mailbox, and the senders waiting for room.
struct Bound {
    capacity: usize,
    /// Messages sent and not yet taken by the server: queued, or in its current batch.
    len: AtomicUsize,
    /// Senders waiting in [`Tx::send`] for room.
    waiting: AtomicUsize,
    room: Notify,
}

impl Bound {
    /// Takes a place, if there is one.
    fn reserve(&self) -> bool {
        self.len
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < self.capacity).then_some(n + 1)
            })
            .is_ok()
    }

    /// Gives a place back, and tells a waiting sender.
    fn release(&self) {
        self.len.fetch_sub(1, Ordering::SeqCst);
        // Either a waiting sender's count is seen here, or its retry sees the place given back.
        seq_cst_for_loom();
        if self.waiting.load(Ordering::SeqCst) > 0 {
            self.room.notify_one();
        }
    }
}

/// Counts a sender as waiting for room while it lives.
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn new(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::SeqCst);
        Waiting(count)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl<S: GenServer> Shared<S> {
    fn lock(&self) -> MutexGuard<'_, Queue<S>> {
        // Nothing panics while holding the lock; recover the queue if something ever did.
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The sending half. Cloning it is one reference count.
pub(crate) struct Tx<S: GenServer> {
    shared: Arc<Shared<S>>,
}

impl<S: GenServer> Clone for Tx<S> {
    fn clone(&self) -> Self {
        Tx {
            shared: self.shared.clone(),
        }
    }
}

impl<S: GenServer> Tx<S> {
    /// Queues without waiting.
    #[inline]
    pub(crate) fn try_send(&self, env: Envelope<S>) -> Result<(), TrySendError<S>> {
        let shared = &*self.shared;
        if let Some(bound) = &shared.bound {
            if shared.closed.load(Ordering::Acquire) {
                return Err(TrySendError::Closed(env));
            }
            if !bound.reserve() {
                return Err(TrySendError::Full(env));
            }
        }
        let mut queue = shared.lock();
        if shared.closed.load(Ordering::Relaxed) {
            drop(queue);
            if let Some(bound) = &shared.bound {
                bound.release();
            }
            return Err(TrySendError::Closed(env));
        }
        queue.items.push(env);
        let waker = queue.waker.take();
        drop(queue);
        if let Some(waker) = waker {
            waker.wake();
        }
        Ok(())
    }

    /// Queues even when a bounded mailbox is full (it goes over its bound by one): for news
    /// that must not be lost, such as a monitor's. Dropped if the server is gone.
    pub(crate) fn force_send(&self, env: Envelope<S>) {
        let shared = &*self.shared;
        if let Some(bound) = &shared.bound {
            // Taken without looking: the receiver gives it back when it takes the message.
            bound.len.fetch_add(1, Ordering::SeqCst);
        }
        let mut queue = shared.lock();
        if shared.closed.load(Ordering::Relaxed) {
            drop(queue);
            if let Some(bound) = &shared.bound {
                bound.release();
            }
            return;
        }
        queue.items.push(env);
        let waker = queue.waker.take();
        drop(queue);
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Queues, waiting for room in a bounded mailbox; fails only when the server is gone.
    /// Wakes the server with an [`Envelope::Wake`] without queuing one: no buffer is made for
    /// it (an idle server's mailbox has none), and a full bounded mailbox takes it too. Its
    /// receive hands the `Wake` out once it finds the queue empty; wakes before that are one.
    pub(crate) fn wake(&self) {
        let shared = &*self.shared;
        let mut queue = shared.lock();
        if shared.closed.load(Ordering::Relaxed) {
            return;
        }
        shared.woken.store(true, Ordering::Relaxed);
        let waker = queue.waker.take();
        drop(queue);
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    pub(crate) async fn send(&self, mut env: Envelope<S>) -> Result<(), Envelope<S>> {
        loop {
            env = match self.try_send(env) {
                Ok(()) => return Ok(()),
                Err(TrySendError::Closed(env)) => return Err(env),
                Err(TrySendError::Full(env)) => env,
            };
            // Only a bounded mailbox is ever full.
            let Some(bound) = &self.shared.bound else {
                continue;
            };
            // Register for the next free place, then look once more: it may have been freed
            // in between.
            let mut room = pin!(bound.room.notified());
            room.as_mut().enable();
            let _waiting = Waiting::new(&bound.waiting);
            seq_cst_for_loom();
            env = match self.try_send(env) {
                Ok(()) => return Ok(()),
                Err(TrySendError::Closed(env)) => return Err(env),
                Err(TrySendError::Full(env)) => env,
            };
            room.await;
        }
    }
}

/// The receiving half, owned by the server's task.
pub(crate) struct Rx<S: GenServer> {
    shared: Arc<Shared<S>>,
    /// Messages taken from the queue in one go, newest first (popped from the end), handled
    /// before the queue is looked at again. A `Vec` rather than a `VecDeque`: a word smaller in
    /// every server's task.
    batch: Vec<Envelope<S>>,
}

impl<S: GenServer> Rx<S> {
    /// The next message; `None` once the mailbox is closed.
    #[inline]
    pub(crate) async fn recv(&mut self) -> Option<Envelope<S>> {
        poll_fn(|cx| self.poll_recv(cx)).await
    }

    pub(crate) fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Envelope<S>>> {
        if self.batch.is_empty() {
            let mut queue = self.shared.lock();
            if queue.items.is_empty() {
                if self.shared.closed.load(Ordering::Relaxed) {
                    return Poll::Ready(None);
                }
                if self.shared.woken.swap(false, Ordering::Relaxed) {
                    return Poll::Ready(Some(Envelope::Wake));
                }
                if !queue
                    .waker
                    .as_ref()
                    .is_some_and(|w| w.will_wake(cx.waker()))
                {
                    queue.waker = Some(cx.waker().clone());
                }
                return Poll::Pending;
            }
            // Take the whole queue; the emptied batch buffer becomes the queue's.
            std::mem::swap(&mut queue.items, &mut self.batch);
            drop(queue);
            self.batch.reverse();
        }
        // A message to hand out: it costs one unit of the task's budget. With none left, tokio
        // wakes the task again after the others on its worker have had their turn, and the
        // message waits in the batch. (An empty mailbox costs nothing: waiting is not work.)
        let coop = ready!(tokio::task::coop::poll_proceed(cx));
        coop.made_progress();
        let env = self.batch.pop();
        if env.is_some()
            && let Some(bound) = &self.shared.bound
        {
            bound.release();
        }
        Poll::Ready(env)
    }

    /// A sender to this mailbox (for the loom models, which build a server's exit by hand).
    #[cfg(all(test, loom))]
    pub(crate) fn sender(&self) -> Tx<S> {
        Tx {
            shared: self.shared.clone(),
        }
    }

    /// How many messages wait to be taken: in the current batch, and queued behind it.
    pub(crate) fn queued(&self) -> usize {
        self.batch.len() + self.shared.lock().items.len()
    }

    /// Closes the mailbox and answers everything still queued with `reason`.
    pub(crate) fn close_and_reject(&mut self, reason: &ExitReason) {
        let (queued, waker) = {
            let mut queue = self.shared.lock();
            self.shared.closed.store(true, Ordering::Release);
            (std::mem::take(&mut queue.items), queue.waker.take())
        };
        drop(waker);
        for env in self.batch.drain(..).rev().chain(queued) {
            env.reject(reason);
        }
        if let Some(bound) = &self.shared.bound {
            // Senders waiting for room find the mailbox closed: either a sender registered
            // before this and is woken, or it registered after and its retry sees `closed`.
            seq_cst_for_loom();
            bound.room.notify_waiters();
        }
    }
}

/// A new mailbox: unbounded, or bounded to `capacity` queued messages.
pub(crate) fn channel<S: GenServer>(capacity: Option<NonZeroUsize>) -> (Tx<S>, Rx<S>) {
    let shared = Arc::new(Shared {
        queue: Mutex::new(Queue {
            items: Vec::new(),
            waker: None,
        }),
        closed: AtomicBool::new(false),
        woken: AtomicBool::new(false),
        bound: capacity.map(|capacity| {
            Box::new(Bound {
                capacity: capacity.get(),
                len: AtomicUsize::new(0),
                waiting: AtomicUsize::new(0),
                room: Notify::new(),
            })
        }),
    });
    (
        Tx {
            shared: shared.clone(),
        },
        Rx {
            shared,
            batch: Vec::new(),
        },
    )
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

    use crate::{Context, GenServer};

    /// Counts the casts it has handled.
    struct Counter(Arc<AtomicUsize>);

    impl GenServer for Counter {
        type Args = Arc<AtomicUsize>;
        type Call = ();
        type Reply = usize;
        type Cast = ();
        type Info = Infallible;
        type Continue = Infallible;
        type Error = Infallible;

        async fn init(count: Arc<AtomicUsize>, _: &mut Context<Self>) -> Result<Self, Infallible> {
            Ok(Counter(count))
        }

        async fn handle_call(&mut self, (): (), _: &mut Context<Self>) -> usize {
            self.0.load(SeqCst)
        }

        async fn handle_cast(&mut self, (): (), _: &mut Context<Self>) {
            self.0.fetch_add(1, SeqCst);
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_flooded_server_still_yields_to_the_other_tasks_of_its_thread() {
        const CASTS: usize = 10_000;
        let handled = Arc::new(AtomicUsize::new(0));
        let server = Counter::start(handled.clone()).await.unwrap();
        for _ in 0..CASTS {
            server.cast(()).unwrap();
        }
        // Queued behind the server, which has every cast waiting for it.
        let seen = handled.clone();
        let other = tokio::spawn(async move { seen.load(SeqCst) });
        assert_eq!(server.call(()).await, Ok(CASTS));
        let when_the_other_ran = other.await.unwrap();
        assert!(
            when_the_other_ran < CASTS,
            "the server handled all {CASTS} casts in one go, starving its thread"
        );
    }
}

/// Loom models of the mailbox: run with `--cfg loom` (see the README's test command and
/// `crate::loom_support`).
#[cfg(all(test, loom))]
mod loom_tests {
    use std::convert::Infallible;
    use std::future::poll_fn;
    use std::num::NonZeroUsize;
    use std::sync::Arc as StdArc;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

    use loom::thread;

    use super::{Envelope, Rx, TrySendError, Tx, channel};
    use crate::loom_support::{block_on, model};
    use crate::reply::reply_slot;
    use crate::sync::Ordering;
    use crate::{Context, ExitReason, GenServer};

    /// How each message of a model ended, by its id.
    #[derive(Default)]
    struct Ledger {
        /// Handed to the server by `recv`.
        delivered: [AtomicUsize; 2],
        /// Given back to its sender by a send that found the mailbox closed.
        returned: [AtomicUsize; 2],
        /// Dropped by the mailbox unhandled: rejected by its close.
        rejected: [AtomicUsize; 2],
    }

    impl Ledger {
        /// Every message ended exactly once; returns how many were delivered.
        fn check(&self) -> usize {
            for id in 0..2 {
                let ends = [&self.delivered, &self.returned, &self.rejected]
                    .map(|count| count[id].load(SeqCst));
                assert_eq!(ends.iter().sum::<usize>(), 1, "message {id}: {ends:?}");
            }
            self.delivered.iter().map(|n| n.load(SeqCst)).sum()
        }
    }

    /// A message that records how it ended in the ledger.
    struct Msg {
        id: usize,
        ledger: StdArc<Ledger>,
        ended: bool,
    }

    impl Msg {
        fn new(id: usize, ledger: &StdArc<Ledger>) -> Self {
            Msg {
                id,
                ledger: ledger.clone(),
                ended: false,
            }
        }

        fn end(mut self, how: fn(&Ledger) -> &[AtomicUsize; 2]) {
            how(&self.ledger)[self.id].fetch_add(1, SeqCst);
            self.ended = true;
        }
    }

    impl Drop for Msg {
        fn drop(&mut self) {
            if !self.ended {
                self.ledger.rejected[self.id].fetch_add(1, SeqCst);
            }
        }
    }

    /// A server type for the mailbox's envelopes; never started.
    struct Server;

    impl GenServer for Server {
        type Args = ();
        type Call = Msg;
        type Reply = usize;
        type Cast = Msg;
        type Info = Infallible;
        type Continue = Infallible;
        type Error = Infallible;

        async fn init(_: (), _: &mut Context<Self>) -> Result<Self, Infallible> {
            Ok(Server)
        }

        async fn handle_call(&mut self, msg: Msg, _: &mut Context<Self>) -> usize {
            msg.id
        }
    }

    /// What the server does with a message it takes: records it, answers a call with its id.
    fn handle(env: Envelope<Server>) {
        match env {
            Envelope::Cast(msg) => msg.end(|l| &l.delivered),
            Envelope::Call(msg, reply) => {
                reply.send(Ok(msg.id));
                msg.end(|l| &l.delivered);
            }
            Envelope::Info(never) => match never {},
            Envelope::Ping(_) | Envelope::Wake | Envelope::Down(_) => {
                panic!("a message nobody sent")
            }
        }
    }

    /// Casts message `id` without waiting.
    fn cast(tx: &Tx<Server>, msg: Msg) {
        match tx.try_send(Envelope::Cast(msg)) {
            Ok(()) => {}
            Err(TrySendError::Closed(Envelope::Cast(msg))) => msg.end(|l| &l.returned),
            Err(TrySendError::Closed(_)) => panic!("another envelope came back"),
            Err(TrySendError::Full(_)) => panic!("an unbounded mailbox was full"),
        }
    }

    /// Calls with message `id` and waits for the answer: the server's, or its close's.
    fn call(tx: &Tx<Server>, msg: Msg) {
        let id = msg.id;
        let (reply, mut rx) = reply_slot::<usize>();
        match tx.try_send(Envelope::Call(msg, reply)) {
            Ok(()) => match block_on(poll_fn(|cx| rx.poll(cx))) {
                Ok(Ok(answer)) => assert_eq!(answer, id, "another call's answer"),
                Ok(Err(ExitReason::Shutdown)) => {}
                Ok(Err(other)) => panic!("rejected with {other}"),
                Err(_) => panic!("a queued call was dropped without an answer"),
            },
            Err(TrySendError::Closed(Envelope::Call(msg, _))) => msg.end(|l| &l.returned),
            Err(TrySendError::Closed(_)) => panic!("another envelope came back"),
            Err(TrySendError::Full(_)) => panic!("an unbounded mailbox was full"),
        }
        rx.done();
    }

    /// Messages queued or taken but not yet handed out.
    fn held(rx: &Rx<Server>) -> usize {
        rx.shared.lock().items.len() + rx.batch.len()
    }

    /// A cast and a call from two threads race a server that takes one message and then exits
    /// (`close_and_reject`): the server's wait for its first message is woken, and each message
    /// ends exactly once: handled, given back to its sender, or rejected (a call's caller gets
    /// the exit reason, never a dropped reply).
    #[test]
    fn loom_a_cast_and_a_call_racing_the_close_each_end_exactly_once() {
        model(|| {
            let ledger = StdArc::new(Ledger::default());
            let (tx, mut rx) = channel::<Server>(None);
            let (tx1, l) = (tx.clone(), ledger.clone());
            let caster = thread::spawn(move || cast(&tx1, Msg::new(0, &l)));
            let (tx2, l) = (tx.clone(), ledger.clone());
            let caller = thread::spawn(move || call(&tx2, Msg::new(1, &l)));
            drop(tx);
            let first = block_on(rx.recv()).expect("a message");
            handle(first);
            rx.close_and_reject(&ExitReason::Shutdown);
            assert!(block_on(rx.recv()).is_none(), "a message after the close");
            caster.join().unwrap();
            caller.join().unwrap();
            assert!(ledger.check() >= 1);
        });
    }

    /// Two threads cast while the server waits: its waker is never lost between batches, and
    /// it gets both messages.
    #[test]
    fn loom_a_waiting_server_gets_every_cast() {
        model(|| {
            let ledger = StdArc::new(Ledger::default());
            let (tx, mut rx) = channel::<Server>(None);
            let senders: Vec<_> = (0..2)
                .map(|id| {
                    let (tx, l) = (tx.clone(), ledger.clone());
                    thread::spawn(move || cast(&tx, Msg::new(id, &l)))
                })
                .collect();
            drop(tx);
            for _ in 0..2 {
                handle(block_on(rx.recv()).expect("a message"));
            }
            for sender in senders {
                sender.join().unwrap();
            }
            rx.close_and_reject(&ExitReason::Shutdown);
            assert_eq!(ledger.check(), 2);
        });
    }

    /// A stop request's wake-up races a cast while the server waits: the server is woken (never
    /// left waiting: loom reports a thread parked forever), and gets the cast and one `Wake`.
    #[test]
    fn loom_a_wake_racing_a_cast_is_never_lost() {
        model(|| {
            let ledger = StdArc::new(Ledger::default());
            let (tx, mut rx) = channel::<Server>(None);
            let waker = {
                let tx = tx.clone();
                thread::spawn(move || tx.wake())
            };
            let sender = {
                let (tx, l) = (tx.clone(), ledger.clone());
                thread::spawn(move || cast(&tx, Msg::new(0, &l)))
            };
            drop(tx);
            let mut wakes = 0;
            while ledger.delivered[0].load(SeqCst) + wakes < 2 {
                match block_on(rx.recv()).expect("a message") {
                    Envelope::Wake => wakes += 1,
                    env => handle(env),
                }
            }
            waker.join().unwrap();
            sender.join().unwrap();
            rx.close_and_reject(&ExitReason::Shutdown);
            assert_eq!(wakes, 1);
            assert_eq!(ledger.delivered[0].load(SeqCst), 1);
        });
    }

    /// A bounded mailbox of one place, two senders waiting for room: the server never holds
    /// more than one message, no sender waits forever, both messages arrive.
    #[test]
    fn loom_senders_waiting_for_room_in_a_bounded_mailbox_all_get_in() {
        model(|| {
            let ledger = StdArc::new(Ledger::default());
            let (tx, mut rx) = channel::<Server>(NonZeroUsize::new(1));
            let senders: Vec<_> = (0..2)
                .map(|id| {
                    let (tx, l) = (tx.clone(), ledger.clone());
                    thread::spawn(move || {
                        let sent = block_on(tx.send(Envelope::Cast(Msg::new(id, &l))));
                        assert!(sent.is_ok(), "a send failed with the server running");
                    })
                })
                .collect();
            drop(tx);
            for _ in 0..2 {
                assert!(held(&rx) <= 1, "over capacity");
                handle(block_on(rx.recv()).expect("a message"));
            }
            for sender in senders {
                sender.join().unwrap();
            }
            let bound = rx.shared.bound.as_ref().expect("bounded");
            assert_eq!(bound.len.load(Ordering::SeqCst), 0, "places not given back");
            rx.close_and_reject(&ExitReason::Shutdown);
            assert_eq!(ledger.check(), 2);
        });
    }

    /// A bounded mailbox of one place, full; a second sender waits for room when the server
    /// exits without taking anything: the waiting sender gets its message back (it does not
    /// wait forever), and the queued one is rejected.
    #[test]
    fn loom_a_sender_waiting_for_room_sees_the_close() {
        model(|| {
            let ledger = StdArc::new(Ledger::default());
            let (tx, mut rx) = channel::<Server>(NonZeroUsize::new(1));
            cast(&tx, Msg::new(0, &ledger));
            let l = ledger.clone();
            let sender =
                thread::spawn(
                    move || match block_on(tx.send(Envelope::Cast(Msg::new(1, &l)))) {
                        Ok(()) => panic!("sent into a full mailbox nobody empties"),
                        Err(Envelope::Cast(msg)) => msg.end(|l| &l.returned),
                        Err(_) => panic!("another envelope came back"),
                    },
                );
            rx.close_and_reject(&ExitReason::Shutdown);
            sender.join().unwrap();
            assert_eq!(ledger.check(), 0);
        });
    }
}
