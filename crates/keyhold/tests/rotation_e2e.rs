//! End to end, production (Shamir) servers: root-key rotation and tenant
//! KEK rotation online, old ciphertexts decrypting across them, the audit
//! chain verifying across them, the original shares unsealing the rotated
//! server after a restart, and a backup taken before the rotations
//! restoring both onto the rotated server and onto a fresh, uninitialized
//! server given the same shares. Refused rotations change nothing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{Server, cli, code, fails, ok};
use keyhold_api::ErrorCode;
use keyhold_api::access::{CreatePrincipalRequest, CreateTokenRequest};
use keyhold_api::audit::AuditEventsQuery;
use keyhold_api::b64::{Base64, SecretBase64};
use keyhold_api::keys::{CreateKeyRequest, DecryptRequest, EncryptRequest};
use keyhold_api::sys::{InitRequest, InitResponse};
use keyhold_client::Client;
use keyhold_core::{Action, Algorithm, KeyRef, TenantName};

const KEYS: [&str; 2] = ["orders", "payments"];

fn key(name: &str) -> KeyRef {
    name.parse().unwrap()
}

fn default_tenant() -> TenantName {
    "default".parse().unwrap()
}

async fn encrypt(c: &Client, name: &str, text: &[u8]) -> Vec<u8> {
    let req = EncryptRequest {
        plaintext: SecretBase64(text.to_vec()),
        context: Default::default(),
    };
    c.encrypt(&key(name), &req).await.unwrap().ciphertext.0
}

async fn decrypt(c: &Client, name: &str, ciphertext: &[u8]) -> Vec<u8> {
    let req = DecryptRequest {
        ciphertext: Base64(ciphertext.to_vec()),
        context: Default::default(),
    };
    c.decrypt(&key(name), &req)
        .await
        .unwrap()
        .plaintext
        .0
        .clone()
}

async fn unseal(c: &Client, shares: &[&String]) {
    for s in shares {
        c.unseal(s).await.unwrap();
    }
    assert!(!c.seal_status().await.unwrap().sealed);
}

async fn audit_ok(c: &Client) {
    let report = c.audit_verify().await.unwrap();
    assert!(report.ok, "{report:?}");
}

/// A Shamir server with two keys and a ciphertext of each.
async fn populated(dir: &std::path::Path) -> (Server, InitResponse, Vec<Vec<u8>>) {
    let server = Server::production_in(dir);
    let init = server
        .client()
        .init(&InitRequest {
            shares: 3,
            threshold: 2,
        })
        .await
        .unwrap();
    let c = server.client_with(Some(&init.root_token));
    let mut ciphertexts = Vec::new();
    for name in KEYS {
        let req = CreateKeyRequest::new(name.parse().unwrap(), Algorithm::Aes256Gcm);
        c.create_key(&req).await.unwrap();
        ciphertexts.push(encrypt(&c, name, name.as_bytes()).await);
    }
    (server, init, ciphertexts)
}

