//! The supervisor process: a gen_server whose state is the table of its children.
//!
//! Child exits arrive as info messages through each child's link; API requests from handles are
//! calls; an orderly shutdown is `terminate`. Being a gen_server, a supervisor keeps answering
//! its handle between restarts, and a retry of a failed restart goes through its own mailbox,
//! after any request already waiting (OTP's behaviour).

use std::any::Any;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use tokio::task::AbortHandle;
use tokio::time::Instant;

use crate::process::{Link, LinkNotify, Process};
use crate::registry::NameClaim;
use crate::supervisor::child::{
    ChildKind, ChildSpec, HealthCheck, PingReply, Restart, Shutdown, StartCtx, Started,
    start as start_one,
};
use crate::supervisor::events::{Event, EventHub};
use crate::supervisor::intensity::Intensity;
use crate::supervisor::{
    AutoShutdown, ChildCounts, ChildInfo, ChildState, HealthStatus, Strategy, SupervisorError,
    SupervisorHandle, SupervisorSpec, SupervisorStartError,
};
use crate::timers::TimerRef;
use crate::{Context, Escalation, ExitReason, GenServer, ProcessId, Registry, ServerRef};

pub(crate) struct SupervisorServer {
    name: Arc<str>,
    strategy: Strategy,
    max_restarts: u32,
    within: Duration,
    intensity: Intensity,
    /// `Some` for a dynamic supervisor: its limit on children.
    dynamic: Option<Option<usize>>,
    auto_shutdown: AutoShutdown,
    /// A dynamic supervisor's options of the children it starts, applied here (not by the
    /// handle) so that a handle made without the spec's values starts children with them.
    template: Option<crate::supervisor::dynamic::Template>,
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
    /// A dynamic supervisor's children's health check, shared by all of them.
    template_health: Option<Arc<HealthCheck>>,
    span: tracing::Span,
}

struct Child {
    /// The child's number in this supervisor, given when it is added and never reused: its
    /// links, health checks and retries name it by this key, and keys grow along `children`.
    key: u64,
    spec: ChildSpec,
    run: Run,
    restarts: u32,
    /// Its health checks' state (all zero for a child without).
    health: HealthState,
    /// For a child with a backoff, once started.
    backoff: Option<Box<BackoffState>>,
    /// Whether this permanent task has been warned about for ending normally.
    warned_normal_end: bool,
    /// For a registered child: the supervisor's hold on its name, expecting it while the child
    /// runs or is being brought back, so that calls through the name wait only then.
    claim: Option<NameClaim>,
}

/// A health-checked child's checks: kept in its entry (32 bytes), with no task or timer of its
/// own. A check is a ping sent at `due`, and a look at its slot `timeout` later: a pong in it
/// passes, an empty slot is a miss.
#[derive(Default)]
struct HealthState {
    consecutive_failures: u32,
    /// When the child was last pinged: nanoseconds since the supervisor's epoch, plus one
    /// (0: never).
    last_check: u64,
    /// When its next ping is sent, or (with `ping` out) its pong looked at: nanoseconds since
    /// the supervisor's epoch (0: nothing scheduled).
    due: u64,
    /// The pong's slot of the ping out, if one is.
    ping: Option<PingReply>,
    /// A ping is out that could not be queued (a miss when its timeout passes).
    unsent: bool,
}

#[derive(Default)]
struct BackoffState {
    /// Consecutive restarts; reset once the child stays up for the restart window.
    attempt: u32,
    started_at: Option<Instant>,
    /// The timer of a delayed retry, while one is pending.
    retry_timer: Option<AbortHandle>,
}

enum Run {
    Running {
        started: Started,
    },
    /// Waiting for a retry (a failed restart, or a backoff delay); `retry` tells stale retries
    /// apart.
    Restarting {
        retry: u64,
    },
    NotRunning,
    /// Gone from a dynamic supervisor; the entry waits to be swept out.
    Removed,
}

impl Drop for Child {
    fn drop(&mut self) {
        // A supervisor that is dropped without its orderly shutdown (it was killed) takes its
        // children with it, as an OTP supervisor's exit does, and its timers.
        self.stop_timers();
        if let Run::Running { started, .. } = &self.run {
            started.process.kill();
        }
    }
}

impl Child {
    fn new(key: u64, spec: ChildSpec, claim: Option<NameClaim>) -> Self {
        Child {
            key,
            spec,
            run: Run::NotRunning,
            restarts: 0,
            health: HealthState::default(),
            backoff: None,
            warned_normal_end: false,
            claim,
        }
    }

    /// Whether calls through the child's name should wait for it: `true` while it runs or is
    /// being brought back, `false` once nobody will bring it back.
    fn expect_name(&mut self, expecting: bool) {
        if let Some(claim) = &mut self.claim {
            claim.expect(expecting);
        }
    }

