use std::collections::BTreeMap;

use keyhold_core::{Timestamp, VersionNumber};

use super::*;

fn sample() -> AuditEvent {
    AuditEvent {
        seq: 42,
        prev: ChainHash([1; 32]),
        hash: ChainHash([2; 32]),
        mac: vec![3; 32],
        record: AuditRecord {
            time: Timestamp::from_unix_micros(1_700_000_000_123_456),
            request_id: RequestId::from_bytes([4; 16]),
            tenant: Some(TenantId::from_bytes([5; 16])),
            principal: Some(PrincipalId::from_bytes([6; 16])),
            auth: AuthMethod::ClientCertificate,
            source: Some("2001:db8::1".parse().unwrap()),
            interface: Interface::Kmip,
            action: Action::KeyDecrypt,
            key: Some(KeyId::from_bytes([7; 16])),
            version: Some(VersionNumber::new(3).unwrap()),
            outcome: Outcome::Denied {
                code: "forbidden".into(),
            },
            context: BTreeMap::from([("purpose".into(), "billing \"q3\"".into())]),
        },
    }
}

/// Replaces column `i` of the encoded row.
fn with(mut row: Vec<Value>, i: usize, v: Value) -> Vec<Value> {
    row[i] = v;
    row
}

fn corrupt(e: StoreError) -> (&'static str, CorruptReason) {
    match e {
        StoreError::Corrupt { what, reason } => (what, reason),
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

#[test]
fn events_round_trip() {
    let e = sample();
    assert_eq!(event_from(event_values(&e).unwrap()).unwrap(), e);
    let mut bare = sample();
    bare.record.tenant = None;
    bare.record.principal = None;
    bare.record.source = None;
    bare.record.key = None;
    bare.record.version = None;
    bare.record.outcome = Outcome::Ok;
    bare.record.context.clear();
    bare.mac.clear();
    assert_eq!(event_from(event_values(&bare).unwrap()).unwrap(), bare);
}

#[test]
fn corrupt_event_columns_are_named() {
    let row = event_values(&sample()).unwrap();
    let cases = [
        (
            0,
            Value::Int(-1),
            "audit_event.seq",
            CorruptReason::OutOfRange,
        ),
        (
            5,
            Value::Text("magic".into()),
            "audit_event.auth",
            CorruptReason::UnknownName,
        ),
        (
            6,
            Value::Text("nowhere".into()),
            "audit_event.source",
            CorruptReason::Address,
        ),
        (
            8,
            Value::Text("key:nope".into()),
            "audit_event.action",
            CorruptReason::UnknownName,
        ),
        (
            11,
            Value::Text("maybe".into()),
            "audit_event.outcome",
            CorruptReason::UnknownName,
        ),
        (
            12,
            Value::Null,
            "audit_event.outcome_code",
            CorruptReason::Inconsistent,
        ),
        (
            13,
            Value::Text("[1]".into()),
            "audit_event.context",
            CorruptReason::Json,
        ),
        (
            14,
            Value::Blob(vec![0; 31]),
            "audit_event.prev_hash",
            CorruptReason::HashLength,
        ),
        (15, Value::Null, "audit_event.hash", CorruptReason::Null),
    ];
    for (i, v, what, reason) in cases {
        let err = event_from(with(row.clone(), i, v)).unwrap_err();
        assert_eq!(corrupt(err), (what, reason), "column {i}");
    }
    let mut ok = sample();
    ok.record.outcome = Outcome::Ok;
    let row = with(event_values(&ok).unwrap(), 12, Value::Text("x".into()));
    let err = event_from(row).unwrap_err();
    assert_eq!(
        corrupt(err),
        ("audit_event.outcome_code", CorruptReason::Inconsistent)
    );
    let err = event_from(vec![Value::Int(1)]).unwrap_err();
    assert_eq!(
        corrupt(err),
        ("audit_event.time", CorruptReason::MissingColumn)
    );
}

#[test]
fn sequence_numbers_above_i64_are_out_of_range() {
    let mut e = sample();
    e.seq = u64::MAX;
    assert!(matches!(
        event_values(&e),
        Err(StoreError::OutOfRange {
            field: "audit_event.seq"
        })
    ));
}

#[test]
fn heads_and_checkpoints_decode() {
    assert_eq!(head_from(None).unwrap(), ChainHead::GENESIS);
    let head = head_from(Some(vec![Value::Int(9), Value::Blob(vec![8; 32])])).unwrap();
    assert_eq!(
        head,
        ChainHead {
            seq: 9,
            hash: ChainHash([8; 32])
        }
    );
    let cp = Checkpoint {
        seq: 9,
        hash: ChainHash([8; 32]),
        time: Timestamp::from_unix_seconds(5),
        signer: vec![1, 2],
        signature: vec![3; 64],
    };
    let row = checkpoint_values(&cp).unwrap();
    assert_eq!(checkpoint_from(row.clone()).unwrap(), cp);
    let err = checkpoint_from(with(row, 1, Value::Blob(vec![0; 33]))).unwrap_err();
    assert_eq!(
        corrupt(err),
        ("audit_checkpoint.hash", CorruptReason::HashLength)
    );
}

#[test]
fn queries_walk_the_most_selective_index() {
    let mut q = AuditQuery::after(u64::MAX, 10);
    q.time_from = Some(Timestamp::EPOCH);
    assert_eq!(audit_list(&q).0, queries::AUDIT_EVENTS_BY_TIME);
    q.action = Some(Action::KeySign);
    assert_eq!(audit_list(&q).0, queries::AUDIT_EVENTS_BY_ACTION);
    q.tenant = Some(TenantId::from_bytes([1; 16]));
    assert_eq!(audit_list(&q).0, queries::AUDIT_EVENTS_BY_TENANT);
    q.principal = Some(PrincipalId::from_bytes([2; 16]));
    assert_eq!(audit_list(&q).0, queries::AUDIT_EVENTS_BY_PRINCIPAL);
    q.key = Some(KeyId::from_bytes([3; 16]));
    let (sql, values) = audit_list(&q);
    assert_eq!(sql, queries::AUDIT_EVENTS_BY_KEY);
    assert!(values[0] == Value::Int(i64::MAX));
    assert_eq!(
        audit_list(&AuditQuery::after(0, 1)).0,
        queries::AUDIT_EVENTS
    );
}
