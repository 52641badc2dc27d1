//! Authentication and authorization through the real operations service:
//! a dev-unsealed server over a temporary SQLite store, principals, tokens
//! and policies written to the store, requests through `perform_blocking`.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;

use keyhold_api::ErrorCode;
use keyhold_api::b64::SecretBase64;
use keyhold_api::keys::{CreateKeyRequest, EncryptRequest};
use keyhold_core::audit::Interface;
use keyhold_core::policy::StatementSpec;
use keyhold_core::{
    Action, Algorithm, KeyRef, PolicyId, PolicyRecord, Principal, PrincipalId, PrincipalKind,
    RoleName, TenantSettings, TokenId, TokenRecord,
};
use keyhold_crypto::SecretBytes;
use keyhold_crypto::totp::TotpSecret;
use keyhold_store::{Store, TxError};
use zeroize::Zeroizing;

use crate::auth::TokenHash;
use crate::error::ServerError;
use crate::ops::{Credentials, Operations, Proof};

const ROOT: &str = "root-token";

struct Server {
    ops: Operations,
    store: Store,
    _dir: tempfile::TempDir,
}

fn server() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(&dir.path().join("keyhold.db")).unwrap();
    let crypto = keyhold_crypto::software();
    let vault = Arc::new(crate::vault::Vault::load(store.clone(), crypto).unwrap());
    let clock: Arc<dyn keyhold_core::ports::Clock> = Arc::new(crate::clock::SystemClock);
    vault
        .start_dev(dir.path(), Some(ROOT), clock.now())
        .unwrap();
    let ops = Operations::new(store.clone(), crypto, vault, clock);
    Server {
        ops,
        store,
        _dir: dir,
    }
}

fn creds(token: &str) -> Credentials {
    Credentials {
        request_id: keyhold_core::RequestId::from_uuid(uuid::Uuid::new_v4()),
        interface: Interface::Rest,
        source: Some("10.1.2.3".parse().unwrap()),
        proof: Proof::Bearer(Zeroizing::new(token.to_owned())),
        tenant: None,
        mfa: None,
        approval: None,
    }
}

fn code<T: std::fmt::Debug>(r: Result<T, ServerError>) -> ErrorCode {
    r.unwrap_err().public().0
}

impl Server {
    fn write(
        &self,
        f: impl FnOnce(&mut dyn keyhold_store::WriteTx) -> Result<(), keyhold_store::StoreError>,
    ) {
        self.store
            .write(|tx| f(tx).map_err(TxError::<ServerError>::Store))
            .unwrap();
    }

    fn create_key(&self, name: &str) {
        let req = CreateKeyRequest::new(name.parse().unwrap(), Algorithm::Aes256Gcm);
        self.ops
            .perform_blocking(creds(ROOT), Action::KeyCreate, |ops, c| {
                ops.create_key(c, req)
            })
            .unwrap();
    }

    /// A principal of the default tenant with these built-in roles and
    /// policies, and a token for it.
    fn principal(&self, name: &str, roles: &[&str], policies: &[&str], token: TokenSpec) -> String {
        let tenant = self.default_tenant();
        let now = self.ops.now();
        let p = Principal {
            id: PrincipalId::from_uuid(uuid::Uuid::new_v4()),
            tenant,
            name: name.parse().unwrap(),
            kind: PrincipalKind::Service,
            description: String::new(),
            roles: roles
                .iter()
                .map(|r| r.parse::<RoleName>().unwrap())
                .collect(),
            policies: policies.iter().map(|p| p.parse().unwrap()).collect(),
            global_admin: false,
            disabled: false,
            created_at: now,
            updated_at: now,
        };
        let text = format!("kht_{name}_{}", uuid::Uuid::new_v4());
        let record = TokenRecord {
            id: TokenId::from_uuid(uuid::Uuid::new_v4()),
            tenant,
            principal: p.id,
            hash: *TokenHash::of(&text).as_bytes(),
            description: String::new(),
            created_at: token.created.unwrap_or(now),
            expires_at: token.expires,
            source_cidrs: token.cidrs,
            revoked_at: token.revoked,
        };
        self.write(|tx| {
            tx.principal_insert(&p)?;
            tx.token_insert(&record)
        });
        text
    }

    fn policy(&self, name: &str, statements: serde_json::Value) {
        let statements: Vec<StatementSpec> = serde_json::from_value(statements).unwrap();
        let now = self.ops.now();
        let record = PolicyRecord {
            id: PolicyId::from_uuid(uuid::Uuid::new_v4()),
            tenant: self.default_tenant(),
            name: name.parse().unwrap(),
            description: String::new(),
            statements,
            created_at: now,
            updated_at: now,
        };
        self.write(|tx| tx.policy_insert(&record));
        self.ops.access_generation.bump();
    }

    fn default_tenant(&self) -> keyhold_core::TenantId {
        self.ops.default_tenant().unwrap().id
    }

