//! The tick's sweep of pending approvals whose time is up: each is marked
//! expired by an `approval:expire` request of the server itself in the
//! approval's tenant (interface `scheduler`, audited).

use keyhold_core::audit::Interface;
use keyhold_core::{Action, Timestamp};

use super::{Scheduler, TickReport};
use crate::ops::Credentials;

impl Scheduler {
    /// Marks expired every pending approval whose expiry is at or before
    /// `now`, a batch at most per tick (the rest the next tick). One that
    /// was decided or used since it was listed is refused, audited and
    /// counted as failed; nothing else changes.
    pub(super) fn expire_approvals(&self, now: Timestamp, report: &mut TickReport) {
        let due = match self.ops.approvals_expiring(now, self.batch) {
            Ok(due) => due,
            Err(e) => {
                tracing::warn!(error = %e, "scheduler cannot read expiring approvals");
                report.failed += 1;
                return;
            }
        };
        for record in due {
            let creds = Credentials::internal(record.tenant, Interface::Scheduler);
            let done = self
                .ops
                .perform_blocking(creds, Action::ApprovalExpire, |ops, caller| {
                    ops.expire_approval(caller, record.id)
                });
            match done {
                Ok(()) => report.approvals_expired += 1,
                Err(e) => {
                    tracing::warn!(approval = %record.id, error = %e, "approval expiry failed");
                    report.failed += 1;
                }
            }
        }
    }
}
