//! The key transfer verbs, run as a user would: `keyhold key import-token`,
//! `keyhold key import` (one command from a key file, or pre-wrapped
//! material) and `keyhold key export`. The recipient's private key stays in
//! the test, never on the CLI's command line.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use common::{Server, fails, ok};
use keyhold_core::{Algorithm, TenantId};
use keyhold_crypto::envelope::{self, Envelope};
use keyhold_crypto::transfer::{self, TransportScheme};
use keyhold_crypto::{KeyMaterial, SecretBytes};

fn keyhold(server: &Server, args: &[&str], stdin: &[u8]) -> Output {
    common::cli(server, server.token.as_deref(), args, stdin)
}

fn json(out: Output) -> serde_json::Value {
    serde_json::from_str(&ok(out)).unwrap()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.to_str().unwrap().to_owned()
}

fn pem(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

fn recipient(algorithm: Algorithm) -> (KeyMaterial, Vec<u8>) {
    let p = keyhold_crypto::software();
    let private = p.keygen.generate(algorithm).unwrap();
    let public = p.keygen.public_key(&private).unwrap().unwrap();
    (private, public)
}

fn key_count(server: &Server) -> usize {
    json(keyhold(server, &["key", "list", "--json"], b""))["keys"]
        .as_array()
        .unwrap()
        .len()
}

#[test]
fn import_a_key_file_in_one_command_and_use_it() {
    let server = Server::dev();
    let dir = tempfile::tempdir().unwrap();
    let known = [0x6Bu8; 32];
    let file = write(dir.path(), "aes.key", &known);
    let info = json(keyhold(
        &server,
        &[
            "key",
            "import",
            "byok",
            "-a",
            "aes-256-gcm",
            "--material",
            &file,
            "--json",
        ],
        b"",
    ));
    assert_eq!(info["origin"], "imported");
    assert_eq!(info["exportable"], false);
    let tenant: TenantId = info["tenant"].as_str().unwrap().parse().unwrap();

    // What keyhold encrypts with it opens with the file's key.
    let ct = ok(keyhold(
        &server,
        &["key", "encrypt", "byok", "-c", "app=test"],
        b"from a file",
    ));
    let env = Envelope::parse(&STANDARD.decode(ct.trim()).unwrap()).unwrap();
    let context = BTreeMap::from([("app".to_owned(), "test".to_owned())]);
    let material =
        KeyMaterial::from_parts(Algorithm::Aes256Gcm, SecretBytes::new(known.to_vec())).unwrap();
    let plain = keyhold_crypto::software()
        .aead
        .decrypt(
            &material,
            &env.nonce,
            &envelope::data_aad(tenant, &env, &context),
            &env.ciphertext,
        )
        .unwrap();
    assert_eq!(plain.expose(), b"from a file");

    // A table for people, and material from standard input.
    let table = ok(keyhold(
        &server,
        &[
            "key",
            "import",
            "stdin-key",
            "-a",
            "hmac-sha256",
            "--material",
            "-",
        ],
        &[9; 48],
    ));
    assert!(table.starts_with("NAME") && table.contains("stdin-key"));
}

#[test]
fn import_pem_over_ml_kem_then_export_to_a_pem_public_key() {
    let server = Server::dev();
    let dir = tempfile::tempdir().unwrap();
    let ecdsa = keyhold_crypto::software()
        .keygen
        .generate(Algorithm::EcdsaP256)
        .unwrap();
    let der = ecdsa.secret().expose().to_vec();
    let key_file = write(dir.path(), "ec.pem", pem("PRIVATE KEY", &der).as_bytes());
    let info = json(keyhold(
        &server,
        &[
            "key",
            "import",
            "signer",
            "-a",
            "ecdsa-p256",
            "--material",
            &key_file,
            "--wrapping-key-spec",
            "ml-kem-768",
            "--exportable",
            "--tag",
            "team=pay",
            "--json",
        ],
        b"",
    ));
    assert_eq!(info["algorithm"], "ecdsa-p256");
    assert_eq!(info["tags"]["team"], "pay");
    assert_eq!(info["exportable"], true);

    let (private, public) = recipient(Algorithm::Rsa2048);
    let public_file = write(dir.path(), "me.pem", pem("PUBLIC KEY", &public).as_bytes());
    let out = dir.path().join("signer.wrapped");
    ok(keyhold(
        &server,
        &[
            "key",
            "export",
            "signer",
            "--wrapping-key",
            &public_file,
            "-o",
            out.to_str().unwrap(),
        ],
        b"",
    ));
    let blob = std::fs::read(&out).unwrap();
    let back = transfer::unwrap(&keyhold_crypto::software(), &private, &blob).unwrap();
    assert_eq!(back.expose(), &der[..]);

    // Without -o: base64 on standard output; ML-KEM with a DER-free raw key.
    let (kem_private, kem_public) = recipient(Algorithm::MlKem768);
    let kem_file = write(dir.path(), "me.kem", &kem_public);
    let text = ok(keyhold(
        &server,
        &[
            "key",
            "export",
            "signer",
            "--wrapping-key",
            &kem_file,
            "--wrapping-algorithm",
            "ml-kem-768+aes-kwp",
        ],
        b"",
    ));
    let blob = STANDARD.decode(text.trim()).unwrap();
    let back = transfer::unwrap(&keyhold_crypto::software(), &kem_private, &blob).unwrap();
    assert_eq!(back.expose(), &der[..]);
}

#[test]
fn wrap_elsewhere_with_an_import_token_then_import_the_blob() {
    let server = Server::dev();
    let dir = tempfile::tempdir().unwrap();
    let public_out = dir.path().join("token.pub");
    let token = json(keyhold(
        &server,
        &[
            "key",
            "import-token",
            "--wrapping-key-spec",
            "rsa-4096",
            "--public-key-out",
            public_out.to_str().unwrap(),
            "--json",
        ],
        b"",
    ));
    assert_eq!(token["algorithm"], "rsa-oaep-sha256+aes-kwp");
    assert_eq!(token["wrapping_key_spec"], "rsa-4096");
    let public = std::fs::read(&public_out).unwrap();
    assert_eq!(
        STANDARD.encode(&public),
        token["public_key"].as_str().unwrap()
    );
    // "Elsewhere": the test wraps with the token's public key.
    let wrapped = transfer::wrap(
        &keyhold_crypto::software(),
        TransportScheme::RsaOaepSha256AesKwp,
        &public,
        &[0x11; 32],
    )
    .unwrap();
    assert_eq!(wrapped.len(), 512 + 40);
    let blob = write(dir.path(), "blob", &wrapped);
    let id = token["import_token"].as_str().unwrap();
    let args = [
        "key",
        "import",
        "elsewhere",
        "-a",
        "chacha20-poly1305",
        "--wrapped",
        &blob,
        "--import-token",
        id,
        "--json",
    ];
    let info = json(keyhold(&server, &args, b""));
    assert_eq!(info["algorithm"], "chacha20-poly1305");
    // The token is used up.
    let mut again = args;
    again[2] = "elsewhere-2";
    fails(keyhold(&server, &again, b""), "import_token_invalid");

    let table = ok(keyhold(&server, &["key", "import-token"], b""));
    assert!(table.starts_with("IMPORT TOKEN") && table.contains("rsa-3072"));
}

#[test]
fn bad_transfer_input_fails_with_its_code_and_changes_nothing() {
    let server = Server::dev();
    let dir = tempfile::tempdir().unwrap();
    let short = write(dir.path(), "short.key", &[1; 16]);
    fails(
        keyhold(
            &server,
            &[
                "key",
                "import",
                "k",
                "-a",
                "aes-256-gcm",
                "--material",
                &short,
            ],
            b"",
        ),
        "invalid_key_material",
    );
    let rsa_pem = write(
        dir.path(),
        "pkcs1.pem",
        b"-----BEGIN RSA PRIVATE KEY-----\nAAEC\n-----END RSA PRIVATE KEY-----\n",
    );
    fails(
        keyhold(
            &server,
            &[
                "key",
                "import",
                "k",
                "-a",
                "rsa-2048",
                "--material",
                &rsa_pem,
            ],
            b"",
        ),
        "PRIVATE KEY",
    );
    fails(
        keyhold(
            &server,
            &[
                "key",
                "import",
                "k",
                "-a",
                "aes-256-gcm",
                "--material",
                "/nonexistent/key",
            ],
            b"",
        ),
        "cannot read",
    );
    let garbage = write(dir.path(), "garbage", &[0x42; 424]);
    fails(
        keyhold(
            &server,
            &[
                "key",
                "import",
                "k",
                "-a",
                "aes-256-gcm",
                "--wrapped",
                &garbage,
                "--import-token",
                "5b8e0f0e-0a9c-4a3e-8f6e-2b1c0d9e8f7a",
            ],
            b"",
        ),
        "import_token_invalid",
    );
    // --wrapped needs --import-token, and excludes --material.
    fails(
        keyhold(
            &server,
            &[
                "key",
                "import",
                "k",
                "-a",
                "aes-256-gcm",
                "--wrapped",
                &garbage,
            ],
            b"",
        ),
        "--import-token",
    );
    fails(
        keyhold(
            &server,
            &[
                "key",
                "import",
                "k",
                "-a",
                "aes-256-gcm",
                "--material",
                &short,
                "--wrapped",
                &garbage,
            ],
            b"",
        ),
        "cannot be used with",
    );
    fails(
        keyhold(
            &server,
            &[
                "key",
                "import",
                "k",
                "-a",
                "aes-256-gcm",
                "--material",
                &short,
                "--wrapping-key-spec",
                "rsa-1024",
            ],
            b"",
        ),
        "unknown key spec",
    );
    assert_eq!(key_count(&server), 0);

    ok(keyhold(&server, &["key", "create", "kept"], b""));
    let (_, public) = recipient(Algorithm::Rsa2048);
    let public_file = write(dir.path(), "me.der", &public);
    fails(
        keyhold(
            &server,
            &["key", "export", "kept", "--wrapping-key", &public_file],
            b"",
        ),
        "key_not_exportable",
    );
    fails(
        keyhold(
            &server,
            &[
                "key",
                "export",
                "kept",
                "--wrapping-key",
                &public_file,
                "--wrapping-algorithm",
                "plain",
            ],
            b"",
        ),
        "unknown wrapping algorithm",
    );
    fails(
        keyhold(
            &server,
            &[
                "key",
                "export",
                "kept",
                "--wrapping-key",
                &public_file,
                "--version",
                "0",
            ],
            b"",
        ),
        "invalid version",
    );
    assert_eq!(key_count(&server), 1);
}
