use uuid::Uuid;

use super::*;
use crate::action::Action;
use crate::approval::{ApprovalState, Quorum};
use crate::policy::{BuiltinRole, Effect, SodRule};

fn t(secs: i64) -> Timestamp {
    Timestamp::from_unix_seconds(1_800_000_000 + secs)
}

fn token() -> TokenRecord {
    TokenRecord {
        id: TokenId::from_uuid(Uuid::from_u128(1)),
        tenant: TenantId::from_uuid(Uuid::from_u128(2)),
        principal: PrincipalId::from_uuid(Uuid::from_u128(3)),
        hash: [0xab; 32],
        description: "ci".into(),
        created_at: t(0),
        expires_at: Some(t(100)),
        source_cidrs: vec!["10.0.0.0/8".parse().unwrap()],
        revoked_at: None,
    }
}

fn settings(json: &str) -> Result<TenantSettings, serde_json::Error> {
    serde_json::from_str(json)
}

fn field_of(e: CoreError) -> &'static str {
    match e {
        CoreError::InvalidValue { field, .. } => field,
        CoreError::InvalidName { kind, .. } => kind,
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn principal_kinds_match_serde_and_parse_back() {
    for k in PrincipalKind::ALL {
        let json = serde_json::to_string(&k).unwrap();
        assert_eq!(json, format!("\"{}\"", k.as_str()));
        assert_eq!(k.as_str().parse::<PrincipalKind>().unwrap(), k);
    }
    let err = "robot".parse::<PrincipalKind>().unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid principal kind: expected user or service"
    );
}

#[test]
fn tokens_expire_and_revoke() {
    let mut tok = token();
    assert_eq!(tok.usable(t(99)), Ok(()));
    assert_eq!(tok.usable(t(100)), Err(TokenRefusal::Expired));
    tok.expires_at = None;
    assert_eq!(tok.usable(t(1_000_000)), Ok(()));
    tok.revoked_at = Some(t(50));
    assert_eq!(tok.usable(t(10)), Err(TokenRefusal::Revoked));
    tok.expires_at = Some(t(1));
    assert_eq!(
        tok.usable(t(60)),
        Err(TokenRefusal::Revoked),
        "revocation wins"
    );
}

#[test]
fn token_sources_are_bound_to_their_networks() {
    let mut tok = token();
    assert!(tok.source_allowed(Some("10.9.8.7".parse().unwrap())));
    assert!(!tok.source_allowed(Some("192.0.2.1".parse().unwrap())));
    assert!(!tok.source_allowed(None));
    tok.source_cidrs.clear();
    assert!(tok.source_allowed(None));
}

#[test]
fn secrets_never_show_in_debug() {
    let text = format!("{:?}", token());
    assert!(text.contains("<redacted>"), "{text}");
    for needle in ["171", "0xab", "ab, ab", "[171"] {
        assert!(!text.contains(needle), "{needle} in {text}");
    }
    let mfa = MfaEnrollment {
        principal: PrincipalId::from_uuid(Uuid::from_u128(3)),
        sealed_secret: SealedBlob::new(vec![0xcd; 48]),
        confirmed: true,
        last_used_step: Some(7),
        created_at: t(0),
    };
    let text = format!("{mfa:?}");
    assert!(text.contains("SealedBlob(48 bytes)"), "{text}");
    assert!(!text.contains("205"), "{text}");
}

#[test]
fn cert_subjects_are_checked() {
    let ok = CertMatcher::subject("CN=app1,O=Acme\\, Inc.,C=DE").unwrap();
    assert_eq!(
        ok,
        CertMatcher::Subject("CN=app1,O=Acme\\, Inc.,C=DE".into())
    );
    let long = format!("CN={}", "a".repeat(MAX_SUBJECT_LEN));
    for bad in ["", "  ", "CN=a\nO=b", "CN=\u{0}", long.as_str()] {
        let err = CertMatcher::subject(bad).unwrap_err();
        assert_eq!(field_of(err), "certificate subject", "{bad:?}");
    }
}

#[test]
fn policies_compile_or_say_why_not() {
    let mut p = PolicyRecord {
        id: PolicyId::from_uuid(Uuid::from_u128(5)),
        tenant: TenantId::from_uuid(Uuid::from_u128(2)),
        name: "encrypt-payments".parse().unwrap(),
        description: String::new(),
        statements: serde_json::from_str(
            r#"[{"effect": "allow", "actions": ["key:encrypt"], "resources": ["key/pay-*"]}]"#,
        )
        .unwrap(),
        created_at: t(0),
        updated_at: t(0),
    };
    assert_eq!(p.compile().unwrap().len(), 1);
    assert_eq!(p.statements[0].effect, Effect::Allow);
    p.statements[0].resources.clear();
    assert_eq!(field_of(p.compile().unwrap_err()), "resources");
}

#[test]
fn built_in_role_names_cannot_be_stored() {
    for r in BuiltinRole::ALL {
        let err = RoleRecord::check_name(&RoleName::from(r)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid role name: is the name of a built-in role"
        );
    }
    assert!(RoleRecord::check_name(&"payments-ops".parse().unwrap()).is_ok());
}

#[test]
fn settings_default_to_the_custodian_user_split() {
    let s = settings("{}").unwrap();
    assert_eq!(s, TenantSettings::default());
    assert_eq!(s.sod_rules, SodRule::default_rules());
    assert!(s.mfa_actions.is_empty() && s.quorum_rules.is_empty());
    assert!(s.check().is_ok());
    let back: TenantSettings = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
    assert_eq!(back, s);
}

