//! Child specs: what a supervisor starts, and how it restarts and stops it.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::mailbox::Envelope;
use crate::process::{Link, Process, catch_unwind};
use crate::registry::Registry;
use crate::reply::SlotRx;
use crate::supervisor::events::EventHub;
use crate::supervisor::{AutoShutdown, SupervisorHandle, SupervisorSpec};
use crate::task::{self, IntoExitReason, TaskControl};
use crate::{ExitReason, GenServer, ServerRef, StartError};

/// When a child is restarted after it exits (OTP's restart types).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Restart {
    /// Always restarted, whatever the exit reason (even `Shutdown`). The default.
    #[default]
    Permanent,
    /// Restarted only after an abnormal exit (`Error`, `Panic`, `Killed`); after `Normal`,
    /// `Shutdown`, or `Escalated` (a sub-supervisor that gave up, which OTP treats as
    /// `shutdown`) its spec is kept, not running.
    Transient,
    /// Never restarted; removed from the supervisor when it exits.
    Temporary,
}

/// How a supervisor stops a child.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shutdown {
    /// Abort at once; `terminate` does not run.
    BrutalKill,
    /// Ask the child to stop, wait up to this long, then abort it.
    Timeout(Duration),
    /// Ask and wait as long as it takes (the default for supervisors).
    Infinity,
}

impl Shutdown {
    /// OTP's default for workers: ask, then kill after 5 seconds.
    pub const WORKER_DEFAULT: Shutdown = Shutdown::Timeout(Duration::from_secs(5));
}

/// A grace period is a [`Shutdown::Timeout`]: so a `Duration` read from configuration can be
/// given where a `Shutdown` is expected, as `grace.into()`.
///
/// ```
/// use std::time::Duration;
/// use perennial_runtime::supervisor::Shutdown;
///
/// let grace = Duration::from_secs(2);
/// assert_eq!(Shutdown::from(grace), Shutdown::Timeout(grace));
/// ```
impl From<Duration> for Shutdown {
    fn from(grace: Duration) -> Self {
        Shutdown::Timeout(grace)
    }
}

/// A supervisor's periodic ping of a gen_server child.
///
/// `failures` pings in a row with no pong within `timeout` make the supervisor kill the child
/// and restart it (counted in its restart intensity). One pong resets the count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HealthCheck {
    /// Time between pings (default 30 s).
    pub interval: Duration,
    /// How long a pong may take (default 5 s).
    pub timeout: Duration,
    /// Consecutive missed pongs that make the child unhealthy (default 3).
    pub failures: u32,
}

impl Default for HealthCheck {
    fn default() -> Self {
        HealthCheck {
            interval: Duration::from_secs(30),
            timeout: Duration::from_secs(5),
            failures: 3,
        }
    }
}

/// A growing delay before restarting a child that keeps crashing (beyond OTP, which restarts at
/// once). The n-th consecutive restart waits `initial * factor^(n-1)`, capped at `max`. The
/// count starts again once the child has stayed up for the supervisor's restart window.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Backoff {
    /// The delay before the first restart.
    pub initial: Duration,
    /// How much each further restart multiplies the delay by (at least 1).
    pub factor: f64,
    /// The longest delay.
    pub max: Duration,
}

impl Backoff {
    /// The delay before the `attempt`-th consecutive restart (1-based).
    ///
    /// ```
    /// use std::time::Duration;
    /// use perennial_runtime::supervisor::Backoff;
    ///
    /// let secs = Duration::from_secs;
    /// let backoff = Backoff { initial: secs(1), factor: 2.0, max: secs(10) };
    /// assert_eq!(backoff.delay(1), secs(1));
    /// assert_eq!(backoff.delay(2), secs(2));
    /// assert_eq!(backoff.delay(3), secs(4));
    /// assert_eq!(backoff.delay(5), secs(10)); // 16 s, capped
    /// ```
    pub fn delay(&self, attempt: u32) -> Duration {
        let factor = if self.factor.is_finite() {
            self.factor.max(1.0)
        } else {
            1.0
        };
        let exp = i32::try_from(attempt.saturating_sub(1)).unwrap_or(i32::MAX);
        let secs = self.initial.as_secs_f64() * factor.powi(exp);
        if !secs.is_finite() || secs >= self.max.as_secs_f64() {
            self.max
        } else {
            Duration::from_secs_f64(secs)
        }
    }
}

