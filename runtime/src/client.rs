//! [`Client`]: the reference that generated typed clients wrap.
//!
//! A client reaches a server either directly (one incarnation, a [`ServerRef`]) or through a
//! name (whoever holds it, a [`NamedRef`]), and carries the timeout its calls use.
//! `#[gen_server]` generates a typed client per server (`CounterClient` for `Counter`) that wraps
//! a `Client<Counter>` and adds one method per handler; [`HasClient`] links the two, so the
//! supervision tree and the registry can hand out typed clients for any server.
//!
//! A client may also reach a server on another node, through a [`RemoteTarget`] (the
//! `perennial-cluster` crate provides one over NATS): the typed client's methods stay the same.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crate::mailbox::Envelope;
use crate::request::request;
use crate::{
    CallError, CastError, DEFAULT_CALL_TIMEOUT, ExitReason, GenServer, NamedRef, ServerRef,
};

/// A server reference with a call timeout: direct or name-bound.
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
/// use perennial_runtime::{Client, Registry};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let registry = Registry::new();
/// let direct = Client::from(Counter::start(1).await?); // this one server
/// Counter::builder().register(&registry, "counter").start(2).await?;
/// let named = Client::from(registry.named::<Counter>("counter")); // whoever holds the name
/// assert_eq!(direct.call(()).await?, 1);
/// assert_eq!(named.call(()).await?, 2);
/// # Ok(())
/// # }
/// ```
pub struct Client<S: GenServer> {
    target: Target<S>,
    timeout: Duration,
}

enum Target<S: GenServer> {
    Direct(ServerRef<S>),
    Named(NamedRef<S>),
    Remote(Arc<dyn RemoteTarget<S>>),
}

/// The future a [`RemoteTarget`] answers a call or a ping with.
pub type RemoteReply<'a, T> = Pin<Box<dyn Future<Output = Result<T, CallError>> + Send + 'a>>;

/// A server reached through something other than this process's mailboxes, such as a server on
/// another node: what a [`Client`] made with [`Client::remote`] sends its calls and casts to.
///
/// The implementation carries the messages (serialising them, for another node) and maps what
/// happens to the same errors a local call has: nobody serving is
/// [`CallError::NotRunning`], no answer in time is [`CallError::Timeout`], the server exiting
/// before it replied is [`CallError::Exited`]. Info messages and `stop` stay local: a remote
/// client refuses them.
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use perennial_runtime::{CallError, CastError, Client, Context, GenServer, RemoteReply, RemoteTarget};
/// # use std::convert::Infallible;
/// # struct Echo;
/// # impl GenServer for Echo {
/// #     type Args = (); type Call = u32; type Reply = u32; type Cast = ();
/// #     type Info = Infallible; type Continue = Infallible; type Error = Infallible;
/// #     async fn init(_: (), _: &mut Context<Self>) -> Result<Self, Infallible> { Ok(Echo) }
/// #     async fn handle_call(&mut self, n: u32, _: &mut Context<Self>) -> u32 { n }
/// # }
///
/// /// A "remote" server that answers every call with its argument plus one.
/// struct PlusOne;
///
/// impl RemoteTarget<Echo> for PlusOne {
///     fn call(&self, call: u32, _timeout: Duration) -> RemoteReply<'_, u32> {
///         Box::pin(async move { Ok(call + 1) })
///     }
///     fn cast(&self, cast: ()) -> Result<(), CastError<()>> {
///         Err(CastError::NotRunning(cast))
///     }
///     fn ping(&self, _timeout: Duration) -> RemoteReply<'_, ()> {
///         Box::pin(async { Ok(()) })
///     }
///     fn name(&self) -> &str {
///         "plus-one"
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), CallError> {
/// let client = Client::<Echo>::remote(Arc::new(PlusOne));
/// assert_eq!(client.call(41).await?, 42);
/// assert_eq!(client.name(), Some("plus-one"));
/// assert!(client.resolve().is_none()); // no local server behind it
/// # Ok(())
/// # }
/// ```
pub trait RemoteTarget<S: GenServer>: Send + Sync + 'static {
    /// Sends a call and waits for its reply, up to `timeout`.
    fn call(&self, call: S::Call, timeout: Duration) -> RemoteReply<'_, S::Reply>;

    /// Sends a cast without waiting: at most once, and it may be lost on the way.
    fn cast(&self, cast: S::Cast) -> Result<(), CastError<S::Cast>>;

    /// Checks the server answers, within `timeout`.
    fn ping(&self, timeout: Duration) -> RemoteReply<'_, ()>;

    /// The name the target follows.
    fn name(&self) -> &str;
}

