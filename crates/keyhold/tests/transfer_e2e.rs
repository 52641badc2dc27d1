//! End to end: secure key transfer against a real server. The caller's side
//! (wrapping for import, unwrapping an export, opening a keyhold ciphertext
//! with the material) is done here with keyhold-crypto, as a customer's own
//! tooling would, to prove the server really holds and hands out the
//! caller's material. Every bad input gets its documented code and changes
//! nothing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::{Server, code};
use keyhold_api::ErrorCode;
use keyhold_api::b64::{Base64, SecretBase64};
use keyhold_api::keys::{CreateKeyRequest, DecryptRequest, EncryptRequest, KeyInfo, ListKeysQuery};
use keyhold_api::sys::InitRequest;
use keyhold_api::transfer::{
    ExportKeyRequest, ImportKeyRequest, ImportTokenId, ImportTokenRequest, ImportTokenResponse,
    WrappingAlgorithm, WrappingKeySpec,
};
use keyhold_client::Client;
use keyhold_core::{Algorithm, KeyRef, KeyState, Origin, TenantId, VersionNumber};
use keyhold_crypto::envelope::{self, Envelope};
use keyhold_crypto::transfer::{self, TransportScheme};
use keyhold_crypto::{CryptoProvider, KeyMaterial, SecretBytes};
use reqwest::Method;

fn crypto() -> CryptoProvider {
    keyhold_crypto::software()
}

fn key(s: &str) -> KeyRef {
    s.parse().unwrap()
}

fn scheme(a: WrappingAlgorithm) -> TransportScheme {
    match a {
        WrappingAlgorithm::RsaOaepSha256AesKwp => TransportScheme::RsaOaepSha256AesKwp,
        WrappingAlgorithm::MlKem768AesKwp => TransportScheme::MlKem768AesKwp,
    }
}

/// The caller's side of import: wraps `material` to the token's public key.
fn wrap(token: &ImportTokenResponse, material: &[u8]) -> Vec<u8> {
    transfer::wrap(
        &crypto(),
        scheme(token.algorithm),
        &token.public_key.0,
        material,
    )
    .unwrap()
}

fn import_req(
    name: &str,
    algorithm: Algorithm,
    token: ImportTokenId,
    wrapped: Vec<u8>,
) -> ImportKeyRequest {
    ImportKeyRequest {
        name: name.parse().unwrap(),
        algorithm,
        usage: None,
        description: String::new(),
        tags: BTreeMap::new(),
        exportable: false,
        import_token: token,
        wrapped_material: Base64(wrapped),
    }
}

async fn token(c: &Client) -> ImportTokenResponse {
    c.import_token(&ImportTokenRequest::default())
        .await
        .unwrap()
}

/// Imports `material` under a fresh token of `spec`.
async fn import(
    c: &Client,
    name: &str,
    algorithm: Algorithm,
    material: &[u8],
    spec: WrappingKeySpec,
    exportable: bool,
) -> KeyInfo {
    let t = c
        .import_token(&ImportTokenRequest {
            algorithm: None,
            wrapping_key_spec: Some(spec),
        })
        .await
        .unwrap();
    let mut req = import_req(name, algorithm, t.import_token, wrap(&t, material));
    req.exportable = exportable;
    c.import_key(&req).await.unwrap()
}

fn ctx() -> BTreeMap<String, String> {
    BTreeMap::from([("order".to_owned(), "42".to_owned())])
}

async fn encrypt(c: &Client, k: &str, data: &[u8]) -> Vec<u8> {
    let req = EncryptRequest {
        plaintext: SecretBase64(data.to_vec()),
        context: ctx(),
    };
    c.encrypt(&key(k), &req).await.unwrap().ciphertext.0
}

/// Opens a keyhold ciphertext with the key material, outside the server.
fn open_locally(tenant: TenantId, material: &KeyMaterial, ciphertext: &[u8]) -> Vec<u8> {
    let env = Envelope::parse(ciphertext).unwrap();
    let aad = envelope::data_aad(tenant, &env, &ctx());
    crypto()
        .aead
        .decrypt(material, &env.nonce, &aad, &env.ciphertext)
        .unwrap()
        .expose()
        .to_vec()
}

