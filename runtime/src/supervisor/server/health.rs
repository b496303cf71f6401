//! Health checks: one timer for all the children, a ping when one is due, a look at its pong
//! once its timeout has passed, and a kill after too many misses in a row.

use std::cmp::Reverse;
use std::time::Duration;

use tokio::time::Instant;

use crate::supervisor::events::Event;
use crate::supervisor::server::{Notice, Run, SupervisorServer};
use crate::{Context, ExitReason, ProcessId};

impl SupervisorServer {
    /// Arms the health checks' one timer for the soonest entry of the schedule, if it is not
    /// armed for that already.
    pub(super) fn arm_health(&mut self, ctx: &mut Context<Self>) {
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
    pub(super) fn health_checks(&mut self) {
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

    pub(super) fn health_result(&mut self, key: u64, id: ProcessId, ok: bool) {
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
}

/// Nanoseconds from `epoch` to `at` (0 if `at` is earlier), for the health checks' schedule.
pub(super) fn nanos_since(epoch: Instant, at: Instant) -> u64 {
    nanos(at.saturating_duration_since(epoch))
}

/// A duration in nanoseconds, saturating (at some 584 years).
fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}
