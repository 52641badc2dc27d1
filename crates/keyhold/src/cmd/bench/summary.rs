//! The result of a run: ops/s, latency percentiles and errors, as a table
//! for people or one JSON object for scripts.

use std::time::Duration;

use hdrhistogram::Histogram;
use serde::Serialize;

use super::record::{Errors, Recorder};
use crate::cli::BenchOp;
use crate::cmd::CliError;
use crate::output;

/// How the load was applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Mode {
    /// One HTTP/1.1 keep-alive connection per worker.
    Http1,
    /// Streams multiplexed on HTTP/2 connections.
    Http2,
    /// Straight on the crypto provider, one thread per core.
    InProcess,
    /// Binary TTLV over mutual TLS to the KMIP listener.
    KmipTls,
}

impl Mode {
    const fn as_str(self) -> &'static str {
        match self {
            Self::Http1 => "http1",
            Self::Http2 => "http2",
            Self::InProcess => "in-process",
            Self::KmipTls => "kmip-tls",
        }
    }
}

/// What was run, as given on the command line.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RunInfo {
    /// The operation.
    pub(crate) op: BenchOp,
    /// The key algorithm, for an operation with keys.
    pub(crate) algorithm: Option<keyhold_core::Algorithm>,
    /// HTTP/1.1, HTTP/2 or in-process.
    pub(crate) mode: Mode,
    /// Connections (HTTP) or threads (in-process).
    pub(crate) concurrency: u32,
    /// Streams per HTTP/2 connection (1 otherwise).
    pub(crate) streams: u32,
    /// Bytes of data per operation.
    pub(crate) payload: u32,
    /// Keys the operations were spread over.
    pub(crate) keys: u32,
    /// The measured duration.
    pub(crate) duration: Duration,
}

/// Latency percentiles of the successful operations, in microseconds.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub(crate) struct Latency {
    pub(crate) p50: f64,
    pub(crate) p90: f64,
    pub(crate) p99: f64,
    pub(crate) p99_9: f64,
    pub(crate) max: f64,
}

impl Latency {
    fn of(h: &Histogram<u64>) -> Self {
        let us = |nanos: u64| round(nanos as f64 / 1_000.0, 1);
        Self {
            p50: us(h.value_at_quantile(0.5)),
            p90: us(h.value_at_quantile(0.9)),
            p99: us(h.value_at_quantile(0.99)),
            p99_9: us(h.value_at_quantile(0.999)),
            max: us(h.max()),
        }
    }
}

/// One run's result (`--json` prints exactly this object).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct Summary {
    pub(crate) op: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) algorithm: Option<&'static str>,
    pub(crate) mode: Mode,
    /// HTTP connections, or threads in-process.
    pub(crate) concurrency: u32,
    pub(crate) streams_per_connection: u32,
    pub(crate) payload_bytes: u32,
    pub(crate) keys: u32,
    pub(crate) duration_secs: f64,
    /// Successful operations completed inside the measured window.
    pub(crate) ops: u64,
    pub(crate) ops_per_sec: f64,
    pub(crate) latency_us: Latency,
    pub(crate) errors: Errors,
}

impl Summary {
    /// The summary of a merged recorder.
    pub(crate) fn new(info: RunInfo, recorded: &Recorder) -> Self {
        let secs = info.duration.as_secs_f64();
        let ops = recorded.latency().len();
        Self {
            op: info.op.as_str(),
            algorithm: info.algorithm.map(keyhold_core::Algorithm::as_str),
            mode: info.mode,
            concurrency: info.concurrency,
            streams_per_connection: info.streams,
            payload_bytes: info.payload,
            keys: info.keys,
            duration_secs: secs,
            ops,
            ops_per_sec: if secs > 0.0 {
                round(ops as f64 / secs, 1)
            } else {
                0.0
            },
            latency_us: Latency::of(recorded.latency()),
            errors: recorded.errors(),
        }
    }

    /// Prints the summary as JSON or as a table.
    pub(crate) fn print(&self, json: bool) -> Result<(), CliError> {
        if json {
            return output::json(self);
        }
        let headers = [
            "op", "mode", "conns", "duration", "ops/s", "p50", "p90", "p99", "p99.9", "max",
            "errors",
        ];
        output::table(&headers, &[self.row()])
    }