/// A recipient key pair made on the caller's side.
fn recipient(algorithm: Algorithm) -> (KeyMaterial, Vec<u8>) {
    let private = crypto().keygen.generate(algorithm).unwrap();
    let public = crypto().keygen.public_key(&private).unwrap().unwrap();
    (private, public)
}

fn export_req(public: &[u8], algorithm: WrappingAlgorithm) -> ExportKeyRequest {
    ExportKeyRequest {
        wrapping_key: Base64(public.to_vec()),
        wrapping_algorithm: algorithm,
        version: None,
    }
}

async fn key_count(c: &Client) -> usize {
    c.list_keys(&ListKeysQuery::default())
        .await
        .unwrap()
        .keys
        .len()
}

async fn raw(c: &Client, method: Method, path: &str, body: &str) -> (u16, serde_json::Value) {
    let resp = c
        .raw(method, path, Some(body.as_bytes().to_vec()))
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap_or_default())
}

fn error_code(body: &serde_json::Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("<none>")
}

#[tokio::test]
async fn an_imported_key_holds_exactly_the_callers_material() {
    let server = Server::dev();
    let c = server.client();
    let t = token(&c).await;
    assert_eq!(t.algorithm, WrappingAlgorithm::RsaOaepSha256AesKwp);
    assert_eq!(t.wrapping_key_spec, WrappingKeySpec::Rsa3072);
    let validity = t.expires_at.unix_seconds() - c_now();
    assert!((86_300..=86_400).contains(&validity), "{validity}");

    let known = [0x5Au8; 32];
    let req = import_req(
        "byok",
        Algorithm::Aes256Gcm,
        t.import_token,
        wrap(&t, &known),
    );
    let info = c.import_key(&req).await.unwrap();
    assert_eq!(info.origin, Origin::Imported);
    assert_eq!(info.state, KeyState::Active);
    assert_eq!(info.algorithm, Algorithm::Aes256Gcm);
    assert!(!info.exportable);
    assert_eq!(c.key(&key("byok")).await.unwrap(), info);

    // What keyhold encrypts opens with the caller's own copy of the key...
    let material =
        KeyMaterial::from_parts(Algorithm::Aes256Gcm, SecretBytes::new(known.to_vec())).unwrap();
    let ct = encrypt(&c, "byok", b"the imported key is used").await;
    assert_eq!(
        open_locally(info.tenant, &material, &ct),
        b"the imported key is used"
    );
    // ...and what the caller encrypts locally, keyhold decrypts.
    let mut env = Envelope::parse(&ct).unwrap();
    let sealed = crypto()
        .aead
        .encrypt(
            &material,
            &envelope::data_aad(info.tenant, &env, &ctx()),
            b"made outside",
        )
        .unwrap();
    env.nonce = sealed.nonce;
    env.ciphertext = sealed.ciphertext;
    let back = c
        .decrypt(
            &key("byok"),
            &DecryptRequest {
                ciphertext: Base64(env.encode()),
                context: ctx(),
            },
        )
        .await
        .unwrap();
    assert_eq!(back.plaintext.0, b"made outside");

    // The imported material is sealed at rest, like generated material.
    let raw_store = common::raw_store_bytes(&server.data_dir);
    assert!(!common::contains(&raw_store, &known));
}

fn c_now() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap()
}

