//! [`Context`]: what a handler can do besides returning, and what a server keeps of the tools
//! it uses (replies given later, timers, monitors, streams).

use std::time::Duration;

use futures_core::Stream;

use crate::deferred::Deferred;
use crate::mailbox::{Envelope, Rx};
use crate::monitor::{MonitorRef, MonitorTarget, Monitorable, Monitors};
use crate::registry::Registry;
use crate::reply::SlotTx;
use crate::streams::{self, StreamRef, Streams};
use crate::supervisor::ChildHandle;
use crate::timers::{TimerRef, Timers};
use crate::{ExitReason, GenServer, ReplyTo, ServerRef};

/// What a handler can do besides returning: stop the server, schedule a continue, reach itself.
pub struct Context<S: GenServer> {
    myself: ServerRef<S>,
    pub(super) stop: Option<ExitReason>,
    pub(super) cont: Option<S::Continue>,
    /// The reply slot of the call being handled, answered with the handler's return value
    /// unless the handler took it ([`reply_later`](Self::reply_later)).
    pub(super) in_flight: Option<SlotTx<S::Reply>>,
    /// Replies given later, timers, monitors and streams: made by the first use of any, so
    /// that a server using none carries one empty pointer and its message loop one test.
    pub(super) toolkit: Option<Box<Toolkit<S>>>,
}

/// What a server that uses them keeps of replies given later, timers, monitors and streams.
pub(super) struct Toolkit<S: GenServer> {
    /// The replies given later and not yet given: made by the first deferred call.
    pub(super) deferred: Option<Deferred<S::Reply>>,
    /// The server's timers (also what waits on its streams): made by the first timer or stream.
    timers: Option<Timers<S::Info>>,
    /// The processes this server monitors.
    pub(super) monitors: Monitors,
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
    pub(super) async fn next(&mut self, rx: &mut Rx<S>) -> Option<Envelope<S>> {
        match &mut self.timers {
            Some(timers) => timers.next(rx, Some(&mut self.streams)).await,
            None if self.streams.len() > 0 => streams::next(rx, &mut self.streams).await,
            // Only replies given later or monitors: the mailbox alone, as for any server.
            None => rx.recv().await,
        }
    }
}

impl<S: GenServer> Context<S> {
    pub(super) fn new(myself: ServerRef<S>) -> Self {
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
    /// exits, this server gets a [`Down`](crate::Down) in
    /// [`handle_down`](GenServer::handle_down). A target
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
