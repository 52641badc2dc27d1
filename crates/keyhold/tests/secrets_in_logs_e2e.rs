//! Invariant 3 (DESIGN.md): no secret reaches a log. A production server
//! logging at trace level is initialized, unsealed, used and fed bad input;
//! its whole log then holds none of the secrets the run used: unseal
//! shares, the root token, plaintext (raw or base64) and data keys.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use common::{Server, code, contains};
use keyhold_api::b64::{Base64, SecretBase64};
use keyhold_api::crypto::GenerateDataKeyRequest;
use keyhold_api::keys::{CreateKeyRequest, DecryptRequest, EncryptRequest};
use keyhold_api::sys::InitRequest;
use keyhold_core::{Algorithm, KeyRef};

const PLAINTEXT: &[u8] = b"LOG-MARKER-plaintext-4c1d9e";

#[tokio::test]
async fn a_trace_level_log_holds_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("server.log");
    let server = Server::production_traced(dir.path(), &log);
    let anon = server.client();
    let init = anon
        .init(&InitRequest {
            shares: 3,
            threshold: 2,
        })
        .await
        .unwrap();
    let c = server.client_with(Some(&init.root_token));
    let key: KeyRef = "logged".parse().unwrap();
    c.create_key(&CreateKeyRequest::new(
        "logged".parse().unwrap(),
        Algorithm::Aes256Gcm,
    ))
    .await
    .unwrap();
    let ctx = BTreeMap::from([("purpose".to_owned(), "log-test".to_owned())]);
    let enc = EncryptRequest {
        plaintext: SecretBase64(PLAINTEXT.to_vec()),
        context: ctx.clone(),
    };
    let ct = c.encrypt(&key, &enc).await.unwrap().ciphertext;
    let dec = DecryptRequest {
        ciphertext: Base64(ct.0.clone()),
        context: ctx,
    };
    assert_eq!(c.decrypt(&key, &dec).await.unwrap().plaintext.0, PLAINTEXT);
    let dk_req: GenerateDataKeyRequest = serde_json::from_str("{}").unwrap();
    let data_key = c
        .generate_data_key(&key, &dk_req)
        .await
        .unwrap()
        .plaintext
        .unwrap();

    // Failures log too: a wrong context, a wrong token, wrong and repeated shares.
    let wrong = DecryptRequest {
        ciphertext: Base64(ct.0.clone()),
        context: BTreeMap::new(),
    };
    assert!(c.decrypt(&key, &wrong).await.is_err());
    let bad_token = server.client_with(Some(&format!("{}x", init.root_token)));
    assert!(bad_token.encrypt(&key, &enc).await.is_err());
    c.seal().await.unwrap();
    c.unseal(&init.shares[0]).await.unwrap();
    let _ = code(c.unseal(&init.shares[0]).await);
    c.unseal(&init.shares[2]).await.unwrap();
    assert!(c.encrypt(&key, &enc).await.is_ok());
    server.kill();

    let text = std::fs::read(&log).unwrap();
    assert!(
        text.len() > 1000,
        "the trace log is suspiciously short ({} bytes)",
        text.len()
    );
    let mut secrets: Vec<(String, Vec<u8>)> = vec![
        ("root token".into(), init.root_token.as_bytes().to_vec()),
        ("plaintext".into(), PLAINTEXT.to_vec()),
        (
            "plaintext, base64".into(),
            STANDARD.encode(PLAINTEXT).into_bytes(),
        ),
        (
            "data key, base64".into(),
            STANDARD.encode(&data_key.0).into_bytes(),
        ),
        ("data key".into(), data_key.0.clone()),
    ];
    for (i, share) in init.shares.iter().enumerate() {
        secrets.push((format!("share {i}"), share.as_bytes().to_vec()));
    }
    for (what, secret) in secrets {
        assert!(!contains(&text, &secret), "{what} found in the server log");
    }
}
