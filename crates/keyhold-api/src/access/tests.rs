use std::collections::BTreeSet;

use keyhold_core::policy::{Conditions, SodRule, TimeWindow};
use keyhold_core::{QuorumRule, TenantSettings};
use serde_json::{Value, json};
use utoipa::PartialSchema;

use super::*;

/// The property names of a schema.
fn properties<T: PartialSchema>() -> BTreeSet<String> {
    let json = serde_json::to_value(T::schema()).unwrap();
    json["properties"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

/// The field names of a serialized value.
fn fields(v: &Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

#[test]
fn statement_and_conditions_schemas_name_the_core_fields() {
    let conditions = Conditions {
        source_cidrs: vec!["10.0.0.0/8".parse().unwrap()],
        time_window: Some(TimeWindow {
            start_minute: 0,
            end_minute: 60,
            weekdays: vec![0],
        }),
        mfa_required: true,
        max_token_age_secs: Some(60),
        context_equals: [("a".to_owned(), "b".to_owned())].into(),
        context_keys: vec!["a".into()],
    };
    let c = serde_json::to_value(&conditions).unwrap();
    assert_eq!(fields(&c), properties::<ConditionsSchema>());
    assert_eq!(fields(&c["time_window"]), properties::<TimeWindowSchema>());
    let spec = StatementSpec {
        effect: keyhold_core::policy::Effect::Allow,
        actions: vec!["key:*".into()],
        resources: vec!["*".into()],
        conditions,
    };
    let s = serde_json::to_value(&spec).unwrap();
    assert_eq!(fields(&s), properties::<StatementSchema>());
}

#[test]
fn settings_schemas_name_the_core_fields() {
    let settings = TenantSettings {
        quorum_rules: vec![QuorumRule {
            actions: vec![Action::KeyExport],
            required: 2,
            ttl_secs: 60,
        }],
        ..TenantSettings::default()
    };
    let v = serde_json::to_value(&settings).unwrap();
    assert_eq!(fields(&v), properties::<TenantSettingsSchema>());
    assert_eq!(
        fields(&v["quorum_rules"][0]),
        properties::<QuorumRuleSchema>()
    );
    let rule = serde_json::to_value(SodRule::default_rules()).unwrap();
    assert_eq!(fields(&rule[0]), properties::<SodRuleSchema>());
    assert_eq!(
        fields(&v["default_cryptoperiod"]),
        properties::<CryptoperiodSchema>()
    );
}

#[test]
fn principal_kinds_agree_with_core() {
    let json = serde_json::to_value(PrincipalKindSchema::schema()).unwrap();
    let names: Vec<&str> = json["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let core: Vec<&str> = PrincipalKind::ALL.iter().map(|k| k.as_str()).collect();
    assert_eq!(names, core);
}

#[test]
fn bodies_refuse_unknown_fields_and_bad_names() {
    let ok: CreatePrincipalRequest =
        serde_json::from_value(json!({"name": "alice", "roles": ["key-user"]})).unwrap();
    assert_eq!(ok.kind, PrincipalKind::User);
    for bad in [
        json!({"name": "alice", "role": ["key-user"]}),
        json!({"name": "bad name"}),
        json!({"name": "alice", "kind": "robot"}),
        json!({"name": "alice", "roles": ["-x"]}),
    ] {
        assert!(
            serde_json::from_value::<CreatePrincipalRequest>(bad.clone()).is_err(),
            "{bad}"
        );
    }
    let statement =
        json!({"effect": "allow", "actions": ["key:encrypt"], "resources": ["*"], "x": 1});
    let policy = json!({"name": "p", "statements": [statement]});
    assert!(serde_json::from_value::<CreatePolicyRequest>(policy).is_err());
    let token = json!({"principal": "alice", "source_cidrs": ["not a net"]});
    assert!(serde_json::from_value::<CreateTokenRequest>(token).is_err());
}

#[test]
fn certificate_requests_are_one_of_three() {
    let f: BindCertificateRequest = serde_json::from_value(json!({"fingerprint": "ab"})).unwrap();
    assert_eq!(f, BindCertificateRequest::Fingerprint("ab".into()));
    let s: BindCertificateRequest =
        serde_json::from_value(json!({"subject": "CN=svc,O=Example"})).unwrap();
    assert_eq!(
        s,
        BindCertificateRequest::Subject("CN=svc,O=Example".into())
    );
    assert!(serde_json::from_value::<BindCertificateRequest>(json!({})).is_err());
    assert!(
        serde_json::from_value::<BindCertificateRequest>(json!({"fingerprint": "a", "pem": "b"}))
            .is_err()
    );
}

#[test]
fn token_text_never_shows_in_debug() {
    let created = CreatedToken {
        token: SecretText::new("kht_s3cret".into()),
        info: TokenInfo {
            id: TokenId::from_uuid(uuid::Uuid::nil()),
            principal_id: PrincipalId::from_uuid(uuid::Uuid::nil()),
            principal: "alice".parse().unwrap(),
            description: String::new(),
            created_at: Timestamp::parse_rfc3339("2030-01-01T00:00:00Z").unwrap(),
            expires_at: None,
            source_cidrs: Vec::new(),
            revoked_at: None,
        },
    };
    assert!(!format!("{created:?}").contains("s3cret"));
    let json = serde_json::to_value(&created).unwrap();
    assert_eq!(json["token"], "kht_s3cret");
}
