//! The audit trail as the store keeps it: the query that reads it, and the
//! one rule the store enforces on appends (each event is the stored head's
//! successor), so that no caller bug and no second writer can leave a gap or
//! a fork in the chain. Hashing, MACs and signatures are the caller's.

use keyhold_core::audit::{AuditEvent, ChainHead, OutcomeKind};
use keyhold_core::{Action, KeyId, PrincipalId, TenantId, Timestamp};

use crate::error::StoreError;

/// Which audit events to read, in sequence order. Every filter is optional
/// and they combine with AND. The default has no filter and a limit of 0
/// (which reads nothing): set `limit`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// Cursor: only events with a sequence number above this one (the last
    /// of the previous page; 0 reads from the first event).
    pub after: u64,
    /// Only events at or after this time.
    pub time_from: Option<Timestamp>,
    /// Only events before this time (exclusive).
    pub time_to: Option<Timestamp>,
    /// Only events of this tenant.
    pub tenant: Option<TenantId>,
    /// Only events of this principal.
    pub principal: Option<PrincipalId>,
    /// Only events concerning this key.
    pub key: Option<KeyId>,
    /// Only events of this action.
    pub action: Option<Action>,
    /// Only events that ended this way.
    pub outcome: Option<OutcomeKind>,
    /// At most this many events.
    pub limit: u32,
}

impl AuditQuery {
    /// The first `limit` events after sequence number `after`, with no filter.
    pub const fn after(after: u64, limit: u32) -> Self {
        Self {
            after,
            time_from: None,
            time_to: None,
            tenant: None,
            principal: None,
            key: None,
            action: None,
            outcome: None,
            limit,
        }
    }
}

/// Whether `event` may be appended after the stored `head`: its sequence
/// number must be the head's plus one and its previous link the head's link.
pub(crate) fn check_follows(head: ChainHead, event: &AuditEvent) -> Result<(), StoreError> {
    let expected = head.seq.saturating_add(1);
    if event.seq != expected {
        return Err(StoreError::AuditSequence {
            expected,
            got: event.seq,
        });
    }
    if event.prev != head.hash {
        return Err(StoreError::AuditPrev { seq: event.seq });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use keyhold_core::RequestId;
    use keyhold_core::audit::{AuditRecord, AuthMethod, ChainHash, Interface, Outcome};

    use super::*;

    fn event(seq: u64, prev: ChainHash) -> AuditEvent {
        AuditEvent {
            seq,
            prev,
            hash: ChainHash([seq as u8; 32]),
            mac: vec![],
            record: AuditRecord {
                time: Timestamp::EPOCH,
                request_id: RequestId::from_bytes([1; 16]),
                tenant: None,
                principal: None,
                auth: AuthMethod::None,
                source: None,
                interface: Interface::Rest,
                action: Action::KeyList,
                key: None,
                version: None,
                outcome: Outcome::Ok,
                context: BTreeMap::new(),
            },
        }
    }

    #[test]
    fn only_the_successor_of_the_head_follows() {
        let head = ChainHead {
            seq: 4,
            hash: ChainHash([4; 32]),
        };
        assert!(check_follows(head, &event(5, ChainHash([4; 32]))).is_ok());
        for seq in [0, 4, 6] {
            assert!(matches!(
                check_follows(head, &event(seq, head.hash)),
                Err(StoreError::AuditSequence { expected: 5, got }) if got == seq
            ));
        }
        assert!(matches!(
            check_follows(head, &event(5, ChainHash([9; 32]))),
            Err(StoreError::AuditPrev { seq: 5 })
        ));
        let genesis = ChainHead::GENESIS;
        assert!(check_follows(genesis, &event(1, ChainHash::default())).is_ok());
    }
}
