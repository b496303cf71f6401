//! [`ServerRef`]: the typed handle to one running incarnation of a gen_server.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::time::Duration;

use crate::mailbox::{Envelope, TrySendError, Tx};
use crate::process::{Process, ProcessId};
use crate::reply::{NEVER, deadline_after};
use crate::request::{Queued, Route, call_and_ping};
use crate::{CallError, CastError, ExitReason, GenServer};

/// A typed reference to one running server (one incarnation).
///
/// Cheap to clone; every clone talks to the same server. When that server exits, calls return
/// [`CallError::NotRunning`] (or [`CallError::Exited`] for calls it had not answered), and casts
/// return [`CastError::NotRunning`]. To follow a *name* across restarts, use a
/// [`NamedRef`](crate::NamedRef) instead.
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
/// use perennial_runtime::{CallError, CastError, ExitReason};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let counter = Counter::start(1).await?;
/// let other = counter.clone(); // the same server
/// other.cast(2)?;
/// assert_eq!(counter.call(()).await?, 3);
///
/// counter.stop(ExitReason::Shutdown).await?;
/// // That incarnation is gone for good: a `ServerRef` does not follow restarts.
/// assert!(matches!(other.call(()).await, Err(CallError::NotRunning { .. })));
/// assert_eq!(other.cast(1), Err(CastError::NotRunning(1)));
/// # Ok(())
/// # }
/// ```
pub struct ServerRef<S: GenServer> {
    pub(crate) tx: Tx<S>,
    pub(crate) process: Arc<Process>,
}

impl<S: GenServer> ServerRef<S> {
    pub(crate) fn new(tx: Tx<S>, process: Arc<Process>) -> Self {
        ServerRef { tx, process }
    }

    call_and_ping! {
        /// Sends a call and waits up to [`DEFAULT_CALL_TIMEOUT`](crate::DEFAULT_CALL_TIMEOUT)
        /// for the reply.
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
        /// # #[tokio::main(flavor = "current_thread")]
        /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
        /// let counter = Counter::start(7).await?;
        /// assert_eq!(counter.call(()).await?, 7);
        /// # Ok(())
        /// # }
        /// ```
        call;

        /// Sends a call and waits up to `timeout` for the reply (including, for a bounded mailbox,
        /// the wait for room). On timeout the server keeps running and its late reply is discarded.
        ///
        /// The timeout is coarse: a call whose reply is not there when it is first polled lets
        /// the tasks already queued run, and only then reads the clock and starts counting. A
        /// timeout may so fire up to one turn of the scheduler late; in exchange, a call answered
        /// within that turn (most are) reads no clock and arms no timer.
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
        /// use perennial_runtime::CallError;
        ///
        /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
        /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
        /// let slow = Slow::start(()).await?;
        /// let reply = slow.call_timeout(Duration::from_secs(10), Duration::from_secs(1)).await;
        /// assert_eq!(reply, Err(CallError::Timeout(Duration::from_secs(1))));
        /// assert!(slow.is_alive()); // still working on it; its late reply is dropped
        /// # Ok(())
        /// # }
        /// ```
        call_timeout;

        /// Checks that the server is alive and taking messages: it answers once it has handled
        /// everything queued before. Waits up to
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
        /// use perennial_runtime::CallError;
        ///
        /// # #[tokio::main(flavor = "current_thread")]
        /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
        /// let counter = Counter::start(0).await?;
        /// assert_eq!(counter.ping().await, Ok(()));
        /// counter.kill();
        /// counter.wait_exit().await;
        /// assert!(matches!(counter.ping().await, Err(CallError::NotRunning { .. })));
        /// # Ok(())
        /// # }
        /// ```
        ping;

        /// [`ping`](Self::ping) with an explicit timeout; supervisors' health checks use this.
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
        /// use perennial_runtime::CallError;
        ///
        /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
        /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
        /// let slow = Slow::start(()).await?;
        /// slow.cast(Duration::from_secs(3))?; // busy for 3 s
        /// let second = Duration::from_secs(1);
        /// assert_eq!(slow.ping_timeout(second).await, Err(CallError::Timeout(second)));
        /// assert_eq!(slow.ping_timeout(5 * second).await, Ok(()));
        /// # Ok(())
        /// # }
        /// ```
        ping_timeout;
    }

