//! SIEM sinks for the audit trail (DESIGN.md section 7): each configured
//! sink (`[[audit.sinks]]`, see [`settings`]) receives every audit event, in
//! sequence order, as a JSON-lines file ([`file`]) or as RFC 5424 syslog
//! messages ([`syslog`]).
//!
//! The store is the source of truth. Each sink runs as its own task
//! ([`runner`]) that reads the events after its cursor from the store, sends
//! them, then records the last one sent in its cursor file ([`cursor`]). It
//! wakes when the latest committed sequence number changes and every few
//! seconds anyway; a sink that is down is retried with backoff (1 s doubling
//! to 30 s) and catches up from its cursor when it comes back, so an outage
//! loses nothing while the store keeps the events.
//!
//! Delivery is **at least once**: a crash (or a failure to write the cursor)
//! between sending and recording the cursor sends those events again on the
//! next start. Every event carries its sequence number (`seq`), unique in the
//! trail, for the receiver to drop duplicates. Likewise a crash during a
//! file write may leave a partial last line, followed by the event again in
//! full.
//!
//! Logs say which sink fails and why (once per outage, and when it
//! recovers), never what an event holds; [`SinkHandles::statuses`] reports
//! each sink's state for a health endpoint.

pub mod cursor;
pub mod file;
mod runner;
pub mod settings;
pub mod syslog;

use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use keyhold_core::Timestamp;
use keyhold_core::audit::AuditEvent;
use keyhold_store::{Store, StoreError};
use serde::Serialize;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use settings::{AuditSettings, SinkSettings, SinkTarget};

/// What a sink does: deliver a batch of consecutive events, in order. It
/// returns only once they are as durable as the sink can make them (written
/// and fsynced, sent on the socket). Blocking; the runner calls it off the
/// async threads.
pub trait Sink: Send + 'static {
    /// Sends `events`; on error, any of them may have been sent (they will
    /// be sent again).
    fn deliver(&mut self, events: &[AuditEvent]) -> Result<(), SinkError>;
}

/// Which kind of sink.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum SinkKind {
    /// A JSON-lines file.
    File,
    /// A syslog collector.
    Syslog,
}

/// A sink's state, for a health endpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SinkStatus {
    /// The configured name.
    pub name: String,
    /// The kind of sink.
    pub kind: SinkKind,
    /// The last sequence number delivered (and recorded in the cursor).
    pub delivered_seq: u64,
    /// Why the last attempt failed, while it is failing.
    pub last_error: Option<String>,
    /// When the current outage began, while it is failing.
    pub failing_since: Option<Timestamp>,
}

/// Why a sink could not deliver. Never holds event content.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SinkError {
    /// The store could not be read.
    #[error("cannot read the audit trail from the store")]
    Store(#[source] StoreError),
    /// A file sink's file could not be written or rotated.
    #[error("cannot write audit file {path}")]
    File {
        /// The file.
        path: PathBuf,
        /// The failure.
        #[source]
        source: io::Error,
    },
    /// The syslog collector's address did not resolve.
    #[error("cannot resolve syslog address {address}")]
    Resolve {
        /// The configured address.
        address: String,
        /// The failure.
        #[source]
        source: io::Error,
    },
    /// The syslog collector could not be reached or written to.
    #[error("cannot send to syslog collector {address}")]
    Send {
        /// The configured address.
        address: String,
        /// The failure.
        #[source]
        source: io::Error,
    },
    /// One message is larger than a UDP datagram can carry.
    #[error("audit event {seq} is {len} bytes, too large for a UDP datagram")]
    Oversize {
        /// The event.
        seq: u64,
        /// Its message's size.
        len: usize,
    },
    /// An event could not be encoded as JSON.
    #[error("cannot encode audit event {seq}")]
    Encode {
        /// The event.
        seq: u64,
        /// The failure.
        #[source]
        source: serde_json::Error,
    },
    /// The cursor file could not be read or written.
    #[error("cannot read or write sink cursor {path}")]
    Cursor {
        /// The file.
        path: PathBuf,
        /// The failure.
        #[source]
        source: io::Error,
    },
    /// The cursor file does not parse.
    #[error("sink cursor {path} is corrupt (fix or remove it to resend everything)")]
    CorruptCursor {
        /// The file.
        path: PathBuf,
        /// The parser's error.
        #[source]
        source: serde_json::Error,
    },
    /// The cursor is past the store's last event (a store restored from an
    /// older backup, say): the sink waits rather than skip events.
    #[error("sink cursor is at {cursor} but the store ends at {head}")]
    CursorAhead {
        /// The cursor.
        cursor: u64,
        /// The store's last sequence number.
        head: u64,
    },
}

/// The running sinks. Dropping it stops them.
#[derive(Debug, Default)]
pub struct SinkHandles {
    sinks: Vec<Running>,
}

#[derive(Debug)]
struct Running {
    status: Arc<Mutex<SinkStatus>>,
    task: JoinHandle<()>,
}

impl SinkHandles {
    /// Every sink's current state, in configuration order.
    pub fn statuses(&self) -> Vec<SinkStatus> {
        self.sinks
            .iter()
            .filter_map(|s| s.status.lock().ok().map(|s| s.clone()))
            .collect()
    }

    /// Whether every sink is delivering (no sink is in an outage).
    pub fn healthy(&self) -> bool {
        self.statuses().iter().all(|s| s.failing_since.is_none())
    }
}

impl Drop for SinkHandles {
    fn drop(&mut self) {
        for s in &self.sinks {
            s.task.abort();
        }
    }
}

/// Starts one task per configured sink, on the current tokio runtime.
///
/// `latest` carries the sequence number of the latest committed audit event
/// (its value is only a wake-up signal: each sink reads what is new from
/// `store`). Cursors live in `data_dir/audit-sinks/`. Nothing here fails: a
/// sink that cannot open its file, reach its collector or read its cursor
/// reports it in its status and retries.
pub fn spawn(
    settings: &AuditSettings,
    store: Store,
    data_dir: &Path,
    latest: watch::Receiver<u64>,
) -> SinkHandles {
    let sinks = settings
        .sinks
        .iter()
        .map(|s| {
            let worker = runner::Worker::new(s, store.clone(), data_dir);
            let status = worker.status_handle();
            let task = tokio::spawn(runner::run(worker, latest.clone()));
            Running { status, task }
        })
        .collect();
    SinkHandles { sinks }
}

/// The sink for `settings`, not yet connected or opened.
fn build(target: &SinkTarget) -> (SinkKind, Box<dyn Sink>) {
    match target {
        SinkTarget::File(f) => (SinkKind::File, Box::new(file::FileSink::new(f.clone()))),
        SinkTarget::Syslog(s) => (
            SinkKind::Syslog,
            Box::new(syslog::SyslogSink::new(s.clone())),
        ),
    }
}

#[cfg(test)]
mod tests;
