//! The scheduler: what happens to keys when their time comes, without a
//! client asking. Each tick writes the key uses recorded in memory since the
//! last one ([`Operations::flush_key_use`]), reads the store's work list
//! ([`Operations::keys_due`], in pages after a cursor) and, for each key on
//! it, runs the one operation that is due through
//! [`Operations::perform_blocking`], as the server itself in the key's
//! tenant (`Proof::Internal`, interface `scheduler`): erasing the material
//! of a key whose destruction is due, deactivating a key on its planned
//! date or at the end of its recipient-usage period (cryptoperiod),
//! activating one on its date, rotating a key whose rotation time has come.
//! It then marks pending approvals whose time is up expired (`approvals`)
//! and applies each tenant's unused-key rule (`unused`): a warning when a
//! key enters its warning window, a suspension (an alert) when it has been
//! idle for the whole period. Each action is therefore authenticated,
//! checked and audited exactly as a request is, and each re-checks inside
//! its own write transaction that it is still due, so a tick run twice, or
//! racing a client's change, does nothing twice.
//!
//! One scheduler runs at a time. With SQLite that is given: one process
//! owns the store (the database file), and it runs one scheduler task.
//! A cluster on a shared PostgreSQL database will need each tick to run
//! under a session advisory lock (`pg_try_advisory_lock`), taken by the
//! store at the start of [`Scheduler::tick`] and skipped when another node
//! holds it; that store does not exist yet, so neither does the lock. The
//! in-transaction checks keep a second scheduler harmless meanwhile (it
//! would find nothing due), but not free: it would duplicate the work.

mod approvals;
pub mod backups;
mod report;
mod tick;
mod unused;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use keyhold_core::{KeyId, TenantId};
use keyhold_store::DueCursor;
use serde::Deserialize;

pub use self::report::TickReport;
pub use self::tick::{BATCH, MAX_ROUNDS};
use crate::ops::Operations;

/// The default time between two ticks, in seconds.
pub const DEFAULT_INTERVAL_SECS: u64 = 10;

/// The longest time between two ticks accepted, in seconds: one hour.
pub const MAX_INTERVAL_SECS: u64 = 3600;

/// The `[scheduler]` table of `keyhold.toml`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SchedulerSettings {
    /// Whether the scheduler runs (default true). Without it nothing is
    /// rotated, activated, deactivated or destroyed on its date.
    pub enabled: bool,
    /// Seconds between two ticks (1 to 3600; default 10). A key acts at
    /// most this long after its time.
    pub interval_secs: u64,
}

impl Default for SchedulerSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            interval_secs: DEFAULT_INTERVAL_SECS,
        }
    }
}

impl SchedulerSettings {
    /// Whether the interval is within 1 to [`MAX_INTERVAL_SECS`].
    pub fn interval_ok(&self) -> bool {
        (1..=MAX_INTERVAL_SECS).contains(&self.interval_secs)
    }
}

/// Runs what is due, over an operations service.
#[derive(Debug, Clone)]
pub struct Scheduler {
    ops: Arc<Operations>,
    /// Where the next tick's work list starts (after a truncated tick).
    due_cursor: Arc<Mutex<Option<DueCursor>>>,
    /// Where each tenant's next unused-key scan starts.
    idle_cursors: Arc<Mutex<HashMap<TenantId, KeyId>>>,
    /// Entries read at a time ([`BATCH`] unless set otherwise).
    batch: u32,
    /// Reads of the work list per tick ([`MAX_ROUNDS`] unless set otherwise).
    rounds: usize,
}

impl Scheduler {
    /// A scheduler acting through `ops`.
    pub fn new(ops: Arc<Operations>) -> Self {
        Self {
            ops,
            due_cursor: Arc::default(),
            idle_cursors: Arc::default(),
            batch: BATCH,
            rounds: MAX_ROUNDS,
        }
    }

    /// The same scheduler reading `batch` entries at a time, `rounds`
    /// times per tick at most (both at least one): smaller pages for tests
    /// of a backlog, or a lighter tick.
    #[must_use]
    pub fn with_limits(mut self, batch: u32, rounds: usize) -> Self {
        self.batch = batch.max(1);
        self.rounds = rounds.max(1);
        self
    }

    /// Runs a tick every `every` on the blocking pool until the task is
    /// aborted; a tick that overruns delays the next one. Needs a Tokio
    /// runtime.
    pub fn spawn(self, every: Duration) -> tokio::task::JoinHandle<()> {
        let me = Arc::new(self);
        tokio::spawn(async move {
            let mut timer = tokio::time::interval(every);
            timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                timer.tick().await;
                let scheduler = Arc::clone(&me);
                match tokio::task::spawn_blocking(move || scheduler.tick()).await {
                    Ok(report) => report.log(),
                    Err(e) => tracing::error!(error = %e, "scheduler tick failed"),
                }
            }
        })
    }
}
