//! Graceful shutdown on SIGINT (Ctrl-C) and SIGTERM, in one call.

use std::future::Future;

use crate::ExitReason;
use crate::supervisor::SupervisorHandle;

impl SupervisorHandle {
    /// Listens for SIGINT (Ctrl-C) and SIGTERM (on Windows: Ctrl-C) and shuts the supervisor
    /// down gracefully — children in reverse order — when one arrives. The returned future
    /// resolves with the supervisor's exit reason: `Shutdown` after a signal, or whatever ended
    /// it first (an escalation, say).
    ///
    /// The handlers are installed when this is called, not when the future is first polled, so
    /// a signal that arrives right after the call is not lost to its default action.
    ///
    /// ```no_run
    /// # use perennial_runtime::supervisor::SupervisorSpec;
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let app = SupervisorSpec::new("app").start().await?;
    /// let reason = app.shutdown_on_signals()?.await;
    /// println!("stopped: {reason}");
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// Fails if the signal handlers cannot be installed (outside a tokio runtime, or when the
    /// operating system refuses).
    pub fn shutdown_on_signals(
        &self,
    ) -> std::io::Result<impl Future<Output = ExitReason> + Send + 'static> {
        let signal = signals()?;
        let handle = self.clone();
        Ok(async move {
            tokio::select! {
                reason = handle.wait_exit() => reason,
                name = signal => {
                    tracing::info!(supervisor = handle.name(), signal = name, "shutting down on signal");
                    handle.shutdown().await
                }
            }
        })
    }
}

/// Installs the handlers now and returns a future of the first signal's name.
#[cfg(all(unix, not(loom)))]
fn signals() -> std::io::Result<impl Future<Output = &'static str> + Send> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => "SIGINT",
            _ = terminate.recv() => "SIGTERM",
        }
    })
}

#[cfg(all(not(unix), not(loom)))]
fn signals() -> std::io::Result<impl Future<Output = &'static str> + Send> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    })
}

/// tokio has no signals under `--cfg loom`, a build that only runs the loom models.
#[cfg(loom)]
fn signals() -> std::io::Result<impl Future<Output = &'static str> + Send> {
    Ok(std::future::pending())
}
