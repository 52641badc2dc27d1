//! End to end: the scheduler inside a running server destroys a key whose
//! destruction is due; afterwards every cryptographic operation and every
//! lifecycle change answers `410 key_destroyed`, while the key can still be
//! read, the material is gone from the database files, and the destruction
//! is in the audit trail as the interface `scheduler`.
//!
//! The shortest waiting period is a day, and the server runs on the system
//! clock, so the test moves the due date into the past by editing the row
//! in the running server's database (SQLite in WAL mode takes the write
//! from another connection): what a day of waiting would have done.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::{Server, code, contains, raw_store_bytes};
use keyhold_api::ErrorCode;
use keyhold_api::b64::{Base64, SecretBase64};
use keyhold_api::crypto::{GenerateDataKeyRequest, ReencryptRequest};
use keyhold_api::keys::{CreateKeyRequest, DecryptRequest, EncryptRequest, KeyInfo};
use keyhold_api::lifecycle::{RevokeRequest, ScheduleDestroyRequest, UpdateKeyRequest};
use keyhold_client::{Client, ClientError};
use keyhold_core::{Algorithm, KeyRef, KeyState, RevocationReason};
use rusqlite::Connection;

/// A production server whose scheduler ticks every second and whose
/// destruction waiting period may be one day; initialized, with a client.
async fn server(dir: &std::path::Path) -> (Server, Client, String) {
    let server = Server::production_with(
        dir,
        "plain_http_on_loopback = true\nmin_destroy_waiting_days = 1\n\
         [scheduler]\ninterval_secs = 1\n",
    );
    let init = server
        .client()
        .init(&keyhold_api::sys::InitRequest {
            shares: 1,
            threshold: 1,
        })
        .await
        .unwrap();
    let client = server.client_with(Some(&init.root_token));
    (server, client, init.root_token.clone())
}

/// Moves the key's destruction into the past, as a day of waiting would.
fn make_due(db: &std::path::Path, name: &str) {
    let conn = Connection::open(db).unwrap();
    conn.busy_timeout(Duration::from_secs(10)).unwrap();
    let changed = conn
        .execute(
            "UPDATE keys SET destroy_scheduled_at = destroy_scheduled_at - 86400000000 \
             WHERE name = ?1",
            [name],
        )
        .unwrap();
    assert_eq!(changed, 1);
}

async fn wait_destroyed(c: &Client, k: &KeyRef) -> KeyInfo {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let info = c.key(k).await.unwrap();
        if info.state == KeyState::Destroyed {
            return info;
        }
        assert!(Instant::now() < deadline, "not destroyed: {info:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Every cryptographic operation on the AES key, with what it answered.
async fn uses(c: &Client, k: &KeyRef, ct: &[u8]) -> Vec<(&'static str, Result<(), ClientError>)> {
    let encrypt = EncryptRequest {
        plaintext: SecretBase64(b"new data".to_vec()),
        context: BTreeMap::new(),
    };
    let decrypt = DecryptRequest {
        ciphertext: Base64(ct.to_vec()),
        context: BTreeMap::new(),
    };
    let reencrypt = ReencryptRequest {
        ciphertext: Base64(ct.to_vec()),
        context: BTreeMap::new(),
        destination_key: None,
        destination_context: None,
    };
    let data_key = GenerateDataKeyRequest {
        bytes: 32,
        context: BTreeMap::new(),
        include_plaintext: true,
    };
    vec![
        ("encrypt", c.encrypt(k, &encrypt).await.map(drop)),
        ("decrypt", c.decrypt(k, &decrypt).await.map(drop)),
        ("decrypt-any", c.decrypt_any(&decrypt).await.map(drop)),
        ("reencrypt", c.reencrypt(k, &reencrypt).await.map(drop)),
        (
            "data-key",
            c.generate_data_key(k, &data_key).await.map(drop),
        ),
    ]
}

/// Every lifecycle change, with what it answered.
async fn changes(c: &Client, k: &KeyRef) -> Vec<(&'static str, Result<KeyInfo, ClientError>)> {
    let revoke = RevokeRequest::new(RevocationReason::CessationOfOperation);
    let update = UpdateKeyRequest {
        description: Some("still here".into()),
        ..Default::default()
    };
    vec![
        ("rotate", c.rotate_key(k).await),
        ("activate", c.activate_key(k).await),
        ("deactivate", c.deactivate_key(k).await),
        ("suspend", c.suspend_key(k).await),
        ("resume", c.resume_key(k).await),
        ("revoke", c.revoke_key(k, &revoke).await),
        (
            "schedule-destroy",
            c.schedule_key_destroy(k, &ScheduleDestroyRequest::default())
                .await,
        ),
        ("cancel-destroy", c.cancel_key_destroy(k).await),
        ("archive", c.archive_key(k).await),
        ("recover", c.recover_key(k).await),
        ("update", c.update_key(k, &update).await),
    ]
}

#[tokio::test]
async fn a_key_destroyed_by_the_scheduler_answers_410_and_stays_readable() {
    let dir = tempfile::tempdir().unwrap();
    let (server, c, token) = server(dir.path()).await;
    let db = server.data_dir.join("keyhold.db");
    let info = c
        .create_key(&CreateKeyRequest::new(
            "doomed".parse().unwrap(),
            Algorithm::Aes256Gcm,
        ))
        .await
        .unwrap();
    let k = KeyRef::Id(info.id);
    let encrypted = c
        .encrypt(
            &k,
            &EncryptRequest {
                plaintext: SecretBase64(b"old data".to_vec()),
                context: BTreeMap::new(),
            },
        )
        .await
        .unwrap();
    let ct = encrypted.ciphertext.0.clone();
    c.deactivate_key(&k).await.unwrap();
    let days = ScheduleDestroyRequest {
        waiting_period_days: Some(1),
    };
    c.schedule_key_destroy(&k, &days).await.unwrap();
    let sealed: Vec<u8> = Connection::open(&db)
        .unwrap()
        .query_row("SELECT sealed_material FROM key_versions", [], |r| r.get(0))
        .unwrap();

    make_due(&db, "doomed");
    let info = wait_destroyed(&c, &k).await;
    assert_eq!(info.destroy_scheduled_at, None);

    for (name, result) in uses(&c, &k, &ct).await {
        assert_eq!(code(result), ErrorCode::KeyDestroyed, "{name}");
    }
    for (name, result) in changes(&c, &k).await {
        assert_eq!(code(result), ErrorCode::KeyDestroyed, "{name}");
    }
    let http = reqwest::Client::new()
        .post(format!("{}/v1/keys/doomed/encrypt", server.url))
        .bearer_auth(&token)
        .json(&serde_json::json!({"plaintext": "AAAA"}))
        .send()
        .await
        .unwrap();
    assert_eq!(http.status().as_u16(), 410);

    // The tombstone: the key and its versions can still be read.
    let shown = c.key(&"doomed".parse().unwrap()).await.unwrap();
    assert_eq!(shown.state, KeyState::Destroyed);
    let versions = c.key_versions(&k).await.unwrap();
    assert!(versions.versions.iter().all(|v| v.destroy_date.is_some()));
    assert!(!contains(&raw_store_bytes(&server.data_dir), &sealed[12..]));
    let audited: i64 = Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT COUNT(*) FROM audit_events WHERE interface = 'scheduler' \
             AND action = 'key:destroy' AND outcome = 'ok'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(audited, 1);
}
