//! The supervisor process: a gen_server whose state is the table of its children.
//!
//! Child exits arrive as info messages through each child's link; API requests from handles are
//! calls; an orderly shutdown is `terminate`. Being a gen_server, a supervisor keeps answering
//! its handle between restarts, and a retry of a failed restart goes through its own mailbox,
//! after any request already waiting (OTP's behaviour).
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::time::Instant;

use crate::process::LinkNotify;
use crate::supervisor::child::{HealthCheck, Restart};
use crate::supervisor::events::{Event, EventHub};
use crate::supervisor::intensity::RestartWindow;
use crate::supervisor::template::Template;
use crate::supervisor::{
    AutoShutdown, Strategy, SupervisorError, SupervisorSpec, SupervisorStartError,
};
use crate::timers::TimerRef;
use crate::{Context, ExitReason, GenServer, ProcessId, Registry, ServerRef};

mod api;
mod health;
mod restart;
mod start;
mod stop;
mod table;

pub(crate) use api::{Answer, Request, StartedChild};
use start::Start;
use table::{Child, Run};

pub(crate) struct SupervisorServer {
    name: Arc<str>,
    strategy: Strategy,
    /// Its intensity, and its recent restarts.
    restarts: RestartWindow,
    /// Static, or dynamic with its limit and its children's options.
    flavor: Flavor,
    auto_shutdown: AutoShutdown,
    /// In start order, which is the order of their keys: a key is found by binary search.
    /// A dynamic supervisor leaves a removed child's entry in place, marked removed, and sweeps
    /// them out once they are half of the table: a pool of many children that come and go
    /// does not move the whole table for every child that leaves.
    children: Vec<Child>,
    /// How many entries of `children` are marked removed.
    removed: usize,
    registry: Registry,
    events: EventHub,
    myself: ServerRef<SupervisorServer>,
    /// The exit callback of every child's link (one for all: the link's token is the key).
    link_notify: LinkNotify,
    /// Set when the supervisor stops all its children (it only does so going down): from then
    /// on their exits are not sent to it as notices.
    going_down: Arc<AtomicBool>,
    /// The key of the last child added.
    last_key: u64,
    /// The number of the last scheduled retry.
    last_retry: u64,
    /// The health checks' schedule: each health-checked child's next ping or look at its pong,
    /// as (nanoseconds since `epoch`, key), soonest first. One timer for all of them
    /// (`health_timer`), no task per child; an entry that no longer matches its child's
    /// [`HealthState::due`] is stale and skipped.
    health_due: BinaryHeap<Reverse<(u64, u64)>>,
    /// The timer armed for the soonest entry of `health_due`: when it is due, and the timer.
    health_timer: Option<(u64, TimerRef)>,
    /// What the schedule's times count from.
    epoch: Instant,
    span: tracing::Span,
}

/// Whether a supervisor's children are declared in its spec, or started at run time from a
/// template (a dynamic supervisor).
enum Flavor {
    Static,
    Dynamic {
        /// Its limit on children, if it has one.
        max_children: Option<usize>,
        /// The options of the children it starts, applied here (not by the handle) so that a
        /// handle made without the spec's values starts children with them.
        template: Template,
        /// The children's health check, shared by all of them.
        health: Option<Arc<HealthCheck>>,
    },
}

pub(crate) struct SupervisorArgs {
    pub(crate) spec: SupervisorSpec,
    pub(crate) registry: Registry,
    pub(crate) events: EventHub,
    /// A nested supervisor's child span in its parent (`child{name=db}`), which names it
    /// already: its children's spans go under it, with no `supervisor{name=db}` repeated.
    pub(crate) span: Option<tracing::Span>,
}

/// What children and timers tell the supervisor.
/// Children are named by their key, and an incarnation by its process id: news of an earlier
/// incarnation is ignored.
pub(crate) enum Notice {
    Exited {
        key: u64,
        id: ProcessId,
        reason: ExitReason,
    },
    /// Restart a child marked restarting. `counts` is false for a restart that was delayed by a
    /// backoff (already counted when decided) and true for a retry of a failed start.
    Retry { key: u64, retry: u64, counts: bool },
    /// The health checks' timer: some child's ping, or look at its pong, is due.
    HealthCheck,
}

impl GenServer for SupervisorServer {
    type Args = SupervisorArgs;
    type Call = Request;
    type Reply = Result<(), SupervisorError>;
    type Cast = Infallible;
    type Info = Notice;
    type Continue = Infallible;
    type Error = SupervisorStartError;