    /// Queues a cast without waiting. Fails at once with the message back if the server is not
    /// running or its bounded mailbox is full.
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
    /// let counter = Counter::start(1).await?;
    /// counter.cast(2)?;
    /// assert_eq!(counter.call(()).await?, 3);
    ///
    /// counter.kill();
    /// counter.wait_exit().await;
    /// assert_eq!(counter.cast(5), Err(CastError::NotRunning(5))); // the message comes back
    /// # Ok(())
    /// # }
    /// ```
    pub fn cast(&self, cast: S::Cast) -> Result<(), CastError<S::Cast>> {
        self.tx.try_send(Envelope::Cast(cast)).map_err(|e| match e {
            TrySendError::Closed(Envelope::Cast(c)) => CastError::NotRunning(c),
            TrySendError::Full(Envelope::Cast(c)) => CastError::Full(c),
            _ => unreachable!("the mailbox returns the envelope it was given"),
        })
    }

    /// Queues a cast, waiting for room in a bounded mailbox. Fails only if the server is not
    /// running.
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
    /// use perennial_runtime::CastError;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let counter = Counter::builder().bounded_mailbox(NonZeroUsize::MIN).start(0).await?;
    /// counter.cast(1)?; // fills the mailbox
    /// assert_eq!(counter.cast(2), Err(CastError::Full(2)));
    /// counter.cast_wait(2).await?; // waits until the server takes the first
    /// assert_eq!(counter.call(()).await?, 3);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn cast_wait(&self, cast: S::Cast) -> Result<(), CastError<S::Cast>> {
        self.tx
            .send(Envelope::Cast(cast))
            .await
            .map_err(|e| match e {
                Envelope::Cast(c) => CastError::NotRunning(c),
                _ => unreachable!("the mailbox returns the envelope it was given"),
            })
    }

    /// Sends an info message (handled by `handle_info`) without waiting.
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
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let counter = Counter::start(1).await?;
    /// counter.info(10)?; // this server's `handle_info` sets the count
    /// assert_eq!(counter.call(()).await?, 10);
    /// # Ok(())
    /// # }
    /// ```
    pub fn info(&self, info: S::Info) -> Result<(), CastError<S::Info>> {
        self.tx.try_send(Envelope::Info(info)).map_err(|e| match e {
            TrySendError::Closed(Envelope::Info(i)) => CastError::NotRunning(i),
            TrySendError::Full(Envelope::Info(i)) => CastError::Full(i),
            _ => unreachable!("the mailbox returns the envelope it was given"),
        })
    }

    /// Asks the server to stop with `reason` after the message it is handling, and returns
    /// without waiting. Messages still queued are answered with the exit reason. `terminate`
    /// runs. Does nothing if the server has already exited.
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
    /// use perennial_runtime::ExitReason;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let counter = Counter::start(0).await?;
    /// counter.request_stop(ExitReason::Normal); // returns at once
    /// assert_eq!(counter.wait_exit().await, ExitReason::Normal);
    /// # Ok(())
    /// # }
    /// ```
    pub fn request_stop(&self, reason: ExitReason) {
        self.process.request_stop(reason);
        self.tx.wake();
    }

    /// Stops the server in an orderly way (see [`request_stop`](Self::request_stop)) and waits
    /// until it has exited. Returns how it ended: `reason`, unless it ended otherwise meanwhile
    /// or its `terminate` panicked. A server that had already exited gives
    /// [`CallError::NotRunning`] (OTP's `noproc`); its exit reason is still
    /// [`exit_reason`](Self::exit_reason). From inside the server itself, use
    /// [`Context::stop`](crate::Context::stop) instead: this returns
    /// [`CallError::CallingSelf`].
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
    /// use perennial_runtime::{CallError, ExitReason};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let counter = Counter::start(0).await?;
    /// assert_eq!(counter.stop(ExitReason::Shutdown).await?, ExitReason::Shutdown);
    /// // Stopped already: `noproc`, and the exit reason stays readable.
    /// let again = counter.stop(ExitReason::Shutdown).await;
    /// assert!(matches!(again, Err(CallError::NotRunning { .. })));
    /// assert_eq!(counter.exit_reason(), Some(ExitReason::Shutdown));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn stop(&self, reason: ExitReason) -> Result<ExitReason, CallError> {
        if self.process.is_current_task() {
            return Err(CallError::CallingSelf);
        }
        if !self.is_alive() {
            return Err(self.not_running());
        }
        self.request_stop(reason);
        Ok(self.process.wait_exit().await)
    }

    /// Aborts the server at its next await point. `terminate` does not run; the exit reason is
    /// [`ExitReason::Killed`]. Returns at once; await [`wait_exit`](Self::wait_exit) to see it
    /// gone. A handler that blocks its thread without awaiting cannot be killed.
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
    /// use perennial_runtime::ExitReason;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let counter = Counter::start(0).await?;
    /// counter.kill();
    /// assert_eq!(counter.wait_exit().await, ExitReason::Killed);
    /// # Ok(())
    /// # }
    /// ```
    pub fn kill(&self) {
        self.process.kill();
    }

    /// Waits until the server has exited and returns its exit reason (a monitor).
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
    /// use perennial_runtime::ExitReason;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let counter = Counter::start(0).await?;
    /// let watcher = tokio::spawn({
    ///     let counter = counter.clone();
    ///     async move { counter.wait_exit().await }
    /// });
    /// counter.stop(ExitReason::Normal).await?;
    /// assert_eq!(watcher.await?, ExitReason::Normal);
    /// assert_eq!(counter.wait_exit().await, ExitReason::Normal); // also after the exit
    /// # Ok(())
    /// # }
    /// ```
    pub async fn wait_exit(&self) -> ExitReason {
        self.process.wait_exit().await
    }

    /// The exit reason, once the server has exited.
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
    /// use perennial_runtime::ExitReason;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let counter = Counter::start(0).await?;
    /// assert_eq!(counter.exit_reason(), None);
    /// counter.kill();
    /// counter.wait_exit().await;
    /// assert_eq!(counter.exit_reason(), Some(ExitReason::Killed));
    /// # Ok(())
    /// # }
    /// ```
    pub fn exit_reason(&self) -> Option<ExitReason> {
        self.process.exit_reason()
    }

    /// `true` until the server has exited.
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
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let counter = Counter::start(0).await?;
    /// assert!(counter.is_alive());
    /// counter.kill();
    /// counter.wait_exit().await;
    /// assert!(!counter.is_alive());
    /// # Ok(())
    /// # }
    /// ```
    pub fn is_alive(&self) -> bool {
        self.process.is_alive()
    }

    /// `true` if the server's `init` declined to start (OTP's `ignore`, see
    /// [`GenServer::is_ignore`]): the start succeeded, but no server ever ran. Its calls fail
    /// with [`CallError::NotRunning`], and its exit reason is [`ExitReason::Normal`].
    ///
    /// ```
    /// # use std::convert::Infallible;
    /// # use perennial_runtime::{Context, GenServer, InitError};
    /// # struct Off;
    /// # impl GenServer for Off {
    /// #     type Args = bool; type Call = (); type Reply = (); type Cast = (); type Info = ();
    /// #     type Continue = Infallible; type Error = InitError<Infallible>;
    /// #     async fn init(on: bool, _: &mut Context<Self>) -> Result<Self, Self::Error> {
    /// #         if on { Ok(Off) } else { Err(InitError::Ignore) }
    /// #     }
    /// #     fn is_ignore(error: &Self::Error) -> bool { error.is_ignore() }
    /// #     async fn handle_call(&mut self, _: (), _: &mut Context<Self>) {}
    /// # }
    /// use perennial_runtime::ExitReason;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let off = Off::start(false).await?; // its `init` declined: no server runs
    /// assert!(off.is_ignored() && !off.is_alive());
    /// assert_eq!(off.exit_reason(), Some(ExitReason::Normal));
    /// assert!(!Off::start(true).await?.is_ignored());
    /// # Ok(())
    /// # }
    /// ```
    pub fn is_ignored(&self) -> bool {
        self.process.is_ignored()
    }

    /// How many monitors watch this server (test support).
    #[doc(hidden)]
    pub fn watcher_count(&self) -> usize {
        self.process.watcher_count()
    }

    /// The server's name, if it was started with one.
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
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let anonymous = Counter::start(0).await?;
    /// assert_eq!(anonymous.name(), None);
    /// let named = Counter::builder().name("counter").start(0).await?;
    /// assert_eq!(named.name(), Some("counter"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.process.name().map(|n| &**n)
    }

    /// This incarnation's unique id.
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
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let (a, b) = (Counter::start(0).await?, Counter::start(0).await?);
    /// assert_ne!(a.id(), b.id());
    /// assert_eq!(a.clone().id(), a.id());
    /// # Ok(())
    /// # }
    /// ```
    pub fn id(&self) -> ProcessId {
        self.process.id()
    }

    fn not_running(&self) -> CallError {
        CallError::NotRunning {
            name: self.process.name().cloned(),
        }
    }
}