#[tokio::test]
async fn an_exportable_key_unwraps_on_the_callers_side_with_rsa_and_ml_kem() {
    let server = Server::dev();
    let c = server.client();
    let mut create = CreateKeyRequest::new("portable".parse().unwrap(), Algorithm::Aes256Gcm);
    create.exportable = true;
    let info = c.create_key(&create).await.unwrap();
    let ct = encrypt(&c, "portable", b"secret data").await;
    let recipients = [
        (Algorithm::Rsa2048, WrappingAlgorithm::RsaOaepSha256AesKwp),
        (Algorithm::Rsa3072, WrappingAlgorithm::RsaOaepSha256AesKwp),
        (Algorithm::MlKem768, WrappingAlgorithm::MlKem768AesKwp),
    ];
    let mut exported = Vec::new();
    for (alg, wrapping) in recipients {
        let (private, public) = recipient(alg);
        let resp = c
            .export_key(&key("portable"), &export_req(&public, wrapping))
            .await
            .unwrap();
        assert_eq!(resp.key_id, info.id);
        assert_eq!(resp.version, VersionNumber::FIRST);
        assert_eq!(resp.algorithm, Algorithm::Aes256Gcm);
        assert_eq!(resp.wrapping_algorithm, wrapping);
        let secret = transfer::unwrap(&crypto(), &private, &resp.wrapped_material.0).unwrap();
        let material = KeyMaterial::from_parts(Algorithm::Aes256Gcm, secret).unwrap();
        assert_eq!(
            open_locally(info.tenant, &material, &ct),
            b"secret data",
            "{alg}"
        );
        exported.push(material.secret().expose().to_vec());
    }
    assert!(exported.windows(2).all(|w| w[0] == w[1]));
    // Export is not plaintext: the wrapped blob does not hold the key.
    let (_, public) = recipient(Algorithm::Rsa2048);
    let blob = c
        .export_key(
            &key(&info.id.to_string()),
            &export_req(&public, WrappingAlgorithm::RsaOaepSha256AesKwp),
        )
        .await
        .unwrap();
    assert!(!common::contains(&blob.wrapped_material.0, &exported[0]));
}

#[tokio::test]
async fn imported_material_of_every_kind_exports_back_unchanged() {
    let server = Server::dev();
    let c = server.client();
    let (rsa_private, rsa_public) = recipient(Algorithm::Rsa2048);
    let hmac = vec![0x33u8; 40];
    let ecdsa = crypto().keygen.generate(Algorithm::EcdsaP256).unwrap();
    let ml_kem = crypto().keygen.generate(Algorithm::MlKem768).unwrap();
    let cases = [
        ("mac", Algorithm::HmacSha256, hmac, WrappingKeySpec::Rsa3072),
        (
            "sig",
            Algorithm::EcdsaP256,
            ecdsa.secret().expose().to_vec(),
            WrappingKeySpec::MlKem768,
        ),
        (
            "kem",
            Algorithm::MlKem768,
            ml_kem.secret().expose().to_vec(),
            WrappingKeySpec::Rsa3072,
        ),
    ];
    for (name, alg, material, spec) in cases {
        let info = import(&c, name, alg, &material, spec, true).await;
        assert_eq!((info.algorithm, info.origin), (alg, Origin::Imported));
        assert!(info.exportable);
        let resp = c
            .export_key(
                &key(name),
                &export_req(&rsa_public, WrappingAlgorithm::RsaOaepSha256AesKwp),
            )
            .await
            .unwrap();
        let back = transfer::unwrap(&crypto(), &rsa_private, &resp.wrapped_material.0).unwrap();
        assert_eq!(back.expose(), &material[..], "{name}");
    }
}

#[tokio::test]
async fn non_exportable_keys_refuse_export_before_anything_else() {
    let server = Server::dev();
    let c = server.client();
    c.create_key(&CreateKeyRequest::new(
        "sealed-in".parse().unwrap(),
        Algorithm::Aes256Gcm,
    ))
    .await
    .unwrap();
    import(
        &c,
        "imported",
        Algorithm::Aes256Gcm,
        &[1; 32],
        WrappingKeySpec::Rsa3072,
        false,
    )
    .await;
    let (_, public) = recipient(Algorithm::Rsa2048);
    for name in ["sealed-in", "imported"] {
        let good = export_req(&public, WrappingAlgorithm::RsaOaepSha256AesKwp);
        let e = code(c.export_key(&key(name), &good).await);
        assert_eq!(e, ErrorCode::KeyNotExportable);
        assert_eq!(e.http_status(), 409);
        // A bad wrapping key or a missing version does not change the answer.
        let mut bad = export_req(&[0x30; 10], WrappingAlgorithm::MlKem768AesKwp);
        bad.version = Some(VersionNumber::new(9).unwrap());
        assert_eq!(
            code(c.export_key(&key(name), &bad).await),
            ErrorCode::KeyNotExportable
        );
    }
}

