//! Exit reasons: how a server, a task or a supervisor ended.
//!
//! Every process the runtime runs ends with exactly one [`ExitReason`]. Supervisors read it to
//! decide whether to restart (OTP's restart table), callers receive it when a server dies before
//! replying, and monitors ([`ServerRef::wait_exit`](crate::ServerRef::wait_exit)) see it once.

use crate::supervisor::Intensity;
use std::any::Any;
use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

/// Why a process ended.
///
/// The variants follow Erlang/OTP: `Normal` and `Shutdown` are orderly, everything else is
/// abnormal and is logged as an error. [`ExitReason::NoRestart`] is the explicit "do not restart
/// me" exit that no restart type overrides.
///
/// ```
/// use perennial_runtime::ExitReason;
///
/// let reason = ExitReason::error(std::io::Error::other("disk full"));
/// assert!(reason.is_abnormal());
/// assert_eq!(reason.to_string(), "error: disk full");
/// assert!(ExitReason::Shutdown.is_normal());
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum ExitReason {
    /// The process finished its work and stopped on its own.
    Normal,
    /// The process was stopped on request (by its supervisor or by a `stop` call).
    Shutdown,
    /// The process was aborted without running its `terminate` hook.
    Killed,
    /// The process returned or stopped with an error.
    Error(Arc<dyn StdError + Send + Sync>),
    /// A callback panicked; the payload's message is kept. The panic was caught by the runtime.
    Panic(Arc<str>),
    /// The process asked never to be restarted, whatever its restart type.
    NoRestart,
    /// A supervisor exceeded its restart intensity and gave up.
    Escalated(Arc<Escalation>),
}

impl ExitReason {
    /// Wraps an error as an [`ExitReason::Error`].
    ///
    /// ```
    /// use perennial_runtime::ExitReason;
    ///
    /// let reason = ExitReason::error("disk full"); // a message, or any error type
    /// assert!(matches!(reason, ExitReason::Error(_)));
    /// assert_eq!(reason.to_string(), "error: disk full");
    /// assert_eq!(ExitReason::error(std::io::Error::other("disk full")), reason);
    /// ```
    pub fn error(error: impl Into<Box<dyn StdError + Send + Sync>>) -> Self {
        ExitReason::Error(Arc::from(error.into()))
    }

    /// Builds an [`ExitReason::Panic`] from a caught panic payload.
    ///
    /// ```
    /// use perennial_runtime::ExitReason;
    ///
    /// let payload = std::panic::catch_unwind(|| panic!("bad state")).unwrap_err();
    /// assert_eq!(ExitReason::from_panic(payload), ExitReason::Panic("bad state".into()));
    /// ```
    pub fn from_panic(payload: Box<dyn Any + Send>) -> Self {
        ExitReason::Panic(panic_text(payload))
    }

    /// `true` for the orderly exits `Normal`, `Shutdown` and `NoRestart`: a transient child that
    /// ends this way is not restarted, and the runtime does not log it as an error.
    ///
    /// ```
    /// use perennial_runtime::ExitReason;
    ///
    /// assert!(ExitReason::Normal.is_normal());
    /// assert!(ExitReason::Shutdown.is_normal());
    /// assert!(ExitReason::NoRestart.is_normal());
    /// assert!(!ExitReason::Killed.is_normal());
    /// ```
    pub fn is_normal(&self) -> bool {
        matches!(
            self,
            ExitReason::Normal | ExitReason::Shutdown | ExitReason::NoRestart
        )
    }

    /// `true` for every exit that is not [`is_normal`](Self::is_normal).
    ///
    /// ```
    /// use perennial_runtime::ExitReason;
    ///
    /// assert!(ExitReason::Killed.is_abnormal());
    /// assert!(ExitReason::error("timeout").is_abnormal());
    /// assert!(ExitReason::Panic("bad state".into()).is_abnormal());
    /// assert!(!ExitReason::Shutdown.is_abnormal());
    /// ```
    pub fn is_abnormal(&self) -> bool {
        !self.is_normal()
    }
}

impl fmt::Display for ExitReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExitReason::Normal => f.write_str("normal"),
            ExitReason::Shutdown => f.write_str("shutdown"),
            ExitReason::Killed => f.write_str("killed"),
            ExitReason::Error(e) => write!(f, "error: {e}"),
            ExitReason::Panic(msg) => write!(f, "panicked: {msg}"),
            ExitReason::NoRestart => f.write_str("stopped and asked not to be restarted"),
            ExitReason::Escalated(e) => fmt::Display::fmt(e, f),
        }
    }
}

