use keyhold_core::audit::{AuditRecord, Outcome};

use super::*;

fn uuid(n: u8) -> [u8; 16] {
    [n; 16]
}

/// Events covering every action, auth method, interface and outcome, and
/// every optional field both present and absent.
fn events() -> Vec<AuditEvent> {
    let outcomes = [
        Outcome::Ok,
        Outcome::Denied {
            code: "permission_denied".into(),
        },
        Outcome::Error {
            code: "internal".into(),
        },
    ];
    let sources: [Option<IpAddr>; 3] = [
        None,
        Some("192.0.2.7".parse().unwrap()),
        Some("2001:db8::1".parse().unwrap()),
    ];
    Action::ALL
        .iter()
        .enumerate()
        .map(|(i, action)| {
            let full = i % 2 == 0;
            let n = i as u8;
            let mut context = BTreeMap::new();
            if full {
                context.insert("algorithm".into(), "aes-256-gcm".into());
                context.insert("ctx:app".into(), "pay ✓ \"quoted\"\n".into());
            }
            AuditEvent {
                seq: i as u64 + 1,
                prev: ChainHash([n; 32]),
                hash: ChainHash([n.wrapping_add(1); 32]),
                mac: if full { vec![n; 32] } else { vec![] },
                record: AuditRecord {
                    time: Timestamp::from_unix_micros(1_800_000_000_123_456 + i as i64 * 7),
                    request_id: RequestId::from_bytes(uuid(n)),
                    tenant: full.then(|| TenantId::from_bytes(uuid(1))),
                    principal: full.then(|| PrincipalId::from_bytes(uuid(2))),
                    auth: AuthMethod::ALL[i % AuthMethod::ALL.len()],
                    source: sources[i % sources.len()],
                    interface: Interface::ALL[i % Interface::ALL.len()],
                    action: *action,
                    key: full.then(|| KeyId::from_bytes(uuid(3))),
                    version: full.then(|| VersionNumber::new(i as u32 + 1).unwrap()),
                    outcome: outcomes[i % outcomes.len()].clone(),
                    context,
                },
            }
        })
        .collect()
}

#[test]
fn events_round_trip_losslessly_through_json_lines() {
    let events = events();
    assert!(events.len() >= 5);
    for e in &events {
        let line = serde_json::to_string(&ExportLine::Event(AuditEventView::from(e))).unwrap();
        assert!(!line.contains('\n'), "one object per line");
        let ExportLine::Event(view) = serde_json::from_str(&line).unwrap() else {
            panic!("not an event: {line}");
        };
        let back = AuditEvent::try_from(view).unwrap();
        assert_eq!(back.record.canonical_bytes(), e.record.canonical_bytes());
        assert_eq!(&back, e);
    }
}

#[test]
fn the_wire_shape_is_the_documented_one() {
    let e = &events()[0];
    let json = serde_json::to_value(ExportLine::Event(AuditEventView::from(e))).unwrap();
    let v = &json["event"];
    assert_eq!(v["seq"], 1);
    assert_eq!(v["time"], "2027-01-15T08:00:00.123456Z");
    assert_eq!(v["action"], Action::ALL[0].as_str());
    assert_eq!(v["outcome"], serde_json::json!({"result": "ok"}));
    assert_eq!(v["prev"], "00".repeat(32));
    assert_eq!(v["hash"], "01".repeat(32));
    assert_eq!(v["auth"], "none");
    assert_eq!(v["interface"], "rest");
    let denied = serde_json::to_value(AuditEventView::from(&events()[1])).unwrap();
    assert_eq!(
        denied["outcome"],
        serde_json::json!({"result": "denied", "code": "permission_denied"})
    );
    assert_eq!(denied["tenant"], serde_json::Value::Null);
}

#[test]
fn checkpoints_round_trip() {
    let c = Checkpoint {
        seq: 50,
        hash: ChainHash([0xAB; 32]),
        time: Timestamp::from_unix_seconds(1_800_000_000),
        signer: vec![0xCD; 32],
        signature: vec![0xEF; 64],
    };
    let line = serde_json::to_string(&ExportLine::Checkpoint(CheckpointView::from(&c))).unwrap();
    assert!(line.starts_with("{\"checkpoint\":{\"seq\":50,\"hash\":\"abab"));
    let ExportLine::Checkpoint(view) = serde_json::from_str(&line).unwrap() else {
        panic!("not a checkpoint");
    };
    let back = Checkpoint::try_from(view).unwrap();
    assert_eq!(back, c);
    assert_eq!(back.signed_bytes(), c.signed_bytes());
}

