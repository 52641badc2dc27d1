//! End to end: access control deciding real requests on a running server.
//! Principals authenticate with their tokens (expired, revoked and
//! network-bound ones refused); roles and policies decide (default deny, an
//! explicit deny wins); tenants are isolated (another tenant's key is "not
//! found"); TOTP step-up MFA refuses wrong and replayed codes; a quorum
//! approval lets one exact request run once; the root token can be revoked.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{Server, code};
use keyhold_api::ErrorCode;
use keyhold_api::access::{
    CreatePolicyRequest, CreatePrincipalRequest, CreateTokenRequest, PageQuery,
};
use keyhold_api::approvals::CreateApprovalRequest;
use keyhold_api::b64::SecretBase64;
use keyhold_api::keys::{CreateKeyRequest, EncryptRequest, ListKeysQuery};
use keyhold_api::lifecycle::ScheduleDestroyRequest;
use keyhold_client::Client;
use keyhold_core::approval::ApprovalState;
use keyhold_core::{Action, Algorithm, KeyRef, TenantName, TenantSettings};
use keyhold_crypto::SecretBytes;
use keyhold_crypto::totp::TotpSecret;
use serde_json::json;

fn name<T: std::str::FromStr>(s: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    s.parse().unwrap()
}

fn enc() -> EncryptRequest {
    EncryptRequest {
        plaintext: SecretBase64(b"hello".to_vec()),
        context: Default::default(),
    }
}

/// A principal with these roles and policies and a token for it, made by
/// `admin` (a root-token client, possibly in another tenant).
async fn principal(
    server: &Server,
    admin: &Client,
    who: &str,
    roles: &[&str],
    policies: &[&str],
) -> Client {
    let mut req = CreatePrincipalRequest::new(name(who));
    req.roles = roles.iter().map(|r| name(r)).collect();
    req.policies = policies.iter().map(|p| name(p)).collect();
    admin.create_principal(&req).await.unwrap();
    let token = admin
        .create_token(&CreateTokenRequest::new(name(who)))
        .await
        .unwrap();
    server.client_with(Some(token.token.expose()))
}

async fn create_key(c: &Client, key: &str) {
    c.create_key(&CreateKeyRequest::new(name(key), Algorithm::Aes256Gcm))
        .await
        .unwrap();
}

#[tokio::test]
async fn roles_and_policies_decide_with_an_explicit_deny_winning() {
    let server = Server::dev();
    let root = server.client();
    create_key(&root, "orders").await;
    create_key(&root, "secret-a").await;
    let user = principal(&server, &root, "app", &["key-user"], &[]).await;
    let custodian = principal(&server, &root, "ops", &["key-custodian"], &[]).await;
    let auditor = principal(&server, &root, "audit", &["auditor"], &[]).await;
    let orders: KeyRef = name("orders");

    user.encrypt(&orders, &enc()).await.unwrap();
    let create = CreateKeyRequest::new(name("by-user"), Algorithm::Aes256Gcm);
    assert_eq!(
        code(user.create_key(&create).await),
        ErrorCode::PermissionDenied
    );
    custodian.create_key(&create).await.unwrap();
    assert_eq!(
        code(custodian.encrypt(&orders, &enc()).await),
        ErrorCode::PermissionDenied
    );
    assert_eq!(
        code(auditor.encrypt(&orders, &enc()).await),
        ErrorCode::PermissionDenied
    );
    let page = auditor
        .audit_events(&keyhold_api::audit::AuditEventsQuery::default())
        .await
        .unwrap();
    assert!(!page.events.is_empty());
    assert_eq!(
        code(user.list_principals(&PageQuery::default()).await),
        ErrorCode::PermissionDenied
    );

    let policy = CreatePolicyRequest {
        name: name("mixed"),
        description: String::new(),
        statements: serde_json::from_value(json!([
            {"effect": "allow", "actions": ["key:encrypt", "key:list"], "resources": ["*"]},
            {"effect": "deny", "actions": ["key:encrypt"], "resources": ["key/secret-*"]},
        ]))
        .unwrap(),
    };
    root.create_policy(&policy).await.unwrap();
    let mixed = principal(&server, &root, "mixed", &[], &["mixed"]).await;
    mixed.encrypt(&orders, &enc()).await.unwrap();
    assert_eq!(
        code(mixed.encrypt(&name("secret-a"), &enc()).await),
        ErrorCode::PermissionDenied
    );
    // A later change of the policy applies at once (caches follow changes).
    let tightened = keyhold_api::access::UpdatePolicyRequest {
        description: String::new(),
        statements: serde_json::from_value(json!([
            {"effect": "deny", "actions": ["key:*"], "resources": ["*"]},
        ]))
        .unwrap(),
    };
    root.update_policy(&name("mixed"), &tightened)
        .await
        .unwrap();
    assert_eq!(
        code(mixed.encrypt(&orders, &enc()).await),
        ErrorCode::PermissionDenied
    );
}

