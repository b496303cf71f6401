//! Starting one incarnation of a child: the starters of each kind of child, the supervisor's
//! hold on a started child, and how it talks to a running child.

use std::any::Any;
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
use crate::supervisor::{SupervisorHandle, SupervisorSpec};
use crate::task::{self, IntoExitReason, TaskControl};
use crate::{ExitReason, GenServer, ServerRef, StartError};

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

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

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
const CHILD_START_TIMEOUT: Duration = Duration::from_secs(60);

/// A gen_server child's args maker, boxed.
pub(super) type ArgsFn<S> = Box<dyn Fn() -> <S as GenServer>::Args + Send + Sync>;

/// Starts a gen_server; `F` makes its args (a dynamic supervisor's children share one type of
/// `F`, unboxed; other children box theirs).
pub(super) struct ServerStarter<S, F> {
    pub(super) args: F,
    pub(super) server: PhantomData<fn() -> S>,
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

pub(super) struct TaskStarter<F> {
    pub(super) f: F,
    /// Whether the task watches its token; a task that does not is aborted when stopped.
    pub(super) takes_token: bool,
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

pub(super) struct SupervisorStarter {
    pub(super) spec: SupervisorSpec,
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
    use crate::supervisor::ChildSpec;
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
}