/// Why a request to one incarnation was not queued at once.
pub(crate) enum Blocked<S: GenServer> {
    /// Its bounded mailbox is full: the envelope, to send once there is room.
    Full(Envelope<S>),
    /// The server has exited.
    Closed,
    /// The server is calling itself.
    CallingSelf,
}

impl<S: GenServer> Route<S> for ServerRef<S> {
    type Blocked = Blocked<S>;
    type Learnt = ();

    #[inline(always)]
    fn try_queue(&self, envelope: Envelope<S>) -> Result<(), Blocked<S>> {
        if self.process.is_current_task() {
            return Err(Blocked::CallingSelf);
        }
        match self.tx.try_send(envelope) {
            Ok(()) => Ok(()),
            Err(TrySendError::Closed(_)) => Err(Blocked::Closed),
            Err(TrySendError::Full(envelope)) => Err(Blocked::Full(envelope)),
        }
    }

    /// Waits for room in a full bounded mailbox, within the call's deadline; or fails.
    async fn queue(&self, blocked: Blocked<S>, timeout: Duration) -> Result<Queued<()>, CallError> {
        let envelope = match blocked {
            Blocked::Full(envelope) => envelope,
            Blocked::Closed => return Err(self.not_running()),
            Blocked::CallingSelf => return Err(CallError::CallingSelf),
        };
        let deadline = (timeout < NEVER).then(|| deadline_after(timeout));
        let sent = match deadline {
            Some(deadline) => tokio::time::timeout_at(deadline, self.tx.send(envelope)).await,
            None => Ok(self.tx.send(envelope).await),
        };
        match sent {
            Ok(Ok(())) => Ok(Queued::AfterWait {
                deadline,
                learnt: (),
            }),
            Ok(Err(_)) => Err(self.not_running()),
            Err(_) => Err(CallError::Timeout(timeout)),
        }
    }

    fn server(&self, (): &()) -> Option<&Process> {
        Some(&self.process)
    }
}

impl<S: GenServer> Clone for ServerRef<S> {
    fn clone(&self) -> Self {
        ServerRef {
            tx: self.tx.clone(),
            process: self.process.clone(),
        }
    }
}

impl<S: GenServer> PartialEq for ServerRef<S> {
    /// Two references are equal when they reach the same incarnation.
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.process, &other.process)
    }
}

impl<S: GenServer> Eq for ServerRef<S> {}

impl<S: GenServer> Hash for ServerRef<S> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.process.id().hash(state);
    }
}

impl<S: GenServer> fmt::Debug for ServerRef<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerRef")
            .field("type", &std::any::type_name::<S>())
            .field("name", &self.name())
            .field("id", &self.id())
            .field("alive", &self.is_alive())
            .finish()
    }
}
