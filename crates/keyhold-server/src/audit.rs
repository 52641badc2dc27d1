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

use std::fmt;
use std::sync::Arc;

use keyhold_core::Timestamp;
use keyhold_core::audit::{
    AuditEvent, AuditRecord, BreakKind, ChainBreak, ChainCrypto, ChainHead, verify_chain,
};
use keyhold_crypto::CryptoError;
use keyhold_crypto::audit_chain::AuditChain;
use keyhold_crypto::audit_signing::AuditSigner;
use keyhold_crypto::hierarchy::RootKey;
use keyhold_store::{AppendOf, Pending, Store, StoreError, TxError, WriteTx};
use tokio::sync::watch;

use crate::error::ServerError;

/// Events read per step when verifying or exporting.
pub const VERIFY_CHUNK: u32 = 1000;

/// The audit trail's keys, derived from the root key while the server is
/// unsealed: the chain's MAC key and the checkpoint-signing key.
pub struct AuditKeys {
    chain: AuditChain,
    signer: AuditSigner,
}

impl fmt::Debug for AuditKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuditKeys(<redacted>)")
    }
}

impl AuditKeys {
    /// Both keys, derived from `root`.
    pub fn with_root(root: &RootKey) -> Result<Self, CryptoError> {
        Ok(Self {
            chain: AuditChain::with_root(root)?,
            signer: AuditSigner::with_root(root)?,
        })
    }

    /// Links and MACs.
    pub fn chain(&self) -> &AuditChain {
        &self.chain
    }

    /// Signs checkpoints.
    pub fn signer(&self) -> &AuditSigner {
        &self.signer
    }
}

/// Appends `record` as the event after the stored head, in the caller's
/// write transaction, and a signed checkpoint of it when its sequence
/// number is a multiple of `checkpoint_every`. Returns its sequence number.
pub fn append_in(
    tx: &mut dyn WriteTx,
    keys: &AuditKeys,
    record: AuditRecord,
    checkpoint_every: u64,
) -> Result<u64, StoreError> {
    let canonical = record.canonical_bytes();
    append_encoded(tx, keys, record, &canonical, checkpoint_every)
}

/// [`append_in`] with the record's canonical bytes already computed (off
/// the store's single writer thread, which every event waits for).
pub(crate) fn append_encoded(
    tx: &mut dyn WriteTx,
    keys: &AuditKeys,
    record: AuditRecord,
    canonical: &[u8],
    checkpoint_every: u64,
) -> Result<u64, StoreError> {
    let head = tx.audit_head()?;
    let (event, checkpoint) = next_event(keys, head, record, canonical, checkpoint_every);
    tx.audit_append(&event)?;
    if let Some(checkpoint) = checkpoint {
        tx.audit_checkpoint_put(&checkpoint)?;
    }
    Ok(event.seq)
}

/// The event that follows `head`, linked and MACed, and a signed checkpoint
/// of it when its sequence number is a multiple of `checkpoint_every`.
fn next_event(
    keys: &AuditKeys,
    head: ChainHead,
    record: AuditRecord,
    canonical: &[u8],
    checkpoint_every: u64,
) -> AppendOf {
    let seq = head.seq.saturating_add(1);
    let hash = keys.chain.link(&head.hash, seq, canonical);
    let mac = keys.chain.mac(&hash).unwrap_or_default();
    let due = checkpoint_every > 0 && seq % checkpoint_every == 0;
    let checkpoint = due.then(|| keys.signer.sign(seq, &hash, record.time));
    let event = AuditEvent {
        seq,
        prev: head.hash,
        hash,
        mac,
        record,
    };
    (event, checkpoint)
}

/// Writes a signed checkpoint of the stored head unless one covers it
/// already. Returns the head's sequence number (0: no events yet).
pub fn checkpoint_head_in(
    tx: &mut dyn WriteTx,
    keys: &AuditKeys,
    now: Timestamp,
) -> Result<u64, StoreError> {
    let head = tx.audit_head()?;
    let covered = tx
        .audit_last_checkpoint()?
        .is_some_and(|c| c.seq >= head.seq);
    if head.seq > 0 && !covered {
        tx.audit_checkpoint_put(&keys.signer.sign(head.seq, &head.hash, now))?;
    }
    Ok(head.seq)
}

