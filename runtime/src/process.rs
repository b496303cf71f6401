//! The shared, untyped state of one running server: its identity, its exit, its stop request
//! and the means to kill it. Servers, references, the registry and (later) supervisors all hold
//! it through an `Arc`.

use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering, fence};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::task::Poll;

use tokio::sync::Notify;
use tokio::task::{AbortHandle, Id as TaskId};

use crate::ExitReason;
use crate::exit::panic_text;
use crate::watchers::{DownNews, DownReason, MonitorRef, Watchers};

/// A process's unique number, for logs and for telling incarnations apart.
///
/// Each started server gets a new one, so a restarted server has a different id from the one it
/// replaced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProcessId(u64);

impl fmt::Display for ProcessId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// Tells a watcher (a supervisor) that a process exited: OTP's link, one way.
///
/// The callback runs once, synchronously, in whatever task finishes the process (its own, or
/// the runtime dropping it after an abort), after the name is unregistered and the exit is
/// recorded. It must not block. It gets the link's `token` (which child this is, to the
/// watcher), the process's id (which incarnation) and the exit reason; one callback can serve
/// all of a watcher's links.
#[derive(Clone)]
pub(crate) struct Link {
    pub(crate) token: u64,
    pub(crate) notify: LinkNotify,
}

/// A watcher's exit callback: `(token, id, reason)`.
pub(crate) type LinkNotify = Arc<dyn Fn(u64, ProcessId, ExitReason) + Send + Sync>;

pub(crate) struct Process {
    id: ProcessId,
    name: Option<Arc<str>>,
    exit: OnceLock<ExitReason>,
    exited: Notify,
    /// The first stop request's reason.
    stop_reason: OnceLock<ExitReason>,
    abort: OnceLock<AbortHandle>,
    /// Set by the first kill, so that a kill made before the abort handle exists (a server
    /// looked up by name between its registration and its spawn) is honoured when it arrives.
    killed: AtomicBool,
    /// The reason an abort records, when someone aborted with one (a task stopped on request,
    /// a server killed for failing its health checks); a plain kill records `Killed`.
    abort_reason: OnceLock<ExitReason>,
    task: OnceLock<TaskId>,
    link: Option<Link>,
    /// Set when `init` declined to start (OTP's `ignore`), before the exit is recorded.
    ignored: AtomicBool,
    /// Who monitors this process: made by the first monitor.
    watchers: Mutex<Option<Box<Watchers>>>,
}

