//! End to end, production mode: init with Shamir shares, restart sealed,
//! refuse wrong and repeated shares, unseal with 3 of 5, decrypt an old
//! ciphertext; a sealed server serves nothing but health, status, init and
//! unseal.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeMap;

use common::{Server, code};
use keyhold_api::ErrorCode;
use keyhold_api::b64::{Base64, SecretBase64};
use keyhold_api::keys::{CreateKeyRequest, DecryptRequest, EncryptRequest, ListKeysQuery};
use keyhold_api::sys::{HealthStatus, InitRequest, InitResponse};
use keyhold_client::Client;
use keyhold_core::{Algorithm, KeyRef};

async fn init(c: &Client, shares: u8, threshold: u8) -> InitResponse {
    c.init(&InitRequest { shares, threshold }).await.unwrap()
}

fn orders() -> KeyRef {
    "orders".parse().unwrap()
}

#[tokio::test]
async fn shamir_init_restart_unseal_decrypt() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::production_in(dir.path());
    let anon = server.client();
    assert_eq!(
        anon.health().await.unwrap().status,
        HealthStatus::Uninitialized
    );
    assert_eq!(
        code(anon.list_keys(&ListKeysQuery::default()).await),
        ErrorCode::NotInitialized
    );
    // Invalid configurations are refused and leave the server uninitialized.
    for (shares, threshold) in [(5, 0), (3, 4), (0, 0)] {
        let r = anon.init(&InitRequest { shares, threshold }).await;
        assert_eq!(
            code(r),
            ErrorCode::InvalidSealConfig,
            "{shares}/{threshold}"
        );
    }
    let first = init(&anon, 5, 3).await;
    assert_eq!(first.shares.len(), 5);
    assert_eq!(
        code(
            anon.init(&InitRequest {
                shares: 5,
                threshold: 3
            })
            .await
        ),
        ErrorCode::AlreadyInitialized
    );

    let c = server.client_with(Some(&first.root_token));
    let create = CreateKeyRequest::new("orders".parse().unwrap(), Algorithm::Aes256Gcm);
    c.create_key(&create).await.unwrap();
    let req = EncryptRequest {
        plaintext: SecretBase64(b"kept across restarts".to_vec()),
        context: BTreeMap::new(),
    };
    let ct = c.encrypt(&orders(), &req).await.unwrap().ciphertext;
    server.kill();

    // Shares from another server: well formed, but they do not unseal this one.
    let other_dir = tempfile::tempdir().unwrap();
    let other = Server::production_in(other_dir.path());
    let foreign = init(&other.client(), 5, 3).await;
    other.kill();

    let server = Server::production_in(dir.path());
    let c = server.client_with(Some(&first.root_token));
    let status = c.seal_status().await.unwrap();
    assert!(status.initialized && status.sealed);
    assert_eq!(
        (status.shares, status.threshold, status.progress),
        (Some(5), Some(3), 0)
    );
    assert_eq!(c.health().await.unwrap().status, HealthStatus::Sealed);
    assert_eq!(
        code(c.list_keys(&ListKeysQuery::default()).await),
        ErrorCode::Sealed
    );
    let dreq = || DecryptRequest {
        ciphertext: Base64(ct.0.clone()),
        context: BTreeMap::new(),
    };
    assert_eq!(code(c.decrypt(&orders(), &dreq()).await), ErrorCode::Sealed);

    // Malformed and repeated shares change nothing.
    assert_eq!(code(c.unseal("not-a-share").await), ErrorCode::InvalidShare);
    assert_eq!(c.unseal(&first.shares[0]).await.unwrap().progress, 1);
    assert_eq!(
        code(c.unseal(&first.shares[0]).await),
        ErrorCode::DuplicateShare
    );
    assert_eq!(c.seal_status().await.unwrap().progress, 1);
    // Wrong shares complete the threshold, fail, and reset the attempt.
    assert_eq!(c.unseal(&foreign.shares[1]).await.unwrap().progress, 2);
    assert_eq!(
        code(c.unseal(&foreign.shares[2]).await),
        ErrorCode::UnsealFailed
    );
    let status = c.seal_status().await.unwrap();
    assert!(status.sealed);
    assert_eq!(status.progress, 0);

    // Three right shares, in any order.
    for share in [&first.shares[4], &first.shares[1]] {
        assert!(c.unseal(share).await.unwrap().sealed);
    }
    assert!(!c.unseal(&first.shares[3]).await.unwrap().sealed);
    let pt = c.decrypt(&orders(), &dreq()).await.unwrap();
    assert_eq!(pt.plaintext.0, b"kept across restarts");

    // Seal again: key operations stop.
    assert!(c.seal().await.unwrap().sealed);
    assert_eq!(code(c.decrypt(&orders(), &dreq()).await), ErrorCode::Sealed);
    assert_eq!(code(c.seal().await), ErrorCode::Sealed);
}

/// Starts `keyhold server --config` with `text` and expects it to fail
/// with `needle` in its error output.
fn start_fails(dir: &std::path::Path, text: &str, needle: &str) {
    let config = dir.join("keyhold.toml");
    std::fs::write(&config, text).unwrap();
    let out = std::process::Command::new(common::bin())
        .args(["server", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(!out.status.success(), "{text}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(needle), "{text}: {err}");
}

#[test]
fn production_refuses_a_dev_data_dir_and_plain_http() {
    let dir = tempfile::tempdir().unwrap();
    Server::dev_in(dir.path(), Some("t")).kill();
    let data = dir.path().display();
    let plain_ok = "plain_http_on_loopback = true";
    let loopback = format!("listen = \"127.0.0.1:0\"\ndata_dir = \"{data}\"\n");
    start_fails(dir.path(), &format!("{loopback}{plain_ok}\n"), "dev mode");
    // Production without TLS: refused on loopback unless opted in, and
    // refused off loopback whatever the file says.
    start_fails(dir.path(), &loopback, "TLS is required");
    let any = "listen = \"0.0.0.0:0\"\ndata_dir = \"/tmp/never\"\n";
    start_fails(dir.path(), any, "TLS is required");
    start_fails(dir.path(), &format!("{any}{plain_ok}\n"), "TLS is required");
}