/// Checks the options a supervisor applies to a child, before it starts: on error, the option
/// that is wrong (named as in `supervision_tree!`: `shutdown`, `health.timeout`, `backoff.max`,
/// ..) and what is wrong with it. Zero durations, a health timeout longer than its interval, no
/// failure allowed, a backoff that shrinks (`max < initial`, `factor < 1`) or that a temporary
/// child can never use are refused.
pub(crate) fn check_options(
    restart: Restart,
    shutdown: Shutdown,
    health: Option<&HealthCheck>,
    backoff: Option<&Backoff>,
) -> Result<(), (&'static str, String)> {
    if shutdown == Shutdown::Timeout(Duration::ZERO) {
        return Err((
            "shutdown",
            "a timeout of zero would abort the child before it could stop; give it a grace \
             period longer than zero, or stop it at once with `brutal_kill` \
             (`Shutdown::BrutalKill`)"
                .into(),
        ));
    }
    if let Some(check) = health {
        if check.interval.is_zero() {
            return Err((
                "health.interval",
                "the time between two pings must be longer than zero".into(),
            ));
        }
        if check.timeout.is_zero() {
            return Err((
                "health.timeout",
                "how long a ping may take must be longer than zero".into(),
            ));
        }
        if check.timeout > check.interval {
            return Err((
                "health.timeout",
                format!(
                    "{:?} is longer than the interval between pings ({:?}): a ping would still \
                     be pending when the next is sent; make the timeout at most the interval",
                    check.timeout, check.interval
                ),
            ));
        }
        if check.failures == 0 {
            return Err((
                "health.failures",
                "must be at least 1: it is how many failed pings in a row restart the child".into(),
            ));
        }
    }
    if let Some(backoff) = backoff {
        if restart == Restart::Temporary {
            return Err((
                "backoff",
                "a temporary child is never restarted, so there is no restart to delay; remove \
                 the backoff, or make the child transient or permanent"
                    .into(),
            ));
        }
        if backoff.initial.is_zero() {
            return Err((
                "backoff.initial",
                "the first delay before a restart must be longer than zero (to restart at \
                 once, leave the backoff out)"
                    .into(),
            ));
        }
        if backoff.max < backoff.initial {
            return Err((
                "backoff.max",
                format!(
                    "{:?} is shorter than the first delay ({:?}): the delay grows from `initial` \
                     up to `max`",
                    backoff.max, backoff.initial
                ),
            ));
        }
        if !(backoff.factor.is_finite() && backoff.factor >= 1.0) {
            return Err((
                "backoff.factor",
                format!(
                    "must be a number of at least 1, found {}: it multiplies the delay after \
                     each attempt (1 keeps it constant)",
                    backoff.factor
                ),
            ));
        }
    }
    Ok(())
}

/// Whether a child is a worker or a supervisor (OTP's child type).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChildKind {
    /// A gen_server.
    Server,
    /// A task function.
    Task,
    /// A nested supervisor.
    Supervisor,
    /// A nested dynamic supervisor.
    DynamicSupervisor,
}

impl ChildKind {
    /// `true` for supervisors (static or dynamic), OTP's `supervisor` type.
    ///
    /// ```
    /// use perennial_runtime::supervisor::ChildKind;
    ///
    /// assert!(ChildKind::Supervisor.is_supervisor());
    /// assert!(ChildKind::DynamicSupervisor.is_supervisor());
    /// assert!(!ChildKind::Server.is_supervisor());
    /// assert!(!ChildKind::Task.is_supervisor());
    /// ```
    pub fn is_supervisor(self) -> bool {
        matches!(self, ChildKind::Supervisor | ChildKind::DynamicSupervisor)
    }
}

impl fmt::Display for ChildKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ChildKind::Server => "gen_server",
            ChildKind::Task => "task",
            ChildKind::Supervisor => "supervisor",
            ChildKind::DynamicSupervisor => "dynamic_supervisor",
        })
    }
}

/// What a supervisor needs to (re)start one child.
///
/// ```
/// use std::time::Duration;
/// use perennial_runtime::supervisor::{ChildSpec, Restart, Shutdown};
///
/// let spec = ChildSpec::task("ticker", || async {
///     // ... a loop that does periodic work ...
/// })
/// .restart(Restart::Transient)
/// .shutdown(Shutdown::Timeout(Duration::from_secs(1)));
/// assert_eq!(spec.name(), "ticker");
/// ```
#[derive(Clone)]
pub struct ChildSpec {
    pub(crate) name: Arc<str>,
    pub(crate) kind: ChildKind,
    pub(crate) restart: Restart,
    pub(crate) shutdown: Shutdown,
    /// Boxed, as is `backoff`: a spec lives in its supervisor's table for as long as the
    /// child, and most children of a large supervisor have neither.
    pub(crate) health: Option<Arc<HealthCheck>>,
    pub(crate) backoff: Option<Box<Backoff>>,
    /// Registered in the tree's registry under its name (every static child; not dynamic ones).
    pub(crate) register: bool,
    /// Its ending by itself counts towards its supervisor's [`AutoShutdown`].
    pub(crate) significant: bool,
    /// Process groups a gen_server child joins at each (re)start.
    pub(crate) groups: Option<Arc<[Arc<str>]>>,
    /// Started by a dynamic supervisor's typed handle: the supervisor gives it the options of
    /// its template.
    pub(crate) templated: bool,
    pub(crate) starter: Arc<dyn Starter>,
}

