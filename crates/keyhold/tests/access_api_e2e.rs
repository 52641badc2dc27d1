//! End to end: the access-management API on a dev server, as the root
//! token: tenants and their settings, principals with roles and
//! certificates, tokens, policies, roles, revoking the root token, and bad
//! input refused with its code, changing nothing.
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
    BindCertificateRequest, CreatePolicyRequest, CreatePrincipalRequest, CreateRoleRequest,
    CreateTokenRequest, ListTokensQuery, PageQuery, UpdatePolicyRequest, UpdatePrincipalRequest,
    UpdateRoleRequest,
};
use keyhold_client::Client;
use keyhold_core::policy::StatementSpec;
use keyhold_core::{PrincipalName, RoleName, TenantSettings};
use reqwest::Method;
use serde_json::json;

fn name<T: std::str::FromStr>(s: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    s.parse().unwrap()
}

fn statements(v: serde_json::Value) -> Vec<StatementSpec> {
    serde_json::from_value(v).unwrap()
}

fn user(n: &str, roles: &[&str]) -> CreatePrincipalRequest {
    let mut req = CreatePrincipalRequest::new(name(n));
    req.roles = roles.iter().map(|r| name(r)).collect();
    req
}

async fn principal_names(c: &Client) -> Vec<String> {
    let page = c.list_principals(&PageQuery::default()).await.unwrap();
    page.principals.iter().map(|p| p.name.to_string()).collect()
}

/// A raw request's status and error code.
async fn raw(c: &Client, method: Method, path: &str, body: serde_json::Value) -> (u16, String) {
    let body = (!body.is_null()).then(|| serde_json::to_vec(&body).unwrap());
    let resp = c.raw(method, path, body).await.unwrap();
    let status = resp.status().as_u16();
    let v: serde_json::Value = resp.json().await.unwrap_or_default();
    (status, v["error"]["code"].as_str().unwrap_or("").to_owned())
}

#[tokio::test]
async fn tenants_are_created_listed_and_unique() {
    let server = Server::dev();
    let c = server.client();
    let created = c.create_tenant(&name("payments")).await.unwrap();
    assert_eq!(created.name.as_str(), "payments");
    let again = c.create_tenant(&name("payments")).await;
    assert_eq!(code(again), ErrorCode::TenantAlreadyExists);
    let list = c.list_tenants().await.unwrap();
    let names: Vec<&str> = list.tenants.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["default", "payments"]);
    assert_eq!(c.tenant(&name("payments")).await.unwrap(), created);
    assert_eq!(
        code(c.tenant(&name("nowhere")).await),
        ErrorCode::TenantNotFound
    );
    // A principal of the default tenant is not one of another tenant's
    // names: the new tenant starts empty (seen from the default tenant,
    // the listing holds only the default tenant's principals).
    c.create_principal(&user("alice", &[])).await.unwrap();
    assert_eq!(principal_names(&c).await, ["alice"]);
}

#[tokio::test]
async fn settings_are_checked_and_quorums_must_be_reachable() {
    let server = Server::dev();
    let c = server.client();
    let tenant = name("default");
    let defaults = c.tenant_settings(&tenant).await.unwrap();
    assert_eq!(defaults, TenantSettings::default());

    let two_approvals: TenantSettings = serde_json::from_value(json!({
        "quorum_rules": [{"actions": ["key:export"], "required": 2}]
    }))
    .unwrap();
    let err = c.set_tenant_settings(&tenant, &two_approvals).await;
    assert_eq!(code(err), ErrorCode::InvalidQuorum);
    c.create_principal(&user("ann", &["approver"]))
        .await
        .unwrap();
    let err = c.set_tenant_settings(&tenant, &two_approvals).await;
    assert_eq!(
        code(err),
        ErrorCode::InvalidQuorum,
        "one approver is not two"
    );
    c.create_principal(&user("bob", &["admin"])).await.unwrap();
    let stored = c
        .set_tenant_settings(&tenant, &two_approvals)
        .await
        .unwrap();
    assert_eq!(stored, two_approvals);
    assert_eq!(c.tenant_settings(&tenant).await.unwrap(), two_approvals);

    // A disabled approver does not count.
    let disable = UpdatePrincipalRequest {
        disabled: Some(true),
        ..Default::default()
    };
    c.update_principal(&name("bob"), &disable).await.unwrap();
    let err = c.set_tenant_settings(&tenant, &two_approvals).await;
    assert_eq!(code(err), ErrorCode::InvalidQuorum);

    let path = "/v1/tenants/default/settings";
    for (bad, want) in [
        (
            json!({"quorum_rules": [{"actions": ["key:export"], "required": 0}]}),
            "invalid_settings",
        ),
        (
            json!({"sod_rules": [{"a": "admin", "b": "admin"}]}),
            "invalid_settings",
        ),
        (json!({"mfa_actions": ["key:fly"]}), "invalid_request"),
        (json!({"sod_ruls": []}), "invalid_request"),
    ] {
        let (status, got) = raw(&c, Method::PUT, path, bad.clone()).await;
        assert_eq!(got, want, "{bad}");
        assert!(status == 400 || status == 422, "{bad}: {status}");
    }
    assert_eq!(c.tenant_settings(&tenant).await.unwrap(), two_approvals);
}

