//! End to end: a dev server, keys created, listed, shown, used to encrypt and
//! decrypt, and every bad input refused with its code, changing nothing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{Server, code};
use keyhold_api::ErrorCode;
use keyhold_api::b64::{Base64, SecretBase64};
use keyhold_api::keys::{CreateKeyRequest, DecryptRequest, EncryptRequest, ListKeysQuery};
use keyhold_client::Client;
use keyhold_core::{Algorithm, KeyRef, KeyState, UsageMask};
use reqwest::Method;

fn create(name: &str, algorithm: Algorithm) -> CreateKeyRequest {
    CreateKeyRequest::new(name.parse().unwrap(), algorithm)
}

fn key(s: &str) -> KeyRef {
    s.parse().unwrap()
}

fn enc(data: &[u8], ctx: &[(&str, &str)]) -> EncryptRequest {
    EncryptRequest {
        plaintext: SecretBase64(data.to_vec()),
        context: ctx
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    }
}

fn dec(ciphertext: &[u8], ctx: &[(&str, &str)]) -> DecryptRequest {
    DecryptRequest {
        ciphertext: Base64(ciphertext.to_vec()),
        context: ctx
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    }
}

async fn all_keys(c: &Client) -> Vec<String> {
    let page = c.list_keys(&ListKeysQuery::default()).await.unwrap();
    page.keys.iter().map(|k| k.name.to_string()).collect()
}

#[tokio::test]
async fn create_list_show_encrypt_decrypt() {
    let server = Server::dev();
    let c = server.client();
    assert_eq!(
        c.health().await.unwrap().status,
        keyhold_api::sys::HealthStatus::Ok
    );
    let info = c
        .create_key(&create("orders", Algorithm::Aes256Gcm))
        .await
        .unwrap();
    assert_eq!(info.state, KeyState::Active);
    assert_eq!(info.usage, UsageMask::ENCRYPT.union(UsageMask::DECRYPT));
    c.create_key(&create("app/db", Algorithm::ChaCha20Poly1305))
        .await
        .unwrap();
    assert_eq!(all_keys(&c).await, ["app/db", "orders"]);
    let by_id = c.key(&KeyRef::Id(info.id)).await.unwrap();
    assert_eq!(by_id, c.key(&key("orders")).await.unwrap());

    for name in ["orders", "app/db"] {
        let ctx = [("table", "payments"), ("row", "42")];
        let ct = c
            .encrypt(&key(name), &enc(b"card 4111", &ctx))
            .await
            .unwrap();
        assert_eq!(ct.version.get(), 1);
        let pt = c
            .decrypt(&key(name), &dec(&ct.ciphertext.0, &ctx))
            .await
            .unwrap();
        assert_eq!(pt.plaintext.0, b"card 4111");
        // Two encryptions of the same plaintext differ (random nonces).
        let again = c
            .encrypt(&key(name), &enc(b"card 4111", &ctx))
            .await
            .unwrap();
        assert_ne!(again.ciphertext, ct.ciphertext);
    }
    let empty = c.encrypt(&key("orders"), &enc(b"", &[])).await.unwrap();
    assert!(
        c.decrypt(&key("orders"), &dec(&empty.ciphertext.0, &[]))
            .await
            .unwrap()
            .plaintext
            .0
            .is_empty()
    );
}

#[tokio::test]
async fn list_paginates_and_filters() {
    let server = Server::dev();
    let c = server.client();
    for i in 0..7 {
        c.create_key(&create(&format!("k{i}"), Algorithm::Aes256Gcm))
            .await
            .unwrap();
    }
    c.create_key(&create("mac", Algorithm::HmacSha256))
        .await
        .unwrap();
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let q = ListKeysQuery {
            limit: Some(3),
            cursor: cursor.clone(),
            ..Default::default()
        };
        let page = c.list_keys(&q).await.unwrap();
        seen.extend(page.keys.iter().map(|k| k.name.to_string()));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, ["k0", "k1", "k2", "k3", "k4", "k5", "k6", "mac"]);
    let q = ListKeysQuery {
        algorithm: Some(Algorithm::HmacSha256),
        ..Default::default()
    };
    assert_eq!(c.list_keys(&q).await.unwrap().keys.len(), 1);
    let q = ListKeysQuery {
        prefix: Some("k".into()),
        ..Default::default()
    };
    assert_eq!(c.list_keys(&q).await.unwrap().keys.len(), 7);
    let bad = ListKeysQuery {
        limit: Some(0),
        ..Default::default()
    };
    assert_eq!(code(c.list_keys(&bad).await), ErrorCode::InvalidRequest);
}

#[tokio::test]
async fn authentication_is_required() {
    let server = Server::dev();
    assert_eq!(
        code(
            server
                .client_with(None)
                .list_keys(&ListKeysQuery::default())
                .await
        ),
        ErrorCode::Unauthenticated
    );
    let wrong = server.client_with(Some("not-the-token"));
    assert_eq!(
        code(wrong.create_key(&create("x", Algorithm::Aes256Gcm)).await),
        ErrorCode::Unauthenticated
    );
    assert!(all_keys(&server.client()).await.is_empty());
}