    fn encrypt(&self, c: Credentials, key: &str) -> Result<(), ServerError> {
        let key: KeyRef = key.parse().unwrap();
        let req = EncryptRequest {
            plaintext: SecretBase64(b"data".to_vec()),
            context: BTreeMap::new(),
        };
        self.ops
            .perform_blocking(c, Action::KeyEncrypt, move |ops, caller| {
                ops.encrypt(caller, &key, req)
            })
            .map(drop)
    }
}

#[derive(Default)]
struct TokenSpec {
    created: Option<keyhold_core::Timestamp>,
    expires: Option<keyhold_core::Timestamp>,
    revoked: Option<keyhold_core::Timestamp>,
    cidrs: Vec<ipnet::IpNet>,
}

#[test]
fn roles_decide_and_separate_duties() {
    let s = server();
    s.create_key("orders");
    let user = s.principal("app", &["key-user"], &[], TokenSpec::default());
    let custodian = s.principal("ops", &["key-custodian"], &[], TokenSpec::default());
    s.encrypt(creds(&user), "orders").unwrap();
    assert_eq!(
        code(s.encrypt(creds(&custodian), "orders")),
        ErrorCode::PermissionDenied
    );
    let req = CreateKeyRequest::new("more".parse().unwrap(), Algorithm::Aes256Gcm);
    let r2 = req.clone();
    let by_user = s
        .ops
        .perform_blocking(creds(&user), Action::KeyCreate, |ops, c| {
            ops.create_key(c, req)
        });
    assert_eq!(code(by_user), ErrorCode::PermissionDenied);
    s.ops
        .perform_blocking(creds(&custodian), Action::KeyCreate, |ops, c| {
            ops.create_key(c, r2)
        })
        .unwrap();
    // A refused request changed nothing and was recorded as denied, with
    // the principal.
    let events = s
        .store
        .read(|tx| {
            Ok::<_, TxError<ServerError>>(
                tx.audit_events(&keyhold_store::AuditQuery::after(0, 1000))?,
            )
        })
        .unwrap();
    let denied: Vec<_> = events
        .iter()
        .filter(|e| e.record.outcome.code() == Some("permission_denied"))
        .collect();
    assert_eq!(denied.len(), 2);
    assert!(denied.iter().all(|e| e.record.principal.is_some()));
    // The refused encryption names the key it was refused on.
    assert!(denied.iter().any(|e| e.record.key.is_some()));
}

#[test]
fn an_explicit_deny_wins_and_conditions_hold() {
    let s = server();
    for k in ["open", "secret-a"] {
        s.create_key(k);
    }
    s.policy(
        "mixed",
        serde_json::json!([
            {"effect": "allow", "actions": ["key:*"], "resources": ["*"]},
            {"effect": "deny", "actions": ["key:encrypt"], "resources": ["key/secret-*"]},
        ]),
    );
    let t = s.principal("mixed-user", &[], &["mixed"], TokenSpec::default());
    s.encrypt(creds(&t), "open").unwrap();
    assert_eq!(
        code(s.encrypt(creds(&t), "secret-a")),
        ErrorCode::PermissionDenied
    );

    s.policy(
        "office",
        serde_json::json!([
            {"effect": "allow", "actions": ["key:encrypt"], "resources": ["*"],
             "conditions": {"source_cidrs": ["192.168.0.0/16"]}},
        ]),
    );
    let o = s.principal("office-user", &[], &["office"], TokenSpec::default());
    assert_eq!(
        code(s.encrypt(creds(&o), "open")),
        ErrorCode::PermissionDenied
    );
    let mut inside = creds(&o);
    inside.source = Some("192.168.1.1".parse::<IpAddr>().unwrap());
    s.encrypt(inside, "open").unwrap();
}

#[test]
fn expired_revoked_and_network_bound_tokens() {
    let s = server();
    s.create_key("orders");
    let now = s.ops.now();
    let expired = s.principal(
        "late",
        &["key-user"],
        &[],
        TokenSpec {
            expires: Some(now.plus_seconds(-1)),
            ..TokenSpec::default()
        },
    );
    let revoked = s.principal(
        "gone",
        &["key-user"],
        &[],
        TokenSpec {
            revoked: Some(now),
            ..TokenSpec::default()
        },
    );
    let bound = s.principal(
        "bound",
        &["key-user"],
        &[],
        TokenSpec {
            cidrs: vec!["10.1.0.0/16".parse().unwrap()],
            ..TokenSpec::default()
        },
    );
    for t in [&expired, &revoked] {
        assert_eq!(
            code(s.encrypt(creds(t), "orders")),
            ErrorCode::Unauthenticated
        );
    }
    s.encrypt(creds(&bound), "orders").unwrap();
    let mut elsewhere = creds(&bound);
    elsewhere.source = Some("10.2.0.1".parse().unwrap());
    assert_eq!(
        code(s.encrypt(elsewhere, "orders")),
        ErrorCode::Unauthenticated
    );
    assert_eq!(
        code(s.encrypt(creds("kht_nobody"), "orders")),
        ErrorCode::Unauthenticated
    );
}

