//! A child's exit: whether to restart it, by which strategy, with what backoff, retries of
//! failed restarts, and giving up when the intensity is exceeded.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use crate::supervisor::child::{ChildKind, Restart};
use crate::supervisor::events::Event;
use crate::supervisor::server::{Notice, Run, Start, SupervisorServer};
use crate::supervisor::{AutoShutdown, Strategy};
use crate::{Context, Escalation, ExitReason, ProcessId};

impl SupervisorServer {
    pub(super) async fn child_exited(
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
            if restart == Restart::Temporary || self.is_dynamic() {
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
        if !self.restarts.add_restart(Instant::now()) {
            return self.escalate(name, reason, ctx).await;
        }
        // Backoff: wait before restarting, the child showing as restarting meanwhile.
        let child = &mut self.children[idx];
        if let Some(&backoff) = child.spec.backoff.as_deref() {
            let state = child.backoff.get_or_insert_default();
            let stayed_up = state
                .started_at
                .is_some_and(|t| t.elapsed() >= self.restarts.intensity().within);
            state.attempt = if stayed_up { 1 } else { state.attempt + 1 };
            let delay = backoff.delay(state.attempt);
            self.schedule_retry(idx, Some(delay), false);
            return;
        }
        self.restart_by_strategy(idx).await;
    }

    /// After a significant child ended by itself for good: whether the supervisor's
    /// `auto_shutdown` says to shut down now.
    pub(super) fn shuts_down_after_significant_exit(&self) -> bool {
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
    pub(super) fn schedule_retry(&mut self, idx: usize, delay: Option<Duration>, counts: bool) {
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

    pub(super) async fn retry(
        &mut self,
        key: u64,
        retry: u64,
        counts: bool,
        ctx: &mut Context<Self>,
    ) {
        let Some(idx) = self.index_of(key) else {
            return;
        };
        if !matches!(self.children[idx].run, Run::Restarting { retry: r } if r == retry) {
            return; // terminated, deleted or restarted by hand meanwhile
        }
        if let Some(state) = self.children[idx].backoff.as_mut() {
            state.retry_timer = None; // it has fired
        }
        if counts && !self.restarts.add_restart(Instant::now()) {
            let name = self.children[idx].spec.name.clone();
            let reason = ExitReason::error(format!("restart of `{name}` kept failing"));
            return self.escalate(name, reason, ctx).await;
        }
        self.restart_by_strategy(idx).await;
    }

    /// Applies the strategy to a restart of the child at `idx`.
    pub(super) async fn restart_by_strategy(&mut self, idx: usize) {
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
    pub(super) async fn restart_pass(&mut self, group: Vec<Arc<str>>) {
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
                    if self.is_dynamic() {
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

    pub(super) async fn escalate(
        &mut self,
        child: Arc<str>,
        cause: ExitReason,
        ctx: &mut Context<Self>,
    ) {
        {
            // The one ERROR of an escalation, where it happens, with its cause; the exits it
            // causes above say no more than "gave up" (a nested supervisor that gave up first
            // has logged its own cause).
            let _entered = self.span.enter();
            let limit = self.restarts.intensity();
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
            max_restarts: self.restarts.intensity().max_restarts,
            within: self.restarts.intensity().within,
        });
        self.myself.process.request_stop(ExitReason::Shutdown);
        self.stop_all().await;
        ctx.stop(ExitReason::Escalated(Arc::new(Escalation {
            supervisor: self.name.clone(),
            child,
            cause,
            intensity: self.restarts.intensity(),
        })));
    }
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
