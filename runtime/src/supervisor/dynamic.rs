//! Dynamic supervisors: children of one gen_server type, started at run time with arguments
//! (OTP's simple_one_for_one, Elixir's DynamicSupervisor).

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use crate::supervisor::template::{DynamicLimits, Template};
use crate::supervisor::{
    Backoff, ChildSpec, HealthCheck, Restart, Shutdown, SupervisorError, SupervisorHandle,
    SupervisorSpec, SupervisorStartError,
};
use crate::{Client, GenServer, HasClient, Registry, ServerRef};

/// What a dynamic supervisor is: a name, a template for its children, and a limit.
///
/// Children are named `<supervisor>#<n>` and are not registered. Children that end for good
/// (temporary ones, transient ones that end normally) are removed. On shutdown all children are
/// asked to stop at once and share one timer.
///
/// ```
/// # use std::convert::Infallible;
/// # use perennial_runtime::{Context, GenServer};
/// # struct Job(u32);
/// # impl GenServer for Job {
/// #     type Args = u32; type Call = (); type Reply = u32; type Cast = Infallible;
/// #     type Info = Infallible; type Continue = Infallible; type Error = Infallible;
/// #     async fn init(n: u32, _: &mut Context<Self>) -> Result<Self, Infallible> { Ok(Job(n)) }
/// #     async fn handle_call(&mut self, _: (), _: &mut Context<Self>) -> u32 { self.0 }
/// # }
/// use perennial_runtime::supervisor::{DynamicSpec, Restart};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let jobs = DynamicSpec::<Job>::new("jobs")
///     .max_children(10)
///     .restart(Restart::Transient)
///     .start()
///     .await?;
/// let job = jobs.start_child(7).await?;
/// assert_eq!(job.call(()).await?, 7);
/// # Ok(())
/// # }
/// ```
pub struct DynamicSpec<S: GenServer> {
    /// Its name and intensity, as any supervisor's.
    spec: SupervisorSpec,
    /// What makes it dynamic.
    limits: DynamicLimits,
    _server: PhantomData<fn() -> S>,
}

impl<S: GenServer> Clone for DynamicSpec<S> {
    fn clone(&self) -> Self {
        DynamicSpec {
            spec: self.spec.clone(),
            limits: self.limits,
            _server: PhantomData,
        }
    }
}