impl ChildSpec {
    /// A gen_server child. `args` is cloned for every (re)start.
    /// Health checks are on by default, with [`HealthCheck::default`].
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
    /// use perennial_runtime::supervisor::{ChildSpec, Event, SupervisorSpec};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let app = SupervisorSpec::new("app")
    ///     .child(ChildSpec::server::<Counter>("counter", 7))
    ///     .start()
    ///     .await?;
    /// let counter = app.registry().named::<Counter>("counter"); // registered under its name
    /// counter.cast(1)?;
    /// assert_eq!(counter.call(()).await?, 8);
    ///
    /// let mut events = app.subscribe();
    /// counter.resolve().ok_or("not running")?.kill();
    /// events.wait_for(|e| matches!(e, Event::Restarted { .. })).await;
    /// assert_eq!(counter.call(()).await?, 7); // restarted with a clone of the same args
    /// # Ok(())
    /// # }
    /// ```
    pub fn server<S>(name: impl Into<Arc<str>>, args: S::Args) -> Self
    where
        S: GenServer,
        S::Args: Clone + Sync,
    {
        Self::server_with::<S>(name, move || args.clone())
    }

    /// A gen_server child whose args are made afresh by `args` for every (re)start.
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
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicU32, Ordering};
    /// use perennial_runtime::supervisor::{ChildSpec, Event, SupervisorSpec};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let starts = Arc::new(AtomicU32::new(0));
    /// let counter = ChildSpec::server_with::<Counter>("counter", move || {
    ///     starts.fetch_add(1, Ordering::SeqCst) + 1 // this start's number
    /// });
    /// let app = SupervisorSpec::new("app").child(counter).start().await?;
    /// let counter = app.registry().named::<Counter>("counter");
    /// assert_eq!(counter.call(()).await?, 1);
    ///
    /// let mut events = app.subscribe();
    /// counter.resolve().ok_or("not running")?.kill();
    /// events.wait_for(|e| matches!(e, Event::Restarted { .. })).await;
    /// assert_eq!(counter.call(()).await?, 2);
    /// # Ok(())
    /// # }
    /// ```
    pub fn server_with<S: GenServer>(
        name: impl Into<Arc<str>>,
        args: impl Fn() -> S::Args + Send + Sync + 'static,
    ) -> Self {
        Self::new(
            name,
            ChildKind::Server,
            Shutdown::WORKER_DEFAULT,
            Some(HealthCheck::default()),
            // Boxed: one start future per server type, not one per `args` closure (a tree
            // gives each child its own closure, and a copy of the start code each made that
            // tree's start slower than the same tree written by hand).
            ServerStarter::<S, ArgsFn<S>> {
                args: Box::new(args),
                server: PhantomData,
            },
        )
    }

    /// A dynamic supervisor's gen_server child: unregistered, its options the supervisor's
    /// template, which the supervisor applies when it starts it.
    pub(crate) fn dynamic_server<S>(name: Arc<str>, args: S::Args) -> Self
    where
        S: GenServer,
        S::Args: Clone + Sync,
    {
        ChildSpec {
            name,
            kind: ChildKind::Server,
            restart: Restart::Permanent,
            shutdown: Shutdown::WORKER_DEFAULT,
            health: None,
            backoff: None,
            register: false,
            significant: false,
            groups: None,
            templated: true,
            starter: Arc::new(ServerStarter::<S, _> {
                args: move || args.clone(),
                server: PhantomData,
            }),
        }
    }

    /// A task child: `f` makes the future to run, afresh for every (re)start. Its output
    /// becomes the exit reason ([`IntoExitReason`]).
    ///
    /// Such a task cannot be asked to stop: its supervisor aborts it at its next await point,
    /// whatever its [`shutdown`](Self::shutdown) option. A task with cleanup to do on shutdown
    /// takes a token: [`task_with_shutdown`](Self::task_with_shutdown).
    ///
    /// ```
    /// use perennial_runtime::ExitReason;
    /// use perennial_runtime::supervisor::{ChildSpec, Event, Restart, SupervisorSpec};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let app = SupervisorSpec::new("app").start().await?;
    /// let mut events = app.subscribe();
    /// let import = ChildSpec::task("import", || async {
    ///     Err::<(), _>(std::io::Error::other("no such file")) // its output is its exit reason
    /// });
    /// app.start_child(import.restart(Restart::Temporary)).await?;
    /// let exited = events.wait_for(|e| matches!(e, Event::Exited { .. })).await;
    /// let Some(Event::Exited { reason, .. }) = exited else {
    ///     panic!("the task exited");
    /// };
    /// assert_eq!(reason, ExitReason::error("no such file"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn task<F, Fut>(name: impl Into<Arc<str>>, f: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future + Send + 'static,
        Fut::Output: IntoExitReason,
    {
        Self::new(
            name,
            ChildKind::Task,
            Shutdown::WORKER_DEFAULT,
            None,
            TaskStarter {
                f: move |_: CancellationToken| f(),
                takes_token: false,
            },
        )
    }

    /// A task child that is told when to stop: `f` gets a [`CancellationToken`] (a fresh one
    /// for every start), cancelled when the supervisor stops the task. The task then has its
    /// [`shutdown`](Self::shutdown) timeout (5 s by default) to finish its cleanup and return
    /// before it is aborted; `brutal_kill` aborts it at once and `infinity` waits as long as it
    /// takes. Returning within the grace is an exit with `Shutdown`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use perennial_runtime::supervisor::{ChildSpec, Shutdown, SupervisorSpec};
    /// use perennial_runtime::CancellationToken;
    ///
    /// async fn flusher(shutdown: CancellationToken) {
    ///     let mut buffered = 0;
    ///     loop {
    ///         tokio::select! {
    ///             _ = shutdown.cancelled() => break,
    ///             _ = tokio::time::sleep(Duration::from_millis(10)) => buffered += 1,
    ///         }
    ///     }
    ///     // the cleanup: runs on shutdown, within the grace period
    ///     println!("flushed {buffered} records");
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let app = SupervisorSpec::new("app")
    ///     .child(
    ///         ChildSpec::task_with_shutdown("flusher", flusher)
    ///             .shutdown(Shutdown::Timeout(Duration::from_secs(2))),
    ///     )
    ///     .start()
    ///     .await?;
    /// app.shutdown().await; // cancels the token, waits up to 2 s for `flusher` to return
    /// # Ok(())
    /// # }
    /// ```
    pub fn task_with_shutdown<F, Fut>(name: impl Into<Arc<str>>, f: F) -> Self
    where
        F: Fn(CancellationToken) -> Fut + Send + Sync + 'static,
        Fut: Future + Send + 'static,
        Fut::Output: IntoExitReason,
    {
        Self::new(
            name,
            ChildKind::Task,
            Shutdown::WORKER_DEFAULT,
            None,
            TaskStarter {
                f,
                takes_token: true,
            },
        )
    }

    /// A nested supervisor. Its name is the spec's name; it shares the parent's registry.
    ///
    /// ```
    /// use perennial_runtime::supervisor::{ChildKind, ChildSpec, SupervisorSpec};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let pool = ChildSpec::task("pool", std::future::pending::<()>);
    /// let db = SupervisorSpec::new("db").child(pool);
    /// let app = SupervisorSpec::new("app").child(ChildSpec::supervisor(db)).start().await?;
    /// assert_eq!(app.child_status("db").await?.kind, ChildKind::Supervisor);
    /// assert_eq!(app.nested("db").count_children().await?.active, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn supervisor(spec: SupervisorSpec) -> Self {
        let kind = if spec.is_dynamic() {
            ChildKind::DynamicSupervisor
        } else {
            ChildKind::Supervisor
        };
        Self::new(
            spec.name.clone(),
            kind,
            Shutdown::Infinity,
            None,
            SupervisorStarter { spec },
        )
    }

    fn new(
        name: impl Into<Arc<str>>,
        kind: ChildKind,
        shutdown: Shutdown,
        health: Option<HealthCheck>,
        starter: impl Starter,
    ) -> Self {
        ChildSpec {
            name: name.into(),
            kind,
            restart: Restart::Permanent,
            shutdown,
            health: health.map(Arc::new),
            backoff: None,
            register: true,
            significant: false,
            groups: None,
            templated: false,
            starter: Arc::new(starter),
        }
    }

    /// Sets the restart type (default [`Restart::Permanent`]).
    ///
    /// ```
    /// use perennial_runtime::supervisor::{ChildSpec, ChildState, Event, Restart, SupervisorSpec};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let app = SupervisorSpec::new("app").start().await?;
    /// let mut events = app.subscribe();
    /// // Transient: restarted only after an abnormal exit, so not after this one.
    /// let once = ChildSpec::task("once", || async {}).restart(Restart::Transient);
    /// app.start_child(once).await?;
    /// events.wait_for(|e| matches!(e, Event::Exited { .. })).await;
    /// assert_eq!(app.child_status("once").await?.state, ChildState::NotRunning);
    /// # Ok(())
    /// # }
    /// ```
    pub fn restart(mut self, restart: Restart) -> Self {
        self.restart = restart;
        self
    }

    /// Sets how the child is stopped (default: 5 s then kill for workers, infinity for
    /// supervisors).
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
    /// use perennial_runtime::supervisor::{ChildSpec, Shutdown, SupervisorSpec};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let app = SupervisorSpec::new("app")
    ///     .child(ChildSpec::server::<Counter>("counter", 0).shutdown(Shutdown::BrutalKill))
    ///     .start()
    ///     .await?;
    /// let counter = app.registry().lookup::<Counter>("counter")?;
    /// app.shutdown().await;
    /// assert_eq!(counter.exit_reason(), Some(ExitReason::Killed)); // not asked: aborted
    /// # Ok(())
    /// # }
    /// ```
    pub fn shutdown(mut self, shutdown: Shutdown) -> Self {
        self.shutdown = shutdown;
        self
    }

    /// Sets the health check of a gen_server child, or turns it off with `None`. Other kinds
    /// have no ping to answer, so the setting is ignored for them.
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
    /// use perennial_runtime::supervisor::{ChildSpec, HealthCheck, SupervisorSpec};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let check = HealthCheck {
    ///     interval: Duration::from_secs(10),
    ///     timeout: Duration::from_secs(1),
    ///     failures: 2,
    /// };
    /// let app = SupervisorSpec::new("app")
    ///     .child(ChildSpec::server::<Counter>("checked", 0).health(Some(check)))
    ///     .child(ChildSpec::server::<Counter>("unchecked", 0).health(None))
    ///     .start()
    ///     .await?;
    /// assert!(app.health("checked").await?.is_some_and(|h| h.enabled));
    /// assert_eq!(app.health("unchecked").await?, None);
    /// # Ok(())
    /// # }
    /// ```
    pub fn health(mut self, health: Option<HealthCheck>) -> Self {
        if self.kind == ChildKind::Server {
            self.health = health.map(Arc::new);
        }
        self
    }

    /// Marks the child significant (OTP 24): when it ends by itself and is not restarted, its
    /// supervisor's [`AutoShutdown`] decides whether the supervisor shuts down. Only transient
    /// and temporary children may be significant, and only under a supervisor whose
    /// `auto_shutdown` is not `never`; anything else is refused when the supervisor starts (or
    /// by `start_child`).
    ///
    /// ```
    /// use perennial_runtime::supervisor::{
    ///     AutoShutdown, ChildSpec, SupervisorSpec, SupervisorStartError,
    /// };
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// // A permanent child is always restarted, so it can never end the supervisor: refused.
    /// let refused = SupervisorSpec::new("app")
    ///     .auto_shutdown(AutoShutdown::AnySignificant)
    ///     .child(ChildSpec::task("main_job", || async {}).significant(true))
    ///     .start()
    ///     .await;
    /// let Err(SupervisorStartError::InvalidSpec { flag, .. }) = refused else {
    ///     panic!("refused");
    /// };
    /// assert_eq!(flag, "significant");
    /// # Ok(())
    /// # }
    /// ```
    pub fn significant(mut self, significant: bool) -> Self {
        self.significant = significant;
        self
    }

    /// Puts a gen_server child in these process groups of the tree's registry at every
    /// (re)start ([`Registry::join`]); it leaves them when it exits. Other kinds of child are
    /// not servers a group can hold, so the setting is ignored for them. A group that holds
    /// servers of another type fails the child's start.
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
    /// use perennial_runtime::registry::Group;
    /// use perennial_runtime::supervisor::{ChildSpec, SupervisorSpec};
    ///
    /// const COUNTERS: Group<Counter> = Group::new("counters");
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let app = SupervisorSpec::new("app")
    ///     .child(ChildSpec::server::<Counter>("a", 1).groups(["counters"]))
    ///     .child(ChildSpec::server::<Counter>("b", 2).groups([COUNTERS.name()]))
    ///     .start()
    ///     .await?;
    /// assert_eq!(app.registry().group(COUNTERS).members().len(), 2);
    /// # Ok(())
    /// # }
    /// ```
    pub fn groups<I>(mut self, groups: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<Arc<str>>,
    {
        if self.kind == ChildKind::Server {
            let groups: Arc<[Arc<str>]> = groups.into_iter().map(Into::into).collect();
            self.groups = (!groups.is_empty()).then_some(groups);
        }
        self
    }

    /// Whether the child is significant.
    ///
    /// ```
    /// use perennial_runtime::supervisor::ChildSpec;
    ///
    /// assert!(!ChildSpec::task("job", || async {}).is_significant());
    /// assert!(ChildSpec::task("job", || async {}).significant(true).is_significant());
    /// ```
    pub fn is_significant(&self) -> bool {
        self.significant
    }

    /// OTP's checks of the `significant` flag, for a supervisor with `auto_shutdown`.
    pub(crate) fn check_significant(&self, auto_shutdown: AutoShutdown) -> Result<(), String> {
        if !self.significant {
            return Ok(());
        }
        if self.restart == Restart::Permanent {
            return Err(format!(
                "child `{}` is permanent; only transient and temporary children may be \
                 significant",
                self.name
            ));
        }
        if auto_shutdown == AutoShutdown::Never {
            return Err(format!(
                "child `{}` is significant, but the supervisor's `auto_shutdown` is `never`; \
                 set it to `any_significant` or `all_significant`",
                self.name
            ));
        }
        Ok(())
    }

    /// Delays restarts with a growing backoff; `None` (the default) restarts at once. Takes a
    /// [`Backoff`] or an `Option<Backoff>` (one read from configuration, say).
    ///
    /// ```
    /// use std::time::Duration;
    /// use perennial_runtime::supervisor::{Backoff, ChildSpec, Event, SupervisorSpec};
    /// use tokio::time::Instant;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let backoff = Backoff {
    ///     initial: Duration::from_secs(1),
    ///     factor: 2.0,
    ///     max: Duration::from_secs(30),
    /// };
    /// let app = SupervisorSpec::new("app").intensity(10, Duration::from_secs(60)).start().await?;
    /// let mut events = app.subscribe();
    /// let started = Instant::now();
    /// let flaky = ChildSpec::task("flaky", || async { Err::<(), _>("no connection") });
    /// app.start_child(flaky.backoff(backoff)).await?;
    /// // It fails at once each time; its restarts wait 1 s, then 2 s more.
    /// for _ in 0..2 {
    ///     events.wait_for(|e| matches!(e, Event::Restarted { .. })).await;
    /// }
    /// assert_eq!(started.elapsed(), Duration::from_secs(3));
    /// # Ok(())
    /// # }
    /// ```
    pub fn backoff(mut self, backoff: impl Into<Option<Backoff>>) -> Self {
        self.backoff = backoff.into().map(Box::new);
        self
    }

    /// The child's name.
    ///
    /// ```
    /// use perennial_runtime::supervisor::ChildSpec;
    ///
    /// assert_eq!(ChildSpec::task("job", || async {}).name(), "job");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The child's kind.
    ///
    /// ```
    /// use perennial_runtime::supervisor::{ChildKind, ChildSpec, SupervisorSpec};
    ///
    /// assert_eq!(ChildSpec::task("job", || async {}).kind(), ChildKind::Task);
    /// let nested = ChildSpec::supervisor(SupervisorSpec::new("db"));
    /// assert_eq!(nested.kind(), ChildKind::Supervisor);
    /// ```
    pub fn kind(&self) -> ChildKind {
        self.kind
    }

    /// Checks its options (see [`check_options`]); a nested supervisor's spec is checked by
    /// its parent's, through [`nested`](Self::nested).
    pub(crate) fn check(&self) -> Result<(), (&'static str, String)> {
        check_options(
            self.restart,
            self.shutdown,
            self.health.as_deref(),
            self.backoff.as_deref(),
        )
    }

    /// The spec of a nested supervisor, to check it before anything starts.
    pub(crate) fn nested(&self) -> Option<&SupervisorSpec> {
        self.starter.nested()
    }

    /// Renames the child (dynamic supervisors name their children this way).
    pub(crate) fn renamed(mut self, name: Arc<str>) -> Self {
        self.name = name;
        self
    }
}