#[tokio::test]
async fn a_token_is_single_use_and_a_failed_import_neither_stores_nor_consumes() {
    let server = Server::dev();
    let c = server.client();
    c.create_key(&CreateKeyRequest::new(
        "taken".parse().unwrap(),
        Algorithm::Aes256Gcm,
    ))
    .await
    .unwrap();
    let t = token(&c).await;
    let id = t.import_token;
    let ed25519 = crypto().keygen.generate(Algorithm::Ed25519).unwrap();
    let other = token(&c).await;
    let ml_kem_token = c
        .import_token(&ImportTokenRequest {
            algorithm: Some(WrappingAlgorithm::MlKem768AesKwp),
            wrapping_key_spec: None,
        })
        .await
        .unwrap();
    let mut truncated = wrap(&t, &[1; 32]);
    truncated.truncate(383);
    let mut flipped = wrap(&t, &[1; 32]);
    flipped[400] ^= 1;
    let cases: Vec<(&str, Algorithm, Vec<u8>, ErrorCode)> = vec![
        // Material of the wrong length for the algorithm.
        (
            "short",
            Algorithm::Aes256Gcm,
            wrap(&t, &[1; 16]),
            ErrorCode::InvalidKeyMaterial,
        ),
        (
            "long",
            Algorithm::Aes256Gcm,
            wrap(&t, &[1; 33]),
            ErrorCode::InvalidKeyMaterial,
        ),
        // Another algorithm's key.
        (
            "not-ecdsa",
            Algorithm::EcdsaP256,
            wrap(&t, ed25519.secret().expose()),
            ErrorCode::InvalidKeyMaterial,
        ),
        (
            "garbage",
            Algorithm::Aes256Gcm,
            vec![0x42; 424],
            ErrorCode::InvalidWrappedMaterial,
        ),
        (
            "truncated",
            Algorithm::Aes256Gcm,
            truncated,
            ErrorCode::InvalidWrappedMaterial,
        ),
        (
            "flipped",
            Algorithm::Aes256Gcm,
            flipped,
            ErrorCode::InvalidWrappedMaterial,
        ),
        // Wrapped to another token's key, or with the other algorithm.
        (
            "other",
            Algorithm::Aes256Gcm,
            wrap(&other, &[1; 32]),
            ErrorCode::InvalidWrappedMaterial,
        ),
        (
            "ml-kem",
            Algorithm::Aes256Gcm,
            wrap(&ml_kem_token, &[1; 32]),
            ErrorCode::InvalidWrappedMaterial,
        ),
        (
            "taken",
            Algorithm::Aes256Gcm,
            wrap(&t, &[1; 32]),
            ErrorCode::KeyAlreadyExists,
        ),
    ];
    for (name, alg, blob, want) in cases {
        let got = code(c.import_key(&import_req(name, alg, id, blob)).await);
        assert_eq!(got, want, "{name}");
        if name != "taken" {
            assert_eq!(
                code(c.key(&key(name)).await),
                ErrorCode::KeyNotFound,
                "{name}"
            );
        }
        assert_eq!(key_count(&c).await, 1, "{name}");
    }
    // The same token still imports, once.
    let good = import_req("good", Algorithm::Aes256Gcm, id, wrap(&t, &[7; 32]));
    c.import_key(&good).await.unwrap();
    let again = import_req("again", Algorithm::Aes256Gcm, id, wrap(&t, &[7; 32]));
    assert_eq!(
        code(c.import_key(&again).await),
        ErrorCode::ImportTokenInvalid
    );
    assert_eq!(code(c.key(&key("again")).await), ErrorCode::KeyNotFound);
    assert_eq!(key_count(&c).await, 2);
}

