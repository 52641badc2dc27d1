//! The cryptographic CLI verbs, run as a user would, against a real server:
//! each verb once, and a failure for each.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::process::Output;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use common::{Server, fails, ok};
use keyhold_api::keys::CreateKeyRequest;
use keyhold_core::{Algorithm, UsageMask};

fn keyhold(server: &Server, args: &[&str], stdin: &[u8]) -> Output {
    common::cli(server, server.token.as_deref(), args, stdin)
}

/// The value of `label: value` in the output.
fn field(out: &str, label: &str) -> String {
    out.lines()
        .find_map(|l| l.strip_prefix(&format!("{label}: ")))
        .unwrap_or_else(|| panic!("no {label} in {out:?}"))
        .to_owned()
}

async fn create(server: &Server, name: &str, algorithm: Algorithm, usage: Option<UsageMask>) {
    let req = CreateKeyRequest {
        usage,
        ..CreateKeyRequest::new(name.parse().unwrap(), algorithm)
    };
    server.client().create_key(&req).await.unwrap();
}

#[tokio::test]
async fn sign_and_verify() {
    let server = Server::dev();
    create(&server, "ed", Algorithm::Ed25519, None).await;
    create(&server, "ec", Algorithm::EcdsaP256, None).await;
    let sig = ok(keyhold(&server, &["key", "sign", "ed"], b"hello"));
    let sig = sig.trim();
    assert_eq!(STANDARD.decode(sig).unwrap().len(), 64);
    let out = ok(keyhold(
        &server,
        &["key", "verify", "ed", "--signature", sig],
        b"hello",
    ));
    assert_eq!(out, "valid\n");
    let out = fails(
        keyhold(
            &server,
            &["key", "verify", "ed", "--signature", sig],
            b"hellO",
        ),
        "signature is not valid",
    );
    assert_eq!(out, "invalid\n");
    // A pre-hashed digest, as raw bytes from a file.
    let dir = tempfile::tempdir().unwrap();
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, b"hello");
    let path = dir.path().join("digest.bin");
    std::fs::write(&path, digest.as_ref()).unwrap();
    let p = path.to_str().unwrap();
    let json: serde_json::Value = serde_json::from_str(&ok(keyhold(
        &server,
        &["key", "sign", "ec", "--digest", "--in", p, "--json"],
        b"",
    )))
    .unwrap();
    assert_eq!(json["scheme"], "ecdsa-p256-sha256");
    assert_eq!(json["version"], 1);
    let sig = json["signature"].as_str().unwrap();
    let out = ok(keyhold(
        &server,
        &[
            "key",
            "verify",
            "ec",
            "--signature",
            sig,
            "--key-version",
            "1",
        ],
        b"hello",
    ));
    assert_eq!(out, "valid\n");
    fails(
        keyhold(&server, &["key", "sign", "ed", "--digest", "--in", p], b""),
        "digest_not_supported",
    );
    fails(
        keyhold(
            &server,
            &["key", "sign", "ed", "--scheme", "rsa-pss-md5"],
            b"x",
        ),
        "invalid value",
    );
}

#[tokio::test]
async fn mac_and_mac_verify() {
    let server = Server::dev();
    create(&server, "h", Algorithm::HmacSha384, None).await;
    let tag = ok(keyhold(&server, &["key", "mac", "h"], b"data"));
    let tag = tag.trim();
    assert_eq!(STANDARD.decode(tag).unwrap().len(), 48);
    assert_eq!(
        ok(keyhold(
            &server,
            &["key", "mac-verify", "h", "--mac", tag],
            b"data"
        )),
        "valid\n"
    );
    fails(
        keyhold(&server, &["key", "mac-verify", "h", "--mac", tag], b"datA"),
        "MAC is not valid",
    );
    fails(
        keyhold(&server, &["key", "mac-verify", "h", "--mac", "%%"], b"data"),
        "expected base64",
    );
}

