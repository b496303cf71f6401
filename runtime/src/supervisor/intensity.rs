//! Restart intensity: at most `max_restarts` restarts in any window of `within`.
//!
//! OTP's rule, exactly: each restart records its time; records older than `now - within` are
//! dropped (one exactly `within` old still counts); the restart goes ahead while the count,
//! this one included, is at most `max_restarts`.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::Instant;

#[derive(Debug)]
pub(crate) struct Intensity {
    max_restarts: u32,
    within: Duration,
    restarts: VecDeque<Instant>,
}

impl Intensity {
    pub(crate) fn new(max_restarts: u32, within: Duration) -> Self {
        Intensity {
            max_restarts,
            within,
            restarts: VecDeque::new(),
        }
    }

    /// Records a restart at `now`; `false` means one too many: the supervisor must give up.
    pub(crate) fn add_restart(&mut self, now: Instant) -> bool {
        while let Some(&oldest) = self.restarts.front() {
            if now.saturating_duration_since(oldest) > self.within {
                self.restarts.pop_front();
            } else {
                break;
            }
        }
        self.restarts.push_back(now);
        self.restarts.len() <= self.max_restarts as usize
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
        let mut i = Intensity::new(3, Duration::from_secs(5));
        assert!(i.add_restart(at(t, 0)));
        assert!(i.add_restart(at(t, 1000)));
        assert!(i.add_restart(at(t, 2000)));
        assert!(!i.add_restart(at(t, 3000)));
    }

    #[test]
    fn restarts_older_than_the_window_no_longer_count() {
        let t = Instant::now();
        let mut i = Intensity::new(2, Duration::from_secs(5));
        assert!(i.add_restart(at(t, 0)));
        assert!(i.add_restart(at(t, 1000)));
        // 5.001 s after the first: it has left the window.
        assert!(i.add_restart(at(t, 5001)));
        assert!(!i.add_restart(at(t, 5500)));
    }

    #[test]
    fn the_window_boundary_is_inclusive() {
        let t = Instant::now();
        let mut i = Intensity::new(1, Duration::from_secs(5));
        assert!(i.add_restart(at(t, 0)));
        // Exactly 5 s later the first restart still counts, so this is one too many.
        assert!(!i.add_restart(at(t, 5000)));
    }

    #[test]
    fn zero_max_restarts_allows_none() {
        let mut i = Intensity::new(0, Duration::from_secs(5));
        assert!(!i.add_restart(Instant::now()));
    }
}
