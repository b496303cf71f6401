//! [`ServerRef`]: the typed handle to one running incarnation of a gen_server.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;

use crate::mailbox::{Envelope, TrySendError, Tx};
use crate::process::{Process, ProcessId};
use crate::{CallError, CastError, ExitReason, GenServer};

/// How long a call waits for its reply unless told otherwise: 5 seconds, as in OTP.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// A typed reference to one running server (one incarnation).
///
/// Cheap to clone; every clone talks to the same server. When that server exits, calls return
/// [`CallError::NotRunning`] (or [`CallError::Exited`] for calls it had not answered), and casts
/// return [`CastError::NotRunning`]. To follow a *name* across restarts, use a
/// [`NamedRef`](crate::NamedRef) instead.
pub struct ServerRef<S: GenServer> {
    pub(crate) tx: Tx<S>,
    pub(crate) process: Arc<Process>,
}

impl<S: GenServer> ServerRef<S> {
    pub(crate) fn new(tx: Tx<S>, process: Arc<Process>) -> Self {
        ServerRef { tx, process }
    }

    /// Sends a call and waits up to [`DEFAULT_CALL_TIMEOUT`] for the reply.
    pub async fn call(&self, call: S::Call) -> Result<S::Reply, CallError> {
        self.call_timeout(call, DEFAULT_CALL_TIMEOUT).await
    }

    /// Sends a call and waits up to `timeout` for the reply (including, for a bounded mailbox,
    /// the wait for room). On timeout the server keeps running and its late reply is discarded.
    pub async fn call_timeout(
        &self,
        call: S::Call,
        timeout: Duration,
    ) -> Result<S::Reply, CallError> {
        self.request(|reply| Envelope::Call(call, reply), timeout)
            .await
    }

    /// Checks that the server is alive and taking messages: it answers once it has handled
    /// everything queued before. Waits up to [`DEFAULT_CALL_TIMEOUT`].
    pub async fn ping(&self) -> Result<(), CallError> {
        self.ping_timeout(DEFAULT_CALL_TIMEOUT).await
    }

    /// [`ping`](Self::ping) with an explicit timeout; supervisors' health checks use this.
    pub async fn ping_timeout(&self, timeout: Duration) -> Result<(), CallError> {
        self.request(Envelope::Ping, timeout).await
    }

    async fn request<T>(
        &self,
        envelope: impl FnOnce(oneshot::Sender<Result<T, ExitReason>>) -> Envelope<S>,
        timeout: Duration,
    ) -> Result<T, CallError> {
        if self.process.is_current_task() {
            return Err(CallError::CallingSelf);
        }
        let (reply, rx) = oneshot::channel();
        let envelope = envelope(reply);
        let outcome = tokio::time::timeout(timeout, async {
            match self.tx.try_send(envelope) {
                Ok(()) => {}
                Err(TrySendError::Closed(_)) => return Err(self.not_running()),
                Err(TrySendError::Full(envelope)) => self
                    .tx
                    .send(envelope)
                    .await
                    .map_err(|_| self.not_running())?,
            }
            Ok(rx.await)
        })
        .await;
        match outcome {
            Ok(Ok(reply)) => reply_outcome(reply, &self.process),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(CallError::Timeout(timeout)),
        }
    }

    /// Queues a cast without waiting. Fails at once with the message back if the server is not
    /// running or its bounded mailbox is full.
    pub fn cast(&self, cast: S::Cast) -> Result<(), CastError<S::Cast>> {
        self.tx.try_send(Envelope::Cast(cast)).map_err(|e| match e {
            TrySendError::Closed(Envelope::Cast(c)) => CastError::NotRunning(c),
            TrySendError::Full(Envelope::Cast(c)) => CastError::Full(c),
            _ => unreachable!("the mailbox returns the envelope it was given"),
        })
    }

    /// Queues a cast, waiting for room in a bounded mailbox. Fails only if the server is not
    /// running.
    pub async fn cast_wait(&self, cast: S::Cast) -> Result<(), CastError<S::Cast>> {
        self.tx
            .send(Envelope::Cast(cast))
            .await
            .map_err(|e| match e {
                Envelope::Cast(c) => CastError::NotRunning(c),
                _ => unreachable!("the mailbox returns the envelope it was given"),
            })
    }