#[tokio::test]
async fn principal_crud_and_role_grants() {
    let server = Server::dev();
    let c = server.client();
    let mut req = user("svc/ci", &["key-user"]);
    req.kind = keyhold_core::PrincipalKind::Service;
    req.description = "the CI pipeline".into();
    let created = c.create_principal(&req).await.unwrap();
    assert_eq!(created.roles.len(), 1);
    assert!(!created.disabled && !created.global_admin);
    assert_eq!(
        code(c.create_principal(&user("svc/ci", &[])).await),
        ErrorCode::PrincipalAlreadyExists
    );
    let alice = name::<PrincipalName>("svc/ci");
    assert_eq!(c.principal(&alice).await.unwrap(), created);

    let granted = c.grant_role(&alice, &name("auditor")).await.unwrap();
    let roles: Vec<&str> = granted.roles.iter().map(RoleName::as_str).collect();
    assert_eq!(roles, ["auditor", "key-user"]);
    let revoked = c.revoke_role(&alice, &name("auditor")).await.unwrap();
    assert_eq!(revoked.roles.len(), 1);
    let again = c.revoke_role(&alice, &name("auditor")).await.unwrap();
    assert_eq!(again.roles, revoked.roles);
    assert_eq!(
        code(c.grant_role(&alice, &name("no-such-role")).await),
        ErrorCode::RoleNotFound
    );

    let patch = UpdatePrincipalRequest {
        description: Some("renamed".into()),
        ..Default::default()
    };
    let patched = c.update_principal(&alice, &patch).await.unwrap();
    assert_eq!(patched.description, "renamed");
    assert_eq!(patched.roles, revoked.roles);

    for i in 0..4 {
        c.create_principal(&user(&format!("p{i}"), &[]))
            .await
            .unwrap();
    }
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let q = PageQuery {
            limit: Some(2),
            cursor: cursor.clone(),
        };
        let page = c.list_principals(&q).await.unwrap();
        seen.extend(page.principals.iter().map(|p| p.name.to_string()));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, ["p0", "p1", "p2", "p3", "svc/ci"]);

    c.delete_principal(&alice).await.unwrap();
    assert_eq!(
        code(c.principal(&alice).await),
        ErrorCode::PrincipalNotFound
    );
    assert_eq!(
        code(c.delete_principal(&alice).await),
        ErrorCode::PrincipalNotFound
    );
}

#[tokio::test]
async fn separation_of_duties_is_refused_and_changes_nothing() {
    let server = Server::dev();
    let c = server.client();
    let both = c
        .create_principal(&user("carol", &["key-custodian", "key-user"]))
        .await;
    let Err(err) = both else { panic!("created") };
    assert_eq!(err.code(), Some(ErrorCode::SeparationOfDuties));
    let text = err.to_string();
    assert!(
        text.contains("key-custodian") && text.contains("key-user"),
        "{text}"
    );
    assert!(principal_names(&c).await.is_empty());

    let carol = name::<PrincipalName>("carol");
    let before = c
        .create_principal(&user("carol", &["key-custodian"]))
        .await
        .unwrap();
    let err = c.grant_role(&carol, &name("key-user")).await;
    assert_eq!(code(err), ErrorCode::SeparationOfDuties);
    assert_eq!(c.principal(&carol).await.unwrap(), before);

    // A tenant without rules allows the pair.
    let none: TenantSettings = serde_json::from_value(json!({"sod_rules": []})).unwrap();
    c.set_tenant_settings(&name("default"), &none)
        .await
        .unwrap();
    c.grant_role(&carol, &name("key-user")).await.unwrap();
}