impl<S> DynamicSpec<S>
where
    S: GenServer,
    S::Args: Clone + Sync,
{
    /// A dynamic supervisor with no limit on children, default intensity, and children that are
    /// permanent, health-checked, and given 5 s to stop.
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
    /// use perennial_runtime::supervisor::{DynamicSpec, Restart};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let counters = DynamicSpec::<Counter>::new("counters").start().await?;
    /// let counter = counters.start_child(0).await?;
    /// let status = counters.child_status(counter.name().ok_or("unnamed")?).await?;
    /// assert_eq!(status.restart, Restart::Permanent);
    /// assert!(status.health.is_some());
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(name: impl Into<Arc<str>>) -> Self {
        DynamicSpec {
            spec: SupervisorSpec::new(name),
            limits: DynamicLimits {
                max_children: None,
                template: Template {
                    restart: Restart::Permanent,
                    shutdown: Shutdown::WORKER_DEFAULT,
                    health: Some(HealthCheck::default()),
                    backoff: None,
                },
            },
            _server: PhantomData,
        }
    }

    /// Refuses `start_child` with [`SupervisorError::MaxChildren`] beyond `max` children
    /// (restarting ones count). `max` must be at least 1 (leave it out for no limit): the start
    /// fails with [`SupervisorStartError::InvalidSpec`] otherwise.
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
    /// use perennial_runtime::supervisor::{DynamicSpec, SupervisorError};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let counters = DynamicSpec::<Counter>::new("counters").max_children(1).start().await?;
    /// counters.start_child(1).await?;
    /// assert_eq!(counters.start_child(2).await, Err(SupervisorError::MaxChildren(1)));
    /// # Ok(())
    /// # }
    /// ```
    pub fn max_children(mut self, max: usize) -> Self {
        self.limits.max_children = Some(max);
        self
    }

    /// Sets the restart intensity.
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
    /// use perennial_runtime::ExitReason;
    /// use perennial_runtime::supervisor::DynamicSpec;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let counters = DynamicSpec::<Counter>::new("counters")
    ///     .intensity(0, Duration::from_secs(5)) // no restart allowed
    ///     .start()
    ///     .await?;
    /// counters.start_child(1).await?.kill();
    /// assert!(matches!(counters.wait_exit().await, ExitReason::Escalated(_)));
    /// # Ok(())
    /// # }
    /// ```
    pub fn intensity(mut self, max_restarts: u32, within: Duration) -> Self {
        self.spec = self.spec.intensity(max_restarts, within);
        self
    }

    /// The children's restart type.
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
    /// use perennial_runtime::supervisor::{DynamicSpec, Event, Restart};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let counters = DynamicSpec::<Counter>::new("counters")
    ///     .restart(Restart::Temporary)
    ///     .start()
    ///     .await?;
    /// let mut events = counters.subscribe();
    /// counters.start_child(1).await?.kill();
    /// events.wait_for(|e| matches!(e, Event::Exited { .. })).await;
    /// assert_eq!(counters.count_children().await?.specs, 0); // not restarted: removed
    /// # Ok(())
    /// # }
    /// ```
    pub fn restart(mut self, restart: Restart) -> Self {
        self.limits.template.restart = restart;
        self
    }

    /// How the children are stopped.
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
    /// use perennial_runtime::supervisor::{DynamicSpec, Shutdown};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let counters = DynamicSpec::<Counter>::new("counters")
    ///     .shutdown(Shutdown::BrutalKill)
    ///     .start()
    ///     .await?;
    /// let counter = counters.start_child(1).await?;
    /// counters.shutdown().await;
    /// assert_eq!(counter.exit_reason(), Some(ExitReason::Killed));
    /// # Ok(())
    /// # }
    /// ```
    pub fn shutdown(mut self, shutdown: Shutdown) -> Self {
        self.limits.template.shutdown = shutdown;
        self
    }

    /// The children's health check, or `None` for none.
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
    /// use perennial_runtime::supervisor::DynamicSpec;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let counters = DynamicSpec::<Counter>::new("counters").health(None).start().await?;
    /// let counter = counters.start_child(1).await?;
    /// assert_eq!(counters.health(counter.name().ok_or("unnamed")?).await?, None);
    /// # Ok(())
    /// # }
    /// ```
    pub fn health(mut self, health: Option<HealthCheck>) -> Self {
        self.limits.template.health = health;
        self
    }

    /// The children's restart backoff; `None` (the default) restarts them at once. Takes a
    /// [`Backoff`] or an `Option<Backoff>`.
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
    /// use perennial_runtime::supervisor::{Backoff, DynamicSpec, Event};
    /// use tokio::time::Instant;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let backoff = Backoff {
    ///     initial: Duration::from_secs(1),
    ///     factor: 2.0,
    ///     max: Duration::from_secs(30),
    /// };
    /// let counters = DynamicSpec::<Counter>::new("counters").backoff(backoff).start().await?;
    /// let mut events = counters.subscribe();
    /// let killed = Instant::now();
    /// counters.start_child(1).await?.kill();
    /// events.wait_for(|e| matches!(e, Event::Restarted { .. })).await;
    /// assert_eq!(killed.elapsed(), Duration::from_secs(1));
    /// # Ok(())
    /// # }
    /// ```
    pub fn backoff(mut self, backoff: impl Into<Option<Backoff>>) -> Self {
        self.limits.template.backoff = backoff.into();
        self
    }

    /// The spec as a plain supervisor spec, to nest it in a tree with
    /// [`ChildSpec::supervisor`].
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
    /// use perennial_runtime::supervisor::{ChildSpec, DynamicSpec, SupervisorSpec};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let spec = DynamicSpec::<Counter>::new("counters");
    /// let app = SupervisorSpec::new("app")
    ///     .child(ChildSpec::supervisor(spec.supervisor_spec()))
    ///     .start()
    ///     .await?;
    /// let counters = spec.attach(app.nested("counters"));
    /// assert_eq!(counters.start_child(3).await?.call(()).await?, 3);
    /// # Ok(())
    /// # }
    /// ```
    pub fn supervisor_spec(&self) -> SupervisorSpec {
        SupervisorSpec {
            dynamic: Some(self.limits),
            ..self.spec.clone()
        }
    }

    /// Starts it with a new registry.
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
    /// use perennial_runtime::supervisor::DynamicSpec;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let counters = DynamicSpec::<Counter>::new("counters").start().await?;
    /// assert_eq!(counters.name(), "counters");
    /// assert_eq!(counters.count_children().await?.specs, 0);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn start(self) -> Result<DynamicSupervisor<S>, SupervisorStartError> {
        self.start_in(&Registry::new()).await
    }

    /// Starts it, registering its name in `registry`.
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
    /// use perennial_runtime::supervisor::DynamicSpec;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let registry = Registry::new();
    /// let counters = DynamicSpec::<Counter>::new("counters").start_in(&registry).await?;
    /// counters.start_child(1).await?;
    /// assert_eq!(registry.names(), ["counters".into()]); // its children are not registered
    /// # Ok(())
    /// # }
    /// ```
    pub async fn start_in(
        self,
        registry: &Registry,
    ) -> Result<DynamicSupervisor<S>, SupervisorStartError> {
        let handle = self.supervisor_spec().start_in(registry).await?;
        Ok(self.attach(handle))
    }

    /// A typed handle for a dynamic supervisor started from this spec (for example as a child
    /// of a tree, with `handle` from the tree).
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
    /// use perennial_runtime::supervisor::{ChildSpec, DynamicSpec, SupervisorSpec};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let spec = DynamicSpec::<Counter>::new("counters");
    /// let app = SupervisorSpec::new("app")
    ///     .child(ChildSpec::supervisor(spec.supervisor_spec()))
    ///     .start()
    ///     .await?;
    /// let counters = spec.attach(app.nested("counters"));
    /// assert_eq!(counters.start_child(3).await?.call(()).await?, 3);
    /// # Ok(())
    /// # }
    /// ```
    pub fn attach(&self, handle: SupervisorHandle) -> DynamicSupervisor<S> {
        DynamicSupervisor::from_handle(handle)
    }
}

