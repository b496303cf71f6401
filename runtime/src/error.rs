//! The errors of calls, casts, starts and registry lookups.
//!
//! Each is an enum whose `Display` says what happened and, where there is one, what to do.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::{ExitReason, GenServer, ServerRef};

/// Why a [`call`](crate::ServerRef::call) (or a ping) returned no reply.
///
/// A call never hangs past its timeout and never panics the caller.
///
/// ```
/// # use std::{convert::Infallible, time::Duration};
/// # use perennial_runtime::{CallError, Context, GenServer};
/// # struct Flaky;
/// # impl GenServer for Flaky {
/// #     type Args = (); type Call = Ask; type Reply = Result<(), CallError>;
/// #     type Cast = Infallible; type Info = Infallible; type Continue = Infallible;
/// #     type Error = Infallible;
/// #     async fn init(_: (), _: &mut Context<Self>) -> Result<Self, Infallible> { Ok(Flaky) }
/// #     async fn handle_call(&mut self, ask: Ask, ctx: &mut Context<Self>) -> Self::Reply {
/// #         match ask {
/// #             Ask::Nap => tokio::time::sleep(Duration::from_secs(2)).await,
/// #             Ask::Forget => drop(ctx.reply_later()),
/// #             Ask::Myself => return ctx.myself().ping().await,
/// #             Ask::Panic => panic!("asked to"),
/// #         }
/// #         Ok(())
/// #     }
/// # }
/// use perennial_runtime::ExitReason;
///
/// /// What this example's server is asked to do.
/// enum Ask { Nap, Forget, Myself, Panic }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let server = Flaky::start(()).await?;
/// let second = Duration::from_secs(1);
/// let late = server.call_timeout(Ask::Nap, second).await; // naps for 2 s
/// assert_eq!(late, Err(CallError::Timeout(second)));
/// assert!(late.unwrap_err().to_string().contains("raise the timeout"));
///
/// // It dropped its reply token; a handler calling its own server; and one panicking.
/// assert_eq!(server.call(Ask::Forget).await, Err(CallError::NoReply));
/// assert_eq!(server.call(Ask::Myself).await?, Err(CallError::CallingSelf));
/// let panicked = server.call(Ask::Panic).await;
/// assert!(matches!(panicked, Err(CallError::Exited(ExitReason::Panic(_)))));
/// // From now on, nobody is there.
/// assert!(matches!(server.call(Ask::Nap).await, Err(CallError::NotRunning { name: None })));
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum CallError {
    /// No reply within the timeout. The server is still running; its late reply is discarded.
    Timeout(Duration),
    /// No server was running to take the call (for a name-bound reference: none was registered
    /// under the name within the call's timeout).
    NotRunning {
        /// The server's name, when it has one.
        name: Option<Arc<str>>,
    },
    /// The server exited after the call was sent and before it replied.
    Exited(ExitReason),
    /// A server called itself, which could only deadlock.
    CallingSelf,
    /// The server took the right to reply later ([`ReplyTo`](crate::ReplyTo)) and dropped it
    /// without replying. The server may still be running.
    NoReply,
    /// A name-bound reference found a server of another type under its name.
    WrongType {
        /// The name looked up.
        name: Arc<str>,
        /// The type the reference expects.
        expected: &'static str,
        /// The type registered under the name.
        registered: &'static str,
    },
    /// A call to a server on another node could not be carried or understood: the message is
    /// too large, the two nodes disagree on its type (different versions), or the transport
    /// failed. The message says which; the call did not run, unless it says otherwise.
    Remote(Arc<str>),
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::Timeout(d) => write!(
                f,
                "the server did not reply within {d:?}; it is still running (raise the timeout \
                 with `call_timeout` if it is busy)"
            ),
            CallError::NotRunning { name: Some(name) } => {
                write!(f, "server `{name}` is not running")
            }
            CallError::NotRunning { name: None } => f.write_str("the server is not running"),
            CallError::Exited(reason) => {
                write!(f, "the server exited before replying ({reason})")
            }
            CallError::CallingSelf => f.write_str(
                "a server called itself, which would deadlock; handle the request directly or \
                 cast to yourself instead",
            ),
            CallError::WrongType {
                name,
                expected,
                registered,
            } => write!(
                f,
                "`{name}` is registered as a {}, not as the {} this reference expects",
                kind(registered),
                kind(expected)
            ),
            CallError::NoReply => f.write_str(
                "the server took the call's reply token and dropped it without replying; \
                 every path of the handler (and of whatever it gave the token to) must call \
                 `reply` on it",
            ),
            CallError::Remote(why) => write!(f, "the remote call failed: {why}"),
        }
    }
}