#[tokio::test]
async fn certificates_bind_list_and_unbind() {
    let server = Server::dev();
    let c = server.client();
    c.create_principal(&user("svc", &[])).await.unwrap();
    c.create_principal(&user("other", &[])).await.unwrap();
    let svc = name::<PrincipalName>("svc");
    let fp = "AB:".repeat(31) + "AB";
    let bound = c
        .bind_certificate(&svc, &BindCertificateRequest::Fingerprint(fp.clone()))
        .await
        .unwrap();
    assert_eq!(bound.value, "ab".repeat(32));
    let subject = BindCertificateRequest::Subject("CN=svc, O=Example".into());
    let by_subject = c.bind_certificate(&svc, &subject).await.unwrap();
    let cert = rcgen::generate_simple_self_signed(vec!["svc.example".into()]).unwrap();
    let pem = BindCertificateRequest::Pem(cert.cert.pem());
    let by_pem = c.bind_certificate(&svc, &pem).await.unwrap();
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, cert.cert.der());
    let expected: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(by_pem.value, expected);
    assert_eq!(c.certificates(&svc).await.unwrap().certificates.len(), 3);

    // One certificate names one principal.
    let dup = c
        .bind_certificate(&name("other"), &BindCertificateRequest::Fingerprint(fp))
        .await;
    assert_eq!(code(dup), ErrorCode::CertificateAlreadyBound);
    let bad = BindCertificateRequest::Fingerprint("xyz".into());
    assert_eq!(
        code(c.bind_certificate(&svc, &bad).await),
        ErrorCode::InvalidRequest
    );

    c.unbind_certificate(&svc, &by_subject.reference)
        .await
        .unwrap();
    assert_eq!(
        code(c.unbind_certificate(&svc, &by_subject.reference).await),
        ErrorCode::CertificateNotFound
    );
    assert_eq!(
        code(c.unbind_certificate(&name("other"), &bound.reference).await),
        ErrorCode::CertificateNotFound
    );
    assert_eq!(c.certificates(&svc).await.unwrap().certificates.len(), 2);
}

#[tokio::test]
async fn tokens_are_shown_once_listed_without_secrets_and_revoked() {
    let server = Server::dev();
    let c = server.client();
    c.create_principal(&user("alice", &["key-user"]))
        .await
        .unwrap();
    let mut req = CreateTokenRequest::new(name("alice"));
    req.source_cidrs = vec!["10.0.0.0/8".parse().unwrap()];
    req.description = "laptop".into();
    let created = c.create_token(&req).await.unwrap();
    let secret = created.token.expose().to_owned();
    assert!(secret.starts_with("kht_") && secret.len() == 47, "{secret}");
    let ttl =
        created.info.expires_at.unwrap().unix_seconds() - created.info.created_at.unix_seconds();
    assert_eq!(ttl, 86_400);

    let raw_list = c
        .raw(Method::GET, "/v1/tokens", None)
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !raw_list.contains(&secret) && !raw_list.contains("hash"),
        "{raw_list}"
    );
    let list = c.list_tokens(&ListTokensQuery::default()).await.unwrap();
    assert_eq!(list.tokens, std::slice::from_ref(&created.info));
    let only = ListTokensQuery {
        principal: Some(name("nobody")),
        ..Default::default()
    };
    assert_eq!(
        code(c.list_tokens(&only).await),
        ErrorCode::PrincipalNotFound
    );

    let revoked = c.revoke_token(created.info.id).await.unwrap();
    let at = revoked.revoked_at.unwrap();
    let twice = c.revoke_token(created.info.id).await.unwrap();
    assert_eq!(
        twice.revoked_at,
        Some(at),
        "revoking again keeps the first time"
    );
    let unknown = "67e55044-10b1-426f-9247-bb680e5fe0c8".parse().unwrap();
    assert_eq!(
        code(c.revoke_token(unknown).await),
        ErrorCode::TokenNotFound
    );

    for (bad, want) in [
        (
            json!({"principal": "alice", "ttl_secs": 0}),
            "invalid_token_ttl",
        ),
        (
            json!({"principal": "alice", "ttl_secs": 99_999_999}),
            "invalid_token_ttl",
        ),
        (json!({"principal": "nobody"}), "principal_not_found"),
        (
            json!({"principal": "alice", "source_cidrs": ["10.0.0.0/33"]}),
            "invalid_request",
        ),
        (
            json!({"principal": "alice", "secret": "x"}),
            "invalid_request",
        ),
    ] {
        assert_eq!(
            raw(&c, Method::POST, "/v1/tokens", bad.clone()).await.1,
            want,
            "{bad}"
        );
    }
    let all = c.list_tokens(&ListTokensQuery::default()).await.unwrap();
    assert_eq!(all.tokens.len(), 1, "refused requests issued nothing");
}