impl fmt::Debug for ChildSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChildSpec")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("restart", &self.restart)
            .field("shutdown", &self.shutdown)
            .field("health", &self.health)
            .field("backoff", &self.backoff)
            .field("significant", &self.significant)
            .field("groups", &self.groups)
            .finish()
    }
}

/// What a starter gets from the supervisor.
pub(crate) struct StartCtx {
    pub(crate) name: Arc<str>,
    pub(crate) register: bool,
    pub(crate) registry: Registry,
    pub(crate) events: EventHub,
    pub(crate) link: Link,
    /// The child's span, inside its supervisor's: the child's task runs in it.
    pub(crate) span: tracing::Span,
    /// Process groups a gen_server joins once started.
    pub(crate) groups: Option<Arc<[Arc<str>]>>,
}

/// A child that started: its process, how to talk to it, and its typed reference.
///
/// This is the supervisor's hold on the child, and dropping it kills the child (a no-op once it
/// has exited). So whatever way a supervisor goes — even killed in the middle of stopping a
/// child, when that child is in no table any more — it takes its children with it, as an OTP
/// supervisor's exit signal does, and none is left running unsupervised under its name.
pub(crate) struct Started {
    pub(crate) process: Arc<Process>,
    /// How to stop and ping the child; also its typed reference (`ServerRef<S>` for a
    /// gen_server), which dynamic supervisors hand out through [`Started::typed`].
    pub(crate) control: Arc<dyn Control>,
    /// Where the child's name is registered, if it is.
    pub(crate) registry: Option<Registry>,
}