/// How a process that ends with this reason exits: `main` may return it (or
/// `Result<ExitReason, E>`), so that a service whose tree gave up exits with a failure status.
///
/// `Normal`, `Shutdown` and `NoRestart` exit with success; any other reason prints itself with
/// its whole chain of causes (`{:#}`) to stderr and exits with failure (1).
///
/// ```no_run
/// use perennial_runtime::ExitReason;
/// # use perennial_runtime::supervisor::SupervisorSpec;
///
/// #[tokio::main]
/// async fn main() -> Result<ExitReason, Box<dyn std::error::Error>> {
///     let app = SupervisorSpec::new("app").start().await?;
///     Ok(app.shutdown_on_signals()?.await) // 0 after Ctrl-C; 1 if the tree gave up
/// }
/// ```
impl std::process::Termination for ExitReason {
    fn report(self) -> std::process::ExitCode {
        if self.is_normal() {
            std::process::ExitCode::SUCCESS
        } else {
            eprintln!("stopped: {self:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

impl PartialEq for ExitReason {
    /// Reasons compare by kind and message: two `Error`s are equal when their messages are.
    fn eq(&self, other: &Self) -> bool {
        use ExitReason::*;
        match (self, other) {
            (Normal, Normal) | (Shutdown, Shutdown) | (Killed, Killed) | (NoRestart, NoRestart) => {
                true
            }
            (Error(a), Error(b)) => a.to_string() == b.to_string(),
            (Panic(a), Panic(b)) => a == b,
            (Escalated(a), Escalated(b)) => a == b,
            _ => false,
        }
    }
}

/// Why a supervisor gave up: it saw more than `max_restarts` restarts within `within`.
///
/// Its parent treats the supervisor's exit as an abnormal exit of that child; at the root it ends
/// the tree. [`causes`](Self::causes) walks the chain down to the first failure.
#[derive(Clone, Debug, PartialEq)]
pub struct Escalation {
    /// The supervisor that gave up.
    pub supervisor: Arc<str>,
    /// The child whose exit was one restart too many.
    pub child: Arc<str>,
    /// That child's exit reason (itself an escalation when a nested supervisor gave up first).
    pub cause: ExitReason,
    /// The supervisor's restart intensity, which this exit went beyond.
    pub intensity: Intensity,
}

impl Escalation {
    /// The chain of causes from this escalation down: `(supervisor or child name, reason)`,
    /// outermost first, ending at the failure that started it.
    ///
    /// ```
    /// use std::time::Duration;
    /// use perennial_runtime::ExitReason;
    /// use perennial_runtime::supervisor::{ChildSpec, SupervisorSpec};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// // `pool` keeps failing; `db` allows no restart and gives up; so does `app`.
    /// let db = SupervisorSpec::new("db")
    ///     .intensity(0, Duration::from_secs(5))
    ///     .child(ChildSpec::task("pool", || async { Err::<(), _>("connection refused") }));
    /// let app = SupervisorSpec::new("app")
    ///     .intensity(0, Duration::from_secs(5))
    ///     .child(ChildSpec::supervisor(db))
    ///     .start()
    ///     .await?;
    /// let ExitReason::Escalated(escalation) = app.wait_exit().await else {
    ///     panic!("the tree gave up");
    /// };
    /// let causes = escalation.causes();
    /// let names: Vec<&str> = causes.iter().map(|(name, _)| &**name).collect();
    /// assert_eq!(names, ["db", "pool"]);
    /// assert_eq!(causes[1].1, ExitReason::error("connection refused"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn causes(&self) -> Vec<(Arc<str>, ExitReason)> {
        let mut out = Vec::new();
        let mut current = self;
        loop {
            out.push((current.child.clone(), current.cause.clone()));
            match &current.cause {
                ExitReason::Escalated(inner) => current = inner,
                _ => return out,
            }
        }
    }
}

impl fmt::Display for Escalation {
    /// One line whose length does not grow with the depth of the cascade: this supervisor's
    /// limit, the child that was one restart too many, and the first failure of the chain.
    /// The alternate form (`{:#}`) lists the whole chain, one level per line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "supervisor `{}` reached its restart intensity ({})",
            self.supervisor, self.intensity
        )?;
        if f.alternate() {
            let mut current = self;
            loop {
                match &current.cause {
                    ExitReason::Escalated(inner) => {
                        write!(
                            f,
                            "\n  after child `{}` gave up: supervisor `{}` reached its restart \
                             intensity ({})",
                            current.child, inner.supervisor, inner.intensity
                        )?;
                        current = inner;
                    }
                    cause => {
                        return write!(f, "\n  after child `{}` exited: {cause}", current.child);
                    }
                }
            }
        }
        match &self.cause {
            ExitReason::Escalated(_) => {
                let (child, cause) = self.first_failure();
                write!(
                    f,
                    "; last failure: child `{}` gave up; first failure: child `{child}`: {cause}",
                    self.child
                )
            }
            cause => write!(f, "; last failure: child `{}`: {cause}", self.child),
        }
    }
}

impl Escalation {
    /// The failure at the bottom of the chain: the child whose exits started the cascade, and
    /// its last exit reason.
    ///
    /// ```
    /// use std::time::Duration;
    /// use perennial_runtime::ExitReason;
    /// use perennial_runtime::supervisor::{ChildSpec, SupervisorSpec};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// // `pool` keeps failing; `db` allows no restart and gives up; so does `app`.
    /// let db = SupervisorSpec::new("db")
    ///     .intensity(0, Duration::from_secs(5))
    ///     .child(ChildSpec::task("pool", || async { Err::<(), _>("connection refused") }));
    /// let app = SupervisorSpec::new("app")
    ///     .intensity(0, Duration::from_secs(5))
    ///     .child(ChildSpec::supervisor(db))
    ///     .start()
    ///     .await?;
    /// let ExitReason::Escalated(escalation) = app.wait_exit().await else {
    ///     panic!("the tree gave up");
    /// };
    /// let (child, reason) = escalation.first_failure();
    /// assert_eq!(&**child, "pool");
    /// assert_eq!(reason.to_string(), "error: connection refused");
    /// # Ok(())
    /// # }
    /// ```
    pub fn first_failure(&self) -> (&Arc<str>, &ExitReason) {
        let mut current = self;
        while let ExitReason::Escalated(inner) = &current.cause {
            current = inner;
        }
        (&current.child, &current.cause)
    }
}

/// The message of a caught panic payload (`&str` or `String`), or a placeholder.
/// The message of a caught panic; the payload is dropped with [`drop_caught`], so a payload
/// whose own drop panics cannot escape the catch.
pub(crate) fn panic_text(payload: Box<dyn Any + Send>) -> Arc<str> {
    let text = Arc::from(panic_message(payload.as_ref()));
    // A payload whose drop panics too: the first panic is the one to report.
    let _ = drop_caught(payload);
    text
}

/// Drops `value`, catching a panic in its drop: `Err` with the panic's message. (A panic
/// payload whose own drop panics in turn is leaked rather than dropped: there is no end to
/// that.)
pub(crate) fn drop_caught<T>(value: T) -> Result<(), Arc<str>> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(value))) {
        Ok(()) => Ok(()),
        Err(payload) => {
            let text = Arc::from(panic_message(payload.as_ref()));
            if let Err(again) =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(payload)))
            {
                std::mem::forget(again);
            }
            Err(text)
        }
    }
}

