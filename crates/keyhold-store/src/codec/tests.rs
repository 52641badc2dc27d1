use keyhold_core::{DataObject, DataType, ObjectGroup, SecretFormat, Timestamp};
use uuid::Uuid;

use super::*;

fn sample_key() -> Key {
    Key {
        id: KeyId::from_uuid(Uuid::from_u128(1)),
        tenant: TenantId::from_uuid(Uuid::from_u128(2)),
        name: "app/db".parse().unwrap(),
        description: "d".into(),
        tags: BTreeMap::from([("env".into(), "prod".into())]),
        algorithm: Algorithm::Ed25519,
        usage: UsageMask::SIGN.union(UsageMask::VERIFY),
        protection: Protection::Hsm,
        origin: Origin::Imported,
        exportable: true,
        owner: Some(PrincipalId::from_uuid(Uuid::from_u128(3))),
        rotation_period_secs: Some(86_400),
        next_rotation_at: Some(Timestamp::from_unix_seconds(100)),
        primary_version: VersionNumber::new(3).unwrap(),
        destroy_scheduled_at: None,
        created_at: Timestamp::from_unix_micros(-5),
        updated_at: Timestamp::from_unix_micros(7),
        cryptoperiod: Cryptoperiod {
            originator_usage_secs: Some(3_600),
            recipient_usage_secs: Some(7_200),
        },
        recipient_usage_end: Some(Timestamp::from_unix_seconds(9)),
        last_used_at: Some(Timestamp::from_unix_micros(11)),
        idle_warned_at: None,
        crypto_params: None,
        kmip: Default::default(),
    }
}

fn sample_version() -> StoredVersion {
    StoredVersion {
        meta: KeyVersion {
            archived: true,
            activation_date: Some(Timestamp::from_unix_seconds(2)),
            deactivation_date: Some(Timestamp::from_unix_seconds(3)),
            compromise_date: Some(Timestamp::from_unix_seconds(4)),
            revocation_reason: Some(RevocationReason::KeyCompromise),
            public_key: Some(vec![1, 2, 3]),
            process_start_date: Some(Timestamp::from_unix_seconds(6)),
            protect_stop_date: Some(Timestamp::from_unix_seconds(7)),
            compromise_recorded_at: Some(Timestamp::from_unix_seconds(8)),
            served_at: Some(Timestamp::from_unix_seconds(9)),
            public_half: Some(keyhold_core::PublicHalf {
                state: KeyState::Active,
                activation_date: Some(Timestamp::from_unix_seconds(10)),
                deactivation_date: None,
                compromise_date: None,
                destroy_date: None,
                name: Some("pair-public".parse().unwrap()),
            }),
            ..KeyVersion::new(
                VersionId::from_uuid(Uuid::from_u128(4)),
                KeyId::from_uuid(Uuid::from_u128(1)),
                VersionNumber::FIRST,
                KeyState::Compromised,
                Timestamp::from_unix_seconds(1),
            )
        },
        sealed_material: Some(SealedBlob::new(vec![9; 40])),
        kek_generation: 7,
    }
}

/// Replaces column `i` of the encoded row.
fn with(mut row: Vec<Value>, i: usize, v: Value) -> Vec<Value> {
    row[i] = v;
    row
}

