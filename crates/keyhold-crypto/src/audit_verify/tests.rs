use std::collections::BTreeMap;

use keyhold_core::audit::{AuditRecord, AuthMethod, ChainCrypto, Interface, Outcome};
use keyhold_core::{Action, RequestId, Timestamp};

use super::*;
use crate::audit_signing::AuditSigner;
use crate::hierarchy::RootKey;
use crate::secret::SecretBytes;

const EVENTS: u64 = 50;

fn root(byte: u8) -> RootKey {
    RootKey::from_secret(SecretBytes::new(vec![byte; 32])).unwrap()
}

fn record(n: u64) -> AuditRecord {
    AuditRecord {
        time: Timestamp::from_unix_seconds(1_800_000_000 + n as i64),
        request_id: RequestId::from_bytes([n as u8; 16]),
        tenant: None,
        principal: None,
        auth: AuthMethod::Token,
        source: None,
        interface: Interface::Rest,
        action: Action::KeyEncrypt,
        key: None,
        version: None,
        outcome: Outcome::Ok,
        context: BTreeMap::new(),
    }
}

/// Links `records` from `start` (the MAC is left empty: offline).
fn link(records: Vec<AuditRecord>, start: ChainHead) -> Vec<AuditEvent> {
    let chain = AuditChain::offline();
    let mut head = start;
    records
        .into_iter()
        .map(|record| {
            let seq = head.seq + 1;
            let hash = chain.link(&head.hash, seq, &record.canonical_bytes());
            let e = AuditEvent {
                seq,
                prev: head.hash,
                hash,
                mac: vec![],
                record,
            };
            head = ChainHead { seq, hash };
            e
        })
        .collect()
}

/// A copy as exported: 50 events, a checkpoint every 10 and one of the head.
struct Export {
    events: Vec<AuditEvent>,
    checkpoints: Vec<Checkpoint>,
    signer: AuditSigner,
}

impl Export {
    fn new() -> Self {
        let signer = AuditSigner::with_root(&root(1)).unwrap();
        let events = link((1..=EVENTS).map(record).collect(), ChainHead::GENESIS);
        let mut checkpoints: Vec<Checkpoint> = events
            .iter()
            .filter(|e| e.seq % 10 == 0)
            .map(|e| signer.sign(e.seq, &e.hash, e.record.time))
            .collect();
        let last = events.last().unwrap();
        checkpoints.push(signer.sign(
            last.seq,
            &last.hash,
            Timestamp::from_unix_seconds(1_900_000_000),
        ));
        Self {
            events,
            checkpoints,
            signer,
        }
    }

    fn verify(&self) -> Result<OfflineHead, OfflineBreak> {
        verify_offline(&self.events, &self.checkpoints, &self.signer.public_key())
    }

    fn broken(&self) -> (u64, &'static str) {
        let b = self.verify().unwrap_err();
        (b.seq, b.kind.as_str())
    }
}

#[test]
fn an_intact_copy_verifies() {
    let copy = Export::new();
    let head = copy.verify().unwrap();
    assert_eq!(head.head.seq, EVENTS);
    assert_eq!(head.head.hash, copy.events.last().unwrap().hash);
    assert_eq!((head.events, head.checkpoints), (50, 6));
    let empty = verify_offline(&[], &[], &copy.signer.public_key()).unwrap();
    assert_eq!(empty.head, ChainHead::GENESIS);
}

#[test]
fn an_edited_event_breaks_its_hash() {
    let mut copy = Export::new();
    copy.events[24].record.outcome = Outcome::Denied { code: "x".into() };
    assert_eq!(copy.broken(), (25, "hash"));
}

#[test]
fn a_deleted_event_breaks_the_sequence() {
    let mut copy = Export::new();
    copy.events.remove(24);
    let b = copy.verify().unwrap_err();
    assert_eq!(b.seq, 26);
    assert_eq!(b.kind, OfflineBreakKind::Sequence { expected: 25 });
}

