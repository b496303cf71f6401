//! The supervisor process: a gen_server whose state is the table of its children.
//!
//! Child exits arrive as info messages through each child's link; API requests from handles are
//! calls; an orderly shutdown is `terminate`. Being a gen_server, a supervisor keeps answering
//! its handle between restarts, and a retry of a failed restart goes through its own mailbox,
//! after any request already waiting (OTP's behaviour).

use std::any::Any;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::AbortHandle;
use tokio::time::Instant;

use crate::process::Link;
use crate::supervisor::child::{ChildSpec, Restart, Shutdown, StartCtx, Started};
use crate::supervisor::events::{Event, EventHub};
use crate::supervisor::intensity::Intensity;
use crate::supervisor::{
    ChildCounts, ChildInfo, ChildState, HealthStatus, Strategy, SupervisorError, SupervisorHandle,
    SupervisorSpec, SupervisorStartError,
};
use crate::{Context, Escalation, ExitReason, GenServer, Registry, ServerRef};

pub(crate) struct SupervisorServer {
    name: Arc<str>,
    strategy: Strategy,
    max_restarts: u32,
    within: Duration,
    intensity: Intensity,
    /// `Some` for a dynamic supervisor: its limit on children.
    dynamic: Option<Option<usize>>,
    children: Vec<Child>,
    registry: Registry,
    events: EventHub,
    myself: ServerRef<SupervisorServer>,
    next_token: u64,
    next_dynamic: u64,
    span: tracing::Span,
}

struct Child {
    spec: ChildSpec,
    run: Run,
    restarts: u32,
    consecutive_failures: u32,
    last_check: Option<Instant>,
    health_task: Option<AbortHandle>,
    /// The timer of a delayed retry (a backoff), while one is pending.
    retry_timer: Option<AbortHandle>,
    /// Consecutive restarts for the backoff; reset once the child stays up for `within`.
    backoff_attempt: u32,
    started_at: Option<Instant>,
}

enum Run {
    Running {
        token: u64,
        started: Started,
    },
    /// Waiting for a retry (a failed restart, or a backoff delay); `retry` tells stale retries
    /// apart.
    Restarting {
        retry: u64,
    },
    NotRunning,
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
    fn new(spec: ChildSpec) -> Self {
        Child {
            spec,
            run: Run::NotRunning,
            restarts: 0,
            consecutive_failures: 0,
            last_check: None,
            health_task: None,
            retry_timer: None,
            backoff_attempt: 0,
            started_at: None,
        }
    }

    /// Stops the child's health checks and any pending delayed retry, so that no task of the
    /// supervisor outlives the child's run (or the supervisor).
    fn stop_timers(&mut self) {
        for task in [self.health_task.take(), self.retry_timer.take()]
            .into_iter()
            .flatten()
        {
            task.abort();
        }
    }

    fn token(&self) -> Option<u64> {
        match &self.run {
            Run::Running { token, .. } => Some(*token),
            _ => None,
        }
    }

    fn info(&self) -> ChildInfo {
        ChildInfo {
            name: self.spec.name.clone(),
            kind: self.spec.kind,
            restart: self.spec.restart,
            state: match &self.run {
                Run::Running { started, .. } => ChildState::Running(started.process.id()),
                Run::Restarting { .. } => ChildState::Restarting,
                Run::NotRunning => ChildState::NotRunning,
            },
            restarts: self.restarts,
            health: self.spec.health.map(|_| HealthStatus {
                enabled: true,
                consecutive_failures: self.consecutive_failures,
                last_check: self.last_check,
            }),
        }
    }
}

pub(crate) struct SupervisorArgs {
    pub(crate) spec: SupervisorSpec,
    pub(crate) registry: Registry,
    pub(crate) events: EventHub,
}

/// Requests from a [`SupervisorHandle`].
pub(crate) enum Request {
    Which,
    Status(Arc<str>),
    Count,
    StartChild(ChildSpec),
    Terminate(Arc<str>),
    Restart(Arc<str>),
    Delete(Arc<str>),
    Snapshot,
    Resolve(Arc<str>),
}

pub(crate) enum Response {
    Which(Vec<ChildInfo>),
    Status(ChildInfo),
    Count(ChildCounts),
    Started(Arc<str>, Arc<dyn Any + Send + Sync>),
    Done,
    Snapshot(Vec<(ChildInfo, Option<SupervisorHandle>)>),
    Resolved(Option<Arc<dyn Any + Send + Sync>>),
}