fn panic_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        "<a panic payload that is not a string>"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn normal_and_abnormal_follow_otp() {
        assert!(ExitReason::Normal.is_normal());
        assert!(ExitReason::Shutdown.is_normal());
        assert!(ExitReason::NoRestart.is_normal());
        assert!(ExitReason::Killed.is_abnormal());
        assert!(ExitReason::Panic("x".into()).is_abnormal());
        assert!(ExitReason::error("boom").is_abnormal());
    }

    #[test]
    fn panic_payloads_keep_their_message() {
        let p: Box<dyn Any + Send> = Box::new("static str");
        assert_eq!(
            ExitReason::from_panic(p),
            ExitReason::Panic("static str".into())
        );
        let p: Box<dyn Any + Send> = Box::new(String::from("owned"));
        assert_eq!(ExitReason::from_panic(p).to_string(), "panicked: owned");
        let p: Box<dyn Any + Send> = Box::new(42u8);
        assert!(
            ExitReason::from_panic(p)
                .to_string()
                .contains("not a string")
        );
    }

    #[test]
    fn escalation_chain_lists_causes_outermost_first() {
        let inner = Escalation {
            supervisor: "db".into(),
            child: "writer".into(),
            cause: ExitReason::Panic("disk".into()),
            intensity: Intensity::new(3, Duration::from_secs(5)),
        };
        let outer = Escalation {
            supervisor: "app".into(),
            child: "db".into(),
            cause: ExitReason::Escalated(Arc::new(inner)),
            intensity: Intensity::new(1, Duration::from_secs(1)),
        };
        let causes: Vec<_> = outer.causes().into_iter().map(|(n, _)| n).collect();
        assert_eq!(causes, vec![Arc::from("db"), Arc::from("writer")]);
        let text = outer.to_string();
        assert_eq!(
            text,
            "supervisor `app` reached its restart intensity (1 restart within 1s); last failure: \
             child `db` gave up; first failure: child `writer`: panicked: disk"
        );
        assert_eq!(
            format!("{:#}", ExitReason::Escalated(Arc::new(outer))),
            "supervisor `app` reached its restart intensity (1 restart within 1s)\n  \
             after child `db` gave up: supervisor `db` reached its restart intensity (3 restarts \
             within 5s)\n  after child `writer` exited: panicked: disk"
        );
    }

    #[test]
    fn an_escalation_line_does_not_grow_with_the_depth_of_the_cascade() {
        let mut reason = ExitReason::Panic("disk".into());
        let mut lengths = Vec::new();
        for level in 0..5 {
            let escalation = Escalation {
                supervisor: format!("sup{level}").into(),
                child: format!("child{level}").into(),
                cause: reason,
                intensity: Intensity::new(3, Duration::from_secs(5)),
            };
            lengths.push(escalation.to_string().len());
            reason = ExitReason::Escalated(Arc::new(escalation));
        }
        // The first level names its cause directly; every level above has the same shape.
        assert!(lengths[2..].iter().all(|&n| n == lengths[1]), "{lengths:?}");
    }
}