#[test]
fn malformed_views_are_refused_with_a_typed_error() {
    let good = AuditEventView::from(&events()[0]);
    let bad_hex = AuditEventView {
        hash: "zz".into(),
        ..good.clone()
    };
    assert!(matches!(
        AuditEvent::try_from(bad_hex),
        Err(ViewError::Hex { field: "hash", .. })
    ));
    let short = AuditEventView {
        prev: "00".repeat(31),
        ..good.clone()
    };
    assert!(matches!(
        AuditEvent::try_from(short),
        Err(ViewError::LinkLength {
            field: "prev",
            len: 31
        })
    ));
    for (result, code) in [
        (OutcomeKind::Ok, Some("x".to_owned())),
        (OutcomeKind::Denied, None),
        (OutcomeKind::Error, None),
    ] {
        let v = AuditEventView {
            outcome: OutcomeView { result, code },
            ..good.clone()
        };
        assert!(matches!(
            AuditEvent::try_from(v),
            Err(ViewError::OutcomeCode { .. })
        ));
    }
    let mut json = serde_json::to_value(&good).unwrap();
    json["extra"] = 1.into();
    assert!(serde_json::from_value::<AuditEventView>(json).is_err());
    assert!(serde_json::from_str::<ExportLine>("{\"nope\":{}}").is_err());
}

#[test]
fn the_other_bodies_serialize_as_documented() {
    let key = AuditPublicKey {
        algorithm: AuditKeyAlgorithm::Ed25519,
        public_key: Base64(vec![1; 32]),
        fingerprint: "ab".repeat(32),
    };
    let json = serde_json::to_value(&key).unwrap();
    assert_eq!(json["algorithm"], "ed25519");
    let report = VerifyReport {
        ok: false,
        events: 10,
        checkpoints: 1,
        head_seq: 4,
        head_hash: "00".repeat(32),
        broken_at: Some(5),
        problem: Some(PROBLEM_KINDS[2].into()),
    };
    let text = serde_json::to_string(&report).unwrap();
    assert_eq!(serde_json::from_str::<VerifyReport>(&text).unwrap(), report);
    let page = AuditEventsPage {
        events: vec![AuditEventView::from(&events()[0])],
        next_cursor: Some(1),
    };
    let text = serde_json::to_string(&page).unwrap();
    assert_eq!(
        serde_json::from_str::<AuditEventsPage>(&text).unwrap(),
        page
    );
}

#[test]
fn schema_enums_agree_with_core() {
    fn wire<T: Serialize>(all: impl IntoIterator<Item = T>) -> Vec<String> {
        all.into_iter()
            .map(|v| {
                serde_json::to_value(v)
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    }
    let auth = [
        AuthMethodSchema::None,
        AuthMethodSchema::RootToken,
        AuthMethodSchema::Token,
        AuthMethodSchema::ClientCertificate,
        AuthMethodSchema::Internal,
    ];
    assert_eq!(wire(auth), wire(AuthMethod::ALL));
    let interfaces = [
        InterfaceSchema::Rest,
        InterfaceSchema::Kmip,
        InterfaceSchema::Scheduler,
    ];
    assert_eq!(wire(interfaces), wire(Interface::ALL));
    let results = [
        OutcomeResultSchema::Ok,
        OutcomeResultSchema::Denied,
        OutcomeResultSchema::Error,
    ];
    assert_eq!(wire(results), wire(OutcomeKind::ALL));
}

#[test]
fn the_events_query_reads_its_filters_and_refuses_unknown_ones() {
    let text = r#"{"from":"2030-01-01T00:00:00Z","action":"key:encrypt","outcome":"denied",
        "key":"01010101-0101-0101-0101-010101010101","cursor":7,"limit":5}"#;
    let q: AuditEventsQuery = serde_json::from_str(text).unwrap();
    assert_eq!(q.action, Some(Action::KeyEncrypt));
    assert_eq!(q.outcome, Some(OutcomeKind::Denied));
    assert_eq!(q.key, Some(KeyId::from_bytes(uuid(1))));
    assert_eq!((q.cursor, q.limit, q.to), (Some(7), Some(5), None));
    let back: AuditEventsQuery = serde_json::from_str(&serde_json::to_string(&q).unwrap()).unwrap();
    assert_eq!(back, q);
    assert!(serde_json::from_str::<AuditEventsQuery>(r#"{"after":1}"#).is_err());
    assert!(serde_json::from_str::<AuditEventsQuery>(r#"{"action":"key:nope"}"#).is_err());
}

#[test]
fn reports_say_where_and_how_a_trail_breaks() {
    let head = ChainHead {
        seq: 4,
        hash: ChainHash([0xab; 32]),
    };
    let ok = VerifyReport::verified(head, 4, 1);
    assert!(ok.ok && ok.broken_at.is_none() && ok.problem.is_none());
    assert_eq!(
        (ok.head_seq, ok.head_hash.as_str()),
        (4, "ab".repeat(32).as_str())
    );
    let broken = VerifyReport::broken(head, 4, 0, Some(5), "hash");
    assert!(!broken.ok);
    assert_eq!(
        (broken.broken_at, broken.problem.as_deref()),
        (Some(5), Some("hash"))
    );
}
