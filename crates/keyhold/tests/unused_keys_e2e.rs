//! End to end: a tenant's unused-key rule, set over REST (`PUT
//! /v1/tenants/default/settings`), applied by the scheduler of a running
//! server. A key in use is left alone, a key idle into its warning window is
//! warned once (`key:unused-warning`), and a key idle for the whole period is
//! suspended (`key:suspend-unused`), each audited as interface `scheduler`.
//! The last use reaches the store by the scheduler's batched write, not by
//! the request.
//!
//! The rule counts in days and the server runs on the system clock, so the
//! test moves the keys' last change into the past by editing the rows in
//! the running server's database.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::{Server, code};
use keyhold_api::ErrorCode;
use keyhold_api::b64::SecretBase64;
use keyhold_api::keys::{CreateKeyRequest, EncryptRequest, KeyInfo};
use keyhold_client::Client;
use keyhold_core::{Algorithm, KeyRef, KeyState, TenantSettings};
use rusqlite::Connection;

const DAY_MICROS: i64 = 86_400_000_000;

async fn server(dir: &std::path::Path) -> (Server, Client) {
    let server = Server::production_with(
        dir,
        "plain_http_on_loopback = true\n[scheduler]\ninterval_secs = 1\n",
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
    (server, client)
}

/// Moves the key's last change `days` into the past.
fn idle_for(db: &std::path::Path, name: &str, days: i64) {
    let conn = Connection::open(db).unwrap();
    conn.busy_timeout(Duration::from_secs(10)).unwrap();
    let changed = conn
        .execute(
            "UPDATE keys SET updated_at = updated_at - ?1 WHERE name = ?2",
            rusqlite::params![days * DAY_MICROS, name],
        )
        .unwrap();
    assert_eq!(changed, 1);
}

fn audited(db: &std::path::Path, action: &str, key: &KeyInfo) -> i64 {
    Connection::open(db)
        .unwrap()
        .query_row(
            "SELECT COUNT(*) FROM audit_events WHERE interface = 'scheduler' \
             AND action = ?1 AND key_id = ?2 AND outcome = 'ok'",
            rusqlite::params![action, key.id.as_bytes().to_vec()],
            |r| r.get(0),
        )
        .unwrap()
}

async fn wait_for(c: &Client, k: &KeyRef, what: &str, done: impl Fn(&KeyInfo) -> bool) -> KeyInfo {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let info = c.key(k).await.unwrap();
        if done(&info) {
            return info;
        }
        assert!(Instant::now() < deadline, "{what}: {info:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn unused_keys_are_warned_then_suspended_and_used_ones_are_not() {
    let dir = tempfile::tempdir().unwrap();
    let (server, c) = server(dir.path()).await;
    let db = server.data_dir.join("keyhold.db");
    let mut keys = Vec::new();
    for name in ["busy", "drowsy", "idle"] {
        let req = CreateKeyRequest::new(name.parse().unwrap(), Algorithm::Aes256Gcm);
        keys.push(c.create_key(&req).await.unwrap());
    }
    let [busy, drowsy, idle] = &keys[..] else {
        panic!("three keys")
    };
    let settings = TenantSettings {
        unused_key_days: Some(30),
        unused_key_warning_days: Some(5),
        ..TenantSettings::default()
    };
    c.set_tenant_settings(&"default".parse().unwrap(), &settings)
        .await
        .unwrap();

    // The busy key's use reaches the store with the next tick.
    let busy_ref = KeyRef::Id(busy.id);
    let encrypt = EncryptRequest {
        plaintext: SecretBase64(b"in use".to_vec()),
        context: BTreeMap::new(),
    };
    c.encrypt(&busy_ref, &encrypt).await.unwrap();
    wait_for(&c, &busy_ref, "use not recorded", |k| {
        k.last_used_at.is_some()
    })
    .await;

    idle_for(&db, "busy", 40);
    idle_for(&db, "drowsy", 27);
    idle_for(&db, "idle", 40);
    let idle_ref = KeyRef::Id(idle.id);
    wait_for(&c, &idle_ref, "not suspended", |k| {
        k.state == KeyState::Suspended
    })
    .await;
    let drowsy_ref = KeyRef::Id(drowsy.id);
    let deadline = Instant::now() + Duration::from_secs(30);
    while audited(&db, "key:unused-warning", drowsy) == 0 {
        assert!(Instant::now() < deadline, "no warning");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Two more ticks change nothing.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    assert_eq!(c.key(&busy_ref).await.unwrap().state, KeyState::Active);
    assert_eq!(c.key(&drowsy_ref).await.unwrap().state, KeyState::Active);
    assert_eq!(audited(&db, "key:unused-warning", drowsy), 1);
    assert_eq!(audited(&db, "key:suspend-unused", idle), 1);
    assert_eq!(audited(&db, "key:unused-warning", busy), 0);
    assert_eq!(audited(&db, "key:suspend-unused", busy), 0);
    let refused = c.encrypt(&idle_ref, &encrypt).await;
    assert_eq!(code(refused), ErrorCode::KeyNotActive);
    // Resuming counts as a change: the key is in service again.
    c.resume_key(&idle_ref).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(c.key(&idle_ref).await.unwrap().state, KeyState::Active);
}
