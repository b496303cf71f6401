//! The gen_server: a task that owns a state and handles calls, casts and infos one at a time.
//!
//! Implement [`GenServer`] for your state (by hand, or with `#[gen_server]` from the `perennial`
//! crate), start it with [`GenServer::start`] or a [`ServerBuilder`], and talk to it through the
//! [`ServerRef`] you get back.
//!
//! # The life of a server
//!
//! 1. `init` runs inside the new task; `start` returns once it has finished. A name is registered
//!    *before* `init` runs, so a taken name fails the start without running `init`.
//! 2. The server takes messages in the order they were sent. After each, any `handle_continue`
//!    requested through the [`Context`] runs before the next message.
//! 3. It stops when a handler calls [`Context::stop`], when someone asks it to
//!    ([`ServerRef::stop`]), or when a callback panics. `terminate` then runs with the reason,
//!    the state is dropped, the name is unregistered, and every caller still waiting is answered
//!    with the exit reason.
//! 4. A kill ([`ServerRef::kill`]) aborts the task at its next await point: `terminate` does
//!    not run, the rest of step 3 does, with [`ExitReason::Killed`].
//!
//! Here: the [`GenServer`] trait. Beside it: `context` ([`Context`], what a handler can do),
//! `builder` ([`ServerBuilder`], a start and its options) and `run` (the server's task: `init`,
//! the message loop, `terminate`, and the guard that records the exit).

use std::future::Future;

use crate::monitor::Down;
use crate::{ExitReason, ServerRef, StartError};

mod builder;
mod context;
mod run;

pub use builder::ServerBuilder;
pub use context::Context;
#[cfg(all(test, loom))]
pub(crate) use run::exit_registered;

/// A server: a state plus the callbacks that handle its messages.
///
/// All handlers take `&mut self` and a [`Context`], and run one at a time inside the server's
/// own task. A panic in any of them is caught and becomes the server's [`ExitReason::Panic`].
///
/// ```
/// use std::convert::Infallible;
/// use perennial_runtime::{Context, GenServer};
///
/// struct Counter(i64);
///
/// enum Call { Get, Add(i64) }
///
/// impl GenServer for Counter {
///     type Args = i64;
///     type Call = Call;
///     type Reply = i64;
///     type Cast = ();
///     type Info = Infallible;
///     type Continue = Infallible;
///     type Error = Infallible;
///
///     async fn init(start: i64, _ctx: &mut Context<Self>) -> Result<Self, Infallible> {
///         Ok(Counter(start))
///     }
///
///     async fn handle_call(&mut self, call: Call, _ctx: &mut Context<Self>) -> i64 {
///         match call {
///             Call::Get => self.0,
///             Call::Add(n) => { self.0 += n; self.0 }
///         }
///     }
///
///     async fn handle_cast(&mut self, _reset: (), _ctx: &mut Context<Self>) {
///         self.0 = 0;
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let counter = Counter::start(40).await?;
/// assert_eq!(counter.call(Call::Add(2)).await?, 42);
/// counter.cast(())?;
/// assert_eq!(counter.call(Call::Get).await?, 0);
/// # Ok(())
/// # }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a gen_server",
    label = "not a gen_server",
    note = "put `#[perennial::gen_server]` on its `impl` block, or implement `perennial::GenServer` for it"
)]
pub trait GenServer: Sized + Send + 'static {
    /// What `init` takes.
    type Args: Send + 'static;
    /// The requests that expect a reply.
    type Call: Send + 'static;
    /// The replies to calls.
    type Reply: Send + 'static;
    /// The fire-and-forget requests.
    type Cast: Send + 'static;
    /// Other messages (timers, notifications), sent with [`ServerRef::info`].
    type Info: Send + 'static;
    /// Deferred work requested with [`Context::continue_with`].
    type Continue: Send + 'static;
    /// Why `init` can fail. Use [`std::convert::Infallible`] when it cannot, and
    /// [`InitError<E>`](crate::InitError) (with [`is_ignore`](Self::is_ignore)) when it may also
    /// decline to start.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Builds the state. Runs inside the server's task; the start waits for it.
    fn init(
        args: Self::Args,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = Result<Self, Self::Error>> + Send;

    /// Whether `error`, returned by `init`, means that the server declines to start (OTP's
    /// `ignore`) rather than that it failed. The default says no to every error.
    ///
    /// An ignored start succeeds with no server: the [`ServerRef`] it returns is not running
    /// ([`is_ignored`](ServerRef::is_ignored)), its calls fail with `NotRunning`, and its name
    /// (if it was given one) is free again. Under a supervisor, OTP's rules apply: a static
    /// child is kept as a spec with no running child, a temporary or dynamic one is removed.
    ///
    /// ```
    /// use perennial_runtime::{Context, GenServer, InitError};
    ///
    /// /// Runs only where it is enabled.
    /// struct Feature;
    ///
    /// impl GenServer for Feature {
    ///     type Args = bool;
    ///     type Error = InitError<std::io::Error>;
    ///     # type Call = (); type Reply = (); type Cast = (); type Info = ();
    ///     # type Continue = std::convert::Infallible;
    ///     # async fn handle_call(&mut self, _: (), _: &mut Context<Self>) {}
    ///
    ///     async fn init(enabled: bool, _: &mut Context<Self>) -> Result<Self, Self::Error> {
    ///         if !enabled {
    ///             return Err(InitError::Ignore);
    ///         }
    ///         Ok(Feature)
    ///     }
    ///
    ///     fn is_ignore(error: &Self::Error) -> bool {
    ///         error.is_ignore()
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let off = Feature::start(false).await?;
    /// assert!(off.is_ignored() && !off.is_alive());
    /// assert!(Feature::start(true).await?.is_alive());
    /// # Ok(())
    /// # }
    /// ```
    fn is_ignore(error: &Self::Error) -> bool {
        let _ = error;
        false
    }

    /// Answers a call.
    fn handle_call(
        &mut self,
        call: Self::Call,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = Self::Reply> + Send;

    /// Handles a cast. The default ignores it.
    fn handle_cast(
        &mut self,
        cast: Self::Cast,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = ()> + Send {
        let _ = (cast, ctx);
        async {}
    }

    /// Handles an info message. The default ignores it.
    fn handle_info(
        &mut self,
        info: Self::Info,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = ()> + Send {
        let _ = (info, ctx);
        async {}
    }

    /// Runs work requested with [`Context::continue_with`], before the next message.
    /// The default ignores it.
    fn handle_continue(
        &mut self,
        cont: Self::Continue,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = ()> + Send {
        let _ = (cont, ctx);
        async {}
    }

    /// Handles the news that a process this server monitors ([`Context::monitor`]) is down.
    /// The default ignores it.
    fn handle_down(
        &mut self,
        down: Down,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = ()> + Send {
        let _ = (down, ctx);
        async {}
    }

    /// Runs once on an orderly stop (including after a caught panic), not on a kill.
    /// A panic here is caught and becomes the exit reason.
    fn terminate(&mut self, reason: &ExitReason) -> impl Future<Output = ()> + Send {
        let _ = reason;
        async {}
    }

    /// Starts the server with default options: unnamed, unbounded mailbox, no start timeout.
    fn start(
        args: Self::Args,
    ) -> impl Future<Output = Result<ServerRef<Self>, StartError<Self>>> + Send {
        ServerBuilder::new().start(args)
    }

    /// A builder to start the server with a name, a registry, a bounded mailbox or a start
    /// timeout.
    fn builder() -> ServerBuilder<Self> {
        ServerBuilder::new()
    }
}
