//! Child specs: what a supervisor starts, and how it restarts and stops it.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::GenServer;
use crate::supervisor::{AutoShutdown, SupervisorSpec};
use crate::task::IntoExitReason;

mod options;
mod start;

pub(crate) use options::check_options;
pub use options::{Backoff, ChildKind, HealthCheck, Restart, Shutdown};
use start::{ArgsFn, ServerStarter, SupervisorStarter, TaskStarter};
pub(crate) use start::{PingReply, StartCtx, Started, Starter, start};

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
        Self::task_of(name, move |_: CancellationToken| f(), false)
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
        Self::task_of(name, f, true)
    }

    /// A task child started by `f`; `takes_token`: whether the task watches its token (one
    /// that does not is aborted when stopped).
    fn task_of<F, Fut>(name: impl Into<Arc<str>>, f: F, takes_token: bool) -> Self
    where
        F: Fn(CancellationToken) -> Fut + Send + Sync + 'static,
        Fut: Future + Send + 'static,
        Fut::Output: IntoExitReason,
    {
        let starter = TaskStarter { f, takes_token };
        Self::new(
            name,
            ChildKind::Task,
            Shutdown::WORKER_DEFAULT,
            None,
            starter,
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
    /// (re)start ([`Registry::join`](crate::Registry::join)); it leaves them when it exits. Other kinds of child are
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
    /// use perennial_runtime::Group;
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
