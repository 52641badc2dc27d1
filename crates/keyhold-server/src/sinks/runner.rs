//! One sink's task: catch up from the cursor, wait for news, repeat; on
//! failure, back off (1 s doubling to 30 s) and try again from the cursor.
//!
//! The store reads, the sink's I/O and the cursor writes are blocking, so
//! each round runs on tokio's blocking pool; the task itself only waits.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use keyhold_core::audit::AuditEvent;
use keyhold_core::ports::Clock as _;
use keyhold_store::{Store, TxError};
use tokio::sync::watch;

use super::cursor::Cursor;
use super::settings::SinkSettings;
use super::{Sink, SinkError, SinkStatus};
use crate::clock::SystemClock;

/// Events read from the store and sent per batch.
pub(crate) const BATCH: u32 = 500;
/// First retry delay after a failure.
pub(crate) const MIN_BACKOFF: Duration = Duration::from_secs(1);
/// Longest retry delay.
pub(crate) const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// How often a healthy sink looks at the store without being woken.
pub(crate) const POLL: Duration = Duration::from_secs(5);

/// A sink with its cursor and status: everything one round needs.
pub(crate) struct Worker {
    name: String,
    sink: Box<dyn Sink>,
    store: Store,
    cursor: Cursor,
    /// The cursor's value, once read from its file.
    delivered: Option<u64>,
    status: Arc<Mutex<SinkStatus>>,
}

impl Worker {
    /// The worker of sink `settings`, its cursor under `data_dir`.
    pub(crate) fn new(settings: &SinkSettings, store: Store, data_dir: &std::path::Path) -> Self {
        let (kind, sink) = super::build(&settings.target);
        let status = SinkStatus {
            name: settings.name.clone(),
            kind,
            delivered_seq: 0,
            last_error: None,
            failing_since: None,
        };
        Self {
            name: settings.name.clone(),
            sink,
            store,
            cursor: Cursor::new(data_dir, &settings.name),
            delivered: None,
            status: Arc::new(Mutex::new(status)),
        }
    }

    /// The shared status, for [`super::SinkHandles`].
    pub(crate) fn status_handle(&self) -> Arc<Mutex<SinkStatus>> {
        Arc::clone(&self.status)
    }

    /// Delivers every stored event after the cursor, in batches, moving the
    /// cursor after each. Blocking.
    pub(crate) fn catch_up(&mut self) -> Result<(), SinkError> {
        let mut delivered = self.load_cursor()?;
        loop {
            let events = self.read_after(delivered)?;
            let Some(last) = events.last().map(|e| e.seq) else {
                return self.check_not_ahead(delivered);
            };
            self.sink.deliver(&events)?;
            self.cursor.store(last)?;
            delivered = last;
            self.delivered = Some(last);
            self.update(|s| s.delivered_seq = last);
        }
    }

    fn load_cursor(&mut self) -> Result<u64, SinkError> {
        if let Some(d) = self.delivered {
            return Ok(d);
        }
        let d = self.cursor.load()?;
        self.delivered = Some(d);
        self.update(|s| s.delivered_seq = d);
        Ok(d)
    }

    fn read_after(&self, delivered: u64) -> Result<Vec<AuditEvent>, SinkError> {
        let from = delivered.saturating_add(1);
        let to = from.saturating_add(u64::from(BATCH) - 1);
        self.store
            .read(|tx| Ok::<_, TxError<SinkError>>(tx.audit_range(from, to, BATCH)?))
            .map_err(tx_error)
    }

    /// A cursor past the store's head (a restored store) is an error rather
    /// than a silent wait: the sink would skip the events written until the
    /// store caught up.
    fn check_not_ahead(&self, delivered: u64) -> Result<(), SinkError> {
        let head = self
            .store
            .read(|tx| Ok::<_, TxError<SinkError>>(tx.audit_head()?))
            .map_err(tx_error)?;
        if head.seq < delivered {
            return Err(SinkError::CursorAhead {
                cursor: delivered,
                head: head.seq,
            });
        }
        Ok(())
    }

    fn update(&self, f: impl FnOnce(&mut SinkStatus)) {
        if let Ok(mut s) = self.status.lock() {
            f(&mut s);
        }
    }

    /// Records a failure; warns once per outage (no event content).
    fn failed(&self, e: &SinkError) {
        let message = error_chain(e);
        self.update(|s| {
            if s.failing_since.is_none() {
                s.failing_since = Some(SystemClock.now());
                tracing::warn!(sink = %self.name, error = %message, "audit sink failing, retrying with backoff");
            }
            s.last_error = Some(message);
        });
    }

    /// Records a successful round; notes the end of an outage.
    fn succeeded(&self) {
        self.update(|s| {
            if s.failing_since.take().is_some() {
                tracing::info!(sink = %self.name, delivered_seq = s.delivered_seq, "audit sink recovered");
            }
            s.last_error = None;
        });
    }
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("name", &self.name)
            .field("delivered", &self.delivered)
            .finish_non_exhaustive()
    }
}

/// The sink's task: rounds until aborted.
pub(crate) async fn run(mut worker: Worker, mut latest: watch::Receiver<u64>) {
    let mut backoff = MIN_BACKOFF;
    let mut watching = true;
    loop {
        let round = tokio::task::spawn_blocking(move || {
            let result = worker.catch_up();
            (worker, result)
        });
        let Ok((back, result)) = round.await else {
            return; // the round panicked or the runtime is shutting down
        };
        worker = back;
        match result {
            Ok(()) => {
                worker.succeeded();
                backoff = MIN_BACKOFF;
                wait_for_news(&mut latest, &mut watching).await;
            }
            Err(e) => {
                worker.failed(&e);
                tokio::time::sleep(backoff).await;
                backoff = backoff.saturating_mul(2).min(MAX_BACKOFF);
            }
        }
    }
}

/// Until a new event is committed or [`POLL`] passes. Once the sender is
/// gone, only the poll remains.
async fn wait_for_news(latest: &mut watch::Receiver<u64>, watching: &mut bool) {
    if !*watching {
        tokio::time::sleep(POLL).await;
        return;
    }
    tokio::select! {
        changed = latest.changed() => *watching = changed.is_ok(),
        () = tokio::time::sleep(POLL) => {}
    }
}

fn tx_error(e: TxError<SinkError>) -> SinkError {
    match e {
        TxError::Abort(e) => e,
        TxError::Store(e) => SinkError::Store(e),
    }
}

/// The error and its sources, `: `-separated.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
