//! One tick: read the work list, act on each key once, report.

use std::collections::HashSet;

use keyhold_api::keys::KeyInfo;
use keyhold_core::audit::Interface;
use keyhold_core::{Action, KeyId, KeyRef};
use keyhold_store::{Due, DueKey};

use super::Scheduler;
use crate::error::ServerError;
use crate::ops::{Caller, Credentials, Operations};

/// Entries read from the work list at a time.
pub const BATCH: u32 = 500;

/// Reads of the work list in one tick, at most: a tick acts on at most
/// `BATCH * MAX_ROUNDS` keys, and the next tick goes on.
pub const MAX_ROUNDS: usize = 20;

/// What one tick did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TickReport {
    /// Keys whose material was destroyed.
    pub destroyed: usize,
    /// Keys deactivated on their date.
    pub deactivated: usize,
    /// Keys activated on their date.
    pub activated: usize,
    /// Keys rotated.
    pub rotated: usize,
    /// Actions that failed or were refused (each logged and audited).
    pub failed: usize,
    /// The tick did nothing: the server is sealed.
    pub sealed: bool,
    /// The tick stopped at [`MAX_ROUNDS`] with work perhaps left.
    pub truncated: bool,
}

impl TickReport {
    /// Actions that succeeded.
    pub fn done(&self) -> usize {
        self.destroyed + self.deactivated + self.activated + self.rotated
    }

    /// Logs the report: at info level when something was done, at warn
    /// level when something failed.
    pub fn log(&self) {
        if self.failed > 0 || self.truncated {
            tracing::warn!(report = ?self, "scheduler tick left work undone");
        } else if self.done() > 0 {
            tracing::info!(report = ?self, "scheduler tick");
        }
    }

    fn count(&mut self, job: Job) {
        let slot = match job {
            Job::Destroy => &mut self.destroyed,
            Job::Deactivate => &mut self.deactivated,
            Job::Activate => &mut self.activated,
            Job::Rotate => &mut self.rotated,
        };
        *slot += 1;
    }
}

impl Scheduler {
    /// Runs everything due now: reads the work list [`BATCH`] entries at a
    /// time until it holds nothing new (or [`MAX_ROUNDS`] reads), and acts
    /// on each key once per tick, for its most urgent reason. A failure is
    /// counted, logged and audited, and the tick goes on. Nothing happens
    /// while the server is sealed. Blocking: call it off the async runtime.
    pub fn tick(&self) -> TickReport {
        let mut report = TickReport::default();
        if self.ops.vault().unlocked().is_err() {
            report.sealed = true;
            return report;
        }
        let now = self.ops.now();
        let mut seen: HashSet<KeyId> = HashSet::new();
        for _ in 0..MAX_ROUNDS {
            let list = match self.ops.keys_due(now, BATCH) {
                Ok(list) => list,
                Err(e) => {
                    tracing::warn!(error = %e, "scheduler cannot read the work list");
                    report.failed += 1;
                    return report;
                }
            };
            // The list is most urgent first: a key's first entry wins.
            let fresh: Vec<DueKey> = list.into_iter().filter(|d| seen.insert(d.key)).collect();
            if fresh.is_empty() {
                return report;
            }
            for item in fresh {
                self.act(item, &mut report);
            }
        }
        report.truncated = true;
        report
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
            Ok(_) => report.count(job),
            Err(e) => {
                tracing::warn!(key = %item.key, action = %job.action(), error = %e, "scheduled action failed");
                report.failed += 1;
            }
        }
    }
}

/// What the scheduler does about one reason a key is due.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Job {
    Destroy,
    Deactivate,
    Activate,
    Rotate,
}

impl Job {
    /// The job for a reason (`None` for a reason this server does not know).
    fn of(due: Due) -> Option<Self> {
        match due {
            Due::Destroy => Some(Self::Destroy),
            Due::Deactivate => Some(Self::Deactivate),
            Due::Activate => Some(Self::Activate),
            Due::Rotate => Some(Self::Rotate),
            _ => None,
        }
    }

    /// The action it is audited as.
    const fn action(self) -> Action {
        match self {
            Self::Destroy => Action::KeyDestroy,
            Self::Deactivate => Action::KeyDeactivate,
            Self::Activate => Action::KeyActivate,
            Self::Rotate => Action::KeyRotate,
        }
    }

    /// Runs it: each operation checks inside its transaction that it is
    /// still due.
    fn run(self, ops: &Operations, caller: &Caller, key: &KeyRef) -> Result<KeyInfo, ServerError> {
        match self {
            Self::Destroy => ops.destroy_due(caller, key),
            Self::Deactivate => ops.deactivate_due(caller, key),
            Self::Activate => ops.activate_due(caller, key),
            Self::Rotate => ops.rotate_due(caller, key),
        }
    }
}
