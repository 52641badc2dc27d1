//! End to end: no secret reaches the audit trail (DESIGN.md sections 1.3 and
//! 7). A realistic session (keys of several algorithms, encryption and
//! decryption with distinctive plaintexts, data keys in the clear,
//! signatures, MACs, an export wrapped to an RSA key, an import through an
//! import token, requests with a wrong token) is recorded; then the whole
//! export and the raw `audit_events` and `audit_checkpoints` rows are
//! scanned for every secret the session used, raw and in standard base64
//! and hex. None may appear.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use common::{Server, code, contains};
use keyhold_api::ErrorCode;
use keyhold_api::b64::{Base64, SecretBase64};
use keyhold_api::crypto::{GenerateDataKeyRequest, MacRequest, MacVerifyRequest, SignRequest};
use keyhold_api::keys::{CreateKeyRequest, DecryptRequest, EncryptRequest};
use keyhold_api::transfer::{
    ExportKeyRequest, ImportKeyRequest, ImportTokenRequest, WrappingAlgorithm,
};
use keyhold_client::Client;
use keyhold_core::{Algorithm, KeyRef, UsageMask};
use keyhold_crypto::transfer::{self, TransportScheme};
use rusqlite::types::ValueRef;

const ROOT_TOKEN: &str = "khr_audit_scan_root_Qm7ZxT3vK9pL2wR8";
const WRONG_TOKEN: &str = "khr_audit_scan_wrong_Hy4NcB6dJ1sF5gU0";

/// Every secret the session handled.
#[derive(Default)]
struct Secrets(Vec<(String, Vec<u8>)>);

impl Secrets {
    fn add(&mut self, what: impl Into<String>, bytes: &[u8]) {
        assert!(bytes.len() >= 8, "too short to scan for");
        self.0.push((what.into(), bytes.to_vec()));
    }
}

fn key(s: &str) -> KeyRef {
    s.parse().unwrap()
}

/// A plaintext no other byte string in the trail could hold by chance.
fn distinctive(label: &str) -> Vec<u8> {
    format!("SECRET::{label}::4f1c9e27d3b8a605").into_bytes()
}

async fn create(c: &Client, name: &str, algorithm: Algorithm, usage: Option<UsageMask>) {
    let mut req = CreateKeyRequest::new(name.parse().unwrap(), algorithm);
    req.usage = usage;
    req.exportable = name == "exportable";
    c.create_key(&req).await.unwrap();
}

fn ctx() -> BTreeMap<String, String> {
    BTreeMap::from([("purpose".to_owned(), "audit-scan".to_owned())])
}

/// Encrypts and decrypts a distinctive plaintext with `name`.
async fn round_trip(c: &Client, name: &str, s: &mut Secrets) {
    let plaintext = distinctive(name);
    let enc = EncryptRequest {
        plaintext: SecretBase64(plaintext.clone()),
        context: ctx(),
    };
    let ct = c.encrypt(&key(name), &enc).await.unwrap().ciphertext.0;
    let dec = DecryptRequest {
        ciphertext: Base64(ct.clone()),
        context: ctx(),
    };
    let back = c
        .decrypt(&key(name), &dec)
        .await
        .unwrap()
        .plaintext
        .0
        .clone();
    assert_eq!(back, plaintext);
    s.add(format!("{name} plaintext"), &plaintext);
    s.add(format!("{name} ciphertext"), &ct);
}

async fn data_key(c: &Client, s: &mut Secrets) {
    let req = GenerateDataKeyRequest {
        bytes: 32,
        context: ctx(),
        include_plaintext: true,
    };
    let dk = c.generate_data_key(&key("aes"), &req).await.unwrap();
    s.add("data key", &dk.plaintext.as_ref().unwrap().0);
    s.add("wrapped data key", &dk.ciphertext.0);
}

async fn sign_and_mac(c: &Client, s: &mut Secrets) {
    for name in ["ed25519", "ecdsa"] {
        let message = distinctive(&format!("{name} message"));
        let req = SignRequest {
            message: Some(Base64(message.clone())),
            digest: None,
            scheme: None,
        };
        let sig = c.sign(&key(name), &req).await.unwrap().signature.0;
        s.add(format!("{name} message"), &message);
        s.add(format!("{name} signature"), &sig);
    }
    let data = distinctive("mac data");
    let mac = c
        .mac(
            &key("hmac"),
            &MacRequest {
                data: Base64(data.clone()),
            },
        )
        .await
        .unwrap()
        .mac
        .0;
    let check = MacVerifyRequest {
        data: Base64(data.clone()),
        mac: Base64(mac.clone()),
        version: None,
    };
    assert!(c.mac_verify(&key("hmac"), &check).await.unwrap().valid);
    s.add("mac data", &data);
    s.add("mac", &mac);
}

