//! [`NamedRef`]: a reference that follows a name of a [`Registry`](crate::Registry) across
//! restarts, reaching whichever server holds the name at each call.
//!
//! It holds the name's slot, so a call through it costs a read lock on that slot, not a lookup
//! in the registry's map.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use super::slot::SlotArc;
use crate::mailbox::{Envelope, TrySendError};
use crate::process::Process;
use crate::reply::{NEVER, deadline_after};
use crate::request::{Queued, Route, call_and_ping};
use crate::sync::Ordering;
use crate::{CallError, CastError, GenServer, ServerRef};

/// A reference bound to a name in a [`Registry`](crate::Registry): it reaches whichever `S`
/// server is registered under the name at the time of each call, so it keeps working when a
/// supervisor replaces the server.
///
/// # When nobody holds the name
///
/// A call or ping that finds no server under the name **waits** for the next one, within the
/// call's timeout, only while the name's supervisor is bringing it back: the child crashed and
/// its restart is in progress, a restart backoff is pending, or a failed restart is being
/// retried. In every other case nobody will bring the name back, and the call fails **at once**
/// with [`CallError::NotRunning`] (OTP's `noproc`):
///
/// - the name is not declared by any running supervisor (never registered, or registered by a
///   server started by hand that has exited);
/// - the child ended for good (a transient child that ended normally, a temporary one), was
///   stopped with `terminate_child`, or was deleted;
/// - its supervisor is shutting down, gave up (its restart intensity), or is gone.
///
/// A cast never waits: it fails at once with [`CastError::NotRunning`]. A call sent to a server
/// that then dies is not resent (it may have been handled): it fails with
/// [`CallError::Exited`].
///
/// ```
/// # use std::convert::Infallible;
/// # use perennial_runtime::{Context, GenServer};
/// # struct Cache;
/// # impl GenServer for Cache {
/// #     type Args = (); type Call = (); type Reply = u32; type Cast = Infallible;
/// #     type Info = Infallible; type Continue = Infallible; type Error = Infallible;
/// #     async fn init(_: (), _: &mut Context<Self>) -> Result<Self, Infallible> { Ok(Cache) }
/// #     async fn handle_call(&mut self, _: (), _: &mut Context<Self>) -> u32 { 7 }
/// # }
/// use perennial_runtime::supervisor::{ChildSpec, SupervisorSpec};
/// use perennial_runtime::CallError;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let tree = SupervisorSpec::new("app")
///     .child(ChildSpec::server::<Cache>("cache", ()))
///     .start()
///     .await?;
/// let cache = tree.registry().named::<Cache>("cache");
/// assert_eq!(cache.call(()).await?, 7);
///
/// tree.shutdown().await;
/// // Nobody will bring `cache` back: the call fails at once, not after its 5 s timeout.
/// assert!(matches!(cache.call(()).await, Err(CallError::NotRunning { .. })));
/// # Ok(())
/// # }
/// ```
pub struct NamedRef<S: GenServer> {
    pub(super) name: Arc<str>,
    pub(super) slot: SlotArc,
    _server: PhantomData<fn() -> S>,
}

/// What happened to an envelope offered to the current holder of a name. Every case that did
/// not queue it gives it back.
pub(crate) enum Offer<S: GenServer> {
    Queued,
    Absent(Envelope<S>),
    Full(Envelope<S>, ServerRef<S>),
    WrongType(Envelope<S>, &'static str),
    CallingSelf(Envelope<S>),
}

impl<S: GenServer> NamedRef<S> {
    /// The reference to the name `name`, whose slot is already held (counted in its `refs`) for
    /// it.
    pub(super) fn new(name: Arc<str>, slot: SlotArc) -> Self {
        NamedRef {
            name,
            slot,
            _server: PhantomData,
        }
    }

