//! The audit trail's writer and online verifier (DESIGN.md section 7).
//!
//! Appending happens inside a store write body, so an event can share the
//! transaction of the change it records ([`append_in`]) or be written alone
//! through group commit ([`AuditTrail::append`]); either way its sequence
//! number follows the stored head, because the store's single writer runs
//! bodies one at a time and refuses any other number. The MAC key exists only
//! while the server is unsealed (the vault derives it with the root key).
//!
//! The operations service records one event per request through it
//! (`ops::request`).

use std::sync::Arc;

use keyhold_core::audit::{
    AuditEvent, AuditRecord, ChainBreak, ChainCrypto, ChainHead, verify_chain,
};
use keyhold_crypto::audit_chain::AuditChain;
use keyhold_store::{Pending, Store, StoreError, TxError, WriteTx};
use tokio::sync::watch;

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

/// The server's audit trail: appends through group commit, announces each
/// durable sequence number (for the SIEM sinks), verifies the stored chain.
/// The MAC key comes from the vault with each call, so a sealed server has
/// none.
#[derive(Debug)]
pub struct AuditTrail {
    store: Store,
    head: watch::Sender<u64>,
}

impl AuditTrail {
    /// A trail over `store`.
    pub fn new(store: Store) -> Self {
        Self {
            store,
            head: watch::Sender::new(0),
        }
    }

    /// Queues `record` alone for group commit; the result arrives once it is
    /// durable.
    pub fn append(&self, chain: Arc<AuditChain>, record: AuditRecord) -> Pending<u64, ServerError> {
        self.store
            .submit(move |tx| Ok::<_, TxError<ServerError>>(append_in(tx, &chain, record)?))
    }

    /// Announces that the events up to `seq` are durable.
    pub fn committed(&self, seq: u64) {
        self.head.send_if_modified(|head| {
            let newer = seq > *head;
            if newer {
                *head = seq;
            }
            newer
        });
    }

    /// A receiver of the latest durable sequence number announced.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.head.subscribe()
    }

    /// Verifies the stored chain from the first event, MACs included, in
    /// chunks. `Ok(head)` or the first break.
    pub fn verify(&self, chain: &AuditChain) -> Result<Result<ChainHead, ChainBreak>, ServerError> {
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
            match verify_chain(&events, chain, head) {
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
    use keyhold_crypto::hierarchy::RootKey;

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

    fn chain(byte: u8) -> Arc<AuditChain> {
        let root = RootKey::from_secret(SecretBytes::new(vec![byte; 32])).unwrap();
        Arc::new(AuditChain::with_root(&root).unwrap())
    }

    #[test]
    fn appends_verify_and_announce() {
        let t = AuditTrail::new(Store::open_sqlite_in_memory().unwrap());
        let mut rx = t.subscribe();
        let pending: Vec<_> = (1..=30).map(|n| t.append(chain(7), record(n))).collect();
        let seqs: Vec<u64> = pending.into_iter().map(|p| p.wait().unwrap()).collect();
        assert_eq!(seqs, (1..=30).collect::<Vec<u64>>());
        assert_eq!(t.verify(&chain(7)).unwrap().unwrap().seq, 30);
        t.committed(30);
        t.committed(12);
        assert!(rx.has_changed().unwrap());
        assert_eq!(*rx.borrow_and_update(), 30);
    }

    #[test]
    fn another_root_key_fails_the_macs() {
        let t = AuditTrail::new(Store::open_sqlite_in_memory().unwrap());
        t.append(chain(7), record(1)).wait().unwrap();
        let broken = t.verify(&chain(8)).unwrap().unwrap_err();
        assert_eq!((broken.seq, broken.kind), (1, BreakKind::Mac));
    }
}
