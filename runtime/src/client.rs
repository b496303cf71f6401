//! [`Client`]: the reference that generated typed clients wrap.
//!
//! A client reaches a server either directly (one incarnation, a [`ServerRef`]) or through a
//! name (whoever holds it, a [`NamedRef`]), and carries the timeout its calls use.
//! `#[gen_server]` generates a typed client per server (`CounterClient` for `Counter`) that wraps
//! a `Client<Counter>` and adds one method per handler; [`HasClient`] links the two, so the
//! supervision tree and the registry can hand out typed clients for any server.

use std::fmt;
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
        }
    }

    /// Queues a cast without waiting.
    pub fn cast(&self, cast: S::Cast) -> Result<(), CastError<S::Cast>> {
        match &self.target {
            Target::Direct(s) => s.cast(cast),
            Target::Named(n) => n.cast(cast),
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
        }
    }

    /// Sends an info message without waiting.
    pub fn info(&self, info: S::Info) -> Result<(), CastError<S::Info>> {
        match &self.target {
            Target::Direct(s) => s.info(info),
            Target::Named(n) => n.info(info),
        }
    }

    /// Checks the server answers, within this client's timeout.
    pub async fn ping(&self) -> Result<(), CallError> {
        match &self.target {
            Target::Direct(s) => s.request(Envelope::Ping, self.timeout).await,
            Target::Named(n) => n.request(Envelope::Ping, self.timeout).await,
        }
    }

    /// Stops the server this client reaches now, in an orderly way (its `terminate` runs), and
    /// waits until it has exited; returns its exit reason (`Shutdown`, unless it ended
    /// otherwise first). Fails with [`CallError::NotRunning`] when no server is running there.
    ///
    /// A supervised server is its supervisor's to restart: a permanent child stopped this way
    /// comes back (as after any exit). To stop a child for good, use its supervisor's
    /// `terminate_child`.
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
        }
    }

    /// The server a direct client was made for, alive or not; `None` for a name-bound client.
    pub(crate) fn direct(&self) -> Option<&ServerRef<S>> {
        match &self.target {
            Target::Direct(s) => Some(s),
            Target::Named(_) => None,
        }
    }

    /// The name the client follows, or the server's own name for a direct client.
    pub fn name(&self) -> Option<&str> {
        match &self.target {
            Target::Direct(s) => s.name(),
            Target::Named(n) => Some(n.name()),
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