#[tokio::test]
async fn expired_revoked_and_network_bound_tokens_are_refused() {
    let server = Server::dev();
    let root = server.client();
    create_key(&root, "orders").await;
    let mut req = CreatePrincipalRequest::new(name("app"));
    req.roles = [name("key-user")].into();
    root.create_principal(&req).await.unwrap();
    let token = |ttl: Option<u64>, cidrs: &[&str]| {
        let mut t = CreateTokenRequest::new(name("app"));
        t.ttl_secs = ttl;
        t.source_cidrs = cidrs.iter().map(|c| c.parse().unwrap()).collect();
        t
    };
    let orders: KeyRef = name("orders");
    let short = root.create_token(&token(Some(1), &[])).await.unwrap();
    let elsewhere = root
        .create_token(&token(None, &["10.0.0.0/8"]))
        .await
        .unwrap();
    let here = root
        .create_token(&token(None, &["127.0.0.0/8"]))
        .await
        .unwrap();
    let revoked = root.create_token(&token(None, &[])).await.unwrap();
    server
        .client_with(Some(here.token.expose()))
        .encrypt(&orders, &enc())
        .await
        .unwrap();
    let r = server.client_with(Some(elsewhere.token.expose()));
    assert_eq!(
        code(r.encrypt(&orders, &enc()).await),
        ErrorCode::Unauthenticated
    );
    let r = server.client_with(Some(revoked.token.expose()));
    r.encrypt(&orders, &enc()).await.unwrap();
    root.revoke_token(revoked.info.id).await.unwrap();
    assert_eq!(
        code(r.encrypt(&orders, &enc()).await),
        ErrorCode::Unauthenticated
    );
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let r = server.client_with(Some(short.token.expose()));
    assert_eq!(
        code(r.encrypt(&orders, &enc()).await),
        ErrorCode::Unauthenticated
    );
}

