//! Lifecycle events: what supervisors saw happen, as a stream for tests and observability.
//!
//! One hub serves a whole tree: nested supervisors publish to their root's hub, so one
//! subscription sees everything, each event naming its supervisor. Every event is also logged
//! with `tracing` (INFO, and ERROR for an intensity exceeded).

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::mpsc;

use crate::supervisor::AutoShutdown;
use crate::{ExitReason, ProcessId};

/// Something a supervisor did or saw.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// A child started for the first time.
    Started {
        /// The supervisor.
        supervisor: Arc<str>,
        /// The child.
        child: Arc<str>,
        /// The new incarnation.
        id: ProcessId,
    },
    /// A child exited (a crash, a normal end, or a stop by its supervisor).
    Exited {
        /// The supervisor.
        supervisor: Arc<str>,
        /// The child.
        child: Arc<str>,
        /// How it ended.
        reason: ExitReason,
    },
    /// A child was started again after an exit.
    Restarted {
        /// The supervisor.
        supervisor: Arc<str>,
        /// The child.
        child: Arc<str>,
        /// The new incarnation.
        id: ProcessId,
        /// How many times this child has been restarted so far.
        restarts: u32,
    },
    /// A restart failed; it will be tried again.
    RestartFailed {
        /// The supervisor.
        supervisor: Arc<str>,
        /// The child.
        child: Arc<str>,
        /// Why the start failed.
        reason: ExitReason,
    },
    /// A child missed a health check.
    HealthFailed {
        /// The supervisor.
        supervisor: Arc<str>,
        /// The child.
        child: Arc<str>,
        /// Missed pongs in a row, this one included.
        consecutive: u32,
    },
    /// A child answered a ping after missing some.
    HealthRecovered {
        /// The supervisor.
        supervisor: Arc<str>,
        /// The child.
        child: Arc<str>,
    },
    /// The supervisor saw more restarts than it allows and is giving up.
    IntensityExceeded {
        /// The supervisor.
        supervisor: Arc<str>,
        /// The child whose exit was one too many.
        child: Arc<str>,
        /// The supervisor's `max_restarts`.
        max_restarts: u32,
        /// The supervisor's window.
        within: Duration,
    },
    /// A significant child ended by itself and the supervisor's `auto_shutdown` says to shut
    /// down: it stops its other children and exits with `Shutdown` (a [`Event::ShutDown`]
    /// follows).
    AutoShutdown {
        /// The supervisor.
        supervisor: Arc<str>,
        /// The significant child whose end triggered it.
        child: Arc<str>,
        /// The supervisor's setting.
        auto_shutdown: AutoShutdown,
    },
    /// The supervisor stopped all its children and exited.
    ShutDown {
        /// The supervisor.
        supervisor: Arc<str>,
        /// Its exit reason.
        reason: ExitReason,
    },
}

impl Event {
    /// The supervisor the event comes from.
    ///
    /// ```
    /// use perennial_runtime::supervisor::{ChildSpec, Event, SupervisorSpec};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let pool = ChildSpec::task("pool", std::future::pending::<()>);
    /// let db = SupervisorSpec::new("db").child(pool);
    /// let app = SupervisorSpec::new("app").child(ChildSpec::supervisor(db)).start().await?;
    /// let mut events = app.subscribe(); // the whole tree's events
    /// app.nested("db").terminate_child("pool").await?;
    /// let event = events.next().await.ok_or("no event")?;
    /// assert_eq!(event.supervisor(), "db");
    /// # Ok(())
    /// # }
    /// ```
    pub fn supervisor(&self) -> &str {
        match self {
            Event::Started { supervisor, .. }
            | Event::Exited { supervisor, .. }
            | Event::Restarted { supervisor, .. }
            | Event::RestartFailed { supervisor, .. }
            | Event::HealthFailed { supervisor, .. }
            | Event::HealthRecovered { supervisor, .. }
            | Event::IntensityExceeded { supervisor, .. }
            | Event::AutoShutdown { supervisor, .. }
            | Event::ShutDown { supervisor, .. } => supervisor,
        }
    }