/// RFC 4648 base32 (no padding), for the secret in an otpauth URL.
fn base32(text: &str) -> Vec<u8> {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut bits, mut value, mut out) = (0u32, 0u32, Vec::new());
    for c in text.bytes().filter(|c| *c != b'=') {
        let v = alphabet.iter().position(|a| *a == c).unwrap() as u32;
        value = (value << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((value >> bits) as u8);
            value &= (1 << bits) - 1;
        }
    }
    out
}

/// Starts `token`'s principal's TOTP enrollment: its secret.
fn enroll(s: &Server, token: &str) -> TotpSecret {
    let enrolled = s
        .ops
        .perform_blocking(creds(token), Action::MfaEnroll, |ops, c| ops.mfa_enroll(c))
        .unwrap();
    let secret_b32 = enrolled
        .otpauth_url
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("secret="))
        .unwrap()
        .to_owned();
    TotpSecret::from_secret(SecretBytes::new(base32(&secret_b32))).unwrap()
}

#[test]
fn a_totp_secret_survives_a_kek_rotation() {
    let s = server();
    s.create_key("orders");
    let t = s.principal("person", &["key-user"], &[], TokenSpec::default());
    let totp = enroll(&s, &t);
    let now = u64::try_from(s.ops.now().unix_seconds()).unwrap();
    let confirm = keyhold_api::mfa::MfaConfirmRequest {
        code: totp.code_at(now - 30).unwrap(),
    };
    s.ops
        .perform_blocking(creds(&t), Action::MfaEnroll, |ops, c| {
            ops.mfa_confirm(c, confirm)
        })
        .unwrap();
    let tenant: keyhold_core::TenantName = "default".parse().unwrap();
    let rotated = s
        .ops
        .perform_blocking(creds(ROOT), Action::SysRotateRoot, move |ops, c| {
            ops.rotate_kek(c, &tenant)
        })
        .unwrap();
    assert_eq!(rotated.mfa_secrets_resealed, 1);
    // The secret, now under the new KEK, still checks a fresh code.
    let settings = TenantSettings {
        mfa_actions: vec![Action::KeyEncrypt],
        ..TenantSettings::default()
    };
    s.write(|tx| tx.tenant_settings_put(s.default_tenant(), &settings));
    s.ops.access_generation.bump();
    let mut good = creds(&t);
    good.mfa = Some(Zeroizing::new(totp.code_at(now).unwrap()));
    s.encrypt(good, "orders").unwrap();
    let mut wrong = creds(&t);
    wrong.mfa = Some(Zeroizing::new("000000".into()));
    assert_eq!(code(s.encrypt(wrong, "orders")), ErrorCode::MfaInvalid);
}

#[test]
fn totp_enrollment_wrong_and_replayed_codes_and_required_mfa() {
    let s = server();
    s.create_key("orders");
    let t = s.principal("person", &["key-user"], &[], TokenSpec::default());
    let totp = enroll(&s, &t);
    let now = u64::try_from(s.ops.now().unix_seconds()).unwrap();
    // An unconfirmed enrollment is no second factor.
    let mut early = creds(&t);
    early.mfa = Some(Zeroizing::new(totp.code_at(now).unwrap()));
    assert_eq!(code(s.encrypt(early, "orders")), ErrorCode::MfaInvalid);
    let confirm = keyhold_api::mfa::MfaConfirmRequest {
        code: totp.code_at(now - 30).unwrap(),
    };
    s.ops
        .perform_blocking(creds(&t), Action::MfaEnroll, |ops, c| {
            ops.mfa_confirm(c, confirm)
        })
        .unwrap();

    let settings = TenantSettings {
        mfa_actions: vec![Action::KeyEncrypt],
        ..TenantSettings::default()
    };
    s.write(|tx| tx.tenant_settings_put(s.default_tenant(), &settings));
    s.ops.access_generation.bump();
    assert_eq!(code(s.encrypt(creds(&t), "orders")), ErrorCode::MfaRequired);
    let mut wrong = creds(&t);
    wrong.mfa = Some(Zeroizing::new("000000".into()));
    assert_eq!(code(s.encrypt(wrong, "orders")), ErrorCode::MfaInvalid);
    let fresh = totp.code_at(now).unwrap();
    let mut good = creds(&t);
    good.mfa = Some(Zeroizing::new(fresh.clone()));
    s.encrypt(good, "orders").unwrap();
    let mut replay = creds(&t);
    replay.mfa = Some(Zeroizing::new(fresh));
    assert_eq!(code(s.encrypt(replay, "orders")), ErrorCode::MfaInvalid);
    // Each refusal at authentication is an audit event of its own.
    let events = s
        .store
        .read(|tx| {
            Ok::<_, TxError<ServerError>>(
                tx.audit_events(&keyhold_store::AuditQuery::after(0, 1000))?,
            )
        })
        .unwrap();
    let denied = |c: &str| {
        events
            .iter()
            .filter(|e| e.record.outcome.code() == Some(c) && e.record.action == Action::KeyEncrypt)
            .count()
    };
    assert_eq!((denied("mfa_invalid"), denied("mfa_required")), (3, 1));
}