#[test]
fn quorum_rules_name_only_actions_that_enforce_them() {
    for action in [
        "key:encrypt",
        "key:create",
        "token:create",
        "sys:backup",
        "approval:decide",
    ] {
        let text = format!(r#"{{"quorum_rules": [{{"actions": ["{action}"], "required": 1}}]}}"#);
        assert!(settings(&text).unwrap().check().is_err(), "{action}");
    }
    let ok = r#"{"quorum_rules": [{"actions": ["key:revoke", "key:rotate"], "required": 1}]}"#;
    settings(ok).unwrap().check().unwrap();
    let access = r#"{"quorum_rules": [{"actions": ["policy:write", "role:write",
        "principal:write", "tenant:write"], "required": 1}]}"#;
    settings(access).unwrap().check().unwrap();
}

#[test]
fn settings_parse_quorums_with_a_default_ttl() {
    let s = settings(
        r#"{"mfa_actions": ["key:export"], "sod_rules": [],
            "quorum_rules": [{"actions": ["key:schedule-destroy", "key:export"], "required": 2}]}"#,
    )
    .unwrap();
    s.check().unwrap();
    let rule = s.quorum_for(Action::KeyExport).unwrap();
    assert_eq!((rule.required, rule.ttl_secs), (2, 86_400));
    assert!(s.quorum_for(Action::KeyEncrypt).is_none());
    assert!(s.mfa_required_for(Action::KeyExport));
    assert!(!s.mfa_required_for(Action::KeyEncrypt));
    assert!(s.sod_rules.is_empty());
}

#[test]
fn settings_refuse_unknown_fields_and_actions() {
    for bad in [
        r#"{"quorum_rule": []}"#,
        r#"{"mfa_actions": ["key:fly"]}"#,
        r#"{"quorum_rules": [{"actions": ["key:export"], "required": 1, "ttl": 5}]}"#,
        r#"{"quorum_rules": [{"actions": ["key:export"]}]}"#,
        r#"{"quorum_rules": [{"actions": ["key:export"], "required": 256}]}"#,
    ] {
        assert!(settings(bad).is_err(), "{bad}");
    }
}

#[test]
fn bad_settings_are_refused_with_the_field() {
    let cases = [
        (
            r#"{"quorum_rules": [{"actions": ["key:export"], "required": 0}]}"#,
            "quorum_rules.required",
        ),
        (
            r#"{"quorum_rules": [{"actions": ["key:export"], "required": 1, "ttl_secs": 0}]}"#,
            "quorum_rules.ttl_secs",
        ),
        (
            r#"{"quorum_rules": [{"actions": [], "required": 1}]}"#,
            "quorum_rules.actions",
        ),
        (
            r#"{"quorum_rules": [{"actions": ["key:export"], "required": 1},
                                {"actions": ["sys:restore", "key:export"], "required": 2}]}"#,
            "quorum_rules.actions",
        ),
        (
            r#"{"quorum_rules": [{"actions": ["key:export", "key:export"], "required": 1}]}"#,
            "quorum_rules.actions",
        ),
        (
            r#"{"sod_rules": [{"a": "auditor", "b": "auditor"}]}"#,
            "sod_rules",
        ),
        (
            r#"{"sod_rules": [{"a": "auditor", "b": "no good"}]}"#,
            "role",
        ),
        (
            r#"{"default_rotation_period_secs": 0}"#,
            "default_rotation_period_secs",
        ),
        (
            r#"{"default_cryptoperiod": {"originator_usage_secs": 60}}"#,
            "originator_usage_period_secs",
        ),
        (
            r#"{"default_cryptoperiod": {"originator_usage_secs": 86400,
                "recipient_usage_secs": 3600}}"#,
            "recipient_usage_period_secs",
        ),
        (r#"{"unused_key_days": 0}"#, "unused_key_days"),
        (
            r#"{"unused_key_warning_days": 7}"#,
            "unused_key_warning_days",
        ),
        (
            r#"{"unused_key_days": 30, "unused_key_warning_days": 31}"#,
            "unused_key_warning_days",
        ),
    ];
    for (json, field) in cases {
        let err = settings(json).unwrap().check().unwrap_err();
        assert_eq!(field_of(err), field, "{json}");
    }
}

#[test]
fn cryptoperiod_and_unused_key_settings_in_bounds_pass() {
    let ok = r#"{"default_cryptoperiod": {"originator_usage_secs": 86400,
                 "recipient_usage_secs": 86400},
                 "unused_key_days": 30, "unused_key_warning_days": 30}"#;
    settings(ok).unwrap().check().unwrap();
    let typo = r#"{"default_cryptoperiod": {"originator_usage": 86400}}"#;
    assert!(settings(typo).is_err(), "an unknown field is refused");
}

#[test]
fn approval_records_round_trip_through_json() {
    let requester = PrincipalId::from_uuid(Uuid::from_u128(9));
    let a = ApprovalRecord {
        id: ApprovalId::from_uuid(Uuid::from_u128(8)),
        tenant: TenantId::from_uuid(Uuid::from_u128(2)),
        approval: Approval::new(
            Action::KeyExport,
            requester,
            Quorum::new(1, 1).unwrap(),
            t(0),
            60,
        ),
        resource: "key/orders".into(),
        request: serde_json::json!({"wrapping": "rsa-oaep"}),
        executed_result: None,
    };
    let back: ApprovalRecord = serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
    assert_eq!(back, a);
    assert_eq!(back.approval.state, ApprovalState::Pending);
}