    /// The child the event is about, if it is about one.
    ///
    /// ```
    /// use perennial_runtime::supervisor::{ChildSpec, Event, SupervisorSpec};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let pool = ChildSpec::task("pool", std::future::pending::<()>);
    /// let db = SupervisorSpec::new("db").child(pool);
    /// let app = SupervisorSpec::new("app").child(ChildSpec::supervisor(db)).start().await?;
    /// let mut events = app.subscribe(); // the whole tree's events
    /// app.nested("db").terminate_child("pool").await?;
    /// let event = events.next().await.ok_or("no event")?;
    /// assert_eq!(event.child(), Some("pool"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn child(&self) -> Option<&str> {
        match self {
            Event::Started { child, .. }
            | Event::Exited { child, .. }
            | Event::Restarted { child, .. }
            | Event::RestartFailed { child, .. }
            | Event::HealthFailed { child, .. }
            | Event::HealthRecovered { child, .. }
            | Event::IntensityExceeded { child, .. }
            | Event::AutoShutdown { child, .. } => Some(child),
            Event::ShutDown { .. } => None,
        }
    }

    /// Logs the event at the level it deserves, so that a service's log has one line per thing
    /// that happened: a crash is logged as ERROR once, by the child that crashed (with its name,
    /// id and reason), so its `Exited` is DEBUG here; a restart is INFO; a missed health check
    /// is WARN; an escalation is logged as ERROR once, with its cause, by the supervisor that
    /// gave up, and the exits it causes above are DEBUG.
    fn log(&self) {
        let sup = self.supervisor();
        let child = self.child();
        macro_rules! at {
            ($level:ident) => {
                match child {
                    Some(child) => tracing::$level!(supervisor = sup, child, "{self}"),
                    None => tracing::$level!(supervisor = sup, "{self}"),
                }
            };
        }
        match self {
            Event::Exited { reason, .. } | Event::ShutDown { reason, .. } => match reason {
                ExitReason::Normal | ExitReason::NoRestart => at!(info),
                ExitReason::Shutdown if matches!(self, Event::ShutDown { .. }) => at!(info),
                _ => at!(debug),
            },
            Event::HealthFailed { .. } | Event::RestartFailed { .. } => at!(warn),
            // Logged where it happens, with its cause.
            Event::IntensityExceeded { .. } => at!(debug),
            _ => at!(info),
        }
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Started { child, id, .. } => write!(f, "started `{child}` ({id})"),
            Event::Exited { child, reason, .. } => write!(f, "`{child}` exited: {reason}"),
            Event::Restarted {
                child,
                id,
                restarts,
                ..
            } => write!(f, "restarted `{child}` ({id}, restart {restarts})"),
            Event::RestartFailed { child, reason, .. } => {
                write!(f, "restart of `{child}` failed, will retry: {reason}")
            }
            Event::HealthFailed {
                child, consecutive, ..
            } => write!(
                f,
                "`{child}` missed a health check ({consecutive} in a row)"
            ),
            Event::HealthRecovered { child, .. } => {
                write!(f, "`{child}` answers health checks again")
            }
            Event::IntensityExceeded {
                supervisor,
                child,
                max_restarts,
                within,
            } => write!(
                f,
                "supervisor `{supervisor}` reached its restart intensity ({}) after `{child}` \
                 exited; stopping all its children",
                crate::supervisor::Intensity::new(*max_restarts, *within)
            ),
            Event::AutoShutdown {
                supervisor,
                child,
                auto_shutdown,
            } => write!(
                f,
                "significant child `{child}` ended; supervisor `{supervisor}` shuts down \
                 (auto_shutdown = {auto_shutdown})"
            ),
            Event::ShutDown { supervisor, reason } => {
                write!(f, "supervisor `{supervisor}` shut down: {reason}")
            }
        }
    }
}

/// A subscription to a tree's events. Lossless: every event published after
/// [`subscribe`](crate::supervisor::SupervisorHandle::subscribe) is kept until received.
///
/// The stream ends only when nothing can publish to it any more: every supervisor of the tree
/// has exited *and* every handle to the tree has been dropped (see [`next`](Self::next)). To
/// stop reading when the tree ends, wait for its [`Event::ShutDown`].
///
/// ```
/// use perennial_runtime::ExitReason;
/// use perennial_runtime::supervisor::{ChildSpec, Event, Restart, SupervisorSpec};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let sup = SupervisorSpec::new("app").start().await?;
/// let mut events = sup.subscribe();
/// sup.start_child(ChildSpec::task("job", || async {}).restart(Restart::Transient)).await?;
/// assert!(matches!(events.next().await, Some(Event::Started { .. })));
/// let exited = events.next().await;
/// assert!(matches!(exited, Some(Event::Exited { reason: ExitReason::Normal, .. })));
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct EventStream {
    rx: mpsc::UnboundedReceiver<Event>,
}