    /// The name this reference follows.
    ///
    /// ```
    /// # use std::convert::Infallible;
    /// # use perennial_runtime::{Context, GenServer};
    /// # struct Counter(u32);
    /// # impl GenServer for Counter {
    /// #     type Args = u32; type Call = (); type Reply = u32; type Cast = u32; type Info = u32;
    /// #     type Continue = Infallible; type Error = Infallible;
    /// #     async fn init(n: u32, _: &mut Context<Self>) -> Result<Self, Infallible> {
    /// #         Ok(Counter(n))
    /// #     }
    /// #     async fn handle_call(&mut self, _: (), _: &mut Context<Self>) -> u32 { self.0 }
    /// #     async fn handle_cast(&mut self, n: u32, _: &mut Context<Self>) { self.0 += n }
    /// #     async fn handle_info(&mut self, n: u32, _: &mut Context<Self>) { self.0 = n }
    /// # }
    /// use perennial_runtime::Registry;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let registry = Registry::new();
    /// assert_eq!(registry.named::<Counter>("counter").name(), "counter");
    /// // Made through a scoped view, it follows the full name.
    /// assert_eq!(registry.scope("eu").named::<Counter>("counter").name(), "eu/counter");
    /// # Ok(())
    /// # }
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The server registered under the name right now, if one is running and is an `S`.
    ///
    /// ```
    /// # use std::convert::Infallible;
    /// # use perennial_runtime::{Context, GenServer};
    /// # struct Counter(u32);
    /// # impl GenServer for Counter {
    /// #     type Args = u32; type Call = (); type Reply = u32; type Cast = u32; type Info = u32;
    /// #     type Continue = Infallible; type Error = Infallible;
    /// #     async fn init(n: u32, _: &mut Context<Self>) -> Result<Self, Infallible> {
    /// #         Ok(Counter(n))
    /// #     }
    /// #     async fn handle_call(&mut self, _: (), _: &mut Context<Self>) -> u32 { self.0 }
    /// #     async fn handle_cast(&mut self, n: u32, _: &mut Context<Self>) { self.0 += n }
    /// #     async fn handle_info(&mut self, n: u32, _: &mut Context<Self>) { self.0 = n }
    /// # }
    /// use perennial_runtime::Registry;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let registry = Registry::new();
    /// let counter = registry.named::<Counter>("counter");
    /// assert_eq!(counter.resolve(), None);
    /// let server = Counter::builder().register(&registry, "counter").start(0).await?;
    /// assert_eq!(counter.resolve(), Some(server));
    /// # Ok(())
    /// # }
    /// ```
    pub fn resolve(&self) -> Option<ServerRef<S>> {
        self.slot.with_live(|e| {
            e.and_then(|e| e.server.downcast_ref::<ServerRef<S>>())
                .cloned()
        })
    }

    /// Queues `envelope` with the current holder of the name, under the slot's read lock.
    /// `expects_reply` refuses a server calling itself, which would deadlock.
    #[inline]
    pub(super) fn try_send(&self, envelope: Envelope<S>, expects_reply: bool) -> Offer<S> {
        self.slot.with_live(|entry| {
            let Some(entry) = entry else {
                return Offer::Absent(envelope);
            };
            let Some(server) = entry.server.downcast_ref::<ServerRef<S>>() else {
                return Offer::WrongType(envelope, entry.type_name);
            };
            if expects_reply && server.process.is_current_task() {
                return Offer::CallingSelf(envelope);
            }
            match server.tx.try_send(envelope) {
                Ok(()) => Offer::Queued,
                Err(TrySendError::Closed(envelope)) => Offer::Absent(envelope),
                Err(TrySendError::Full(envelope)) => Offer::Full(envelope, server.clone()),
            }
        })
    }

    fn not_running(&self) -> CallError {
        CallError::NotRunning {
            name: Some(self.name.clone()),
        }
    }

    fn wrong_type(&self, registered: &'static str) -> CallError {
        CallError::WrongType {
            name: self.name.clone(),
            expected: std::any::type_name::<S>(),
            registered,
        }
    }

    /// Queues a cast with the server holding the name, without waiting. Fails at once with
    /// [`CastError::NotRunning`] if no `S` server holds the name (including when a server of
    /// another type does), or [`CastError::Full`] if its bounded mailbox is full.
    ///
    /// ```
    /// # use std::convert::Infallible;
    /// # use perennial_runtime::{Context, GenServer};
    /// # struct Counter(u32);
    /// # impl GenServer for Counter {
    /// #     type Args = u32; type Call = (); type Reply = u32; type Cast = u32; type Info = u32;
    /// #     type Continue = Infallible; type Error = Infallible;
    /// #     async fn init(n: u32, _: &mut Context<Self>) -> Result<Self, Infallible> {
    /// #         Ok(Counter(n))
    /// #     }
    /// #     async fn handle_call(&mut self, _: (), _: &mut Context<Self>) -> u32 { self.0 }
    /// #     async fn handle_cast(&mut self, n: u32, _: &mut Context<Self>) { self.0 += n }
    /// #     async fn handle_info(&mut self, n: u32, _: &mut Context<Self>) { self.0 = n }
    /// # }
    /// use perennial_runtime::{CastError, Registry};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let registry = Registry::new();
    /// let counter = registry.named::<Counter>("counter");
    /// assert_eq!(counter.cast(1), Err(CastError::NotRunning(1))); // a cast never waits
    /// Counter::builder().register(&registry, "counter").start(0).await?;
    /// counter.cast(1)?;
    /// assert_eq!(counter.call(()).await?, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn cast(&self, cast: S::Cast) -> Result<(), CastError<S::Cast>> {
        match self.try_send(Envelope::Cast(cast), false) {
            Offer::Queued => Ok(()),
            Offer::Full(Envelope::Cast(c), _) => Err(CastError::Full(c)),
            Offer::Absent(Envelope::Cast(c))
            | Offer::WrongType(Envelope::Cast(c), _)
            | Offer::CallingSelf(Envelope::Cast(c)) => Err(CastError::NotRunning(c)),
            _ => unreachable!("the envelope comes back as it was given"),
        }
    }

