//! A child's options: when it is restarted, how it is stopped, its health checks and its
//! restart backoff, and the checks that refuse options that can never work.

use std::fmt;
use std::time::Duration;

/// When a child is restarted after it exits (OTP's restart types).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Restart {
    /// Always restarted, whatever the exit reason (even `Shutdown`). The default.
    #[default]
    Permanent,
    /// Restarted only after an abnormal exit (`Error`, `Panic`, `Killed`); after `Normal`,
    /// `Shutdown`, or `Escalated` (a sub-supervisor that gave up, which OTP treats as
    /// `shutdown`) its spec is kept, not running.
    Transient,
    /// Never restarted; removed from the supervisor when it exits.
    Temporary,
}

/// How a supervisor stops a child.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shutdown {
    /// Abort at once; `terminate` does not run.
    BrutalKill,
    /// Ask the child to stop, wait up to this long, then abort it.
    Timeout(Duration),
    /// Ask and wait as long as it takes (the default for supervisors).
    Infinity,
}

impl Shutdown {
    /// OTP's default for workers: ask, then kill after 5 seconds.
    pub const WORKER_DEFAULT: Shutdown = Shutdown::Timeout(Duration::from_secs(5));
}

/// A grace period is a [`Shutdown::Timeout`]: so a `Duration` read from configuration can be
/// given where a `Shutdown` is expected, as `grace.into()`.
///
/// ```
/// use std::time::Duration;
/// use perennial_runtime::supervisor::Shutdown;
///
/// let grace = Duration::from_secs(2);
/// assert_eq!(Shutdown::from(grace), Shutdown::Timeout(grace));
/// ```
impl From<Duration> for Shutdown {
    fn from(grace: Duration) -> Self {
        Shutdown::Timeout(grace)
    }
}

/// A supervisor's periodic ping of a gen_server child.
///
/// `failures` pings in a row with no pong within `timeout` make the supervisor kill the child
/// and restart it (counted in its restart intensity). One pong resets the count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HealthCheck {
    /// Time between pings (default 30 s).
    pub interval: Duration,
    /// How long a pong may take (default 5 s).
    pub timeout: Duration,
    /// Consecutive missed pongs that make the child unhealthy (default 3).
    pub failures: u32,
}

impl Default for HealthCheck {
    fn default() -> Self {
        HealthCheck {
            interval: Duration::from_secs(30),
            timeout: Duration::from_secs(5),
            failures: 3,
        }
    }
}

/// A growing delay before restarting a child that keeps crashing (beyond OTP, which restarts at
/// once). The n-th consecutive restart waits `initial * factor^(n-1)`, capped at `max`. The
/// count starts again once the child has stayed up for the supervisor's restart window.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Backoff {
    /// The delay before the first restart.
    pub initial: Duration,
    /// How much each further restart multiplies the delay by (at least 1).
    pub factor: f64,
    /// The longest delay.
    pub max: Duration,
}

impl Backoff {
    /// The delay before the `attempt`-th consecutive restart (1-based).
    ///
    /// ```
    /// use std::time::Duration;
    /// use perennial_runtime::supervisor::Backoff;
    ///
    /// let secs = Duration::from_secs;
    /// let backoff = Backoff { initial: secs(1), factor: 2.0, max: secs(10) };
    /// assert_eq!(backoff.delay(1), secs(1));
    /// assert_eq!(backoff.delay(2), secs(2));
    /// assert_eq!(backoff.delay(3), secs(4));
    /// assert_eq!(backoff.delay(5), secs(10)); // 16 s, capped
    /// ```
    pub fn delay(&self, attempt: u32) -> Duration {
        let factor = if self.factor.is_finite() {
            self.factor.max(1.0)
        } else {
            1.0
        };
        let exp = i32::try_from(attempt.saturating_sub(1)).unwrap_or(i32::MAX);
        let secs = self.initial.as_secs_f64() * factor.powi(exp);
        if !secs.is_finite() || secs >= self.max.as_secs_f64() {
            self.max
        } else {
            Duration::from_secs_f64(secs)
        }
    }
}

