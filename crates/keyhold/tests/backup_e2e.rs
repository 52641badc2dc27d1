//! Encrypted backup and restore with the real binary (docs/backup.md):
//! a backup taken from a live server restores onto a fresh server holding
//! the same root key, bringing back keys, versions, states, policies,
//! principals and the audit trail, and old ciphertexts decrypt; damaged,
//! truncated and foreign backups are refused and change nothing; a backup
//! taken while clients encrypt restores; scheduled backups keep only the
//! newest N.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{Server, cli, code, fails, ok};
use keyhold_api::ErrorCode;
use keyhold_api::access::{CreatePolicyRequest, CreatePrincipalRequest, PageQuery};
use keyhold_api::audit::AuditEventsQuery;
use keyhold_api::b64::{Base64, SecretBase64};
use keyhold_api::keys::{CreateKeyRequest, DecryptRequest, EncryptRequest};
use keyhold_client::{Client, ClientError};
use keyhold_core::audit::Interface;
use keyhold_core::policy::StatementSpec;
use keyhold_core::{Action, Algorithm, KeyRef, KeyState};

const TOKEN_A: &str = "backup-test-root-token-a";
const TOKEN_B: &str = "backup-test-root-token-b";

fn key(name: &str) -> KeyRef {
    name.parse().unwrap()
}

async fn encrypt(c: &Client, name: &str, plaintext: &[u8]) -> Vec<u8> {
    let req = EncryptRequest {
        plaintext: SecretBase64(plaintext.to_vec()),
        context: BTreeMap::new(),
    };
    c.encrypt(&key(name), &req).await.unwrap().ciphertext.0
}

async fn decrypt(c: &Client, name: &str, ciphertext: &[u8]) -> Vec<u8> {
    let req = DecryptRequest {
        ciphertext: Base64(ciphertext.to_vec()),
        context: BTreeMap::new(),
    };
    c.decrypt(&key(name), &req)
        .await
        .unwrap()
        .plaintext
        .0
        .clone()
}

/// The code and message of a refusal.
fn refused<T: std::fmt::Debug>(r: Result<T, ClientError>) -> (ErrorCode, String) {
    match r.unwrap_err() {
        ClientError::Api { code, message, .. } => (code, message),
        other => panic!("not an API error: {other}"),
    }
}

/// A fresh dev server in `dir` holding the same root key as `from`'s.
fn sibling(from: &Path, dir: &Path, token: &str) -> Server {
    std::fs::copy(from.join("dev-root.key"), dir.join("dev-root.key")).unwrap();
    Server::dev_in(dir, Some(token))
}

async fn create(c: &Client, name: &str) {
    let req = CreateKeyRequest::new(name.parse().unwrap(), Algorithm::Aes256Gcm);
    c.create_key(&req).await.unwrap();
}

