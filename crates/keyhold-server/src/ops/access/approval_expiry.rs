//! The scheduler's sweep of pending approvals whose time is up. Reads and
//! votes still expire an approval lazily (`approvals`); the sweep makes the
//! stored state, and the audit trail, say so without anyone asking: each
//! expiry is one `approval:expire` event of interface `scheduler`.

use keyhold_core::approval::ApprovalError;
use keyhold_core::{ApprovalId, ApprovalRecord, Timestamp};
use keyhold_store::TxError;

use super::approvals::approval_error;
use crate::error::ServerError;
use crate::ops::{Caller, Operations};
use crate::vault::tx_error;

impl Operations {
    /// At most `limit` pending approvals, across tenants, whose expiry is
    /// at or before `now`, soonest first.
    pub fn approvals_expiring(
        &self,
        now: Timestamp,
        limit: u32,
    ) -> Result<Vec<ApprovalRecord>, ServerError> {
        self.store
            .read(|tx| Ok::<_, TxError<ServerError>>(tx.approvals_expiring_before(now, limit)?))
            .map_err(tx_error)
    }

    /// Marks the caller's tenant's approval `id` expired, if it is pending
    /// and its time is up, as decided inside the write transaction;
    /// otherwise `approval_not_usable` (decided, used or expired since it
    /// was listed) or `approval_not_found`, and nothing changes.
    pub fn expire_approval(&self, caller: &Caller, id: ApprovalId) -> Result<(), ServerError> {
        self.vault.unlocked()?;
        let now = self.now();
        let tenant = caller.tenant.id;
        caller.note("approval", id.to_string());
        self.write_audited(caller, |tx| {
            let mut record = tx
                .approval_get(tenant, id)?
                .ok_or(TxError::Abort(ServerError::ApprovalNotFound))?;
            caller.note("approval_action", record.approval.action.as_str());
            if !record.approval.expire(now) {
                let state = record.approval.state;
                return Err(TxError::Abort(approval_error(ApprovalError::NotPending(
                    state,
                ))));
            }
            tx.approval_update(&record)?;
            Ok(())
        })
    }
}
