use super::*;

/// A non-cryptographic stand-in for SHA-256/HMAC: enough to test the chain
/// rules, which do not depend on the hash's strength.
struct ToyChain {
    with_key: bool,
}

fn fnv(data: &[u8], seed: u64) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325 ^ seed, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl ChainCrypto for ToyChain {
    fn link(&self, prev: &ChainHash, seq: u64, record: &[u8]) -> ChainHash {
        let mut input = prev.0.to_vec();
        input.extend_from_slice(&seq.to_be_bytes());
        input.extend_from_slice(record);
        let mut out = [0u8; 32];
        for (i, chunk) in out.chunks_mut(8).enumerate() {
            chunk.copy_from_slice(&fnv(&input, i as u64).to_be_bytes());
        }
        ChainHash(out)
    }

    fn check_mac(&self, hash: &ChainHash, mac: &[u8]) -> Option<bool> {
        self.with_key.then(|| mac == toy_mac(hash))
    }
}

fn toy_mac(hash: &ChainHash) -> Vec<u8> {
    hash.0.iter().rev().copied().collect()
}

fn record(n: u8) -> AuditRecord {
    AuditRecord {
        time: Timestamp::from_unix_seconds(1_800_000_000 + i64::from(n)),
        request_id: RequestId::from_bytes([n; 16]),
        tenant: Some(TenantId::from_bytes([1; 16])),
        principal: None,
        auth: AuthMethod::RootToken,
        source: Some("127.0.0.1".parse().unwrap()),
        interface: Interface::Rest,
        action: Action::KeyEncrypt,
        key: Some(KeyId::from_bytes([2; 16])),
        version: VersionNumber::new(1).ok(),
        outcome: Outcome::Ok,
        context: BTreeMap::from([("algorithm".into(), "aes-256-gcm".into())]),
    }
}

fn chain(n: u8) -> Vec<AuditEvent> {
    let c = ToyChain { with_key: true };
    let mut prev = ChainHash::default();
    (1..=n)
        .map(|i| {
            let r = record(i);
            let hash = c.link(&prev, u64::from(i), &r.canonical_bytes());
            let e = AuditEvent {
                seq: u64::from(i),
                prev,
                hash,
                mac: toy_mac(&hash),
                record: r,
            };
            prev = hash;
            e
        })
        .collect()
}

fn verify(events: &[AuditEvent]) -> Result<ChainHead, ChainBreak> {
    verify_chain(events, &ToyChain { with_key: true }, ChainHead::GENESIS)
}

#[test]
fn an_intact_chain_verifies_to_its_head() {
    let events = chain(5);
    let head = verify(&events).unwrap();
    assert_eq!(head.seq, 5);
    assert_eq!(head.hash, events[4].hash);
    // And in two halves.
    let mid = verify(&events[..2]).unwrap();
    let c = ToyChain { with_key: true };
    assert_eq!(verify_chain(&events[2..], &c, mid).unwrap(), head);
}

#[test]
fn an_edited_event_breaks_at_its_number() {
    let mut events = chain(5);
    events[2].record.outcome = Outcome::Error { code: "x".into() };
    assert_eq!(
        verify(&events),
        Err(ChainBreak {
            seq: 3,
            kind: BreakKind::Hash
        })
    );
}

#[test]
fn deleted_inserted_and_reordered_events_break() {
    let mut deleted = chain(5);
    deleted.remove(1);
    assert_eq!(
        verify(&deleted).unwrap_err(),
        ChainBreak {
            seq: 3,
            kind: BreakKind::Sequence { expected: 2 }
        }
    );

    let mut inserted = chain(5);
    let copy = inserted[1].clone();
    inserted.insert(2, copy);
    assert_eq!(
        inserted_break(&inserted),
        ChainBreak {
            seq: 2,
            kind: BreakKind::Sequence { expected: 3 }
        }
    );

    let mut reordered = chain(5);
    reordered.swap(1, 2);
    assert_eq!(verify(&reordered).unwrap_err().seq, 3);

    // An event renumbered to fill a gap still fails its link to the one before.
    let mut renumbered = chain(5);
    renumbered.remove(1);
    renumbered[1].seq = 2;
    assert_eq!(
        verify(&renumbered).unwrap_err(),
        ChainBreak {
            seq: 2,
            kind: BreakKind::Prev
        }
    );
}