impl<S: GenServer> Client<S> {
    /// The same client with calls and pings waiting up to `timeout` instead.
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
    /// use perennial_runtime::{CallError, Client};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let slow = Client::from(Slow::start(()).await?).with_timeout(Duration::from_secs(1));
    /// assert_eq!(slow.timeout(), Duration::from_secs(1));
    /// let reply = slow.call(Duration::from_secs(10)).await;
    /// assert_eq!(reply, Err(CallError::Timeout(Duration::from_secs(1))));
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn with_timeout(&self, timeout: Duration) -> Self {
        Client {
            target: self.target.clone(),
            timeout,
        }
    }

    /// A client that sends its calls and casts to `target` (a server on another node), with the
    /// default timeout. See [`RemoteTarget`].
    ///
    /// ```
    /// use std::sync::Arc;
    /// use perennial_runtime::{CallError, Client, DEFAULT_CALL_TIMEOUT};
    /// # use std::convert::Infallible;
    /// # use std::time::Duration;
    /// # use perennial_runtime::{CastError, Context, GenServer, RemoteReply, RemoteTarget};
    /// # struct Echo;
    /// # impl GenServer for Echo {
    /// #     type Args = (); type Call = u32; type Reply = u32; type Cast = ();
    /// #     type Info = Infallible; type Continue = Infallible; type Error = Infallible;
    /// #     async fn init(_: (), _: &mut Context<Self>) -> Result<Self, Infallible> { Ok(Echo) }
    /// #     async fn handle_call(&mut self, n: u32, _: &mut Context<Self>) -> u32 { n }
    /// # }
    /// # /// A node nobody serves the name on.
    /// # struct Unreachable;
    /// # impl RemoteTarget<Echo> for Unreachable {
    /// #     fn call(&self, _: u32, _: Duration) -> RemoteReply<'_, u32> {
    /// #         Box::pin(async { Err(CallError::NotRunning { name: Some("echo".into()) }) })
    /// #     }
    /// #     fn cast(&self, cast: ()) -> Result<(), CastError<()>> {
    /// #         Err(CastError::NotRunning(cast))
    /// #     }
    /// #     fn ping(&self, _: Duration) -> RemoteReply<'_, ()> {
    /// #         Box::pin(async { Err(CallError::NotRunning { name: Some("echo".into()) }) })
    /// #     }
    /// #     fn name(&self) -> &str { "echo" }
    /// # }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// // `Unreachable` is a `RemoteTarget` for which nobody serves `echo`.
    /// let echo = Client::<Echo>::remote(Arc::new(Unreachable));
    /// assert_eq!(echo.timeout(), DEFAULT_CALL_TIMEOUT);
    /// assert!(matches!(echo.call(1).await, Err(CallError::NotRunning { .. })));
    /// assert!(echo.stop().await.is_err()); // a stop stays local
    /// # Ok(())
    /// # }
    /// ```
    pub fn remote(target: Arc<dyn RemoteTarget<S>>) -> Self {
        Client {
            target: Target::Remote(target),
            timeout: DEFAULT_CALL_TIMEOUT,
        }
    }