#[tokio::test]
async fn tenants_are_isolated() {
    let server = Server::dev();
    let root = server.client();
    create_key(&root, "orders").await;
    let info = root.key(&name("orders")).await.unwrap();
    let beta: TenantName = name("beta");
    root.create_tenant(&beta).await.unwrap();
    let root_beta = root.in_tenant("beta");
    let admin_b = principal(&server, &root_beta, "beta-admin", &["admin"], &[]).await;
    // The default tenant's key does not exist for tenant beta, by id or name.
    assert_eq!(
        code(admin_b.key(&KeyRef::Id(info.id)).await),
        ErrorCode::KeyNotFound
    );
    assert_eq!(
        code(admin_b.key(&name("orders")).await),
        ErrorCode::KeyNotFound
    );
    assert_eq!(
        code(admin_b.encrypt(&KeyRef::Id(info.id), &enc()).await),
        ErrorCode::KeyNotFound
    );
    let page = admin_b.list_keys(&ListKeysQuery::default()).await.unwrap();
    assert!(page.keys.is_empty());
    // A key of the same name in beta is beta's own.
    create_key(&admin_b, "orders").await;
    let theirs = admin_b.key(&name("orders")).await.unwrap();
    assert_ne!(theirs.id, info.id);
    // A principal cannot step into another tenant.
    assert_eq!(
        code(
            admin_b
                .in_tenant("default")
                .list_keys(&ListKeysQuery::default())
                .await
        ),
        ErrorCode::PermissionDenied
    );
    // A tenant's admin manages its own tenant only: no other tenant's
    // settings, no new tenants, no list of tenants.
    admin_b.tenant_settings(&beta).await.unwrap();
    assert_eq!(
        code(admin_b.tenant_settings(&name("default")).await),
        ErrorCode::PermissionDenied
    );
    assert_eq!(
        code(
            admin_b
                .set_tenant_settings(&name("default"), &TenantSettings::default())
                .await
        ),
        ErrorCode::PermissionDenied
    );
    assert_eq!(
        code(admin_b.create_tenant(&name("gamma")).await),
        ErrorCode::PermissionDenied
    );
    assert_eq!(
        code(admin_b.list_tenants().await),
        ErrorCode::PermissionDenied
    );
    // Principals are per tenant too.
    let names: Vec<String> = root
        .list_principals(&PageQuery::default())
        .await
        .unwrap()
        .principals
        .iter()
        .map(|p| p.name.to_string())
        .collect();
    assert!(!names.contains(&"beta-admin".to_owned()));
    assert_eq!(
        code(
            root_beta
                .in_tenant("nope")
                .list_keys(&ListKeysQuery::default())
                .await
        ),
        ErrorCode::TenantNotFound
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

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Enrolls and confirms `c`'s TOTP; returns the code maker.
async fn enroll(c: &Client) -> TotpSecret {
    let e = c.mfa_enroll().await.unwrap();
    let b32 = e
        .otpauth_url
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("secret="))
        .unwrap()
        .to_owned();
    let totp = TotpSecret::from_secret(SecretBytes::new(base32(&b32))).unwrap();
    let confirmed = c
        .mfa_confirm(&totp.code_at(now() - 30).unwrap())
        .await
        .unwrap();
    assert!(confirmed.confirmed);
    totp
}

#[tokio::test]
async fn step_up_mfa_refuses_missing_wrong_and_replayed_codes() {
    let server = Server::dev();
    let root = server.client();
    create_key(&root, "orders").await;
    let user = principal(&server, &root, "person", &["key-user"], &[]).await;
    let totp = enroll(&user).await;
    let settings = TenantSettings {
        mfa_actions: vec![Action::KeyEncrypt],
        ..TenantSettings::default()
    };
    root.set_tenant_settings(&name("default"), &settings)
        .await
        .unwrap();
    let orders: KeyRef = name("orders");
    assert_eq!(
        code(user.encrypt(&orders, &enc()).await),
        ErrorCode::MfaRequired
    );
    assert_eq!(
        code(user.with_mfa("123456").encrypt(&orders, &enc()).await),
        ErrorCode::MfaInvalid
    );
    let fresh = totp.code_at(now()).unwrap();
    user.with_mfa(&fresh)
        .encrypt(&orders, &enc())
        .await
        .unwrap();
    assert_eq!(
        code(user.with_mfa(&fresh).encrypt(&orders, &enc()).await),
        ErrorCode::MfaInvalid
    );
    // Other actions need no code.
    user.key(&orders).await.unwrap();
}

#[tokio::test]
async fn a_quorum_approval_lets_one_exact_request_run_once() {
    let server = Server::dev();
    let root = server.client();
    create_key(&root, "old").await;
    root.deactivate_key(&name("old")).await.unwrap();
    let custodian = principal(&server, &root, "custodian", &["key-custodian"], &[]).await;
    let approver = principal(&server, &root, "approver", &["approver"], &[]).await;
    let totp = enroll(&approver).await;
    let settings: TenantSettings = serde_json::from_value(json!({
        "quorum_rules": [{"actions": ["key:schedule-destroy"], "required": 1}]
    }))
    .unwrap();
    root.set_tenant_settings(&name("default"), &settings)
        .await
        .unwrap();
    let old: KeyRef = name("old");
    let req = ScheduleDestroyRequest {
        waiting_period_days: Some(30),
    };
    assert_eq!(
        code(custodian.schedule_key_destroy(&old, &req).await),
        ErrorCode::ApprovalRequired
    );
    let asked = custodian
        .request_approval(&CreateApprovalRequest {
            action: Action::KeyScheduleDestroy,
            key: Some("old".into()),
            body: json!({"waiting_period_days": 30}),
            change: None,
            target: None,
        })
        .await
        .unwrap();
    assert_eq!(asked.state, ApprovalState::Pending);
    assert_eq!(
        code(approver.approve(asked.id).await),
        ErrorCode::MfaRequired
    );
    let done = approver
        .with_mfa(&totp.code_at(now()).unwrap())
        .approve(asked.id)
        .await
        .unwrap();
    assert_eq!(done.state, ApprovalState::Approved);
    let with = custodian.with_approval(asked.id);
    let other = ScheduleDestroyRequest {
        waiting_period_days: Some(60),
    };
    assert_eq!(
        code(with.schedule_key_destroy(&old, &other).await),
        ErrorCode::ApprovalNotUsable
    );
    let info = with.schedule_key_destroy(&old, &req).await.unwrap();
    assert!(info.destroy_scheduled_at.is_some());
    assert_eq!(
        code(with.schedule_key_destroy(&old, &req).await),
        ErrorCode::ApprovalNotUsable
    );
    let shown = approver.approval(asked.id).await.unwrap();
    assert_eq!(shown.state, ApprovalState::Executed);
}

#[tokio::test]
async fn the_root_token_hands_over_to_an_admin_and_is_revoked() {
    let server = Server::dev();
    let root = server.client();
    let admin = principal(&server, &root, "first-admin", &["admin"], &[]).await;
    admin.revoke_root_token().await.unwrap();
    assert_eq!(
        code(root.list_keys(&ListKeysQuery::default()).await),
        ErrorCode::Unauthenticated
    );
    create_key(&admin, "after").await;
}