#[tokio::test]
async fn rotations_keep_ciphertexts_audit_shares_and_old_backups_working() {
    let dir_a = tempfile::tempdir().unwrap();
    let (a, init, ciphertexts) = populated(dir_a.path()).await;
    let token = init.root_token.clone();
    let c = a.client_with(Some(&token));
    let backup = c.backup().await.unwrap();
    let backup_path = dir_a.path().join("before.backup");
    std::fs::write(&backup_path, &backup).unwrap();

    let out = ok(cli(&a, Some(&token), &["operator", "rotate-root"], b""));
    assert!(out.contains("generation 1 -> 2"), "{out}");
    let out = ok(cli(
        &a,
        Some(&token),
        &["tenant", "rotate-kek", "default"],
        b"",
    ));
    assert!(out.contains("generation 2; 2 key version(s)"), "{out}");
    let rotated = c.rotate_root().await.unwrap();
    assert_eq!((rotated.previous_generation, rotated.generation), (2, 3));
    for (name, ct) in KEYS.iter().zip(&ciphertexts) {
        assert_eq!(decrypt(&c, name, ct).await, name.as_bytes());
    }
    let after = encrypt(&c, "orders", b"after the rotations").await;
    audit_ok(&c).await;
    let verified = c.verify_backup(backup.clone()).await.unwrap();
    assert_eq!(verified.key_epoch, 1);

    // The original shares unseal the rotated server after a restart.
    a.kill();
    let a = Server::production_in(dir_a.path());
    let c = a.client_with(Some(&token));
    unseal(&c, &[&init.shares[1], &init.shares[2]]).await;
    assert_eq!(decrypt(&c, "orders", &after).await, b"after the rotations");
    audit_ok(&c).await;

    // A fresh server given the backup taken before the rotations, then
    // the same shares.
    let dir_b = tempfile::tempdir().unwrap();
    let b = Server::production_in(dir_b.path());
    let path = backup_path.to_str().unwrap();
    let out = ok(cli(&b, None, &["operator", "restore", path], b""));
    assert!(out.contains("holds the backup"), "{out}");
    let anon = b.client();
    assert!(anon.seal_status().await.unwrap().restore_pending);
    let first = anon.unseal(&init.shares[0]).await.unwrap();
    assert!(first.sealed && first.restore_pending && first.progress == 1);
    assert_eq!(
        code(anon.unseal(&init.shares[0]).await),
        ErrorCode::DuplicateShare
    );
    let status = anon.unseal(&init.shares[2]).await.unwrap();
    assert!(!status.sealed && status.initialized && !status.restore_pending);
    let cb = b.client_with(Some(&token));
    for (name, ct) in KEYS.iter().zip(&ciphertexts) {
        assert_eq!(decrypt(&cb, name, ct).await, name.as_bytes());
    }
    // Key material is untouched by rotations: a ciphertext made after them
    // decrypts on the restored pre-rotation store too.
    assert_eq!(decrypt(&cb, "orders", &after).await, b"after the rotations");
    audit_ok(&cb).await;
    let query = AuditEventsQuery {
        action: Some(Action::SysRestore),
        ..Default::default()
    };
    let restores = cb.audit_events(&query).await.unwrap().events;
    assert_eq!(restores.len(), 1, "the fresh restore is audited once");

    // The old backup restores onto the rotated server too.
    c.restore(backup).await.unwrap();
    for (name, ct) in KEYS.iter().zip(&ciphertexts) {
        assert_eq!(decrypt(&c, name, ct).await, name.as_bytes());
    }
    audit_ok(&c).await;
}

#[tokio::test]
async fn refused_rotations_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (server, init, ciphertexts) = populated(dir.path()).await;
    let c = server.client_with(Some(&init.root_token));
    let missing: TenantName = "missing".parse().unwrap();
    assert_eq!(
        code(c.rotate_kek(&missing).await),
        ErrorCode::TenantNotFound
    );
    fails(
        cli(
            &server,
            Some(&init.root_token),
            &["tenant", "rotate-kek", "missing"],
            b"",
        ),
        "tenant_not_found",
    );
    let anon = server.client_with(None);
    assert_eq!(code(anon.rotate_root().await), ErrorCode::Unauthenticated);
    assert_eq!(
        code(anon.rotate_kek(&default_tenant()).await),
        ErrorCode::Unauthenticated
    );
    // A tenant admin is not a global admin.
    let mut req = CreatePrincipalRequest::new("ops".parse().unwrap());
    req.roles = ["admin".parse().unwrap()].into();
    c.create_principal(&req).await.unwrap();
    let token = c
        .create_token(&CreateTokenRequest::new("ops".parse().unwrap()))
        .await
        .unwrap();
    let ops = server.client_with(Some(token.token.expose()));
    assert_eq!(code(ops.rotate_root().await), ErrorCode::PermissionDenied);
    assert_eq!(
        code(ops.rotate_kek(&default_tenant()).await),
        ErrorCode::PermissionDenied
    );
    // Sealed: nothing is served.
    c.seal().await.unwrap();
    assert_eq!(code(c.rotate_root().await), ErrorCode::Sealed);
    fails(
        cli(
            &server,
            Some(&init.root_token),
            &["operator", "rotate-root"],
            b"",
        ),
        "sealed",
    );
    unseal(&c, &[&init.shares[0], &init.shares[1]]).await;
    // Nothing changed: generation 1 still, so the next rotation makes 2.
    assert_eq!(c.rotate_root().await.unwrap().generation, 2);
    assert_eq!(
        c.rotate_kek(&default_tenant())
            .await
            .unwrap()
            .kek_generation,
        2
    );
    for (name, ct) in KEYS.iter().zip(&ciphertexts) {
        assert_eq!(decrypt(&c, name, ct).await, name.as_bytes());
    }
    audit_ok(&c).await;
}
