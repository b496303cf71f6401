//! The watched side of monitors: the news a process sends its watchers when it exits, kept by
//! the process itself ([`Process`](crate::process::Process)), and the two public facts the news
//! carries (which monitor, and why). The watching side is [`monitor`](crate::monitor).

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::ExitReason;

/// One monitor, as [`Context::monitor`](crate::Context::monitor) returns it: to
/// [`demonitor`](crate::Context::demonitor) it, and to tell its [`Down`](crate::Down) from others.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MonitorRef(u64);

impl MonitorRef {
    pub(crate) fn next() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        MonitorRef(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// Why a monitored process is down.
#[derive(Clone, Debug, PartialEq)]
pub enum DownReason {
    /// It exited, with this reason.
    Exited(ExitReason),
    /// It was not running when the monitor was set (OTP's `noproc`): gone already, never
    /// started, or no process held the name.
    NoProc,
}

impl fmt::Display for DownReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DownReason::Exited(reason) => fmt::Display::fmt(reason, f),
            DownReason::NoProc => f.write_str("noproc (it was not running)"),
        }
    }
}

/// The news a target sends when it exits.
pub(crate) type DownNews = Box<dyn FnOnce(DownReason) + Send>;

/// A process's watchers: the news to send when it exits, by monitor.
#[derive(Default)]
pub(crate) struct Watchers {
    by_monitor: HashMap<MonitorRef, DownNews>,
}

impl Watchers {
    pub(crate) fn insert(&mut self, monitor: MonitorRef, notify: DownNews) {
        self.by_monitor.insert(monitor, notify);
    }

    pub(crate) fn remove(&mut self, monitor: MonitorRef) -> bool {
        self.by_monitor.remove(&monitor).is_some()
    }

    pub(crate) fn len(&self) -> usize {
        self.by_monitor.len()
    }

    pub(crate) fn drain(&mut self) -> impl Iterator<Item = DownNews> + '_ {
        self.by_monitor.drain().map(|(_, notify)| notify)
    }
}