#[tokio::test]
async fn a_backup_restores_everything_onto_a_fresh_server_with_the_same_root() {
    let (dir_a, dir_b, files) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let a = Server::dev_in(dir_a.path(), Some(TOKEN_A));
    let ca = a.client();
    create(&ca, "orders").await;
    let old = encrypt(&ca, "orders", b"version one").await;
    ca.rotate_key(&key("orders")).await.unwrap();
    let new = encrypt(&ca, "orders", b"version two").await;
    create(&ca, "paused").await;
    ca.suspend_key(&key("paused")).await.unwrap();
    let statements: Vec<StatementSpec> = serde_json::from_value(serde_json::json!([
        {"effect": "allow", "actions": ["key:encrypt"], "resources": ["key/orders"]}
    ]))
    .unwrap();
    ca.create_policy(&CreatePolicyRequest {
        name: "orders-use".parse().unwrap(),
        description: "use orders".into(),
        statements,
    })
    .await
    .unwrap();
    ca.create_principal(&CreatePrincipalRequest::new("svc-orders".parse().unwrap()))
        .await
        .unwrap();

    let pass = files.path().join("pass");
    std::fs::write(&pass, b"a long backup passphrase\n").unwrap();
    let file = files.path().join("a.backup");
    let f = file.to_str().unwrap();
    let p = pass.to_str().unwrap();
    ok(cli(
        &a,
        Some(TOKEN_A),
        &["operator", "backup", "--out", f, "--passphrase-file", p],
        b"",
    ));

    let b = sibling(dir_a.path(), dir_b.path(), TOKEN_B);
    let verified = ok(cli(
        &b,
        Some(TOKEN_B),
        &["operator", "backup", "verify", f, "--passphrase-file", p],
        b"",
    ));
    assert!(verified.contains("Backup verified"), "{verified}");
    let wrong = files.path().join("wrong");
    std::fs::write(&wrong, b"not the passphrase").unwrap();
    let w = wrong.to_str().unwrap();
    fails(
        cli(
            &b,
            Some(TOKEN_B),
            &["operator", "backup", "verify", f, "--passphrase-file", w],
            b"",
        ),
        "wrong passphrase",
    );
    fails(
        cli(&b, Some(TOKEN_B), &["operator", "restore", f], b""),
        "passphrase layer",
    );
    ok(cli(
        &b,
        Some(TOKEN_B),
        &["operator", "restore", f, "--passphrase-file", p],
        b"",
    ));

    // The restored store carries server A's root token, keys and all.
    let cb = b.client_with(Some(TOKEN_A));
    assert_eq!(decrypt(&cb, "orders", &old).await, b"version one");
    assert_eq!(decrypt(&cb, "orders", &new).await, b"version two");
    assert_eq!(
        cb.key_versions(&key("orders"))
            .await
            .unwrap()
            .versions
            .len(),
        2
    );
    assert_eq!(
        cb.key(&key("paused")).await.unwrap().state,
        KeyState::Suspended
    );
    assert!(cb.policy(&"orders-use".parse().unwrap()).await.is_ok());
    let principals = cb.list_principals(&PageQuery::default()).await.unwrap();
    assert!(
        principals
            .principals
            .iter()
            .any(|p| p.name.as_str() == "svc-orders")
    );
    assert_eq!(
        code(b.client_with(Some(TOKEN_B)).key(&key("orders")).await),
        ErrorCode::Unauthenticated
    );
    let report = cb.audit_verify().await.unwrap();
    assert!(report.ok, "{report:?}");
    let q = AuditEventsQuery {
        action: Some(Action::SysRestore),
        ..AuditEventsQuery::default()
    };
    let restored = cb.audit_events(&q).await.unwrap();
    assert_eq!(
        restored.events.len(),
        1,
        "the restore is the restored trail's next event"
    );
    let q = AuditEventsQuery {
        action: Some(Action::SysBackup),
        ..AuditEventsQuery::default()
    };
    assert!(
        cb.audit_events(&q).await.unwrap().events.is_empty(),
        "taken after the snapshot"
    );
}