#[test]
fn an_inserted_event_breaks_the_sequence_or_prev() {
    let mut copy = Export::new();
    let extra = copy.events[24].clone();
    copy.events.insert(25, extra);
    assert_eq!(copy.broken(), (25, "sequence"));

    // Inserted with the right number and link, later events renumbered:
    // the old successor no longer follows.
    let mut copy = Export::new();
    let mut forged = link(
        vec![record(99)],
        ChainHead {
            seq: 25,
            hash: copy.events[24].hash,
        },
    );
    copy.events.insert(25, forged.remove(0));
    for e in copy.events.iter_mut().skip(26) {
        e.seq += 1;
    }
    assert_eq!(copy.broken(), (27, "prev"));
}

#[test]
fn reordered_events_break_the_sequence_or_prev() {
    let mut copy = Export::new();
    copy.events.swap(24, 25);
    let b = copy.verify().unwrap_err();
    assert_eq!(
        (b.seq, b.kind),
        (26, OfflineBreakKind::Sequence { expected: 25 })
    );

    // Swapped and renumbered: the links give it away.
    let mut copy = Export::new();
    copy.events.swap(24, 25);
    copy.events[24].seq = 25;
    copy.events[25].seq = 26;
    assert_eq!(copy.broken(), (25, "prev"));
}

#[test]
fn a_rewritten_chain_contradicts_its_checkpoints() {
    // Without the MAC key offline, anyone can relink an edited chain; the
    // signed checkpoints are what catch it.
    let mut copy = Export::new();
    let mut records: Vec<AuditRecord> = copy.events.iter().map(|e| e.record.clone()).collect();
    records[24].action = Action::KeyDecrypt;
    copy.events = link(records, ChainHead::GENESIS);
    assert_eq!(copy.broken(), (30, "checkpoint-mismatch"));
}

#[test]
fn a_truncated_copy_is_detected() {
    // The tail deleted, the final checkpoint kept: it covers a missing event.
    let mut copy = Export::new();
    copy.events.truncate(45);
    assert_eq!(copy.broken(), (46, "truncated"));

    // The tail and the final checkpoint deleted: the last event is uncovered.
    let mut copy = Export::new();
    copy.events.truncate(45);
    copy.checkpoints.pop();
    assert_eq!(copy.broken(), (46, "truncated"));

    // No checkpoint at all.
    let mut copy = Export::new();
    copy.checkpoints.clear();
    assert_eq!(copy.broken(), (51, "truncated"));
}

#[test]
fn a_forged_checkpoint_fails_its_signature() {
    let mut copy = Export::new();
    copy.checkpoints[2].signature[5] ^= 1;
    assert_eq!(copy.broken(), (30, "checkpoint-signature"));

    // Signed by another root's key, even with the right link.
    let mut copy = Export::new();
    let other = AuditSigner::with_root(&root(2)).unwrap();
    let e = &copy.events[19];
    copy.checkpoints[1] = other.sign(e.seq, &e.hash, e.record.time);
    assert_eq!(copy.broken(), (20, "checkpoint-signature"));

    // A checkpoint moved to another event.
    let mut copy = Export::new();
    copy.checkpoints[0].seq = 11;
    assert_eq!(copy.broken(), (11, "checkpoint-signature"));

    // The whole copy verified under the wrong public key.
    let copy = Export::new();
    let b = verify_offline(&copy.events, &copy.checkpoints, &other.public_key()).unwrap_err();
    assert_eq!((b.seq, b.kind.as_str()), (10, "checkpoint-signature"));
}

#[test]
fn break_names_are_stable() {
    let b = OfflineBreak {
        seq: 3,
        kind: OfflineBreakKind::CheckpointMismatch,
    };
    assert_eq!(
        b.to_string(),
        "audit trail broken at event 3: checkpoint-mismatch"
    );
}
