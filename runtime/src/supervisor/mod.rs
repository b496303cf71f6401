//! Supervisors: start children in order, watch them, restart them by OTP's rules, and stop
//! them in reverse order.
//!
//! Build a [`SupervisorSpec`] of [`ChildSpec`]s (gen_servers, task functions, nested
//! supervisors), start it, and keep the [`SupervisorHandle`]:
//!
//! ```
//! use std::time::Duration;
//! use perennial_runtime::supervisor::{ChildSpec, Event, Restart, Strategy, SupervisorSpec};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sup = SupervisorSpec::new("app")
//!     .strategy(Strategy::OneForOne)
//!     .intensity(3, Duration::from_secs(5))
//!     .child(ChildSpec::task("worker", || async {
//!         // a task that finishes at once: transient, so it is not restarted
//!     }).restart(Restart::Transient))
//!     .start()
//!     .await?;
//! let mut events = sup.subscribe();
//! assert_eq!(sup.count_children().await?.specs, 1);
//! sup.shutdown().await;
//! assert!(events.wait_for(|e| matches!(e, Event::ShutDown { .. })).await.is_some());
//! # Ok(())
//! # }
//! ```
//!
//! # Semantics (Erlang/OTP's)
//!
//! - **Start**: children start in declaration order, each waiting for its `init`. If one fails,
//!   those already started are stopped in reverse order and the start fails naming the child.
//! - **Restart types** ([`Restart`]): permanent children are always restarted, transient ones
//!   only after an abnormal exit, temporary ones never (and are removed). An
//!   [`ExitReason::NoRestart`] exit is never restarted.
//! - **Strategies** ([`Strategy`]): one_for_one restarts the child; one_for_all stops the
//!   others in reverse order and restarts all in order; rest_for_one does that for the children
//!   declared after the one that exited. Temporary bystanders are removed, not restarted.
//! - **Intensity**: more than `max_restarts` restarts within `within` (default 3 in 5 s) and the
//!   supervisor stops all its children in reverse order and exits with
//!   [`ExitReason::Escalated`], which its parent treats as that child's failure.
//! - **Failed restarts** are retried through the supervisor's mailbox (so its handle still
//!   answers) and count again; meanwhile the child shows as [`ChildState::Restarting`].
//! - **Shutdown** ([`Shutdown`]): in reverse start order; brutal_kill aborts, a timeout asks
//!   then aborts, infinity asks and waits. A dynamic supervisor stops all its children at once,
//!   under one timer.
//! - **Health checks** ([`HealthCheck`]) ping gen_server children; enough missed pongs in a row
//!   and the child is killed and restarted, counted in the intensity.
//! - **Registry**: a tree shares one [`Registry`]; every gen_server child and supervisor is
//!   registered under its name while it runs.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::time::Instant;

use crate::process::Link;
use crate::{
    CallError, Client, DEFAULT_CALL_TIMEOUT, ExitReason, GenServer, ProcessId, Registry, ServerRef,
    StartError,
};

mod child;
pub(crate) mod dynamic;
mod events;
mod intensity;
mod server;
mod signals;
mod snapshot;

pub use child::{Backoff, ChildKind, ChildSpec, HealthCheck, Restart, Shutdown};
pub use dynamic::{DynamicSpec, DynamicSupervisor};
pub use events::{Event, EventStream};
pub use signals::ShutdownGuard;
pub use snapshot::{Snapshot, SnapshotNode};

use events::EventHub;
pub(crate) use server::SupervisorServer;
use server::{Request, Response, SupervisorArgs};

/// How a supervisor reacts when a child exits and must be restarted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Strategy {
    /// Restart only that child. The default.
    #[default]
    OneForOne,
    /// Stop all other children (reverse order), then restart all (declaration order).
    OneForAll,
    /// Stop the children declared after it (reverse order), then restart it and them.
    RestForOne,
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Strategy::OneForOne => "one_for_one",
            Strategy::OneForAll => "one_for_all",
            Strategy::RestForOne => "rest_for_one",
        })
    }
}

/// When a supervisor shuts itself down because its significant children ended (OTP 24's
/// `auto_shutdown`). Only children that end by themselves and are not restarted count: not a
/// child stopped by `terminate_child`, nor one stopped as a bystander of a one_for_all or
/// rest_for_one restart, nor children stopped while the supervisor shuts down.
///
/// The supervisor then stops its other children in reverse order and exits with
/// [`ExitReason::Shutdown`]: "the app ends when its main job ends".
///
/// ```
/// use perennial_runtime::supervisor::{AutoShutdown, ChildSpec, Restart, SupervisorSpec};
/// use perennial_runtime::ExitReason;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let app = SupervisorSpec::new("app")
///     .auto_shutdown(AutoShutdown::AnySignificant)
///     .child(ChildSpec::task("main_job", || async { /* the work, then done */ })
///         .restart(Restart::Transient)
///         .significant(true))
///     .start()
///     .await?;
/// assert_eq!(app.wait_exit().await, ExitReason::Shutdown);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum AutoShutdown {
    /// Never shut down because of children ending; no child may be significant. The default.
    #[default]
    Never,
    /// Shut down as soon as any significant child ends by itself without being restarted.
    AnySignificant,
    /// Shut down once every significant child has ended by itself without being restarted.
    AllSignificant,
}

impl fmt::Display for AutoShutdown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AutoShutdown::Never => "never",
            AutoShutdown::AnySignificant => "any_significant",
            AutoShutdown::AllSignificant => "all_significant",
        })
    }
}

/// The default restart intensity: 3 restarts...
pub const DEFAULT_MAX_RESTARTS: u32 = 3;
/// ...within 5 seconds (Elixir's defaults).
pub const DEFAULT_WITHIN: Duration = Duration::from_secs(5);

/// What a supervisor is: its name, strategy, restart intensity and children.
#[derive(Clone, Debug)]
pub struct SupervisorSpec {
    pub(crate) name: Arc<str>,
    pub(crate) strategy: Strategy,
    pub(crate) max_restarts: u32,
    pub(crate) within: Duration,
    pub(crate) children: Vec<ChildSpec>,
    pub(crate) dynamic: Option<DynamicLimits>,
    pub(crate) auto_shutdown: AutoShutdown,
    /// Its children's names are registered inside its own (`<name>/<child>`).
    pub(crate) scoped: bool,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct DynamicLimits {
    pub(crate) max_children: Option<usize>,
    /// The options of the children it starts, checked with the spec.
    pub(crate) template: dynamic::Template,
}

impl SupervisorSpec {
    /// A one_for_one supervisor named `name` with no children and the default intensity.
    ///
    /// ```
    /// use perennial_runtime::supervisor::SupervisorSpec;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let app = SupervisorSpec::new("app").start().await?;
    /// assert_eq!(app.count_children().await?.specs, 0);
    /// assert_eq!(app.registry().names(), ["app".into()]); // registered under its name
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(name: impl Into<Arc<str>>) -> Self {
        SupervisorSpec {
            name: name.into(),
            strategy: Strategy::OneForOne,
            max_restarts: DEFAULT_MAX_RESTARTS,
            within: DEFAULT_WITHIN,
            children: Vec::new(),
            dynamic: None,
            auto_shutdown: AutoShutdown::Never,
            scoped: false,
        }
    }

