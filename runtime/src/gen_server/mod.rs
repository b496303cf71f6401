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

use std::future::{Future, poll_fn};
use std::marker::PhantomData;
use std::num::NonZeroUsize;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use tracing::Instrument;

use crate::deferred::Deferred;
use crate::exit::drop_caught;
use crate::mailbox::{self, Envelope, Rx};
use crate::monitor::{Down, MonitorRef, MonitorTarget, Monitorable, Monitors};
use crate::process::{Link, Process, catch_unwind_pinned};
use crate::registry::{RegisterError, Registry};
use crate::reply::{NEVER, ReplyWait, SlotTx, deadline_after, reply_slot};
use crate::streams::{self, StreamRef, Streams};
use crate::supervisor::ChildHandle;
use crate::timers::{TimerRef, Timers};
use crate::{ExitReason, ReplyTo, ServerRef, StartError};
use futures_core::Stream;

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

/// What a handler can do besides returning: stop the server, schedule a continue, reach itself.
pub struct Context<S: GenServer> {
    myself: ServerRef<S>,
    stop: Option<ExitReason>,
    cont: Option<S::Continue>,
    /// The reply slot of the call being handled, answered with the handler's return value
    /// unless the handler took it ([`reply_later`](Self::reply_later)).
    in_flight: Option<SlotTx<S::Reply>>,
    /// Replies given later, timers, monitors and streams: made by the first use of any, so
    /// that a server using none carries one empty pointer and its message loop one test.
    toolkit: Option<Box<Toolkit<S>>>,
}

/// What a server that uses them keeps of replies given later, timers, monitors and streams.
struct Toolkit<S: GenServer> {
    /// The replies given later and not yet given: made by the first deferred call.
    deferred: Option<Deferred<S::Reply>>,
    /// The server's timers (also what waits on its streams): made by the first timer or stream.
    timers: Option<Timers<S::Info>>,
    /// The processes this server monitors.
    monitors: Monitors,
    /// The streams attached to this server.
    streams: Streams<S::Info>,
}

impl<S: GenServer> Toolkit<S> {
    fn new() -> Self {
        Toolkit {
            deferred: None,
            timers: None,
            monitors: Monitors::default(),
            streams: Streams::new(),
        }
    }

    fn timers(&mut self) -> &mut Timers<S::Info> {
        self.timers.get_or_insert_with(Timers::new)
    }

    /// The server's next message: its mail, or its timers' and streams' infos in their turn.
    async fn next(&mut self, rx: &mut Rx<S>) -> Option<Envelope<S>> {
        match &mut self.timers {
            Some(timers) => timers.next(rx, Some(&mut self.streams)).await,
            None if self.streams.len() > 0 => streams::next(rx, &mut self.streams).await,
            // Only replies given later or monitors: the mailbox alone, as for any server.
            None => rx.recv().await,
        }
    }
}

impl<S: GenServer> Context<S> {
    fn new(myself: ServerRef<S>) -> Self {
        Context {
            myself,
            stop: None,
            cont: None,
            in_flight: None,
            toolkit: None,
        }
    }

    /// A reference to this server, for handing out or casting to itself.
    ///
    /// Calling yourself through it returns [`CallError::CallingSelf`](crate::CallError) rather
    /// than deadlocking.
    ///
    /// ```
    /// use std::convert::Infallible;
    /// use perennial_runtime::{Context, GenServer, ProcessId};
    ///
    /// /// Tells who it is.
    /// struct Me;
    ///
    /// impl GenServer for Me {
    ///     type Call = ();
    ///     type Reply = ProcessId;
    ///     # type Args = (); type Cast = Infallible; type Info = Infallible;
    ///     # type Continue = Infallible; type Error = Infallible;
    ///     # async fn init(_: (), _: &mut Context<Self>) -> Result<Self, Infallible> { Ok(Me) }
    ///
    ///     async fn handle_call(&mut self, _: (), ctx: &mut Context<Self>) -> ProcessId {
    ///         ctx.myself().id()
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let me = Me::start(()).await?;
    /// assert_eq!(me.call(()).await?, me.id());
    /// # Ok(())
    /// # }
    /// ```
    pub fn myself(&self) -> &ServerRef<S> {
        &self.myself
    }

