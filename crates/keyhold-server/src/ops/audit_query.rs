//! Reading the audit trail (DESIGN.md section 7): a filtered page of events
//! (`GET /v1/audit/events`), the checkpoint-signing public key
//! (`GET /v1/audit/public-key`) and the JSON-lines export
//! (`GET /v1/audit/export`), produced in chunks so a large trail is never
//! held in memory.
//!
//! None of these writes anything but the request's own audit event, except
//! the export, which first signs the head (a checkpoint that covers its
//! last line) unless a checkpoint covers it already.

use keyhold_api::audit::{
    AuditEventView, AuditEventsPage, AuditEventsQuery, AuditKeyAlgorithm, AuditPublicKey,
    CheckpointView, ExportLine,
};
use keyhold_api::b64::Base64;
use keyhold_core::audit::{AuditEvent, Checkpoint};
use keyhold_store::{AuditQuery, TxError};

use super::{Caller, Operations};
use crate::audit::VERIFY_CHUNK;
use crate::error::ServerError;
use crate::vault::tx_error;

/// Events in a page unless the caller asks for another size.
const DEFAULT_PAGE: u32 = 100;
/// The largest page.
const MAX_PAGE: u32 = 1000;

/// Events per export chunk (and the most checkpoints a chunk can hold: one
/// per event at most).
pub const EXPORT_CHUNK: u64 = VERIFY_CHUNK as u64;

impl Operations {
    /// `GET /v1/audit/events`: one page of the caller's tenant's events,
    /// in sequence order.
    ///
    /// Scope: the events of `caller.tenant` only. Events of requests refused
    /// at authentication carry no tenant, so no tenant's listing shows them
    /// (the export does). Global administrators, who will see every tenant's
    /// events, come with the access-control work; until then every caller
    /// is scoped to its own tenant.
    pub fn audit_events(
        &self,
        caller: &Caller,
        q: AuditEventsQuery,
    ) -> Result<AuditEventsPage, ServerError> {
        self.vault.unlocked()?;
        let limit = q.limit.unwrap_or(DEFAULT_PAGE);
        if limit == 0 || limit > MAX_PAGE {
            return Err(ServerError::InvalidRequest {
                detail: "limit must be 1 to 1000".into(),
            });
        }
        // One more than the page: its presence says whether a next page exists.
        let query = AuditQuery {
            after: q.cursor.unwrap_or(0),
            time_from: q.from,
            time_to: q.to,
            tenant: Some(caller.tenant.id),
            principal: q.principal,
            key: q.key,
            action: q.action,
            outcome: q.outcome,
            limit: limit.saturating_add(1),
        };
        let mut events = self
            .store
            .read(|tx| Ok::<_, TxError<ServerError>>(tx.audit_events(&query)?))
            .map_err(tx_error)?;
        let page = usize::try_from(limit).unwrap_or(usize::MAX);
        let more = events.len() > page;
        events.truncate(page);
        Ok(AuditEventsPage {
            next_cursor: more.then(|| events.last().map(|e| e.seq)).flatten(),
            events: events.iter().map(AuditEventView::from).collect(),
        })
    }

    /// `GET /v1/audit/public-key`: the Ed25519 key that verifies the
    /// checkpoints the current root key signs. `sealed` while sealed.
    pub fn audit_public_key(&self) -> Result<AuditPublicKey, ServerError> {
        let keys = self.vault.unlocked()?.audit_keys();
        let signer = keys.signer();
        Ok(AuditPublicKey {
            algorithm: AuditKeyAlgorithm::Ed25519,
            public_key: Base64(signer.public_key().to_vec()),
            fingerprint: hex::encode(signer.fingerprint()),
        })
    }

    /// The start of `GET /v1/audit/export`: signs the stored head unless a
    /// checkpoint covers it already, and returns its sequence number, the
    /// last event the export holds (0: the trail is empty). The export is
    /// the whole chain, every tenant's events: global callers only (the
    /// root token, global admins).
    pub fn audit_export_head(&self, caller: &Caller) -> Result<u64, ServerError> {
        caller.require_global()?;
        let keys = self.vault.unlocked()?.audit_keys();
        self.audit.checkpoint_head(keys, self.now())
    }

