use std::collections::BTreeMap;

use super::*;
use crate::time::Timestamp;

fn facts() -> RequestFacts<'static> {
    RequestFacts {
        source: Some("10.0.0.5".parse().unwrap()),
        now: Timestamp::parse_rfc3339("2026-11-23T12:00:00Z").unwrap(),
        mfa: false,
        token_age_secs: Some(10),
        context: None,
    }
}

fn spec(json: &str) -> StatementSpec {
    serde_json::from_str(json).unwrap()
}

/// What each built-in role may do, written out independently of the code.
const EXPECTED: &[(BuiltinRole, &[&str])] = &[
    (
        BuiltinRole::KeyCustodian,
        &[
            "key:create",
            "key:import",
            "key:list",
            "key:read",
            "key:update",
            "key:rotate",
            "key:activate",
            "key:deactivate",
            "key:suspend",
            "key:resume",
            "key:revoke",
            "key:schedule-destroy",
            "key:cancel-destroy",
            "key:archive",
            "key:recover",
            "key:export",
            "audit:append",
        ],
    ),
    (
        BuiltinRole::KeyUser,
        &[
            "key:list",
            "key:read",
            "key:encrypt",
            "key:decrypt",
            "key:reencrypt",
            "key:generate-data-key",
            "key:sign",
            "key:verify",
            "key:mac",
            "key:mac-verify",
            "key:encapsulate",
            "key:decapsulate",
            "random:generate",
            "hash:compute",
            "audit:append",
        ],
    ),
    (BuiltinRole::Approver, &["approval:read", "approval:decide"]),
    (
        BuiltinRole::Auditor,
        &["audit:read", "audit:verify", "report:read"],
    ),
];

#[test]
fn permission_matrix_of_the_built_in_roles() {
    let tags = BTreeMap::new();
    let key = Some(KeyFacts {
        name: "payments",
        tags: &tags,
    });
    for role in BuiltinRole::ALL {
        let policy = role.policy();
        for action in Action::ALL {
            let want = match role {
                BuiltinRole::Admin => action.wildcard_grants(),
                other => EXPECTED
                    .iter()
                    .find(|(r, _)| *r == other)
                    .is_some_and(|(_, list)| list.contains(&action.as_str())),
            };
            let got = policy.evaluate(*action, key, &facts()).is_ok();
            assert_eq!(got, want, "{role} x {action}");
        }
    }
}

#[test]
fn custodians_never_use_keys_and_users_never_manage_them() {
    let uses = [
        Action::KeyEncrypt,
        Action::KeyDecrypt,
        Action::KeySign,
        Action::KeyMac,
    ];
    let manages = [
        Action::KeyCreate,
        Action::KeyRotate,
        Action::KeyScheduleDestroy,
        Action::KeyExport,
    ];
    for a in uses {
        assert!(!BuiltinRole::KeyCustodian.actions().contains(a), "{a}");
    }
    for a in manages {
        assert!(!BuiltinRole::KeyUser.actions().contains(a), "{a}");
    }
}