    /// Sends an info message to the server holding the name, without waiting.
    ///
    /// ```
    /// # use std::convert::Infallible;
    /// # use perennial_runtime::{Context, GenServer};
    /// # struct Counter(u32);
    /// # impl GenServer for Counter {
    /// #     type Args = u32; type Call = (); type Reply = u32; type Cast = u32; type Info = u32;
    /// #     type Continue = Infallible; type Error = Infallible;
    /// #     async fn init(n: u32, _: &mut Context<Self>) -> Result<Self, Infallible> {
    /// #         Ok(Counter(n))
    /// #     }
    /// #     async fn handle_call(&mut self, _: (), _: &mut Context<Self>) -> u32 { self.0 }
    /// #     async fn handle_cast(&mut self, n: u32, _: &mut Context<Self>) { self.0 += n }
    /// #     async fn handle_info(&mut self, n: u32, _: &mut Context<Self>) { self.0 = n }
    /// # }
    /// use perennial_runtime::Registry;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let registry = Registry::new();
    /// Counter::builder().register(&registry, "counter").start(1).await?;
    /// let counter = registry.named::<Counter>("counter");
    /// counter.info(10)?; // this server's `handle_info` sets the count
    /// assert_eq!(counter.call(()).await?, 10);
    /// # Ok(())
    /// # }
    /// ```
    pub fn info(&self, info: S::Info) -> Result<(), CastError<S::Info>> {
        match self.try_send(Envelope::Info(info), false) {
            Offer::Queued => Ok(()),
            Offer::Full(Envelope::Info(i), _) => Err(CastError::Full(i)),
            Offer::Absent(Envelope::Info(i))
            | Offer::WrongType(Envelope::Info(i), _)
            | Offer::CallingSelf(Envelope::Info(i)) => Err(CastError::NotRunning(i)),
            _ => unreachable!("the envelope comes back as it was given"),
        }
    }