    /// Sets the strategy.
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
    /// use perennial_runtime::supervisor::{ChildSpec, Event, Strategy, SupervisorSpec};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let app = SupervisorSpec::new("app")
    ///     .strategy(Strategy::OneForAll)
    ///     .child(ChildSpec::server::<Counter>("a", 0))
    ///     .child(ChildSpec::server::<Counter>("b", 0))
    ///     .start()
    ///     .await?;
    /// let b = app.registry().lookup::<Counter>("b")?;
    /// let mut events = app.subscribe();
    /// app.registry().lookup::<Counter>("a")?.kill();
    /// // One for all: `b` is stopped and restarted with `a`.
    /// events.wait_for(|e| matches!(e, Event::Restarted { child, .. } if &**child == "b")).await;
    /// assert!(!b.is_alive());
    /// assert_eq!(app.restart_count("b").await?, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn strategy(mut self, strategy: Strategy) -> Self {
        self.strategy = strategy;
        self
    }

    /// Allows at most `max_restarts` restarts within any window of `within` (which must be
    /// more than zero).
    ///
    /// ```
    /// use std::time::Duration;
    /// use perennial_runtime::ExitReason;
    /// use perennial_runtime::supervisor::{ChildSpec, SupervisorSpec};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// // A child that fails at once, every time: the third restart within 5 s is one too many.
    /// let app = SupervisorSpec::new("app")
    ///     .intensity(2, Duration::from_secs(5))
    ///     .child(ChildSpec::task("flaky", || async { Err::<(), _>("no connection") }))
    ///     .start()
    ///     .await?;
    /// let ExitReason::Escalated(escalation) = app.wait_exit().await else {
    ///     panic!("it gave up");
    /// };
    /// assert_eq!((escalation.max_restarts, &*escalation.child), (2, "flaky"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn intensity(mut self, max_restarts: u32, within: Duration) -> Self {
        self.max_restarts = max_restarts;
        self.within = within;
        self
    }

    /// Shuts the supervisor down when its significant children end ([`AutoShutdown`]; default
    /// [`AutoShutdown::Never`]). Not for dynamic supervisors.
    ///
    /// ```
    /// use perennial_runtime::ExitReason;
    /// use perennial_runtime::supervisor::{AutoShutdown, ChildSpec, Restart, SupervisorSpec};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let job = |name| {
    ///     ChildSpec::task(name, || async {})
    ///         .restart(Restart::Transient)
    ///         .significant(true)
    /// };
    /// let app = SupervisorSpec::new("app")
    ///     .auto_shutdown(AutoShutdown::AllSignificant) // once both jobs have ended
    ///     .child(job("import"))
    ///     .child(job("index"))
    ///     .child(ChildSpec::task("server", std::future::pending::<()>))
    ///     .start()
    ///     .await?;
    /// assert_eq!(app.wait_exit().await, ExitReason::Shutdown);
    /// # Ok(())
    /// # }
    /// ```
    pub fn auto_shutdown(mut self, auto_shutdown: AutoShutdown) -> Self {
        self.auto_shutdown = auto_shutdown;
        self
    }

    /// Scopes the children's names: each is registered as `<supervisor>/<child>` (inside the
    /// scope the supervisor itself is registered in, so scopes nest), and their process groups
    /// too. So one subtree can be started many times in one registry — under supervisors of
    /// different names, each with children of the same names — and the full names reach them
    /// from outside. (A whole tree can be given a scope with
    /// [`Registry::scope`](crate::Registry::scope) instead.)
    ///
    /// ```
    /// # use std::convert::Infallible;
    /// # use perennial_runtime::{Context, GenServer};
    /// # struct Worker;
    /// # impl GenServer for Worker {
    /// #     type Args = (); type Call = (); type Reply = (); type Cast = Infallible;
    /// #     type Info = Infallible; type Continue = Infallible; type Error = Infallible;
    /// #     async fn init(_: (), _: &mut Context<Self>) -> Result<Self, Infallible> { Ok(Worker) }
    /// #     async fn handle_call(&mut self, _: (), _: &mut Context<Self>) {}
    /// # }
    /// use perennial_runtime::supervisor::{ChildSpec, SupervisorSpec};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let pool = |name: &str| {
    ///     ChildSpec::supervisor(
    ///         SupervisorSpec::new(name)
    ///             .scoped()
    ///             .child(ChildSpec::server::<Worker>("worker", ())),
    ///     )
    /// };
    /// let app = SupervisorSpec::new("app")
    ///     .child(pool("east"))
    ///     .child(pool("west"))
    ///     .start()
    ///     .await?;
    /// let names = app.registry().names();
    /// assert_eq!(names, ["app".into(), "east".into(), "east/worker".into(), "west".into(), "west/worker".into()]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn scoped(mut self) -> Self {
        self.scoped = true;
        self
    }

    /// Adds a child, started after those added before it.
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
    /// use perennial_runtime::supervisor::{ChildSpec, SupervisorSpec};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let app = SupervisorSpec::new("app")
    ///     .child(ChildSpec::server::<Counter>("config", 0))
    ///     .child(ChildSpec::server::<Counter>("cache", 0)) // started after `config`
    ///     .start()
    ///     .await?;
    /// let children = app.which_children().await?;
    /// let names: Vec<&str> = children.iter().map(|c| &*c.name).collect();
    /// assert_eq!(names, ["config", "cache"]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn child(mut self, child: ChildSpec) -> Self {
        self.children.push(child);
        self
    }

    /// The supervisor's name.
    ///
    /// ```
    /// use perennial_runtime::supervisor::SupervisorSpec;
    ///
    /// assert_eq!(SupervisorSpec::new("app").name(), "app");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn is_dynamic(&self) -> bool {
        self.dynamic.is_some()
    }

    /// Checks the flags and children, as OTP does before starting, and those of every nested
    /// supervisor, so that a mistake deep in a tree fails its start before anything runs.
    ///
    /// Refused: a zero `within`, a dynamic supervisor's `max_children` of 0, two children of one
    /// name, and a child's options that can never work (see [`ChildSpec`]'s options: a zero
    /// shutdown timeout, health interval or timeout, a health timeout longer than its interval,
    /// zero `failures`, a backoff that starts at zero or shrinks, a backoff on a temporary child).
    fn validate(&self) -> Result<(), SupervisorStartError> {
        let invalid = |flag, reason: String| SupervisorStartError::InvalidSpec {
            supervisor: self.name.clone(),
            flag,
            reason,
        };
        if self.within.is_zero() {
            return Err(invalid(
                "within",
                "the restart window must be longer than zero".into(),
            ));
        }
        if self.is_dynamic() && self.auto_shutdown != AutoShutdown::Never {
            return Err(invalid(
                "auto_shutdown",
                format!(
                    "a dynamic supervisor cannot shut down on its children's exits (it has \
                     `{}`); use `never`",
                    self.auto_shutdown
                ),
            ));
        }
        if let Some(dynamic) = &self.dynamic {
            if dynamic.max_children == Some(0) {
                return Err(invalid(
                    "max_children",
                    "0 would refuse every child; allow at least 1, or set no limit".into(),
                ));
            }
            let t = &dynamic.template;
            child::check_options(t.restart, t.shutdown, t.health.as_ref(), t.backoff.as_ref())
                .map_err(|(option, reason)| invalid(dynamic_option(option), reason))?;
        }
        let mut names = std::collections::HashSet::with_capacity(self.children.len());
        for child in &self.children {
            if !names.insert(&*child.name) {
                return Err(invalid(
                    "children",
                    format!("two children are named `{}`", child.name),
                ));
            }
            if let Err(reason) = child.check_significant(self.auto_shutdown) {
                return Err(invalid("significant", reason));
            }
            child
                .check()
                .map_err(|(option, reason)| SupervisorStartError::InvalidChild {
                    supervisor: self.name.clone(),
                    child: child.name.clone(),
                    option,
                    reason,
                })?;
            if let Some(nested) = child.nested() {
                nested.validate()?;
            }
        }
        Ok(())
    }

    /// Starts the supervisor and its children, with a new registry for the tree.
    ///
    /// ```
    /// use perennial_runtime::supervisor::{ChildSpec, SupervisorSpec, SupervisorStartError};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let app = SupervisorSpec::new("app")
    ///     .child(ChildSpec::task("worker", std::future::pending::<()>))
    ///     .start()
    ///     .await?; // every child has started
    /// assert_eq!(app.count_children().await?.active, 1);
    ///
    /// let failing = SupervisorSpec::new("app")
    ///     .child(ChildSpec::supervisor(SupervisorSpec::new("db")))
    ///     .child(ChildSpec::task("db", std::future::pending::<()>)) // the same name twice
    ///     .start()
    ///     .await;
    /// assert!(matches!(failing, Err(SupervisorStartError::InvalidSpec { flag: "children", .. })));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn start(self) -> Result<SupervisorHandle, SupervisorStartError> {
        self.start_in(&Registry::new()).await
    }

    /// Starts the supervisor and its children, registering names in `registry` (shared with
    /// whoever else uses it).
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
    /// use perennial_runtime::Registry;
    /// use perennial_runtime::supervisor::{ChildSpec, SupervisorSpec, SupervisorStartError};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let registry = Registry::new();
    /// let billing = SupervisorSpec::new("billing")
    ///     .child(ChildSpec::server::<Counter>("invoices", 0));
    /// let shop = SupervisorSpec::new("shop").child(ChildSpec::server::<Counter>("orders", 0));
    /// billing.start_in(&registry).await?;
    /// shop.start_in(&registry).await?;
    /// assert_eq!(registry.names().len(), 4); // both trees' names, in one registry
    /// // Names are unique in a registry: a second `billing` is refused, with the first's handle.
    /// let again = SupervisorSpec::new("billing").start_in(&registry).await;
    /// assert!(matches!(again, Err(SupervisorStartError::AlreadyStarted { .. })));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn start_in(
        self,
        registry: &Registry,
    ) -> Result<SupervisorHandle, SupervisorStartError> {
        self.start_linked(registry.clone(), EventHub::default(), None)
            .await
    }

    /// Starts the supervisor; a nested one is linked to its parent and runs in its child span.
    pub(crate) async fn start_linked(
        self,
        registry: Registry,
        events: EventHub,
        parent: Option<(Link, tracing::Span)>,
    ) -> Result<SupervisorHandle, SupervisorStartError> {
        let name = self.name.clone();
        let builder = SupervisorServer::builder().register(&registry, name.clone());
        let (builder, span) = match parent {
            Some((link, span)) => (builder.link(link).span(span.clone()), Some(span)),
            None => (builder, None),
        };
        let args = SupervisorArgs {
            spec: self,
            registry: registry.clone(),
            events: events.clone(),
            span,
        };
        match builder.start(args).await {
            Ok(server) => Ok(SupervisorHandle {
                target: Client::from(server).with_timeout(Duration::MAX),
                tree: Tree { registry, events },
            }),
            Err(StartError::Init(e)) => Err(e),
            Err(StartError::AlreadyStarted(existing)) => {
                // OTP's `{already_started, Pid}`: the running supervisor, with its own tree's
                // events (asked of it, as it may belong to another tree of this registry).
                let existing = Client::from(existing).with_timeout(Duration::MAX);
                match existing
                    .with_timeout(DEFAULT_CALL_TIMEOUT)
                    .call(Request::Tree)
                    .await
                {
                    Ok(Ok(Response::Tree(events))) => Err(SupervisorStartError::AlreadyStarted {
                        name,
                        existing: SupervisorHandle {
                            target: existing,
                            tree: Tree { registry, events },
                        },
                    }),
                    // It went away meanwhile: the name was taken, and is not any more.
                    _ => Err(SupervisorStartError::NameTaken { name }),
                }
            }
            Err(StartError::NameTaken { .. }) => Err(SupervisorStartError::NameTaken { name }),
            Err(other) => Err(SupervisorStartError::Failed {
                supervisor: name,
                reason: other.into_exit_reason(),
            }),
        }
    }
}