#[tokio::test]
async fn bad_create_requests_change_nothing() {
    let server = Server::dev();
    let c = server.client();
    let original = c
        .create_key(&create("orders", Algorithm::Aes256Gcm))
        .await
        .unwrap();
    // Same name again.
    let dup = create("orders", Algorithm::HmacSha512);
    assert_eq!(code(c.create_key(&dup).await), ErrorCode::KeyAlreadyExists);
    assert_eq!(c.key(&key("orders")).await.unwrap(), original);
    // Usage the algorithm cannot have.
    let mut mismatch = create("mac", Algorithm::HmacSha256);
    mismatch.usage = Some(UsageMask::ENCRYPT);
    assert_eq!(code(c.create_key(&mismatch).await), ErrorCode::InvalidUsage);
    // Malformed bodies, sent raw.
    let cases: [(&str, ErrorCode); 6] = [
        ("{not json", ErrorCode::InvalidRequest),
        (
            r#"{"name":"x","algoritm":"aes-256-gcm"}"#,
            ErrorCode::InvalidRequest,
        ),
        (
            r#"{"name":"x","algorithm":"des-cbc"}"#,
            ErrorCode::InvalidRequest,
        ),
        (r#"{"name":"bad name"}"#, ErrorCode::InvalidRequest),
        (r#"{"name":"x","usage":["fly"]}"#, ErrorCode::InvalidRequest),
        (
            r#"{"name":"67e55044-10b1-426f-9247-bb680e5fe0c8"}"#,
            ErrorCode::InvalidRequest,
        ),
    ];
    for (body, want) in cases {
        let resp = c
            .raw(Method::POST, "/v1/keys", Some(body.as_bytes().to_vec()))
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), want.http_status(), "{body}");
        let err: keyhold_api::ErrorBody = resp.json().await.unwrap();
        assert_eq!(err.error.code, want, "{body}");
        assert!(!err.error.request_id.is_empty());
    }
    assert_eq!(all_keys(&c).await, ["orders"]);
}