    call_and_ping! {
        /// Sends a call to the server holding the name and waits up to
        /// [`DEFAULT_CALL_TIMEOUT`](crate::DEFAULT_CALL_TIMEOUT) (including any wait for the
        /// name's supervisor to bring it back; see [above](NamedRef#when-nobody-holds-the-name)).
        ///
        /// ```
        /// # use std::convert::Infallible;
        /// # use perennial_runtime::{Context, GenServer};
        /// # struct Counter(u32);
        /// # impl GenServer for Counter {
        /// #     type Args = u32; type Call = (); type Reply = u32; type Cast = u32; type Info = u32;
        /// #     type Continue = Infallible; type Error = Infallible;
        /// #     async fn init(n: u32, _: &mut Context<Self>) -> Result<Self, Infallible> {
        /// #         Ok(Counter(n))
        /// #     }
        /// #     async fn handle_call(&mut self, _: (), _: &mut Context<Self>) -> u32 { self.0 }
        /// #     async fn handle_cast(&mut self, n: u32, _: &mut Context<Self>) { self.0 += n }
        /// #     async fn handle_info(&mut self, n: u32, _: &mut Context<Self>) { self.0 = n }
        /// # }
        /// use perennial_runtime::{ExitReason, Registry};
        ///
        /// # #[tokio::main(flavor = "current_thread")]
        /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
        /// let registry = Registry::new();
        /// let counter = registry.named::<Counter>("counter");
        /// let first = Counter::builder().register(&registry, "counter").start(1).await?;
        /// assert_eq!(counter.call(()).await?, 1);
        ///
        /// first.stop(ExitReason::Shutdown).await?;
        /// Counter::builder().register(&registry, "counter").start(2).await?;
        /// assert_eq!(counter.call(()).await?, 2); // the same reference reaches the new server
        /// # Ok(())
        /// # }
        /// ```
        call;

        /// [`call`](Self::call) with an explicit timeout.
        ///
        /// ```
        /// # use std::{convert::Infallible, time::Duration};
        /// # use perennial_runtime::{Context, GenServer};
        /// # struct Slow;
        /// # impl GenServer for Slow {
        /// #     type Args = (); type Call = Duration; type Reply = (); type Cast = Duration;
        /// #     type Info = Infallible; type Continue = Infallible; type Error = Infallible;
        /// #     async fn init(_: (), _: &mut Context<Self>) -> Result<Self, Infallible> { Ok(Slow) }
        /// #     async fn handle_call(&mut self, d: Duration, _: &mut Context<Self>) {
        /// #         tokio::time::sleep(d).await
        /// #     }
        /// #     async fn handle_cast(&mut self, d: Duration, _: &mut Context<Self>) {
        /// #         tokio::time::sleep(d).await
        /// #     }
        /// # }
        /// use perennial_runtime::{CallError, Registry};
        ///
        /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
        /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
        /// let registry = Registry::new();
        /// Slow::builder().register(&registry, "slow").start(()).await?;
        /// let slow = registry.named::<Slow>("slow");
        /// let reply = slow.call_timeout(Duration::from_secs(10), Duration::from_secs(1)).await;
        /// assert_eq!(reply, Err(CallError::Timeout(Duration::from_secs(1))));
        /// # Ok(())
        /// # }
        /// ```
        call_timeout;

        /// Pings the server holding the name, waiting up to
        /// [`DEFAULT_CALL_TIMEOUT`](crate::DEFAULT_CALL_TIMEOUT).
        ///
        /// ```
        /// # use std::convert::Infallible;
        /// # use perennial_runtime::{Context, GenServer};
        /// # struct Counter(u32);
        /// # impl GenServer for Counter {
        /// #     type Args = u32; type Call = (); type Reply = u32; type Cast = u32; type Info = u32;
        /// #     type Continue = Infallible; type Error = Infallible;
        /// #     async fn init(n: u32, _: &mut Context<Self>) -> Result<Self, Infallible> {
        /// #         Ok(Counter(n))
        /// #     }
        /// #     async fn handle_call(&mut self, _: (), _: &mut Context<Self>) -> u32 { self.0 }
        /// #     async fn handle_cast(&mut self, n: u32, _: &mut Context<Self>) { self.0 += n }
        /// #     async fn handle_info(&mut self, n: u32, _: &mut Context<Self>) { self.0 = n }
        /// # }
        /// use perennial_runtime::{CallError, Registry};
        ///
        /// # #[tokio::main(flavor = "current_thread")]
        /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
        /// let registry = Registry::new();
        /// let counter = registry.named::<Counter>("counter");
        /// // Nobody holds the name and no supervisor will bring it back: it fails at once.
        /// assert!(matches!(counter.ping().await, Err(CallError::NotRunning { .. })));
        /// Counter::builder().register(&registry, "counter").start(0).await?;
        /// assert_eq!(counter.ping().await, Ok(()));
        /// # Ok(())
        /// # }
        /// ```
        ping;

        /// [`ping`](Self::ping) with an explicit timeout.
        ///
        /// ```
        /// # use std::convert::Infallible;
        /// # use perennial_runtime::{Context, GenServer};
        /// # struct Counter(u32);
        /// # impl GenServer for Counter {
        /// #     type Args = u32; type Call = (); type Reply = u32; type Cast = u32; type Info = u32;
        /// #     type Continue = Infallible; type Error = Infallible;
        /// #     async fn init(n: u32, _: &mut Context<Self>) -> Result<Self, Infallible> {
        /// #         Ok(Counter(n))
        /// #     }
        /// #     async fn handle_call(&mut self, _: (), _: &mut Context<Self>) -> u32 { self.0 }
        /// #     async fn handle_cast(&mut self, n: u32, _: &mut Context<Self>) { self.0 += n }
        /// #     async fn handle_info(&mut self, n: u32, _: &mut Context<Self>) { self.0 = n }
        /// # }
        /// use std::time::Duration;
        /// use perennial_runtime::supervisor::{Backoff, ChildSpec, Event, SupervisorSpec};
        /// use tokio::time::Instant;
        ///
        /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
        /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
        /// let backoff = Backoff {
        ///     initial: Duration::from_secs(2),
        ///     factor: 2.0,
        ///     max: Duration::from_secs(60),
        /// };
        /// let app = SupervisorSpec::new("app")
        ///     .child(ChildSpec::server::<Counter>("counter", 0).backoff(backoff))
        ///     .start()
        ///     .await?;
        /// let counter = app.registry().named::<Counter>("counter");
        /// let mut events = app.subscribe();
        /// counter.resolve().ok_or("not running")?.kill();
        /// events.wait_for(|e| matches!(e, Event::Exited { .. })).await;
        ///
        /// // Its supervisor brings it back after 2 s: a ping waits for that, within its timeout.
        /// let asked = Instant::now();
        /// assert_eq!(counter.ping_timeout(Duration::from_secs(3)).await, Ok(()));
        /// assert_eq!(asked.elapsed(), Duration::from_secs(2));
        /// # Ok(())
        /// # }
        /// ```
        ping_timeout;
    }
}