impl Process {
    pub(crate) fn new(name: Option<Arc<str>>, link: Option<Link>) -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Process {
            id: ProcessId(NEXT.fetch_add(1, Ordering::Relaxed)),
            name,
            exit: OnceLock::new(),
            exited: Notify::new(),
            stop_reason: OnceLock::new(),
            abort: OnceLock::new(),
            killed: AtomicBool::new(false),
            abort_reason: OnceLock::new(),
            task: OnceLock::new(),
            link,
            ignored: AtomicBool::new(false),
            watchers: Mutex::new(None),
        }
    }

    pub(crate) fn id(&self) -> ProcessId {
        self.id
    }

    pub(crate) fn name(&self) -> Option<&Arc<str>> {
        self.name.as_ref()
    }

    #[inline]
    pub(crate) fn is_alive(&self) -> bool {
        self.exit.get().is_none()
    }

    pub(crate) fn exit_reason(&self) -> Option<ExitReason> {
        self.exit.get().cloned()
    }

    /// Records the exit (first one wins), wakes every monitor and tells the linked watcher.
    pub(crate) fn set_exit(&self, reason: ExitReason) {
        if self.exit.set(reason.clone()).is_err() {
            return;
        }
        self.exited.notify_waiters();
        // Taken after the exit is set: a monitor set from now on finds it and gets `NoProc`.
        let watchers = self.lock_watchers().take();
        if let Some(mut watchers) = watchers {
            for down in watchers.drain() {
                down(DownReason::Exited(reason.clone()));
            }
        }
        if let Some(link) = &self.link {
            (link.notify)(link.token, self.id, reason);
        }
    }

    /// Waits until the process has exited and returns how.
    pub(crate) async fn wait_exit(&self) -> ExitReason {
        // Exited already (as children asked to stop together mostly are by the time their
        // supervisor waits for each): no waiter to register in the `Notify`.
        if let Some(reason) = self.exit.get() {
            return reason.clone();
        }
        loop {
            let mut notified = pin!(self.exited.notified());
            notified.as_mut().enable();
            if let Some(reason) = self.exit.get() {
                return reason.clone();
            }
            notified.await;
        }
    }

    fn lock_watchers(&self) -> std::sync::MutexGuard<'_, Option<Box<Watchers>>> {
        // Nothing panics while holding the lock; recover the table if something ever did.
        self.watchers.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds a monitor's news, sent when this process exits; given back if it has exited.
    pub(crate) fn watch(&self, monitor: MonitorRef, down: DownNews) -> Result<(), DownNews> {
        let mut watchers = self.lock_watchers();
        if self.exit.get().is_some() {
            return Err(down);
        }
        watchers.get_or_insert_default().insert(monitor, down);
        Ok(())
    }

    /// Removes a monitor's news, if it is still here.
    pub(crate) fn unwatch(&self, monitor: MonitorRef) -> bool {
        self.lock_watchers()
            .as_mut()
            .is_some_and(|watchers| watchers.remove(monitor))
    }

    /// How many monitors watch this process.
    pub(crate) fn watcher_count(&self) -> usize {
        self.lock_watchers().as_ref().map_or(0, |w| w.len())
    }

    /// Asks for an orderly stop. The first request's reason wins.
    pub(crate) fn request_stop(&self, reason: ExitReason) {
        let _ = self.stop_reason.set(reason);
    }

    /// The stop request, if one was made; checked by the server before each message.
    #[inline]
    pub(crate) fn stop_request(&self) -> Option<ExitReason> {
        self.stop_reason.get().cloned()
    }

    /// Records the task's abort handle, and aborts it at once if it was killed before.
    pub(crate) fn set_abort(&self, handle: AbortHandle) {
        let _ = self.abort.set(handle);
        // Paired with the fence in `kill`: of a kill racing this, either the kill sees the
        // handle or this sees the kill (or both; aborting twice is harmless).
        fence(Ordering::SeqCst);
        if self.killed.load(Ordering::SeqCst) {
            self.abort_now();
        }
    }

    /// Aborts the task at its next await point; `terminate` does not run. A kill is never
    /// lost: made before the task's abort handle is recorded, it lands when it is.
    pub(crate) fn kill(&self) {
        self.killed.store(true, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        self.abort_now();
    }

    /// Records that `init` declined to start.
    pub(crate) fn set_ignored(&self) {
        self.ignored.store(true, Ordering::SeqCst);
    }

    /// `true` if `init` declined to start: the process never ran.
    pub(crate) fn is_ignored(&self) -> bool {
        self.ignored.load(Ordering::SeqCst)
    }

    /// `true` once the process was killed (its task is being aborted, or will be).
    pub(crate) fn is_killed(&self) -> bool {
        self.killed.load(Ordering::SeqCst)
    }

    fn abort_now(&self) {
        if let Some(handle) = self.abort.get() {
            handle.abort();
        }
    }

    /// Aborts the task, recording `reason` instead of `Killed` as its exit.
    pub(crate) fn kill_with(&self, reason: ExitReason) {
        let _ = self.abort_reason.set(reason);
        self.kill();
    }

    /// The reason an aborted task records: the one given to `kill_with`, else `Killed`.
    pub(crate) fn abort_reason(&self) -> ExitReason {
        self.abort_reason
            .get()
            .cloned()
            .unwrap_or(ExitReason::Killed)
    }

    pub(crate) fn set_task(&self, id: TaskId) {
        let _ = self.task.set(id);
    }

    /// `true` when called from the process's own task.
    #[inline]
    pub(crate) fn is_current_task(&self) -> bool {
        match (tokio::task::try_id(), self.task.get()) {
            (Some(current), Some(mine)) => current == *mine,
            _ => false,
        }
    }
}

/// Runs `fut` to completion, turning a panic in any of its polls into its message.
pub(crate) async fn catch_unwind<F: Future>(fut: F) -> Result<F::Output, Arc<str>> {
    catch_unwind_pinned(pin!(fut)).await
}

/// [`catch_unwind`] for a future pinned where it was made (`pin!(handler(..))`): awaiting it
/// stores nothing but the reference, where an `async fn` taking the future by value would keep
/// it twice (once as its argument, once pinned), in every server's task.
pub(crate) fn catch_unwind_pinned<'a, F: Future + ?Sized + 'a>(
    mut fut: Pin<&'a mut F>,
) -> impl Future<Output = Result<F::Output, Arc<str>>> + 'a {
    poll_fn(
        move |cx| match crate::panics::catch(|| fut.as_mut().poll(cx)) {
            Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(payload) => Poll::Ready(Err(panic_text(payload))),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_kill_made_before_the_abort_handle_exists_lands_when_it_does() {
        let process = Process::new(None, None);
        process.kill();
        let task = tokio::spawn(std::future::pending::<()>());
        process.set_abort(task.abort_handle());
        let ended = task.await.unwrap_err();
        assert!(ended.is_cancelled());
    }

    #[tokio::test]
    async fn a_kill_after_the_abort_handle_lands_at_once() {
        let process = Process::new(None, None);
        let task = tokio::spawn(std::future::pending::<()>());
        process.set_abort(task.abort_handle());
        process.kill();
        assert!(task.await.unwrap_err().is_cancelled());
    }
}