impl Started {
    /// The child's typed reference, to be downcast by whoever knows its type.
    pub(crate) fn typed(&self) -> Arc<dyn Any + Send + Sync> {
        self.control.clone()
    }
}

impl Drop for Started {
    fn drop(&mut self) {
        // Free the name now, not when the aborted task is finally dropped: on a multi-thread
        // runtime a killed subtree's tasks may be dropped after their supervisor's restart has
        // begun, which would then find the names still taken. (A no-op once the child exited.)
        if let Some(registry) = &self.registry {
            registry.unregister(&self.process);
        }
        self.process.kill();
    }
}

pub(crate) type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// Starts one incarnation of a child.
pub(crate) trait Starter: Send + Sync + 'static {
    fn start(&self, ctx: StartCtx) -> BoxFuture<Result<Started, ExitReason>>;

    /// The spec of the supervisor it starts, if it starts one.
    fn nested(&self) -> Option<&SupervisorSpec> {
        None
    }
}

/// Starts one incarnation of a child with `starter`. A panic in the user's code that runs in
/// the supervisor's own task to make the child (an args maker, `Args::clone`, a task's maker)
/// is that child's failed start, with the panic as its reason, retried and counted like any
/// other: it never takes the supervisor, or the child's siblings, down.
pub(crate) async fn start(starter: &dyn Starter, ctx: StartCtx) -> Result<Started, ExitReason> {
    let start = crate::panics::catch(|| starter.start(ctx)).map_err(ExitReason::from_panic)?;
    catch_unwind(start)
        .await
        .unwrap_or_else(|panic| Err(ExitReason::Panic(panic)))
}

