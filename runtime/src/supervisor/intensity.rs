//! Restart intensity: at most `max_restarts` restarts in any window of `within`.
//!
//! OTP's rule, exactly: each restart records its time; records older than `now - within` are
//! dropped (one exactly `within` old still counts); the restart goes ahead while the count,
//! this one included, is at most `max_restarts`.

use std::collections::VecDeque;
use std::fmt;
use std::time::Duration;

use tokio::time::Instant;

/// The default restart intensity: 3 restarts...
pub const DEFAULT_MAX_RESTARTS: u32 = 3;
/// ...within 5 seconds (Elixir's defaults).
pub const DEFAULT_WITHIN: Duration = Duration::from_secs(5);

/// A supervisor's restart intensity: it allows at most `max_restarts` restarts within any
/// window of `within`; one more and it gives up ([`ExitReason::Escalated`](crate::ExitReason)).
/// Set with [`SupervisorSpec::intensity`](crate::supervisor::SupervisorSpec::intensity), and
/// read back from an [`Escalation`](crate::Escalation).
///
/// ```
/// use std::time::Duration;
/// use perennial_runtime::supervisor::Intensity;
///
/// let intensity = Intensity::default();
/// assert_eq!(intensity, Intensity::new(3, Duration::from_secs(5)));
/// assert_eq!(intensity.to_string(), "3 restarts within 5s");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Intensity {
    /// How many restarts the window allows.
    pub max_restarts: u32,
    /// The window (more than zero).
    pub within: Duration,
}

impl Intensity {
    /// At most `max_restarts` restarts within any window of `within`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use perennial_runtime::supervisor::Intensity;
    ///
    /// let intensity = Intensity::new(1, Duration::from_millis(500));
    /// assert_eq!((intensity.max_restarts, intensity.within), (1, Duration::from_millis(500)));
    /// ```
    pub const fn new(max_restarts: u32, within: Duration) -> Self {
        Intensity {
            max_restarts,
            within,
        }
    }
}

/// [`DEFAULT_MAX_RESTARTS`] within [`DEFAULT_WITHIN`].
impl Default for Intensity {
    fn default() -> Self {
        Intensity::new(DEFAULT_MAX_RESTARTS, DEFAULT_WITHIN)
    }
}

/// "1 restart within 5s", "3 restarts within 500ms".
impl fmt::Display for Intensity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = if self.max_restarts == 1 { "" } else { "s" };
        write!(
            f,
            "{} restart{s} within {:?}",
            self.max_restarts, self.within
        )
    }
}

/// A supervisor's recent restarts, checked against its intensity.
#[derive(Debug)]
pub(crate) struct RestartWindow {
    intensity: Intensity,
    restarts: VecDeque<Instant>,
}

impl RestartWindow {
    pub(crate) fn new(intensity: Intensity) -> Self {
        RestartWindow {
            intensity,
            restarts: VecDeque::new(),
        }
    }

    /// The intensity it checks.
    pub(crate) fn intensity(&self) -> Intensity {
        self.intensity
    }

    /// Records a restart at `now`; `false` means one too many: the supervisor must give up.
    pub(crate) fn add_restart(&mut self, now: Instant) -> bool {
        while let Some(&oldest) = self.restarts.front() {
            if now.saturating_duration_since(oldest) > self.intensity.within {
                self.restarts.pop_front();
            } else {
                break;
            }
        }
        self.restarts.push_back(now);
        self.restarts.len() <= self.intensity.max_restarts as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(start: Instant, ms: u64) -> Instant {
        start + Duration::from_millis(ms)
    }

    #[test]
    fn max_restarts_in_the_window_are_allowed_and_one_more_is_not() {
        let t = Instant::now();
        let mut i = RestartWindow::new(Intensity::new(3, Duration::from_secs(5)));
        assert!(i.add_restart(at(t, 0)));
        assert!(i.add_restart(at(t, 1000)));
        assert!(i.add_restart(at(t, 2000)));
        assert!(!i.add_restart(at(t, 3000)));
    }

    #[test]
    fn restarts_older_than_the_window_no_longer_count() {
        let t = Instant::now();
        let mut i = RestartWindow::new(Intensity::new(2, Duration::from_secs(5)));
        assert!(i.add_restart(at(t, 0)));
        assert!(i.add_restart(at(t, 1000)));
        // 5.001 s after the first: it has left the window.
        assert!(i.add_restart(at(t, 5001)));
        assert!(!i.add_restart(at(t, 5500)));
    }

    #[test]
    fn the_window_boundary_is_inclusive() {
        let t = Instant::now();
        let mut i = RestartWindow::new(Intensity::new(1, Duration::from_secs(5)));
        assert!(i.add_restart(at(t, 0)));
        // Exactly 5 s later the first restart still counts, so this is one too many.
        assert!(!i.add_restart(at(t, 5000)));
    }

    #[test]
    fn zero_max_restarts_allows_none() {
        let mut i = RestartWindow::new(Intensity::new(0, Duration::from_secs(5)));
        assert!(!i.add_restart(Instant::now()));
    }
}