#[tokio::test]
async fn policies_are_compiled_before_they_are_stored() {
    let server = Server::dev();
    let c = server.client();
    let good = statements(json!([
        {"effect": "allow", "actions": ["key:encrypt", "key:decrypt"], "resources": ["key/payments-*"],
         "conditions": {"source_cidrs": ["10.0.0.0/8"]}},
        {"effect": "deny", "actions": ["key:*"], "resources": ["tag/env=prod"]}
    ]));
    let req = CreatePolicyRequest {
        name: name("payments-use"),
        description: "use payment keys".into(),
        statements: good.clone(),
    };
    let created = c.create_policy(&req).await.unwrap();
    assert_eq!(created.statements, good);
    assert_eq!(
        code(c.create_policy(&req).await),
        ErrorCode::PolicyAlreadyExists
    );
    let pname = name("payments-use");
    assert_eq!(c.policy(&pname).await.unwrap(), created);

    for (bad, reason) in [
        (
            json!([{"effect": "allow", "actions": ["key:fly"], "resources": ["*"]}]),
            "unknown action",
        ),
        (
            json!([{"effect": "allow", "actions": ["*"], "resources": ["db/x"]}]),
            "resource",
        ),
        (json!([]), "statements"),
    ] {
        let body = json!({"name": "bad", "statements": bad});
        let resp = c
            .raw(
                Method::POST,
                "/v1/policies",
                Some(serde_json::to_vec(&body).unwrap()),
            )
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 422);
        let v: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(v["error"]["code"], "invalid_policy");
        let msg = v["error"]["message"].as_str().unwrap();
        assert!(msg.contains(reason), "{msg}");
    }
    let typo = json!({"name": "bad", "statements": [{"effect": "allow", "action": ["*"], "resources": ["*"]}]});
    assert_eq!(
        raw(&c, Method::POST, "/v1/policies", typo).await.1,
        "invalid_request"
    );
    let list = c.list_policies(&PageQuery::default()).await.unwrap();
    assert_eq!(list.policies.len(), 1, "nothing bad was stored");

    let update = UpdatePolicyRequest {
        description: String::new(),
        statements: statements(json!([{"effect": "allow", "actions": ["*"], "resources": ["*"]}])),
    };
    let updated = c.update_policy(&pname, &update).await.unwrap();
    assert_eq!(updated.statements.len(), 1);
    assert!(updated.updated_at >= created.updated_at);
    let bad_update =
        json!({"statements": [{"effect": "maybe", "actions": ["*"], "resources": ["*"]}]});
    let path = "/v1/policies/payments-use";
    assert_eq!(
        raw(&c, Method::PUT, path, bad_update).await.1,
        "invalid_request"
    );
    assert_eq!(c.policy(&pname).await.unwrap(), updated);

    // A principal may only name policies that exist.
    let mut alice = user("alice", &[]);
    alice.policies = [name("nope")].into();
    assert_eq!(
        code(c.create_principal(&alice).await),
        ErrorCode::PolicyNotFound
    );
    c.delete_policy(&pname).await.unwrap();
    assert_eq!(code(c.policy(&pname).await), ErrorCode::PolicyNotFound);
}

