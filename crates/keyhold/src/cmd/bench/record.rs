//! What one worker saw: the latency of every successful operation inside
//! the measured window (an HDR histogram, in nanoseconds) and its failures
//! by kind. Workers record on their own and are merged at the end.

use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use serde::Serialize;

use super::BenchError;

/// The slowest latency the histogram keeps exactly; slower ones saturate.
const MAX_LATENCY_NANOS: u64 = 60_000_000_000;
/// Three significant figures: every percentile within 0.1%.
const SIGNIFICANT_FIGURES: u8 = 3;

/// The measured window: after the warm-up, for the duration.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Window {
    /// When measuring starts (the warm-up ends).
    pub(crate) start: Instant,
    /// When measuring and the run end.
    pub(crate) end: Instant,
}

impl Window {
    /// A window starting after `warmup` from now and lasting `duration`.
    pub(crate) fn after(warmup: Duration, duration: Duration) -> Self {
        let start = Instant::now() + warmup;
        Self {
            start,
            end: start + duration,
        }
    }

    /// Whether an operation that ran from `started` to `done` counts: it
    /// started after the warm-up and finished before the end.
    fn contains(&self, started: Instant, done: Instant) -> bool {
        started >= self.start && done <= self.end
    }
}

/// How one operation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Success (HTTP 2xx, or the in-process operation returned `Ok`).
    Ok,
    /// The server answered with this non-2xx status.
    Status(u16),
    /// The connection failed: connect, write, read or protocol error.
    Transport,
    /// The in-process operation returned an error.
    Operation,
}

/// Failed operations by kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub(crate) struct Errors {
    /// Every failure.
    pub(crate) total: u64,
    /// HTTP 4xx answers.
    pub(crate) status_4xx: u64,
    /// HTTP 5xx answers.
    pub(crate) status_5xx: u64,
    /// Other non-2xx answers (1xx, 3xx).
    pub(crate) status_other: u64,
    /// Connection failures.
    pub(crate) transport: u64,
    /// In-process operation failures.
    pub(crate) operation: u64,
}

impl Errors {
    fn count(&mut self, outcome: Outcome) {
        let slot = match outcome {
            Outcome::Ok => return,
            Outcome::Status(400..=499) => &mut self.status_4xx,
            Outcome::Status(500..=599) => &mut self.status_5xx,
            Outcome::Status(_) => &mut self.status_other,
            Outcome::Transport => &mut self.transport,
            Outcome::Operation => &mut self.operation,
        };
        *slot += 1;
        self.total += 1;
    }

    fn add(&mut self, other: &Self) {
        self.total += other.total;
        self.status_4xx += other.status_4xx;
        self.status_5xx += other.status_5xx;
        self.status_other += other.status_other;
        self.transport += other.transport;
        self.operation += other.operation;
    }
}

/// One worker's (or, merged, the whole run's) results.
#[derive(Debug)]
pub(crate) struct Recorder {
    window: Window,
    latency: Histogram<u64>,
    errors: Errors,
}

impl Recorder {
    /// An empty recorder for `window`.
    pub(crate) fn new(window: Window) -> Result<Self, BenchError> {
        let latency = Histogram::new_with_bounds(1, MAX_LATENCY_NANOS, SIGNIFICANT_FIGURES)
            .map_err(BenchError::Histogram)?;
        Ok(Self {
            window,
            latency,
            errors: Errors::default(),
        })
    }

    /// The window this recorder counts in.
    pub(crate) fn window(&self) -> Window {
        self.window
    }

    /// Records one operation, if it falls inside the window.
    pub(crate) fn record(&mut self, started: Instant, done: Instant, outcome: Outcome) {
        if !self.window.contains(started, done) {
            return;
        }
        match outcome {
            Outcome::Ok => {
                let nanos = u64::try_from(done.duration_since(started).as_nanos());
                self.latency.saturating_record(nanos.unwrap_or(u64::MAX));
            }
            failed => self.errors.count(failed),
        }
    }

    /// Adds another worker's results to these.
    pub(crate) fn merge(&mut self, other: &Self) -> Result<(), BenchError> {
        self.latency
            .add(&other.latency)
            .map_err(BenchError::Merge)?;
        self.errors.add(&other.errors);
        Ok(())
    }

    /// The latencies of the successful operations, in nanoseconds.
    pub(crate) fn latency(&self) -> &Histogram<u64> {
        &self.latency
    }

    /// The failures.
    pub(crate) fn errors(&self) -> Errors {
        self.errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window() -> Window {
        Window::after(Duration::from_secs(1), Duration::from_secs(10))
    }

    #[test]
    fn only_operations_inside_the_window_count() {
        let w = window();
        let mut r = Recorder::new(w).unwrap();
        let ms = Duration::from_millis(1);
        r.record(w.start - ms, w.start + ms, Outcome::Ok); // started in warm-up
        r.record(w.end - ms, w.end + ms, Outcome::Ok); // ended after the end
        r.record(w.start - ms, w.start, Outcome::Status(500));
        assert_eq!(r.latency().len(), 0);
        assert_eq!(r.errors(), Errors::default());
        r.record(w.start, w.start + ms, Outcome::Ok);
        r.record(w.end - ms, w.end, Outcome::Ok);
        assert_eq!(r.latency().len(), 2);
    }

    #[test]
    fn failures_are_counted_by_kind_and_not_timed() {
        let w = window();
        let mut r = Recorder::new(w).unwrap();
        let at = w.start + Duration::from_millis(5);
        for outcome in [
            Outcome::Status(404),
            Outcome::Status(429),
            Outcome::Status(503),
            Outcome::Status(302),
            Outcome::Transport,
            Outcome::Operation,
        ] {
            r.record(at, at, outcome);
        }
        let expected = Errors {
            total: 6,
            status_4xx: 2,
            status_5xx: 1,
            status_other: 1,
            transport: 1,
            operation: 1,
        };
        assert_eq!(r.errors(), expected);
        assert_eq!(r.latency().len(), 0);
    }

    #[test]
    fn merging_adds_counts_and_latencies() {
        let w = window();
        let (mut a, mut b) = (Recorder::new(w).unwrap(), Recorder::new(w).unwrap());
        a.record(w.start, w.start + Duration::from_micros(10), Outcome::Ok);
        b.record(w.start, w.start + Duration::from_micros(30), Outcome::Ok);
        b.record(w.start, w.start, Outcome::Transport);
        a.merge(&b).unwrap();
        assert_eq!(a.latency().len(), 2);
        assert!(a.latency().equivalent(a.latency().max(), 30_000));
        assert_eq!(a.errors().transport, 1);
        assert_eq!(a.errors().total, 1);
    }
}