/// Exports the exportable key wrapped to an RSA key made here, and imports
/// material of our own through an import token.
async fn transfer_keys(c: &Client, s: &mut Secrets) {
    let crypto = keyhold_crypto::software();
    let private = crypto.keygen.generate(Algorithm::Rsa3072).unwrap();
    let public = crypto.keygen.public_key(&private).unwrap().unwrap();
    let export = ExportKeyRequest {
        wrapping_key: Base64(public),
        wrapping_algorithm: WrappingAlgorithm::RsaOaepSha256AesKwp,
        version: None,
    };
    let wrapped = c.export_key(&key("exportable"), &export).await.unwrap();
    let material = transfer::unwrap(&crypto, &private, &wrapped.wrapped_material.0).unwrap();
    s.add("exported wrapped material", &wrapped.wrapped_material.0);
    s.add("exported key material", material.expose());

    let token = c
        .import_token(&ImportTokenRequest::default())
        .await
        .unwrap();
    let own = distinctive("imported-material");
    let own = own[..32].to_vec();
    let scheme = TransportScheme::RsaOaepSha256AesKwp;
    let blob = transfer::wrap(&crypto, scheme, &token.public_key.0, &own).unwrap();
    let req = ImportKeyRequest {
        name: "imported".parse().unwrap(),
        algorithm: Algorithm::Aes256Gcm,
        usage: None,
        description: String::new(),
        tags: BTreeMap::new(),
        exportable: false,
        import_token: token.import_token,
        wrapped_material: Base64(blob.clone()),
    };
    c.import_key(&req).await.unwrap();
    s.add("imported key material", &own);
    s.add("imported wrapped material", &blob);
    s.add("import token", token.import_token.to_string().as_bytes());
}

/// Requests with a wrong token, carrying a plaintext of their own.
async fn wrong_token(server: &Server, s: &mut Secrets) {
    let intruder = server.client_with(Some(WRONG_TOKEN));
    let plaintext = distinctive("intruder plaintext");
    let req = EncryptRequest {
        plaintext: SecretBase64(plaintext.clone()),
        context: ctx(),
    };
    let refused = intruder.encrypt(&key("aes"), &req).await;
    assert_eq!(code(refused), ErrorCode::Unauthenticated);
    assert_eq!(
        code(intruder.audit_verify().await),
        ErrorCode::Unauthenticated
    );
    s.add("intruder plaintext", &plaintext);
    s.add("wrong token", WRONG_TOKEN.as_bytes());
    s.add("root token", ROOT_TOKEN.as_bytes());
}

/// Every column of every row of the audit tables, as bytes.
fn raw_rows(dir: &Path) -> Vec<u8> {
    let db = rusqlite::Connection::open(dir.join("keyhold.db")).unwrap();
    let mut out = Vec::new();
    for table in ["audit_events", "audit_checkpoints"] {
        let mut stmt = db.prepare(&format!("SELECT * FROM {table}")).unwrap();
        let columns = stmt.column_count();
        let mut rows = stmt.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            for i in 0..columns {
                match row.get_ref(i).unwrap() {
                    ValueRef::Blob(b) | ValueRef::Text(b) => out.extend_from_slice(b),
                    ValueRef::Integer(n) => out.extend_from_slice(n.to_string().as_bytes()),
                    ValueRef::Real(r) => out.extend_from_slice(r.to_string().as_bytes()),
                    ValueRef::Null => {}
                }
                out.push(0);
            }
        }
    }
    out
}

/// The forms a secret could leak in.
fn forms(bytes: &[u8]) -> [(&'static str, Vec<u8>); 4] {
    [
        ("raw", bytes.to_vec()),
        ("base64", STANDARD.encode(bytes).into_bytes()),
        ("hex", hex::encode(bytes).into_bytes()),
        ("HEX", hex::encode_upper(bytes).into_bytes()),
    ]
}

#[tokio::test]
async fn no_secret_of_a_session_reaches_the_audit_trail() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::dev_in(dir.path(), Some(ROOT_TOKEN));
    let c = server.client();
    let enc_dec = Some(UsageMask::ENCRYPT.union(UsageMask::DECRYPT));
    create(&c, "aes", Algorithm::Aes256Gcm, None).await;
    create(&c, "chacha", Algorithm::ChaCha20Poly1305, None).await;
    create(&c, "rsa", Algorithm::Rsa3072, enc_dec).await;
    create(&c, "ed25519", Algorithm::Ed25519, None).await;
    create(&c, "ecdsa", Algorithm::EcdsaP256, None).await;
    create(&c, "hmac", Algorithm::HmacSha256, None).await;
    create(&c, "exportable", Algorithm::Aes256Gcm, None).await;
    let mut secrets = Secrets::default();
    for name in ["aes", "chacha", "rsa"] {
        round_trip(&c, name, &mut secrets).await;
    }
    data_key(&c, &mut secrets).await;
    sign_and_mac(&c, &mut secrets).await;
    transfer_keys(&c, &mut secrets).await;
    wrong_token(&server, &mut secrets).await;

    let export = c.audit_export().await.unwrap();
    let rows = raw_rows(dir.path());
    let text = String::from_utf8(export.clone()).unwrap();
    assert!(text.lines().count() > 20, "the session was recorded");
    assert!(text.contains("\"action\":\"key:export\""));
    assert!(text.contains("\"code\":\"unauthenticated\""));
    assert!(contains(&rows, b"key:generate-data-key"), "rows were read");
    for (what, secret) in &secrets.0 {
        for (form, needle) in forms(secret) {
            assert!(!contains(&export, &needle), "{what} ({form}) in the export");
            assert!(!contains(&rows, &needle), "{what} ({form}) in audit rows");
        }
    }
}
