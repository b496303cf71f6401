//! Task children: plain async functions run as supervised processes.
//!
//! A task's future is its whole life: when it completes, its output becomes the exit reason
//! ([`IntoExitReason`]); a panic becomes [`ExitReason::Panic`].
//!
//! A task has no mailbox, so there are two kinds of stop:
//!
//! - A plain task (`ChildSpec::task`) cannot be *asked* to stop: stopping it aborts it at its
//!   next await point with reason `Shutdown` (OTP's untrapped exit signal), whatever its
//!   `shutdown` option says, and `brutal_kill` with `Killed`.
//! - A task that takes a shutdown token (`ChildSpec::task_with_shutdown`, or `shutdown` among
//!   the arguments of `task(f, ..)` in a tree) is asked: its [`CancellationToken`] is
//!   cancelled, and it has its `shutdown` timeout as a grace period to finish (flush, close,
//!   say goodbye) before it is aborted with `Killed`. Ending within the grace is an exit with
//!   `Shutdown` (or its own error, if it returns one). `brutal_kill` aborts it at once, and
//!   `infinity` waits for it as long as it takes.

use std::error::Error as StdError;
use std::future::Future;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::ExitReason;
use crate::process::{Link, Process, catch_unwind};

/// What a task child's future may return; it becomes the task's exit reason.
///
/// `()` and `Ok(())` are [`ExitReason::Normal`], `Err(e)` is [`ExitReason::Error`], and an
/// [`ExitReason`] is taken as it is.
#[diagnostic::on_unimplemented(
    message = "a task child's future must return `()`, `Result<(), E>` or `ExitReason`, not `{Self}`",
    label = "this is what the task returns",
    note = "the value becomes the task's exit reason: `()` and `Ok(())` are a normal exit, `Err(e)` an error"
)]
pub trait IntoExitReason {
    /// The exit reason this output stands for.
    fn into_exit_reason(self) -> ExitReason;
}

impl IntoExitReason for () {
    fn into_exit_reason(self) -> ExitReason {
        ExitReason::Normal
    }
}

impl IntoExitReason for ExitReason {
    fn into_exit_reason(self) -> ExitReason {
        self
    }
}

impl<E: Into<Box<dyn StdError + Send + Sync>>> IntoExitReason for Result<(), E> {
    fn into_exit_reason(self) -> ExitReason {
        match self {
            Ok(()) => ExitReason::Normal,
            Err(e) => ExitReason::error(e),
        }
    }
}

/// Records the task's exit however it ends: returning, panicking, or being dropped by an abort.
struct TaskGuard {
    process: Arc<Process>,
}

impl Drop for TaskGuard {
    fn drop(&mut self) {
        // A no-op when the task already recorded its exit.
        self.process.set_exit(self.process.abort_reason());
    }
}

/// Spawns `fut` as a process named `name`, linked to `link`.
pub(crate) fn spawn<F>(
    name: Arc<str>,
    link: Option<Link>,
    span: tracing::Span,
    fut: F,
) -> Arc<Process>
where
    F: Future + Send + 'static,
    F::Output: IntoExitReason,
{
    let process = Arc::new(Process::new(Some(name), link));
    let guard = TaskGuard {
        process: process.clone(),
    };
    let task = tokio::spawn(
        async move {
            guard.process.set_task(tokio::task::id());
            let mut reason = match catch_unwind(fut).await {
                Ok(output) => output.into_exit_reason(),
                Err(panic) => ExitReason::Panic(panic),
            };
            // A task that was asked to stop (its token cancelled) and then ended normally
            // stopped on request: its exit is the request's, as a gen_server's is.
            if matches!(reason, ExitReason::Normal)
                && let Some(requested) = guard.process.stop_request()
            {
                reason = requested;
            }
            let process = &guard.process;
            if reason.is_abnormal() {
                let id = process.id();
                tracing::error!(task = process.name().map(|n| &**n), %id, %reason, "task exited");
            }
            guard.process.set_exit(reason);
        }
        .instrument(span),
    );
    process.set_abort(task.abort_handle());
    process
}

/// How a supervisor stops a running task child.
pub(crate) struct TaskControl {
    pub(crate) process: Arc<Process>,
    /// The task's shutdown token, when it takes one.
    pub(crate) token: Option<CancellationToken>,
}

impl TaskControl {
    /// Stops the task with `reason`: asks through its token when it has one (the supervisor
    /// aborts it if it outlasts its grace), aborts it at once when it has none.
    pub(crate) fn stop(&self, reason: ExitReason) {
        match &self.token {
            Some(token) => {
                self.process.request_stop(reason);
                token.cancel();
            }
            None => self.process.kill_with(reason),
        }
    }
}