impl StdError for CallError {}

/// Why a [`cast`](crate::ServerRef::cast) was not delivered. The message comes back.
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
/// use perennial_runtime::CastError;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let counter = Counter::start(0).await?;
/// counter.kill();
/// counter.wait_exit().await;
/// let error = counter.cast(5).unwrap_err();
/// assert!(matches!(error, CastError::NotRunning(5)));
/// assert_eq!(error.into_inner(), 5); // the message, to send elsewhere
/// # Ok(())
/// # }
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CastError<T> {
    /// No server is running to take the message.
    NotRunning(T),
    /// The server's bounded mailbox is full; the message was not queued. Use
    /// [`cast_wait`](crate::ServerRef::cast_wait) to wait for room instead.
    Full(T),
}

impl<T> CastError<T> {
    /// The message that was not delivered.
    ///
    /// ```
    /// use perennial_runtime::CastError;
    ///
    /// assert_eq!(CastError::Full("hello").into_inner(), "hello");
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            CastError::NotRunning(t) | CastError::Full(t) => t,
        }
    }

    /// The same error with the message mapped by `f` (generated clients give back the
    /// handler's own arguments this way).
    ///
    /// ```
    /// use perennial_runtime::CastError;
    ///
    /// assert_eq!(CastError::Full(21).map(|n| n * 2), CastError::Full(42));
    /// ```
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> CastError<U> {
        match self {
            CastError::NotRunning(t) => CastError::NotRunning(f(t)),
            CastError::Full(t) => CastError::Full(f(t)),
        }
    }
}

impl<T> fmt::Debug for CastError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CastError::NotRunning(_) => f.write_str("NotRunning(..)"),
            CastError::Full(_) => f.write_str("Full(..)"),
        }
    }
}

impl<T> fmt::Display for CastError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CastError::NotRunning(_) => f.write_str("the server is not running; the message was dropped"),
            CastError::Full(_) => f.write_str(
                "the server's mailbox is full; the message was not queued (use `cast_wait` to wait for room)",
            ),
        }
    }
}

impl<T> StdError for CastError<T> {}

/// Why a gen_server did not start.
pub enum StartError<S: GenServer> {
    /// The name is taken by a running server of the same type, which is returned.
    AlreadyStarted(ServerRef<S>),
    /// The name is taken by a running server of another type.
    NameTaken {
        /// The name asked for.
        name: Arc<str>,
        /// The type of the server holding it.
        registered: &'static str,
    },
    /// `init` returned an error.
    Init(S::Error),
    /// `init` panicked; the panic was caught.
    InitPanicked(Arc<str>),
    /// `init` did not finish within the start timeout; the server was killed.
    InitTimeout(Duration),
    /// `init` asked the server to stop (through its context) instead of returning an error.
    InitStopped(ExitReason),
}

impl<S: GenServer> StartError<S> {
    /// The failure as an exit reason, for supervisors and logs: `init`'s own error is kept as
    /// the [`ExitReason::Error`] source; the other cases carry this error's message.
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
    /// use perennial_runtime::{Registry, StartError};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let registry = Registry::new();
    /// Counter::builder().register(&registry, "counter").start(0).await?;
    /// let Err(error) = Counter::builder().register(&registry, "counter").start(0).await else {
    ///     panic!("the name is taken");
    /// };
    /// assert!(matches!(error, StartError::AlreadyStarted(_)));
    /// let reason = error.into_exit_reason();
    /// assert!(reason.is_abnormal());
    /// assert!(reason.to_string().contains("already registered under `counter`"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn into_exit_reason(self) -> ExitReason {
        match self {
            StartError::Init(e) => ExitReason::error(e),
            StartError::InitStopped(reason) => reason,
            other => ExitReason::error(other.to_string()),
        }
    }
}

impl<S: GenServer> fmt::Display for StartError<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ty = std::any::type_name::<S>();
        match self {
            StartError::AlreadyStarted(existing) => write!(
                f,
                "a {} is already registered under `{}`; use the returned reference or pick \
                 another name",
                kind(ty),
                existing.name().unwrap_or("?")
            ),
            StartError::NameTaken { name, registered } => write!(
                f,
                "the name `{name}` is taken by a running {}; pick another name",
                kind(registered)
            ),
            StartError::Init(e) => write!(f, "`{ty}` failed to init: {e}"),
            StartError::InitPanicked(msg) => write!(f, "`{ty}` panicked in init: {msg}"),
            StartError::InitTimeout(d) => write!(
                f,
                "`{ty}` did not finish init within {d:?} and was killed; raise the start \
                 timeout or move slow work to handle_continue"
            ),
            StartError::InitStopped(reason) => {
                write!(f, "`{ty}` stopped during init: {reason}")
            }
        }
    }
}

