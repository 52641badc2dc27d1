//! End to end: the cryptographic endpoints against a real dev server. Round
//! trips for every algorithm and signature scheme, verification that fails
//! on tampering, batches with bad items, and every bad input refused with
//! its documented code, changing nothing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use aws_lc_rs::digest;
use common::{Server, code};
use keyhold_api::ErrorCode;
use keyhold_api::b64::{Base64, SecretBase64};
use keyhold_api::crypto::{
    BatchDecryptRequest, BatchEncryptRequest, BatchResult, DecapsulateRequest,
    GenerateDataKeyRequest, MacRequest, MacVerifyRequest, ReencryptRequest, SignRequest,
    SignatureScheme, VerifyRequest,
};
use keyhold_api::keys::{CreateKeyRequest, DecryptRequest, EncryptRequest};
use keyhold_api::lifecycle::KeyVersions;
use keyhold_client::Client;
use keyhold_core::{Algorithm, KeyRef, KeyState, UsageMask, VersionNumber};
use reqwest::Method;

fn key(s: &str) -> KeyRef {
    s.parse().unwrap()
}

fn v(n: u32) -> VersionNumber {
    VersionNumber::new(n).unwrap()
}

async fn create(c: &Client, name: &str, algorithm: Algorithm, usage: Option<UsageMask>) {
    let req = CreateKeyRequest {
        usage,
        ..CreateKeyRequest::new(name.parse().unwrap(), algorithm)
    };
    c.create_key(&req).await.unwrap();
}