#[test]
fn use_compromised_is_granted_only_by_name() {
    let s = server();
    s.policy(
        "all",
        serde_json::json!([{"effect": "allow", "actions": ["*"], "resources": ["*"]}]),
    );
    s.policy(
        "named",
        serde_json::json!([{"effect": "allow", "actions": ["key:use-compromised"], "resources": ["*"]}]),
    );
    let wildcard = s.principal("wild", &[], &["all"], TokenSpec::default());
    let named = s.principal("named", &[], &["all", "named"], TokenSpec::default());
    s.create_key("k");
    let c1 = s
        .ops
        .perform_blocking(creds(&wildcard), Action::KeyEncrypt, |ops, c| {
            let key = ops.find_key(c, &"k".parse().unwrap())?;
            Ok(c.may_use_compromised(&key))
        });
    let c2 = s
        .ops
        .perform_blocking(creds(&named), Action::KeyEncrypt, |ops, c| {
            let key = ops.find_key(c, &"k".parse().unwrap())?;
            Ok(c.may_use_compromised(&key))
        });
    assert!(!c1.unwrap());
    assert!(c2.unwrap());
}

/// A principal with a confirmed TOTP enrollment: its token and a code
/// maker.
fn with_totp(s: &Server, name: &str, roles: &[&str]) -> (String, TotpSecret) {
    let t = s.principal(name, roles, &[], TokenSpec::default());
    let enrolled = s
        .ops
        .perform_blocking(creds(&t), Action::MfaEnroll, |ops, c| ops.mfa_enroll(c))
        .unwrap();
    let b32 = enrolled
        .otpauth_url
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("secret="))
        .unwrap()
        .to_owned();
    let totp = TotpSecret::from_secret(SecretBytes::new(base32(&b32))).unwrap();
    let confirm = keyhold_api::mfa::MfaConfirmRequest {
        code: totp.code_at(unix(s) - 30).unwrap(),
    };
    s.ops
        .perform_blocking(creds(&t), Action::MfaEnroll, |ops, c| {
            ops.mfa_confirm(c, confirm)
        })
        .unwrap();
    (t, totp)
}

fn unix(s: &Server) -> u64 {
    u64::try_from(s.ops.now().unix_seconds()).unwrap()
}

fn mfa_creds(token: &str, totp: &TotpSecret, at: u64) -> Credentials {
    let mut c = creds(token);
    c.mfa = Some(Zeroizing::new(totp.code_at(at).unwrap()));
    c
}

#[test]
fn quorum_approvals_from_request_to_a_single_execution() {
    use keyhold_api::approvals::CreateApprovalRequest;
    use keyhold_api::lifecycle::ScheduleDestroyRequest;
    use keyhold_core::approval::ApprovalState;

    let s = server();
    s.create_key("old");
    let k: KeyRef = "old".parse().unwrap();
    s.ops
        .perform_blocking(creds(ROOT), Action::KeyDeactivate, |ops, c| {
            ops.deactivate_key(c, &k)
        })
        .unwrap();
    let settings: TenantSettings = serde_json::from_value(serde_json::json!({
        "quorum_rules": [{"actions": ["key:schedule-destroy"], "required": 2, "ttl_secs": 3600}]
    }))
    .unwrap();
    s.write(|tx| tx.tenant_settings_put(s.default_tenant(), &settings));
    s.ops.access_generation.bump();
    // The requester is an approver too: it still never counts.
    let (custodian, c_totp) = with_totp(&s, "custodian", &["key-custodian", "approver"]);
    let (a1, a1_totp) = with_totp(&s, "approver-1", &["approver"]);
    let (a2, a2_totp) = with_totp(&s, "approver-2", &["approver"]);
    let now = unix(&s);

    let destroy = |c: Credentials, days: Option<u32>| {
        let k = k.clone();
        let req = ScheduleDestroyRequest {
            waiting_period_days: days,
        };
        s.ops
            .perform_blocking(c, Action::KeyScheduleDestroy, move |ops, caller| {
                ops.schedule_key_destroy(caller, &k, req)
            })
    };
    // Without an approval: refused, nothing changed.
    assert_eq!(
        code(destroy(creds(&custodian), Some(30))),
        ErrorCode::ApprovalRequired
    );
    let ask = CreateApprovalRequest {
        action: Action::KeyScheduleDestroy,
        key: Some("old".into()),
        body: serde_json::json!({"waiting_period_days": 30}),
        change: None,
        target: None,
    };
    let pending = s
        .ops
        .perform_blocking(creds(&custodian), Action::ApprovalRequest, |ops, c| {
            ops.request_approval(c, ask)
        })
        .unwrap();
    assert_eq!(
        (pending.state, pending.required),
        (ApprovalState::Pending, 2)
    );
    let vote = |c: Credentials, approve: bool| {
        let id = pending.id;
        s.ops
            .perform_blocking(c, Action::ApprovalDecide, move |ops, caller| {
                ops.decide_approval(caller, id, approve)
            })
    };
    // The requester never counts; votes need MFA; a repeat is ignored.
    assert_eq!(
        code(vote(mfa_creds(&custodian, &c_totp, now), true)),
        ErrorCode::ApprovalOwnRequest
    );
    assert_eq!(code(vote(creds(&a1), true)), ErrorCode::MfaRequired);
    assert_eq!(
        vote(mfa_creds(&a1, &a1_totp, now), true)
            .unwrap()
            .approvers
            .len(),
        1
    );
    let again = vote(mfa_creds(&a1, &a1_totp, now + 30), true).unwrap();
    assert_eq!(
        (again.approvers.len(), again.state),
        (1, ApprovalState::Pending)
    );
    let mut early = creds(&custodian);
    early.approval = Some(pending.id);
    assert_eq!(code(destroy(early, Some(30))), ErrorCode::ApprovalNotUsable);
    let done = vote(mfa_creds(&a2, &a2_totp, now), true).unwrap();
    assert_eq!(done.state, ApprovalState::Approved);

    // Only the very request approved, by its requester, once.
    let with = |token: &str| {
        let mut c = creds(token);
        c.approval = Some(pending.id);
        c
    };
    assert_eq!(
        code(destroy(with(&custodian), Some(60))),
        ErrorCode::ApprovalNotUsable
    );
    assert_eq!(
        code(destroy(with(&a1), Some(30))),
        ErrorCode::PermissionDenied
    );
    let scheduled = destroy(with(&custodian), Some(30)).unwrap();
    assert!(scheduled.destroy_scheduled_at.is_some());
    assert_eq!(
        code(destroy(with(&custodian), Some(30))),
        ErrorCode::ApprovalNotUsable
    );
    let used = s
        .ops
        .perform_blocking(creds(&a1), Action::ApprovalRead, |ops, c| {
            ops.approval(c, pending.id)
        })
        .unwrap();
    assert_eq!(used.state, ApprovalState::Executed);
}