    /// The server's name, if it has one.
    ///
    /// ```
    /// use std::convert::Infallible;
    /// use perennial_runtime::{Context, GenServer};
    ///
    /// /// Tells its name.
    /// struct Named;
    ///
    /// impl GenServer for Named {
    ///     type Call = ();
    ///     type Reply = Option<String>;
    ///     # type Args = (); type Cast = Infallible; type Info = Infallible;
    ///     # type Continue = Infallible; type Error = Infallible;
    ///     # async fn init(_: (), _: &mut Context<Self>) -> Result<Self, Infallible> { Ok(Named) }
    ///
    ///     async fn handle_call(&mut self, _: (), ctx: &mut Context<Self>) -> Option<String> {
    ///         ctx.name().map(String::from)
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let named = Named::builder().name("ada").start(()).await?;
    /// assert_eq!(named.call(()).await?.as_deref(), Some("ada"));
    /// assert_eq!(Named::start(()).await?.call(()).await?, None);
    /// # Ok(())
    /// # }
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.myself.name()
    }

    /// Stops the server with `reason` once the current handler returns. A call being handled is
    /// still answered with the handler's reply. The last request wins.
    ///
    /// ```
    /// use std::convert::Infallible;
    /// use perennial_runtime::{Context, ExitReason, GenServer};
    ///
    /// /// Says goodbye, then stops.
    /// struct Polite;
    ///
    /// impl GenServer for Polite {
    ///     type Call = ();
    ///     type Reply = &'static str;
    ///     # type Args = (); type Cast = Infallible; type Info = Infallible;
    ///     # type Continue = Infallible; type Error = Infallible;
    ///     # async fn init(_: (), _: &mut Context<Self>) -> Result<Self, Infallible> { Ok(Polite) }
    ///
    ///     async fn handle_call(&mut self, _: (), ctx: &mut Context<Self>) -> &'static str {
    ///         ctx.stop(ExitReason::Normal);
    ///         "goodbye" // still sent
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let polite = Polite::start(()).await?;
    /// assert_eq!(polite.call(()).await?, "goodbye");
    /// assert_eq!(polite.wait_exit().await, ExitReason::Normal);
    /// # Ok(())
    /// # }
    /// ```
    pub fn stop(&mut self, reason: ExitReason) {
        self.stop = Some(reason);
    }

    /// Runs `handle_continue(cont)` after the current handler (or `init`) returns, before any
    /// other message. A continue may request the next one, so they chain. A second request in
    /// the same handler replaces the first.
    ///
    /// ```
    /// use std::convert::Infallible;
    /// use perennial_runtime::{Context, GenServer};
    ///
    /// /// Starts at once and loads its data right after, before any message.
    /// struct Lazy(Vec<u32>);
    ///
    /// struct Load;
    ///
    /// impl GenServer for Lazy {
    ///     type Continue = Load;
    ///     type Call = ();
    ///     type Reply = usize;
    ///     # type Args = (); type Cast = Infallible; type Info = Infallible;
    ///     # type Error = Infallible;
    ///
    ///     async fn init(_: (), ctx: &mut Context<Self>) -> Result<Self, Infallible> {
    ///         ctx.continue_with(Load); // `start` returns without waiting for the load
    ///         Ok(Lazy(Vec::new()))
    ///     }
    ///
    ///     async fn handle_continue(&mut self, _: Load, _: &mut Context<Self>) {
    ///         self.0 = (1..=100).collect();
    ///     }
    ///
    ///     async fn handle_call(&mut self, _: (), _: &mut Context<Self>) -> usize {
    ///         self.0.len()
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let lazy = Lazy::start(()).await?;
    /// assert_eq!(lazy.call(()).await?, 100); // the first call sees the data loaded
    /// # Ok(())
    /// # }
    /// ```
    pub fn continue_with(&mut self, cont: S::Continue) {
        self.cont = Some(cont);
    }

    /// Takes the right to answer the call being handled, to answer it later (OTP's
    /// `{noreply, State}`): see [`ReplyTo`]. The value `handle_call` returns is then dropped,
    /// not sent; the caller waits for the token's [`reply`](ReplyTo::reply) instead.
    ///
    /// `None` outside `handle_call`, or when the token was already taken for this call.
    ///
    /// ```
    /// use std::convert::Infallible;
    /// use perennial_runtime::{Context, GenServer};
    ///
    /// /// Answers each call from a task of its own, so a slow answer does not hold up the server.
    /// struct Squarer;
    ///
    /// impl GenServer for Squarer {
    ///     type Call = u64;
    ///     type Reply = u64;
    ///     # type Args = (); type Cast = Infallible; type Info = Infallible;
    ///     # type Continue = Infallible; type Error = Infallible;
    ///     # async fn init(_: (), _: &mut Context<Self>) -> Result<Self, Infallible> {
    ///     #     Ok(Squarer)
    ///     # }
    ///
    ///     async fn handle_call(&mut self, n: u64, ctx: &mut Context<Self>) -> u64 {
    ///         if let Some(reply) = ctx.reply_later() {
    ///             tokio::spawn(async move { reply.reply(n * n) });
    ///         }
    ///         0 // dropped, not sent: the caller waits for the token's reply
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let squarer = Squarer::start(()).await?;
    /// assert_eq!(squarer.call(7).await?, 49);
    /// # Ok(())
    /// # }
    /// ```
    pub fn reply_later(&mut self) -> Option<ReplyTo<S::Reply>> {
        self.reply_later_with(|reply| reply)
    }

    /// [`reply_later`](Self::reply_later) with a token that takes a `T` and makes it the reply
    /// with `wrap`: the token of one kind of call, in a server whose reply type is an enum of
    /// every call's reply (as `#[gen_server]` makes it).
    ///
    /// ```
    /// # use std::convert::Infallible;
    /// # use perennial_runtime::{Context, GenServer, ReplyTo};
    /// enum Reply { Count(u64), Name(String) }
    ///
    /// struct Names { waiting: Vec<ReplyTo<String>> }
    ///
    /// impl GenServer for Names {
    ///     # type Args = (); type Cast = String; type Info = Infallible;
    ///     # type Continue = Infallible; type Error = Infallible;
    ///     # async fn init(_: (), _: &mut Context<Self>) -> Result<Self, Infallible> {
    ///     #     Ok(Names { waiting: Vec::new() })
    ///     # }
    ///     type Call = bool;
    ///     type Reply = Reply;
    ///
    ///     async fn handle_call(&mut self, next_name: bool, ctx: &mut Context<Self>) -> Reply {
    ///         if next_name {
    ///             self.waiting.extend(ctx.reply_later_with(Reply::Name));
    ///         }
    ///         Reply::Count(self.waiting.len() as u64)
    ///     }
    ///
    ///     async fn handle_cast(&mut self, name: String, _: &mut Context<Self>) {
    ///         for waiter in self.waiting.drain(..) {
    ///             waiter.reply(name.clone());
    ///         }
    ///     }
    /// }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let names = Names::start(()).await?;
    /// let next = tokio::spawn({
    ///     let names = names.clone();
    ///     async move { names.call(true).await }
    /// });
    /// while !matches!(names.call(false).await?, Reply::Count(1)) {}
    /// names.cast("ada".into())?;
    /// assert!(matches!(next.await?, Ok(Reply::Name(name)) if name == "ada"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn reply_later_with<T: 'static>(&mut self, wrap: fn(T) -> S::Reply) -> Option<ReplyTo<T>> {
        let tx = self.in_flight.take()?;
        let process = self.myself.process.clone();
        let pending = self
            .toolkit()
            .deferred
            .get_or_insert_with(|| Deferred::new(process));
        Some(pending.token(tx, wrap))
    }

    /// Sends `info` to this server after `delay`, through its mailbox (see
    /// [`timers`](crate::timers) for the order). The timer belongs to this incarnation: it is
    /// cancelled when the server exits, and no task runs for it.
    ///
    /// ```
    /// use std::time::Duration;
    /// use perennial_runtime::{Context, GenServer};
    /// # use std::convert::Infallible;
    ///
    /// struct Reminder(Vec<&'static str>);
    ///
    /// impl GenServer for Reminder {
    ///     type Args = ();
    ///     type Info = &'static str;
    ///     type Call = ();
    ///     type Reply = Vec<&'static str>;
    ///     # type Cast = Infallible; type Continue = Infallible; type Error = Infallible;
    ///
    ///     async fn init(_: (), ctx: &mut Context<Self>) -> Result<Self, Infallible> {
    ///         ctx.send_after(Duration::from_secs(60), "stretch");
    ///         let water = ctx.send_after(Duration::from_secs(30), "water");
    ///         ctx.cancel_timer(water);
    ///         Ok(Reminder(Vec::new()))
    ///     }
    ///
    ///     async fn handle_info(&mut self, note: &'static str, _: &mut Context<Self>) {
    ///         self.0.push(note);
    ///     }
    ///
    ///     async fn handle_call(&mut self, _: (), _: &mut Context<Self>) -> Vec<&'static str> {
    ///         self.0.clone()
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let reminder = Reminder::start(()).await?;
    /// tokio::time::sleep(Duration::from_secs(61)).await;
    /// assert_eq!(reminder.call(()).await?, ["stretch"]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn send_after(&mut self, delay: Duration, info: S::Info) -> TimerRef {
        self.toolkit().timers().send_after(delay, info)
    }

    /// Sends a copy of `info` to this server every `period` (the first one `period` from now),
    /// until cancelled or the server exits. Ticks the server was too busy to take are skipped,
    /// not bunched. Periods under a millisecond count as one.
    ///
    /// ```
    /// use std::convert::Infallible;
    /// use std::time::Duration;
    /// use perennial_runtime::{Context, GenServer};
    ///
    /// /// Counts the seconds since it started.
    /// struct Clock(u32);
    ///
    /// #[derive(Clone)]
    /// struct Tick;
    ///
    /// impl GenServer for Clock {
    ///     type Info = Tick;
    ///     type Call = ();
    ///     type Reply = u32;
    ///     # type Args = (); type Cast = Infallible; type Continue = Infallible;
    ///     # type Error = Infallible;
    ///
    ///     async fn init(_: (), ctx: &mut Context<Self>) -> Result<Self, Infallible> {
    ///         ctx.send_interval(Duration::from_secs(1), Tick);
    ///         Ok(Clock(0))
    ///     }
    ///
    ///     async fn handle_info(&mut self, _: Tick, _: &mut Context<Self>) {
    ///         self.0 += 1;
    ///     }
    ///
    ///     async fn handle_call(&mut self, _: (), _: &mut Context<Self>) -> u32 {
    ///         self.0
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let clock = Clock::start(()).await?;
    /// tokio::time::sleep(Duration::from_millis(3_500)).await;
    /// assert_eq!(clock.call(()).await?, 3);
    /// # Ok(())
    /// # }
    /// ```
    pub fn send_interval(&mut self, period: Duration, info: S::Info) -> TimerRef
    where
        S::Info: Clone,
    {
        self.toolkit()
            .timers()
            .send_interval(period, info, Clone::clone)
    }

    /// Cancels a timer of this server. `true` if it was cancelled before it fired (for an
    /// interval: if it was still running). A message of a timer that already fired stays
    /// queued, as with OTP's `cancel_timer`.
    ///
    /// ```
    /// use std::convert::Infallible;
    /// use std::time::Duration;
    /// use perennial_runtime::{Context, GenServer, TimerRef};
    ///
    /// /// Beeps every second, three times, then cancels its interval.
    /// struct Beeper { beeps: u32, interval: Option<TimerRef> }
    ///
    /// #[derive(Clone)]
    /// struct Beep;
    ///
    /// impl GenServer for Beeper {
    ///     type Info = Beep;
    ///     type Call = ();
    ///     type Reply = u32;
    ///     # type Args = (); type Cast = Infallible; type Continue = Infallible;
    ///     # type Error = Infallible;
    ///
    ///     async fn init(_: (), ctx: &mut Context<Self>) -> Result<Self, Infallible> {
    ///         let interval = ctx.send_interval(Duration::from_secs(1), Beep);
    ///         Ok(Beeper { beeps: 0, interval: Some(interval) })
    ///     }
    ///
    ///     async fn handle_info(&mut self, _: Beep, ctx: &mut Context<Self>) {
    ///         self.beeps += 1;
    ///         if self.beeps == 3 {
    ///             if let Some(interval) = self.interval.take() {
    ///                 assert!(ctx.cancel_timer(interval)); // it was still running
    ///             }
    ///         }
    ///     }
    ///
    ///     async fn handle_call(&mut self, _: (), _: &mut Context<Self>) -> u32 {
    ///         self.beeps
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let beeper = Beeper::start(()).await?;
    /// tokio::time::sleep(Duration::from_secs(10)).await;
    /// assert_eq!(beeper.call(()).await?, 3);
    /// # Ok(())
    /// # }
    /// ```
    pub fn cancel_timer(&mut self, timer: TimerRef) -> bool {
        self.toolkit
            .as_mut()
            .and_then(|t| t.timers.as_mut())
            .is_some_and(|timers| timers.cancel(timer))
    }

    /// OTP's gen_server timeout: if no message arrives within `after` once the current handler
    /// (or `init`) returns, the server gets `info`. Any message (a timer's too) cancels it, and
    /// it covers only the next wait: a handler sets it again to keep it.
    ///
    /// ```
    /// use std::convert::Infallible;
    /// use std::time::Duration;
    /// use perennial_runtime::{Context, ExitReason, GenServer};
    /// use tokio::time::Instant;
    ///
    /// /// Stops once nobody has asked it anything for a minute.
    /// struct Session;
    ///
    /// struct Idle;
    ///
    /// impl GenServer for Session {
    ///     type Info = Idle;
    ///     type Call = ();
    ///     type Reply = ();
    ///     # type Args = (); type Cast = Infallible; type Continue = Infallible;
    ///     # type Error = Infallible;
    ///
    ///     async fn init(_: (), ctx: &mut Context<Self>) -> Result<Self, Infallible> {
    ///         ctx.idle_timeout(Duration::from_secs(60), Idle);
    ///         Ok(Session)
    ///     }
    ///
    ///     async fn handle_call(&mut self, _: (), ctx: &mut Context<Self>) {
    ///         ctx.idle_timeout(Duration::from_secs(60), Idle); // set again after each message
    ///     }
    ///
    ///     async fn handle_info(&mut self, _: Idle, ctx: &mut Context<Self>) {
    ///         ctx.stop(ExitReason::Normal);
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let started = Instant::now();
    /// let session = Session::start(()).await?;
    /// tokio::time::sleep(Duration::from_secs(30)).await;
    /// session.call(()).await?; // 30 s in: the minute starts again
    /// assert_eq!(session.wait_exit().await, ExitReason::Normal);
    /// assert_eq!(started.elapsed(), Duration::from_secs(90));
    /// # Ok(())
    /// # }
    /// ```
    pub fn idle_timeout(&mut self, after: Duration, info: S::Info) {
        self.toolkit().timers().idle_timeout(after, info);
    }

    fn toolkit(&mut self) -> &mut Toolkit<S> {
        self.toolkit.get_or_insert_with(|| Box::new(Toolkit::new()))
    }

    /// How many timers this server has set and not cancelled, with fired ones not yet handled
    /// and an idle timeout (test support).
    #[doc(hidden)]
    pub fn timers_pending(&self) -> usize {
        self.toolkit
            .as_ref()
            .and_then(|t| t.timers.as_ref())
            .map_or(0, |timers| timers.pending())
    }

    /// Monitors `target` (a server, a client, a name-bound reference, a supervisor): when it
    /// exits, this server gets a [`Down`] in [`handle_down`](GenServer::handle_down). A target
    /// that is not running (gone already, or a name nobody holds) gives its `Down` at once,
    /// with [`DownReason::NoProc`](crate::monitor::DownReason::NoProc). A name is resolved now:
    /// the monitor watches the server holding it at this moment, not the name.
    ///
    /// ```
    /// use std::convert::Infallible;
    /// use perennial_runtime::monitor::{Down, DownReason};
    /// use perennial_runtime::{Context, ExitReason, GenServer, ServerRef};
    /// # struct Idle;
    /// # impl GenServer for Idle {
    /// #     type Args = (); type Call = (); type Reply = (); type Cast = Infallible;
    /// #     type Info = Infallible; type Continue = Infallible; type Error = Infallible;
    /// #     async fn init(_: (), _: &mut Context<Self>) -> Result<Self, Infallible> { Ok(Idle) }
    /// #     async fn handle_call(&mut self, _: (), _: &mut Context<Self>) {}
    /// # }
    ///
    /// /// Watches one server and remembers how it ended.
    /// struct Watcher(Option<DownReason>);
    ///
    /// impl GenServer for Watcher {
    ///     type Args = ServerRef<Idle>;
    ///     type Call = ();
    ///     type Reply = Option<DownReason>;
    ///     # type Cast = Infallible; type Info = Infallible; type Continue = Infallible;
    ///     # type Error = Infallible;
    ///
    ///     async fn init(target: ServerRef<Idle>, ctx: &mut Context<Self>) -> Result<Self, Infallible> {
    ///         ctx.monitor(&target);
    ///         Ok(Watcher(None))
    ///     }
    ///
    ///     async fn handle_down(&mut self, down: Down, _: &mut Context<Self>) {
    ///         self.0 = Some(down.reason);
    ///     }
    ///
    ///     async fn handle_call(&mut self, _: (), _: &mut Context<Self>) -> Option<DownReason> {
    ///         self.0.clone()
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let idle = Idle::start(()).await?;
    /// let watcher = Watcher::start(idle.clone()).await?;
    /// idle.stop(ExitReason::Shutdown).await?;
    /// assert_eq!(watcher.call(()).await?, Some(DownReason::Exited(ExitReason::Shutdown)));
    /// # Ok(())
    /// # }
    /// ```
    pub fn monitor(&mut self, target: impl Monitorable) -> MonitorRef {
        self.monitor_target(target.monitor_target())
    }

    /// Monitors the process holding `name` in `registry` now (OTP's monitor of a registered
    /// name); `NoProc` at once if nobody holds it.
    ///
    /// ```
    /// use std::convert::Infallible;
    /// use perennial_runtime::monitor::{Down, DownReason};
    /// use perennial_runtime::{Context, ExitReason, GenServer, Registry};
    /// # struct Idle;
    /// # impl GenServer for Idle {
    /// #     type Args = (); type Call = (); type Reply = (); type Cast = Infallible;
    /// #     type Info = Infallible; type Continue = Infallible; type Error = Infallible;
    /// #     async fn init(_: (), _: &mut Context<Self>) -> Result<Self, Infallible> { Ok(Idle) }
    /// #     async fn handle_call(&mut self, _: (), _: &mut Context<Self>) {}
    /// # }
    ///
    /// /// Watches whoever holds the name `db` when it starts.
    /// struct Watcher(Option<DownReason>);
    ///
    /// impl GenServer for Watcher {
    ///     type Args = Registry;
    ///     # type Call = (); type Reply = Option<DownReason>; type Cast = Infallible;
    ///     # type Info = Infallible; type Continue = Infallible; type Error = Infallible;
    ///
    ///     async fn init(registry: Registry, ctx: &mut Context<Self>) -> Result<Self, Infallible> {
    ///         ctx.monitor_name(&registry, "db");
    ///         Ok(Watcher(None))
    ///     }
    ///
    ///     async fn handle_down(&mut self, down: Down, _: &mut Context<Self>) {
    ///         self.0 = Some(down.reason);
    ///     }
    ///     # async fn handle_call(&mut self, _: (), _: &mut Context<Self>) -> Option<DownReason> {
    ///     #     self.0.clone()
    ///     # }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let registry = Registry::new();
    /// let db = Idle::builder().register(&registry, "db").start(()).await?;
    /// let watcher = Watcher::start(registry.clone()).await?;
    /// db.kill();
    /// db.wait_exit().await;
    /// assert_eq!(watcher.call(()).await?, Some(DownReason::Exited(ExitReason::Killed)));
    ///
    /// // Nobody holds the name: the `Down` comes at once.
    /// let early = Watcher::start(Registry::new()).await?;
    /// assert_eq!(early.call(()).await?, Some(DownReason::NoProc));
    /// # Ok(())
    /// # }
    /// ```
    pub fn monitor_name(&mut self, registry: &Registry, name: &str) -> MonitorRef {
        self.monitor_target(MonitorTarget::name(registry, name))
    }

    /// Monitors a child of a supervisor, whatever its kind (a task too): the incarnation running
    /// now, asked of its supervisor. `NoProc` at once if it is not running (or its supervisor
    /// does not answer).
    ///
    /// ```
    /// use std::convert::Infallible;
    /// use perennial_runtime::monitor::{Down, DownReason};
    /// use perennial_runtime::supervisor::{ChildHandle, ChildSpec, SupervisorSpec};
    /// use perennial_runtime::{Context, ExitReason, GenServer};
    ///
    /// /// Watches a child of a supervisor (here a task, which has no reference of its own).
    /// struct Watcher(Option<DownReason>);
    ///
    /// impl GenServer for Watcher {
    ///     type Args = ChildHandle;
    ///     # type Call = (); type Reply = Option<DownReason>; type Cast = Infallible;
    ///     # type Info = Infallible; type Continue = Infallible; type Error = Infallible;
    ///
    ///     async fn init(child: ChildHandle, ctx: &mut Context<Self>) -> Result<Self, Infallible> {
    ///         ctx.monitor_child(&child).await;
    ///         Ok(Watcher(None))
    ///     }
    ///
    ///     async fn handle_down(&mut self, down: Down, _: &mut Context<Self>) {
    ///         self.0 = Some(down.reason);
    ///     }
    ///     # async fn handle_call(&mut self, _: (), _: &mut Context<Self>) -> Option<DownReason> {
    ///     #     self.0.clone()
    ///     # }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sup = SupervisorSpec::new("app")
    ///     .child(ChildSpec::task("job", || std::future::pending::<()>()))
    ///     .start()
    ///     .await?;
    /// let watcher = Watcher::start(ChildHandle::new(sup.clone(), "job")).await?;
    /// sup.terminate_child("job").await?;
    /// assert_eq!(watcher.call(()).await?, Some(DownReason::Exited(ExitReason::Shutdown)));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn monitor_child(&mut self, child: &ChildHandle) -> MonitorRef {
        let process = child.process().await;
        self.monitor_target(MonitorTarget::process(process, child.name()))
    }

    fn monitor_target(&mut self, target: MonitorTarget) -> MonitorRef {
        let tx = self.myself.tx.clone();
        self.toolkit().monitors.add(target, move |down| {
            tx.force_send(Envelope::Down(Box::new(down)))
        })
    }

    /// Removes a monitor: `true` if it was set and its `Down` not handled yet. A `Down` already
    /// on its way is dropped (OTP's `demonitor(Ref, [flush])`).
    ///
    /// ```
    /// use std::convert::Infallible;
    /// use perennial_runtime::monitor::{Down, MonitorRef};
    /// use perennial_runtime::{Context, ExitReason, GenServer, ServerRef};
    /// # struct Idle;
    /// # impl GenServer for Idle {
    /// #     type Args = (); type Call = (); type Reply = (); type Cast = Infallible;
    /// #     type Info = Infallible; type Continue = Infallible; type Error = Infallible;
    /// #     async fn init(_: (), _: &mut Context<Self>) -> Result<Self, Infallible> { Ok(Idle) }
    /// #     async fn handle_call(&mut self, _: (), _: &mut Context<Self>) {}
    /// # }
    ///
    /// /// Watches a server until told to stop watching.
    /// struct Watcher { monitor: MonitorRef, downs: u32 }
    ///
    /// impl GenServer for Watcher {
    ///     type Args = ServerRef<Idle>;
    ///     type Cast = ();
    ///     # type Call = (); type Reply = u32;
    ///     # type Info = Infallible; type Continue = Infallible; type Error = Infallible;
    ///
    ///     async fn init(idle: ServerRef<Idle>, ctx: &mut Context<Self>) -> Result<Self, Infallible> {
    ///         Ok(Watcher { monitor: ctx.monitor(&idle), downs: 0 })
    ///     }
    ///
    ///     async fn handle_cast(&mut self, _forget: (), ctx: &mut Context<Self>) {
    ///         assert!(ctx.demonitor(self.monitor)); // it was set
    ///     }
    ///
    ///     async fn handle_down(&mut self, _: Down, _: &mut Context<Self>) {
    ///         self.downs += 1;
    ///     }
    ///     # async fn handle_call(&mut self, _: (), _: &mut Context<Self>) -> u32 { self.downs }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let idle = Idle::start(()).await?;
    /// let watcher = Watcher::start(idle.clone()).await?;
    /// watcher.cast(())?;
    /// idle.stop(ExitReason::Shutdown).await?;
    /// assert_eq!(watcher.call(()).await?, 0); // no `Down` came
    /// # Ok(())
    /// # }
    /// ```
    pub fn demonitor(&mut self, monitor: MonitorRef) -> bool {
        self.toolkit
            .as_mut()
            .is_some_and(|t| t.monitors.remove(monitor))
    }

    /// How many monitors this server has set whose `Down` it has not handled (test support).
    #[doc(hidden)]
    pub fn monitors_pending(&self) -> usize {
        self.toolkit.as_ref().map_or(0, |t| t.monitors.len())
    }

    /// Attaches `stream` to this server: each item reaches `handle_info` as `wrap(item)`, and
    /// the end of the stream as `end`, once, after the last item. The server reads the stream
    /// itself, between messages (see [`streams`](crate::streams#order)); it is dropped with the server
    /// or by [`detach`](Self::detach), and no task outlives it.
    ///
    /// ```
    /// use std::convert::Infallible;
    /// use perennial_runtime::{Context, GenServer};
    /// use perennial_runtime::streams::receiver;
    /// use tokio::sync::mpsc;
    ///
    /// enum Info { Job(u32), NoMoreJobs }
    ///
    /// /// Sums the jobs of a channel it owns.
    /// struct Summer { sum: u32, done: bool }
    ///
    /// impl GenServer for Summer {
    ///     type Args = mpsc::Receiver<u32>;
    ///     type Info = Info;
    ///     type Call = ();
    ///     type Reply = (u32, bool);
    ///     # type Cast = Infallible; type Continue = Infallible; type Error = Infallible;
    ///
    ///     async fn init(jobs: mpsc::Receiver<u32>, ctx: &mut Context<Self>) -> Result<Self, Infallible> {
    ///         ctx.attach(receiver(jobs), Info::Job, Info::NoMoreJobs);
    ///         Ok(Summer { sum: 0, done: false })
    ///     }
    ///
    ///     async fn handle_info(&mut self, info: Info, _: &mut Context<Self>) {
    ///         match info {
    ///             Info::Job(n) => self.sum += n,
    ///             Info::NoMoreJobs => self.done = true,
    ///         }
    ///     }
    ///
    ///     async fn handle_call(&mut self, _: (), _: &mut Context<Self>) -> (u32, bool) {
    ///         (self.sum, self.done)
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let (tx, rx) = mpsc::channel(8);
    /// let summer = Summer::start(rx).await?;
    /// for n in 1..=4 {
    ///     tx.send(n).await?;
    /// }
    /// drop(tx);
    /// while summer.call(()).await? != (10, true) {
    ///     tokio::task::yield_now().await;
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn attach<St, F>(&mut self, stream: St, wrap: F, end: S::Info) -> StreamRef
    where
        St: Stream + Send + 'static,
        F: FnMut(St::Item) -> S::Info + Send + 'static,
    {
        self.toolkit().streams.attach(stream, wrap, end)
    }

    /// Drops an attached stream: no more of its items, and no end. `true` if it was still
    /// attached (it had not ended).
    ///
    /// ```
    /// use std::convert::Infallible;
    /// use perennial_runtime::streams::unbounded_receiver;
    /// use perennial_runtime::{Context, GenServer, StreamRef};
    /// use tokio::sync::mpsc;
    ///
    /// /// Reads a channel until told to stop.
    /// struct Reader { stream: StreamRef, read: Vec<u32> }
    ///
    /// impl GenServer for Reader {
    ///     type Args = mpsc::UnboundedReceiver<u32>;
    ///     type Info = Option<u32>;
    ///     type Cast = ();
    ///     # type Call = (); type Reply = Vec<u32>; type Continue = Infallible;
    ///     # type Error = Infallible;
    ///
    ///     async fn init(
    ///         rx: mpsc::UnboundedReceiver<u32>,
    ///         ctx: &mut Context<Self>,
    ///     ) -> Result<Self, Infallible> {
    ///         let stream = ctx.attach(unbounded_receiver(rx), Some, None);
    ///         Ok(Reader { stream, read: Vec::new() })
    ///     }
    ///
    ///     async fn handle_info(&mut self, item: Option<u32>, _: &mut Context<Self>) {
    ///         self.read.extend(item);
    ///     }
    ///
    ///     async fn handle_cast(&mut self, _stop: (), ctx: &mut Context<Self>) {
    ///         assert!(ctx.detach(self.stream)); // still attached
    ///     }
    ///     # async fn handle_call(&mut self, _: (), _: &mut Context<Self>) -> Vec<u32> {
    ///     #     self.read.clone()
    ///     # }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let (tx, rx) = mpsc::unbounded_channel();
    /// let reader = Reader::start(rx).await?;
    /// tx.send(1)?;
    /// while reader.call(()).await?.is_empty() {
    ///     tokio::task::yield_now().await;
    /// }
    /// reader.cast(())?;
    /// reader.call(()).await?; // the detach has been handled
    /// assert!(tx.send(2).is_err()); // the stream was dropped
    /// assert_eq!(reader.call(()).await?, [1]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn detach(&mut self, stream: StreamRef) -> bool {
        self.toolkit
            .as_mut()
            .is_some_and(|t| t.streams.detach(stream))
    }

    /// How many streams are attached (test support).
    #[doc(hidden)]
    pub fn streams_attached(&self) -> usize {
        self.toolkit.as_ref().map_or(0, |t| t.streams.len())
    }

    /// How many replies this server took to give later and has not given yet (test support).
    #[doc(hidden)]
    pub fn replies_pending(&self) -> usize {
        self.toolkit
            .as_ref()
            .and_then(|t| t.deferred.as_ref())
            .map_or(0, |pending| pending.outstanding())
    }
}

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