    /// The timeout of this client's calls and pings.
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
    /// use perennial_runtime::{Client, DEFAULT_CALL_TIMEOUT};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let counter = Client::from(Counter::start(0).await?);
    /// assert_eq!(counter.timeout(), DEFAULT_CALL_TIMEOUT); // 5 s, unless told otherwise
    /// assert_eq!(counter.with_timeout(Duration::from_secs(1)).timeout(), Duration::from_secs(1));
    /// # Ok(())
    /// # }
    /// ```
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Sends a call and waits for the reply within this client's timeout.
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
    /// use perennial_runtime::Client;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let counter = Client::from(Counter::start(7).await?);
    /// assert_eq!(counter.call(()).await?, 7);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn call(&self, call: S::Call) -> Result<S::Reply, CallError> {
        match &self.target {
            Target::Direct(s) => {
                request(s, |reply| Envelope::Call(call, reply), self.timeout).await
            }
            Target::Named(n) => request(n, |reply| Envelope::Call(call, reply), self.timeout).await,
            Target::Remote(r) => r.call(call, self.timeout).await,
        }
    }

    /// [`call`](Self::call), with the reply mapped by `reply` in the same future: what a
    /// `#[gen_server]` client's call method returns, without a future of its own around this
    /// one: generated code reaches it as `__private::call_map`.
    pub(crate) async fn call_map<T>(
        &self,
        call: S::Call,
        reply: fn(S::Reply) -> T,
    ) -> Result<T, CallError> {
        match &self.target {
            Target::Direct(s) => request(s, |tx| Envelope::Call(call, tx), self.timeout)
                .await
                .map(reply),
            Target::Named(n) => request(n, |tx| Envelope::Call(call, tx), self.timeout)
                .await
                .map(reply),
            Target::Remote(r) => r.call(call, self.timeout).await.map(reply),
        }
    }

    /// Queues a cast without waiting.
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
    /// use perennial_runtime::{CastError, Client, Registry};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let registry = Registry::new();
    /// let counter = Client::from(registry.named::<Counter>("counter"));
    /// assert_eq!(counter.cast(1), Err(CastError::NotRunning(1))); // nobody holds the name yet
    /// Counter::builder().register(&registry, "counter").start(0).await?;
    /// counter.cast(1)?;
    /// assert_eq!(counter.call(()).await?, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn cast(&self, cast: S::Cast) -> Result<(), CastError<S::Cast>> {
        match &self.target {
            Target::Direct(s) => s.cast(cast),
            Target::Named(n) => n.cast(cast),
            Target::Remote(r) => r.cast(cast),
        }
    }

    /// Queues a cast, waiting for room in a bounded mailbox. Fails only if no server is there
    /// to take it.
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
    /// use std::num::NonZeroUsize;
    /// use perennial_runtime::{CastError, Client};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let server = Counter::builder().bounded_mailbox(NonZeroUsize::MIN).start(0).await?;
    /// let counter = Client::from(server);
    /// counter.cast(1)?; // fills the mailbox
    /// assert_eq!(counter.cast(2), Err(CastError::Full(2)));
    /// counter.cast_wait(2).await?; // waits until the server takes the first
    /// assert_eq!(counter.call(()).await?, 3);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn cast_wait(&self, cast: S::Cast) -> Result<(), CastError<S::Cast>> {
        match &self.target {
            Target::Direct(s) => s.cast_wait(cast).await,
            Target::Named(n) => match n.resolve() {
                Some(server) => server.cast_wait(cast).await,
                None => Err(CastError::NotRunning(cast)),
            },
            Target::Remote(r) => r.cast(cast),
        }
    }

    /// Sends an info message without waiting. Info messages stay on their node: a remote
    /// client ([`Client::remote`]) gives them back as `NotRunning`.
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
    /// use perennial_runtime::Client;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let counter = Client::from(Counter::start(1).await?);
    /// counter.info(10)?; // this server's `handle_info` sets the count
    /// assert_eq!(counter.call(()).await?, 10);
    /// # Ok(())
    /// # }
    /// ```
    pub fn info(&self, info: S::Info) -> Result<(), CastError<S::Info>> {
        match &self.target {
            Target::Direct(s) => s.info(info),
            Target::Named(n) => n.info(info),
            Target::Remote(_) => Err(CastError::NotRunning(info)),
        }
    }

    /// Checks the server answers, within this client's timeout.
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
    /// use perennial_runtime::{CallError, Client};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let server = Counter::start(0).await?;
    /// let counter = Client::from(server.clone());
    /// assert_eq!(counter.ping().await, Ok(()));
    /// server.kill();
    /// server.wait_exit().await;
    /// assert!(matches!(counter.ping().await, Err(CallError::NotRunning { .. })));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn ping(&self) -> Result<(), CallError> {
        match &self.target {
            Target::Direct(s) => request(s, Envelope::Ping, self.timeout).await,
            Target::Named(n) => request(n, Envelope::Ping, self.timeout).await,
            Target::Remote(r) => r.ping(self.timeout).await,
        }
    }

    /// Stops the server this client reaches now, in an orderly way (its `terminate` runs), and
    /// waits until it has exited; returns its exit reason (`Shutdown`, unless it ended
    /// otherwise first). Fails with [`CallError::NotRunning`] when no server is running there.
    ///
    /// A supervised server is its supervisor's to restart: a permanent child stopped this way
    /// comes back (as after any exit). To stop a child for good, use its supervisor's
    /// `terminate_child`. A remote client ([`Client::remote`]) does not stop servers on other
    /// nodes: it fails with [`CallError::Remote`].
    ///
    /// ```
    /// # use perennial_runtime::{Client, ExitReason, GenServer, Context};
    /// # use std::convert::Infallible;
    /// # struct Idle;
    /// # impl GenServer for Idle {
    /// #     type Args = (); type Call = (); type Reply = (); type Cast = ();
    /// #     type Info = Infallible; type Continue = Infallible; type Error = Infallible;
    /// #     async fn init(_: (), _: &mut Context<Self>) -> Result<Self, Infallible> { Ok(Idle) }
    /// #     async fn handle_call(&mut self, _: (), _: &mut Context<Self>) {}
    /// # }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let client = Client::from(Idle::builder().start(()).await?);
    /// assert_eq!(client.stop().await?, ExitReason::Shutdown);
    /// assert!(client.stop().await.is_err()); // nothing left to stop
    /// # Ok(())
    /// # }
    /// ```
    pub async fn stop(&self) -> Result<ExitReason, CallError> {
        if let Target::Remote(r) = &self.target {
            return Err(CallError::Remote(
                format!(
                    "`{}` runs on another node; stop it through its supervisor there",
                    r.name()
                )
                .into(),
            ));
        }
        match self.resolve() {
            Some(server) => server.stop(ExitReason::Shutdown).await,
            None => Err(CallError::NotRunning {
                name: self.name().map(Into::into),
            }),
        }
    }

    /// The server this client reaches right now, if it is running.
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
    /// use perennial_runtime::{Client, Registry};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let registry = Registry::new();
    /// let counter = Client::from(registry.named::<Counter>("counter"));
    /// assert_eq!(counter.resolve(), None);
    /// let server = Counter::builder().register(&registry, "counter").start(0).await?;
    /// assert_eq!(counter.resolve(), Some(server.clone()));
    /// server.kill();
    /// server.wait_exit().await;
    /// assert_eq!(counter.resolve(), None); // never a server that has exited
    /// # Ok(())
    /// # }
    /// ```
    pub fn resolve(&self) -> Option<ServerRef<S>> {
        match &self.target {
            Target::Direct(s) => Some(s.clone()).filter(ServerRef::is_alive),
            Target::Named(n) => n.resolve(),
            Target::Remote(_) => None,
        }
    }

    /// The server a direct client was made for, alive or not; `None` for a name-bound client.
    pub(crate) fn direct(&self) -> Option<&ServerRef<S>> {
        match &self.target {
            Target::Direct(s) => Some(s),
            Target::Named(_) | Target::Remote(_) => None,
        }
    }

    /// The name the client follows, or the server's own name for a direct client.
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
    /// use perennial_runtime::{Client, Registry};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let registry = Registry::new();
    /// assert_eq!(Client::from(registry.named::<Counter>("counter")).name(), Some("counter"));
    /// let server = Counter::builder().name("mine").start(0).await?;
    /// assert_eq!(Client::from(server).name(), Some("mine"));
    /// assert_eq!(Client::from(Counter::start(0).await?).name(), None);
    /// # Ok(())
    /// # }
    /// ```
    pub fn name(&self) -> Option<&str> {
        match &self.target {
            Target::Direct(s) => s.name(),
            Target::Named(n) => Some(n.name()),
            Target::Remote(r) => Some(r.name()),
        }
    }
}

