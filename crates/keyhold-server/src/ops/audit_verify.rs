//! Online verification of the stored audit trail (`GET /v1/audit/verify`,
//! DESIGN.md section 7), with the keys the server holds while unsealed:
//!
//! 1. the chain, from event 1: numbering, links, content hashes and MACs
//!    ([`AuditTrail::verify`](crate::audit::AuditTrail::verify));
//! 2. every stored checkpoint: its Ed25519 signature under the current
//!    root's signing key, and that it names the link the chain has at its
//!    sequence number;
//! 3. truncation: the stored head must not be below the highest sequence
//!    number this process saw committed
//!    ([`AuditTrail::announced`](crate::audit::AuditTrail::announced)), and
//!    no checkpoint may cover an event past the stored head.
//!
//! Everything is read in chunks, never the whole trail at once. Problems
//! take the stable names of [`OfflineBreakKind::as_str`], the same an
//! offline verification of an export reports.

use keyhold_api::audit::VerifyReport;
use keyhold_core::audit::{ChainHead, Checkpoint};
use keyhold_crypto::audit_signing::verify_checkpoint;
use keyhold_crypto::audit_verify::{OfflineBreak, OfflineBreakKind};
use keyhold_store::TxError;

use super::{Caller, Operations};
use crate::audit::VERIFY_CHUNK;
use crate::error::ServerError;
use crate::vault::tx_error;

/// The checkpoints that verified, or the first that did not.
type CheckpointsChecked = Result<u64, OfflineBreak>;

impl Operations {
    /// `GET /v1/audit/verify`: the whole stored trail checked with the
    /// server's keys.
    pub fn verify_audit(&self, _caller: &Caller) -> Result<VerifyReport, ServerError> {
        let keys = self.vault.unlocked()?.audit_keys();
        // Read first: every event up to it was committed before the chain
        // is read, so it must be there.
        let announced = self.audit.announced();
        let check = self.audit.verify(keys.chain())?;
        let head = check.head;
        if let Some(b) = check.broken {
            let kind = OfflineBreakKind::from(b.kind);
            return Ok(VerifyReport::broken(
                head,
                head.seq,
                0,
                Some(b.seq),
                kind.as_str(),
            ));
        }
        let checkpoints = match self.check_checkpoints(&keys.signer().public_key(), head)? {
            Ok(n) => n,
            Err(b) => {
                return Ok(VerifyReport::broken(
                    head,
                    head.seq,
                    0,
                    Some(b.seq),
                    b.kind.as_str(),
                ));
            }
        };
        if head.seq < announced {
            return Ok(VerifyReport::broken(
                head,
                head.seq,
                checkpoints,
                Some(head.seq.saturating_add(1)),
                OfflineBreakKind::Truncated.as_str(),
            ));
        }
        Ok(VerifyReport::verified(head, head.seq, checkpoints))
    }

    /// Every stored checkpoint, in chunks, against the chain verified up to
    /// `head`.
    fn check_checkpoints(
        &self,
        public_key: &[u8],
        head: ChainHead,
    ) -> Result<CheckpointsChecked, ServerError> {
        let mut after = 0;
        let mut verified = 0u64;
        loop {
            let batch = self
                .store
                .read(|tx| {
                    Ok::<_, TxError<ServerError>>(tx.audit_checkpoints(after, VERIFY_CHUNK)?)
                })
                .map_err(tx_error)?;
            let Some(last) = batch.last() else {
                return Ok(Ok(verified));
            };
            after = last.seq;
            for c in &batch {
                match self.check_checkpoint(public_key, head, c)? {
                    Ok(true) => verified = verified.saturating_add(1),
                    // Written after the chain was read: checked next time.
                    Ok(false) => return Ok(Ok(verified)),
                    Err(b) => return Ok(Err(b)),
                }
            }
        }
    }

    /// One checkpoint: `Ok(true)` verified, `Ok(false)` it covers an event
    /// appended after the chain was read.
    fn check_checkpoint(
        &self,
        public_key: &[u8],
        head: ChainHead,
        c: &Checkpoint,
    ) -> Result<Result<bool, OfflineBreak>, ServerError> {
        let broken = |seq, kind| Ok(Err(OfflineBreak { seq, kind }));
        if !verify_checkpoint(public_key, c) {
            return broken(c.seq, OfflineBreakKind::CheckpointSignature);
        }
        if c.seq > head.seq {
            let stored = self
                .store
                .read(|tx| Ok::<_, TxError<ServerError>>(tx.audit_head()?))
                .map_err(tx_error)?;
            if stored.seq >= c.seq {
                return Ok(Ok(false));
            }
            return broken(head.seq.saturating_add(1), OfflineBreakKind::Truncated);
        }
        let event = self.audit.range(c.seq, c.seq)?;
        match event.first() {
            Some(e) if e.hash == c.hash => Ok(Ok(true)),
            _ => broken(c.seq, OfflineBreakKind::CheckpointMismatch),
        }
    }
}

#[cfg(test)]
mod tests {
    use keyhold_api::audit::PROBLEM_KINDS;

    use super::*;

    #[test]
    fn every_break_kind_has_a_documented_problem_name() {
        let kinds = [
            OfflineBreakKind::Sequence { expected: 1 },
            OfflineBreakKind::Prev,
            OfflineBreakKind::Hash,
            OfflineBreakKind::Mac,
            OfflineBreakKind::CheckpointSignature,
            OfflineBreakKind::CheckpointMismatch,
            OfflineBreakKind::Truncated,
        ];
        for kind in kinds {
            assert!(PROBLEM_KINDS.contains(&kind.as_str()), "{kind:?}");
        }
    }
}