/// Where a child's pong arrives: a reply slot, looked at (not waited on) once the ping's
/// timeout has passed.
pub(crate) type PingReply = SlotRx<Result<(), ExitReason>>;

/// How a supervisor talks to a running child, whatever its kind.
///
/// The value behind it is the child's typed reference, so it is also the child's `dyn Any`.
pub(crate) trait Control: Any + Send + Sync {
    /// Asks for an orderly stop.
    fn request_stop(&self, reason: ExitReason);
    /// Sends the child a ping without waiting (gen_servers only, `None` for other kinds): the
    /// slot its pong will be in, or `Some(None)` if the ping could not be queued (the child is
    /// gone, or its bounded mailbox is full), which counts as a missed pong.
    fn send_ping(&self) -> Option<Option<PingReply>>;
    /// The child's own supervisor handle, for nested supervisors.
    fn supervisor(&self) -> Option<SupervisorHandle> {
        None
    }
}

/// How long a gen_server child's `init` may take before the supervisor gives up on it (and kills
/// it), so that a hanging `init` cannot hang its supervisor.
pub(crate) const CHILD_START_TIMEOUT: Duration = Duration::from_secs(60);

/// A gen_server child's args maker, boxed.
type ArgsFn<S> = Box<dyn Fn() -> <S as GenServer>::Args + Send + Sync>;