impl<S: GenServer> From<ServerRef<S>> for Client<S> {
    fn from(server: ServerRef<S>) -> Self {
        Client {
            target: Target::Direct(server),
            timeout: DEFAULT_CALL_TIMEOUT,
        }
    }
}

impl<S: GenServer> From<NamedRef<S>> for Client<S> {
    fn from(named: NamedRef<S>) -> Self {
        Client {
            target: Target::Named(named),
            timeout: DEFAULT_CALL_TIMEOUT,
        }
    }
}

impl<S: GenServer> Clone for Target<S> {
    fn clone(&self) -> Self {
        match self {
            Target::Direct(s) => Target::Direct(s.clone()),
            Target::Named(n) => Target::Named(n.clone()),
            Target::Remote(r) => Target::Remote(r.clone()),
        }
    }
}

impl<S: GenServer> Clone for Client<S> {
    fn clone(&self) -> Self {
        Client {
            target: self.target.clone(),
            timeout: self.timeout,
        }
    }
}

impl<S: GenServer> fmt::Debug for Client<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Client");
        match &self.target {
            Target::Direct(s) => d.field("server", s),
            Target::Named(n) => d.field("named", n),
            Target::Remote(r) => d.field("remote", &r.name()),
        };
        d.field("timeout", &self.timeout).finish()
    }
}