#[tokio::test]
async fn damaged_truncated_and_foreign_backups_are_refused_and_change_nothing() {
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = Server::dev_in(dir_a.path(), Some(TOKEN_A));
    let ca = a.client();
    for n in 0..40 {
        create(&ca, &format!("key-{n}")).await;
    }
    let file = ca.backup().await.unwrap();
    assert!(file.len() > 2 * 65_536, "several chunks: {}", file.len());
    let b = sibling(dir_a.path(), dir_b.path(), TOKEN_B);
    let cb = b.client();
    create(&cb, "only-on-b").await;

    let mut tampered = file.clone();
    tampered[100_000] ^= 0x01;
    let (c, m) = refused(cb.restore(tampered.clone()).await);
    assert_eq!(c, ErrorCode::BackupInvalid);
    assert!(m.contains("tampered: chunk 1"), "{m}");
    assert_eq!(
        code(cb.verify_backup(tampered).await),
        ErrorCode::BackupInvalid
    );
    for cut in [file.len() - 20, 65_536 + 16 + 100, 100] {
        let (c, m) = refused(cb.restore(file[..cut].to_vec()).await);
        assert_eq!(c, ErrorCode::BackupInvalid);
        assert!(m.contains("truncated"), "{cut}: {m}");
    }
    assert_eq!(
        code(cb.restore(b"not a backup".to_vec()).await),
        ErrorCode::BackupInvalid
    );

    let other = Server::dev();
    let foreign = other.client().backup().await.unwrap();
    assert_eq!(code(cb.restore(foreign).await), ErrorCode::BackupWrongKey);

    assert!(cb.key(&key("only-on-b")).await.is_ok(), "B is unchanged");
    assert_eq!(code(cb.key(&key("key-0")).await), ErrorCode::KeyNotFound);
    assert!(cb.audit_verify().await.unwrap().ok);
}

#[tokio::test]
async fn a_backup_taken_while_clients_encrypt_restores() {
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = Server::dev_in(dir_a.path(), Some(TOKEN_A));
    let ca = a.client();
    create(&ca, "busy").await;
    let workers: Vec<_> = (0..4u8)
        .map(|w| {
            let c = ca.clone();
            tokio::spawn(async move {
                let mut out = Vec::new();
                for n in 0..40u8 {
                    out.push(((w, n), encrypt(&c, "busy", &[w, n]).await));
                }
                out
            })
        })
        .collect();
    let mut backups = Vec::new();
    for _ in 0..3 {
        backups.push(ca.backup().await.unwrap());
    }
    let mut ciphertexts = Vec::new();
    for w in workers {
        ciphertexts.extend(w.await.unwrap());
    }
    assert_eq!(ciphertexts.len(), 160);
    let b = sibling(dir_a.path(), dir_b.path(), TOKEN_B);
    let report = b.client().restore(backups.pop().unwrap()).await.unwrap();
    assert!(report.audit_head > 0);
    let cb = b.client_with(Some(TOKEN_A));
    for ((w, n), ct) in ciphertexts {
        assert_eq!(decrypt(&cb, "busy", &ct).await, [w, n]);
    }
    assert!(cb.audit_verify().await.unwrap().ok);
}

#[tokio::test]
async fn scheduled_backups_keep_only_the_newest() {
    let dir = tempfile::tempdir().unwrap();
    let backups = dir.path().join("backups");
    std::fs::create_dir(&backups).unwrap();
    let extra = format!(
        "plain_http_on_loopback = true\n[backup]\ndir = \"{}\"\ninterval_secs = 1\nkeep = 2\n",
        backups.display()
    );
    let server = Server::production_with(dir.path(), &extra);
    let c = server.client();
    let init = c
        .init(&keyhold_api::sys::InitRequest {
            shares: 1,
            threshold: 1,
        })
        .await
        .unwrap();
    let c = server.client_with(Some(&init.root_token));
    tokio::time::sleep(std::time::Duration::from_millis(4500)).await;
    let files: Vec<_> = std::fs::read_dir(&backups)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 2, "{files:?}");
    for f in &files {
        assert!(f.extension().is_some_and(|e| e == "backup"), "{f:?}");
        c.verify_backup(std::fs::read(f).unwrap()).await.unwrap();
    }
    let q = AuditEventsQuery {
        action: Some(Action::SysBackup),
        ..AuditEventsQuery::default()
    };
    let events = c.audit_events(&q).await.unwrap().events;
    let scheduled: Vec<_> = events
        .iter()
        .filter(|e| e.interface == Interface::Scheduler)
        .collect();
    assert!(
        scheduled.len() >= 3,
        "more were made than kept: {}",
        scheduled.len()
    );
    assert!(
        scheduled
            .iter()
            .all(|e| e.context.contains_key("backup.sha256"))
    );
}