    /// Sends an info message (handled by `handle_info`) without waiting.
    pub fn info(&self, info: S::Info) -> Result<(), CastError<S::Info>> {
        self.tx.try_send(Envelope::Info(info)).map_err(|e| match e {
            TrySendError::Closed(Envelope::Info(i)) => CastError::NotRunning(i),
            TrySendError::Full(Envelope::Info(i)) => CastError::Full(i),
            _ => unreachable!("the mailbox returns the envelope it was given"),
        })
    }

    /// Asks the server to stop with `reason` after the message it is handling, and returns
    /// without waiting. Messages still queued are answered with the exit reason. `terminate`
    /// runs. Does nothing if the server has already exited.
    pub fn request_stop(&self, reason: ExitReason) {
        self.process.request_stop(reason);
        let _ = self.tx.try_send(Envelope::Wake);
    }

    /// Stops the server in an orderly way (see [`request_stop`](Self::request_stop)) and waits
    /// until it has exited. Returns how it ended: `reason`, unless it had already exited or its
    /// `terminate` panicked. From inside the server itself, use
    /// [`Context::stop`](crate::Context::stop) instead: this returns
    /// [`CallError::CallingSelf`].
    pub async fn stop(&self, reason: ExitReason) -> Result<ExitReason, CallError> {
        if self.process.is_current_task() {
            return Err(CallError::CallingSelf);
        }
        self.request_stop(reason);
        Ok(self.process.wait_exit().await)
    }

    /// Aborts the server at its next await point. `terminate` does not run; the exit reason is
    /// [`ExitReason::Killed`]. Returns at once; await [`wait_exit`](Self::wait_exit) to see it
    /// gone. A handler that blocks its thread without awaiting cannot be killed.
    pub fn kill(&self) {
        self.process.kill();
    }

    /// Waits until the server has exited and returns its exit reason (a monitor).
    pub async fn wait_exit(&self) -> ExitReason {
        self.process.wait_exit().await
    }

    /// The exit reason, once the server has exited.
    pub fn exit_reason(&self) -> Option<ExitReason> {
        self.process.exit_reason()
    }

    /// `true` until the server has exited.
    pub fn is_alive(&self) -> bool {
        self.process.is_alive()
    }

    /// The server's name, if it was started with one.
    pub fn name(&self) -> Option<&str> {
        self.process.name().map(|n| &**n)
    }

    /// This incarnation's unique id.
    pub fn id(&self) -> ProcessId {
        self.process.id()
    }

    fn not_running(&self) -> CallError {
        CallError::NotRunning {
            name: self.process.name().cloned(),
        }
    }
}

/// Maps what came back on a reply channel to a call's result.
pub(crate) fn reply_outcome<T>(
    reply: Result<Result<T, ExitReason>, oneshot::error::RecvError>,
    process: &Process,
) -> Result<T, CallError> {
    match reply {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(reason)) => Err(CallError::Exited(reason)),
        // The server's guard answers every pending call; a dropped sender without an answer
        // means the runtime itself dropped the task.
        Err(_) => Err(CallError::Exited(
            process.exit_reason().unwrap_or(ExitReason::Killed),
        )),
    }
}

impl<S: GenServer> Clone for ServerRef<S> {
    fn clone(&self) -> Self {
        ServerRef {
            tx: self.tx.clone(),
            process: self.process.clone(),
        }
    }
}

impl<S: GenServer> PartialEq for ServerRef<S> {
    /// Two references are equal when they reach the same incarnation.
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.process, &other.process)
    }
}

impl<S: GenServer> Eq for ServerRef<S> {}

impl<S: GenServer> Hash for ServerRef<S> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.process.id().hash(state);
    }
}

impl<S: GenServer> fmt::Debug for ServerRef<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerRef")
            .field("type", &std::any::type_name::<S>())
            .field("name", &self.name())
            .field("id", &self.id())
            .field("alive", &self.is_alive())
            .finish()
    }
}