/// The server's audit trail: appends through group commit, announces each
/// durable sequence number (for the SIEM sinks), verifies the stored chain.
/// The MAC key comes from the vault with each call, so a sealed server has
/// none.
#[derive(Debug)]
pub struct AuditTrail {
    store: Store,
    head: watch::Sender<u64>,
    checkpoint_every: u64,
}

impl AuditTrail {
    /// A trail over `store`, with a signed checkpoint every
    /// `checkpoint_every` events (0: only at export and on the timer).
    pub fn new(store: Store, checkpoint_every: u64) -> Self {
        Self {
            store,
            head: watch::Sender::new(0),
            checkpoint_every,
        }
    }

    /// How often a checkpoint is written, in events.
    pub fn checkpoint_every(&self) -> u64 {
        self.checkpoint_every
    }

    /// Queues `record` alone for group commit; the result arrives once it is
    /// durable.
    pub fn append(&self, keys: Arc<AuditKeys>, record: AuditRecord) -> Pending<u64, ServerError> {
        let every = self.checkpoint_every;
        let canonical = record.canonical_bytes();
        self.store.submit_audit(move |head| {
            Ok::<_, ServerError>(next_event(&keys, head, record, &canonical, every))
        })
    }

    /// Signs the stored head unless a checkpoint covers it already (the
    /// periodic checkpoint, and the last line of an export).
    pub fn checkpoint_head(
        &self,
        keys: Arc<AuditKeys>,
        now: Timestamp,
    ) -> Result<u64, ServerError> {
        self.store
            .write(|tx| Ok::<_, TxError<ServerError>>(checkpoint_head_in(tx, &keys, now)?))
            .map_err(crate::vault::tx_error)
    }

    /// The latest durable sequence number this process has announced.
    pub fn announced(&self) -> u64 {
        *self.head.borrow()
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

    /// Starts the announced head over at `seq`: the store was replaced by
    /// a restore, whose trail ends there.
    pub fn restarted(&self, seq: u64) {
        self.head.send_replace(seq);
    }

    /// A receiver of the latest durable sequence number announced.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.head.subscribe()
    }

    /// Verifies the stored chain from the first event, MACs included, in
    /// chunks of [`VERIFY_CHUNK`] events (never the whole trail in memory):
    /// how far it verified, and the first break if any.
    pub fn verify(&self, chain: &AuditChain) -> Result<ChainCheck, ServerError> {
        self.verify_from(chain, ChainHead::GENESIS)
    }

    /// [`verify`](Self::verify) from after `head`, in chunks.
    fn verify_from(
        &self,
        chain: &AuditChain,
        mut head: ChainHead,
    ) -> Result<ChainCheck, ServerError> {
        loop {
            let from = head.seq.saturating_add(1);
            let to = from.saturating_add(u64::from(VERIFY_CHUNK) - 1);
            let events = match self.range(from, to) {
                Ok(events) => events,
                // A row that does not decode: find it, one event at a time.
                Err(ServerError::Store(StoreError::Corrupt { .. })) => {
                    return self.verify_one_by_one(chain, head, to);
                }
                Err(other) => return Err(other),
            };
            if events.is_empty() {
                return Ok(ChainCheck { head, broken: None });
            }
            if let Some(broken) = extend(&mut head, &events, chain) {
                return Ok(broken);
            }
        }
    }

