//! The supervisor's table of children: each child's entry, and finding, adding and removing
//! entries.

use std::time::{Duration, SystemTime};

use tokio::task::AbortHandle;
use tokio::time::Instant;

use crate::ProcessId;
use crate::registry::NameClaim;
use crate::supervisor::child::{ChildKind, ChildSpec, PingReply, Started};
use crate::supervisor::server::SupervisorServer;
use crate::supervisor::{ChildCounts, ChildInfo, ChildState, HealthStatus, SupervisorError};

pub(super) struct Child {
    /// The child's number in this supervisor, given when it is added and never reused: its
    /// links, health checks and retries name it by this key, and keys grow along `children`.
    pub(super) key: u64,
    pub(super) spec: ChildSpec,
    pub(super) run: Run,
    pub(super) restarts: u32,
    /// Its health checks' state (all zero for a child without).
    pub(super) health: HealthState,
    /// For a child with a backoff, once started.
    pub(super) backoff: Option<Box<BackoffState>>,
    /// Whether this permanent task has been warned about for ending normally.
    pub(super) warned_normal_end: bool,
    /// For a registered child: the supervisor's hold on its name, expecting it while the child
    /// runs or is being brought back, so that calls through the name wait only then.
    pub(super) claim: Option<NameClaim>,
}

/// A health-checked child's checks: kept in its entry (32 bytes), with no task or timer of its
/// own. A check is a ping sent at `due`, and a look at its slot `timeout` later: a pong in it
/// passes, an empty slot is a miss.
#[derive(Default)]
pub(super) struct HealthState {
    pub(super) consecutive_failures: u32,
    /// When the child was last pinged: nanoseconds since the supervisor's epoch, plus one
    /// (0: never).
    pub(super) last_check: u64,
    /// When its next ping is sent, or (with `ping` out) its pong looked at: nanoseconds since
    /// the supervisor's epoch (0: nothing scheduled).
    pub(super) due: u64,
    /// The pong's slot of the ping out, if one is.
    pub(super) ping: Option<PingReply>,
    /// A ping is out that could not be queued (a miss when its timeout passes).
    pub(super) unsent: bool,
}

#[derive(Default)]
pub(super) struct BackoffState {
    /// Consecutive restarts; reset once the child stays up for the restart window.
    pub(super) attempt: u32,
    pub(super) started_at: Option<Instant>,
    /// The timer of a delayed retry, while one is pending.
    pub(super) retry_timer: Option<AbortHandle>,
}

pub(super) enum Run {
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
    pub(super) fn new(key: u64, spec: ChildSpec, claim: Option<NameClaim>) -> Self {
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
    pub(super) fn expect_name(&mut self, expecting: bool) {
        if let Some(claim) = &mut self.claim {
            claim.expect(expecting);
        }
    }

    /// Stops the child's health checks and any pending delayed retry, so that no task of the
    /// supervisor outlives the child's run (or the supervisor).
    pub(super) fn stop_timers(&mut self) {
        // Its entry in the schedule goes stale.
        self.health.due = 0;
        self.health.ping = None;
        self.health.unsent = false;
        if let Some(task) = self.backoff.as_mut().and_then(|b| b.retry_timer.take()) {
            task.abort();
        }
    }

    pub(super) fn is_removed(&self) -> bool {
        matches!(self.run, Run::Removed)
    }

    /// `true` if the child's current run is the process `id` (not an earlier incarnation).
    pub(super) fn is_running(&self, id: ProcessId) -> bool {
        matches!(&self.run, Run::Running { started } if started.process.id() == id)
    }

    pub(super) fn info(&self, epoch: Instant) -> ChildInfo {
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

impl SupervisorServer {
    /// Adds a child at the end, with the next key, and returns its index.
    pub(super) fn add(&mut self, spec: ChildSpec) -> usize {
        self.last_key += 1;
        // Tasks have no name in the registry to claim.
        let claim = (spec.register && spec.kind != ChildKind::Task)
            .then(|| self.registry.claim(spec.name.clone()));
        self.children.push(Child::new(self.last_key, spec, claim));
        self.children.len() - 1
    }

    /// The index of the child with `key`, if it is still there.
    pub(super) fn index_of(&self, key: u64) -> Option<usize> {
        self.children
            .binary_search_by_key(&key, |c| c.key)
            .ok()
            .filter(|&idx| !self.children[idx].is_removed())
    }

    /// The children, in start order.
    pub(super) fn live(&self) -> impl Iterator<Item = &Child> {
        self.children.iter().filter(|c| !c.is_removed())
    }

    /// How many children there are.
    pub(super) fn len(&self) -> usize {
        self.children.len() - self.removed
    }

    /// Removes the child at `idx` (stopped already), keeping the other children's order.
    pub(super) fn remove(&mut self, idx: usize) {
        if !self.is_dynamic() {
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

    pub(super) fn child(&self, name: &str) -> Result<&Child, SupervisorError> {
        Ok(&self.children[self.position(name)?])
    }

    pub(super) fn position(&self, name: &str) -> Result<usize, SupervisorError> {
        let found = if self.is_dynamic() {
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

    pub(super) fn count(&self) -> ChildCounts {
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
}
