//! What a supervisor tells of its children: each one's state and health, and their counts.

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use tokio::time::Instant;

use crate::ProcessId;
use crate::supervisor::{ChildKind, Restart};

/// One child, as its supervisor sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct ChildInfo {
    /// The child's name.
    pub name: Arc<str>,
    /// What kind of child it is.
    pub kind: ChildKind,
    /// Its restart type.
    pub restart: Restart,
    /// Whether it runs.
    pub state: ChildState,
    /// How many times the supervisor restarted it.
    pub restarts: u32,
    /// Its health checks, for a health-checked gen_server.
    pub health: Option<HealthStatus>,
}

/// Whether a child runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChildState {
    /// Running, as this incarnation.
    Running(ProcessId),
    /// Waiting to be restarted (a failed restart being retried, or a backoff delay).
    Restarting,
    /// Not running; its spec is kept (a transient child that ended normally, or one stopped by
    /// `terminate_child`).
    NotRunning,
}

impl fmt::Display for ChildState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChildState::Running(id) => write!(f, "running {id}"),
            ChildState::Restarting => f.write_str("restarting"),
            ChildState::NotRunning => f.write_str("not running"),
        }
    }
}

/// A health-checked child's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HealthStatus {
    /// Whether checks run.
    pub enabled: bool,
    /// Missed pongs in a row.
    pub consecutive_failures: u32,
    /// When the last check began (the child was last pinged), if one has, on tokio's
    /// monotonic clock (for durations: `last_check.elapsed()`). Its outcome is counted in
    /// `consecutive_failures` once its timeout has passed.
    pub last_check: Option<Instant>,
    /// When the last check began, if one has, as wall-clock time (for logs and dashboards).
    pub last_check_at: Option<SystemTime>,
}

/// Counts of a supervisor's children (OTP's `count_children`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChildCounts {
    /// Children with a spec, running or not.
    pub specs: usize,
    /// Children running.
    pub active: usize,
    /// Children that are supervisors.
    pub supervisors: usize,
    /// Children that are workers (gen_servers and tasks).
    pub workers: usize,
}