/// Owned by the server task. Whatever way the task ends — returning, or being dropped by an
/// abort — the guard unregisters the name, records the exit, and answers every waiting caller
/// (the call in flight and every reply given later included: the context is the guard's).
struct Guard<S: GenServer> {
    rx: Rx<S>,
    process: Arc<Process>,
    registry: Option<Registry>,
    ctx: Context<S>,
}

impl<S: GenServer> Guard<S> {
    fn finish(&mut self, reason: ExitReason) {
        // Once is enough: the exit is recorded last, and only here.
        if !self.process.is_alive() {
            return;
        }
        // Unregister first, so that a lookup never returns this server once it is dead, and a
        // restart can take the name as soon as the exit is visible.
        if let Some(registry) = &self.registry {
            registry.unregister(&self.process);
        }
        if let Some(reply) = self.ctx.in_flight.take() {
            reply.send(Err(reason.clone()));
        }
        if let Some(toolkit) = &mut self.ctx.toolkit {
            if let Some(pending) = &toolkit.deferred {
                pending.close(&reason);
            }
            // Its monitors go with it: no target keeps news for a server that is gone.
            toolkit.monitors.clear();
        }
        self.rx.close_and_reject(&reason);
        log_exit(&self.process, &reason);
        self.process.set_exit(reason);
    }
}