/// A typed handle to a dynamic supervisor of `S` servers.
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
/// use perennial_runtime::supervisor::DynamicSpec;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let counters = DynamicSpec::<Counter>::new("counters").start().await?;
/// let (a, b) = (counters.start_child(1).await?, counters.start_child(2).await?);
/// assert_eq!((a.call(()).await?, b.call(()).await?), (1, 2));
/// // Every `SupervisorHandle` method works on it too.
/// assert_eq!(counters.count_children().await?.active, 2);
/// # Ok(())
/// # }
/// ```
pub struct DynamicSupervisor<S: GenServer> {
    handle: SupervisorHandle,
    _server: PhantomData<fn() -> S>,
}

impl<S: GenServer> Clone for DynamicSupervisor<S> {
    fn clone(&self) -> Self {
        DynamicSupervisor::from_handle(self.handle.clone())
    }
}

impl<S: GenServer> DynamicSupervisor<S> {
    /// The typed view of a dynamic supervisor's handle (the supervisor holds the options of the
    /// children it starts).
    pub(crate) fn from_handle(handle: SupervisorHandle) -> Self {
        DynamicSupervisor {
            handle,
            _server: PhantomData,
        }
    }
}

impl<S> DynamicSupervisor<S>
where
    S: GenServer,
    S::Args: Clone + Sync,
{
    /// Starts a child with `args` (kept, cloned, for its restarts) and returns its reference.
    /// The reference reaches this incarnation; after a restart use
    /// [`child`](Self::child) with the child's name ([`ServerRef::name`]).
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
    /// use perennial_runtime::supervisor::DynamicSpec;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let counters = DynamicSpec::<Counter>::new("counters").start().await?;
    /// let counter = counters.start_child(7).await?;
    /// assert_eq!(counter.call(()).await?, 7);
    /// assert!(counter.name().is_some_and(|name| name.starts_with("counters#")));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn start_child(&self, args: S::Args) -> Result<ServerRef<S>, SupervisorError> {
        // The supervisor names the child and gives it its options: start with its own name
        // rather than allocate one.
        let spec = ChildSpec::dynamic_server::<S>(self.handle.name_arc(), args);
        let (name, any) = self.handle.start_child_any(spec).await?;
        any.downcast_ref::<ServerRef<S>>()
            .cloned()
            .ok_or(SupervisorError::NotFound(name))
    }

    /// [`start_child`](Self::start_child), returning the server's typed client (for a
    /// `#[gen_server]`, its `<Type>Client`) instead of a [`ServerRef`].
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
    /// use perennial_runtime::supervisor::DynamicSpec;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # impl perennial_runtime::HasClient for Counter {
    /// #     type Client = perennial_runtime::Client<Counter>;
    /// # }
    /// let counters = DynamicSpec::<Counter>::new("counters").start().await?;
    /// let counter = counters.start_client(7).await?; // `Counter`'s typed client
    /// assert_eq!(counter.call(()).await?, 7);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn start_client(&self, args: S::Args) -> Result<S::Client, SupervisorError>
    where
        S: HasClient,
    {
        let server = self.start_child(args).await?;
        Ok(S::Client::from(Client::from(server)))
    }

    /// The current incarnation of the child named `name`, if it is running.
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
    /// use perennial_runtime::supervisor::{DynamicSpec, Event};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let counters = DynamicSpec::<Counter>::new("counters").start().await?;
    /// let first = counters.start_child(7).await?;
    /// let name = first.name().ok_or("unnamed")?;
    /// let mut events = counters.subscribe();
    /// first.kill();
    /// events.wait_for(|e| matches!(e, Event::Restarted { .. })).await;
    /// let now = counters.child(name).await?.ok_or("not running")?;
    /// assert_ne!(now.id(), first.id()); // a new incarnation...
    /// assert_eq!(now.call(()).await?, 7); // ...started with the same args
    /// # Ok(())
    /// # }
    /// ```
    pub async fn child(&self, name: &str) -> Result<Option<ServerRef<S>>, SupervisorError> {
        Ok(self
            .handle
            .resolve_any(name)
            .await?
            .and_then(|any| any.downcast_ref::<ServerRef<S>>().cloned()))
    }
}

impl<S: GenServer> std::ops::Deref for DynamicSupervisor<S> {
    type Target = SupervisorHandle;

    /// Every [`SupervisorHandle`] method works on a dynamic supervisor too.
    fn deref(&self) -> &SupervisorHandle {
        &self.handle
    }
}