/// A dynamic supervisor's children's option, named as in `supervision_tree!`'s
/// `children = { .. }`.
fn dynamic_option(option: &'static str) -> &'static str {
    match option {
        "shutdown" => "children.shutdown",
        "health.interval" => "children.health.interval",
        "health.timeout" => "children.health.timeout",
        "health.failures" => "children.health.failures",
        "backoff" => "children.backoff",
        "backoff.initial" => "children.backoff.initial",
        "backoff.max" => "children.backoff.max",
        "backoff.factor" => "children.backoff.factor",
        _ => "children",
    }
}

/// What a tree's supervisors share: names and events.
#[derive(Clone)]
pub(crate) struct Tree {
    pub(crate) registry: Registry,
    pub(crate) events: EventHub,
}

/// A handle to a running supervisor: inspect and change its children, subscribe to its tree's
/// events, shut it down. Cheap to clone.
///
/// ```
/// use perennial_runtime::ExitReason;
/// use perennial_runtime::supervisor::{ChildSpec, SupervisorError, SupervisorSpec};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let sup = SupervisorSpec::new("app")
///     .child(ChildSpec::task("worker", || std::future::pending::<()>()))
///     .start()
///     .await?;
/// let other = sup.clone(); // the same supervisor
/// assert_eq!(other.count_children().await?.active, 1);
/// assert_eq!(sup.shutdown().await, ExitReason::Shutdown);
/// assert!(other.is_shutting_down());
/// assert!(matches!(other.which_children().await, Err(SupervisorError::NotRunning(_))));
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct SupervisorHandle {
    pub(crate) target: Client<SupervisorServer>,
    pub(crate) tree: Tree,
}

/// One child, as its supervisor sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct ChildInfo {
    /// The child's name.
    pub name: Arc<str>,
    /// What kind of child it is.
    pub kind: ChildKind,
    /// Its restart type.
    pub restart: Restart,
    /// Whether it runs.
    pub state: ChildState,
    /// How many times the supervisor restarted it.
    pub restarts: u32,
    /// Its health checks, for a health-checked gen_server.
    pub health: Option<HealthStatus>,
}