/// A registered server's exit exactly as its task's guard runs it (unregister, answer what is
/// queued, record the exit), without the task, which loom cannot run: for the registry's loom
/// models.
#[cfg(all(test, loom))]
pub(crate) fn exit_registered<S: GenServer>(
    rx: Rx<S>,
    process: Arc<Process>,
    registry: &Registry,
    reason: ExitReason,
) {
    let myself = ServerRef::new(rx.sender(), process.clone());
    Guard {
        rx,
        process,
        registry: Some(registry.clone()),
        ctx: Context::new(myself),
    }
    .finish(reason);
}

impl<S: GenServer> Drop for Guard<S> {
    fn drop(&mut self) {
        // Only reached without `finish` when the task was aborted (or the runtime dropped it).
        let reason = self.process.abort_reason();
        self.finish(reason);
    }
}

fn log_exit(process: &Process, reason: &ExitReason) {
    let name = process.name().map(|n| &**n).unwrap_or("");
    let id = process.id();
    // A supervisor that gave up has logged why, as ERROR, where it happened.
    if reason.is_abnormal() && !matches!(reason, ExitReason::Escalated(_)) {
        tracing::error!(server = name, %id, %reason, "server exited");
    } else {
        tracing::debug!(server = name, %id, %reason, "server exited");
    }
}

