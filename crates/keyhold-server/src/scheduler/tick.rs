//! One tick: write the recorded key uses, work through the list of keys
//! due (resuming where the previous tick stopped), expire approvals, apply
//! the unused-key rule, report.

use std::collections::HashSet;

use keyhold_api::keys::KeyInfo;
use keyhold_core::audit::Interface;
use keyhold_core::{Action, KeyId, KeyRef, Timestamp};
use keyhold_store::{Due, DueCursor, DueKey};

use super::{Scheduler, TickReport};
use crate::error::ServerError;
use crate::ops::{Caller, Credentials, Operations};

/// Entries read from the work list at a time.
pub const BATCH: u32 = 500;

/// Reads of the work list in one tick, at most: a tick acts on at most
/// `BATCH * MAX_ROUNDS` keys, and the next tick goes on after the last.
pub const MAX_ROUNDS: usize = 20;

impl Scheduler {
    /// Runs everything due now: writes the key uses recorded since the last
    /// tick, then the work list (see [`Scheduler::run_due`]), the expiry of
    /// pending approvals and the tenants' unused-key rules. A failure is
    /// counted, logged and audited, and the tick goes on. Nothing happens
    /// while the server is sealed. Blocking: call it off the async runtime.
    pub fn tick(&self) -> TickReport {
        let mut report = TickReport::default();
        if self.ops.vault().unlocked().is_err() {
            report.sealed = true;
            return report;
        }
        match self.ops.flush_key_use() {
            Ok(n) => report.uses_recorded = n,
            Err(e) => {
                tracing::warn!(error = %e, "scheduler cannot record key uses");
                report.failed += 1;
            }
        }
        let now = self.ops.now();
        self.run_due(now, &mut report);
        self.expire_approvals(now, &mut report);
        self.apply_unused_rules(now, &mut report);
        report
    }

    /// Reads the work list [`BATCH`] entries at a time, in its order (most
    /// urgent reason first, then key id), acting on each key once per tick
    /// for its first entry. A tick starts after the last entry the previous
    /// one read when that one stopped at [`MAX_ROUNDS`] reads, and wraps around
    /// to the start once: a backlog is worked through in turns, and keys
    /// that fail again and again cannot hold back the ones after them.
    fn run_due(&self, now: Timestamp, report: &mut TickReport) {
        let start = self.resume_point();
        let mut after = start;
        let mut wrapped = start.is_none();
        let mut seen: HashSet<KeyId> = HashSet::new();
        let mut rounds = 0;
        while rounds < self.rounds {
            let list = match self.ops.keys_due(now, after, self.batch) {
                Ok(list) => list,
                Err(e) => {
                    tracing::warn!(error = %e, "scheduler cannot read the work list");
                    report.failed += 1;
                    return;
                }
            };
            let Some(last) = list.last().map(DueKey::cursor) else {
                if wrapped {
                    self.save_resume_point(None);
                    return;
                }
                (after, wrapped) = (None, true);
                continue;
            };
            rounds += 1;
            after = Some(last);
            for item in list.into_iter().filter(|d| seen.insert(d.key)) {
                self.act(item, report);
            }
        }
        report.truncated = true;
        self.save_resume_point(after);
    }

    /// Runs the job of one entry, as a request of the server itself in the
    /// key's tenant.
    fn act(&self, item: DueKey, report: &mut TickReport) {
        let Some(job) = Job::of(item.due) else {
            tracing::warn!(key = %item.key, due = ?item.due, "scheduler: nothing to do for this reason");
            report.failed += 1;
            return;
        };
        let creds = Credentials::internal(item.tenant, Interface::Scheduler);
        let key = KeyRef::Id(item.key);
        let done = self
            .ops
            .perform_blocking(creds, job.action(), |ops, caller| {
                job.run(ops, caller, &key)
            });
        match done {
            Ok(_) => *job.counter(report) += 1,
            Err(e) => {
                tracing::warn!(key = %item.key, action = %job.action(), error = %e, "scheduled action failed");
                report.failed += 1;
            }
        }
    }

    /// Where the next tick's work list starts.
    fn resume_point(&self) -> Option<DueCursor> {
        self.due_cursor.lock().map_or(None, |c| *c)
    }

    fn save_resume_point(&self, cursor: Option<DueCursor>) {
        if let Ok(mut slot) = self.due_cursor.lock() {
            *slot = cursor;
        }
    }
}

/// What the scheduler does about one reason a key is due.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Job {
    Destroy,
    Deactivate,
    EndCryptoperiod,
    Activate,
    Rotate,
}

impl Job {
    /// The job for a reason (`None` for a reason this server does not know).
    fn of(due: Due) -> Option<Self> {
        match due {
            Due::Destroy => Some(Self::Destroy),
            Due::Deactivate => Some(Self::Deactivate),
            Due::CryptoperiodEnd => Some(Self::EndCryptoperiod),
            Due::Activate => Some(Self::Activate),
            Due::Rotate => Some(Self::Rotate),
            _ => None,
        }
    }

    /// The action it is audited as.
    const fn action(self) -> Action {
        match self {
            Self::Destroy => Action::KeyDestroy,
            Self::Deactivate | Self::EndCryptoperiod => Action::KeyDeactivate,
            Self::Activate => Action::KeyActivate,
            Self::Rotate => Action::KeyRotate,
        }
    }

    /// Its count in the report.
    fn counter(self, report: &mut TickReport) -> &mut usize {
        match self {
            Self::Destroy => &mut report.destroyed,
            Self::Deactivate => &mut report.deactivated,
            Self::EndCryptoperiod => &mut report.cryptoperiods_ended,
            Self::Activate => &mut report.activated,
            Self::Rotate => &mut report.rotated,
        }
    }

    /// Runs it: each operation checks inside its transaction that it is
    /// still due.
    fn run(self, ops: &Operations, caller: &Caller, key: &KeyRef) -> Result<KeyInfo, ServerError> {
        match self {
            Self::Destroy => ops.destroy_due(caller, key),
            Self::Deactivate => ops.deactivate_due(caller, key),
            Self::EndCryptoperiod => {
                caller.note("reason", "cryptoperiod-end");
                ops.deactivate_cryptoperiod_ended(caller, key)
            }
            Self::Activate => ops.activate_due(caller, key),
            Self::Rotate => ops.rotate_due(caller, key),
        }
    }
}
