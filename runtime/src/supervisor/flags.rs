//! A supervisor's flags besides its intensity: its restart strategy and when it shuts itself
//! down (OTP's `strategy` and `auto_shutdown`).

use std::fmt;

/// How a supervisor reacts when a child exits and must be restarted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Strategy {
    /// Restart only that child. The default.
    #[default]
    OneForOne,
    /// Stop all other children (reverse order), then restart all (declaration order).
    OneForAll,
    /// Stop the children declared after it (reverse order), then restart it and them.
    RestForOne,
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Strategy::OneForOne => "one_for_one",
            Strategy::OneForAll => "one_for_all",
            Strategy::RestForOne => "rest_for_one",
        })
    }
}

/// When a supervisor shuts itself down because its significant children ended (OTP 24's
/// `auto_shutdown`). Only children that end by themselves and are not restarted count: not a
/// child stopped by `terminate_child`, nor one stopped as a bystander of a one_for_all or
/// rest_for_one restart, nor children stopped while the supervisor shuts down.
///
/// The supervisor then stops its other children in reverse order and exits with
/// [`ExitReason::Shutdown`](crate::ExitReason::Shutdown): "the app ends when its main job ends".
///
/// ```
/// use perennial_runtime::supervisor::{AutoShutdown, ChildSpec, Restart, SupervisorSpec};
/// use perennial_runtime::ExitReason;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let app = SupervisorSpec::new("app")
///     .auto_shutdown(AutoShutdown::AnySignificant)
///     .child(ChildSpec::task("main_job", || async { /* the work, then done */ })
///         .restart(Restart::Transient)
///         .significant(true))
///     .start()
///     .await?;
/// assert_eq!(app.wait_exit().await, ExitReason::Shutdown);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum AutoShutdown {
    /// Never shut down because of children ending; no child may be significant. The default.
    #[default]
    Never,
    /// Shut down as soon as any significant child ends by itself without being restarted.
    AnySignificant,
    /// Shut down once every significant child has ended by itself without being restarted.
    AllSignificant,
}

impl fmt::Display for AutoShutdown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AutoShutdown::Never => "never",
            AutoShutdown::AnySignificant => "any_significant",
            AutoShutdown::AllSignificant => "all_significant",
        })
    }
}