/// Where the task reports how `init` went: a reply slot, as for a call's reply (a supervisor
/// starting children one after another reuses one).
type Started<S> = SlotTx<Result<(), StartError<S>>>;

/// The server's task. A plain function returning an `async move` block rather than an
/// `async fn`: the block keeps each argument once, where an `async fn` would keep both the
/// argument and its moved-into local (this future is the bulk of an idle server's task).
#[allow(
    clippy::manual_async_fn,
    reason = "an async fn would store its arguments twice"
)]
fn run<S: GenServer>(
    mut guard: Guard<S>,
    args: S::Args,
    started: Started<S>,
) -> impl Future<Output = ()> + Send {
    async move {
        guard.process.set_task(tokio::task::id());
        let init = catch_unwind_pinned(pin!(S::init(args, &mut guard.ctx))).await;
        let mut state = match init {
            Ok(Ok(state)) => match guard.ctx.stop.take() {
                None => state,
                Some(reason) => {
                    // OTP's `{stop, Reason}` from init: no terminate, the start fails.
                    let (error, reason) = match drop_caught(state) {
                        Ok(()) => (StartError::InitStopped(reason.clone()), reason),
                        Err(panic) => (
                            StartError::InitPanicked(panic.clone()),
                            ExitReason::Panic(panic),
                        ),
                    };
                    return fail_start(guard, started, error, reason);
                }
            },
            Ok(Err(error)) if S::is_ignore(&error) => {
                // OTP's `ignore`: no server, and a start that succeeds.
                guard.process.set_ignored();
                guard.finish(ExitReason::Normal);
                started.send(Ok(Ok(())));
                return;
            }
            Ok(Err(error)) => {
                let reason = ExitReason::error(format!("init failed: {error}"));
                return fail_start(guard, started, StartError::Init(error), reason);
            }
            Err(panic) => {
                let error = StartError::InitPanicked(panic.clone());
                return fail_start(guard, started, error, ExitReason::Panic(panic));
            }
        };
        started.send(Ok(Ok(())));

        let reason = serve(&mut state, &mut guard).await;
        let terminated = catch_unwind_pinned(pin!(state.terminate(&reason))).await;
        let reason = match terminated {
            Ok(()) => reason,
            Err(panic) => ExitReason::Panic(panic),
        };
        // Answer the replies owed before the state goes: tokens kept in it are answered with
        // the exit reason, not dropped unanswered.
        if let Some(pending) = guard.ctx.toolkit.as_ref().and_then(|t| t.deferred.as_ref()) {
            pending.close(&reason);
        }
        // Drop the state before the exit is visible, so that what it holds (a port, a file
        // lock) is free when a restart begins. A panic in its drop is what ended the server
        // (unless `terminate` panicked first).
        let reason = match (drop_caught(state), reason) {
            (Err(panic), reason) if !matches!(reason, ExitReason::Panic(_)) => {
                ExitReason::Panic(panic)
            }
            (_, reason) => reason,
        };
        guard.finish(reason);
    }
}

