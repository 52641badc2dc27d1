//! The clocks behind the [`Clock`] port: [`SystemClock`] in production,
//! [`ManualClock`] in tests that move time.

use std::sync::atomic::{AtomicI64, Ordering};

use keyhold_core::Timestamp;
use keyhold_core::ports::Clock;

/// Reads the operating system's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_datetime(time::OffsetDateTime::now_utc())
    }
}

/// A clock that stands still until it is moved: the test double that enters
/// through the [`Clock`] port (DESIGN.md section 1, invariant 8), so the
/// scheduler, rotation and destruction can be driven through years in a
/// test. Nothing in the server selects it: a test builds
/// [`Operations`](crate::ops::Operations) with it, never a cfg switch.
#[derive(Debug)]
pub struct ManualClock {
    micros: AtomicI64,
}

impl ManualClock {
    /// A clock showing `start`.
    pub fn new(start: Timestamp) -> Self {
        Self {
            micros: AtomicI64::new(start.unix_micros()),
        }
    }

    /// Moves the clock forward (or, with a negative value, back) by
    /// `seconds`, saturating; returns the new time.
    pub fn advance(&self, seconds: i64) -> Timestamp {
        let step = |micros| Timestamp::from_unix_micros(micros).plus_seconds(seconds);
        let before = self
            .micros
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |m| {
                Some(step(m).unix_micros())
            })
            .unwrap_or_else(|m| m);
        step(before)
    }

    /// Sets the clock to `at`.
    pub fn set(&self, at: Timestamp) {
        self.micros.store(at.unix_micros(), Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_unix_micros(self.micros.load(Ordering::SeqCst))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manual_clock_moves_only_when_told() {
        let start = Timestamp::from_unix_seconds(1_800_000_000);
        let clock = ManualClock::new(start);
        assert_eq!(clock.now(), start);
        assert_eq!(clock.now(), start);
        assert_eq!(clock.advance(86_400), start.plus_seconds(86_400));
        assert_eq!(clock.now(), start.plus_seconds(86_400));
        clock.advance(-86_400);
        assert_eq!(clock.now(), start);
        clock.set(Timestamp::EPOCH);
        assert_eq!(clock.now(), Timestamp::EPOCH);
    }

    #[test]
    fn the_system_clock_is_near_now() {
        let now = SystemClock.now();
        assert!(now > Timestamp::from_unix_seconds(1_700_000_000));
    }
}