/// Checks the options a supervisor applies to a child, before it starts: on error, the option
/// that is wrong (named as in `supervision_tree!`: `shutdown`, `health.timeout`, `backoff.max`,
/// ..) and what is wrong with it. Zero durations, a health timeout longer than its interval, no
/// failure allowed, a backoff that shrinks (`max < initial`, `factor < 1`) or that a temporary
/// child can never use are refused.
pub(crate) fn check_options(
    restart: Restart,
    shutdown: Shutdown,
    health: Option<&HealthCheck>,
    backoff: Option<&Backoff>,
) -> Result<(), (&'static str, String)> {
    if shutdown == Shutdown::Timeout(Duration::ZERO) {
        return Err((
            "shutdown",
            "a timeout of zero would abort the child before it could stop; give it a grace \
             period longer than zero, or stop it at once with `brutal_kill` \
             (`Shutdown::BrutalKill`)"
                .into(),
        ));
    }
    if let Some(check) = health {
        if check.interval.is_zero() {
            return Err((
                "health.interval",
                "the time between two pings must be longer than zero".into(),
            ));
        }
        if check.timeout.is_zero() {
            return Err((
                "health.timeout",
                "how long a ping may take must be longer than zero".into(),
            ));
        }
        if check.timeout > check.interval {
            return Err((
                "health.timeout",
                format!(
                    "{:?} is longer than the interval between pings ({:?}): a ping would still \
                     be pending when the next is sent; make the timeout at most the interval",
                    check.timeout, check.interval
                ),
            ));
        }
        if check.failures == 0 {
            return Err((
                "health.failures",
                "must be at least 1: it is how many failed pings in a row restart the child".into(),
            ));
        }
    }
    if let Some(backoff) = backoff {
        if restart == Restart::Temporary {
            return Err((
                "backoff",
                "a temporary child is never restarted, so there is no restart to delay; remove \
                 the backoff, or make the child transient or permanent"
                    .into(),
            ));
        }
        if backoff.initial.is_zero() {
            return Err((
                "backoff.initial",
                "the first delay before a restart must be longer than zero (to restart at \
                 once, leave the backoff out)"
                    .into(),
            ));
        }
        if backoff.max < backoff.initial {
            return Err((
                "backoff.max",
                format!(
                    "{:?} is shorter than the first delay ({:?}): the delay grows from `initial` \
                     up to `max`",
                    backoff.max, backoff.initial
                ),
            ));
        }
        if !(backoff.factor.is_finite() && backoff.factor >= 1.0) {
            return Err((
                "backoff.factor",
                format!(
                    "must be a number of at least 1, found {}: it multiplies the delay after \
                     each attempt (1 keeps it constant)",
                    backoff.factor
                ),
            ));
        }
    }
    Ok(())
}

/// Whether a child is a worker or a supervisor (OTP's child type).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChildKind {
    /// A gen_server.
    Server,
    /// A task function.
    Task,
    /// A nested supervisor.
    Supervisor,
    /// A nested dynamic supervisor.
    DynamicSupervisor,
}

impl ChildKind {
    /// `true` for supervisors (static or dynamic), OTP's `supervisor` type.
    ///
    /// ```
    /// use perennial_runtime::supervisor::ChildKind;
    ///
    /// assert!(ChildKind::Supervisor.is_supervisor());
    /// assert!(ChildKind::DynamicSupervisor.is_supervisor());
    /// assert!(!ChildKind::Server.is_supervisor());
    /// assert!(!ChildKind::Task.is_supervisor());
    /// ```
    pub fn is_supervisor(self) -> bool {
        matches!(self, ChildKind::Supervisor | ChildKind::DynamicSupervisor)
    }
}

impl fmt::Display for ChildKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ChildKind::Server => "gen_server",
            ChildKind::Task => "task",
            ChildKind::Supervisor => "supervisor",
            ChildKind::DynamicSupervisor => "dynamic_supervisor",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_by_its_factor_and_stops_at_max() {
        let b = Backoff {
            initial: Duration::from_millis(100),
            factor: 2.0,
            max: Duration::from_secs(1),
        };
        assert_eq!(b.delay(1), Duration::from_millis(100));
        assert_eq!(b.delay(2), Duration::from_millis(200));
        assert_eq!(b.delay(4), Duration::from_millis(800));
        assert_eq!(b.delay(5), Duration::from_secs(1));
        assert_eq!(b.delay(u32::MAX), Duration::from_secs(1));
    }

    #[test]
    fn backoff_with_a_bad_factor_stays_flat() {
        for factor in [0.5, f64::NAN, f64::INFINITY, -3.0] {
            let b = Backoff {
                initial: Duration::from_millis(100),
                factor,
                max: Duration::from_secs(1),
            };
            assert_eq!(b.delay(3), Duration::from_millis(100), "factor {factor}");
        }
    }
}