#[test]
fn denied_expired_and_unreachable_quorums() {
    use keyhold_api::approvals::CreateApprovalRequest;
    use keyhold_core::approval::ApprovalState;

    let s = server();
    s.create_key("k");
    let settings: TenantSettings = serde_json::from_value(serde_json::json!({
        "quorum_rules": [
            {"actions": ["key:rotate"], "required": 1, "ttl_secs": 1},
            {"actions": ["key:archive"], "required": 3}
        ]
    }))
    .unwrap();
    s.write(|tx| tx.tenant_settings_put(s.default_tenant(), &settings));
    s.ops.access_generation.bump();
    let (custodian, _) = with_totp(&s, "custodian", &["key-custodian"]);
    let (a1, a1_totp) = with_totp(&s, "approver-1", &["approver"]);
    let ask = |action| CreateApprovalRequest {
        action,
        key: Some("k".into()),
        body: serde_json::json!({}),
        change: None,
        target: None,
    };
    let request = |req: CreateApprovalRequest| {
        s.ops
            .perform_blocking(creds(&custodian), Action::ApprovalRequest, |ops, c| {
                ops.request_approval(c, req)
            })
    };
    // Three approvals with one eligible approver could never pass.
    assert_eq!(
        code(request(ask(Action::KeyArchive))),
        ErrorCode::ApprovalUnreachable
    );
    // Nothing to approve for an action no rule names.
    assert_eq!(
        code(request(ask(Action::KeySuspend))),
        ErrorCode::ApprovalNotNeeded
    );

    let denied = request(ask(Action::KeyRotate)).unwrap();
    let now = unix(&s);
    let out = s
        .ops
        .perform_blocking(
            mfa_creds(&a1, &a1_totp, now),
            Action::ApprovalDecide,
            |ops, c| ops.decide_approval(c, denied.id, false),
        )
        .unwrap();
    assert_eq!(out.state, ApprovalState::Denied);
    let k: KeyRef = "k".parse().unwrap();
    let mut c = creds(&custodian);
    c.approval = Some(denied.id);
    let rotate = s.ops.perform_blocking(c, Action::KeyRotate, |ops, caller| {
        ops.rotate_key(caller, &k)
    });
    assert_eq!(code(rotate), ErrorCode::ApprovalNotUsable);

    let late = request(ask(Action::KeyRotate)).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let expired = s.ops.perform_blocking(
        mfa_creds(&a1, &a1_totp, now + 30),
        Action::ApprovalDecide,
        |ops, c| ops.decide_approval(c, late.id, true),
    );
    assert_eq!(code(expired), ErrorCode::ApprovalNotUsable);
    let shown = s
        .ops
        .perform_blocking(creds(&a1), Action::ApprovalRead, |ops, c| {
            ops.approval(c, late.id)
        })
        .unwrap();
    assert_eq!(shown.state, ApprovalState::Expired);
}