/// Starts a gen_server; `F` makes its args (a dynamic supervisor's children share one type of
/// `F`, unboxed; other children box theirs).
struct ServerStarter<S, F> {
    args: F,
    server: PhantomData<fn() -> S>,
}

impl<S, F> Starter for ServerStarter<S, F>
where
    S: GenServer,
    F: Fn() -> S::Args + Send + Sync + 'static,
{
    fn start(&self, ctx: StartCtx) -> BoxFuture<Result<Started, ExitReason>> {
        let args = (self.args)();
        Box::pin(async move {
            let registry = ctx.register.then(|| ctx.registry.clone());
            // The server's own start timeout, not one around this future: on timeout it kills
            // the hung init and frees the name, where dropping the start would leave both.
            let builder = S::builder()
                .link(ctx.link)
                .span(ctx.span)
                .init_timeout(CHILD_START_TIMEOUT);
            let builder = if ctx.register {
                builder.register(&ctx.registry, ctx.name)
            } else {
                builder.name(ctx.name)
            };
            let server = builder.start(args).await.map_err(|e| match e {
                StartError::InitTimeout(limit) => {
                    ExitReason::error(format!("init did not finish within {limit:?}"))
                }
                e => e.into_exit_reason(),
            })?;
            for group in ctx.groups.iter().flat_map(|g| g.iter()) {
                let group = ctx.registry.full_name(group.clone());
                if let Err(e) = ctx.registry.join_named(group, &server) {
                    server.kill();
                    server.wait_exit().await;
                    return Err(ExitReason::error(e));
                }
            }
            Ok(Started {
                process: server.process.clone(),
                control: Arc::new(server),
                registry,
            })
        })
    }
}