/// Whether a child runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChildState {
    /// Running, as this incarnation.
    Running(ProcessId),
    /// Waiting to be restarted (a failed restart being retried, or a backoff delay).
    Restarting,
    /// Not running; its spec is kept (a transient child that ended normally, or one stopped by
    /// `terminate_child`).
    NotRunning,
}

impl fmt::Display for ChildState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChildState::Running(id) => write!(f, "running {id}"),
            ChildState::Restarting => f.write_str("restarting"),
            ChildState::NotRunning => f.write_str("not running"),
        }
    }
}

/// A health-checked child's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HealthStatus {
    /// Whether checks run.
    pub enabled: bool,
    /// Missed pongs in a row.
    pub consecutive_failures: u32,
    /// When the last check began (the child was last pinged), if one has, on tokio's
    /// monotonic clock (for durations: `last_check.elapsed()`). Its outcome is counted in
    /// `consecutive_failures` once its timeout has passed.
    pub last_check: Option<Instant>,
    /// When the last check began, if one has, as wall-clock time (for logs and dashboards).
    pub last_check_at: Option<SystemTime>,
}

/// Counts of a supervisor's children (OTP's `count_children`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChildCounts {
    /// Children with a spec, running or not.
    pub specs: usize,
    /// Children running.
    pub active: usize,
    /// Children that are supervisors.
    pub supervisors: usize,
    /// Children that are workers (gen_servers and tasks).
    pub workers: usize,
}

/// Why a supervisor did not start.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum SupervisorStartError {
    /// A child failed to start; those started before it were stopped in reverse order.
    ChildFailed {
        /// The supervisor.
        supervisor: Arc<str>,
        /// The child that failed.
        child: Arc<str>,
        /// Why (for a nested supervisor, its own start error).
        cause: ExitReason,
    },
    /// The supervisor's own options are invalid (checked before anything starts, for the
    /// whole tree): a zero `within`, `max_children` of 0, two children of one name, or the
    /// options of the children a dynamic supervisor starts (`children.shutdown`, ..).
    InvalidSpec {
        /// The supervisor.
        supervisor: Arc<str>,
        /// The offending setting, named as in `supervision_tree!` (`within`, `max_children`,
        /// `children.health.timeout`, ..).
        flag: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The options a supervisor applies to one of its children can never work (checked
    /// before anything starts, for the whole tree): a zero shutdown timeout, a health check
    /// with a zero interval or timeout, a timeout longer than its interval or zero `failures`,
    /// a backoff that starts at zero or shrinks, or a backoff on a temporary child.
    ///
    /// ```
    /// use std::time::Duration;
    /// use perennial_runtime::supervisor::{
    ///     ChildSpec, Shutdown, SupervisorSpec, SupervisorStartError,
    /// };
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let grace = Duration::ZERO; // read from a configuration file, say
    /// let error = SupervisorSpec::new("app")
    ///     .child(ChildSpec::task("flusher", || async {}).shutdown(grace.into()))
    ///     .start()
    ///     .await
    ///     .unwrap_err();
    /// assert!(matches!(
    ///     &error,
    ///     SupervisorStartError::InvalidChild { child, option: "shutdown", .. } if &**child == "flusher"
    /// ));
    /// assert!(error.to_string().starts_with("supervisor `app`, child `flusher`: invalid `shutdown`"));
    /// # }
    /// ```
    InvalidChild {
        /// The supervisor.
        supervisor: Arc<str>,
        /// The child.
        child: Arc<str>,
        /// The offending option, named as in `supervision_tree!` (`shutdown`,
        /// `health.timeout`, `backoff.max`, ..).
        option: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A supervisor is already running under the name in this registry (OTP's
    /// `{already_started, Pid}`): here is its handle.
    AlreadyStarted {
        /// The name.
        name: Arc<str>,
        /// The supervisor running under it.
        existing: SupervisorHandle,
    },
    /// The supervisor's name is taken in the registry by a server that is not a supervisor.
    NameTaken {
        /// The name.
        name: Arc<str>,
    },
    /// The supervisor itself failed (a bug in perennial if it ever shows).
    Failed {
        /// The supervisor.
        supervisor: Arc<str>,
        /// How it failed.
        reason: ExitReason,
    },
}

impl fmt::Display for SupervisorStartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SupervisorStartError::ChildFailed {
                supervisor,
                child,
                cause,
            } => {
                write!(
                    f,
                    "supervisor `{supervisor}`: child `{child}` failed to start: "
                )?;
                match cause {
                    ExitReason::Error(e) => write!(f, "{e}"),
                    other => write!(f, "{other}"),
                }
            }
            SupervisorStartError::InvalidSpec {
                supervisor,
                flag,
                reason,
            } => write!(f, "supervisor `{supervisor}`: invalid `{flag}`: {reason}"),
            SupervisorStartError::InvalidChild {
                supervisor,
                child,
                option,
                reason,
            } => write!(
                f,
                "supervisor `{supervisor}`, child `{child}`: invalid `{option}`: {reason}"
            ),
            SupervisorStartError::AlreadyStarted { name, .. } => write!(
                f,
                "a supervisor is already running under the name `{name}` in this registry; use \
                 the returned handle, or start this one under another name or with a name scope"
            ),
            SupervisorStartError::NameTaken { name } => write!(
                f,
                "the name `{name}` is taken by a running server in this registry; names are \
                 unique across a tree"
            ),
            SupervisorStartError::Failed { supervisor, reason } => {
                write!(f, "supervisor `{supervisor}` failed to start: {reason}")
            }
        }
    }
}

impl std::error::Error for SupervisorStartError {}

/// Why a supervisor handle request failed (OTP's outcomes of the supervisor API).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum SupervisorError {
    /// No child has that name.
    NotFound(Arc<str>),
    /// `start_child`: a child of that name is running.
    AlreadyStarted(Arc<str>),
    /// `start_child`: a child of that name exists but is not running (stopped, or being
    /// restarted); restart or delete it.
    AlreadyPresent(Arc<str>),
    /// The child is running, so it cannot be restarted or deleted.
    Running(Arc<str>),
    /// The child is being restarted.
    Restarting(Arc<str>),
    /// A dynamic supervisor is full.
    MaxChildren(usize),
    /// The child failed to start.
    StartFailed {
        /// The child.
        child: Arc<str>,
        /// Why.
        reason: ExitReason,
    },
    /// The supervisor is not running (it shut down or is shutting down).
    NotRunning(CallError),
}