    /// Stops the child's health checks and any pending delayed retry, so that no task of the
    /// supervisor outlives the child's run (or the supervisor).
    fn stop_timers(&mut self) {
        // Its entry in the schedule goes stale.
        self.health.due = 0;
        self.health.ping = None;
        self.health.unsent = false;
        if let Some(task) = self.backoff.as_mut().and_then(|b| b.retry_timer.take()) {
            task.abort();
        }
    }

    fn is_removed(&self) -> bool {
        matches!(self.run, Run::Removed)
    }

    /// `true` if the child's current run is the process `id` (not an earlier incarnation).
    fn is_running(&self, id: ProcessId) -> bool {
        matches!(&self.run, Run::Running { started } if started.process.id() == id)
    }

    fn info(&self, epoch: Instant) -> ChildInfo {
        ChildInfo {
            name: self.spec.name.clone(),
            kind: self.spec.kind,
            restart: self.spec.restart,
            state: match &self.run {
                Run::Running { started, .. } => ChildState::Running(started.process.id()),
                Run::Restarting { .. } => ChildState::Restarting,
                Run::NotRunning | Run::Removed => ChildState::NotRunning,
            },
            restarts: self.restarts,
            health: self.spec.health.as_ref().map(|_| {
                let last_check = (self.health.last_check > 0)
                    .then(|| epoch + Duration::from_nanos(self.health.last_check - 1));
                HealthStatus {
                    enabled: true,
                    consecutive_failures: self.health.consecutive_failures,
                    last_check,
                    // Wall-clock time: as long ago as on the monotonic clock.
                    last_check_at: last_check
                        .map(|at| SystemTime::now() - Instant::now().saturating_duration_since(at)),
                }
            }),
        }
    }
}

pub(crate) struct SupervisorArgs {
    pub(crate) spec: SupervisorSpec,
    pub(crate) registry: Registry,
    pub(crate) events: EventHub,
    /// A nested supervisor's child span in its parent (`child{name=db}`), which names it
    /// already: its children's spans go under it, with no `supervisor{name=db}` repeated.
    pub(crate) span: Option<tracing::Span>,
}

/// Requests from a [`SupervisorHandle`].
pub(crate) enum Request {
    Which,
    Status(Arc<str>),
    Count,
    StartChild(ChildSpec),
    Terminate(Arc<str>, ExitReason),
    Restart(Arc<str>),
    Delete(Arc<str>),
    Snapshot,
    Resolve(Arc<str>),
    /// The tree's events, for a handle to this supervisor made elsewhere.
    Tree,
    /// The process of a running child, whatever its kind (to monitor it).
    Process(Arc<str>),
}

pub(crate) enum Response {
    Which(Vec<ChildInfo>),
    Status(ChildInfo),
    Count(ChildCounts),
    Started(Arc<str>, Arc<dyn Any + Send + Sync>),
    Done,
    Snapshot(Vec<(ChildInfo, Option<SupervisorHandle>)>),
    Resolved(Option<Arc<dyn Any + Send + Sync>>),
    Tree(EventHub),
    Process(Option<Arc<Process>>),
}

