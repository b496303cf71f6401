//! What a supervisor is: its strategy, intensity, `auto_shutdown`, children, and the checks
//! run on the whole tree before anything starts; and starting it.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;

use crate::process::Link;
use crate::supervisor::events::EventHub;
use crate::supervisor::handle::Tree;
use crate::supervisor::server::{Request, SupervisorArgs, SupervisorServer};
use crate::supervisor::template::DynamicLimits;
use crate::supervisor::{
    AutoShutdown, ChildSpec, Intensity, Strategy, SupervisorHandle, SupervisorStartError, child,
};
use crate::{Client, DEFAULT_CALL_TIMEOUT, GenServer, Registry, StartError};

/// What a supervisor is: its name, strategy, restart intensity and children.
#[derive(Clone, Debug)]
pub struct SupervisorSpec {
    pub(crate) name: Arc<str>,
    pub(crate) strategy: Strategy,
    pub(crate) intensity: Intensity,
    pub(crate) children: Vec<ChildSpec>,
    pub(crate) dynamic: Option<DynamicLimits>,
    pub(crate) auto_shutdown: AutoShutdown,
    /// Its children's names are registered inside its own (`<name>/<child>`).
    pub(crate) scoped: bool,
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
            intensity: Intensity::default(),
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
    /// assert_eq!((escalation.intensity.max_restarts, &*escalation.child), (2, "flaky"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn intensity(mut self, max_restarts: u32, within: Duration) -> Self {
        self.intensity = Intensity::new(max_restarts, within);
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
    pub(crate) fn validate(&self) -> Result<(), SupervisorStartError> {
        let invalid = |flag, reason: String| SupervisorStartError::InvalidSpec {
            supervisor: self.name.clone(),
            flag,
            reason,
        };
        if self.intensity.within.is_zero() {
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
                let (answer, answered) = oneshot::channel();
                let asked = existing
                    .with_timeout(DEFAULT_CALL_TIMEOUT)
                    .call(Request::Tree(answer))
                    .await;
                // Its answer is in the slot once the call has returned; not before (the request
                // may still wait in its mailbox after a timeout).
                let events = match asked {
                    Ok(Ok(())) => answered.await.ok(),
                    _ => None,
                };
                match events {
                    Some(events) => Err(SupervisorStartError::AlreadyStarted {
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