    /// Verifies from after `head` up to `to` reading one event at a time,
    /// so that an undecodable row is named: a `Malformed` break at its
    /// sequence number.
    fn verify_one_by_one(
        &self,
        chain: &AuditChain,
        mut head: ChainHead,
        to: u64,
    ) -> Result<ChainCheck, ServerError> {
        for seq in head.seq.saturating_add(1)..=to {
            let events = match self.range(seq, seq) {
                Ok(events) => events,
                Err(ServerError::Store(StoreError::Corrupt { .. })) => {
                    let kind = BreakKind::Malformed;
                    let broken = Some(ChainBreak { seq, kind });
                    return Ok(ChainCheck { head, broken });
                }
                Err(other) => return Err(other),
            };
            if events.is_empty() {
                break;
            }
            if let Some(broken) = extend(&mut head, &events, chain) {
                return Ok(broken);
            }
        }
        if head.seq < to {
            return Ok(ChainCheck { head, broken: None });
        }
        // Each row read alone: the chunk's failure was not a row of its own.
        self.verify_from(chain, head)
    }

    /// The stored events numbered `from` to `to` (at most
    /// [`VERIFY_CHUNK`]), in order.
    pub fn range(&self, from: u64, to: u64) -> Result<Vec<AuditEvent>, ServerError> {
        self.store
            .read(|tx| Ok::<_, TxError<ServerError>>(tx.audit_range(from, to, VERIFY_CHUNK)?))
            .map_err(crate::vault::tx_error)
    }
}

/// Verifies `events` one after the other from `head`, moving it; the
/// check to answer at the first break.
fn extend(head: &mut ChainHead, events: &[AuditEvent], chain: &AuditChain) -> Option<ChainCheck> {
    for event in events {
        match verify_chain(std::iter::once(event), chain, *head) {
            Ok(next) => *head = next,
            Err(broken) => {
                return Some(ChainCheck {
                    head: *head,
                    broken: Some(broken),
                });
            }
        }
    }
    None
}

/// How far the stored chain verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainCheck {
    /// The last event that verified ([`ChainHead::GENESIS`] if none did):
    /// with a chain numbered from 1, its `seq` is also the number verified.
    pub head: ChainHead,
    /// The first break after it, if any.
    pub broken: Option<ChainBreak>,
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

    fn keys(byte: u8) -> Arc<AuditKeys> {
        let root = RootKey::from_secret(SecretBytes::new(vec![byte; 32])).unwrap();
        Arc::new(AuditKeys::with_root(&root).unwrap())
    }

    #[test]
    fn appends_verify_and_announce() {
        let store = Store::open_sqlite_in_memory().unwrap();
        let t = AuditTrail::new(store.clone(), 10);
        let mut rx = t.subscribe();
        let pending: Vec<_> = (1..=25).map(|n| t.append(keys(7), record(n))).collect();
        let seqs: Vec<u64> = pending.into_iter().map(|p| p.wait().unwrap()).collect();
        assert_eq!(seqs, (1..=25).collect::<Vec<u64>>());
        let check = t.verify(keys(7).chain()).unwrap();
        assert_eq!((check.head.seq, check.broken), (25, None));
        let checkpoints = |after| {
            store
                .read(|tx| Ok::<_, TxError<ServerError>>(tx.audit_checkpoints(after, 100)?))
                .unwrap()
                .iter()
                .map(|c| c.seq)
                .collect::<Vec<u64>>()
        };
        assert_eq!(checkpoints(0), [10, 20]);
        let now = Timestamp::from_unix_seconds(1_900_000_000);
        assert_eq!(t.checkpoint_head(keys(7), now).unwrap(), 25);
        assert_eq!(t.checkpoint_head(keys(7), now).unwrap(), 25);
        assert_eq!(checkpoints(0), [10, 20, 25]);
        t.committed(30);
        t.committed(12);
        assert!(rx.has_changed().unwrap());
        assert_eq!(*rx.borrow_and_update(), 30);
    }

    #[test]
    fn another_root_key_fails_the_macs() {
        let t = AuditTrail::new(Store::open_sqlite_in_memory().unwrap(), 0);
        t.append(keys(7), record(1)).wait().unwrap();
        let check = t.verify(keys(8).chain()).unwrap();
        assert_eq!(check.head, ChainHead::GENESIS);
        let broken = check.broken.unwrap();
        assert_eq!((broken.seq, broken.kind), (1, BreakKind::Mac));
    }
}