/// How a child's start went, when it did not fail.
enum Start {
    /// The child runs, recorded in its entry.
    Running,
    /// Its `init` declined to start (OTP's `ignore`): the entry is left not running, and here
    /// is the reference to the server that did not start.
    Ignored(Started),
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
    type Reply = Result<Response, SupervisorError>;
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
            intensity: Intensity::new(spec.max_restarts, spec.within),
            name: spec.name.clone(),
            strategy: spec.strategy,
            max_restarts: spec.max_restarts,
            within: spec.within,
            dynamic: spec.dynamic.map(|d| d.max_children),
            auto_shutdown: spec.auto_shutdown,
            template: spec.dynamic.map(|d| d.template),
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
            template_health: spec.dynamic.and_then(|d| d.template.health).map(Arc::new),
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
    ) -> Result<Response, SupervisorError> {
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
    async fn request(&mut self, request: Request) -> Result<Response, SupervisorError> {
        let epoch = self.epoch;
        match request {
            Request::Which => Ok(Response::Which(
                self.live().map(|c| c.info(epoch)).collect(),
            )),
            Request::Status(name) => Ok(Response::Status(self.child(&name)?.info(epoch))),
            Request::Count => Ok(Response::Count(self.count())),
            Request::StartChild(spec) => self.api_start_child(spec).await,
            Request::Terminate(name, reason) => self.api_terminate(&name, reason).await,
            Request::Restart(name) => self.api_restart(&name).await,
            Request::Delete(name) => self.api_delete(&name),
            Request::Snapshot => Ok(Response::Snapshot(
                self.live()
                    .map(|c| {
                        let nested = match &c.run {
                            Run::Running { started, .. } => started.control.supervisor(),
                            _ => None,
                        };
                        (c.info(epoch), nested)
                    })
                    .collect(),
            )),
            Request::Process(name) => Ok(Response::Process(match &self.child(&name)?.run {
                Run::Running { started, .. } => Some(started.process.clone()),
                _ => None,
            })),
            Request::Resolve(name) => Ok(Response::Resolved(match &self.child(&name)?.run {
                Run::Running { started, .. } => Some(started.typed()),
                _ => None,
            })),
            Request::Tree => Ok(Response::Tree(self.events.clone())),
        }
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

    /// Adds a child at the end, with the next key, and returns its index.
    fn add(&mut self, spec: ChildSpec) -> usize {
        self.last_key += 1;
        // Tasks have no name in the registry to claim.
        let claim = (spec.register && spec.kind != ChildKind::Task)
            .then(|| self.registry.claim(spec.name.clone()));
        self.children.push(Child::new(self.last_key, spec, claim));
        self.children.len() - 1
    }

    /// The index of the child with `key`, if it is still there.
    fn index_of(&self, key: u64) -> Option<usize> {
        self.children
            .binary_search_by_key(&key, |c| c.key)
            .ok()
            .filter(|&idx| !self.children[idx].is_removed())
    }

    /// The children, in start order.
    fn live(&self) -> impl Iterator<Item = &Child> {
        self.children.iter().filter(|c| !c.is_removed())
    }

    /// How many children there are.
    fn len(&self) -> usize {
        self.children.len() - self.removed
    }

    /// Removes the child at `idx` (stopped already), keeping the other children's order.
    fn remove(&mut self, idx: usize) {
        if self.dynamic.is_none() {
            self.children.remove(idx);
            return;
        }
        let child = &mut self.children[idx];
        child.stop_timers();
        child.run = Run::Removed;
        self.removed += 1;
        if self.removed >= 64 && self.removed * 2 >= self.children.len() {
            self.children.retain(|c| !c.is_removed());
            self.removed = 0;
        }
    }

    fn child(&self, name: &str) -> Result<&Child, SupervisorError> {
        Ok(&self.children[self.position(name)?])
    }

    fn position(&self, name: &str) -> Result<usize, SupervisorError> {
        let found = if self.dynamic.is_some() {
            // A dynamic child is named `<supervisor>#<key>`: no need to compare every name.
            name.rsplit_once('#')
                .and_then(|(_, key)| key.parse().ok())
                .and_then(|key| self.index_of(key))
                .filter(|&idx| &*self.children[idx].spec.name == name)
        } else {
            self.children.iter().position(|c| &*c.spec.name == name)
        };
        found.ok_or_else(|| SupervisorError::NotFound(name.into()))
    }

    fn count(&self) -> ChildCounts {
        let mut counts = ChildCounts {
            specs: self.len(),
            ..ChildCounts::default()
        };
        for c in self.live() {
            if matches!(c.run, Run::Running { .. }) {
                counts.active += 1;
            }
            if c.spec.kind.is_supervisor() {
                counts.supervisors += 1;
            } else {
                counts.workers += 1;
            }
        }
        counts
    }

    /// Starts the child at `idx` (which must not be running), links it, and arms its health
    /// check. On failure, or when its `init` declines to start, the child is left not running.
    async fn start_child_at(&mut self, idx: usize) -> Result<Start, ExitReason> {
        let key = self.children[idx].key;
        let link = Link {
            token: key,
            notify: self.link_notify.clone(),
        };
        let spec = &self.children[idx].spec;
        let span = tracing::info_span!(parent: &self.span, "child", name = %spec.name);
        let ctx = StartCtx {
            span,
            name: spec.name.clone(),
            register: spec.register,
            registry: self.registry.clone(),
            events: self.events.clone(),
            link,
            groups: spec.groups.clone(),
        };
        // A gen_server child's start gives up on an init that hangs (CHILD_START_TIMEOUT).
        let started = start_one(&*spec.starter, ctx).await?;
        if started.process.is_ignored() {
            let _entered = self.span.enter();
            tracing::info!(child = %spec.name, "init declined to start (ignore)");
            // Nobody will bring it back: calls through its name fail at once.
            self.children[idx].expect_name(false);
            return Ok(Start::Ignored(started));
        }
        let health_interval = spec.health.as_deref().map(|check| check.interval);
        let child = &mut self.children[idx];
        if child.spec.backoff.is_some() {
            child.backoff.get_or_insert_default().started_at = Some(Instant::now());
        }
        // Only gen_server specs carry a health check: the first ping an interval from now.
        if let Some(interval) = health_interval {
            child.health.consecutive_failures = 0;
            child.health.ping = None;
            child.health.unsent = false;
            let due = nanos_since(self.epoch, Instant::now() + interval);
            child.health.due = due;
            self.health_due.push(Reverse((due, key)));
        }
        let child = &mut self.children[idx];
        child.run = Run::Running { started };
        child.expect_name(true);
        Ok(Start::Running)
    }

    /// Stops one child per its shutdown mode, if running, and returns how it ended.
    async fn stop_child_at(&mut self, idx: usize) -> Option<ExitReason> {
        self.stop_child_at_with(idx, ExitReason::Shutdown).await
    }

    /// Stops one child as [`stop_child_at`](Self::stop_child_at) does, asking it to stop with
    /// `reason` (what its `terminate` hook and the `Exited` event see) instead of `Shutdown`.
    async fn stop_child_at_with(&mut self, idx: usize, reason: ExitReason) -> Option<ExitReason> {
        let child = &mut self.children[idx];
        if child.is_removed() {
            return None;
        }
        child.stop_timers();
        let Run::Running { started, .. } = std::mem::replace(&mut child.run, Run::NotRunning)
        else {
            child.run = Run::NotRunning;
            return None;
        };
        let reason = shutdown(&started, child.spec.shutdown, reason).await;
        let name = child.spec.name.clone();
        self.publish(Event::Exited {
            supervisor: self.name.clone(),
            child: name,
            reason: reason.clone(),
        });
        Some(reason)
    }

    /// Stops every child: in reverse start order, or all at once under one timer for a dynamic
    /// supervisor.
    async fn stop_all(&mut self) {
        self.going_down.store(true, Ordering::Relaxed);
        // Nobody will bring these children back: calls through their names fail at once from
        // now on, not only once each child is stopped.
        for child in &mut self.children {
            child.expect_name(false);
        }
        if self.dynamic.is_some() {
            self.stop_all_at_once().await;
        } else {
            for idx in (0..self.children.len()).rev() {
                self.stop_child_at(idx).await;
            }
        }
    }

    async fn stop_all_at_once(&mut self) {
        let mut stopping = Vec::new();
        for child in self.children.iter_mut().filter(|c| !c.is_removed()) {
            child.stop_timers();
            if let Run::Running { started, .. } = std::mem::replace(&mut child.run, Run::NotRunning)
            {
                match child.spec.shutdown {
                    Shutdown::BrutalKill => started.process.kill(),
                    _ => started.control.request_stop(ExitReason::Shutdown),
                }
                stopping.push((child.spec.name.clone(), started, child.spec.shutdown));
            }
        }
        // One shared timer: the longest shutdown timeout of the children.
        let limit = stopping
            .iter()
            .filter_map(|(_, _, s)| match s {
                Shutdown::Timeout(d) => Some(*d),
                _ => None,
            })
            .max();
        let infinite = stopping
            .iter()
            .any(|(_, _, s)| matches!(s, Shutdown::Infinity));
        let deadline = match (limit, infinite) {
            (Some(d), false) => Instant::now().checked_add(d),
            _ => None,
        };
        for (name, started, _) in stopping {
            // Most have exited by the time their turn comes: no timeout to set up for them.
            let exited = started.process.exit_reason();
            let reason = match (exited, deadline) {
                (Some(reason), _) => reason,
                (None, Some(deadline)) => {
                    match tokio::time::timeout_at(deadline, started.process.wait_exit()).await {
                        Ok(reason) => reason,
                        Err(_) => {
                            started.process.kill();
                            started.process.wait_exit().await
                        }
                    }
                }
                (None, None) => started.process.wait_exit().await,
            };
            self.publish(Event::Exited {
                supervisor: self.name.clone(),
                child: name,
                reason,
            });
        }
    }

    async fn child_exited(
        &mut self,
        key: u64,
        id: ProcessId,
        reason: ExitReason,
        ctx: &mut Context<Self>,
    ) {
        let Some(idx) = self
            .index_of(key)
            .filter(|&i| self.children[i].is_running(id))
        else {
            return; // a child already stopped, replaced or removed: its exit is old news
        };
        let child = &mut self.children[idx];
        child.stop_timers();
        child.run = Run::NotRunning;
        let name = child.spec.name.clone();
        let restart = child.spec.restart;
        // A permanent task that finished its work is restarted (OTP's rule): right for a loop
        // that should never end, a surprise for a one-shot job. Say so, once.
        let one_shot = child.spec.kind == ChildKind::Task
            && restart == Restart::Permanent
            && matches!(reason, ExitReason::Normal)
            && !std::mem::replace(&mut child.warned_normal_end, true);
        self.publish(Event::Exited {
            supervisor: self.name.clone(),
            child: name.clone(),
            reason: reason.clone(),
        });
        if one_shot {
            let _entered = self.span.enter();
            tracing::warn!(
                supervisor = &*self.name,
                child = &*name,
                "permanent task `{name}` ended normally and will be restarted; a task meant to \
                 run once should be `restart = transient` (or `temporary`)"
            );
        }

        if !should_restart(restart, &reason) {
            let significant = self.children[idx].spec.significant;
            self.children[idx].expect_name(false);
            if restart == Restart::Temporary || self.dynamic.is_some() {
                self.remove(idx);
            }
            if significant && self.shuts_down_after_significant_exit() {
                self.publish(Event::AutoShutdown {
                    supervisor: self.name.clone(),
                    child: name,
                    auto_shutdown: self.auto_shutdown,
                });
                self.myself.process.request_stop(ExitReason::Shutdown);
                ctx.stop(ExitReason::Shutdown);
            }
            return;
        }
        if !self.intensity.add_restart(Instant::now()) {
            return self.escalate(name, reason, ctx).await;
        }
        // Backoff: wait before restarting, the child showing as restarting meanwhile.
        let child = &mut self.children[idx];
        if let Some(&backoff) = child.spec.backoff.as_deref() {
            let state = child.backoff.get_or_insert_default();
            let stayed_up = state.started_at.is_some_and(|t| t.elapsed() >= self.within);
            state.attempt = if stayed_up { 1 } else { state.attempt + 1 };
            let delay = backoff.delay(state.attempt);
            self.schedule_retry(idx, Some(delay), false);
            return;
        }
        self.restart_by_strategy(idx).await;
    }

    /// After a significant child ended by itself for good: whether the supervisor's
    /// `auto_shutdown` says to shut down now.
    fn shuts_down_after_significant_exit(&self) -> bool {
        match self.auto_shutdown {
            AutoShutdown::Never => false,
            AutoShutdown::AnySignificant => true,
            // A significant child being restarted is still one of the supervisor's.
            AutoShutdown::AllSignificant => !self.live().any(|c| {
                c.spec.significant && matches!(c.run, Run::Running { .. } | Run::Restarting { .. })
            }),
        }
    }

    /// Marks the child restarting and sends the retry through the mailbox (after `delay`).
    fn schedule_retry(&mut self, idx: usize, delay: Option<Duration>, counts: bool) {
        self.last_retry += 1;
        let retry = self.last_retry;
        self.children[idx].run = Run::Restarting { retry };
        let notice = Notice::Retry {
            key: self.children[idx].key,
            retry,
            counts,
        };
        let me = self.myself.clone();
        match delay {
            None => {
                let _ = me.info(notice);
            }
            Some(delay) => {
                let timer = tokio::spawn(async move {
                    tokio::time::sleep(delay).await;
                    let _ = me.info(notice);
                });
                let state = self.children[idx].backoff.get_or_insert_default();
                if let Some(old) = state.retry_timer.replace(timer.abort_handle()) {
                    old.abort();
                }
            }
        }
    }

    async fn retry(&mut self, key: u64, retry: u64, counts: bool, ctx: &mut Context<Self>) {
        let Some(idx) = self.index_of(key) else {
            return;
        };
        if !matches!(self.children[idx].run, Run::Restarting { retry: r } if r == retry) {
            return; // terminated, deleted or restarted by hand meanwhile
        }
        if let Some(state) = self.children[idx].backoff.as_mut() {
            state.retry_timer = None; // it has fired
        }
        if counts && !self.intensity.add_restart(Instant::now()) {
            let name = self.children[idx].spec.name.clone();
            let reason = ExitReason::error(format!("restart of `{name}` kept failing"));
            return self.escalate(name, reason, ctx).await;
        }
        self.restart_by_strategy(idx).await;
    }

    /// Applies the strategy to a restart of the child at `idx`.
    async fn restart_by_strategy(&mut self, idx: usize) {
        let first = match self.strategy {
            Strategy::OneForOne => {
                self.restart_pass(vec![self.children[idx].spec.name.clone()])
                    .await;
                return;
            }
            Strategy::OneForAll => 0,
            Strategy::RestForOne => idx,
        };
        // Stop the affected siblings, in reverse order; temporary ones are removed, not
        // restarted.
        let crashed = self.children[idx].spec.name.clone();
        for i in (first..self.children.len()).rev() {
            if i != idx {
                self.stop_child_at(i).await;
            }
        }
        let mut group = Vec::new();
        let mut i = first;
        while i < self.children.len() {
            let c = &self.children[i];
            if c.is_removed() {
                i += 1;
                continue;
            }
            if c.spec.restart == Restart::Temporary && c.spec.name != crashed {
                // Not `remove`: no sweep may move the children this loop walks.
                self.children.remove(i);
                continue;
            }
            group.push(c.spec.name.clone());
            i += 1;
        }
        self.restart_pass(group).await;
    }

    /// Starts each named child in order. On a failure, the child is marked restarting and
    /// retried through the mailbox; the rest of the pass waits for that retry.
    async fn restart_pass(&mut self, group: Vec<Arc<str>>) {
        for name in group {
            let Ok(idx) = self.position(&name) else {
                continue;
            };
            if matches!(self.children[idx].run, Run::Running { .. }) {
                continue;
            }
            match self.start_child_at(idx).await {
                Ok(Start::Running) => {
                    self.children[idx].restarts += 1;
                    self.publish_started(idx, true);
                }
                // OTP: a static child's spec stays, with no running child (no longer
                // restarting, if this was a retry); a dynamic one goes.
                Ok(Start::Ignored(_)) => {
                    self.children[idx].run = Run::NotRunning;
                    if self.dynamic.is_some() {
                        self.remove(idx);
                    }
                }
                Err(reason) => {
                    self.publish(Event::RestartFailed {
                        supervisor: self.name.clone(),
                        child: name,
                        reason,
                    });
                    let child = &mut self.children[idx];
                    let delay = child.spec.backoff.as_deref().map(|b| {
                        let state = child.backoff.get_or_insert_default();
                        state.attempt += 1;
                        b.delay(state.attempt)
                    });
                    self.schedule_retry(idx, delay, true);
                    return;
                }
            }
        }
    }

    async fn escalate(&mut self, child: Arc<str>, cause: ExitReason, ctx: &mut Context<Self>) {
        {
            // The one ERROR of an escalation, where it happens, with its cause; the exits it
            // causes above say no more than "gave up" (a nested supervisor that gave up first
            // has logged its own cause).
            let _entered = self.span.enter();
            let limit = crate::exit::restarts_within(self.max_restarts, self.within);
            let name = &*self.name;
            match &cause {
                ExitReason::Escalated(_) => tracing::error!(
                    supervisor = name,
                    child = &*child,
                    "supervisor `{name}` reached its restart intensity ({limit}) after \
                     `{child}` gave up; stopping all its children"
                ),
                cause => tracing::error!(
                    supervisor = name,
                    child = &*child,
                    "supervisor `{name}` reached its restart intensity ({limit}) after \
                     `{child}` exited: {cause}; stopping all its children"
                ),
            }
        }
        self.publish(Event::IntensityExceeded {
            supervisor: self.name.clone(),
            child: child.clone(),
            max_restarts: self.max_restarts,
            within: self.within,
        });
        self.myself.process.request_stop(ExitReason::Shutdown);
        self.stop_all().await;
        ctx.stop(ExitReason::Escalated(Arc::new(Escalation {
            supervisor: self.name.clone(),
            child,
            cause,
            max_restarts: self.max_restarts,
            within: self.within,
        })));
    }

    /// Arms the health checks' one timer for the soonest entry of the schedule, if it is not
    /// armed for that already.
    fn arm_health(&mut self, ctx: &mut Context<Self>) {
        let Some(&Reverse((due, _))) = self.health_due.peek() else {
            return;
        };
        if let Some((armed, timer)) = self.health_timer.take() {
            if armed <= due {
                self.health_timer = Some((armed, timer));
                return;
            }
            ctx.cancel_timer(timer);
        }
        let delay =
            (self.epoch + Duration::from_nanos(due)).saturating_duration_since(Instant::now());
        let timer = ctx.send_after(delay, Notice::HealthCheck);
        self.health_timer = Some((due, timer));
    }

    /// Sends the pings that are due, and looks at the pongs of those whose timeout has passed.
    fn health_checks(&mut self) {
        let now = nanos_since(self.epoch, Instant::now());
        while let Some(&Reverse((due, key))) = self.health_due.peek() {
            if due > now {
                break;
            }
            self.health_due.pop();
            let Some(idx) = self.index_of(key) else {
                continue; // a child since removed
            };
            let child = &mut self.children[idx];
            let (Some(check), Run::Running { started }) =
                (child.spec.health.as_deref(), &child.run)
            else {
                continue;
            };
            let state = &mut child.health;
            if state.due != due {
                continue; // stale: the child was stopped or restarted since
            }
            let (interval, timeout) = (check.interval, check.timeout);
            // Times count from now, not from `due`: a supervisor that was busy (stopping a
            // child, say) pings late, and gives each pong its whole timeout.
            if state.ping.is_none() && !state.unsent {
                // Ping, and look at the pong when its timeout has passed.
                match started.control.send_ping() {
                    Some(Some(pong)) => state.ping = Some(pong),
                    Some(None) => state.unsent = true,
                    None => continue, // not a gen_server: nothing to ping
                }
                state.last_check = now + 1;
                state.due = now.saturating_add(nanos(timeout));
                self.health_due.push(Reverse((state.due, key)));
                continue;
            }
            // The ping's timeout has passed: a pong in its slot passes the check.
            let ok = state
                .ping
                .take()
                .and_then(|mut pong| pong.try_take())
                .is_some_and(|pong| matches!(pong, Ok(Ok(()))));
            state.unsent = false;
            // The next ping an interval after this one, or after this miss, as a pinging task
            // that waited for the pong would send it.
            let pinged = state.last_check.saturating_sub(1);
            state.due = if ok { pinged } else { now }.saturating_add(nanos(interval));
            self.health_due.push(Reverse((state.due, key)));
            let id = started.process.id();
            self.health_result(key, id, ok);
        }
    }

    fn health_result(&mut self, key: u64, id: ProcessId, ok: bool) {
        let Some(idx) = self
            .index_of(key)
            .filter(|&i| self.children[i].is_running(id))
        else {
            return; // the pong of an earlier incarnation, or of a child since removed
        };
        let child = &mut self.children[idx];
        let state = &mut child.health;
        let name = child.spec.name.clone();
        if ok {
            let was_failing = state.consecutive_failures > 0;
            state.consecutive_failures = 0;
            if was_failing {
                self.publish(Event::HealthRecovered {
                    supervisor: self.name.clone(),
                    child: name,
                });
            }
            return;
        }
        state.consecutive_failures += 1;
        let consecutive = state.consecutive_failures;
        let (Some(check), Run::Running { started, .. }) =
            (child.spec.health.as_deref(), &child.run)
        else {
            return;
        };
        let unhealthy = consecutive >= check.failures;
        if unhealthy {
            started.process.kill_with(ExitReason::error(format!(
                "health check failed: no pong within {:?}, {consecutive} times in a row",
                check.timeout
            )));
        }
        self.publish(Event::HealthFailed {
            supervisor: self.name.clone(),
            child: name,
            consecutive,
        });
    }

    async fn api_start_child(&mut self, spec: ChildSpec) -> Result<Response, SupervisorError> {
        let spec = match self.dynamic {
            Some(max) => {
                if max.is_some_and(|max| self.len() >= max) {
                    return Err(SupervisorError::MaxChildren(max.unwrap_or_default()));
                }
                let name = numbered(&self.name, self.last_key + 1);
                let mut spec = spec.renamed(name);
                spec.register = false;
                if let (true, Some(template)) = (spec.templated, self.template) {
                    spec.restart = template.restart;
                    spec.shutdown = template.shutdown;
                    spec.health = self.template_health.clone();
                    spec.backoff = template.backoff.map(Box::new);
                }
                spec
            }
            None => {
                if let Err(reason) = spec.check_significant(self.auto_shutdown) {
                    return Err(SupervisorError::StartFailed {
                        child: spec.name.clone(),
                        reason: ExitReason::error(reason),
                    });
                }
                if let Ok(existing) = self.child(&spec.name) {
                    // OTP: `already_started` only for a running child; a child that exists but
                    // does not run (stopped, or being restarted) is `already_present`.
                    return Err(match existing.run {
                        Run::Running { .. } => SupervisorError::AlreadyStarted(spec.name.clone()),
                        _ => SupervisorError::AlreadyPresent(spec.name.clone()),
                    });
                }
                spec
            }
        };
        let name = spec.name.clone();
        let idx = self.add(spec);
        match self.start_child_at(idx).await {
            Ok(Start::Running) => {}
            // OTP: kept as a spec with no running child, unless temporary or dynamic; the
            // reference handed back is of the server that did not start.
            Ok(Start::Ignored(started)) => {
                if self.dynamic.is_some() || self.children[idx].spec.restart == Restart::Temporary {
                    self.children.pop();
                }
                return Ok(Response::Started(name, started.typed()));
            }
            Err(reason) => {
                self.children.pop();
                return Err(SupervisorError::StartFailed {
                    child: name,
                    reason,
                });
            }
        }
        self.publish_started(idx, false);
        let Run::Running { started, .. } = &self.children[idx].run else {
            return Err(SupervisorError::NotFound(name));
        };
        Ok(Response::Started(name, started.typed()))
    }

    async fn api_terminate(
        &mut self,
        name: &str,
        reason: ExitReason,
    ) -> Result<Response, SupervisorError> {
        let idx = self.position(name)?;
        self.children[idx].expect_name(false);
        self.stop_child_at_with(idx, reason).await;
        let child = &mut self.children[idx];
        child.run = Run::NotRunning;
        if child.spec.restart == Restart::Temporary || self.dynamic.is_some() {
            self.remove(idx);
        }
        Ok(Response::Done)
    }

    async fn api_restart(&mut self, name: &str) -> Result<Response, SupervisorError> {
        let idx = self.position(name)?;
        match self.children[idx].run {
            Run::Running { .. } => return Err(SupervisorError::Running(name.into())),
            Run::Restarting { .. } => return Err(SupervisorError::Restarting(name.into())),
            Run::Removed => return Err(SupervisorError::NotFound(name.into())),
            Run::NotRunning => {}
        }
        let start =
            self.start_child_at(idx)
                .await
                .map_err(|reason| SupervisorError::StartFailed {
                    child: name.into(),
                    reason,
                })?;
        match start {
            Start::Running => self.publish_started(idx, false),
            // Declined again: the spec stays, with no running child (a dynamic one goes).
            Start::Ignored(_) => {
                if self.dynamic.is_some() {
                    self.remove(idx);
                }
            }
        }
        Ok(Response::Done)
    }

    fn api_delete(&mut self, name: &str) -> Result<Response, SupervisorError> {
        let idx = self.position(name)?;
        match self.children[idx].run {
            Run::Running { .. } => Err(SupervisorError::Running(name.into())),
            Run::Restarting { .. } => Err(SupervisorError::Restarting(name.into())),
            Run::NotRunning => {
                self.remove(idx);
                Ok(Response::Done)
            }
            Run::Removed => Err(SupervisorError::NotFound(name.into())),
        }
    }
}

/// `<prefix>#<n>`, a dynamic child's name, made in one allocation (a dynamic supervisor may
/// start a great many): the digits and the name are put together on the stack.
fn numbered(prefix: &str, n: u64) -> Arc<str> {
    const ON_STACK: usize = 128;
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = n;
    loop {
        at -= 1;
        // `rest % 10` is below 10: an ASCII digit.
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    let digits = &digits[at..];
    let len = prefix.len() + 1 + digits.len();
    if len <= ON_STACK {
        let mut name = [0u8; ON_STACK];
        name[..prefix.len()].copy_from_slice(prefix.as_bytes());
        name[prefix.len()] = b'#';
        name[prefix.len() + 1..len].copy_from_slice(digits);
        // A `str`, a `#` and ASCII digits: always UTF-8.
        if let Ok(name) = std::str::from_utf8(&name[..len]) {
            return Arc::from(name);
        }
    }
    format!("{prefix}#{n}").into()
}

/// OTP's restart table, plus the explicit "do not restart me" exit that overrides it. A
/// sub-supervisor that gave up ([`ExitReason::Escalated`]) counts as OTP's `shutdown`: a
/// transient one stays down.
fn should_restart(restart: Restart, reason: &ExitReason) -> bool {
    if matches!(reason, ExitReason::NoRestart) {
        return false;
    }
    match restart {
        Restart::Permanent => true,
        Restart::Transient => reason.is_abnormal() && !matches!(reason, ExitReason::Escalated(_)),
        Restart::Temporary => false,
    }
}

/// Stops a running child per `mode`, asking it to stop with `reason`, and returns its exit reason
/// (its own, if it ended by itself meanwhile).
async fn shutdown(started: &Started, mode: Shutdown, reason: ExitReason) -> ExitReason {
    let process = &started.process;
    match mode {
        Shutdown::BrutalKill => process.kill(),
        Shutdown::Timeout(limit) => {
            started.control.request_stop(reason);
            if let Ok(reason) = tokio::time::timeout(limit, process.wait_exit()).await {
                return reason;
            }
            process.kill();
        }
        Shutdown::Infinity => started.control.request_stop(reason),
    }
    process.wait_exit().await
}

/// Nanoseconds from `epoch` to `at` (0 if `at` is earlier), for the health checks' schedule.
fn nanos_since(epoch: Instant, at: Instant) -> u64 {
    nanos(at.saturating_duration_since(epoch))
}

/// A duration in nanoseconds, saturating (at some 584 years).
fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn news_of_an_earlier_incarnation_is_ignored() {
        use crate::supervisor::{ChildSpec, ChildState};
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

    #[test]
    fn dynamic_children_are_numbered_after_their_supervisor() {
        assert_eq!(&*numbered("pool", 0), "pool#0");
        assert_eq!(&*numbered("pool", 7), "pool#7");
        assert_eq!(&*numbered("pool", 1234567890), "pool#1234567890");
        assert_eq!(&*numbered("", u64::MAX), "#18446744073709551615");
        assert_eq!(&*numbered("ü-pool", 42), "ü-pool#42");
        let long = "p".repeat(200);
        assert_eq!(&*numbered(&long, 3), format!("{long}#3"));
    }

    #[test]
    fn the_restart_table_follows_otp() {
        use ExitReason::*;
        let abnormal = [Killed, Panic("p".into()), ExitReason::error("e")];
        for r in [Normal, Shutdown, Killed, Panic("p".into())] {
            assert!(
                should_restart(Restart::Permanent, &r),
                "permanent after {r}"
            );
            assert!(
                !should_restart(Restart::Temporary, &r),
                "temporary after {r}"
            );
        }
        assert!(!should_restart(Restart::Transient, &Normal));
        assert!(!should_restart(Restart::Transient, &Shutdown));
        for r in &abnormal {
            assert!(should_restart(Restart::Transient, r), "transient after {r}");
        }
        for restart in [Restart::Permanent, Restart::Transient, Restart::Temporary] {
            assert!(!should_restart(restart, &NoRestart));
        }
    }
}