fn inserted_break(events: &[AuditEvent]) -> ChainBreak {
    verify(events).unwrap_err()
}

#[test]
fn a_recomputed_link_without_the_key_fails_the_mac() {
    let mut events = chain(3);
    let c = ToyChain { with_key: true };
    events[2].record.action = Action::KeyDecrypt;
    events[2].hash = c.link(&events[2].prev, 3, &events[2].record.canonical_bytes());
    assert_eq!(
        verify(&events),
        Err(ChainBreak {
            seq: 3,
            kind: BreakKind::Mac
        })
    );
    // Offline (no MAC key) the chain itself is consistent: checkpoints catch it.
    let offline = ToyChain { with_key: false };
    assert!(verify_chain(&events, &offline, ChainHead::GENESIS).is_ok());
}

#[test]
fn canonical_bytes_change_with_every_field() {
    let base = record(1);
    let mut variants = vec![base.clone()];
    let mut push = |f: &dyn Fn(&mut AuditRecord)| {
        let mut r = base.clone();
        f(&mut r);
        variants.push(r);
    };
    push(&|r| r.time = r.time.plus_seconds(1));
    push(&|r| r.request_id = RequestId::from_bytes([9; 16]));
    push(&|r| r.tenant = None);
    push(&|r| r.principal = Some(PrincipalId::from_bytes([3; 16])));
    push(&|r| r.auth = AuthMethod::Token);
    push(&|r| r.source = None);
    push(&|r| r.interface = Interface::Kmip);
    push(&|r| r.action = Action::KeyDecrypt);
    push(&|r| r.key = None);
    push(&|r| r.version = None);
    push(&|r| {
        r.outcome = Outcome::Denied {
            code: String::new(),
        }
    });
    push(&|r| {
        r.outcome = Outcome::Error {
            code: String::new(),
        }
    });
    push(&|r| r.context.clear());
    push(&|r| {
        r.context = BTreeMap::from([
            ("algorithm".into(), "aes".into()),
            ("-256-gcm".into(), String::new()),
        ]);
    });
    let encodings: Vec<Vec<u8>> = variants.iter().map(AuditRecord::canonical_bytes).collect();
    for (i, a) in encodings.iter().enumerate() {
        for b in encodings.iter().skip(i + 1) {
            assert_ne!(a, b, "variant {i} collides");
        }
    }
}

#[test]
fn stable_names_match_the_serialized_names() {
    let json = |v: serde_json::Value| v.as_str().unwrap().to_owned();
    for i in Interface::ALL {
        assert_eq!(json(serde_json::to_value(i).unwrap()), i.as_str());
    }
    for a in AuthMethod::ALL {
        assert_eq!(json(serde_json::to_value(a).unwrap()), a.as_str());
    }
    for k in OutcomeKind::ALL {
        assert_eq!(json(serde_json::to_value(k).unwrap()), k.as_str());
    }
    let outcomes = [
        Outcome::Ok,
        Outcome::Denied { code: "d".into() },
        Outcome::Error { code: "e".into() },
    ];
    for o in outcomes {
        let tagged = serde_json::to_value(&o).unwrap();
        assert_eq!(json(tagged["result"].clone()), o.kind().as_str());
        assert_eq!(o.code(), tagged.get("code").and_then(|c| c.as_str()));
    }
}

#[test]
fn checkpoint_signed_bytes_cover_seq_hash_and_time_only() {
    let base = Checkpoint {
        seq: 10,
        hash: ChainHash([3; 32]),
        time: Timestamp::from_unix_seconds(1_800_000_000),
        signer: vec![1; 32],
        signature: vec![2; 64],
    };
    let bytes = base.signed_bytes();
    assert!(
        bytes
            .windows(27)
            .any(|w| w == b"keyhold-audit-checkpoint-v1")
    );
    let mut other = base.clone();
    other.signer = vec![9; 32];
    other.signature = vec![];
    assert_eq!(other.signed_bytes(), bytes, "signer and signature excluded");
    let changed = [
        Checkpoint {
            seq: 11,
            ..base.clone()
        },
        Checkpoint {
            hash: ChainHash([4; 32]),
            ..base.clone()
        },
        Checkpoint {
            time: base.time.plus_seconds(1),
            ..base.clone()
        },
    ];
    for c in changed {
        assert_ne!(c.signed_bytes(), bytes);
    }
}