#[tokio::test]
async fn transport_level_bad_input() {
    let server = Server::dev();
    let c = server.client();
    // Over the 1 MiB limit.
    let big = format!(r#"{{"plaintext":"{}"}}"#, "A".repeat(2 << 20));
    c.create_key(&create("orders", Algorithm::Aes256Gcm))
        .await
        .unwrap();
    let resp = c
        .raw(
            Method::POST,
            "/v1/keys/orders/encrypt",
            Some(big.into_bytes()),
        )
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 413);
    let err: keyhold_api::ErrorBody = resp.json().await.unwrap();
    assert_eq!(err.error.code, ErrorCode::PayloadTooLarge);
    // No content type.
    let http = reqwest::Client::new();
    let resp = http
        .post(format!("{}/v1/keys/orders/encrypt", server.url))
        .bearer_auth(server.token.as_deref().unwrap())
        .body(r#"{"plaintext":"aGk="}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 415);
    // Unknown route and wrong method.
    let resp = c.raw(Method::GET, "/v1/nope", None).await.unwrap();
    assert_eq!(
        resp.json::<keyhold_api::ErrorBody>()
            .await
            .unwrap()
            .error
            .code,
        ErrorCode::NotFound
    );
    let resp = c.raw(Method::DELETE, "/v1/keys", None).await.unwrap();
    assert_eq!(
        resp.json::<keyhold_api::ErrorBody>()
            .await
            .unwrap()
            .error
            .code,
        ErrorCode::MethodNotAllowed
    );
    // Bad base64 in a field.
    let resp = c
        .raw(
            Method::POST,
            "/v1/keys/orders/encrypt",
            Some(br#"{"plaintext":"@@@"}"#.to_vec()),
        )
        .await
        .unwrap();
    assert_eq!(
        resp.json::<keyhold_api::ErrorBody>()
            .await
            .unwrap()
            .error
            .code,
        ErrorCode::InvalidRequest
    );
    // Every response carries a request id.
    let resp = c.raw(Method::GET, "/v1/sys/health", None).await.unwrap();
    assert!(resp.headers().contains_key("x-request-id"));
}

#[tokio::test]
async fn wrong_key_usage_and_algorithm() {
    let server = Server::dev();
    let c = server.client();
    c.create_key(&create("signer", Algorithm::Ed25519))
        .await
        .unwrap();
    assert_eq!(
        code(c.encrypt(&key("signer"), &enc(b"x", &[])).await),
        ErrorCode::UnsupportedOperation
    );
    let mut enc_only = create("enc-only", Algorithm::Aes256Gcm);
    enc_only.usage = Some(UsageMask::ENCRYPT);
    c.create_key(&enc_only).await.unwrap();
    let ct = c.encrypt(&key("enc-only"), &enc(b"x", &[])).await.unwrap();
    assert_eq!(
        code(
            c.decrypt(&key("enc-only"), &dec(&ct.ciphertext.0, &[]))
                .await
        ),
        ErrorCode::UsageNotPermitted
    );
    assert_eq!(
        code(c.encrypt(&key("missing"), &enc(b"x", &[])).await),
        ErrorCode::KeyNotFound
    );
    let unknown_id = key("67e55044-10b1-426f-9247-bb680e5fe0c8");
    assert_eq!(code(c.key(&unknown_id).await), ErrorCode::KeyNotFound);
}

#[tokio::test]
async fn tampered_truncated_moved_or_recontexted_ciphertexts_fail() {
    let server = Server::dev();
    let c = server.client();
    let a = c
        .create_key(&create("a", Algorithm::Aes256Gcm))
        .await
        .unwrap();
    let b = c
        .create_key(&create("b", Algorithm::Aes256Gcm))
        .await
        .unwrap();
    let ctx = [("purpose", "test")];
    let ct = c
        .encrypt(&key("a"), &enc(b"secret data", &ctx))
        .await
        .unwrap()
        .ciphertext
        .0;

    // Flip each byte in turn: header bytes give invalid_ciphertext,
    // key_not_found or key_mismatch; body bytes give decryption_failed.
    for i in 0..ct.len() {
        let mut bad = ct.clone();
        bad[i] ^= 0x01;
        let got = code(c.decrypt(&key("a"), &dec(&bad, &ctx)).await);
        assert!(
            matches!(
                got,
                ErrorCode::InvalidCiphertext
                    | ErrorCode::DecryptionFailed
                    | ErrorCode::KeyNotFound
                    | ErrorCode::KeyMismatch
            ),
            "byte {i}: {got:?}"
        );
    }
    for len in [0, 1, 3, 10, 25, ct.len() - 1] {
        let got = code(c.decrypt(&key("a"), &dec(&ct[..len], &ctx)).await);
        assert!(
            matches!(
                got,
                ErrorCode::InvalidCiphertext | ErrorCode::DecryptionFailed
            ),
            "len {len}: {got:?}"
        );
    }
    // Another key in the path.
    assert_eq!(
        code(c.decrypt(&key("b"), &dec(&ct, &ctx)).await),
        ErrorCode::KeyMismatch
    );
    // The envelope rewritten to name key b: the AAD no longer matches.
    let mut moved = ct.clone();
    let pos = moved
        .windows(16)
        .position(|w| w == a.id.as_bytes())
        .unwrap();
    moved[pos..pos + 16].copy_from_slice(b.id.as_bytes());
    assert_eq!(
        code(c.decrypt(&key("b"), &dec(&moved, &ctx)).await),
        ErrorCode::DecryptionFailed
    );
    // Different or missing context.
    assert_eq!(
        code(
            c.decrypt(&key("a"), &dec(&ct, &[("purpose", "other")]))
                .await
        ),
        ErrorCode::DecryptionFailed
    );
    assert_eq!(
        code(c.decrypt(&key("a"), &dec(&ct, &[])).await),
        ErrorCode::DecryptionFailed
    );
    // And the original still decrypts: nothing changed.
    assert_eq!(
        c.decrypt(&key("a"), &dec(&ct, &ctx))
            .await
            .unwrap()
            .plaintext
            .0,
        b"secret data"
    );
}

/// Creations are group-committed: many at once, some racing for one name,
/// each get their own answer and their own event, and the trail verifies.
#[tokio::test]
async fn concurrent_creations_each_get_their_answer_and_event() {
    let server = Server::dev();
    let c = server.client();
    let before = c.audit_verify().await.unwrap().events;
    let mut tasks = Vec::new();
    for i in 0..48 {
        let c = c.clone();
        let name = if i % 2 == 0 {
            "contended".to_owned()
        } else {
            format!("distinct-{i}")
        };
        tasks.push(tokio::spawn(async move {
            c.create_key(&create(&name, Algorithm::Aes256Gcm)).await
        }));
    }
    let mut created = 0;
    let mut taken = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => created += 1,
            Err(e) => {
                assert_eq!(code::<()>(Err(e)), ErrorCode::KeyAlreadyExists);
                taken += 1;
            }
        }
    }
    assert_eq!((created, taken), (25, 23));
    let mut names = all_keys(&c).await;
    names.sort();
    assert_eq!(names.len(), 25);
    assert!(names.contains(&"contended".to_owned()));
    let q = keyhold_api::audit::AuditEventsQuery {
        action: Some(keyhold_core::Action::KeyCreate),
        limit: Some(1000),
        ..Default::default()
    };
    let events = c.audit_events(&q).await.unwrap().events;
    let ok = events
        .iter()
        .filter(|e| e.outcome.result == keyhold_core::audit::OutcomeKind::Ok)
        .count();
    assert_eq!((ok, events.len()), (25, 48));
    let report = c.audit_verify().await.unwrap();
    assert!(report.ok, "{report:?}");
    assert!(report.events >= before + 48);
}