impl fmt::Display for SupervisorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SupervisorError::NotFound(n) => write!(f, "no child is named `{n}`"),
            SupervisorError::AlreadyStarted(n) => write!(f, "child `{n}` is already running"),
            SupervisorError::AlreadyPresent(n) => write!(
                f,
                "child `{n}` exists but is not running; use restart_child or delete_child"
            ),
            SupervisorError::Running(n) => {
                write!(f, "child `{n}` is running; terminate it first")
            }
            SupervisorError::Restarting(n) => write!(f, "child `{n}` is being restarted"),
            SupervisorError::MaxChildren(max) => {
                write!(
                    f,
                    "the dynamic supervisor already has its maximum of {max} children"
                )
            }
            SupervisorError::StartFailed { child, reason } => match reason {
                ExitReason::Error(e) => write!(f, "child `{child}` failed to start: {e}"),
                other => write!(f, "child `{child}` failed to start: {other}"),
            },
            SupervisorError::NotRunning(e) => write!(f, "the supervisor is not running: {e}"),
        }
    }
}

impl std::error::Error for SupervisorError {}

impl SupervisorHandle {
    async fn request(&self, request: Request) -> Result<Response, SupervisorError> {
        let target = match self.target.direct() {
            Some(_) => self.target.clone(),
            None => self.current().await?,
        };
        target
            .call(request)
            .await
            .map_err(SupervisorError::NotRunning)?
    }

    /// For a handle bound to a name: the supervisor holding the name now, waiting up to
    /// [`DEFAULT_CALL_TIMEOUT`] for one (a restart in progress). The request itself may take as
    /// long as it takes (stopping a child can), but it never waits forever for a supervisor that
    /// is gone.
    async fn current(&self) -> Result<Client<SupervisorServer>, SupervisorError> {
        let server = match self.target.resolve() {
            Some(server) => server,
            None => {
                // A ping through the name waits, within its timeout, for a server to hold it.
                self.target
                    .with_timeout(DEFAULT_CALL_TIMEOUT)
                    .ping()
                    .await
                    .map_err(SupervisorError::NotRunning)?;
                self.target.resolve().ok_or_else(|| {
                    SupervisorError::NotRunning(CallError::NotRunning {
                        name: Some(self.name().into()),
                    })
                })?
            }
        };
        Ok(Client::from(server).with_timeout(Duration::MAX))
    }

    /// The supervisor's name.
    ///
    /// ```
    /// use perennial_runtime::supervisor::{ChildSpec, SupervisorSpec};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sup = SupervisorSpec::new("app").start().await?;
    /// assert_eq!(sup.name(), "app");
    /// assert_eq!(sup.nested("db").name(), "db");
    /// # Ok(())
    /// # }
    /// ```
    pub fn name(&self) -> &str {
        self.target.name().unwrap_or_default()
    }

    /// The supervisor's name, shared (not copied) where the handle holds it.
    pub(crate) fn name_arc(&self) -> Arc<str> {
        match self.target.direct().and_then(|s| s.process.name()) {
            Some(name) => name.clone(),
            None => self.name().into(),
        }
    }

    /// The registry the tree's names live in.
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
    /// use perennial_runtime::supervisor::{ChildSpec, SupervisorSpec};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sup = SupervisorSpec::new("app")
    ///     .child(ChildSpec::server::<Counter>("counter", 0))
    ///     .start()
    ///     .await?;
    /// assert_eq!(sup.registry().names(), ["app".into(), "counter".into()]);
    /// assert_eq!(sup.registry().named::<Counter>("counter").call(()).await?, 0);
    /// # Ok(())
    /// # }
    /// ```
    pub fn registry(&self) -> &Registry {
        &self.tree.registry
    }

    /// A handle to the supervisor named `name` in this tree, bound to the name: it follows that
    /// supervisor across restarts. A request made while no supervisor holds the name waits up to
    /// [`DEFAULT_CALL_TIMEOUT`] for one (like a call through a [`NamedRef`](crate::NamedRef)),
    /// then fails with [`SupervisorError::NotRunning`]. Wrap it with
    /// [`DynamicSpec::attach`] for a typed handle to a nested dynamic supervisor.
    ///
    /// ```
    /// use perennial_runtime::supervisor::{ChildSpec, SupervisorSpec};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let workers = SupervisorSpec::new("workers")
    ///     .child(ChildSpec::task("worker", || std::future::pending::<()>()));
    /// let app = SupervisorSpec::new("app")
    ///     .child(ChildSpec::supervisor(workers))
    ///     .start()
    ///     .await?;
    /// let workers = app.nested("workers");
    /// assert_eq!(workers.count_children().await?.active, 1);
    /// workers.terminate_child("worker").await?;
    /// assert_eq!(workers.count_children().await?.active, 0);
    /// # Ok(())
    /// # }
    /// ```
    pub fn nested(&self, name: &str) -> SupervisorHandle {
        SupervisorHandle {
            target: Client::from(self.tree.registry.named::<SupervisorServer>(name))
                .with_timeout(Duration::MAX),
            tree: self.tree.clone(),
        }
    }

    /// Subscribes to the lifecycle events of the whole tree from now on.
    ///
    /// ```
    /// use perennial_runtime::ExitReason;
    /// use perennial_runtime::supervisor::{ChildSpec, Event, SupervisorSpec};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sup = SupervisorSpec::new("app")
    ///     .child(ChildSpec::task("worker", || std::future::pending::<()>()))
    ///     .start()
    ///     .await?;
    /// let mut events = sup.subscribe();
    /// sup.terminate_child("worker").await?;
    /// let Some(Event::Exited { child, reason, .. }) = events.next().await else {
    ///     panic!("the worker's exit comes first");
    /// };
    /// assert_eq!((&*child, reason), ("worker", ExitReason::Shutdown));
    /// # Ok(())
    /// # }
    /// ```
    pub fn subscribe(&self) -> EventStream {
        self.tree.events.subscribe()
    }

