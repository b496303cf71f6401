//! [`ServerBuilder`]: the options of a start, and the start itself (up to `init`'s answer).

use std::future::poll_fn;
use std::marker::PhantomData;
use std::num::NonZeroUsize;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use tracing::Instrument;

use crate::mailbox;
use crate::process::{Link, Process};
use crate::registry::{RegisterError, Registry};
use crate::reply::{NEVER, ReplyWait, deadline_after, reply_slot};
use crate::{ExitReason, GenServer, ServerRef, StartError};

use super::context::Context;
use super::run::{Guard, run};

/// Starts a gen_server with options. Get one from [`GenServer::builder`].
///
/// ```
/// # use std::convert::Infallible;
/// # use perennial_runtime::{Context, GenServer};
/// # struct Echo;
/// # impl GenServer for Echo {
/// #     type Args = (); type Call = String; type Reply = String; type Cast = Infallible;
/// #     type Info = Infallible; type Continue = Infallible; type Error = Infallible;
/// #     async fn init(_: (), _: &mut Context<Self>) -> Result<Self, Infallible> { Ok(Echo) }
/// #     async fn handle_call(&mut self, s: String, _: &mut Context<Self>) -> String { s }
/// # }
/// use std::time::Duration;
/// use perennial_runtime::Registry;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let registry = Registry::new();
/// let echo = Echo::builder()
///     .register(&registry, "echo")
///     .init_timeout(Duration::from_secs(1))
///     .start(())
///     .await?;
/// let found = registry.lookup::<Echo>("echo")?;
/// assert_eq!(found, echo);
/// # Ok(())
/// # }
/// ```
pub struct ServerBuilder<S: GenServer> {
    name: Option<Arc<str>>,
    registry: Option<Registry>,
    capacity: Option<NonZeroUsize>,
    init_timeout: Option<Duration>,
    link: Option<Link>,
    span: Option<tracing::Span>,
    _server: PhantomData<fn() -> S>,
}

impl<S: GenServer> Default for ServerBuilder<S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: GenServer> ServerBuilder<S> {
    /// Default options: unnamed, unbounded mailbox, no start timeout.
    ///
    /// ```
    /// # use std::convert::Infallible;
    /// # use std::time::Duration;
    /// # use perennial_runtime::{Context, GenServer};
    /// # struct Port(u16);
    /// # impl GenServer for Port {
    /// #     type Args = u16; type Call = (); type Reply = u16; type Cast = u16;
    /// #     type Info = Infallible; type Continue = Infallible; type Error = std::io::Error;
    /// #     async fn init(port: u16, _: &mut Context<Self>) -> Result<Self, std::io::Error> {
    /// #         match port {
    /// #             0 => Err(std::io::Error::other("port 0 is not a port")),
    /// #             1 => { tokio::time::sleep(Duration::from_secs(60)).await; Ok(Port(1)) }
    /// #             port => Ok(Port(port)),
    /// #         }
    /// #     }
    /// #     async fn handle_call(&mut self, _: (), _: &mut Context<Self>) -> u16 { self.0 }
    /// #     async fn handle_cast(&mut self, port: u16, _: &mut Context<Self>) { self.0 = port }
    /// # }
    /// use perennial_runtime::ServerBuilder;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// // The same as `Port::builder()`.
    /// let port = ServerBuilder::<Port>::new().start(8080).await?;
    /// assert_eq!(port.call(()).await?, 8080);
    /// # Ok(())
    /// # }
    /// ```
    pub fn new() -> Self {
        ServerBuilder {
            name: None,
            registry: None,
            capacity: None,
            init_timeout: None,
            link: None,
            span: None,
            _server: PhantomData,
        }
    }

    /// Runs the server's task inside `span` (supervisors give each child one).
    pub(crate) fn span(mut self, span: tracing::Span) -> Self {
        self.span = Some(span);
        self
    }