#[tokio::test]
async fn roles_builtin_and_custom() {
    let server = Server::dev();
    let c = server.client();
    let list = c.list_roles().await.unwrap();
    let names: Vec<&str> = list.roles.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        ["admin", "key-custodian", "key-user", "approver", "auditor"]
    );
    let user_role = c.role(&name("key-user")).await.unwrap();
    assert!(user_role.builtin);
    assert!(
        user_role
            .actions
            .contains(&keyhold_core::Action::KeyEncrypt)
    );

    let policy = CreatePolicyRequest {
        name: name("enc"),
        description: String::new(),
        statements: statements(
            json!([{"effect": "allow", "actions": ["key:encrypt"], "resources": ["*"]}]),
        ),
    };
    c.create_policy(&policy).await.unwrap();
    let role = CreateRoleRequest {
        name: name("encrypter"),
        description: "encrypts".into(),
        policies: [name("enc")].into(),
    };
    let created = c.create_role(&role).await.unwrap();
    assert!(!created.builtin);
    assert_eq!(
        code(c.create_role(&role).await),
        ErrorCode::RoleAlreadyExists
    );
    let builtin = CreateRoleRequest {
        name: name("admin"),
        ..role.clone()
    };
    assert_eq!(code(c.create_role(&builtin).await), ErrorCode::BuiltinRole);
    assert_eq!(
        code(c.delete_role(&name("admin")).await),
        ErrorCode::BuiltinRole
    );
    let missing = CreateRoleRequest {
        name: name("other"),
        policies: [name("nope")].into(),
        ..role.clone()
    };
    assert_eq!(
        code(c.create_role(&missing).await),
        ErrorCode::PolicyNotFound
    );

    let granted = c
        .create_principal(&user("erin", &["encrypter"]))
        .await
        .unwrap();
    assert_eq!(granted.roles.len(), 1);
    let emptied = c
        .update_role(&name("encrypter"), &UpdateRoleRequest::default())
        .await
        .unwrap();
    assert!(emptied.policies.is_empty());
    assert_eq!(c.list_roles().await.unwrap().roles.len(), 6);
    c.delete_role(&name("encrypter")).await.unwrap();
    assert_eq!(
        code(c.role(&name("encrypter")).await),
        ErrorCode::RoleNotFound
    );
    // The principal keeps the name of the deleted role; other changes still work.
    c.grant_role(&name("erin"), &name("auditor")).await.unwrap();
}

#[tokio::test]
async fn the_root_token_can_be_revoked() {
    let server = Server::dev();
    let c = server.client();
    c.create_principal(&user("admin", &["admin"]))
        .await
        .unwrap();
    let token = c
        .create_token(&CreateTokenRequest::new(name("admin")))
        .await
        .unwrap();
    assert!(c.revoke_root_token().await.unwrap().revoked);
    assert_eq!(code(c.list_tenants().await), ErrorCode::Unauthenticated);
    // (The admin's own token authenticates once principal tokens are
    // accepted, with the lead's authentication change.)
    drop(token);
}

#[tokio::test]
async fn malformed_input_gets_a_clear_code_and_changes_nothing() {
    let server = Server::dev();
    let c = server.client();
    for (method, path, body, want) in [
        (
            Method::POST,
            "/v1/principals",
            json!({"name": "bad name"}),
            "invalid_request",
        ),
        (
            Method::POST,
            "/v1/principals",
            json!({"name": "ok", "rolez": []}),
            "invalid_request",
        ),
        (
            Method::POST,
            "/v1/principals",
            json!({"name": "ok", "kind": "robot"}),
            "invalid_request",
        ),
        (
            Method::POST,
            "/v1/tenants",
            json!({"name": "-x"}),
            "invalid_request",
        ),
        (
            Method::POST,
            "/v1/roles",
            json!({"name": "x", "policies": ["bad name"]}),
            "invalid_request",
        ),
        (
            Method::GET,
            "/v1/principals/bad%20name",
            serde_json::Value::Null,
            "invalid_request",
        ),
        (
            Method::DELETE,
            "/v1/tokens/not-a-uuid",
            serde_json::Value::Null,
            "invalid_request",
        ),
        (
            Method::GET,
            "/v1/principals?limit=0",
            serde_json::Value::Null,
            "invalid_request",
        ),
        (
            Method::DELETE,
            "/v1/principals/x/certificates/md5:00",
            serde_json::Value::Null,
            "invalid_request",
        ),
    ] {
        let (status, got) = raw(&c, method.clone(), path, body).await;
        assert_eq!((status, got.as_str()), (400, want), "{method} {path}");
    }
    let unauthenticated = server.client_with(None);
    assert_eq!(
        code(unauthenticated.list_principals(&PageQuery::default()).await),
        ErrorCode::Unauthenticated
    );
    assert!(principal_names(&c).await.is_empty());
    assert_eq!(c.list_tenants().await.unwrap().tenants.len(), 1);
}