impl<S: GenServer> Route<S> for NamedRef<S> {
    type Blocked = Offer<S>;
    /// The server a request went to when it waited for room in its mailbox.
    type Learnt = Option<Arc<Process>>;

    #[inline(always)]
    fn try_queue(&self, envelope: Envelope<S>) -> Result<(), Offer<S>> {
        match self.try_send(envelope, true) {
            Offer::Queued => Ok(()),
            offer => Err(offer),
        }
    }

    /// Waits for room in the holder's full bounded mailbox, or for a holder while the name's
    /// supervisor is bringing it back, within the call's deadline.
    async fn queue(
        &self,
        mut offer: Offer<S>,
        timeout: Duration,
    ) -> Result<Queued<Option<Arc<Process>>>, CallError> {
        // Read from the clock only by a wait before the send (a full mailbox, a name being
        // brought back); otherwise the reply wait's coarse deadline (see `ReplyWait::after`).
        let mut deadline = None;
        let mut deadline = move || *deadline.get_or_insert_with(|| deadline_after(timeout));
        let mut waited = false;
        // Armed after a first miss, so the fast path never touches the `Notify`.
        let mut armed = None;
        let server = loop {
            let envelope = match offer {
                Offer::Queued => break None,
                Offer::Full(env, server) => {
                    waited = true;
                    match tokio::time::timeout_at(deadline(), server.tx.send(env)).await {
                        Ok(Ok(())) => break Some(server.process),
                        Ok(Err(env)) => env,
                        Err(_) => return Err(CallError::Timeout(timeout)),
                    }
                }
                Offer::WrongType(_, registered) => return Err(self.wrong_type(registered)),
                Offer::CallingSelf(_) => return Err(CallError::CallingSelf),
                Offer::Absent(env) => {
                    match armed.take() {
                        // Nobody holds the name: register interest, then look once more, since
                        // a registration may have landed in between.
                        None => {
                            let mut notified = Box::pin(self.slot.changed.notified());
                            notified.as_mut().enable();
                            armed = Some(notified);
                        }
                        // Still nobody. Wait only if a supervisor is bringing the name back;
                        // one that stops expecting it wakes this wait too.
                        Some(notified) => {
                            waited = true;
                            if !self.slot.is_expected()
                                || tokio::time::timeout_at(deadline(), notified).await.is_err()
                            {
                                return Err(self.not_running());
                            }
                        }
                    }
                    env
                }
            };
            offer = self.try_send(envelope, true);
        };
        Ok(if waited {
            Queued::AfterWait {
                deadline: (timeout < NEVER).then(deadline),
                learnt: server,
            }
        } else {
            Queued::AtOnce
        })
    }

    /// The server the request waited for, if it did: the name's holder may have changed
    /// since.
    fn server<'a>(&'a self, learnt: &'a Option<Arc<Process>>) -> Option<&'a Process> {
        learnt.as_deref()
    }
}

impl<S: GenServer> Clone for NamedRef<S> {
    fn clone(&self) -> Self {
        // Relaxed, as for an `Arc`: this reference keeps the count above zero meanwhile.
        self.slot.refs.fetch_add(1, Ordering::Relaxed);
        NamedRef {
            name: self.name.clone(),
            slot: self.slot.clone(),
            _server: PhantomData,
        }
    }
}

impl<S: GenServer> Drop for NamedRef<S> {
    fn drop(&mut self) {
        if self.slot.refs.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.slot.release(&self.name);
        }
    }
}

impl<S: GenServer> fmt::Debug for NamedRef<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NamedRef")
            .field("type", &std::any::type_name::<S>())
            .field("name", &self.name)
            .finish()
    }
}
