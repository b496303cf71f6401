//! Why a supervisor did not start, and why a request to one failed.

use std::fmt;
use std::sync::Arc;

use crate::supervisor::SupervisorHandle;
use crate::{CallError, ExitReason};

/// Why a supervisor did not start.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum SupervisorStartError {
    /// A child failed to start; those started before it were stopped in reverse order.
    ChildFailed {
        /// The supervisor.
        supervisor: Arc<str>,
        /// The child that failed.
        child: Arc<str>,
        /// Why (for a nested supervisor, its own start error).
        cause: ExitReason,
    },
    /// The supervisor's own options are invalid (checked before anything starts, for the
    /// whole tree): a zero `within`, `max_children` of 0, two children of one name, or the
    /// options of the children a dynamic supervisor starts (`children.shutdown`, ..).
    InvalidSpec {
        /// The supervisor.
        supervisor: Arc<str>,
        /// The offending setting, named as in `supervision_tree!` (`within`, `max_children`,
        /// `children.health.timeout`, ..).
        flag: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The options a supervisor applies to one of its children can never work (checked
    /// before anything starts, for the whole tree): a zero shutdown timeout, a health check
    /// with a zero interval or timeout, a timeout longer than its interval or zero `failures`,
    /// a backoff that starts at zero or shrinks, or a backoff on a temporary child.
    ///
    /// ```
    /// use std::time::Duration;
    /// use perennial_runtime::supervisor::{
    ///     ChildSpec, Shutdown, SupervisorSpec, SupervisorStartError,
    /// };
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let grace = Duration::ZERO; // read from a configuration file, say
    /// let error = SupervisorSpec::new("app")
    ///     .child(ChildSpec::task("flusher", || async {}).shutdown(grace.into()))
    ///     .start()
    ///     .await
    ///     .unwrap_err();
    /// assert!(matches!(
    ///     &error,
    ///     SupervisorStartError::InvalidChild { child, option: "shutdown", .. } if &**child == "flusher"
    /// ));
    /// assert!(error.to_string().starts_with("supervisor `app`, child `flusher`: invalid `shutdown`"));
    /// # }
    /// ```
    InvalidChild {
        /// The supervisor.
        supervisor: Arc<str>,
        /// The child.
        child: Arc<str>,
        /// The offending option, named as in `supervision_tree!` (`shutdown`,
        /// `health.timeout`, `backoff.max`, ..).
        option: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A supervisor is already running under the name in this registry (OTP's
    /// `{already_started, Pid}`): here is its handle.
    AlreadyStarted {
        /// The name.
        name: Arc<str>,
        /// The supervisor running under it.
        existing: SupervisorHandle,
    },
    /// The supervisor's name is taken in the registry by a server that is not a supervisor.
    NameTaken {
        /// The name.
        name: Arc<str>,
    },
    /// The supervisor itself failed (a bug in perennial if it ever shows).
    Failed {
        /// The supervisor.
        supervisor: Arc<str>,
        /// How it failed.
        reason: ExitReason,
    },
}

impl fmt::Display for SupervisorStartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SupervisorStartError::ChildFailed {
                supervisor,
                child,
                cause,
            } => {
                write!(
                    f,
                    "supervisor `{supervisor}`: child `{child}` failed to start: "
                )?;
                match cause {
                    ExitReason::Error(e) => write!(f, "{e}"),
                    other => write!(f, "{other}"),
                }
            }
            SupervisorStartError::InvalidSpec {
                supervisor,
                flag,
                reason,
            } => write!(f, "supervisor `{supervisor}`: invalid `{flag}`: {reason}"),
            SupervisorStartError::InvalidChild {
                supervisor,
                child,
                option,
                reason,
            } => write!(
                f,
                "supervisor `{supervisor}`, child `{child}`: invalid `{option}`: {reason}"
            ),
            SupervisorStartError::AlreadyStarted { name, .. } => write!(
                f,
                "a supervisor is already running under the name `{name}` in this registry; use \
                 the returned handle, or start this one under another name or with a name scope"
            ),
            SupervisorStartError::NameTaken { name } => write!(
                f,
                "the name `{name}` is taken by a running server in this registry; names are \
                 unique across a tree"
            ),
            SupervisorStartError::Failed { supervisor, reason } => {
                write!(f, "supervisor `{supervisor}` failed to start: {reason}")
            }
        }
    }
}

impl std::error::Error for SupervisorStartError {}

/// Why a supervisor handle request failed (OTP's outcomes of the supervisor API).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum SupervisorError {
    /// No child has that name.
    NotFound(Arc<str>),
    /// `start_child`: a child of that name is running.
    AlreadyStarted(Arc<str>),
    /// `start_child`: a child of that name exists but is not running (stopped, or being
    /// restarted); restart or delete it.
    AlreadyPresent(Arc<str>),
    /// The child is running, so it cannot be restarted or deleted.
    Running(Arc<str>),
    /// The child is being restarted.
    Restarting(Arc<str>),
    /// A dynamic supervisor is full.
    MaxChildren(usize),
    /// The child failed to start.
    StartFailed {
        /// The child.
        child: Arc<str>,
        /// Why.
        reason: ExitReason,
    },
    /// The supervisor is not running (it shut down or is shutting down).
    NotRunning(CallError),
}

impl fmt::Display for SupervisorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SupervisorError::NotFound(n) => write!(f, "no child is named `{n}`"),
            SupervisorError::AlreadyStarted(n) => write!(f, "child `{n}` is already running"),
            SupervisorError::AlreadyPresent(n) => write!(
                f,
                "child `{n}` exists but is not running; use restart_child or delete_child"
            ),
            SupervisorError::Running(n) => {
                write!(f, "child `{n}` is running; terminate it first")
            }
            SupervisorError::Restarting(n) => write!(f, "child `{n}` is being restarted"),
            SupervisorError::MaxChildren(max) => {
                write!(
                    f,
                    "the dynamic supervisor already has its maximum of {max} children"
                )
            }
            SupervisorError::StartFailed { child, reason } => match reason {
                ExitReason::Error(e) => write!(f, "child `{child}` failed to start: {e}"),
                other => write!(f, "child `{child}` failed to start: {other}"),
            },
            SupervisorError::NotRunning(e) => write!(f, "the supervisor is not running: {e}"),
        }
    }
}

impl std::error::Error for SupervisorError {}