/// A server with a typed client: `#[gen_server]` implements it, with `Client` the generated
/// `<Type>Client`. Hand-written servers can implement it with `type Client = Client<Self>;`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a gen_server with a typed client",
    label = "not a gen_server",
    note = "put `#[perennial::gen_server]` on its `impl` block, which implements `GenServer` and `HasClient` for it",
    note = "a hand-written server implements `HasClient` with `type Client = perennial::Client<{Self}>;`"
)]
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
/// use perennial_runtime::{CallError, Client, HasClient};
/// use perennial_runtime::supervisor::DynamicSpec;
///
/// /// `Counter`'s typed client: one method per request.
/// #[derive(Clone)]
/// struct CounterClient(Client<Counter>);
///
/// impl From<Client<Counter>> for CounterClient {
///     fn from(client: Client<Counter>) -> Self {
///         CounterClient(client)
///     }
/// }
///
/// impl CounterClient {
///     async fn get(&self) -> Result<u32, CallError> {
///         self.0.call(()).await
///     }
/// }
///
/// impl HasClient for Counter {
///     type Client = CounterClient;
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let counters = DynamicSpec::<Counter>::new("counters").start().await?;
/// let counter: CounterClient = counters.start_client(7).await?;
/// assert_eq!(counter.get().await?, 7);
/// # Ok(())
/// # }
/// ```
pub trait HasClient: GenServer {
    /// The typed client.
    type Client: From<Client<Self>> + Clone + Send + Sync + 'static;
}