#[test]
fn credentials_never_print_their_secrets() {
    let mut c = creds("kht_secret-token-text");
    c.mfa = Some(Zeroizing::new("493817".into()));
    let shown = format!("{c:?}");
    assert!(!shown.contains("secret-token-text"), "{shown}");
    assert!(!shown.contains("493817"), "{shown}");
    assert!(shown.contains("<redacted>"));
}

#[test]
fn only_a_global_caller_makes_a_global_admin() {
    use keyhold_api::access::{CreateTenantRequest, UpdatePrincipalRequest};
    let s = server();
    let tenant_admin = s.principal("tenant-admin", &["admin"], &[], TokenSpec::default());
    let ops_token = s.principal("ops", &["admin"], &[], TokenSpec::default());
    let other = CreateTenantRequest {
        name: "other".parse().unwrap(),
    };
    s.ops
        .perform_blocking(creds(ROOT), Action::TenantWrite, |ops, c| {
            ops.create_tenant(c, other)
        })
        .unwrap();
    let in_other = |token: &str| {
        let mut c = creds(token);
        c.tenant = Some("other".parse().unwrap());
        s.ops
            .perform_blocking(c, Action::KeyList, |ops, c| {
                ops.list_keys(c, Default::default())
            })
            .map(drop)
    };
    let grant = |token: &str, global: bool| {
        let req = UpdatePrincipalRequest {
            global_admin: Some(global),
            ..Default::default()
        };
        s.ops
            .perform_blocking(creds(token), Action::PrincipalWrite, |ops, c| {
                ops.update_principal(c, &"ops".parse().unwrap(), req)
            })
            .map(|p| p.global_admin)
    };
    assert_eq!(code(in_other(&ops_token)), ErrorCode::PermissionDenied);
    // A tenant admin cannot widen anyone's reach, its own included.
    assert_eq!(
        code(grant(&tenant_admin, true)),
        ErrorCode::PermissionDenied
    );
    assert_eq!(code(in_other(&ops_token)), ErrorCode::PermissionDenied);
    assert!(grant(ROOT, true).unwrap());
    in_other(&ops_token).unwrap();
    // A global admin may take it away again (its own included).
    assert!(!grant(&ops_token, false).unwrap());
    assert_eq!(code(in_other(&ops_token)), ErrorCode::PermissionDenied);
}

#[test]
fn a_requester_follows_its_own_approval_and_nobody_elses() {
    use keyhold_api::approvals::{CreateApprovalRequest, ListApprovalsQuery};
    let s = server();
    s.create_key("k");
    let settings: TenantSettings = serde_json::from_value(serde_json::json!({
        "quorum_rules": [{"actions": ["key:rotate"], "required": 1, "ttl_secs": 3600}]
    }))
    .unwrap();
    s.write(|tx| tx.tenant_settings_put(s.default_tenant(), &settings));
    s.ops.access_generation.bump();
    with_totp(&s, "approver", &["approver"]);
    // Neither role grants approval:read.
    let custodian = s.principal("custodian", &["key-custodian"], &[], TokenSpec::default());
    let user = s.principal("user", &["key-user"], &[], TokenSpec::default());
    let ask = CreateApprovalRequest {
        action: Action::KeyRotate,
        key: Some("k".into()),
        body: serde_json::json!({}),
        change: None,
        target: None,
    };
    let mine = s
        .ops
        .perform_blocking(creds(&custodian), Action::ApprovalRequest, |ops, c| {
            ops.request_approval(c, ask)
        })
        .unwrap();
    let read = |token: &str, id| {
        s.ops
            .perform_blocking(creds(token), Action::ApprovalRead, move |ops, c| {
                ops.approval(c, id)
            })
    };
    assert_eq!(read(&custodian, mine.id).unwrap().id, mine.id);
    assert_eq!(code(read(&user, mine.id)), ErrorCode::PermissionDenied);
    // An unknown id tells a caller without approval:read nothing either.
    let unknown = keyhold_core::ApprovalId::from_uuid(uuid::Uuid::new_v4());
    assert_eq!(code(read(&user, unknown)), ErrorCode::PermissionDenied);
    assert_eq!(code(read(ROOT, unknown)), ErrorCode::ApprovalNotFound);
    // Listing still needs approval:read.
    let list = s
        .ops
        .perform_blocking(creds(&custodian), Action::ApprovalRead, |ops, c| {
            ops.approvals(c, ListApprovalsQuery::default())
        });
    assert_eq!(code(list), ErrorCode::PermissionDenied);
}

