//! Handles: a running supervisor's, and one of its children's by name. A handle's requests go
//! to the supervisor's mailbox and wait for its answer.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::supervisor::events::EventHub;
use tokio::sync::oneshot;

use crate::supervisor::server::{Answer, Request, StartedChild, SupervisorServer};
use crate::supervisor::{
    ChildCounts, ChildInfo, ChildSpec, EventStream, HealthStatus, SupervisorError, SupervisorSpec,
    SupervisorStartError,
};
use crate::{CallError, Client, DEFAULT_CALL_TIMEOUT, ExitReason, Registry, ServerRef};

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

impl SupervisorHandle {
    /// Sends `request` and waits for the supervisor to have handled it.
    async fn request(&self, request: Request) -> Result<(), SupervisorError> {
        let target = match self.target.direct() {
            Some(_) => self.target.clone(),
            None => self.current().await?,
        };
        target
            .call(request)
            .await
            .map_err(SupervisorError::NotRunning)?
    }

    /// Sends a request that asks for a value, and returns the supervisor's answer.
    async fn ask<T>(
        &self,
        request: impl FnOnce(Answer<T>) -> Request,
    ) -> Result<T, SupervisorError> {
        let (answer, answered) = oneshot::channel();
        self.request(request(answer)).await?;
        // The supervisor answers before it returns from the call; a slot dropped unanswered
        // can only mean it is gone.
        answered.await.map_err(|_| self.not_running())
    }

    /// The error of a request that found the supervisor gone.
    fn not_running(&self) -> SupervisorError {
        SupervisorError::NotRunning(CallError::NotRunning {
            name: Some(self.name().into()),
        })
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
                self.target.resolve().ok_or_else(|| self.not_running())?
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
    /// [`DynamicSpec::attach`](crate::supervisor::DynamicSpec::attach) for a typed handle to a nested dynamic supervisor.
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
        self.ask(Request::Which).await
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
        self.ask(|a| Request::Status(name.into(), a)).await
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
        self.ask(Request::Count).await
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
        self.start_child_any(spec).await.map(|_| ())
    }

    pub(crate) async fn start_child_any(
        &self,
        spec: ChildSpec,
    ) -> Result<StartedChild, SupervisorError> {
        self.ask(|a| Request::StartChild(spec, a)).await
    }

    pub(crate) async fn resolve_any(
        &self,
        name: &str,
    ) -> Result<Option<Arc<dyn std::any::Any + Send + Sync>>, SupervisorError> {
        self.ask(|a| Request::Resolve(name.into(), a)).await
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
    /// [`Event::Exited`](crate::supervisor::Event::Exited) event see that reason. No restart follows, so the stop is not counted
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

    pub(crate) async fn snapshot_children(
        &self,
    ) -> Result<Vec<(ChildInfo, Option<SupervisorHandle>)>, SupervisorError> {
        self.ask(Request::Snapshot).await
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
        let name = self.name.clone();
        let process = self.supervisor.ask(|a| Request::Process(name, a)).await;
        process.ok().flatten()
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