impl EventStream {
    /// The next event, waiting for one.
    ///
    /// `None` once the stream is drained and nothing can publish to it any more: every
    /// supervisor of the tree has exited, and every handle to the tree has been dropped (each
    /// [`SupervisorHandle`](crate::supervisor::SupervisorHandle) and its clones, the handles of
    /// its nested supervisors, [`DynamicSupervisor`](crate::supervisor::DynamicSupervisor)s and
    /// [`ChildHandle`](crate::supervisor::ChildHandle)s). While any handle is held, the stream
    /// stays open after the tree has exited, and `next` waits: the tree's own end is its
    /// supervisor's [`Event::ShutDown`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use perennial_runtime::supervisor::{Event, SupervisorSpec};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sup = SupervisorSpec::new("app").start().await?;
    /// let mut events = sup.subscribe();
    /// sup.shutdown().await;
    /// assert!(matches!(events.next().await, Some(Event::ShutDown { .. })));
    ///
    /// // The tree has exited, but `sup` is still held: the stream is open, `next` waits.
    /// let waited = tokio::time::timeout(Duration::from_secs(60), events.next()).await;
    /// assert!(waited.is_err());
    /// drop(sup);
    /// assert_eq!(events.next().await, None); // now it has ended
    /// # Ok(())
    /// # }
    /// ```
    pub async fn next(&mut self) -> Option<Event> {
        self.rx.recv().await
    }

    /// The next event if one is ready, without waiting.
    ///
    /// ```
    /// use perennial_runtime::supervisor::{ChildSpec, Event, SupervisorSpec};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sup = SupervisorSpec::new("app")
    ///     .child(ChildSpec::task("worker", || std::future::pending::<()>()))
    ///     .start()
    ///     .await?;
    /// let mut events = sup.subscribe();
    /// assert_eq!(events.try_next(), None); // nothing happened yet
    /// sup.terminate_child("worker").await?;
    /// assert!(matches!(events.try_next(), Some(Event::Exited { .. })));
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_next(&mut self) -> Option<Event> {
        self.rx.try_recv().ok()
    }

    /// Waits for the first event for which `matches` is true and returns it, skipping the
    /// others; `None` if the stream ends first (which, as for [`next`](Self::next), is not
    /// when the tree exits while a handle to it is held: then it waits).
    ///
    /// ```
    /// # use std::convert::Infallible;
    /// # use perennial_runtime::{Context, GenServer};
    /// # struct Counter(u32);
    /// # impl GenServer for Counter {
    /// #     type Args = u32; type Call = (); type Reply = u32; type Cast = u32; type Info = u32;
    /// #     type Continue = Infallible; type Error = Infallible;
    /// #     async fn init(n: u32, _: &mut Context<Self>) -> Result<Self, Infallible> {
    /// #         Ok(Counter(n))
    /// #     }
    /// #     async fn handle_call(&mut self, _: (), _: &mut Context<Self>) -> u32 { self.0 }
    /// #     async fn handle_cast(&mut self, n: u32, _: &mut Context<Self>) { self.0 += n }
    /// #     async fn handle_info(&mut self, n: u32, _: &mut Context<Self>) { self.0 = n }
    /// # }
    /// use perennial_runtime::supervisor::{ChildSpec, Event, SupervisorSpec};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sup = SupervisorSpec::new("app")
    ///     .child(ChildSpec::server::<Counter>("counter", 0))
    ///     .start()
    ///     .await?;
    /// let mut events = sup.subscribe();
    /// sup.registry().lookup::<Counter>("counter")?.kill();
    /// // Skips the `Exited` that comes first.
    /// let restarted = events.wait_for(|e| matches!(e, Event::Restarted { .. })).await;
    /// assert!(matches!(restarted, Some(Event::Restarted { restarts: 1, .. })));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn wait_for(&mut self, mut matches: impl FnMut(&Event) -> bool) -> Option<Event> {
        while let Some(event) = self.next().await {
            if matches(&event) {
                return Some(event);
            }
        }
        None
    }
}

/// Where a tree's supervisors publish.
#[derive(Clone, Default)]
pub(crate) struct EventHub {
    subscribers: Arc<Mutex<Vec<mpsc::UnboundedSender<Event>>>>,
}

impl EventHub {
    pub(crate) fn subscribe(&self) -> EventStream {
        let (tx, rx) = mpsc::unbounded_channel();
        self.subscribers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(tx);
        EventStream { rx }
    }

    pub(crate) fn publish(&self, event: Event) {
        event.log();
        let mut subscribers = self
            .subscribers
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        subscribers.retain(|s| s.send(event.clone()).is_ok());
    }
}