#[test]
fn a_quorum_binds_one_exact_policy_change() {
    use keyhold_api::access::UpdatePolicyRequest;
    use keyhold_api::approvals::{ChangeKind, CreateApprovalRequest};
    use keyhold_core::PolicyName;
    use serde_json::json;

    let s = server();
    s.policy(
        "p",
        json!([{"effect": "allow", "actions": ["key:read"], "resources": ["*"]}]),
    );
    s.policy(
        "q",
        json!([{"effect": "allow", "actions": ["key:read"], "resources": ["*"]}]),
    );
    let settings: TenantSettings = serde_json::from_value(json!({
        "quorum_rules": [{"actions": ["policy:write"], "required": 1, "ttl_secs": 3600}]
    }))
    .unwrap();
    s.write(|tx| tx.tenant_settings_put(s.default_tenant(), &settings));
    s.ops.access_generation.bump();
    let admin = s.principal("alice", &["admin"], &[], TokenSpec::default());
    let (bob, bob_totp) = with_totp(&s, "bob", &["approver"]);
    let body =
        json!({"statements": [{"effect": "deny", "actions": ["key:read"], "resources": ["*"]}]});
    let update = |token: &str, approval, name: &str, body: &serde_json::Value| {
        let mut c = creds(token);
        c.approval = approval;
        let name: PolicyName = name.parse().unwrap();
        let req: UpdatePolicyRequest = serde_json::from_value(body.clone()).unwrap();
        s.ops
            .perform_blocking(c, Action::PolicyWrite, move |ops, c| {
                ops.update_policy(c, &name, req)
            })
            .map(drop)
    };
    let ask = |change, target: &str| CreateApprovalRequest {
        action: Action::PolicyWrite,
        key: None,
        body: body.clone(),
        change,
        target: Some(target.to_owned()).filter(|_| change.is_some()),
    };
    let request = |req: CreateApprovalRequest| {
        s.ops
            .perform_blocking(creds(&admin), Action::ApprovalRequest, |ops, c| {
                ops.request_approval(c, req)
            })
    };
    assert_eq!(
        code(update(&admin, None, "p", &body)),
        ErrorCode::ApprovalRequired
    );
    // An access-management approval names its change, and the right one.
    assert_eq!(code(request(ask(None, "p"))), ErrorCode::InvalidRequest);
    assert_eq!(
        code(request(ask(Some(ChangeKind::RoleUpdate), "p"))),
        ErrorCode::InvalidRequest
    );
    let pending = request(ask(Some(ChangeKind::PolicyUpdate), "p")).unwrap();
    assert_eq!(pending.resource, "policy-update:p");
    let id = pending.id;
    s.ops
        .perform_blocking(
            mfa_creds(&bob, &bob_totp, unix(&s)),
            Action::ApprovalDecide,
            move |ops, c| ops.decide_approval(c, id, true),
        )
        .unwrap();
    // Another target, another body or another change: not this approval.
    let other = json!({"statements": [{"effect": "allow", "actions": ["*"], "resources": ["*"]}]});
    assert_eq!(
        code(update(&admin, Some(id), "q", &body)),
        ErrorCode::ApprovalNotUsable
    );
    assert_eq!(
        code(update(&admin, Some(id), "p", &other)),
        ErrorCode::ApprovalNotUsable
    );
    let mut c = creds(&admin);
    c.approval = Some(id);
    let delete = s.ops.perform_blocking(c, Action::PolicyWrite, |ops, c| {
        ops.delete_policy(c, &"p".parse().unwrap())
    });
    assert_eq!(code(delete), ErrorCode::ApprovalNotUsable);
    // The policy is as it was; the exact change then runs, once.
    let stored = |name: &str| {
        s.ops
            .perform_blocking(creds(ROOT), Action::PolicyRead, |ops, c| {
                ops.policy(c, &name.parse().unwrap())
            })
            .unwrap()
            .statements
    };
    assert_eq!(stored("p"), stored("q"));
    update(&admin, Some(id), "p", &body).unwrap();
    assert_ne!(stored("p"), stored("q"));
    assert_eq!(
        code(update(&admin, Some(id), "p", &body)),
        ErrorCode::ApprovalNotUsable
    );
}

impl Server {
    /// Marks principal `name` of the default tenant a global admin (no API
    /// does that yet).
    fn make_global(&self, name: &str) {
        let tenant = self.default_tenant();
        let name: keyhold_core::PrincipalName = name.parse().unwrap();
        self.write(|tx| {
            let mut p = tx.principal_by_name(tenant, &name)?.unwrap();
            p.global_admin = true;
            tx.principal_update(&p)
        });
        self.ops.access_generation.bump();
    }
}