fn ctx(pairs: &[(&str, &str)]) -> keyhold_api::keys::EncryptionContext {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn enc(data: &[u8], context: &[(&str, &str)]) -> EncryptRequest {
    EncryptRequest {
        plaintext: SecretBase64(data.to_vec()),
        context: ctx(context),
    }
}

fn dec(ciphertext: &[u8], context: &[(&str, &str)]) -> DecryptRequest {
    DecryptRequest {
        ciphertext: Base64(ciphertext.to_vec()),
        context: ctx(context),
    }
}

fn enc_dec() -> Option<UsageMask> {
    Some(UsageMask::ENCRYPT.union(UsageMask::DECRYPT))
}

/// A key and its versions, to show a refused request changed nothing.
async fn snapshot(c: &Client, name: &str) -> (keyhold_api::keys::KeyInfo, KeyVersions) {
    (
        c.key(&key(name)).await.unwrap(),
        c.key_versions(&key(name)).await.unwrap(),
    )
}

/// Sends `body` raw to `path`; returns the error code.
async fn raw_code(c: &Client, path: &str, body: &str) -> ErrorCode {
    let resp = c
        .raw(Method::POST, path, Some(body.as_bytes().to_vec()))
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let err: keyhold_api::ErrorBody = resp.json().await.unwrap();
    assert_eq!(status, err.error.code.http_status(), "{path} {body}");
    err.error.code
}

#[tokio::test]
async fn encrypt_and_decrypt_round_trip_for_every_encrypting_algorithm() {
    let server = Server::dev();
    let c = server.client();
    let cases = [
        (Algorithm::Aes256Gcm, 4096),
        (Algorithm::ChaCha20Poly1305, 4096),
        (Algorithm::Rsa2048, 190),
        (Algorithm::Rsa3072, 318),
        (Algorithm::Rsa4096, 446),
    ];
    for (alg, max) in cases {
        let name = format!("k-{alg}");
        create(&c, &name, alg, enc_dec()).await;
        let context = [("app", "billing"), ("row", "7")];
        for len in [0, 1, max] {
            let data = vec![0x5A; len];
            let ct = c.encrypt(&key(&name), &enc(&data, &context)).await.unwrap();
            assert_eq!(ct.version, v(1));
            let pt = c
                .decrypt(&key(&name), &dec(&ct.ciphertext.0, &context))
                .await
                .unwrap();
            assert_eq!(pt.plaintext.0, data, "{alg} {len}");
            // No key in the path: the envelope names it.
            let any = c
                .decrypt_any(&dec(&ct.ciphertext.0, &context))
                .await
                .unwrap();
            assert_eq!(any.plaintext.0, data);
            assert_eq!(any.key_id, ct.key_id);
            // The context is bound: another one, or none, fails.
            let other_contexts: [&[(&str, &str)]; 2] = [&[("app", "billing"), ("row", "8")], &[]];
            for other in other_contexts {
                assert_eq!(
                    code(c.decrypt(&key(&name), &dec(&ct.ciphertext.0, other)).await),
                    ErrorCode::DecryptionFailed,
                    "{alg}"
                );
            }
            // Any flipped byte in the body fails.
            let mut bad = ct.ciphertext.0.clone();
            let last = bad.len() - 1;
            bad[last] ^= 1;
            assert_eq!(
                code(c.decrypt(&key(&name), &dec(&bad, &context)).await),
                ErrorCode::DecryptionFailed
            );
        }
        if alg.as_str().starts_with("rsa") {
            // One byte more than RSA-OAEP-SHA-256 carries.
            assert_eq!(
                code(c.encrypt(&key(&name), &enc(&vec![1; max + 1], &[])).await),
                ErrorCode::InvalidRequest
            );
        }
    }
    for alg in [
        Algorithm::HmacSha256,
        Algorithm::Ed25519,
        Algorithm::EcdsaP256,
        Algorithm::MlKem768,
        Algorithm::MlDsa65,
        Algorithm::Aes256KeyWrap,
    ] {
        let name = format!("k-{alg}");
        create(&c, &name, alg, None).await;
        assert_eq!(
            code(c.encrypt(&key(&name), &enc(b"x", &[])).await),
            ErrorCode::UnsupportedOperation,
            "{alg}"
        );
    }
}

#[tokio::test]
async fn decrypt_without_a_key_in_the_path() {
    let server = Server::dev();
    let c = server.client();
    create(&c, "a", Algorithm::Aes256Gcm, None).await;
    let ct = c.encrypt(&key("a"), &enc(b"hi", &[])).await.unwrap();
    assert_eq!(
        c.decrypt_any(&dec(&ct.ciphertext.0, &[]))
            .await
            .unwrap()
            .plaintext
            .0,
        b"hi"
    );
    assert_eq!(
        code(c.decrypt_any(&dec(b"not an envelope", &[])).await),
        ErrorCode::InvalidCiphertext
    );
    // An envelope naming a key that does not exist.
    let mut orphan = ct.ciphertext.0.clone();
    orphan[4..20].copy_from_slice(&[0x11; 16]);
    assert_eq!(
        code(c.decrypt_any(&dec(&orphan, &[])).await),
        ErrorCode::KeyNotFound
    );
    // An envelope naming a version the key never had.
    let mut future = ct.ciphertext.0.clone();
    future[20..24].copy_from_slice(&9u32.to_be_bytes());
    assert_eq!(
        code(c.decrypt_any(&dec(&future, &[])).await),
        ErrorCode::DecryptionFailed
    );
}

fn reenc(ciphertext: &[u8], context: &[(&str, &str)]) -> ReencryptRequest {
    ReencryptRequest {
        ciphertext: Base64(ciphertext.to_vec()),
        context: ctx(context),
        destination_key: None,
        destination_context: None,
    }
}

#[tokio::test]
async fn reencrypt_moves_ciphertexts_to_the_primary_or_another_key() {
    let server = Server::dev();
    let c = server.client();
    create(&c, "a", Algorithm::Aes256Gcm, None).await;
    create(&c, "b", Algorithm::ChaCha20Poly1305, None).await;
    create(&c, "r", Algorithm::Rsa2048, enc_dec()).await;
    let context = [("t", "1")];
    let old = c
        .encrypt(&key("a"), &enc(b"payload", &context))
        .await
        .unwrap();
    c.rotate_key(&key("a")).await.unwrap();
    // Same key: to the new primary version.
    let moved = c
        .reencrypt(&key("a"), &reenc(&old.ciphertext.0, &context))
        .await
        .unwrap();
    assert_eq!((moved.version, moved.source_version), (v(2), v(1)));
    assert_eq!(moved.key_id, old.key_id);
    let pt = c
        .decrypt(&key("a"), &dec(&moved.ciphertext.0, &context))
        .await
        .unwrap();
    assert_eq!(
        (pt.plaintext.0.as_slice(), pt.version),
        (&b"payload"[..], v(2))
    );
    // Another key, another context; then RSA as the destination.
    for dest in ["b", "r"] {
        let req = ReencryptRequest {
            destination_key: Some(key(dest)),
            destination_context: Some(ctx(&[("t", "2")])),
            ..reenc(&old.ciphertext.0, &context)
        };
        let to = c.reencrypt(&key("a"), &req).await.unwrap();
        let back = c
            .decrypt(&key(dest), &dec(&to.ciphertext.0, &[("t", "2")]))
            .await
            .unwrap();
        assert_eq!(back.plaintext.0, b"payload", "{dest}");
        assert_eq!(
            code(
                c.decrypt(&key(dest), &dec(&to.ciphertext.0, &context))
                    .await
            ),
            ErrorCode::DecryptionFailed
        );
    }
    // Refusals.
    create(&c, "mac", Algorithm::HmacSha256, None).await;
    let before = snapshot(&c, "a").await;
    let cases: [(ReencryptRequest, &str, ErrorCode); 5] = [
        (
            reenc(&old.ciphertext.0, &[]),
            "a",
            ErrorCode::DecryptionFailed,
        ),
        (
            reenc(&old.ciphertext.0, &context),
            "b",
            ErrorCode::KeyMismatch,
        ),
        (
            reenc(b"garbage", &context),
            "a",
            ErrorCode::InvalidCiphertext,
        ),
        (
            ReencryptRequest {
                destination_key: Some(key("missing")),
                ..reenc(&old.ciphertext.0, &context)
            },
            "a",
            ErrorCode::KeyNotFound,
        ),
        (
            ReencryptRequest {
                destination_key: Some(key("mac")),
                ..reenc(&old.ciphertext.0, &context)
            },
            "a",
            ErrorCode::UnsupportedOperation,
        ),
    ];
    for (req, path, want) in cases {
        assert_eq!(code(c.reencrypt(&key(path), &req).await), want, "{want}");
    }
    c.suspend_key(&key("b")).await.unwrap();
    let to_suspended = ReencryptRequest {
        destination_key: Some(key("b")),
        ..reenc(&old.ciphertext.0, &context)
    };
    assert_eq!(
        code(c.reencrypt(&key("a"), &to_suspended).await),
        ErrorCode::KeyNotActive
    );
    assert_eq!(snapshot(&c, "a").await, before);
}

fn gdk(bytes: u32, include_plaintext: bool) -> GenerateDataKeyRequest {
    GenerateDataKeyRequest {
        bytes,
        context: ctx(&[("purpose", "files")]),
        include_plaintext,
    }
}

#[tokio::test]
async fn generate_data_key_wraps_a_fresh_key() {
    let server = Server::dev();
    let c = server.client();
    create(&c, "kek", Algorithm::Aes256Gcm, None).await;
    let mut seen = Vec::new();
    for bytes in [16, 32, 64] {
        let dk = c
            .generate_data_key(&key("kek"), &gdk(bytes, true))
            .await
            .unwrap();
        let plain = dk.plaintext.unwrap().0.clone();
        assert_eq!(plain.len(), bytes as usize);
        let unwrapped = c
            .decrypt(&key("kek"), &dec(&dk.ciphertext.0, &[("purpose", "files")]))
            .await
            .unwrap();
        assert_eq!(unwrapped.plaintext.0, plain);
        assert!(!seen.contains(&plain), "data keys repeat");
        seen.push(plain);
        assert_eq!(
            code(c.decrypt(&key("kek"), &dec(&dk.ciphertext.0, &[])).await),
            ErrorCode::DecryptionFailed
        );
    }
    let wrapped_only = c
        .generate_data_key(&key("kek"), &gdk(32, false))
        .await
        .unwrap();
    assert!(wrapped_only.plaintext.is_none());
    let raw: serde_json::Value = c
        .raw(
            Method::POST,
            "/v1/keys/kek/generate-data-key",
            Some(br#"{"include_plaintext":false}"#.to_vec()),
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(raw.get("plaintext").is_none(), "{raw}");
    assert!(raw["ciphertext"].is_string());
    // Refusals.
    create(&c, "rsa", Algorithm::Rsa2048, enc_dec()).await;
    create(
        &c,
        "dec-only",
        Algorithm::Aes256Gcm,
        Some(UsageMask::DECRYPT),
    )
    .await;
    for bytes in [0, 15, 65, 4096] {
        assert_eq!(
            code(c.generate_data_key(&key("kek"), &gdk(bytes, true)).await),
            ErrorCode::InvalidRequest,
            "{bytes}"
        );
    }
    assert_eq!(
        code(c.generate_data_key(&key("rsa"), &gdk(32, true)).await),
        ErrorCode::UnsupportedOperation
    );
    assert_eq!(
        code(c.generate_data_key(&key("dec-only"), &gdk(32, true)).await),
        ErrorCode::UsageNotPermitted
    );
}

/// The schemes that fit `alg`, as the crypto crate says.
fn schemes(alg: Algorithm) -> Vec<SignatureScheme> {
    SignatureScheme::ALL
        .into_iter()
        .filter(|s| {
            s.as_str()
                .parse::<keyhold_crypto::SignatureScheme>()
                .unwrap()
                .fits(alg)
        })
        .collect()
}

fn hash(scheme: SignatureScheme, message: &[u8]) -> Option<Vec<u8>> {
    let alg = match scheme.as_str() {
        s if s.ends_with("sha256") => &digest::SHA256,
        s if s.ends_with("sha384") => &digest::SHA384,
        s if s.ends_with("sha512") => &digest::SHA512,
        _ => return None,
    };
    Some(digest::digest(alg, message).as_ref().to_vec())
}

fn sign_msg(message: &[u8], s: SignatureScheme) -> SignRequest {
    SignRequest {
        message: Some(Base64(message.to_vec())),
        digest: None,
        scheme: Some(s),
    }
}

fn sign_dig(digest: &[u8], s: SignatureScheme) -> SignRequest {
    SignRequest {
        message: None,
        digest: Some(Base64(digest.to_vec())),
        scheme: Some(s),
    }
}

fn verify_req(message: &[u8], signature: &[u8], s: SignatureScheme) -> VerifyRequest {
    VerifyRequest {
        message: Some(Base64(message.to_vec())),
        digest: None,
        signature: Base64(signature.to_vec()),
        scheme: Some(s),
        version: None,
    }
}

/// Signs over the message and over its digest with every scheme of `name`;
/// each signature verifies either way, and fails on any change.
async fn sign_and_verify_every_scheme(c: &Client, name: &str, alg: Algorithm) {
    let msg = b"the message";
    for s in schemes(alg) {
        let signed = c.sign(&key(name), &sign_msg(msg, s)).await.unwrap();
        assert_eq!((signed.scheme, signed.version), (s, v(1)));
        let sig = signed.signature.0;
        let ok = c
            .verify(&key(name), &verify_req(msg, &sig, s))
            .await
            .unwrap();
        assert!(ok.valid, "{s}");
        let tampered_msg = verify_req(b"the messagE", &sig, s);
        assert!(
            !c.verify(&key(name), &tampered_msg).await.unwrap().valid,
            "{s}"
        );
        let mut bad = sig.clone();
        bad[sig.len() / 2] ^= 0x04;
        assert!(
            !c.verify(&key(name), &verify_req(msg, &bad, s))
                .await
                .unwrap()
                .valid
        );
        let Some(d) = hash(s, msg) else { continue };
        let over_digest = c.sign(&key(name), &sign_dig(&d, s)).await.unwrap();
        let by_message = verify_req(msg, &over_digest.signature.0, s);
        let ok = c.verify(&key(name), &by_message).await.unwrap();
        assert!(
            ok.valid,
            "{s}: a digest signature verifies over the message"
        );
        let by_digest = VerifyRequest {
            message: None,
            digest: Some(Base64(d.clone())),
            ..verify_req(b"", &sig, s)
        };
        assert!(c.verify(&key(name), &by_digest).await.unwrap().valid, "{s}");
    }
}

#[tokio::test]
async fn sign_and_verify_round_trip_for_every_algorithm_and_scheme() {
    let server = Server::dev();
    let c = server.client();
    for alg in [
        Algorithm::Rsa2048,
        Algorithm::Rsa3072,
        Algorithm::Rsa4096,
        Algorithm::EcdsaP256,
        Algorithm::EcdsaP384,
        Algorithm::Ed25519,
        Algorithm::MlDsa65,
    ] {
        let name = format!("s-{alg}");
        create(&c, &name, alg, None).await;
        sign_and_verify_every_scheme(&c, &name, alg).await;
        // The default scheme is the algorithm's own (PSS for RSA).
        let default = SignRequest {
            scheme: None,
            ..sign_msg(b"m", SignatureScheme::Ed25519)
        };
        let signed = c.sign(&key(&name), &default).await.unwrap();
        assert_eq!(signed.scheme, schemes(alg)[0], "{alg}");
    }
}

#[tokio::test]
async fn signatures_name_their_version_and_old_versions_still_verify() {
    let server = Server::dev();
    let c = server.client();
    create(&c, "signer", Algorithm::EcdsaP256, None).await;
    let s = SignatureScheme::EcdsaP256Sha256;
    let old = c.sign(&key("signer"), &sign_msg(b"m", s)).await.unwrap();
    c.rotate_key(&key("signer")).await.unwrap();
    let new = c.sign(&key("signer"), &sign_msg(b"m", s)).await.unwrap();
    assert_eq!((old.version, new.version), (v(1), v(2)));
    // The primary (2) does not verify version 1's signature; version 1 does,
    // though it is Deactivated now.
    let by_primary = verify_req(b"m", &old.signature.0, s);
    assert!(!c.verify(&key("signer"), &by_primary).await.unwrap().valid);
    let by_v1 = VerifyRequest {
        version: Some(v(1)),
        ..verify_req(b"m", &old.signature.0, s)
    };
    let ok = c.verify(&key("signer"), &by_v1).await.unwrap();
    assert!(ok.valid);
    assert_eq!(ok.version, v(1));
    let versions = c.key_versions(&key("signer")).await.unwrap();
    assert_eq!(versions.versions[0].state, KeyState::Deactivated);
    let by_v9 = VerifyRequest {
        version: Some(v(9)),
        ..verify_req(b"m", &old.signature.0, s)
    };
    assert_eq!(
        code(c.verify(&key("signer"), &by_v9).await),
        ErrorCode::VersionNotFound
    );
}

#[tokio::test]
async fn bad_signing_requests_get_their_codes() {
    let server = Server::dev();
    let c = server.client();
    create(&c, "rsa", Algorithm::Rsa2048, None).await;
    create(&c, "ed", Algorithm::Ed25519, None).await;
    create(&c, "mldsa", Algorithm::MlDsa65, None).await;
    create(&c, "aes", Algorithm::Aes256Gcm, None).await;
    create(&c, "sign-only", Algorithm::EcdsaP384, Some(UsageMask::SIGN)).await;
    let before = snapshot(&c, "rsa").await;
    let pss = SignatureScheme::RsaPssSha256;
    let d32 = [7u8; 32];
    let cases: Vec<(&str, SignRequest, ErrorCode)> = vec![
        (
            "ed",
            sign_dig(&d32, SignatureScheme::Ed25519),
            ErrorCode::DigestNotSupported,
        ),
        (
            "mldsa",
            sign_dig(&d32, SignatureScheme::MlDsa65),
            ErrorCode::DigestNotSupported,
        ),
        ("rsa", sign_dig(&[7; 31], pss), ErrorCode::InvalidRequest),
        ("rsa", sign_dig(&[7; 48], pss), ErrorCode::InvalidRequest),
        (
            "rsa",
            SignRequest {
                digest: Some(Base64(d32.to_vec())),
                ..sign_msg(b"m", pss)
            },
            ErrorCode::InvalidRequest,
        ),
        (
            "rsa",
            SignRequest {
                message: None,
                ..sign_msg(b"m", pss)
            },
            ErrorCode::InvalidRequest,
        ),
        (
            "rsa",
            sign_msg(b"m", SignatureScheme::EcdsaP256Sha256),
            ErrorCode::UnsupportedOperation,
        ),
        ("ed", sign_msg(b"m", pss), ErrorCode::UnsupportedOperation),
        ("aes", sign_msg(b"m", pss), ErrorCode::UnsupportedOperation),
        ("missing", sign_msg(b"m", pss), ErrorCode::KeyNotFound),
    ];
    for (name, req, want) in cases {
        assert_eq!(code(c.sign(&key(name), &req).await), want, "{name} {req:?}");
    }
    // Usage: a sign-only key cannot verify.
    let s = SignatureScheme::EcdsaP384Sha384;
    let sig = c.sign(&key("sign-only"), &sign_msg(b"m", s)).await.unwrap();
    assert_eq!(
        code(
            c.verify(&key("sign-only"), &verify_req(b"m", &sig.signature.0, s))
                .await
        ),
        ErrorCode::UsageNotPermitted
    );
    // Verify refuses the same shapes.
    let ed_digest = VerifyRequest {
        message: None,
        digest: Some(Base64(d32.to_vec())),
        ..verify_req(b"", b"sig", SignatureScheme::Ed25519)
    };
    assert_eq!(
        code(c.verify(&key("ed"), &ed_digest).await),
        ErrorCode::DigestNotSupported
    );
    // Unknown and misspelt fields, bad base64, unknown scheme: raw bodies.
    for body in [
        r#"{"message":"bQ==","scheme":"rsa-pss-md5"}"#,
        r#"{"mesage":"bQ=="}"#,
        r#"{"message":"@@@"}"#,
        r#"{"message":"bQ==","schema":"rsa-pss-sha256"}"#,
    ] {
        assert_eq!(
            raw_code(&c, "/v1/keys/rsa/sign", body).await,
            ErrorCode::InvalidRequest
        );
    }
    assert_eq!(
        raw_code(
            &c,
            "/v1/keys/rsa/verify",
            r#"{"message":"bQ==","signature":"!"}"#
        )
        .await,
        ErrorCode::InvalidRequest
    );
    assert_eq!(snapshot(&c, "rsa").await, before);
}

fn mac_verify(data: &[u8], tag: &[u8], version: Option<VersionNumber>) -> MacVerifyRequest {
    MacVerifyRequest {
        data: Base64(data.to_vec()),
        mac: Base64(tag.to_vec()),
        version,
    }
}

#[tokio::test]
async fn mac_and_mac_verify_round_trip_and_detect_changes() {
    let server = Server::dev();
    let c = server.client();
    for (alg, len) in [
        (Algorithm::HmacSha256, 32),
        (Algorithm::HmacSha384, 48),
        (Algorithm::HmacSha512, 64),
    ] {
        let name = format!("m-{alg}");
        create(&c, &name, alg, None).await;
        let req = MacRequest {
            data: Base64(b"data".to_vec()),
        };
        let tag = c.mac(&key(&name), &req).await.unwrap();
        assert_eq!((tag.mac.0.len(), tag.version), (len, v(1)));
        let k = key(&name);
        assert!(
            c.mac_verify(&k, &mac_verify(b"data", &tag.mac.0, None))
                .await
                .unwrap()
                .valid
        );
        assert!(
            !c.mac_verify(&k, &mac_verify(b"datA", &tag.mac.0, None))
                .await
                .unwrap()
                .valid
        );
        let mut bad = tag.mac.0.clone();
        bad[0] ^= 1;
        assert!(
            !c.mac_verify(&k, &mac_verify(b"data", &bad, None))
                .await
                .unwrap()
                .valid
        );
        let short = &tag.mac.0[..16];
        assert!(
            !c.mac_verify(&k, &mac_verify(b"data", short, None))
                .await
                .unwrap()
                .valid
        );
        // After a rotation the old tag checks against version 1 only.
        c.rotate_key(&k).await.unwrap();
        assert!(
            !c.mac_verify(&k, &mac_verify(b"data", &tag.mac.0, None))
                .await
                .unwrap()
                .valid
        );
        let old = c
            .mac_verify(&k, &mac_verify(b"data", &tag.mac.0, Some(v(1))))
            .await;
        assert!(old.unwrap().valid);
        assert_eq!(c.mac(&k, &req).await.unwrap().version, v(2));
    }
    create(&c, "aes", Algorithm::Aes256Gcm, None).await;
    create(
        &c,
        "check-only",
        Algorithm::HmacSha256,
        Some(UsageMask::MAC_VERIFY),
    )
    .await;
    let req = MacRequest {
        data: Base64(b"x".to_vec()),
    };
    assert_eq!(
        code(c.mac(&key("aes"), &req).await),
        ErrorCode::UnsupportedOperation
    );
    assert_eq!(
        code(c.mac(&key("check-only"), &req).await),
        ErrorCode::UsageNotPermitted
    );
    assert_eq!(
        code(
            c.mac_verify(&key("m-hmac-sha256"), &mac_verify(b"x", b"t", Some(v(7))))
                .await
        ),
        ErrorCode::VersionNotFound
    );
    assert_eq!(
        raw_code(
            &c,
            "/v1/keys/check-only/mac-verify",
            r#"{"data":"eA==","tag":"eA=="}"#
        )
        .await,
        ErrorCode::InvalidRequest
    );
}

#[tokio::test]
async fn ml_kem_encapsulate_and_decapsulate_agree() {
    let server = Server::dev();
    let c = server.client();
    create(&c, "kem", Algorithm::MlKem768, None).await;
    let k = key("kem");
    let enc = c.encapsulate(&k).await.unwrap();
    assert_eq!(
        (enc.ciphertext.0.len(), enc.shared_secret.0.len()),
        (1088, 32)
    );
    let decap = |ct: &[u8], version| DecapsulateRequest {
        ciphertext: Base64(ct.to_vec()),
        version,
    };
    let dec = c
        .decapsulate(&k, &decap(&enc.ciphertext.0, None))
        .await
        .unwrap();
    assert_eq!(dec.shared_secret.0, enc.shared_secret.0);
    // Implicit rejection: a modified ciphertext gives another secret.
    let mut bad = enc.ciphertext.0.clone();
    bad[10] ^= 1;
    let other = c.decapsulate(&k, &decap(&bad, None)).await.unwrap();
    assert_ne!(other.shared_secret.0, enc.shared_secret.0);
    assert_eq!(
        code(c.decapsulate(&k, &decap(&bad[..1087], None)).await),
        ErrorCode::InvalidRequest
    );
    // After a rotation, version 1 still decapsulates what was made for it.
    c.rotate_key(&k).await.unwrap();
    let again = c
        .decapsulate(&k, &decap(&enc.ciphertext.0, Some(v(1))))
        .await
        .unwrap();
    assert_eq!(again.shared_secret.0, enc.shared_secret.0);
    assert_eq!(c.encapsulate(&k).await.unwrap().version, v(2));
    create(&c, "aes", Algorithm::Aes256Gcm, None).await;
    assert_eq!(
        code(c.encapsulate(&key("aes")).await),
        ErrorCode::UnsupportedOperation
    );
    assert_eq!(
        raw_code(&c, "/v1/keys/kem/encapsulate", r#"{"bytes":32}"#).await,
        ErrorCode::InvalidRequest
    );
    // No body at all is the same as `{}`.
    let bodiless = c
        .raw(Method::POST, "/v1/keys/kem/encapsulate", None)
        .await
        .unwrap();
    assert_eq!(bodiless.status().as_u16(), 200);
    let answer: keyhold_api::crypto::EncapsulateResponse = bodiless.json().await.unwrap();
    assert_eq!(answer.version, v(2));
}

#[tokio::test]
async fn random_bytes() {
    let server = Server::dev();
    let c = server.client();
    for n in [1, 32, 1024] {
        assert_eq!(c.random(n).await.unwrap().random.0.len(), n as usize);
    }
    assert_ne!(
        c.random(32).await.unwrap().random,
        c.random(32).await.unwrap().random
    );
    for n in [0, 1025, u32::MAX] {
        assert_eq!(code(c.random(n).await), ErrorCode::InvalidRequest, "{n}");
    }
    assert_eq!(
        raw_code(&c, "/v1/random", r#"{"byte":4}"#).await,
        ErrorCode::InvalidRequest
    );
    assert_eq!(
        code(server.client_with(None).random(4).await),
        ErrorCode::Unauthenticated
    );
}

fn item_code<T: std::fmt::Debug>(r: &BatchResult<T>) -> ErrorCode {
    match r {
        BatchResult::Err(f) => f.error.code,
        BatchResult::Ok(v) => panic!("expected an item error, got {v:?}"),
    }
}

#[tokio::test]
async fn batches_answer_per_item() {
    let server = Server::dev();
    let c = server.client();
    create(&c, "a", Algorithm::Aes256Gcm, None).await;
    create(&c, "b", Algorithm::Aes256Gcm, None).await;
    let items: Vec<EncryptRequest> = (0..5)
        .map(|i| enc(format!("item {i}").as_bytes(), &[("i", &i.to_string())]))
        .collect();
    let out = c
        .encrypt_batch(
            &key("a"),
            &BatchEncryptRequest {
                items: items.clone(),
            },
        )
        .await
        .unwrap();
    let cts: Vec<Vec<u8>> = out
        .results
        .iter()
        .map(|r| match r {
            BatchResult::Ok(item) => item.ciphertext.0.clone(),
            BatchResult::Err(e) => panic!("{e:?}"),
        })
        .collect();
    // One version later, a sixth item under version 2.
    c.rotate_key(&key("a")).await.unwrap();
    let v2 = c
        .encrypt(&key("a"), &enc(b"item 5", &[("i", "5")]))
        .await
        .unwrap();
    let other = c.encrypt(&key("b"), &enc(b"x", &[])).await.unwrap();
    let mut tampered = cts[1].clone();
    tampered[30] ^= 1;
    let req = BatchDecryptRequest {
        items: vec![
            dec(&cts[0], &[("i", "0")]),
            dec(&tampered, &[("i", "1")]),
            dec(&cts[2], &[("i", "wrong")]),
            dec(b"garbage", &[]),
            dec(&other.ciphertext.0, &[]),
            dec(&v2.ciphertext.0, &[("i", "5")]),
            dec(&cts[4], &[("i", "4")]),
        ],
    };
    let res = c.decrypt_batch(&key("a"), &req).await.unwrap().results;
    assert_eq!(res.len(), 7);
    let plain = |r: &BatchResult<keyhold_api::crypto::DecryptedItem>| match r {
        BatchResult::Ok(item) => (item.plaintext.0.clone(), item.version),
        BatchResult::Err(e) => panic!("{e:?}"),
    };
    assert_eq!(plain(&res[0]), (b"item 0".to_vec(), v(1)));
    assert_eq!(item_code(&res[1]), ErrorCode::DecryptionFailed);
    assert_eq!(item_code(&res[2]), ErrorCode::DecryptionFailed);
    assert_eq!(item_code(&res[3]), ErrorCode::InvalidCiphertext);
    assert_eq!(item_code(&res[4]), ErrorCode::KeyMismatch);
    assert_eq!(plain(&res[5]), (b"item 5".to_vec(), v(2)));
    assert_eq!(plain(&res[6]), (b"item 4".to_vec(), v(1)));
}

#[tokio::test]
async fn batch_limits_and_whole_batch_refusals_change_nothing() {
    let server = Server::dev();
    let c = server.client();
    create(&c, "a", Algorithm::Aes256Gcm, None).await;
    let before = snapshot(&c, "a").await;
    let full: Vec<EncryptRequest> = (0..1000).map(|_| enc(b"x", &[])).collect();
    let out = c
        .encrypt_batch(
            &key("a"),
            &BatchEncryptRequest {
                items: full.clone(),
            },
        )
        .await
        .unwrap();
    assert_eq!(out.results.len(), 1000);
    let mut over = full.clone();
    over.push(enc(b"x", &[]));
    assert_eq!(
        code(
            c.encrypt_batch(&key("a"), &BatchEncryptRequest { items: over })
                .await
        ),
        ErrorCode::BatchTooLarge
    );
    let dec_over = BatchDecryptRequest {
        items: (0..1001).map(|_| dec(b"x", &[])).collect(),
    };
    assert_eq!(
        code(c.decrypt_batch(&key("a"), &dec_over).await),
        ErrorCode::BatchTooLarge
    );
    let empty = BatchEncryptRequest { items: Vec::new() };
    assert_eq!(
        code(c.encrypt_batch(&key("a"), &empty).await),
        ErrorCode::InvalidRequest
    );
    for body in [
        r#"{"items":[{"plaintext":"@@"}]}"#,
        r#"{"items":[{"plaintext":"eA==","contxt":{}}]}"#,
        r#"{"item":[]}"#,
    ] {
        assert_eq!(
            raw_code(&c, "/v1/keys/a/encrypt/batch", body).await,
            ErrorCode::InvalidRequest,
            "{body}"
        );
    }
    assert_eq!(snapshot(&c, "a").await, before);
    // Suspended: the whole encrypt batch is refused; decrypt refuses per item.
    let ct = c.encrypt(&key("a"), &enc(b"x", &[])).await.unwrap();
    c.suspend_key(&key("a")).await.unwrap();
    let one = BatchEncryptRequest {
        items: vec![enc(b"x", &[])],
    };
    assert_eq!(
        code(c.encrypt_batch(&key("a"), &one).await),
        ErrorCode::KeyNotActive
    );
    let res = c
        .decrypt_batch(
            &key("a"),
            &BatchDecryptRequest {
                items: vec![dec(&ct.ciphertext.0, &[])],
            },
        )
        .await
        .unwrap();
    assert_eq!(item_code(&res.results[0]), ErrorCode::KeyNotActive);
    assert_eq!(
        code(c.encrypt_batch(&key("missing"), &one).await),
        ErrorCode::KeyNotFound
    );
}

#[tokio::test]
async fn key_states_forbid_what_the_usage_rule_forbids() {
    let server = Server::dev();
    let c = server.client();
    create(&c, "data", Algorithm::Aes256Gcm, None).await;
    create(&c, "sig", Algorithm::Ed25519, None).await;
    create(&c, "tag", Algorithm::HmacSha512, None).await;
    let ct = c.encrypt(&key("data"), &enc(b"x", &[])).await.unwrap();
    let s = SignatureScheme::Ed25519;
    let sig = c.sign(&key("sig"), &sign_msg(b"m", s)).await.unwrap();
    let mreq = MacRequest {
        data: Base64(b"m".to_vec()),
    };
    let tag = c.mac(&key("tag"), &mreq).await.unwrap();

    // Suspended: nothing at all.
    for name in ["data", "sig", "tag"] {
        c.suspend_key(&key(name)).await.unwrap();
    }
    let before = snapshot(&c, "data").await;
    let not_active = [
        code(c.encrypt(&key("data"), &enc(b"x", &[])).await),
        code(c.decrypt(&key("data"), &dec(&ct.ciphertext.0, &[])).await),
        code(
            c.reencrypt(&key("data"), &reenc(&ct.ciphertext.0, &[]))
                .await,
        ),
        code(c.generate_data_key(&key("data"), &gdk(32, true)).await),
        code(c.sign(&key("sig"), &sign_msg(b"m", s)).await),
        code(
            c.verify(&key("sig"), &verify_req(b"m", &sig.signature.0, s))
                .await,
        ),
        code(c.mac(&key("tag"), &mreq).await),
        code(
            c.mac_verify(&key("tag"), &mac_verify(b"m", &tag.mac.0, None))
                .await,
        ),
    ];
    assert!(
        not_active.iter().all(|c| *c == ErrorCode::KeyNotActive),
        "{not_active:?}"
    );
    assert_eq!(snapshot(&c, "data").await, before);

    // Deactivated: process (decrypt, verify, mac-verify) only.
    for name in ["data", "sig", "tag"] {
        c.resume_key(&key(name)).await.unwrap();
        c.deactivate_key(&key(name)).await.unwrap();
    }
    assert_eq!(
        code(c.encrypt(&key("data"), &enc(b"x", &[])).await),
        ErrorCode::KeyNotActive
    );
    assert_eq!(
        code(c.sign(&key("sig"), &sign_msg(b"m", s)).await),
        ErrorCode::KeyNotActive
    );
    assert_eq!(
        code(c.mac(&key("tag"), &mreq).await),
        ErrorCode::KeyNotActive
    );
    let pt = c
        .decrypt(&key("data"), &dec(&ct.ciphertext.0, &[]))
        .await
        .unwrap();
    assert_eq!(pt.plaintext.0, b"x");
    let ok = c
        .verify(&key("sig"), &verify_req(b"m", &sig.signature.0, s))
        .await;
    assert!(ok.unwrap().valid);
    let ok = c
        .mac_verify(&key("tag"), &mac_verify(b"m", &tag.mac.0, None))
        .await;
    assert!(ok.unwrap().valid);
}

#[tokio::test]
async fn malformed_bodies_on_every_endpoint_change_nothing() {
    let server = Server::dev();
    let c = server.client();
    create(&c, "a", Algorithm::Aes256Gcm, None).await;
    let before = snapshot(&c, "a").await;
    let cases: [(&str, &str); 12] = [
        ("/v1/decrypt", r#"{"ciphertext":"***"}"#),
        ("/v1/decrypt", r#"{"ciphertext":"AA==","key":"a"}"#),
        (
            "/v1/keys/a/reencrypt",
            r#"{"ciphertext":"AA==","destination":"a"}"#,
        ),
        (
            "/v1/keys/a/reencrypt",
            r#"{"ciphertext":"AA==","destination_key":"bad name"}"#,
        ),
        ("/v1/keys/a/generate-data-key", r#"{"bytes":"32"}"#),
        (
            "/v1/keys/a/generate-data-key",
            r#"{"include_plaintxt":true}"#,
        ),
        ("/v1/keys/a/sign", r#"{"message":"AA==","scheme":"des"}"#),
        ("/v1/keys/a/verify", r#"{"message":"AA=="}"#),
        ("/v1/keys/a/mac", r#"{"data":"A"}"#),
        (
            "/v1/keys/a/decapsulate",
            r#"{"ciphertext":"AA==","version":0}"#,
        ),
        (
            "/v1/keys/a/decrypt/batch",
            r#"{"items":[{"ciphertext":"AA==","x":1}]}"#,
        ),
        ("/v1/random", r#"{"bytes":-1}"#),
    ];
    for (path, body) in cases {
        assert_eq!(
            raw_code(&c, path, body).await,
            ErrorCode::InvalidRequest,
            "{path} {body}"
        );
    }
    // Over the body limit (1 MiB by default). Its own client: the server
    // answers 413 without reading the body and drops that connection.
    let big = format!(r#"{{"items":[{{"plaintext":"{}"}}]}}"#, "A".repeat(2 << 20));
    assert_eq!(
        raw_code(&server.client(), "/v1/keys/a/encrypt/batch", &big).await,
        ErrorCode::PayloadTooLarge
    );
    assert_eq!(snapshot(&c, "a").await, before);
    assert_eq!(
        c.list_keys(&Default::default()).await.unwrap().keys.len(),
        1
    );
}
