//! Starting one child of the table: linking it, and arming its health checks.

use std::cmp::Reverse;

use tokio::time::Instant;

use crate::ExitReason;
use crate::process::Link;
use crate::supervisor::child::{StartCtx, Started, start as start_one};
use crate::supervisor::server::health::nanos_since;
use crate::supervisor::server::{Run, SupervisorServer};

/// How a child's start went, when it did not fail.
pub(super) enum Start {
    /// The child runs, recorded in its entry.
    Running,
    /// Its `init` declined to start (OTP's `ignore`): the entry is left not running, and here
    /// is the reference to the server that did not start.
    Ignored(Started),
}

impl SupervisorServer {
    /// Starts the child at `idx` (which must not be running), links it, and arms its health
    /// check. On failure, or when its `init` declines to start, the child is left not running.
    pub(super) async fn start_child_at(&mut self, idx: usize) -> Result<Start, ExitReason> {
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
}