fn fail_start<S: GenServer>(
    mut guard: Guard<S>,
    started: Started<S>,
    error: StartError<S>,
    reason: ExitReason,
) {
    guard.finish(reason);
    started.send(Ok(Err(error)));
}

/// The message loop. Returns the reason the server stops with.
#[allow(
    clippy::manual_async_fn,
    reason = "an async fn would store its arguments twice"
)]
fn serve<'a, S: GenServer>(
    state: &'a mut S,
    guard: &'a mut Guard<S>,
) -> impl Future<Output = ExitReason> + Send + 'a {
    // An `async move` block rather than an `async fn`, for the reason given at `run`.
    async move {
        let ctx = &mut guard.ctx;
        loop {
            while let Some(cont) = ctx.cont.take() {
                let done = catch_unwind_pinned(pin!(state.handle_continue(cont, ctx))).await;
                if let Err(panic) = done {
                    return ExitReason::Panic(panic);
                }
                if let Some(reason) = ctx.stop.take() {
                    return reason;
                }
            }
            if let Some(reason) = guard.process.stop_request() {
                return reason;
            }
            // `ctx` holds a sender, so the mailbox never reports "all senders gone".
            let next = match ctx.toolkit.as_deref_mut() {
                None => guard.rx.recv().await,
                Some(toolkit) => toolkit.next(&mut guard.rx).await,
            };
            let Some(envelope) = next else {
                return ExitReason::Normal;
            };
            if let Some(reason) = guard.process.stop_request() {
                envelope.reject(&reason);
                return reason;
            }
            let outcome = match envelope {
                Envelope::Call(call, reply) => {
                    ctx.in_flight = Some(reply);
                    let replied = catch_unwind_pinned(pin!(state.handle_call(call, ctx))).await;
                    replied.map(|value| {
                        // Taken by `reply_later`: the token answers, and `value` is dropped.
                        if let Some(reply) = ctx.in_flight.take() {
                            reply.send(Ok(value));
                        }
                    })
                }
                Envelope::Cast(cast) => {
                    catch_unwind_pinned(pin!(state.handle_cast(cast, ctx))).await
                }
                Envelope::Info(info) => {
                    catch_unwind_pinned(pin!(state.handle_info(info, ctx))).await
                }
                Envelope::Ping(reply) => {
                    reply.send(Ok(()));
                    Ok(())
                }
                Envelope::Wake => Ok(()),
                Envelope::Down(down) => {
                    // Demonitored since it was sent: dropped, as with OTP's `flush`.
                    if ctx
                        .toolkit
                        .as_mut()
                        .is_some_and(|t| t.monitors.arrived(down.monitor))
                    {
                        catch_unwind_pinned(pin!(state.handle_down(*down, ctx))).await
                    } else {
                        Ok(())
                    }
                }
            };
            if let Err(panic) = outcome {
                return ExitReason::Panic(panic);
            }
            if let Some(reason) = ctx.stop.take() {
                return reason;
            }
        }
    }
}