    async fn init(args: SupervisorArgs, ctx: &mut Context<Self>) -> Result<Self, Self::Error> {
        let SupervisorArgs {
            spec,
            registry,
            events,
            span,
        } = args;
        spec.validate()?;
        // A scoped supervisor's children live inside its name.
        let registry = if spec.scoped {
            registry.scope(&spec.name)
        } else {
            registry
        };
        let span = span.unwrap_or_else(|| tracing::info_span!("supervisor", name = %spec.name));
        let me = ctx.myself().clone();
        let going_down = Arc::new(AtomicBool::new(false));
        let link_notify: LinkNotify = Arc::new({
            let going_down = going_down.clone();
            move |key, id, reason| {
                // Once the supervisor stops all its children, it is going down and waits for
                // each itself: their exits are not news to queue in its mailbox.
                if !going_down.load(Ordering::Relaxed) {
                    let _ = me.info(Notice::Exited { key, id, reason });
                }
            }
        });
        let mut sup = SupervisorServer {
            restarts: RestartWindow::new(spec.intensity),
            name: spec.name.clone(),
            strategy: spec.strategy,
            flavor: match spec.dynamic {
                None => Flavor::Static,
                Some(dynamic) => Flavor::Dynamic {
                    max_children: dynamic.max_children,
                    template: dynamic.template,
                    health: dynamic.template.health.map(Arc::new),
                },
            },
            auto_shutdown: spec.auto_shutdown,
            children: Vec::with_capacity(spec.children.len()),
            removed: 0,
            registry,
            events,
            myself: ctx.myself().clone(),
            link_notify,
            going_down,
            last_key: 0,
            last_retry: 0,
            health_due: BinaryHeap::new(),
            health_timer: None,
            epoch: Instant::now(),
            span,
        };
        for child in spec.children {
            let name = child.name.clone();
            let idx = sup.add(child);
            match sup.start_child_at(idx).await {
                Ok(Start::Running) => sup.publish_started(idx, false),
                // OTP: the spec is kept with no running child; a temporary one is dropped.
                Ok(Start::Ignored(_)) => {
                    if sup.children[idx].spec.restart == Restart::Temporary {
                        sup.children.pop();
                    }
                }
                Err(reason) => {
                    // Roll back: stop what started, in reverse order.
                    sup.children.pop();
                    sup.stop_all().await;
                    return Err(SupervisorStartError::ChildFailed {
                        supervisor: sup.name.clone(),
                        child: name,
                        cause: reason,
                    });
                }
            }
        }
        sup.arm_health(ctx);
        Ok(sup)
    }

    async fn handle_call(
        &mut self,
        request: Request,
        ctx: &mut Context<Self>,
    ) -> Result<(), SupervisorError> {
        let response = self.request(request).await;
        // A child started or restarted may have its first check due before any other.
        self.arm_health(ctx);
        response
    }

    async fn handle_info(&mut self, notice: Notice, ctx: &mut Context<Self>) {
        match notice {
            Notice::Exited { key, id, reason } => self.child_exited(key, id, reason, ctx).await,
            Notice::Retry { key, retry, counts } => self.retry(key, retry, counts, ctx).await,
            Notice::HealthCheck => {
                self.health_timer = None;
                self.health_checks();
            }
        }
        self.arm_health(ctx);
    }

    async fn terminate(&mut self, reason: &ExitReason) {
        self.stop_all().await;
        self.publish(Event::ShutDown {
            supervisor: self.name.clone(),
            reason: reason.clone(),
        });
    }
}

impl SupervisorServer {
    fn is_dynamic(&self) -> bool {
        matches!(self.flavor, Flavor::Dynamic { .. })
    }

    fn publish(&self, event: Event) {
        let _entered = self.span.enter();
        self.events.publish(event);
    }

    fn publish_started(&self, idx: usize, restarted: bool) {
        let child = &self.children[idx];
        let Run::Running { started, .. } = &child.run else {
            return;
        };
        let (child_name, id) = (child.spec.name.clone(), started.process.id());
        self.publish(if restarted {
            Event::Restarted {
                supervisor: self.name.clone(),
                child: child_name,
                id,
                restarts: child.restarts,
            }
        } else {
            Event::Started {
                supervisor: self.name.clone(),
                child: child_name,
                id,
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test(start_paused = true)]
    async fn news_of_an_earlier_incarnation_is_ignored() {
        use crate::supervisor::{ChildInfo, ChildSpec, ChildState};
        use crate::test_support::Idle;
        let check = crate::supervisor::HealthCheck {
            interval: Duration::from_secs(3600),
            ..Default::default()
        };
        let sup = SupervisorSpec::new("sup")
            .child(ChildSpec::server::<Idle>("idle", ()).health(Some(check)))
            .start()
            .await
            .unwrap();
        let server = sup.server().unwrap();
        let id = |info: ChildInfo| match info.state {
            ChildState::Running(id) => id,
            other => panic!("not running: {other:?}"),
        };
        let first = id(sup.child_status("idle").await.unwrap());
        let mut events = sup.subscribe();
        sup.registry().lookup::<Idle>("idle").unwrap().kill();
        events
            .wait_for(|e| matches!(e, Event::Restarted { .. }))
            .await
            .unwrap();
        let second = id(sup.child_status("idle").await.unwrap());
        assert_ne!(first, second);
        let failures = async || {
            sup.health("idle")
                .await
                .unwrap()
                .unwrap()
                .consecutive_failures
        };
        // The first incarnation's exit, arriving late, changes nothing.
        let key = 1;
        server
            .info(Notice::Exited {
                key,
                id: first,
                reason: ExitReason::Killed,
            })
            .unwrap();
        assert_eq!(failures().await, 0);
        assert_eq!(sup.restart_count("idle").await, Ok(1));
        assert_eq!(id(sup.child_status("idle").await.unwrap()), second);
        // Nor does news of a key that was never given out.
        server
            .info(Notice::Exited {
                key: 7,
                id: second,
                reason: ExitReason::Killed,
            })
            .unwrap();
        assert_eq!(sup.restart_count("idle").await, Ok(1));
        assert_eq!(id(sup.child_status("idle").await.unwrap()), second);
    }
}