impl<S: GenServer> fmt::Debug for StartError<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::AlreadyStarted(r) => f.debug_tuple("AlreadyStarted").field(r).finish(),
            StartError::NameTaken { name, registered } => f
                .debug_struct("NameTaken")
                .field("name", name)
                .field("registered", registered)
                .finish(),
            StartError::Init(e) => f.debug_tuple("Init").field(&e.to_string()).finish(),
            StartError::InitPanicked(m) => f.debug_tuple("InitPanicked").field(m).finish(),
            StartError::InitTimeout(d) => f.debug_tuple("InitTimeout").field(d).finish(),
            StartError::InitStopped(r) => f.debug_tuple("InitStopped").field(r).finish(),
        }
    }
}

impl<S: GenServer> StdError for StartError<S> {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            StartError::Init(e) => Some(e),
            _ => None,
        }
    }
}

/// Why a typed registry lookup found no server.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LookupError {
    /// No running server is registered under the name.
    NotFound {
        /// The name looked up.
        name: Arc<str>,
    },
    /// A running server of another type is registered under the name.
    WrongType {
        /// The name looked up.
        name: Arc<str>,
        /// The type asked for.
        expected: &'static str,
        /// The type registered.
        registered: &'static str,
    },
}

impl fmt::Display for LookupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LookupError::NotFound { name } => {
                write!(f, "no running server is registered under `{name}`")
            }
            LookupError::WrongType {
                name,
                expected,
                registered,
            } => write!(
                f,
                "`{name}` is registered as a {}, not as a {}",
                kind(registered),
                kind(expected)
            ),
        }
    }
}

impl StdError for LookupError {}

/// The error of an `init` that may also decline to start: OTP's `ignore`, or a failure `E`.
///
/// A server whose `type Error` is an `InitError<E>` says which errors are ignores with
/// [`GenServer::is_ignore`](crate::GenServer::is_ignore) (`error.is_ignore()`); `#[gen_server]`
/// does it for an `init` returning `Option<Self>` or `Result<Option<Self>, E>`. `?` turns an `E`
/// into `InitError::Failed`.
///
/// ```
/// use perennial_runtime::InitError;
///
/// fn parse(port: &str) -> Result<u16, InitError<std::num::ParseIntError>> {
///     if port.is_empty() {
///         return Err(InitError::Ignore);
///     }
///     Ok(port.parse()?)
/// }
///
/// assert!(parse("").unwrap_err().is_ignore());
/// assert!(matches!(parse("x"), Err(InitError::Failed(_))));
/// assert_eq!(parse("80").ok(), Some(80));
/// ```
#[derive(Debug)]
pub enum InitError<E> {
    /// `init` declines to start: no server runs, and the start succeeds.
    Ignore,
    /// `init` failed: the start fails with [`StartError::Init`].
    Failed(E),
}

impl<E> InitError<E> {
    /// `true` for [`InitError::Ignore`].
    ///
    /// ```
    /// use perennial_runtime::InitError;
    ///
    /// assert!(InitError::<std::io::Error>::Ignore.is_ignore());
    /// assert!(!InitError::Failed(std::io::Error::other("no disk")).is_ignore());
    /// ```
    pub fn is_ignore(&self) -> bool {
        matches!(self, InitError::Ignore)
    }
}

impl<E> From<E> for InitError<E> {
    fn from(error: E) -> Self {
        InitError::Failed(error)
    }
}

impl<E: fmt::Display> fmt::Display for InitError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InitError::Ignore => f.write_str("init declined to start (ignore)"),
            InitError::Failed(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl<E: StdError> StdError for InitError<E> {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            InitError::Ignore => None,
            InitError::Failed(e) => e.source(),
        }
    }
}

/// What a registered type is, for messages: "supervisor" for the runtime's own supervisor type
/// (its Rust name is an implementation detail), "`my_app::Cache` server" for a gen_server.
pub(crate) fn kind(type_name: &str) -> String {
    if type_name == std::any::type_name::<crate::supervisor::SupervisorServer>() {
        "supervisor".to_owned()
    } else {
        format!("`{type_name}` server")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_supervisor_is_named_as_one_not_by_its_rust_type() {
        let error = LookupError::WrongType {
            name: "db".into(),
            expected: "app::Cache",
            registered: std::any::type_name::<crate::supervisor::SupervisorServer>(),
        };
        assert_eq!(
            error.to_string(),
            "`db` is registered as a supervisor, not as a `app::Cache` server"
        );
    }
}
