//! The requests of a supervisor's handle, and how the supervisor answers them.

use std::any::Any;
use std::sync::Arc;

use tokio::sync::oneshot;

use crate::ExitReason;
use crate::process::Process;
use crate::supervisor::child::{ChildSpec, Restart};
use crate::supervisor::events::EventHub;
use crate::supervisor::server::{Flavor, Run, Start, SupervisorServer};
use crate::supervisor::{ChildCounts, ChildInfo, SupervisorError, SupervisorHandle};

/// Where the supervisor puts its answer to a request that asks for a value: each request
/// names the type of its own answer, so the handle receives exactly what it asked for. (The
/// call itself answers whether the request succeeded.)
pub(crate) type Answer<T> = oneshot::Sender<T>;

/// A started child's name, and its typed reference (to be downcast by whoever knows its type).
pub(crate) type StartedChild = (Arc<str>, Arc<dyn Any + Send + Sync>);

/// Requests from a [`SupervisorHandle`], each with the slot of its answer if it has one.
pub(crate) enum Request {
    Which(Answer<Vec<ChildInfo>>),
    Status(Arc<str>, Answer<ChildInfo>),
    Count(Answer<ChildCounts>),
    StartChild(ChildSpec, Answer<StartedChild>),
    Terminate(Arc<str>, ExitReason),
    Restart(Arc<str>),
    Delete(Arc<str>),
    Snapshot(Answer<Vec<(ChildInfo, Option<SupervisorHandle>)>>),
    /// The typed reference of a running child.
    Resolve(Arc<str>, Answer<Option<Arc<dyn Any + Send + Sync>>>),
    /// The tree's events, for a handle to this supervisor made elsewhere.
    Tree(Answer<EventHub>),
    /// The process of a running child, whatever its kind (to monitor it).
    Process(Arc<str>, Answer<Option<Arc<Process>>>),
}

/// Puts `value` in `answer`'s slot. A handle that stopped waiting meanwhile does not want it.
fn answer<T>(answer: Answer<T>, value: T) {
    let _ = answer.send(value);
}

impl SupervisorServer {
    pub(super) async fn request(&mut self, request: Request) -> Result<(), SupervisorError> {
        let epoch = self.epoch;
        match request {
            Request::Which(a) => answer(a, self.live().map(|c| c.info(epoch)).collect()),
            Request::Status(name, a) => answer(a, self.child(&name)?.info(epoch)),
            Request::Count(a) => answer(a, self.count()),
            Request::StartChild(spec, a) => answer(a, self.api_start_child(spec).await?),
            Request::Terminate(name, reason) => self.api_terminate(&name, reason).await?,
            Request::Restart(name) => self.api_restart(&name).await?,
            Request::Delete(name) => self.api_delete(&name)?,
            Request::Snapshot(a) => answer(
                a,
                self.live()
                    .map(|c| {
                        let nested = match &c.run {
                            Run::Running { started, .. } => started.control.supervisor(),
                            _ => None,
                        };
                        (c.info(epoch), nested)
                    })
                    .collect(),
            ),
            Request::Process(name, a) => {
                let process = match &self.child(&name)?.run {
                    Run::Running { started, .. } => Some(started.process.clone()),
                    _ => None,
                };
                answer(a, process);
            }
            Request::Resolve(name, a) => {
                let typed = match &self.child(&name)?.run {
                    Run::Running { started, .. } => Some(started.typed()),
                    _ => None,
                };
                answer(a, typed);
            }
            Request::Tree(a) => answer(a, self.events.clone()),
        }
        Ok(())
    }

    pub(super) async fn api_start_child(
        &mut self,
        spec: ChildSpec,
    ) -> Result<StartedChild, SupervisorError> {
        let spec = match &self.flavor {
            Flavor::Dynamic {
                max_children,
                template,
                health,
            } => {
                if let Some(max) = *max_children
                    && self.len() >= max
                {
                    return Err(SupervisorError::MaxChildren(max));
                }
                let name = numbered(&self.name, self.last_key + 1);
                let mut spec = spec.renamed(name);
                spec.register = false;
                if spec.templated {
                    spec.restart = template.restart;
                    spec.shutdown = template.shutdown;
                    spec.health = health.clone();
                    spec.backoff = template.backoff.map(Box::new);
                }
                spec
            }
            Flavor::Static => {
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
                if self.is_dynamic() || self.children[idx].spec.restart == Restart::Temporary {
                    self.children.pop();
                }
                return Ok((name, started.typed()));
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
        Ok((name, started.typed()))
    }

    pub(super) async fn api_terminate(
        &mut self,
        name: &str,
        reason: ExitReason,
    ) -> Result<(), SupervisorError> {
        let idx = self.position(name)?;
        self.children[idx].expect_name(false);
        self.stop_child_at_with(idx, reason).await;
        let child = &mut self.children[idx];
        child.run = Run::NotRunning;
        if child.spec.restart == Restart::Temporary || self.is_dynamic() {
            self.remove(idx);
        }
        Ok(())
    }

    pub(super) async fn api_restart(&mut self, name: &str) -> Result<(), SupervisorError> {
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
                if self.is_dynamic() {
                    self.remove(idx);
                }
            }
        }
        Ok(())
    }

    pub(super) fn api_delete(&mut self, name: &str) -> Result<(), SupervisorError> {
        let idx = self.position(name)?;
        match self.children[idx].run {
            Run::Running { .. } => Err(SupervisorError::Running(name.into())),
            Run::Restarting { .. } => Err(SupervisorError::Restarting(name.into())),
            Run::NotRunning => {
                self.remove(idx);
                Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
