use std::collections::BTreeSet;

use keyhold_core::policy::StatementSpec;
use uuid::Uuid;

use super::*;

fn uid(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn at(secs: i64) -> Timestamp {
    Timestamp::from_unix_seconds(secs)
}

fn principal() -> Principal {
    Principal {
        id: PrincipalId::from_uuid(uid(1)),
        tenant: TenantId::from_uuid(uid(2)),
        name: "alice".parse().unwrap(),
        kind: PrincipalKind::Service,
        description: "ci \"runner\"".into(),
        roles: BTreeSet::from(["admin".parse().unwrap(), "ops".parse().unwrap()]),
        policies: BTreeSet::from(["p1".parse().unwrap()]),
        global_admin: true,
        disabled: false,
        created_at: at(1),
        updated_at: at(2),
    }
}

fn approval() -> ApprovalRecord {
    let mut a = Approval::new(
        Action::KeyExport,
        PrincipalId::from_uuid(uid(1)),
        Quorum::new(2, 3).unwrap(),
        at(10),
        60,
    );
    a.vote(PrincipalId::from_uuid(uid(5)), true, at(11))
        .unwrap();
    ApprovalRecord {
        id: ApprovalId::from_uuid(uid(7)),
        tenant: TenantId::from_uuid(uid(2)),
        approval: a,
        resource: "key/orders".into(),
        request: serde_json::json!({"n": 1, "s": "ü"}),
        executed_result: Some(serde_json::json!([true, null])),
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
fn rows_round_trip() {
    let p = principal();
    assert_eq!(principal_from(principal_values(&p).unwrap()).unwrap(), p);
    let a = approval();
    assert_eq!(approval_from(approval_values(&a).unwrap()).unwrap(), a);
    for matcher in [
        CertMatcher::Fingerprint([0xfe; 32]),
        CertMatcher::subject("CN=x,O=y").unwrap(),
    ] {
        let b = CertBinding {
            tenant: p.tenant,
            principal: p.id,
            matcher,
        };
        assert_eq!(cert_from(cert_values(&b)).unwrap(), b);
    }
    let m = MfaEnrollment {
        principal: p.id,
        sealed_secret: SealedBlob::new(vec![1; 40]),
        confirmed: false,
        last_used_step: Some(i64::MAX as u64),
        created_at: at(3),
    };
    assert_eq!(mfa_from(mfa_values(&m).unwrap()).unwrap(), m);
    let s: TenantSettings =
        serde_json::from_str(r#"{"quorum_rules": [{"actions": ["key:export"], "required": 2}]}"#)
            .unwrap();
    let row = settings_values(p.tenant, &s).unwrap();
    assert_eq!(settings_from(row[1..].to_vec()).unwrap(), s);
    let spec: StatementSpec =
        serde_json::from_str(r#"{"effect": "deny", "actions": ["*"], "resources": ["*"]}"#)
            .unwrap();
    let policy = PolicyRecord {
        id: PolicyId::from_uuid(uid(9)),
        tenant: p.tenant,
        name: "deny-all".parse().unwrap(),
        description: String::new(),
        statements: vec![spec],
        created_at: at(4),
        updated_at: at(5),
    };
    assert_eq!(
        policy_from(policy_values(&policy).unwrap()).unwrap(),
        policy
    );
}

#[test]
fn values_the_store_cannot_hold_are_refused() {
    let m = MfaEnrollment {
        principal: PrincipalId::from_uuid(uid(1)),
        sealed_secret: SealedBlob::new(vec![]),
        confirmed: true,
        last_used_step: Some(u64::MAX),
        created_at: at(0),
    };
    assert!(matches!(
        mfa_values(&m),
        Err(StoreError::OutOfRange {
            field: "mfa.last_used_step"
        })
    ));
}

#[test]
fn corrupt_access_columns_are_named() {
    let row = principal_values(&principal()).unwrap();
    let e = principal_from(with(row.clone(), 3, Value::Text("robot".into()))).unwrap_err();
    assert_eq!(corrupt(e), ("principal.kind", CorruptReason::UnknownName));
    let e = principal_from(with(row.clone(), 5, Value::Text("[\"bad name\"]".into()))).unwrap_err();
    assert_eq!(corrupt(e), ("principal.roles", CorruptReason::Json));
    let e = principal_from(with(row, 6, Value::Text("{".into()))).unwrap_err();
    assert_eq!(corrupt(e), ("principal.policies", CorruptReason::Json));

    let row = approval_values(&approval()).unwrap();
    let e = approval_from(with(row.clone(), 4, Value::Int(0))).unwrap_err();
    assert_eq!(corrupt(e), ("approval.required", CorruptReason::OutOfRange));
    let e = approval_from(with(row.clone(), 4, Value::Int(300))).unwrap_err();
    assert_eq!(corrupt(e), ("approval.required", CorruptReason::OutOfRange));
    let e = approval_from(with(row.clone(), 7, Value::Text("maybe".into()))).unwrap_err();
    assert_eq!(corrupt(e), ("approval.state", CorruptReason::UnknownName));
    let e = approval_from(with(row, 12, Value::Text("nope".into()))).unwrap_err();
    assert_eq!(
        corrupt(e),
        ("approval.executed_result", CorruptReason::Json)
    );

    let b = CertBinding {
        tenant: TenantId::from_uuid(uid(2)),
        principal: PrincipalId::from_uuid(uid(1)),
        matcher: CertMatcher::Fingerprint([1; 32]),
    };
    let row = cert_values(&b);
    let e = cert_from(with(row.clone(), 1, Value::Text("zz".into()))).unwrap_err();
    assert_eq!(
        corrupt(e),
        ("principal_cert.matcher", CorruptReason::HashLength)
    );
    let e = cert_from(with(row.clone(), 0, Value::Text("serial".into()))).unwrap_err();
    assert_eq!(
        corrupt(e),
        ("principal_cert.kind", CorruptReason::UnknownName)
    );
    let subject = with(row, 0, Value::Text("subject".into()));
    let e = cert_from(with(subject, 1, Value::Text(String::new()))).unwrap_err();
    assert!(matches!(
        corrupt(e),
        ("principal_cert.matcher", CorruptReason::Core(_))
    ));
}