    /// The children, in start order (OTP's `which_children`).
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
    /// use perennial_runtime::supervisor::{ChildKind, ChildSpec, SupervisorSpec};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sup = SupervisorSpec::new("app")
    ///     .child(ChildSpec::server::<Counter>("counter", 0))
    ///     .child(ChildSpec::task("worker", || std::future::pending::<()>()))
    ///     .start()
    ///     .await?;
    /// let children = sup.which_children().await?;
    /// let names: Vec<&str> = children.iter().map(|c| &*c.name).collect();
    /// assert_eq!(names, ["counter", "worker"]);
    /// assert_eq!((children[0].kind, children[1].kind), (ChildKind::Server, ChildKind::Task));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn which_children(&self) -> Result<Vec<ChildInfo>, SupervisorError> {
        match self.request(Request::Which).await? {
            Response::Which(children) => Ok(children),
            _ => unreachable!("a supervisor answers Which with Which"),
        }
    }

    /// One child's status.
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
    /// use perennial_runtime::supervisor::{
    ///     ChildSpec, ChildState, Restart, SupervisorError, SupervisorSpec,
    /// };
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sup = SupervisorSpec::new("app")
    ///     .child(ChildSpec::server::<Counter>("counter", 0))
    ///     .start()
    ///     .await?;
    /// let counter = sup.registry().lookup::<Counter>("counter")?;
    /// let status = sup.child_status("counter").await?;
    /// assert_eq!(status.state, ChildState::Running(counter.id()));
    /// assert_eq!(status.restart, Restart::Permanent);
    /// assert_eq!(sup.child_status("nope").await, Err(SupervisorError::NotFound("nope".into())));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn child_status(&self, name: &str) -> Result<ChildInfo, SupervisorError> {
        match self.request(Request::Status(name.into())).await? {
            Response::Status(info) => Ok(info),
            _ => unreachable!("a supervisor answers Status with Status"),
        }
    }

    /// How many times a child has been restarted.
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
    /// let sup = SupervisorSpec::new("app")
    ///     .child(ChildSpec::server::<Counter>("counter", 0))
    ///     .start()
    ///     .await?;
    /// let mut events = sup.subscribe();
    /// assert_eq!(sup.restart_count("counter").await?, 0);
    /// sup.registry().lookup::<Counter>("counter")?.kill();
    /// events.wait_for(|e| matches!(e, Event::Restarted { .. })).await;
    /// assert_eq!(sup.restart_count("counter").await?, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn restart_count(&self, name: &str) -> Result<u32, SupervisorError> {
        Ok(self.child_status(name).await?.restarts)
    }

    /// A child's health status (`None` when it is not health-checked).
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
    /// use perennial_runtime::supervisor::{ChildSpec, SupervisorSpec};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sup = SupervisorSpec::new("app")
    ///     .child(ChildSpec::server::<Counter>("counter", 0)) // health-checked by default
    ///     .child(ChildSpec::task("worker", || std::future::pending::<()>()))
    ///     .start()
    ///     .await?;
    /// let health = sup.health("counter").await?.ok_or("not health-checked")?;
    /// assert!(health.enabled);
    /// assert_eq!(health.consecutive_failures, 0);
    /// assert_eq!(sup.health("worker").await?, None); // only gen_servers are pinged
    /// # Ok(())
    /// # }
    /// ```
    pub async fn health(&self, name: &str) -> Result<Option<HealthStatus>, SupervisorError> {
        Ok(self.child_status(name).await?.health)
    }

    /// Counts of the children (OTP's `count_children`).
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
    /// use perennial_runtime::supervisor::{ChildSpec, SupervisorSpec};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sup = SupervisorSpec::new("app")
    ///     .child(ChildSpec::server::<Counter>("counter", 0))
    ///     .child(ChildSpec::supervisor(SupervisorSpec::new("empty")))
    ///     .start()
    ///     .await?;
    /// sup.terminate_child("counter").await?;
    /// let counts = sup.count_children().await?;
    /// assert_eq!((counts.specs, counts.active), (2, 1));
    /// assert_eq!((counts.supervisors, counts.workers), (1, 1));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn count_children(&self) -> Result<ChildCounts, SupervisorError> {
        match self.request(Request::Count).await? {
            Response::Count(counts) => Ok(counts),
            _ => unreachable!("a supervisor answers Count with Count"),
        }
    }

    /// Adds and starts a child. Fails with `AlreadyStarted` or `AlreadyPresent` if the name is
    /// in use, or `StartFailed` (the spec is not kept), also when its options can never work
    /// (the checks of a supervisor's start: [`SupervisorStartError::InvalidChild`]).
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
    /// use perennial_runtime::supervisor::{ChildSpec, SupervisorError, SupervisorSpec};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sup = SupervisorSpec::new("app").start().await?;
    /// sup.start_child(ChildSpec::server::<Counter>("counter", 7)).await?;
    /// assert_eq!(sup.registry().named::<Counter>("counter").call(()).await?, 7);
    /// let again = sup.start_child(ChildSpec::server::<Counter>("counter", 7)).await;
    /// assert_eq!(again, Err(SupervisorError::AlreadyStarted("counter".into())));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn start_child(&self, spec: ChildSpec) -> Result<(), SupervisorError> {
        let checked = spec
            .check()
            .map_err(|(option, reason)| SupervisorStartError::InvalidChild {
                supervisor: self.name_arc(),
                child: spec.name.clone(),
                option,
                reason,
            })
            .and_then(|()| spec.nested().map_or(Ok(()), SupervisorSpec::validate));
        if let Err(error) = checked {
            return Err(SupervisorError::StartFailed {
                child: spec.name.clone(),
                reason: ExitReason::error(error),
            });
        }
        self.request(Request::StartChild(spec)).await.map(|_| ())
    }

    pub(crate) async fn start_child_any(
        &self,
        spec: ChildSpec,
    ) -> Result<(Arc<str>, Arc<dyn std::any::Any + Send + Sync>), SupervisorError> {
        match self.request(Request::StartChild(spec)).await? {
            Response::Started(name, any) => Ok((name, any)),
            _ => unreachable!("a supervisor answers StartChild with Started"),
        }
    }

    pub(crate) async fn resolve_any(
        &self,
        name: &str,
    ) -> Result<Option<Arc<dyn std::any::Any + Send + Sync>>, SupervisorError> {
        match self.request(Request::Resolve(name.into())).await? {
            Response::Resolved(any) => Ok(any),
            _ => unreachable!("a supervisor answers Resolve with Resolved"),
        }
    }

    /// Stops a child per its shutdown mode and keeps its spec (a temporary child's spec is
    /// deleted). Stopping a child that is not running is fine.
    ///
    /// ```
    /// use perennial_runtime::supervisor::{ChildSpec, ChildState, SupervisorSpec};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sup = SupervisorSpec::new("app")
    ///     .child(ChildSpec::task("worker", || std::future::pending::<()>()))
    ///     .start()
    ///     .await?;
    /// sup.terminate_child("worker").await?;
    /// assert_eq!(sup.child_status("worker").await?.state, ChildState::NotRunning);
    /// sup.terminate_child("worker").await?; // stopping it again is fine
    /// sup.restart_child("worker").await?; // its spec was kept
    /// # Ok(())
    /// # }
    /// ```
    pub async fn terminate_child(&self, name: &str) -> Result<(), SupervisorError> {
        self.terminate_child_with(name, ExitReason::Shutdown).await
    }

    /// Stops a child as [`terminate_child`](Self::terminate_child) does, but asks it to stop
    /// with `reason` instead of `Shutdown`: its `terminate` hook and the
    /// [`Event::Exited`] event see that reason. No restart follows, so the stop is not counted
    /// in the restart intensity. For layers above the supervisor that stop a child for a reason
    /// of their own (perennial-cluster stops a global child that lost its lease this way).
    ///
    /// ```
    /// use perennial_runtime::ExitReason;
    /// use perennial_runtime::supervisor::{ChildSpec, ChildState, SupervisorSpec};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sup = SupervisorSpec::new("app")
    ///     .child(ChildSpec::task("worker", || std::future::pending::<()>()))
    ///     .start()
    ///     .await?;
    /// sup.terminate_child_with("worker", ExitReason::error("lease lost")).await?;
    /// assert_eq!(sup.child_status("worker").await?.state, ChildState::NotRunning);
    /// sup.shutdown().await;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn terminate_child_with(
        &self,
        name: &str,
        reason: ExitReason,
    ) -> Result<(), SupervisorError> {
        self.request(Request::Terminate(name.into(), reason))
            .await
            .map(|_| ())
    }

    /// Starts a child that is not running. Fails with `Running`, `Restarting` or `NotFound`.
    ///
    /// ```
    /// use perennial_runtime::supervisor::{ChildSpec, ChildState, SupervisorError, SupervisorSpec};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sup = SupervisorSpec::new("app")
    ///     .child(ChildSpec::task("worker", || std::future::pending::<()>()))
    ///     .start()
    ///     .await?;
    /// let running = sup.restart_child("worker").await;
    /// assert_eq!(running, Err(SupervisorError::Running("worker".into())));
    /// sup.terminate_child("worker").await?;
    /// sup.restart_child("worker").await?;
    /// assert!(matches!(sup.child_status("worker").await?.state, ChildState::Running(_)));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn restart_child(&self, name: &str) -> Result<(), SupervisorError> {
        self.request(Request::Restart(name.into()))
            .await
            .map(|_| ())
    }

    /// Deletes the spec of a child that is not running. Fails with `Running`, `Restarting` or
    /// `NotFound`.
    ///
    /// ```
    /// use perennial_runtime::supervisor::{ChildSpec, SupervisorError, SupervisorSpec};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sup = SupervisorSpec::new("app")
    ///     .child(ChildSpec::task("worker", || std::future::pending::<()>()))
    ///     .start()
    ///     .await?;
    /// let running = sup.delete_child("worker").await;
    /// assert_eq!(running, Err(SupervisorError::Running("worker".into())));
    /// sup.terminate_child("worker").await?;
    /// sup.delete_child("worker").await?;
    /// assert_eq!(sup.count_children().await?.specs, 0);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn delete_child(&self, name: &str) -> Result<(), SupervisorError> {
        self.request(Request::Delete(name.into())).await.map(|_| ())
    }

    /// A snapshot of the supervisor and everything under it.
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
    /// use perennial_runtime::supervisor::{ChildSpec, ChildState, SupervisorSpec};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let db = SupervisorSpec::new("db").child(ChildSpec::server::<Counter>("pool", 0));
    /// let app = SupervisorSpec::new("app")
    ///     .child(ChildSpec::supervisor(db))
    ///     .start()
    ///     .await?;
    /// let snapshot = app.snapshot().await?;
    /// let pool = snapshot.find("pool").ok_or("no pool")?; // found in the nested supervisor
    /// assert!(matches!(pool.info.state, ChildState::Running(_)));
    /// assert!(snapshot.to_string().contains("pool (gen_server) running"));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn snapshot(&self) -> Result<Snapshot, SupervisorError> {
        snapshot::take(self).await
    }

    pub(crate) async fn snapshot_children(
        &self,
    ) -> Result<Vec<(ChildInfo, Option<SupervisorHandle>)>, SupervisorError> {
        match self.request(Request::Snapshot).await? {
            Response::Snapshot(children) => Ok(children),
            _ => unreachable!("a supervisor answers Snapshot with Snapshot"),
        }
    }

    /// The supervisor's incarnation: always the one started for a direct handle (alive or
    /// not), the current holder of the name for a name-bound one.
    pub(crate) fn server(&self) -> Option<ServerRef<SupervisorServer>> {
        self.target
            .direct()
            .cloned()
            .or_else(|| self.target.resolve())
    }

    /// `true` once the supervisor has been asked to stop, gave up (intensity), or has exited.
    ///
    /// ```
    /// use perennial_runtime::supervisor::SupervisorSpec;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sup = SupervisorSpec::new("app").start().await?;
    /// assert!(!sup.is_shutting_down());
    /// sup.shutdown().await;
    /// assert!(sup.is_shutting_down());
    /// # Ok(())
    /// # }
    /// ```
    pub fn is_shutting_down(&self) -> bool {
        self.server()
            .is_none_or(|s| !s.is_alive() || s.process.stop_request().is_some())
    }

    /// Stops the children in reverse order, then the supervisor, and waits for it. Idempotent:
    /// returns how the supervisor ended, whoever ended it.
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
    /// use perennial_runtime::supervisor::{ChildSpec, SupervisorSpec};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sup = SupervisorSpec::new("app")
    ///     .child(ChildSpec::server::<Counter>("counter", 0))
    ///     .start()
    ///     .await?;
    /// let counter = sup.registry().lookup::<Counter>("counter")?;
    /// assert_eq!(sup.shutdown().await, ExitReason::Shutdown);
    /// assert_eq!(counter.exit_reason(), Some(ExitReason::Shutdown)); // its children first
    /// assert_eq!(sup.shutdown().await, ExitReason::Shutdown); // idempotent
    /// # Ok(())
    /// # }
    /// ```
    pub async fn shutdown(&self) -> ExitReason {
        match self.server() {
            Some(server) => match server.stop(ExitReason::Shutdown).await {
                Ok(reason) => reason,
                Err(_) => server.wait_exit().await,
            },
            None => ExitReason::Shutdown,
        }
    }

    /// Waits until the supervisor exits and returns why: `Shutdown` after
    /// [`shutdown`](Self::shutdown), [`ExitReason::Escalated`] when it gave up.
    ///
    /// ```
    /// use std::time::Duration;
    /// use perennial_runtime::ExitReason;
    /// use perennial_runtime::supervisor::{ChildSpec, SupervisorSpec};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sup = SupervisorSpec::new("app")
    ///     .intensity(1, Duration::from_secs(5))
    ///     .child(ChildSpec::task("flaky", || async { Err::<(), _>("no connection") }))
    ///     .start()
    ///     .await?;
    /// // The task fails, is restarted once, fails again: one restart too many, and it gives up.
    /// assert!(matches!(sup.wait_exit().await, ExitReason::Escalated(_)));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn wait_exit(&self) -> ExitReason {
        match self.server() {
            Some(server) => server.wait_exit().await,
            None => ExitReason::Shutdown,
        }
    }

    /// The supervisor's exit reason, once it has exited.
    ///
    /// ```
    /// use perennial_runtime::ExitReason;
    /// use perennial_runtime::supervisor::SupervisorSpec;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sup = SupervisorSpec::new("app").start().await?;
    /// assert_eq!(sup.exit_reason(), None);
    /// sup.shutdown().await;
    /// assert_eq!(sup.exit_reason(), Some(ExitReason::Shutdown));
    /// # Ok(())
    /// # }
    /// ```
    pub fn exit_reason(&self) -> Option<ExitReason> {
        match self.server() {
            Some(server) => server.exit_reason(),
            None => Some(ExitReason::Shutdown),
        }
    }
}