#[test]
fn backups_are_for_global_callers_and_a_restore_passes_its_quorum() {
    use keyhold_api::approvals::CreateApprovalRequest;

    let s = server();
    s.create_key("kept");
    let backup = |c: Credentials| {
        s.ops
            .perform_blocking(c, Action::SysBackup, |ops, caller| ops.backup(caller))
    };
    let file = backup(creds(ROOT)).unwrap();
    for (name, role) in [("tenant-admin", "admin"), ("user", "key-user")] {
        let t = s.principal(name, &[role], &[], TokenSpec::default());
        assert_eq!(
            code(backup(creds(&t))),
            ErrorCode::PermissionDenied,
            "{role}"
        );
    }
    let check = file.clone();
    let report = s
        .ops
        .perform_blocking(creds(ROOT), Action::SysBackup, move |ops, c| {
            ops.verify_backup(c, &check)
        })
        .unwrap();

    let settings: TenantSettings = serde_json::from_value(serde_json::json!({
        "quorum_rules": [{"actions": ["sys:restore"], "required": 1, "ttl_secs": 3600}]
    }))
    .unwrap();
    s.write(|tx| tx.tenant_settings_put(s.default_tenant(), &settings));
    s.ops.access_generation.bump();
    let (global, _) = with_totp(&s, "global", &["admin"]);
    s.make_global("global");
    let (approver, approver_totp) = with_totp(&s, "approver-1", &["approver"]);
    s.create_key("after-backup");
    let restore = |c: Credentials| {
        let file = file.clone();
        s.ops
            .perform_blocking(c, Action::SysRestore, move |ops, caller| {
                ops.restore(caller, &file)
            })
    };
    assert_eq!(code(restore(creds(&global))), ErrorCode::ApprovalRequired);
    let ask = CreateApprovalRequest {
        action: Action::SysRestore,
        key: None,
        body: serde_json::json!({ "sha256": report.sha256 }),
        change: None,
        target: None,
    };
    let pending = s
        .ops
        .perform_blocking(creds(&global), Action::ApprovalRequest, |ops, c| {
            ops.request_approval(c, ask)
        })
        .unwrap();
    let id = pending.id;
    s.ops
        .perform_blocking(
            mfa_creds(&approver, &approver_totp, unix(&s)),
            Action::ApprovalDecide,
            move |ops, caller| ops.decide_approval(caller, id, true),
        )
        .unwrap();
    let mut approved = creds(&global);
    approved.approval = Some(id);
    let restored = restore(approved).unwrap();
    assert_eq!(restored.sha256, report.sha256);

    // The store is the backup's: the key made after it is gone, and the
    // trail (with the restore's own event) verifies.
    s.create_key("after-backup");
    let again = CreateKeyRequest::new("kept".parse().unwrap(), Algorithm::Aes256Gcm);
    let dup = s
        .ops
        .perform_blocking(creds(ROOT), Action::KeyCreate, |ops, c| {
            ops.create_key(c, again)
        });
    assert_eq!(code(dup), ErrorCode::KeyAlreadyExists);
    let audit = s
        .ops
        .perform_blocking(creds(ROOT), Action::AuditVerify, |ops, c| {
            ops.verify_audit(c)
        })
        .unwrap();
    assert!(audit.ok, "{audit:?}");
}

#[test]
fn root_and_kek_rotations_are_for_global_callers_under_their_quorum() {
    use keyhold_api::approvals::CreateApprovalRequest;

    let s = server();
    let rotate_root = |c: Credentials| {
        s.ops
            .perform_blocking(c, Action::SysRotateRoot, |ops, caller| {
                ops.rotate_root(caller)
            })
    };
    let rotate_kek = |c: Credentials| {
        s.ops
            .perform_blocking(c, Action::SysRotateRoot, |ops, caller| {
                ops.rotate_kek(caller, &"default".parse().unwrap())
            })
    };
    let admin = s.principal("tenant-admin", &["admin"], &[], TokenSpec::default());
    assert_eq!(
        code(rotate_root(creds(&admin))),
        ErrorCode::PermissionDenied
    );
    assert_eq!(code(rotate_kek(creds(&admin))), ErrorCode::PermissionDenied);

    let settings: TenantSettings = serde_json::from_value(serde_json::json!({
        "quorum_rules": [{"actions": ["sys:rotate-root"], "required": 1, "ttl_secs": 3600}]
    }))
    .unwrap();
    s.write(|tx| tx.tenant_settings_put(s.default_tenant(), &settings));
    s.ops.access_generation.bump();
    let (global, _) = with_totp(&s, "global", &["admin"]);
    s.make_global("global");
    let (approver, approver_totp) = with_totp(&s, "approver-1", &["approver"]);
    assert_eq!(
        code(rotate_root(creds(&global))),
        ErrorCode::ApprovalRequired
    );
    assert_eq!(
        code(rotate_kek(creds(&global))),
        ErrorCode::ApprovalRequired
    );
    assert_eq!(
        s.ops.vault().unlocked().unwrap().generation(),
        1,
        "nothing changed"
    );

    let ask = CreateApprovalRequest {
        action: Action::SysRotateRoot,
        key: None,
        body: serde_json::json!({}),
        change: None,
        target: None,
    };
    let pending = s
        .ops
        .perform_blocking(creds(&global), Action::ApprovalRequest, |ops, c| {
            ops.request_approval(c, ask)
        })
        .unwrap();
    let id = pending.id;
    s.ops
        .perform_blocking(
            mfa_creds(&approver, &approver_totp, unix(&s)),
            Action::ApprovalDecide,
            move |ops, caller| ops.decide_approval(caller, id, true),
        )
        .unwrap();
    let mut approved = creds(&global);
    approved.approval = Some(id);
    assert_eq!(rotate_root(approved).unwrap().generation, 2);
    // The root token is not under the tenant's quorum.
    assert_eq!(rotate_kek(creds(ROOT)).unwrap().kek_generation, 2);
}