    /// The JSON lines of events `from` to `to` (at most [`EXPORT_CHUNK`])
    /// and of the checkpoints covering them, in sequence order, each
    /// checkpoint right after the event it covers. Reads the store as it
    /// is: a tampered trail exports as tampered, for the verifier to find.
    pub fn audit_export_chunk(&self, from: u64, to: u64) -> Result<Vec<u8>, ServerError> {
        let limit = VERIFY_CHUNK;
        let (events, checkpoints) = self
            .store
            .read(|tx| {
                let events = tx.audit_range(from, to, limit)?;
                let mut checkpoints = tx.audit_checkpoints(from.saturating_sub(1), limit)?;
                checkpoints.retain(|c| c.seq <= to);
                Ok::<_, TxError<ServerError>>((events, checkpoints))
            })
            .map_err(tx_error)?;
        export_lines(&events, &checkpoints)
    }
}

/// Events and checkpoints (each sorted by `seq`) merged into JSON lines: at
/// equal numbers the event comes first.
fn export_lines(events: &[AuditEvent], checkpoints: &[Checkpoint]) -> Result<Vec<u8>, ServerError> {
    let mut out = Vec::with_capacity(events.len().saturating_mul(600));
    let mut pending = checkpoints.iter().peekable();
    for event in events {
        while let Some(c) = pending.next_if(|c| c.seq < event.seq) {
            line(&mut out, &ExportLine::Checkpoint(CheckpointView::from(c)))?;
        }
        line(&mut out, &ExportLine::Event(AuditEventView::from(event)))?;
    }
    for c in pending {
        line(&mut out, &ExportLine::Checkpoint(CheckpointView::from(c)))?;
    }
    Ok(out)
}

fn line(out: &mut Vec<u8>, line: &ExportLine) -> Result<(), ServerError> {
    serde_json::to_writer(&mut *out, line).map_err(|_| ServerError::Internal {
        what: "cannot encode an audit export line",
    })?;
    out.push(b'\n');
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use keyhold_core::audit::{AuditRecord, AuthMethod, ChainHash, Interface, Outcome};
    use keyhold_core::{Action, RequestId, Timestamp};

    use super::*;

    fn event(seq: u64) -> AuditEvent {
        AuditEvent {
            seq,
            prev: ChainHash([0; 32]),
            hash: ChainHash([1; 32]),
            mac: vec![2; 32],
            record: AuditRecord {
                time: Timestamp::from_unix_seconds(1_800_000_000),
                request_id: RequestId::from_bytes([3; 16]),
                tenant: None,
                principal: None,
                auth: AuthMethod::RootToken,
                source: None,
                interface: Interface::Rest,
                action: Action::KeyEncrypt,
                key: None,
                version: None,
                outcome: Outcome::Ok,
                context: BTreeMap::new(),
            },
        }
    }

    fn checkpoint(seq: u64) -> Checkpoint {
        Checkpoint {
            seq,
            hash: ChainHash([1; 32]),
            time: Timestamp::from_unix_seconds(1_800_000_000),
            signer: vec![4; 32],
            signature: vec![5; 64],
        }
    }

    /// (event?, seq) of each line.
    fn kinds(bytes: &[u8]) -> Vec<(bool, u64)> {
        String::from_utf8(bytes.to_vec())
            .unwrap()
            .lines()
            .map(|l| match serde_json::from_str::<ExportLine>(l).unwrap() {
                ExportLine::Event(e) => (true, e.seq),
                ExportLine::Checkpoint(c) => (false, c.seq),
            })
            .collect()
    }

    #[test]
    fn checkpoints_follow_the_event_they_cover() {
        let events: Vec<_> = (1..=4).map(event).collect();
        let out = export_lines(&events, &[checkpoint(2), checkpoint(4)]).unwrap();
        assert!(out.ends_with(b"\n"));
        assert_eq!(
            kinds(&out),
            [
                (true, 1),
                (true, 2),
                (false, 2),
                (true, 3),
                (true, 4),
                (false, 4)
            ]
        );
    }

    #[test]
    fn checkpoints_without_their_event_are_kept_in_order() {
        let events = [event(1), event(3)];
        let out = export_lines(&events, &[checkpoint(2), checkpoint(5)]).unwrap();
        assert_eq!(kinds(&out), [(true, 1), (false, 2), (true, 3), (false, 5)]);
        assert!(export_lines(&[], &[]).unwrap().is_empty());
    }
}