/// A child of a supervisor, by name: what a tree gives out for a child that has no client of
/// its own (a task).
///
/// ```
/// use perennial_runtime::supervisor::{ChildHandle, ChildSpec, ChildState, SupervisorSpec};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let sup = SupervisorSpec::new("app")
///     .child(ChildSpec::task("worker", || std::future::pending::<()>()))
///     .start()
///     .await?;
/// let worker = ChildHandle::new(sup.clone(), "worker");
/// assert!(matches!(worker.status().await?.state, ChildState::Running(_)));
/// worker.terminate().await?;
/// assert_eq!(worker.status().await?.state, ChildState::NotRunning);
/// worker.restart().await?;
/// assert!(matches!(worker.status().await?.state, ChildState::Running(_)));
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct ChildHandle {
    supervisor: SupervisorHandle,
    name: Arc<str>,
}

impl ChildHandle {
    /// The child `name` of `supervisor`.
    ///
    /// ```
    /// use perennial_runtime::supervisor::{
    ///     ChildHandle, ChildSpec, SupervisorError, SupervisorSpec,
    /// };
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sup = SupervisorSpec::new("app")
    ///     .child(ChildSpec::task("worker", || std::future::pending::<()>()))
    ///     .start()
    ///     .await?;
    /// let worker = ChildHandle::new(sup.clone(), "worker");
    /// assert_eq!(worker.supervisor(), &sup);
    /// // A handle to a child that does not exist is made too; its requests fail.
    /// let nobody = ChildHandle::new(sup, "nobody");
    /// assert_eq!(nobody.status().await, Err(SupervisorError::NotFound("nobody".into())));
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(supervisor: SupervisorHandle, name: impl Into<Arc<str>>) -> Self {
        ChildHandle {
            supervisor,
            name: name.into(),
        }
    }

