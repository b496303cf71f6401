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
use crate::{
    CallError, CastError, DEFAULT_CALL_TIMEOUT, ExitReason, GenServer, NamedRef, ServerRef,
};

/// A server reference with a call timeout: direct or name-bound.
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
    #[must_use]
    pub fn with_timeout(&self, timeout: Duration) -> Self {
        Client {
            target: self.target.clone(),
            timeout,
        }
    }

    /// A client that sends its calls and casts to `target` (a server on another node), with the
    /// default timeout. See [`RemoteTarget`].
    pub fn remote(target: Arc<dyn RemoteTarget<S>>) -> Self {
        Client {
            target: Target::Remote(target),
            timeout: DEFAULT_CALL_TIMEOUT,
        }
    }

    /// The timeout of this client's calls and pings.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Sends a call and waits for the reply within this client's timeout.
    pub async fn call(&self, call: S::Call) -> Result<S::Reply, CallError> {
        match &self.target {
            Target::Direct(s) => {
                s.request(|reply| Envelope::Call(call, reply), self.timeout)
                    .await
            }
            Target::Named(n) => {
                n.request(|reply| Envelope::Call(call, reply), self.timeout)
                    .await
            }
            Target::Remote(r) => r.call(call, self.timeout).await,
        }
    }

    /// [`call`](Self::call), with the reply mapped by `reply` in the same future: what a
    /// `#[gen_server]` client's call method returns, without a future of its own around this
    /// one. Not public API.
    #[doc(hidden)]
    pub async fn call_map<T>(
        &self,
        call: S::Call,
        reply: fn(S::Reply) -> T,
    ) -> Result<T, CallError> {
        match &self.target {
            Target::Direct(s) => s
                .request(|tx| Envelope::Call(call, tx), self.timeout)
                .await
                .map(reply),
            Target::Named(n) => n
                .request(|tx| Envelope::Call(call, tx), self.timeout)
                .await
                .map(reply),
            Target::Remote(r) => r.call(call, self.timeout).await.map(reply),
        }
    }

    /// Queues a cast without waiting.
    pub fn cast(&self, cast: S::Cast) -> Result<(), CastError<S::Cast>> {
        match &self.target {
            Target::Direct(s) => s.cast(cast),
            Target::Named(n) => n.cast(cast),
            Target::Remote(r) => r.cast(cast),
        }
    }

    /// Queues a cast, waiting for room in a bounded mailbox. Fails only if no server is there
    /// to take it.
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
    pub fn info(&self, info: S::Info) -> Result<(), CastError<S::Info>> {
        match &self.target {
            Target::Direct(s) => s.info(info),
            Target::Named(n) => n.info(info),
            Target::Remote(_) => Err(CastError::NotRunning(info)),
        }
    }

    /// Checks the server answers, within this client's timeout.
    pub async fn ping(&self) -> Result<(), CallError> {
        match &self.target {
            Target::Direct(s) => s.request(Envelope::Ping, self.timeout).await,
            Target::Named(n) => n.request(Envelope::Ping, self.timeout).await,
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
pub trait HasClient: GenServer {
    /// The typed client.
    type Client: From<Client<Self>> + Clone + Send + Sync + 'static;
}