#[tokio::test]
async fn generate_data_key_and_reencrypt() {
    let server = Server::dev();
    create(&server, "k", Algorithm::Aes256Gcm, None).await;
    let out = ok(keyhold(
        &server,
        &[
            "key",
            "generate-data-key",
            "k",
            "--bytes",
            "16",
            "-c",
            "f=1",
        ],
        b"",
    ));
    let wrapped = field(&out, "ciphertext");
    let plain = STANDARD.decode(field(&out, "plaintext")).unwrap();
    assert_eq!(plain.len(), 16);
    let unwrapped = keyhold(
        &server,
        &["key", "decrypt", "k", "-c", "f=1"],
        wrapped.as_bytes(),
    );
    assert!(unwrapped.status.success());
    assert_eq!(unwrapped.stdout, plain);
    let only = ok(keyhold(
        &server,
        &["key", "generate-data-key", "k", "--no-plaintext"],
        b"",
    ));
    assert!(only.contains("ciphertext: ") && !only.contains("plaintext"));
    fails(
        keyhold(
            &server,
            &["key", "generate-data-key", "k", "--bytes", "8"],
            b"",
        ),
        "invalid_request",
    );

    // Reencrypt to the new primary after a rotation.
    let ct = ok(keyhold(
        &server,
        &["key", "encrypt", "k", "-c", "a=b"],
        b"secret",
    ));
    server
        .client()
        .rotate_key(&"k".parse().unwrap())
        .await
        .unwrap();
    let json: serde_json::Value = serde_json::from_str(&ok(keyhold(
        &server,
        &["key", "reencrypt", "k", "-c", "a=b", "--json"],
        ct.as_bytes(),
    )))
    .unwrap();
    assert_eq!(
        (json["version"].as_u64(), json["source_version"].as_u64()),
        (Some(2), Some(1))
    );
    let moved = ok(keyhold(
        &server,
        &["key", "reencrypt", "k", "-c", "a=b", "--to-context", "a=c"],
        ct.as_bytes(),
    ));
    let back = keyhold(
        &server,
        &["key", "decrypt", "k", "-c", "a=c"],
        moved.as_bytes(),
    );
    assert_eq!(ok(back), "secret");
    fails(
        keyhold(
            &server,
            &["key", "reencrypt", "k", "-c", "a=x"],
            ct.as_bytes(),
        ),
        "decryption_failed",
    );
}

#[tokio::test]
async fn encapsulate_and_decapsulate() {
    let server = Server::dev();
    create(&server, "kem", Algorithm::MlKem768, None).await;
    let out = ok(keyhold(&server, &["key", "encapsulate", "kem"], b""));
    let ct = field(&out, "ciphertext");
    let secret = field(&out, "shared_secret");
    assert_eq!(field(&out, "version"), "1");
    let again = ok(keyhold(
        &server,
        &["key", "decapsulate", "kem"],
        ct.as_bytes(),
    ));
    assert_eq!(again.trim(), secret);
    fails(
        keyhold(&server, &["key", "decapsulate", "kem"], b"not base64!"),
        "expected base64",
    );
    create(
        &server,
        "aes",
        Algorithm::Aes256Gcm,
        Some(UsageMask::ENCRYPT),
    )
    .await;
    fails(
        keyhold(&server, &["key", "encapsulate", "aes"], b""),
        "unsupported_operation",
    );
}

#[tokio::test]
async fn random_bytes() {
    let server = Server::dev();
    let out = ok(keyhold(&server, &["random", "--bytes", "24"], b""));
    assert_eq!(STANDARD.decode(out.trim()).unwrap().len(), 24);
    let json: serde_json::Value =
        serde_json::from_str(&ok(keyhold(&server, &["random", "--json"], b""))).unwrap();
    assert_eq!(
        STANDARD
            .decode(json["random"].as_str().unwrap())
            .unwrap()
            .len(),
        32
    );
    fails(
        keyhold(&server, &["random", "--bytes", "0"], b""),
        "invalid_request",
    );
}
