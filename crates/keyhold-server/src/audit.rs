//! The audit trail's writer and online verifier (DESIGN.md section 7).
//!
//! Appending happens inside a store write body, so an event can share the
//! transaction of the change it records ([`append_in`]) or be written alone
//! through group commit ([`AuditTrail::append`]); either way its sequence
//! number follows the stored head, because the store's single writer runs
//! bodies one at a time and refuses any other number. The MAC key exists only
//! while the server is unsealed.
//!
//! Not yet wired into requests: the operations service will record one event
//! per request (issue 5).

use std::sync::{Arc, RwLock};

use keyhold_core::audit::{
    AuditEvent, AuditRecord, ChainBreak, ChainCrypto, ChainHead, verify_chain,
};
use keyhold_crypto::audit_chain::AuditChain;
use keyhold_crypto::hierarchy::RootKey;
use keyhold_store::{Pending, Store, StoreError, TxError, WriteTx};

use crate::error::ServerError;

/// Events read per step when verifying.
const VERIFY_CHUNK: u32 = 1000;

/// Appends `record` as the event after the stored head, in the caller's
/// write transaction. Returns its sequence number.
pub fn append_in(
    tx: &mut dyn WriteTx,
    chain: &AuditChain,
    record: AuditRecord,
) -> Result<u64, StoreError> {
    let head = tx.audit_head()?;
    let seq = head.seq.saturating_add(1);
    let hash = chain.link(&head.hash, seq, &record.canonical_bytes());
    let mac = chain.mac(&hash).unwrap_or_default();
    tx.audit_append(&AuditEvent {
        seq,
        prev: head.hash,
        hash,
        mac,
        record,
    })?;
    Ok(seq)
}

/// The server's audit trail.
#[derive(Debug)]
pub struct AuditTrail {
    store: Store,
    chain: RwLock<Option<Arc<AuditChain>>>,
}

impl AuditTrail {
    /// A trail over `store`, locked until [`unlock`](Self::unlock).
    pub fn new(store: Store) -> Self {
        Self {
            store,
            chain: RwLock::new(None),
        }
    }

    /// Derives the MAC key from the root key (at init and unseal).
    pub fn unlock(&self, root: &RootKey) -> Result<(), ServerError> {
        let chain = AuditChain::with_root(root).map_err(ServerError::Crypto)?;
        if let Ok(mut slot) = self.chain.write() {
            *slot = Some(Arc::new(chain));
        }
        Ok(())
    }

    /// Forgets the MAC key (at seal).
    pub fn lock(&self) {
        if let Ok(mut slot) = self.chain.write() {
            *slot = None;
        }
    }

    /// The chain, or `Sealed` while the server is sealed.
    pub fn chain(&self) -> Result<Arc<AuditChain>, ServerError> {
        self.chain
            .read()
            .ok()
            .and_then(|c| c.clone())
            .ok_or(ServerError::Sealed)
    }

    /// Queues `record` alone for group commit; the result arrives once it is
    /// durable.
    pub fn append(&self, record: AuditRecord) -> Result<Pending<u64, ServerError>, ServerError> {
        let chain = self.chain()?;
        Ok(self
            .store
            .submit(move |tx| Ok::<_, TxError<ServerError>>(append_in(tx, &chain, record)?)))
    }

    /// Verifies the stored chain from the first event, MACs included, in
    /// chunks. `Ok(head)` or the first break.
    pub fn verify(&self) -> Result<Result<ChainHead, ChainBreak>, ServerError> {
        let chain = self.chain()?;
        let mut head = ChainHead::GENESIS;
        loop {
            let from = head.seq.saturating_add(1);
            let to = from.saturating_add(u64::from(VERIFY_CHUNK) - 1);
            let events: Vec<AuditEvent> = self
                .store
                .read(|tx| Ok::<_, TxError<ServerError>>(tx.audit_range(from, to, VERIFY_CHUNK)?))
                .map_err(crate::vault::tx_error)?;
            if events.is_empty() {
                return Ok(Ok(head));
            }
            match verify_chain(&events, chain.as_ref(), head) {
                Ok(next) => head = next,
                Err(broken) => return Ok(Err(broken)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use keyhold_core::audit::{AuthMethod, BreakKind, Interface, Outcome};
    use keyhold_core::{Action, RequestId, Timestamp};
    use keyhold_crypto::SecretBytes;

    use super::*;

    fn record(n: u8) -> AuditRecord {
        AuditRecord {
            time: Timestamp::from_unix_seconds(1_800_000_000 + i64::from(n)),
            request_id: RequestId::from_bytes([n; 16]),
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
        }
    }

    fn trail() -> AuditTrail {
        let t = AuditTrail::new(Store::open_sqlite_in_memory().unwrap());
        t.unlock(&RootKey::from_secret(SecretBytes::new(vec![7; 32])).unwrap())
            .unwrap();
        t
    }

    #[test]
    fn appends_verify_and_a_sealed_trail_refuses() {
        let t = trail();
        let pending: Vec<_> = (1..=30).map(|n| t.append(record(n)).unwrap()).collect();
        let seqs: Vec<u64> = pending.into_iter().map(|p| p.wait().unwrap()).collect();
        assert_eq!(seqs, (1..=30).collect::<Vec<u64>>());
        assert_eq!(t.verify().unwrap().unwrap().seq, 30);
        t.lock();
        assert!(matches!(t.append(record(31)), Err(ServerError::Sealed)));
    }

    #[test]
    fn another_root_key_fails_the_macs() {
        let t = trail();
        t.append(record(1)).unwrap().wait().unwrap();
        t.unlock(&RootKey::from_secret(SecretBytes::new(vec![8; 32])).unwrap())
            .unwrap();
        let broken = t.verify().unwrap().unwrap_err();
        assert_eq!((broken.seq, broken.kind), (1, BreakKind::Mac));
    }
}
