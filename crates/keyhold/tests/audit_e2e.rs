//! End to end: the audit trail of a running server. Every request that
//! reaches authentication writes one event, in one gap-free sequence even
//! under concurrent load, and a trail that cannot be written fails requests
//! closed: 503 `audit_unavailable`, and no change.
//!
//! The tests read the store's file with a raw SQLite connection, as an
//! outside observer (and, to make the trail unwritable, as a saboteur that
//! plants a trigger refusing every new event: the server's own connection
//! sees the schema change at its next statement).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::Path;

use common::{Server, code};
use keyhold_api::ErrorCode;
use keyhold_api::b64::{Base64, SecretBase64};
use keyhold_api::keys::{CreateKeyRequest, DecryptRequest, EncryptRequest, ListKeysQuery};
use keyhold_client::Client;
use keyhold_core::{Algorithm, KeyRef};
use rusqlite::Connection;

fn raw(dir: &Path) -> Connection {
    let db = Connection::open(dir.join("keyhold.db")).unwrap();
    db.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
    db
}

/// (seq, action, outcome, outcome code, key id present) of every event.
fn events(dir: &Path) -> Vec<(u64, String, String, Option<String>, bool)> {
    let db = raw(dir);
    let mut stmt = db
        .prepare(
            "SELECT seq, action, outcome, outcome_code, key_id IS NOT NULL \
             FROM audit_events ORDER BY seq",
        )
        .unwrap();
    stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)? as u64,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
        ))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

fn enc(data: &[u8]) -> EncryptRequest {
    EncryptRequest {
        plaintext: SecretBase64(data.to_vec()),
        context: [("table".to_owned(), "cards".to_owned())].into(),
    }
}

fn key(s: &str) -> KeyRef {
    s.parse().unwrap()
}

async fn names(c: &Client) -> Vec<String> {
    let page = c.list_keys(&ListKeysQuery::default()).await.unwrap();
    page.keys.iter().map(|k| k.name.to_string()).collect()
}

#[tokio::test]
async fn each_request_writes_one_event_with_its_outcome() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::dev_in(dir.path(), Some("root"));
    let c = server.client();
    let before = events(dir.path()).len();
    let create = CreateKeyRequest::new("orders".parse().unwrap(), Algorithm::Aes256Gcm);
    c.create_key(&create).await.unwrap();
    let ct = c.encrypt(&key("orders"), &enc(b"hello")).await.unwrap();
    let wrong = DecryptRequest {
        ciphertext: ct.ciphertext.clone(),
        context: Default::default(),
    };
    assert_eq!(
        code(c.decrypt(&key("orders"), &wrong).await),
        ErrorCode::DecryptionFailed
    );
    let anonymous = server.client_with(Some("not-the-token"));
    assert_eq!(
        code(anonymous.encrypt(&key("orders"), &enc(b"x")).await),
        ErrorCode::Unauthenticated
    );
    assert_eq!(
        code(c.rotate_key(&key("nope")).await),
        ErrorCode::KeyNotFound
    );
    let all = events(dir.path());
    let new: Vec<_> = all
        .iter()
        .skip(before)
        .map(|(_, a, o, c, k)| (a.as_str(), o.as_str(), c.as_deref(), *k))
        .collect();
    assert_eq!(
        new,
        [
            ("key:create", "ok", None, true),
            ("key:encrypt", "ok", None, true),
            ("key:decrypt", "error", Some("decryption_failed"), true),
            ("key:encrypt", "denied", Some("unauthenticated"), false),
            ("key:rotate", "error", Some("key_not_found"), false),
        ]
    );
    let seqs: Vec<u64> = all.iter().map(|e| e.0).collect();
    assert_eq!(seqs, (1..=all.len() as u64).collect::<Vec<_>>());
}

#[tokio::test]
async fn concurrent_requests_keep_one_gap_free_sequence() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::dev_in(dir.path(), Some("root"));
    let c = server.client();
    let create = CreateKeyRequest::new("load".parse().unwrap(), Algorithm::Aes256Gcm);
    c.create_key(&create).await.unwrap();
    let before = events(dir.path()).len();
    let mut tasks = Vec::new();
    for t in 0..8u8 {
        let c = server.client();
        tasks.push(tokio::spawn(async move {
            for i in 0..25u8 {
                c.encrypt(&key("load"), &enc(&[t, i])).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let all = events(dir.path());
    assert_eq!(all.len(), before + 200);
    let seqs: Vec<u64> = all.iter().map(|e| e.0).collect();
    assert_eq!(seqs, (1..=all.len() as u64).collect::<Vec<_>>());
    assert!(
        all.iter()
            .skip(before)
            .all(|e| e.1 == "key:encrypt" && e.2 == "ok")
    );
}

#[tokio::test]
async fn an_unwritable_trail_fails_requests_closed_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::dev_in(dir.path(), Some("root"));
    let c = server.client();
    let create = CreateKeyRequest::new("kept".parse().unwrap(), Algorithm::Aes256Gcm);
    let kept = c.create_key(&create).await.unwrap();
    let ct = c.encrypt(&key("kept"), &enc(b"secret")).await.unwrap();
    let recorded = events(dir.path()).len();

    raw(dir.path())
        .execute_batch(
            "CREATE TRIGGER sabotage BEFORE INSERT ON audit_events \
             BEGIN SELECT RAISE(ABORT, 'disk full'); END;",
        )
        .unwrap();
    let unavailable = ErrorCode::AuditUnavailable;
    let other = CreateKeyRequest::new("during".parse().unwrap(), Algorithm::Aes256Gcm);
    assert_eq!(code(c.create_key(&other).await), unavailable);
    assert_eq!(code(c.rotate_key(&key("kept")).await), unavailable);
    assert_eq!(code(c.suspend_key(&key("kept")).await), unavailable);
    assert_eq!(code(c.encrypt(&key("kept"), &enc(b"x")).await), unavailable);
    let dec = DecryptRequest {
        ciphertext: Base64(ct.ciphertext.0.clone()),
        context: enc(b"").context,
    };
    assert_eq!(code(c.decrypt(&key("kept"), &dec).await), unavailable);
    assert_eq!(
        code(c.list_keys(&ListKeysQuery::default()).await),
        unavailable
    );
    let anonymous = server.client_with(None);
    assert_eq!(code(anonymous.key(&key("kept")).await), unavailable);

    raw(dir.path())
        .execute_batch("DROP TRIGGER sabotage")
        .unwrap();
    assert_eq!(names(&c).await, ["kept"]);
    let now = c.key(&key("kept")).await.unwrap();
    assert_eq!(now.primary_version, kept.primary_version);
    assert_eq!(now.state, kept.state);
    assert_eq!(now.updated_at, kept.updated_at);
    // Nothing was recorded while the trail was down, and the chain goes on
    // from where it stopped.
    let all = events(dir.path());
    let seqs: Vec<u64> = all.iter().map(|e| e.0).collect();
    assert_eq!(seqs, (1..=all.len() as u64).collect::<Vec<_>>());
    assert_eq!(all.len(), recorded + 2, "the two list/show calls above");
    assert_eq!(
        c.decrypt(&key("kept"), &dec).await.unwrap().plaintext.0,
        b"secret"
    );
}