/// What children and timers tell the supervisor.
pub(crate) enum Notice {
    Exited {
        token: u64,
        reason: ExitReason,
    },
    /// Restart a child marked restarting. `counts` is false for a restart that was delayed by a
    /// backoff (already counted when decided) and true for a retry of a failed start.
    Retry {
        name: Arc<str>,
        retry: u64,
        counts: bool,
    },
    Health {
        token: u64,
        ok: bool,
    },
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
        } = args;
        spec.validate()?;
        let span = tracing::info_span!("supervisor", name = %spec.name);
        let mut sup = SupervisorServer {
            intensity: Intensity::new(spec.max_restarts, spec.within),
            name: spec.name.clone(),
            strategy: spec.strategy,
            max_restarts: spec.max_restarts,
            within: spec.within,
            dynamic: spec.dynamic.map(|d| d.max_children),
            children: Vec::with_capacity(spec.children.len()),
            registry,
            events,
            myself: ctx.myself().clone(),
            next_token: 0,
            next_dynamic: 0,
            span,
        };
        for child in spec.children {
            let name = child.name.clone();
            sup.children.push(Child::new(child));
            let idx = sup.children.len() - 1;
            if let Err(reason) = sup.start_child_at(idx).await {
                // Roll back: stop what started, in reverse order.
                sup.children.pop();
                sup.stop_all().await;
                return Err(SupervisorStartError::ChildFailed {
                    supervisor: sup.name.clone(),
                    child: name,
                    cause: reason,
                });
            }
            sup.publish_started(idx, false);
        }
        Ok(sup)
    }

    async fn handle_call(
        &mut self,
        request: Request,
        _ctx: &mut Context<Self>,
    ) -> Result<Response, SupervisorError> {
        match request {
            Request::Which => Ok(Response::Which(
                self.children.iter().map(Child::info).collect(),
            )),
            Request::Status(name) => Ok(Response::Status(self.child(&name)?.info())),
            Request::Count => Ok(Response::Count(self.count())),
            Request::StartChild(spec) => self.api_start_child(spec).await,
            Request::Terminate(name) => self.api_terminate(&name).await,
            Request::Restart(name) => self.api_restart(&name).await,
            Request::Delete(name) => self.api_delete(&name),
            Request::Snapshot => Ok(Response::Snapshot(
                self.children
                    .iter()
                    .map(|c| {
                        let nested = match &c.run {
                            Run::Running { started, .. } => started.control.supervisor(),
                            _ => None,
                        };
                        (c.info(), nested)
                    })
                    .collect(),
            )),
            Request::Resolve(name) => Ok(Response::Resolved(match &self.child(&name)?.run {
                Run::Running { started, .. } => Some(started.any.clone()),
                _ => None,
            })),
        }
    }

    async fn handle_info(&mut self, notice: Notice, ctx: &mut Context<Self>) {
        match notice {
            Notice::Exited { token, reason } => self.child_exited(token, reason, ctx).await,
            Notice::Retry {
                name,
                retry,
                counts,
            } => self.retry(&name, retry, counts, ctx).await,
            Notice::Health { token, ok } => self.health_result(token, ok),
        }
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

    fn child(&self, name: &str) -> Result<&Child, SupervisorError> {
        self.children
            .iter()
            .find(|c| &*c.spec.name == name)
            .ok_or_else(|| SupervisorError::NotFound(name.into()))
    }

    fn position(&self, name: &str) -> Result<usize, SupervisorError> {
        self.children
            .iter()
            .position(|c| &*c.spec.name == name)
            .ok_or_else(|| SupervisorError::NotFound(name.into()))
    }

    fn count(&self) -> ChildCounts {
        let mut counts = ChildCounts {
            specs: self.children.len(),
            ..ChildCounts::default()
        };
        for c in &self.children {
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
    /// check. On failure the child is left not running.
    async fn start_child_at(&mut self, idx: usize) -> Result<(), ExitReason> {
        self.next_token += 1;
        let token = self.next_token;
        let me = self.myself.clone();
        let link = Link {
            token,
            notify: Arc::new(move |token, reason| {
                let _ = me.info(Notice::Exited { token, reason });
            }),
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
        };
        // A gen_server child's start gives up on an init that hangs (CHILD_START_TIMEOUT).
        let started = spec.starter.start(ctx).await?;
        let health = spec.health;
        let child = &mut self.children[idx];
        child.started_at = Some(Instant::now());
        child.consecutive_failures = 0;
        // Only gen_server specs carry a health check.
        if let Some(check) = health {
            let control = started.control.clone();
            let me = self.myself.clone();
            let task = tokio::spawn(async move {
                loop {
                    tokio::time::sleep(check.interval).await;
                    let Some(ping) = control.ping(check.timeout) else {
                        return;
                    };
                    let ok = ping.await;
                    if me.info(Notice::Health { token, ok }).is_err() {
                        return;
                    }
                }
            });
            child.health_task = Some(task.abort_handle());
        }
        child.run = Run::Running { token, started };
        Ok(())
    }

    /// Stops one child per its shutdown mode, if running, and returns how it ended.
    async fn stop_child_at(&mut self, idx: usize) -> Option<ExitReason> {
        let child = &mut self.children[idx];
        child.stop_timers();
        let Run::Running { started, .. } = std::mem::replace(&mut child.run, Run::NotRunning)
        else {
            child.run = Run::NotRunning;
            return None;
        };
        let reason = shutdown(&started, child.spec.shutdown).await;
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
        for child in &mut self.children {
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
            let reason = match deadline {
                Some(deadline) => {
                    match tokio::time::timeout_at(deadline, started.process.wait_exit()).await {
                        Ok(reason) => reason,
                        Err(_) => {
                            started.process.kill();
                            started.process.wait_exit().await
                        }
                    }
                }
                None => started.process.wait_exit().await,
            };
            self.publish(Event::Exited {
                supervisor: self.name.clone(),
                child: name,
                reason,
            });
        }
    }

    async fn child_exited(&mut self, token: u64, reason: ExitReason, ctx: &mut Context<Self>) {
        let Some(idx) = self.children.iter().position(|c| c.token() == Some(token)) else {
            return; // a child already stopped or replaced: its exit is old news
        };
        let child = &mut self.children[idx];
        child.stop_timers();
        child.run = Run::NotRunning;
        let name = child.spec.name.clone();
        let restart = child.spec.restart;
        self.publish(Event::Exited {
            supervisor: self.name.clone(),
            child: name.clone(),
            reason: reason.clone(),
        });

        if !should_restart(restart, &reason) {
            if restart == Restart::Temporary || self.dynamic.is_some() {
                self.children.remove(idx);
            }
            return;
        }
        if !self.intensity.add_restart(Instant::now()) {
            return self.escalate(name, reason, ctx).await;
        }
        // Backoff: wait before restarting, the child showing as restarting meanwhile.
        let child = &mut self.children[idx];
        if let Some(backoff) = child.spec.backoff {
            let stayed_up = child.started_at.is_some_and(|t| t.elapsed() >= self.within);
            child.backoff_attempt = if stayed_up {
                1
            } else {
                child.backoff_attempt + 1
            };
            let delay = backoff.delay(child.backoff_attempt);
            self.schedule_retry(idx, Some(delay), false);
            return;
        }
        self.restart_by_strategy(idx).await;
    }

    /// Marks the child restarting and sends the retry through the mailbox (after `delay`).
    fn schedule_retry(&mut self, idx: usize, delay: Option<Duration>, counts: bool) {
        self.next_token += 1;
        let retry = self.next_token;
        self.children[idx].run = Run::Restarting { retry };
        let notice = Notice::Retry {
            name: self.children[idx].spec.name.clone(),
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
                if let Some(old) = self.children[idx].retry_timer.replace(timer.abort_handle()) {
                    old.abort();
                }
            }
        }
    }

    async fn retry(&mut self, name: &str, retry: u64, counts: bool, ctx: &mut Context<Self>) {
        let Ok(idx) = self.position(name) else { return };
        if !matches!(self.children[idx].run, Run::Restarting { retry: r } if r == retry) {
            return; // terminated, deleted or restarted by hand meanwhile
        }
        self.children[idx].retry_timer = None; // it has fired
        if counts && !self.intensity.add_restart(Instant::now()) {
            let reason = ExitReason::error(format!("restart of `{name}` kept failing"));
            return self.escalate(name.into(), reason, ctx).await;
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
            if c.spec.restart == Restart::Temporary && c.spec.name != crashed {
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
                Ok(()) => {
                    self.children[idx].restarts += 1;
                    self.publish_started(idx, true);
                }
                Err(reason) => {
                    self.publish(Event::RestartFailed {
                        supervisor: self.name.clone(),
                        child: name,
                        reason,
                    });
                    let delay = self.children[idx].spec.backoff.map(|b| {
                        self.children[idx].backoff_attempt += 1;
                        b.delay(self.children[idx].backoff_attempt)
                    });
                    self.schedule_retry(idx, delay, true);
                    return;
                }
            }
        }
    }

    async fn escalate(&mut self, child: Arc<str>, cause: ExitReason, ctx: &mut Context<Self>) {
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

    fn health_result(&mut self, token: u64, ok: bool) {
        let Some(idx) = self.children.iter().position(|c| c.token() == Some(token)) else {
            return;
        };
        let child = &mut self.children[idx];
        child.last_check = Some(Instant::now());
        let name = child.spec.name.clone();
        if ok {
            let was_failing = child.consecutive_failures > 0;
            child.consecutive_failures = 0;
            if was_failing {
                self.publish(Event::HealthRecovered {
                    supervisor: self.name.clone(),
                    child: name,
                });
            }
            return;
        }
        child.consecutive_failures += 1;
        let consecutive = child.consecutive_failures;
        let (Some(check), Run::Running { started, .. }) = (child.spec.health, &child.run) else {
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
                if max.is_some_and(|max| self.children.len() >= max) {
                    return Err(SupervisorError::MaxChildren(max.unwrap_or_default()));
                }
                self.next_dynamic += 1;
                let name: Arc<str> = format!("{}#{}", self.name, self.next_dynamic).into();
                let mut spec = spec.renamed(name);
                spec.register = false;
                spec
            }
            None => {
                if let Ok(existing) = self.child(&spec.name) {
                    return Err(match existing.run {
                        Run::NotRunning => SupervisorError::AlreadyPresent(spec.name.clone()),
                        _ => SupervisorError::AlreadyStarted(spec.name.clone()),
                    });
                }
                spec
            }
        };
        let name = spec.name.clone();
        self.children.push(Child::new(spec));
        let idx = self.children.len() - 1;
        if let Err(reason) = self.start_child_at(idx).await {
            self.children.pop();
            return Err(SupervisorError::StartFailed {
                child: name,
                reason,
            });
        }
        self.publish_started(idx, false);
        let Run::Running { started, .. } = &self.children[idx].run else {
            return Err(SupervisorError::NotFound(name));
        };
        Ok(Response::Started(name, started.any.clone()))
    }

    async fn api_terminate(&mut self, name: &str) -> Result<Response, SupervisorError> {
        let idx = self.position(name)?;
        self.stop_child_at(idx).await;
        let child = &mut self.children[idx];
        child.run = Run::NotRunning;
        if child.spec.restart == Restart::Temporary || self.dynamic.is_some() {
            self.children.remove(idx);
        }
        Ok(Response::Done)
    }

    async fn api_restart(&mut self, name: &str) -> Result<Response, SupervisorError> {
        let idx = self.position(name)?;
        match self.children[idx].run {
            Run::Running { .. } => return Err(SupervisorError::Running(name.into())),
            Run::Restarting { .. } => return Err(SupervisorError::Restarting(name.into())),
            Run::NotRunning => {}
        }
        self.start_child_at(idx)
            .await
            .map_err(|reason| SupervisorError::StartFailed {
                child: name.into(),
                reason,
            })?;
        self.publish_started(idx, false);
        Ok(Response::Done)
    }

    fn api_delete(&mut self, name: &str) -> Result<Response, SupervisorError> {
        let idx = self.position(name)?;
        match self.children[idx].run {
            Run::Running { .. } => Err(SupervisorError::Running(name.into())),
            Run::Restarting { .. } => Err(SupervisorError::Restarting(name.into())),
            Run::NotRunning => {
                self.children.remove(idx);
                Ok(Response::Done)
            }
        }
    }
}

/// OTP's restart table, plus the explicit "do not restart me" exit that overrides it.
fn should_restart(restart: Restart, reason: &ExitReason) -> bool {
    if matches!(reason, ExitReason::NoRestart) {
        return false;
    }
    match restart {
        Restart::Permanent => true,
        Restart::Transient => reason.is_abnormal(),
        Restart::Temporary => false,
    }
}

/// Stops a running child per `mode` and returns its exit reason (its own, if it ended by itself
/// meanwhile).
async fn shutdown(started: &Started, mode: Shutdown) -> ExitReason {
    let process = &started.process;
    match mode {
        Shutdown::BrutalKill => process.kill(),
        Shutdown::Timeout(limit) => {
            started.control.request_stop(ExitReason::Shutdown);
            if let Ok(reason) = tokio::time::timeout(limit, process.wait_exit()).await {
                return reason;
            }
            process.kill();
        }
        Shutdown::Infinity => started.control.request_stop(ExitReason::Shutdown),
    }
    process.wait_exit().await
}

#[cfg(test)]
mod tests {
    use super::*;

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