#[tokio::test]
async fn malformed_import_requests_are_refused_and_change_nothing() {
    let server = Server::dev();
    let c = server.client();
    let t = token(&c).await;
    let blob = base64_of(&wrap(&t, &[9; 32]));
    let tok = t.import_token.to_string();
    let body = |name: &str, alg: &str, token: &str, material: &str, extra: &str| {
        format!(
            r#"{{"name":"{name}","algorithm":"{alg}","import_token":"{token}","wrapped_material":"{material}"{extra}}}"#
        )
    };
    let unknown = uuid_like();
    let cases = [
        (
            "unknown algorithm",
            body("a", "des-ede", &tok, &blob, ""),
            "invalid_request",
            400,
        ),
        (
            "bad base64",
            body("a", "aes-256-gcm", &tok, "not*base64", ""),
            "invalid_request",
            400,
        ),
        (
            "unknown field",
            body("a", "aes-256-gcm", &tok, &blob, r#","origin":"generated""#),
            "invalid_request",
            400,
        ),
        (
            "malformed token",
            body("a", "aes-256-gcm", "token-1", &blob, ""),
            "invalid_request",
            400,
        ),
        (
            "unknown token",
            body("a", "aes-256-gcm", &unknown, &blob, ""),
            "import_token_invalid",
            400,
        ),
        (
            "impossible usage",
            body("a", "aes-256-gcm", &tok, &blob, r#","usage":["sign"]"#),
            "invalid_usage",
            422,
        ),
        (
            "no algorithm",
            format!(r#"{{"name":"a","import_token":"{tok}","wrapped_material":"{blob}"}}"#),
            "invalid_request",
            400,
        ),
    ];
    for (what, text, want, status) in cases {
        let (got_status, got) = raw(&c, Method::POST, "/v1/keys/import", &text).await;
        assert_eq!((got_status, error_code(&got)), (status, want), "{what}");
        assert_eq!(key_count(&c).await, 0, "{what}");
    }
    // None of it used the token up.
    let ok = body("a", "aes-256-gcm", &tok, &blob, "");
    let (status, info) = raw(&c, Method::POST, "/v1/keys/import", &ok).await;
    assert_eq!(status, 201, "{info}");
    assert_eq!(info["origin"], "imported");
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn uuid_like() -> String {
    "5b8e0f0e-0a9c-4a3e-8f6e-2b1c0d9e8f7a".to_owned()
}

#[tokio::test]
async fn import_token_requests_pick_the_key_pair() {
    let server = Server::dev();
    let c = server.client();
    // No body at all, and an empty object: RSA-3072.
    let resp = c
        .raw(Method::POST, "/v1/keys/import-token", None)
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 201);
    let none: ImportTokenResponse = resp.json().await.unwrap();
    let empty = token(&c).await;
    for t in [&none, &empty] {
        assert_eq!(t.wrapping_key_spec, WrappingKeySpec::Rsa3072);
        assert_eq!(wrap(t, &[1; 32]).len(), 384 + 40);
    }
    assert_ne!(none.import_token, empty.import_token);
    let forms = [
        (
            r#"{"wrapping_key_spec":"rsa-4096"}"#,
            WrappingKeySpec::Rsa4096,
            512,
        ),
        (
            r#"{"algorithm":"ml-kem-768+aes-kwp"}"#,
            WrappingKeySpec::MlKem768,
            1088,
        ),
        (
            r#"{"algorithm":"rsa-oaep-sha256+aes-kwp","wrapping_key_spec":"rsa-3072"}"#,
            WrappingKeySpec::Rsa3072,
            384,
        ),
    ];
    for (text, spec, header) in forms {
        let (status, body) = raw(&c, Method::POST, "/v1/keys/import-token", text).await;
        assert_eq!(status, 201, "{text}: {body}");
        let t: ImportTokenResponse = serde_json::from_value(body).unwrap();
        assert_eq!(t.wrapping_key_spec, spec, "{text}");
        assert_eq!(t.algorithm, spec.algorithm(), "{text}");
        assert_eq!(wrap(&t, &[1; 32]).len(), header + 40, "{text}");
    }
    let bad = [
        r#"{"algorithm":"ml-kem-768+aes-kwp","wrapping_key_spec":"rsa-4096"}"#,
        r#"{"wrapping_key_spec":"rsa-1024"}"#,
        r#"{"algorithm":"rsaes-pkcs1-v1_5"}"#,
        r#"{"lifetime":60}"#,
        "not json",
    ];
    for text in bad {
        let (status, body) = raw(&c, Method::POST, "/v1/keys/import-token", text).await;
        assert_eq!(
            (status, error_code(&body)),
            (400, "invalid_request"),
            "{text}"
        );
    }
    let resp = c
        .raw(Method::POST, "/v1/keys/import-token", None)
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 201);
    // A body without a JSON content type is refused.
    let resp = reqwest::Client::new()
        .post(format!("{}/v1/keys/import-token", server.url))
        .bearer_auth(server.token.as_deref().unwrap())
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 415);
    // And without a token, nothing.
    let anon = server.client_with(None);
    assert_eq!(
        code(anon.import_token(&ImportTokenRequest::default()).await),
        ErrorCode::Unauthenticated
    );
}

#[tokio::test]
async fn expired_tokens_are_refused_and_store_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::production_with(
        dir.path(),
        "plain_http_on_loopback = true\nimport_token_validity_secs = 1\n",
    );
    let init = server
        .client()
        .init(&InitRequest {
            shares: 1,
            threshold: 1,
        })
        .await
        .unwrap();
    let c = server.client_with(Some(&init.root_token));
    let t = token(&c).await;
    assert!(t.expires_at.unix_seconds() - c_now() <= 1);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let req = import_req(
        "late",
        Algorithm::Aes256Gcm,
        t.import_token,
        wrap(&t, &[1; 32]),
    );
    let e = code(c.import_key(&req).await);
    assert_eq!(e, ErrorCode::ImportTokenExpired);
    assert_eq!(e.http_status(), 400);
    assert_eq!(code(c.key(&key("late")).await), ErrorCode::KeyNotFound);
    assert_eq!(key_count(&c).await, 0);
    // Still expired on a second try; a fresh token works.
    assert_eq!(
        code(c.import_key(&req).await),
        ErrorCode::ImportTokenExpired
    );
    let fresh = token(&c).await;
    let ok = import_req(
        "late",
        Algorithm::Aes256Gcm,
        fresh.import_token,
        wrap(&fresh, &[1; 32]),
    );
    c.import_key(&ok).await.unwrap();
}