    fn row(&self) -> Vec<String> {
        let op = match self.algorithm {
            Some(a) => format!("{} ({a})", self.op),
            None => self.op.to_owned(),
        };
        let conns = match self.mode {
            Mode::InProcess => format!("{} threads", self.concurrency),
            Mode::Http2 => format!("{}x{}", self.concurrency, self.streams_per_connection),
            Mode::Http1 | Mode::KmipTls => self.concurrency.to_string(),
        };
        let l = self.latency_us;
        vec![
            op,
            self.mode.as_str().to_owned(),
            conns,
            format!("{}s", self.duration_secs),
            format!("{:.0}", self.ops_per_sec),
            micros(l.p50),
            micros(l.p90),
            micros(l.p99),
            micros(l.p99_9),
            micros(l.max),
            self.errors.total.to_string(),
        ]
    }
}

/// A latency in microseconds, shown in µs, ms or s.
fn micros(us: f64) -> String {
    if us < 1_000.0 {
        format!("{us:.1}µs")
    } else if us < 1_000_000.0 {
        format!("{:.2}ms", us / 1_000.0)
    } else {
        format!("{:.2}s", us / 1_000_000.0)
    }
}

fn round(x: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (x * scale).round() / scale
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;
    use crate::cmd::bench::record::{Outcome, Window};

    fn info(duration: Duration) -> RunInfo {
        RunInfo {
            op: BenchOp::Encrypt,
            algorithm: Some(keyhold_core::Algorithm::Aes256Gcm),
            mode: Mode::Http1,
            concurrency: 4,
            streams: 1,
            payload: 64,
            keys: 1,
            duration,
        }
    }

    /// 1000 operations taking 1, 2, ..., 1000 µs, and 3 failures.
    fn recorded() -> Recorder {
        let w = Window::after(Duration::ZERO, Duration::from_secs(3600));
        let mut r = Recorder::new(w).unwrap();
        let t0 = w.start + Duration::from_millis(1);
        for i in 1..=1000u64 {
            r.record(t0, t0 + Duration::from_micros(i), Outcome::Ok);
        }
        r.record(t0, t0, Outcome::Status(503));
        r.record(t0, t0, Outcome::Status(400));
        r.record(t0, t0, Outcome::Transport);
        assert!(Instant::now() < w.end);
        r
    }

    fn close(actual: f64, expected: f64) -> bool {
        (actual - expected).abs() <= expected * 0.001 + 0.1
    }

    #[test]
    fn rate_and_percentiles_follow_from_the_recorded_operations() {
        let s = Summary::new(info(Duration::from_secs(4)), &recorded());
        assert_eq!(s.ops, 1000);
        assert!((s.ops_per_sec - 250.0).abs() < f64::EPSILON);
        let l = s.latency_us;
        for (got, want) in [
            (l.p50, 500.0),
            (l.p90, 900.0),
            (l.p99, 990.0),
            (l.p99_9, 999.0),
            (l.max, 1000.0),
        ] {
            assert!(close(got, want), "{got} vs {want}");
        }
        assert_eq!((s.errors.total, s.errors.status_5xx), (3, 1));
        assert_eq!((s.errors.status_4xx, s.errors.transport), (1, 1));
    }

    #[test]
    fn an_empty_run_reports_zero_not_nonsense() {
        let w = Window::after(Duration::ZERO, Duration::from_secs(1));
        let s = Summary::new(info(Duration::from_millis(500)), &Recorder::new(w).unwrap());
        assert_eq!((s.ops, s.ops_per_sec, s.latency_us.max), (0, 0.0, 0.0));
        assert_eq!(s.duration_secs, 0.5);
    }

    #[test]
    fn json_has_every_field_scripts_read() {
        let s = Summary::new(info(Duration::from_secs(1)), &recorded());
        let v = serde_json::to_value(&s).unwrap();
        assert_eq!(v["op"], "encrypt");
        assert_eq!(v["algorithm"], "aes-256-gcm");
        assert_eq!(v["mode"], "http1");
        assert_eq!(v["ops"], 1000);
        assert_eq!(v["errors"]["total"], 3);
        for field in ["p50", "p90", "p99", "p99_9", "max"] {
            assert!(v["latency_us"][field].is_f64(), "{field}");
        }
    }

    #[test]
    fn latencies_are_shown_in_a_readable_unit() {
        assert_eq!(micros(12.34), "12.3µs");
        assert_eq!(micros(1_500.0), "1.50ms");
        assert_eq!(micros(2_500_000.0), "2.50s");
        let row = Summary::new(info(Duration::from_secs(2)), &recorded()).row();
        assert_eq!(
            row.first().map(String::as_str),
            Some("encrypt (aes-256-gcm)")
        );
        assert_eq!(row.get(4).map(String::as_str), Some("500"));
    }
}
