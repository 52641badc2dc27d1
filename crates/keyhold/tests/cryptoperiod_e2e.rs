//! End to end: a key with a cryptoperiod, created with the CLI
//! (`--originator-usage-period`, `--recipient-usage-period`) and used over
//! REST, in a running server. Once its originator-usage period is over,
//! encrypt answers `409 cryptoperiod_ended` and decrypt still works; once
//! its recipient-usage period is over, the server's scheduler deactivates
//! it, audited as interface `scheduler`. PATCH changes the periods.
//!
//! The shortest period is an hour and the server runs on the system clock,
//! so the test moves the version's activation (and the key's recorded end
//! of its recipient-usage period) into the past by editing the rows in the
//! running server's database: what hours of waiting would have done.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::{Server, cli, code, ok};
use keyhold_api::ErrorCode;
use keyhold_api::b64::{Base64, SecretBase64};
use keyhold_api::keys::{DecryptRequest, EncryptRequest, KeyInfo};
use keyhold_api::lifecycle::{Patch, UpdateKeyRequest};
use keyhold_client::Client;
use keyhold_core::{KeyRef, KeyState};
use rusqlite::Connection;

const HOUR_MICROS: i64 = 3_600_000_000;

/// A production server whose scheduler ticks every second; initialized,
/// with a client and the root token.
async fn server(dir: &std::path::Path) -> (Server, Client, String) {
    let server = Server::production_with(
        dir,
        "plain_http_on_loopback = true\n[scheduler]\ninterval_secs = 1\n\
         [cache]\nkey_max_age_ms = 100\n",
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

/// Moves the key's activation, and what follows from it, `hours` into the
/// past. The server learns of it as of a change by another node: once its
/// key cache's entry is older than `key_max_age_ms` (100 ms here).
fn age(db: &std::path::Path, name: &str, hours: i64) {
    let conn = Connection::open(db).unwrap();
    conn.busy_timeout(Duration::from_secs(10)).unwrap();
    let shift = hours * HOUR_MICROS;
    let versions = conn
        .execute(
            "UPDATE key_versions SET activation_date = activation_date - ?1 \
             WHERE key_id = (SELECT id FROM keys WHERE name = ?2)",
            rusqlite::params![shift, name],
        )
        .unwrap();
    let keys = conn
        .execute(
            "UPDATE keys SET recipient_usage_end = recipient_usage_end - ?1 WHERE name = ?2",
            rusqlite::params![shift, name],
        )
        .unwrap();
    assert_eq!((versions, keys), (1, 1));
    std::thread::sleep(Duration::from_millis(200));
}

fn encrypt_req() -> EncryptRequest {
    EncryptRequest {
        plaintext: SecretBase64(b"protected".to_vec()),
        context: BTreeMap::new(),
    }
}

async fn wait_deactivated(c: &Client, k: &KeyRef) -> KeyInfo {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let info = c.key(k).await.unwrap();
        if info.state == KeyState::Deactivated {
            return info;
        }
        assert!(Instant::now() < deadline, "not deactivated: {info:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn a_cryptoperiod_stops_protection_then_deactivates_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let (server, c, token) = server(dir.path()).await;
    let db = server.data_dir.join("keyhold.db");
    let created = ok(cli(
        &server,
        Some(&token),
        &[
            "key",
            "create",
            "periodic",
            "--originator-usage-period",
            "1h",
            "--recipient-usage-period",
            "3h",
            "--json",
        ],
        b"",
    ));
    let info: KeyInfo = serde_json::from_str(&created).unwrap();
    assert_eq!(info.originator_usage_period_secs, Some(3_600));
    assert_eq!(info.recipient_usage_period_secs, Some(3 * 3_600));
    let activated = info.activation_date.unwrap();
    assert_eq!(info.protect_stop_date, Some(activated.plus_seconds(3_600)));
    assert_eq!(
        info.recipient_usage_end,
        Some(activated.plus_seconds(3 * 3_600))
    );
    let k = KeyRef::Id(info.id);
    let ct = c.encrypt(&k, &encrypt_req()).await.unwrap().ciphertext.0;

    // Past the originator-usage period: protect no more, process still.
    age(&db, "periodic", 1);
    let refused = c.encrypt(&k, &encrypt_req()).await;
    assert_eq!(code(refused), ErrorCode::CryptoperiodEnded);
    let http = reqwest::Client::new()
        .post(format!("{}/v1/keys/periodic/encrypt", server.url))
        .bearer_auth(&token)
        .json(&serde_json::json!({"plaintext": "AAAA"}))
        .send()
        .await
        .unwrap();
    assert_eq!(http.status().as_u16(), 409);
    let body: serde_json::Value = http.json().await.unwrap();
    assert_eq!(body["error"]["code"], "cryptoperiod_ended");
    let decrypt = DecryptRequest {
        ciphertext: Base64(ct),
        context: BTreeMap::new(),
    };
    assert_eq!(
        c.decrypt(&k, &decrypt).await.unwrap().plaintext.0,
        b"protected"
    );
    assert_eq!(c.key(&k).await.unwrap().state, KeyState::Active);

    // PATCH: a longer originator-usage period protects again.
    let longer = UpdateKeyRequest {
        originator_usage_period_secs: Patch::Set(2 * 3_600),
        ..Default::default()
    };
    let patched = c.update_key(&k, &longer).await.unwrap();
    assert_eq!(patched.originator_usage_period_secs, Some(2 * 3_600));
    c.encrypt(&k, &encrypt_req()).await.unwrap();
    let too_long = UpdateKeyRequest {
        originator_usage_period_secs: Patch::Set(4 * 3_600),
        ..Default::default()
    };
    let refused = c.update_key(&k, &too_long).await;
    assert_eq!(code(refused), ErrorCode::InvalidRequest);

    // Past the recipient-usage period: the scheduler deactivates it.
    age(&db, "periodic", 2);
    let info = wait_deactivated(&c, &k).await;
    assert_eq!(info.recipient_usage_end, None);
    assert_eq!(
        c.decrypt(&k, &decrypt).await.unwrap().plaintext.0,
        b"protected"
    );
    let audited: i64 = Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT COUNT(*) FROM audit_events WHERE interface = 'scheduler' \
             AND action = 'key:deactivate' AND outcome = 'ok'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(audited, 1);
}
