//! Stopping children: one per its shutdown mode, or all (in reverse order, or at once under
//! one timer for a dynamic supervisor).

use std::sync::atomic::Ordering;

use tokio::time::Instant;

use crate::ExitReason;
use crate::supervisor::Shutdown;
use crate::supervisor::child::Started;
use crate::supervisor::events::Event;
use crate::supervisor::server::{Run, SupervisorServer};

impl SupervisorServer {
    /// Stops one child per its shutdown mode, if running, and returns how it ended.
    pub(super) async fn stop_child_at(&mut self, idx: usize) -> Option<ExitReason> {
        self.stop_child_at_with(idx, ExitReason::Shutdown).await
    }

    /// Stops one child as [`stop_child_at`](Self::stop_child_at) does, asking it to stop with
    /// `reason` (what its `terminate` hook and the `Exited` event see) instead of `Shutdown`.
    pub(super) async fn stop_child_at_with(
        &mut self,
        idx: usize,
        reason: ExitReason,
    ) -> Option<ExitReason> {
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
    pub(super) async fn stop_all(&mut self) {
        self.going_down.store(true, Ordering::Relaxed);
        // Nobody will bring these children back: calls through their names fail at once from
        // now on, not only once each child is stopped.
        for child in &mut self.children {
            child.expect_name(false);
        }
        if self.is_dynamic() {
            self.stop_all_at_once().await;
        } else {
            for idx in (0..self.children.len()).rev() {
                self.stop_child_at(idx).await;
            }
        }
    }

    pub(super) async fn stop_all_at_once(&mut self) {
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