    /// The child's name.
    ///
    /// ```
    /// use perennial_runtime::supervisor::{ChildHandle, SupervisorSpec};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sup = SupervisorSpec::new("app").start().await?;
    /// assert_eq!(ChildHandle::new(sup, "worker").name(), "worker");
    /// # Ok(())
    /// # }
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its supervisor.
    ///
    /// ```
    /// use perennial_runtime::supervisor::{ChildHandle, ChildSpec, SupervisorSpec};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sup = SupervisorSpec::new("app")
    ///     .child(ChildSpec::task("worker", || std::future::pending::<()>()))
    ///     .start()
    ///     .await?;
    /// let worker = ChildHandle::new(sup.clone(), "worker");
    /// assert_eq!(worker.supervisor().name(), "app");
    /// assert_eq!(worker.supervisor().count_children().await?.active, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn supervisor(&self) -> &SupervisorHandle {
        &self.supervisor
    }

    /// Its status ([`SupervisorHandle::child_status`]).
    ///
    /// ```
    /// use perennial_runtime::supervisor::{
    ///     ChildHandle, ChildKind, ChildSpec, ChildState, SupervisorSpec,
    /// };
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sup = SupervisorSpec::new("app")
    ///     .child(ChildSpec::task("worker", || std::future::pending::<()>()))
    ///     .start()
    ///     .await?;
    /// let worker = ChildHandle::new(sup.clone(), "worker");
    /// let status = worker.status().await?;
    /// assert_eq!((&*status.name, status.kind), ("worker", ChildKind::Task));
    /// assert!(matches!(status.state, ChildState::Running(_)));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn status(&self) -> Result<ChildInfo, SupervisorError> {
        self.supervisor.child_status(&self.name).await
    }

    /// How many times it was restarted.
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
    /// use perennial_runtime::supervisor::{ChildHandle, ChildSpec, Event, SupervisorSpec};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sup = SupervisorSpec::new("app")
    ///     .child(ChildSpec::server::<Counter>("counter", 0))
    ///     .start()
    ///     .await?;
    /// let counter = ChildHandle::new(sup.clone(), "counter");
    /// let mut events = sup.subscribe();
    /// sup.registry().lookup::<Counter>("counter")?.kill();
    /// events.wait_for(|e| matches!(e, Event::Restarted { .. })).await;
    /// assert_eq!(counter.restart_count().await?, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn restart_count(&self) -> Result<u32, SupervisorError> {
        self.supervisor.restart_count(&self.name).await
    }

    /// Stops it ([`SupervisorHandle::terminate_child`]).
    ///
    /// ```
    /// use perennial_runtime::supervisor::{ChildHandle, ChildSpec, ChildState, SupervisorSpec};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sup = SupervisorSpec::new("app")
    ///     .child(ChildSpec::task("worker", || std::future::pending::<()>()))
    ///     .start()
    ///     .await?;
    /// let worker = ChildHandle::new(sup.clone(), "worker");
    /// worker.terminate().await?;
    /// assert_eq!(worker.status().await?.state, ChildState::NotRunning); // not restarted
    /// # Ok(())
    /// # }
    /// ```
    pub async fn terminate(&self) -> Result<(), SupervisorError> {
        self.supervisor.terminate_child(&self.name).await
    }

    /// Starts it again after a terminate ([`SupervisorHandle::restart_child`]).
    ///
    /// ```
    /// use perennial_runtime::supervisor::{ChildHandle, ChildSpec, ChildState, SupervisorSpec};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sup = SupervisorSpec::new("app")
    ///     .child(ChildSpec::task("worker", || std::future::pending::<()>()))
    ///     .start()
    ///     .await?;
    /// let worker = ChildHandle::new(sup.clone(), "worker");
    /// worker.terminate().await?;
    /// worker.restart().await?;
    /// assert!(matches!(worker.status().await?.state, ChildState::Running(_)));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn restart(&self) -> Result<(), SupervisorError> {
        self.supervisor.restart_child(&self.name).await
    }

    /// The process of its running incarnation, if it runs (to monitor it).
    pub(crate) async fn process(&self) -> Option<Arc<crate::process::Process>> {
        match self
            .supervisor
            .request(Request::Process(self.name.clone()))
            .await
        {
            Ok(Response::Process(process)) => process,
            _ => None,
        }
    }
}

/// Two handles are equal when they reach the same supervisor: the same incarnation for direct
/// handles, the same name for name-bound ones.
impl PartialEq for SupervisorHandle {
    fn eq(&self, other: &Self) -> bool {
        match (self.target.direct(), other.target.direct()) {
            (Some(a), Some(b)) => a.id() == b.id(),
            (None, None) => self.name() == other.name(),
            _ => false,
        }
    }
}

impl fmt::Debug for SupervisorHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SupervisorHandle")
            .field("name", &self.name())
            .finish()
    }
}