fn corrupt_what(e: StoreError) -> &'static str {
    match e {
        StoreError::Corrupt { what, .. } => what,
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

/// An OAEP label (KMIP P Source) is kept in the crypto_params JSON, and a
/// row written before labels were kept (the JSON migration 9 introduced)
/// still decodes: the column's form only gained an optional field, so no
/// migration rewrites it.
#[test]
fn oaep_labels_round_trip_and_older_parameter_rows_decode() {
    use keyhold_core::crypto_params::{HashAlgorithm, PaddingMethod};
    let labelled = Key {
        crypto_params: Some(CryptoParams {
            padding: Some(PaddingMethod::Oaep),
            hash: Some(HashAlgorithm::Sha384),
            mgf1_hash: Some(HashAlgorithm::Sha256),
            oaep_label: Some(b"Kilroy".to_vec()),
            ..CryptoParams::default()
        }),
        ..sample_key()
    };
    let row = key_values(&labelled).unwrap();
    assert_eq!(key_from(row).unwrap(), labelled);
    let mut row = key_values(&labelled).unwrap();
    let older = r#"{"padding":"oaep","hash":"sha384","mgf1":true,"mgf1_hash":"sha256"}"#;
    row[22] = Value::Text(older.into());
    let params = key_from(row).unwrap().crypto_params.unwrap();
    assert_eq!(params.mgf1_hash, Some(HashAlgorithm::Sha256));
    assert_eq!(params.oaep_label, None);
}

#[test]
fn rows_round_trip() {
    let key = sample_key();
    assert_eq!(key_from(key_values(&key).unwrap()).unwrap(), key);
    let with_params = Key {
        crypto_params: Some(CryptoParams {
            mode: Some(keyhold_core::crypto_params::BlockMode::Ecb),
            tag_length: Some(16),
            ..CryptoParams::default()
        }),
        ..key
    };
    let row = key_values(&with_params).unwrap();
    let json = Value::Text(r#"{"mode":"ecb","tag_length":16}"#.into());
    assert!(
        row.get(22) == Some(&json),
        "crypto_params is column 22, as JSON"
    );
    assert_eq!(key_from(row).unwrap(), with_params.clone());
    let secret = Key {
        algorithm: Algorithm::SecretData,
        usage: UsageMask::EMPTY,
        kmip: KmipMeta {
            data: Some(DataObject::Secret {
                data_type: DataType::new(1),
                format: SecretFormat::Opaque,
            }),
            object_groups: vec![ObjectGroup::try_from("g".to_owned()).unwrap()],
            name_source: keyhold_core::NameSource::Server,
            symmetric_format: keyhold_core::SymmetricFormat::Raw,
            usage_limits: None,
            links: Vec::new(),
            sensitive: true,
            destroy_requested_at: Some(Timestamp::from_unix_seconds(11)),
            app_info: vec![
                keyhold_core::kmip_app_info::AppInfo::new("LIBRARY-LTO".into(), "01".into())
                    .unwrap(),
            ],
            alt_names: vec![keyhold_core::kmip_app_info::AltName::new("XXA1".into(), 1).unwrap()],
            custom: vec![keyhold_core::kmip_custom::CustomAttribute {
                name: "x-n".to_owned().try_into().unwrap(),
                value: keyhold_core::kmip_custom::CustomValue::DateTime(7),
            }],
        },
        ..with_params
    };
    let row = key_values(&secret).unwrap();
    assert!(
        matches!(row.get(23), Some(Value::Text(t)) if t.contains("\"object\":\"secret\"")),
        "kmip_meta is column 23, as JSON"
    );
    assert_eq!(key_from(row).unwrap(), secret);
    let v = sample_version();
    assert_eq!(version_from(version_values(&v).unwrap()).unwrap(), v);
    let t = Tenant {
        id: TenantId::from_uuid(Uuid::from_u128(2)),
        name: "acme".parse().unwrap(),
        sealed_kek: SealedBlob::new(vec![1; 60]),
        root_generation: u32::MAX,
        created_at: Timestamp::EPOCH,
        kek_generation: 3,
        retiring_kek: Some(SealedBlob::new(vec![2; 60])),
    };
    assert_eq!(tenant_from(tenant_values(&t)).unwrap(), t);
}

#[test]
fn enum_names_match_core_serde_names() {
    fn serde_name<T: serde::Serialize>(v: T) -> String {
        match serde_json::to_value(v).unwrap() {
            serde_json::Value::String(s) => s,
            other => panic!("not a string: {other}"),
        }
    }
    for p in PROTECTIONS {
        assert_eq!(protection_name(p), serde_name(p));
    }
    for o in ORIGINS {
        assert_eq!(origin_name(o), serde_name(o));
    }
    for r in REVOCATION_REASONS {
        assert_eq!(revocation_name(r), serde_name(r));
    }
}

#[test]
fn unrepresentable_rotation_period_is_refused() {
    let mut key = sample_key();
    key.rotation_period_secs = Some(u64::MAX);
    assert!(matches!(
        key_values(&key),
        Err(StoreError::OutOfRange {
            field: "key.rotation_period_secs"
        })
    ));
}

#[test]
fn unrepresentable_cryptoperiods_are_refused() {
    let mut key = sample_key();
    key.cryptoperiod.recipient_usage_secs = Some(u64::MAX);
    assert!(matches!(
        key_values(&key),
        Err(StoreError::OutOfRange {
            field: "key.recipient_usage_period_secs"
        })
    ));
}

#[test]
fn corrupt_key_columns_are_named() {
    let row = key_values(&sample_key()).unwrap();
    let cases = [
        (2, Value::Text("bad name".into()), "key.name"),
        (4, Value::Text("{\"a\": 1}".into()), "key.tags"),
        (5, Value::Text("rot13".into()), "key.algorithm"),
        (6, Value::Int(0x400), "key.usage"),
        (7, Value::Text("cloud".into()), "key.protection"),
        (8, Value::Text("found".into()), "key.origin"),
        (11, Value::Int(-1), "key.rotation_period_secs"),
        (13, Value::Int(0), "key.primary_version"),
        (13, Value::Int(i64::MAX), "key.primary_version"),
        (17, Value::Int(-1), "key.originator_usage_period_secs"),
        (18, Value::Int(-3_600), "key.recipient_usage_period_secs"),
        (
            22,
            Value::Text("{\"mode\":\"ofb\"}".into()),
            "key.crypto_params",
        ),
        (22, Value::Text("not json".into()), "key.crypto_params"),
        (23, Value::Text("not json".into()), "key.kmip_meta"),
        // A data object's kind on a key that is not a data object.
        (
            23,
            Value::Text(r#"{"data":{"object":"opaque","data_type":1}}"#.into()),
            "key.kmip_meta",
        ),
    ];
    for (i, v, what) in cases {
        let e = key_from(with(row.clone(), i, v)).unwrap_err();
        assert_eq!(corrupt_what(e), what);
    }
}

#[test]
fn corrupt_version_columns_are_named() {
    let row = version_values(&sample_version()).unwrap();
    let cases = [
        (0, Value::Blob(vec![0; 3]), "key_version.id"),
        (3, Value::Text("zombie".into()), "key_version.state"),
        (
            10,
            Value::Text("boredom".into()),
            "key_version.revocation_reason",
        ),
        (
            12,
            Value::Text("not a blob".into()),
            "key_version.sealed_material",
        ),
        (
            18,
            Value::Text("not json".into()),
            "key_version.public_half",
        ),
        (
            18,
            Value::Text(r#"{"state":"zombie"}"#.into()),
            "key_version.public_half",
        ),
    ];
    for (i, v, what) in cases {
        let e = version_from(with(row.clone(), i, v)).unwrap_err();
        assert_eq!(corrupt_what(e), what);
    }
}

#[test]
fn prefix_end_is_the_least_string_after_the_prefix() {
    assert_eq!(prefix_end(""), None);
    assert_eq!(prefix_end("a").as_deref(), Some("b"));
    assert_eq!(prefix_end("a_").as_deref(), Some("a`"));
    assert_eq!(prefix_end("a\u{D7FF}").as_deref(), Some("a\u{E000}"));
    assert_eq!(prefix_end("a\u{10FFFF}").as_deref(), Some("b"));
    assert_eq!(prefix_end("\u{10FFFF}"), None);
    assert!(NAME_CEILING > "zzzz");
}

#[test]
fn key_list_starts_at_the_later_of_prefix_and_cursor() {
    let tenant = TenantId::from_uuid(Uuid::from_u128(2));
    let mut q = KeyQuery::first(10);
    q.name_prefix = Some("m".into());
    q.after = Some("a".parse().unwrap());
    let (sql, values) = key_list(tenant, &q);
    assert_eq!(sql, queries::KEYS_FROM);
    assert!(values[1] == Value::Text("m".into()));
    assert!(values[2] == Value::Text("n".into()));
    q.after = Some("m1".parse().unwrap());
    let (sql, values) = key_list(tenant, &q);
    assert_eq!(sql, queries::KEYS_AFTER);
    assert!(values[1] == Value::Text("m1".into()));
}