#[test]
fn default_deny_and_explicit_deny_wins() {
    let empty = PolicySet::default();
    assert_eq!(
        empty.evaluate(Action::KeyEncrypt, None, &facts()),
        Err(Denial::NoAllow)
    );
    let set = PolicySet::compile(&[
        spec(r#"{"effect":"allow","actions":["key:*"],"resources":["*"]}"#),
        spec(r#"{"effect":"deny","actions":["key:decrypt"],"resources":["key/hr-*"]}"#),
    ])
    .unwrap();
    let tags = BTreeMap::new();
    let hr = Some(KeyFacts {
        name: "hr-salaries",
        tags: &tags,
    });
    let pay = Some(KeyFacts {
        name: "payments",
        tags: &tags,
    });
    assert_eq!(
        set.evaluate(Action::KeyDecrypt, hr, &facts()),
        Err(Denial::ExplicitDeny { statement: 1 })
    );
    assert!(set.evaluate(Action::KeyEncrypt, hr, &facts()).is_ok());
    assert!(set.evaluate(Action::KeyDecrypt, pay, &facts()).is_ok());
    assert_eq!(
        set.evaluate(Action::AuditRead, None, &facts()),
        Err(Denial::NoAllow)
    );
    // Order does not matter: a deny first still wins.
    let reversed = PolicySet::compile(&[
        spec(r#"{"effect":"deny","actions":["key:decrypt"],"resources":["key/hr-*"]}"#),
        spec(r#"{"effect":"allow","actions":["*"],"resources":["*"]}"#),
    ])
    .unwrap();
    assert!(reversed.evaluate(Action::KeyDecrypt, hr, &facts()).is_err());
}

#[test]
fn conditions_and_tags_narrow_an_allow() {
    let set = PolicySet::compile(&[spec(
        r#"{"effect":"allow","actions":["key:decrypt"],"resources":["tag/team=pay"],
            "conditions":{"source_cidrs":["10.0.0.0/8"],"mfa_required":true}}"#,
    )])
    .unwrap();
    let tags = BTreeMap::from([("team".to_owned(), "pay".to_owned())]);
    let key = Some(KeyFacts {
        name: "k",
        tags: &tags,
    });
    let mut f = facts();
    assert_eq!(
        set.evaluate(Action::KeyDecrypt, key, &f),
        Err(Denial::NoAllow),
        "no MFA"
    );
    f.mfa = true;
    assert!(set.evaluate(Action::KeyDecrypt, key, &f).is_ok());
    f.source = Some("192.0.2.1".parse().unwrap());
    assert!(set.evaluate(Action::KeyDecrypt, key, &f).is_err());
    let other = BTreeMap::new();
    f.source = Some("10.0.0.1".parse().unwrap());
    assert!(
        set.evaluate(
            Action::KeyDecrypt,
            Some(KeyFacts {
                name: "k",
                tags: &other
            }),
            &f
        )
        .is_err()
    );
}

#[test]
fn malformed_statements_are_refused() {
    let bad = [
        r#"{"effect":"allow","actions":[],"resources":["*"]}"#,
        r#"{"effect":"allow","actions":["key:fly"],"resources":["*"]}"#,
        r#"{"effect":"allow","actions":["key:encrypt"],"resources":[]}"#,
        r#"{"effect":"allow","actions":["key:encrypt"],"resources":["bucket/x"]}"#,
        r#"{"effect":"allow","actions":["key:encrypt"],"resources":["*"],
            "conditions":{"time_window":{"start_minute":5,"end_minute":5}}}"#,
    ];
    for json in bad {
        assert!(Statement::compile(&spec(json)).is_err(), "{json}");
    }
    for json in [
        r#"{"effect":"maybe","actions":["*"],"resources":["*"]}"#,
        r#"{"effect":"allow","action":["*"],"resources":["*"]}"#,
    ] {
        assert!(
            serde_json::from_str::<StatementSpec>(json).is_err(),
            "{json}"
        );
    }
}

#[test]
fn a_hundred_statements_evaluate() {
    let specs: Vec<StatementSpec> = (0..100)
        .map(|i| {
            spec(&format!(
                r#"{{"effect":"allow","actions":["key:encrypt"],"resources":["key/app-{i}-*"]}}"#
            ))
        })
        .collect();
    let set = PolicySet::compile(&specs).unwrap();
    assert_eq!(set.len(), 100);
    let tags = BTreeMap::new();
    let hit = Some(KeyFacts {
        name: "app-99-db",
        tags: &tags,
    });
    let miss = Some(KeyFacts {
        name: "app-100-db",
        tags: &tags,
    });
    assert!(set.evaluate(Action::KeyEncrypt, hit, &facts()).is_ok());
    assert!(set.evaluate(Action::KeyEncrypt, miss, &facts()).is_err());
}

#[test]
fn separation_of_duties() {
    let rules = SodRule::default_rules();
    assert!(check_separation(&["key-custodian", "auditor"], &rules).is_ok());
    assert_eq!(
        check_separation(&["key-user", "key-custodian"], &rules),
        Err(("key-custodian", "key-user"))
    );
    assert!("key-custodian".parse::<BuiltinRole>().is_ok());
    assert!("root".parse::<BuiltinRole>().is_err());
}
