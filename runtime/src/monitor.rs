//! Monitors: a server watches another process (a server, a supervisor, a task child, whoever
//! holds a name) and gets a [`Down`] message, handled by
//! [`GenServer::handle_down`], when it exits (OTP's
//! `monitor/2` and `'DOWN'`).
//!
//! A monitor is one-way: the watched process knows nothing of it, and its exit is news, not a
//! signal that takes the watcher down (that is what supervisors are for). Each side keeps its
//! half: the watched process a table of the callbacks that send the news (one per monitor), the
//! watcher a table of its monitors. Whichever ends first removes the monitor from both: the
//! target's exit sends every news and empties its table; the watcher's exit, or
//! [`demonitor`](crate::Context::demonitor), takes its entries out of the targets' tables. So no
//! monitor outlives either side.

use std::collections::HashMap;
use std::sync::Arc;

use crate::process::{Process, ProcessId};
use crate::registry::Registry;
use crate::supervisor::SupervisorHandle;
use crate::watchers::DownNews;
pub use crate::watchers::{DownReason, MonitorRef};
use crate::{Client, GenServer, NamedRef, ServerRef};

/// The news that a monitored process is gone (OTP's `{'DOWN', Ref, process, Target, Reason}`).
#[derive(Clone, Debug, PartialEq)]
pub struct Down {
    /// The monitor this is the news of.
    pub monitor: MonitorRef,
    /// The incarnation that exited; `None` when there was none to watch.
    pub id: Option<ProcessId>,
    /// The target's name: the one it was monitored by, or the one it was started with.
    pub name: Option<Arc<str>>,
    /// How it ended.
    pub reason: DownReason,
}

/// What a server can monitor: a [`ServerRef`], a [`NamedRef`] or [`Client`] (the server holding
/// the name at the time of the call, as OTP resolves a name), a generated typed client, or a
/// [`SupervisorHandle`] (a dynamic supervisor's too, through `&*`). A name in a registry is
/// monitored with [`Context::monitor_name`](crate::Context::monitor_name), and any child of a
/// supervisor (a task too) with [`Context::monitor_child`](crate::Context::monitor_child).
pub trait Monitorable {
    /// The process to watch, now. Not public API.
    #[doc(hidden)]
    fn monitor_target(&self) -> MonitorTarget;
}

/// A process to watch (or none), and the name the news carries. Not public API.
#[doc(hidden)]
pub struct MonitorTarget {
    pub(crate) process: Option<Arc<Process>>,
    pub(crate) name: Option<Arc<str>>,
}

impl MonitorTarget {
    fn of<S: GenServer>(server: Option<&ServerRef<S>>, name: Option<Arc<str>>) -> Self {
        let process = server.map(|s| s.process.clone());
        let name = name.or_else(|| process.as_ref().and_then(|p| p.name().cloned()));
        MonitorTarget { process, name }
    }

    pub(crate) fn name(registry: &Registry, name: &str) -> Self {
        MonitorTarget {
            process: registry.process_of(name),
            name: Some(name.into()),
        }
    }

    pub(crate) fn process(process: Option<Arc<Process>>, name: &str) -> Self {
        MonitorTarget {
            process,
            name: Some(name.into()),
        }
    }
}

impl<S: GenServer> Monitorable for ServerRef<S> {
    fn monitor_target(&self) -> MonitorTarget {
        MonitorTarget::of(Some(self), None)
    }
}

impl<S: GenServer> Monitorable for NamedRef<S> {
    fn monitor_target(&self) -> MonitorTarget {
        MonitorTarget::of(self.resolve().as_ref(), Some(self.name().into()))
    }
}

impl<S: GenServer> Monitorable for Client<S> {
    fn monitor_target(&self) -> MonitorTarget {
        match self.direct() {
            Some(server) => MonitorTarget::of(Some(server), None),
            None => MonitorTarget::of(self.resolve().as_ref(), self.name().map(Into::into)),
        }
    }
}

impl Monitorable for SupervisorHandle {
    fn monitor_target(&self) -> MonitorTarget {
        MonitorTarget::of(self.server().as_ref(), Some(self.name().into()))
    }
}

impl<T: Monitorable + ?Sized> Monitorable for &T {
    fn monitor_target(&self) -> MonitorTarget {
        (**self).monitor_target()
    }
}

/// A server's own monitors: the process each watches (`None`: down from the start), until its
/// news is handled or it is demonitored.
#[derive(Default)]
pub(crate) struct Monitors {
    targets: HashMap<MonitorRef, Option<Arc<Process>>>,
}

impl Monitors {
    /// Sets a monitor on `target`, whose news `send` delivers to this server.
    pub(crate) fn add(
        &mut self,
        target: MonitorTarget,
        send: impl Fn(Down) + Send + Sync + 'static,
    ) -> MonitorRef {
        let monitor = MonitorRef::next();
        let MonitorTarget { process, name } = target;
        let id = process.as_ref().map(|p| p.id());
        let send = Arc::new(send);
        let down = {
            let (send, name) = (send.clone(), name.clone());
            move |reason| {
                send(Down {
                    monitor,
                    id,
                    name,
                    reason,
                })
            }
        };
        let watching = match &process {
            Some(process) => process.watch(monitor, Box::new(down)),
            None => Err(Box::new(down) as DownNews),
        };
        match watching {
            Ok(()) => {
                self.targets.insert(monitor, process);
            }
            // Already gone: the news now, with `NoProc`.
            Err(down) => {
                self.targets.insert(monitor, None);
                down(DownReason::NoProc);
            }
        }
        monitor
    }

    /// Removes a monitor; `true` if it was set and its news not yet handled. News already sent
    /// is dropped when it arrives (OTP's `demonitor(Ref, [flush])`).
    pub(crate) fn remove(&mut self, monitor: MonitorRef) -> bool {
        match self.targets.remove(&monitor) {
            Some(Some(process)) => {
                process.unwatch(monitor);
                true
            }
            Some(None) => true,
            None => false,
        }
    }

    /// Takes the monitor of arriving news: `false` if it was demonitored meanwhile.
    pub(crate) fn arrived(&mut self, monitor: MonitorRef) -> bool {
        self.targets.remove(&monitor).is_some()
    }

    pub(crate) fn len(&self) -> usize {
        self.targets.len()
    }

    /// Removes every monitor from its target: the server is exiting.
    pub(crate) fn clear(&mut self) {
        for (monitor, process) in self.targets.drain() {
            if let Some(process) = process {
                process.unwatch(monitor);
            }
        }
    }
}