#[tokio::test]
async fn tokens_do_not_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::dev_in(dir.path(), Some("restart-token"));
    let t = token(&server.client()).await;
    server.kill();
    let server = Server::dev_in(dir.path(), Some("restart-token"));
    let c = server.client();
    let req = import_req(
        "after",
        Algorithm::Aes256Gcm,
        t.import_token,
        wrap(&t, &[1; 32]),
    );
    assert_eq!(
        code(c.import_key(&req).await),
        ErrorCode::ImportTokenInvalid
    );
    assert_eq!(key_count(&c).await, 0);
}

#[tokio::test]
async fn malformed_export_requests_are_refused() {
    let server = Server::dev();
    let c = server.client();
    let mut create = CreateKeyRequest::new("ex".parse().unwrap(), Algorithm::Aes256Gcm);
    create.exportable = true;
    c.create_key(&create).await.unwrap();
    let (_, rsa) = recipient(Algorithm::Rsa2048);
    let (_, ml_kem) = recipient(Algorithm::MlKem768);
    let (_, ec) = recipient(Algorithm::EcdsaP256);
    let rsa_alg = WrappingAlgorithm::RsaOaepSha256AesKwp;
    let kem_alg = WrappingAlgorithm::MlKem768AesKwp;
    let bad_keys: [(&str, &[u8], WrappingAlgorithm); 5] = [
        ("garbage", &[0x30; 64], rsa_alg),
        ("an EC key", &ec, rsa_alg),
        ("ML-KEM key for RSA", &ml_kem, rsa_alg),
        ("RSA key for ML-KEM", &rsa, kem_alg),
        ("short ML-KEM key", &ml_kem[..1183], kem_alg),
    ];
    for (what, public, alg) in bad_keys {
        let e = code(c.export_key(&key("ex"), &export_req(public, alg)).await);
        assert_eq!(e, ErrorCode::InvalidWrappingKey, "{what}");
    }
    let mut v2 = export_req(&rsa, rsa_alg);
    v2.version = Some(VersionNumber::new(2).unwrap());
    assert_eq!(
        code(c.export_key(&key("ex"), &v2).await),
        ErrorCode::VersionNotFound
    );
    assert_eq!(
        code(
            c.export_key(&key("missing"), &export_req(&rsa, rsa_alg))
                .await
        ),
        ErrorCode::KeyNotFound
    );
    let b64 = base64_of(&rsa);
    let bodies = [
        format!(r#"{{"wrapping_key":"{b64}","wrapping_algorithm":"rsa-pkcs1"}}"#),
        format!(r#"{{"wrapping_key":"{b64}"}}"#),
        r#"{"wrapping_key":"%%%","wrapping_algorithm":"rsa-oaep-sha256+aes-kwp"}"#.to_owned(),
        format!(
            r#"{{"wrapping_key":"{b64}","wrapping_algorithm":"rsa-oaep-sha256+aes-kwp","version":0}}"#
        ),
        format!(
            r#"{{"wrapping_key":"{b64}","wrapping_algorithm":"rsa-oaep-sha256+aes-kwp","format":"raw"}}"#
        ),
    ];
    for text in bodies {
        let (status, body) = raw(&c, Method::POST, "/v1/keys/ex/export", &text).await;
        assert_eq!(
            (status, error_code(&body)),
            (400, "invalid_request"),
            "{text}"
        );
    }
    // GET on the export route is not export.
    let resp = c
        .raw(Method::GET, "/v1/keys/ex/export", None)
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 405);
}

#[tokio::test]
async fn the_transfer_route_words_are_not_key_names() {
    let server = Server::dev();
    let c = server.client();
    // A key named like a route could not be reached by name, so such names
    // are refused, and the refusal changes nothing.
    for name in ["import", "import-token"] {
        let body = format!(r#"{{"name":"{name}"}}"#).into_bytes();
        let resp = c.raw(Method::POST, "/v1/keys", Some(body)).await.unwrap();
        assert_eq!(resp.status().as_u16(), 400, "{name}");
        let err: keyhold_api::ErrorBody = resp.json().await.unwrap();
        assert_eq!(err.error.code, keyhold_api::ErrorCode::InvalidRequest);
    }
    let page = c.list_keys(&Default::default()).await.unwrap();
    assert!(page.keys.is_empty());
    // The literal routes still mean import.
    let t = token(&c).await;
    let req = import_req(
        "third",
        Algorithm::Aes256Gcm,
        t.import_token,
        wrap(&t, &[2; 32]),
    );
    assert_eq!(c.import_key(&req).await.unwrap().origin, Origin::Imported);
}

#[tokio::test]
async fn export_follows_the_version_state() {
    let server = Server::dev();
    let c = server.client();
    let mut create = CreateKeyRequest::new("life".parse().unwrap(), Algorithm::Aes256Gcm);
    create.exportable = true;
    c.create_key(&create).await.unwrap();
    let (private, public) = recipient(Algorithm::Rsa2048);
    let rsa = WrappingAlgorithm::RsaOaepSha256AesKwp;
    let export = |version: Option<u32>| {
        let mut req = export_req(&public, rsa);
        req.version = version.map(|v| VersionNumber::new(v).unwrap());
        let c = c.clone();
        async move { c.export_key(&key("life"), &req).await }
    };
    let material = |resp: keyhold_api::transfer::ExportKeyResponse| {
        transfer::unwrap(&crypto(), &private, &resp.wrapped_material.0)
            .unwrap()
            .expose()
            .to_vec()
    };
    let first = material(export(None).await.unwrap());

    // After rotation the primary is version 2; version 1 (Deactivated)
    // still exports, with its own material.
    c.rotate_key(&key("life")).await.unwrap();
    let primary = export(None).await.unwrap();
    assert_eq!(primary.version.get(), 2);
    assert_ne!(material(primary), first);
    assert_eq!(material(export(Some(1)).await.unwrap()), first);

    c.suspend_key(&key("life")).await.unwrap();
    assert_eq!(code(export(None).await), ErrorCode::KeyNotActive);
    c.resume_key(&key("life")).await.unwrap();
    export(None).await.unwrap();

    c.deactivate_key(&key("life")).await.unwrap();
    export(None).await.unwrap();
    c.archive_key(&key("life")).await.unwrap();
    assert_eq!(code(export(None).await), ErrorCode::KeyArchived);
    c.recover_key(&key("life")).await.unwrap();
    export(None).await.unwrap();

    c.schedule_key_destroy(&key("life"), &Default::default())
        .await
        .unwrap();
    assert_eq!(code(export(None).await), ErrorCode::DestroyScheduled);
    c.cancel_key_destroy(&key("life")).await.unwrap();
    export(None).await.unwrap();

    let revoke =
        keyhold_api::lifecycle::RevokeRequest::new(keyhold_core::RevocationReason::KeyCompromise);
    c.revoke_key(&key("life"), &revoke).await.unwrap();
    assert_eq!(code(export(None).await), ErrorCode::KeyNotActive);
}