    /// Links the server to a watcher that learns of its exit (used by supervisors).
    pub(crate) fn link(mut self, link: Link) -> Self {
        self.link = Some(link);
        self
    }

    /// Names the server for logs and errors, without registering it anywhere.
    ///
    /// ```
    /// # use std::convert::Infallible;
    /// # use std::time::Duration;
    /// # use perennial_runtime::{Context, GenServer};
    /// # struct Port(u16);
    /// # impl GenServer for Port {
    /// #     type Args = u16; type Call = (); type Reply = u16; type Cast = u16;
    /// #     type Info = Infallible; type Continue = Infallible; type Error = std::io::Error;
    /// #     async fn init(port: u16, _: &mut Context<Self>) -> Result<Self, std::io::Error> {
    /// #         match port {
    /// #             0 => Err(std::io::Error::other("port 0 is not a port")),
    /// #             1 => { tokio::time::sleep(Duration::from_secs(60)).await; Ok(Port(1)) }
    /// #             port => Ok(Port(port)),
    /// #         }
    /// #     }
    /// #     async fn handle_call(&mut self, _: (), _: &mut Context<Self>) -> u16 { self.0 }
    /// #     async fn handle_cast(&mut self, port: u16, _: &mut Context<Self>) { self.0 = port }
    /// # }
    /// use perennial_runtime::CallError;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let port = Port::builder().name("http").start(8080).await?;
    /// assert_eq!(port.name(), Some("http"));
    /// port.kill();
    /// port.wait_exit().await;
    /// // The name shows in its errors.
    /// let error = port.call(()).await.unwrap_err();
    /// assert_eq!(error, CallError::NotRunning { name: Some("http".into()) });
    /// assert_eq!(error.to_string(), "server `http` is not running");
    /// # Ok(())
    /// # }
    /// ```
    pub fn name(mut self, name: impl Into<Arc<str>>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Registers the server in `registry` under `name` while it runs. If the name is taken by a
    /// running server, the start fails without running `init`.
    ///
    /// ```
    /// # use std::convert::Infallible;
    /// # use std::time::Duration;
    /// # use perennial_runtime::{Context, GenServer};
    /// # struct Port(u16);
    /// # impl GenServer for Port {
    /// #     type Args = u16; type Call = (); type Reply = u16; type Cast = u16;
    /// #     type Info = Infallible; type Continue = Infallible; type Error = std::io::Error;
    /// #     async fn init(port: u16, _: &mut Context<Self>) -> Result<Self, std::io::Error> {
    /// #         match port {
    /// #             0 => Err(std::io::Error::other("port 0 is not a port")),
    /// #             1 => { tokio::time::sleep(Duration::from_secs(60)).await; Ok(Port(1)) }
    /// #             port => Ok(Port(port)),
    /// #         }
    /// #     }
    /// #     async fn handle_call(&mut self, _: (), _: &mut Context<Self>) -> u16 { self.0 }
    /// #     async fn handle_cast(&mut self, port: u16, _: &mut Context<Self>) { self.0 = port }
    /// # }
    /// use perennial_runtime::{Registry, StartError};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let registry = Registry::new();
    /// let http = Port::builder().register(&registry, "http").start(8080).await?;
    /// assert_eq!(registry.lookup::<Port>("http")?, http);
    /// // Taken: the second start fails without running its `init`, and names the holder.
    /// let again = Port::builder().register(&registry, "http").start(8081).await;
    /// assert!(matches!(again, Err(StartError::AlreadyStarted(holder)) if holder == http));
    /// # Ok(())
    /// # }
    /// ```
    pub fn register(mut self, registry: &Registry, name: impl Into<Arc<str>> + AsRef<str>) -> Self {
        self.name = Some(registry.full_name(name));
        self.registry = Some(registry.clone());
        self
    }

    /// Bounds the mailbox to `capacity` queued messages: casts to a full mailbox fail with
    /// [`CastError::Full`](crate::CastError::Full), calls wait for room within their timeout.
    ///
    /// ```
    /// # use std::convert::Infallible;
    /// # use std::time::Duration;
    /// # use perennial_runtime::{Context, GenServer};
    /// # struct Port(u16);
    /// # impl GenServer for Port {
    /// #     type Args = u16; type Call = (); type Reply = u16; type Cast = u16;
    /// #     type Info = Infallible; type Continue = Infallible; type Error = std::io::Error;
    /// #     async fn init(port: u16, _: &mut Context<Self>) -> Result<Self, std::io::Error> {
    /// #         match port {
    /// #             0 => Err(std::io::Error::other("port 0 is not a port")),
    /// #             1 => { tokio::time::sleep(Duration::from_secs(60)).await; Ok(Port(1)) }
    /// #             port => Ok(Port(port)),
    /// #         }
    /// #     }
    /// #     async fn handle_call(&mut self, _: (), _: &mut Context<Self>) -> u16 { self.0 }
    /// #     async fn handle_cast(&mut self, port: u16, _: &mut Context<Self>) { self.0 = port }
    /// # }
    /// use std::num::NonZeroUsize;
    /// use perennial_runtime::CastError;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let capacity = NonZeroUsize::new(2).ok_or("zero")?;
    /// let port = Port::builder().bounded_mailbox(capacity).start(8080).await?;
    /// port.cast(1)?;
    /// port.cast(2)?;
    /// assert_eq!(port.cast(3), Err(CastError::Full(3)));
    /// # Ok(())
    /// # }
    /// ```
    pub fn bounded_mailbox(mut self, capacity: NonZeroUsize) -> Self {
        self.capacity = Some(capacity);
        self
    }

    /// Kills the server and fails the start with [`StartError::InitTimeout`] if `init` takes
    /// longer than `timeout`.
    ///
    /// ```
    /// # use std::convert::Infallible;
    /// # use std::time::Duration;
    /// # use perennial_runtime::{Context, GenServer};
    /// # struct Port(u16);
    /// # impl GenServer for Port {
    /// #     type Args = u16; type Call = (); type Reply = u16; type Cast = u16;
    /// #     type Info = Infallible; type Continue = Infallible; type Error = std::io::Error;
    /// #     async fn init(port: u16, _: &mut Context<Self>) -> Result<Self, std::io::Error> {
    /// #         match port {
    /// #             0 => Err(std::io::Error::other("port 0 is not a port")),
    /// #             1 => { tokio::time::sleep(Duration::from_secs(60)).await; Ok(Port(1)) }
    /// #             port => Ok(Port(port)),
    /// #         }
    /// #     }
    /// #     async fn handle_call(&mut self, _: (), _: &mut Context<Self>) -> u16 { self.0 }
    /// #     async fn handle_cast(&mut self, port: u16, _: &mut Context<Self>) { self.0 = port }
    /// # }
    /// use perennial_runtime::StartError;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// // This server's `init` takes a minute for port 1.
    /// let slow = Port::builder().init_timeout(Duration::from_secs(5)).start(1).await;
    /// let limit = Duration::from_secs(5);
    /// assert!(matches!(slow, Err(StartError::InitTimeout(d)) if d == limit));
    /// # Ok(())
    /// # }
    /// ```
    pub fn init_timeout(mut self, timeout: Duration) -> Self {
        self.init_timeout = Some(timeout);
        self
    }

    /// Spawns the server on the current tokio runtime and waits for `init` to finish.
    ///
    /// ```
    /// # use std::convert::Infallible;
    /// # use std::time::Duration;
    /// # use perennial_runtime::{Context, GenServer};
    /// # struct Port(u16);
    /// # impl GenServer for Port {
    /// #     type Args = u16; type Call = (); type Reply = u16; type Cast = u16;
    /// #     type Info = Infallible; type Continue = Infallible; type Error = std::io::Error;
    /// #     async fn init(port: u16, _: &mut Context<Self>) -> Result<Self, std::io::Error> {
    /// #         match port {
    /// #             0 => Err(std::io::Error::other("port 0 is not a port")),
    /// #             1 => { tokio::time::sleep(Duration::from_secs(60)).await; Ok(Port(1)) }
    /// #             port => Ok(Port(port)),
    /// #         }
    /// #     }
    /// #     async fn handle_call(&mut self, _: (), _: &mut Context<Self>) -> u16 { self.0 }
    /// #     async fn handle_cast(&mut self, port: u16, _: &mut Context<Self>) { self.0 = port }
    /// # }
    /// use perennial_runtime::StartError;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let port = Port::builder().start(8080).await?; // `init` has run
    /// assert_eq!(port.call(()).await?, 8080);
    ///
    /// let refused = Port::builder().start(0).await;
    /// let Err(StartError::Init(error)) = refused else {
    ///     panic!("init refused port 0");
    /// };
    /// assert_eq!(error.to_string(), "port 0 is not a port");
    /// # Ok(())
    /// # }
    /// ```
    pub async fn start(self, args: S::Args) -> Result<ServerRef<S>, StartError<S>> {
        let (tx, rx) = mailbox::channel::<S>(self.capacity);
        let process = Arc::new(Process::new(self.name, self.link));
        let server = ServerRef::new(tx, process.clone());

        if let Some(registry) = &self.registry {
            registry.register(&server).map_err(|e| match e {
                RegisterError::AlreadyStarted(existing) => StartError::AlreadyStarted(existing),
                RegisterError::NameTaken { name, registered } => {
                    StartError::NameTaken { name, registered }
                }
            })?;
        }

        let guard = Guard {
            rx,
            process: process.clone(),
            registry: self.registry.clone(),
            ctx: Context::new(server.clone()),
        };
        let (started_tx, started_rx) = reply_slot();
        let running = run(guard, args, started_tx);
        // A disabled span (no subscriber wants it) does nothing when entered: spawn without it
        // and keep its bytes out of every idle server's task.
        let task = match self.span {
            Some(span) if !span.is_disabled() => tokio::spawn(running.instrument(span)),
            _ => tokio::spawn(running),
        };
        process.set_abort(task.abort_handle());

        // Until init has answered, a start that is dropped (its caller cancelled, or timed it
        // out itself) takes the half-started server down with it, name and all.
        let mut abandoned = Abandon {
            process: Some(&process),
            registry: self.registry.as_ref(),
        };
        // Waited for like a call's reply: a task starting servers one after another (a
        // supervisor) reuses one timer rather than arming one per start.
        let limit = self.init_timeout.filter(|limit| *limit < NEVER);
        let mut wait = ReplyWait::new(started_rx, limit.map(deadline_after));
        let mut one_off = pin!(None);
        let started = poll_fn(|cx| wait.poll(cx, one_off.as_mut())).await;
        wait.done();
        let Some(started) = started else {
            // Only a wait with a deadline ends without the reply. Dropping `abandoned` frees
            // the name now and kills the task.
            return Err(StartError::InitTimeout(limit.unwrap_or_default()));
        };
        abandoned.process = None;
        match started {
            Ok(Ok(Ok(()))) => Ok(server),
            Ok(Ok(Err(e))) => Err(e),
            // The task ended without reporting: it was killed during init.
            Ok(Err(_)) | Err(_) => Err(StartError::InitStopped(
                process.exit_reason().unwrap_or(ExitReason::Killed),
            )),
        }
    }
}

/// Kills a server whose start was given up before its init answered, and frees its name at
/// once (the kill itself lands at the task's next await point).
struct Abandon<'a> {
    process: Option<&'a Arc<Process>>,
    registry: Option<&'a Registry>,
}

impl Drop for Abandon<'_> {
    fn drop(&mut self) {
        if let Some(process) = self.process {
            if let Some(registry) = self.registry {
                registry.unregister(process);
            }
            process.kill();
        }
    }
}
