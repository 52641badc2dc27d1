//! End to end: the key cache on a real server. A key warmed by use answers
//! every change made over REST on the very next request: revocation,
//! rotation, suspension and resumption, deactivation.
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
use keyhold_api::keys::{CreateKeyRequest, DecryptRequest, EncryptRequest, EncryptResponse};
use keyhold_api::lifecycle::RevokeRequest;
use keyhold_client::{Client, ClientError};
use keyhold_core::{Algorithm, KeyRef, KeyState, RevocationReason, VersionNumber};

async fn encrypt(c: &Client, k: &KeyRef) -> Result<EncryptResponse, ClientError> {
    let req = EncryptRequest {
        plaintext: SecretBase64(b"warm".to_vec()),
        context: BTreeMap::new(),
    };
    c.encrypt(k, &req).await
}

async fn decrypt(c: &Client, k: &KeyRef, ciphertext: &[u8]) -> Result<Vec<u8>, ClientError> {
    let req = DecryptRequest {
        ciphertext: Base64(ciphertext.to_vec()),
        context: BTreeMap::new(),
    };
    c.decrypt(k, &req).await.map(|r| r.plaintext.0.clone())
}

/// A new AES key by name, used until warm; a ciphertext it made.
async fn warm(c: &Client, name: &str) -> (KeyRef, Vec<u8>) {
    let req = CreateKeyRequest::new(name.parse().unwrap(), Algorithm::Aes256Gcm);
    let info = c.create_key(&req).await.unwrap();
    let k = KeyRef::Name(info.name);
    let ciphertext = encrypt(c, &k).await.unwrap().ciphertext.0;
    for _ in 0..3 {
        encrypt(c, &k).await.unwrap();
        assert_eq!(decrypt(c, &k, &ciphertext).await.unwrap(), b"warm");
    }
    (k, ciphertext)
}

#[tokio::test]
async fn changes_over_rest_show_on_the_next_request() {
    let server = Server::dev();
    let c = server.client();

    let (k, ciphertext) = warm(&c, "cache-revoked").await;
    let compromise = RevokeRequest::new(RevocationReason::KeyCompromise);
    c.revoke_key(&k, &compromise).await.unwrap();
    assert!(encrypt(&c, &k).await.is_err(), "revoked: protects nothing");
    assert!(decrypt(&c, &k, &ciphertext).await.is_err(), "compromised");
    assert_eq!(c.key(&k).await.unwrap().state, KeyState::Compromised);

    let (k, ciphertext) = warm(&c, "cache-rotated").await;
    c.rotate_key(&k).await.unwrap();
    let two = VersionNumber::new(2).unwrap();
    assert_eq!(encrypt(&c, &k).await.unwrap().version, two);
    assert_eq!(decrypt(&c, &k, &ciphertext).await.unwrap(), b"warm");

    let (k, ciphertext) = warm(&c, "cache-suspended").await;
    c.suspend_key(&k).await.unwrap();
    assert!(encrypt(&c, &k).await.is_err());
    assert!(decrypt(&c, &k, &ciphertext).await.is_err());
    c.resume_key(&k).await.unwrap();
    encrypt(&c, &k).await.unwrap();

    let (k, ciphertext) = warm(&c, "cache-deactivated").await;
    c.deactivate_key(&k).await.unwrap();
    assert_eq!(code(encrypt(&c, &k).await), ErrorCode::KeyNotActive);
    assert_eq!(decrypt(&c, &k, &ciphertext).await.unwrap(), b"warm");
}
