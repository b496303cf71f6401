//! Graceful shutdown on SIGINT (Ctrl-C) and SIGTERM, in one call; the web server's lifespan;
//! and what dropping a handle does.

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
    /// Returned from `main` (in `Ok`), the reason becomes the process's exit status: 0 after a
    /// signal, 1 with the cause on stderr when the tree gave up (see
    /// [`ExitReason`]'s `Termination`), so a service manager sees a service that died.
    ///
    /// ```no_run
    /// # use perennial_runtime::supervisor::SupervisorSpec;
    /// use perennial_runtime::ExitReason;
    ///
    /// #[tokio::main]
    /// async fn main() -> Result<ExitReason, Box<dyn std::error::Error>> {
    ///     let app = SupervisorSpec::new("app").start().await?;
    ///     Ok(app.shutdown_on_signals()?.await)
    /// }
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

    /// A future that completes on SIGINT or SIGTERM (on Windows: Ctrl-C) **or** when the
    /// supervisor exits, whichever comes first, and does nothing else: the lifespan of a web
    /// server that lives and dies with its tree. Hand it to axum's
    /// `serve(..).with_graceful_shutdown(..)` (or any server's equivalent): the server stops
    /// accepting and drains the requests in flight; then shut the tree down, which returns how
    /// it ended — `Shutdown` after a signal, the escalation when the tree gave up first.
    ///
    /// ```no_run
    /// # use perennial_runtime::supervisor::SupervisorSpec;
    /// use perennial_runtime::ExitReason;
    ///
    /// # async fn serve(_stop: impl std::future::Future<Output = ()>) {}
    /// #[tokio::main]
    /// async fn main() -> Result<ExitReason, Box<dyn std::error::Error>> {
    ///     let app = SupervisorSpec::new("app").start().await?;
    ///     // axum::serve(listener, router).with_graceful_shutdown(app.signal_or_exit()?).await?;
    ///     serve(app.signal_or_exit()?).await;
    ///     // Non-zero, with the cause, if the tree died; 0 after Ctrl-C.
    ///     Ok(app.shutdown().await)
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// Fails if the signal handlers cannot be installed.
    pub fn signal_or_exit(&self) -> std::io::Result<impl Future<Output = ()> + Send + 'static> {
        let signal = signals()?;
        let handle = self.clone();
        Ok(async move {
            let name = handle.name().to_owned();
            if let Some(signal) = handle.exit_or(signal).await {
                tracing::info!(supervisor = name, signal, "stopping on signal");
            }
        })
    }

    /// Waits until the supervisor exits or `other` completes, whichever comes first: `None`
    /// when the supervisor exited, `Some` with `other`'s output otherwise.
    /// [`signal_or_exit`](Self::signal_or_exit) is this with the signals as `other`; use it
    /// with a trigger of your own (a oneshot, a test's switch).
    ///
    /// ```
    /// # use perennial_runtime::supervisor::SupervisorSpec;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let app = SupervisorSpec::new("app").start().await?;
    /// let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    /// stop.send(()).unwrap();
    /// assert!(app.exit_or(stopped).await.is_some()); // the trigger came first
    /// app.shutdown().await;
    /// assert!(app.exit_or(std::future::pending::<()>()).await.is_none()); // it has exited
    /// # Ok(())
    /// # }
    /// ```
    pub fn exit_or<F: Future>(&self, other: F) -> impl Future<Output = Option<F::Output>> + use<F> {
        let handle = self.clone();
        async move {
            tokio::select! {
                biased;
                _ = handle.wait_exit() => None,
                output = other => Some(output),
            }
        }
    }

    /// A guard that asks the supervisor to shut down when it is dropped: opt-in, for a tree
    /// that should not outlive the scope (a test, a request, a `main` that may return early).
    ///
    /// Without a guard, dropping a handle does nothing: the tree keeps running on the tokio
    /// runtime until something shuts it down. And when `main` returns, the runtime drops every
    /// task at once, so no child's `terminate` (or task cleanup) runs. The guard only *asks*
    /// (a drop can't wait): the shutdown proceeds on the runtime, and completes if the runtime
    /// keeps running. To wait for it, call [`shutdown`](Self::shutdown) instead, which is
    /// what a `main` should end with.
    ///
    /// ```
    /// # use perennial_runtime::supervisor::{ChildSpec, SupervisorSpec};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let app = SupervisorSpec::new("app").start().await?;
    /// {
    ///     let _guard = app.shutdown_on_drop();
    ///     // ... an early return or a `?` here still stops the tree ...
    /// }
    /// assert!(app.is_shutting_down());
    /// app.wait_exit().await;
    /// # Ok(())
    /// # }
    /// ```
    #[must_use = "the guard shuts the tree down when dropped: bind it (`let _guard = ..`)"]
    pub fn shutdown_on_drop(&self) -> ShutdownGuard {
        ShutdownGuard {
            handle: Some(self.clone()),
        }
    }
}

/// Asks a supervisor to shut down when dropped: see
/// [`SupervisorHandle::shutdown_on_drop`].
#[derive(Debug)]
pub struct ShutdownGuard {
    handle: Option<SupervisorHandle>,
}

impl ShutdownGuard {
    /// Lets the tree keep running after the guard is dropped.
    ///
    /// ```
    /// use perennial_runtime::supervisor::SupervisorSpec;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let app = SupervisorSpec::new("app").start().await?;
    /// {
    ///     let guard = app.shutdown_on_drop();
    ///     // ... the start went well after all ...
    ///     guard.disarm();
    /// }
    /// assert!(!app.is_shutting_down());
    /// # Ok(())
    /// # }
    /// ```
    pub fn disarm(mut self) {
        self.handle = None;
    }
}

impl Drop for ShutdownGuard {
    fn drop(&mut self) {
        if let Some(server) = self.handle.take().and_then(|h| h.server()) {
            server.request_stop(ExitReason::Shutdown);
        }
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