impl<S: GenServer> Control for ServerRef<S> {
    fn request_stop(&self, reason: ExitReason) {
        ServerRef::request_stop(self, reason);
    }

    fn send_ping(&self) -> Option<Option<PingReply>> {
        let (tx, rx) = crate::reply::reply_slot::<()>();
        // Never into a full bounded mailbox's wait: a ping that finds no room is missed.
        Some(self.tx.try_send(Envelope::Ping(tx)).ok().map(|()| rx))
    }
}

struct TaskStarter<F> {
    f: F,
    /// Whether the task watches its token; a task that does not is aborted when stopped.
    takes_token: bool,
}

impl<F, Fut> Starter for TaskStarter<F>
where
    F: Fn(CancellationToken) -> Fut + Send + Sync + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: IntoExitReason,
{
    fn start(&self, ctx: StartCtx) -> BoxFuture<Result<Started, ExitReason>> {
        let token = CancellationToken::new();
        let future = (self.f)(token.clone());
        let process = task::spawn(ctx.name, Some(ctx.link), ctx.span, future);
        let control = TaskControl {
            process: process.clone(),
            token: self.takes_token.then_some(token),
        };
        Box::pin(async move {
            Ok(Started {
                control: Arc::new(control),
                process,
                // Tasks are not registered.
                registry: None,
            })
        })
    }
}

impl Control for TaskControl {
    fn request_stop(&self, reason: ExitReason) {
        self.stop(reason);
    }

    fn send_ping(&self) -> Option<Option<PingReply>> {
        None
    }
}

struct SupervisorStarter {
    spec: SupervisorSpec,
}

impl Starter for SupervisorStarter {
    fn nested(&self) -> Option<&SupervisorSpec> {
        Some(&self.spec)
    }

    fn start(&self, ctx: StartCtx) -> BoxFuture<Result<Started, ExitReason>> {
        let spec = self.spec.clone();
        Box::pin(async move {
            let handle = spec
                .start_linked(ctx.registry.clone(), ctx.events, Some((ctx.link, ctx.span)))
                .await
                .map_err(ExitReason::error)?;
            let process = match handle.target.direct() {
                Some(server) => server.process.clone(),
                None => return Err(ExitReason::error("a started supervisor has no process")),
            };
            Ok(Started {
                registry: Some(ctx.registry),
                process,
                control: Arc::new(handle),
            })
        })
    }
}

impl Control for SupervisorHandle {
    fn request_stop(&self, reason: ExitReason) {
        if let Some(server) = self.server() {
            server.request_stop(reason);
        }
    }

    fn send_ping(&self) -> Option<Option<PingReply>> {
        None
    }

    fn supervisor(&self) -> Option<SupervisorHandle> {
        Some(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::Idle;

    #[tokio::test(start_paused = true)]
    async fn dropping_a_childs_hold_frees_its_name_before_the_task_is_dropped() {
        let registry = Registry::new();
        let ctx = StartCtx {
            name: "idle".into(),
            register: true,
            registry: registry.clone(),
            events: EventHub::default(),
            link: Link {
                token: 0,
                notify: Arc::new(|_, _, _| {}),
            },
            span: tracing::Span::none(),
            groups: None,
        };
        let spec = ChildSpec::server::<Idle>("idle", ());
        let started = start(&*spec.starter, ctx).await.unwrap();
        let process = started.process.clone();
        assert!(registry.registered_type("idle").is_some());
        drop(started);
        // No await in between: the aborted task has not been dropped yet (the process is still
        // alive), but its name is already free for a restart.
        assert!(process.is_alive());
        assert_eq!(registry.registered_type("idle"), None);
        assert_eq!(process.wait_exit().await, ExitReason::Killed);
    }

    #[test]
    fn backoff_grows_by_its_factor_and_stops_at_max() {
        let b = Backoff {
            initial: Duration::from_millis(100),
            factor: 2.0,
            max: Duration::from_secs(1),
        };
        assert_eq!(b.delay(1), Duration::from_millis(100));
        assert_eq!(b.delay(2), Duration::from_millis(200));
        assert_eq!(b.delay(4), Duration::from_millis(800));
        assert_eq!(b.delay(5), Duration::from_secs(1));
        assert_eq!(b.delay(u32::MAX), Duration::from_secs(1));
    }

    #[test]
    fn backoff_with_a_bad_factor_stays_flat() {
        for factor in [0.5, f64::NAN, f64::INFINITY, -3.0] {
            let b = Backoff {
                initial: Duration::from_millis(100),
                factor,
                max: Duration::from_secs(1),
            };
            assert_eq!(b.delay(3), Duration::from_millis(100), "factor {factor}");
        }
    }
}
