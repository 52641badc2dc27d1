//! End to end over KMIP: three-key Triple-DES keys (Cryptographic
//! Algorithm DES3, Cryptographic Length 168) are created, registered, kept,
//! returned by Get, found by Locate and destroyed, for the clients that
//! still run TDEA; keyhold never encrypts or MACs with one (NIST SP
//! 800-131A Rev. 2), over KMIP or REST. A generated key has odd parity and
//! three distinct DES keys; a registered key comes back as sent (its parity
//! is not checked) and must be 24 bytes of three distinct keys.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::kmip::{attribute, call, locate, located, ok, on, refused, rest_client, session, uid};
use keyhold_api::ErrorCode;
use keyhold_api::b64::SecretBase64;
use keyhold_api::keys::{CreateKeyRequest, EncryptRequest};
use keyhold_core::{Algorithm, KeyRef};
use keyhold_kmip::payload::ResponsePayload;
use keyhold_kmip::{
    CryptographicAlgorithm, KeyFormatType, KeyMaterial, KeyValue, ManagedObject, ResultReason,
    State, TransparentKey,
};

/// A KMIP 1.4 Create of a DES3 key of `length` bits named `name`.
fn create(name: &str, length: u32) -> String {
    format!(
        r#"<Operation type="Enumeration" value="Create"/><RequestPayload>
        <ObjectType type="Enumeration" value="SymmetricKey"/><TemplateAttribute>
        {}{}{}
        <Attribute><AttributeName type="TextString" value="Name"/><AttributeValue>
          <NameValue type="TextString" value="{name}"/>
          <NameType type="Enumeration" value="UninterpretedTextString"/></AttributeValue></Attribute>
        </TemplateAttribute></RequestPayload>"#,
        attribute("Cryptographic Algorithm", "Enumeration", "DES3"),
        attribute("Cryptographic Length", "Integer", &length.to_string()),
        attribute("Cryptographic Usage Mask", "Integer", "Encrypt Decrypt"),
    )
}

/// A KMIP 1.4 Register of DES3 key `bytes` named `name`, the Key Block
/// saying 168 bits.
fn register(name: &str, bytes: &[u8]) -> String {
    format!(
        r#"<Operation type="Enumeration" value="Register"/><RequestPayload>
        <ObjectType type="Enumeration" value="SymmetricKey"/><TemplateAttribute>
        {}
        <Attribute><AttributeName type="TextString" value="Name"/><AttributeValue>
          <NameValue type="TextString" value="{name}"/>
          <NameType type="Enumeration" value="UninterpretedTextString"/></AttributeValue></Attribute>
        </TemplateAttribute>
        <SymmetricKey><KeyBlock><KeyFormatType type="Enumeration" value="Raw"/>
        <KeyValue><KeyMaterial type="ByteString" value="{}"/></KeyValue>
        <CryptographicAlgorithm type="Enumeration" value="DES3"/>
        <CryptographicLength type="Integer" value="168"/>
        </KeyBlock></SymmetricKey></RequestPayload>"#,
        attribute("Cryptographic Usage Mask", "Integer", "Encrypt Decrypt"),
        hex::encode(bytes)
    )
}

/// The format, algorithm, length and bytes of the key a Get returned.
fn got(payload: &ResponsePayload) -> (KeyFormatType, CryptographicAlgorithm, i32, Vec<u8>) {
    let ResponsePayload::Get(g) = payload else {
        panic!("{payload:?}");
    };
    let ManagedObject::SymmetricKey(block) = &g.object else {
        panic!("{g:?}");
    };
    let bytes = match &block.key_value {
        Some(KeyValue::Plain {
            material: KeyMaterial::Bytes(b),
            ..
        }) => b.expose().to_vec(),
        Some(KeyValue::Plain {
            material: KeyMaterial::Transparent(TransparentKey::Symmetric { key }),
            ..
        }) => key.expose().to_vec(),
        other => panic!("{other:?}"),
    };
    (
        block.key_format_type,
        block.cryptographic_algorithm.unwrap(),
        block.cryptographic_length.unwrap(),
        bytes,
    )
}

/// Get Attributes of a key's State.
fn ask_state(id: &str) -> String {
    on(
        "GetAttributes",
        id,
        r#"<AttributeName type="TextString" value="State"/>"#,
    )
}

/// A Create DES3/168 makes a 24-byte key of odd parity whose three DES
/// keys differ; Get returns it (Raw, or Transparent Symmetric Key when
/// asked) as DES3 of 168 bits; Locate finds it by type and algorithm;
/// Destroy removes it, and Locate no longer finds it.
#[tokio::test]
async fn a_des3_key_is_created_returned_located_and_destroyed() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, _pki, _token, mut conn) = session(dir.path()).await;
    let id = uid(&ok(&mut conn, &create("pin-key", 168)).await);
    let (format, algorithm, length, key) = got(&ok(&mut conn, &on("Get", &id, "")).await);
    assert_eq!(
        (format, algorithm, length),
        (KeyFormatType::Raw, CryptographicAlgorithm::DES3, 168)
    );
    assert_eq!(key.len(), 24);
    assert!(key.iter().all(|b| b.count_ones() % 2 == 1), "odd parity");
    let des: Vec<Vec<u8>> = key
        .chunks(8)
        .map(|k| k.iter().map(|b| b & 0xfe).collect())
        .collect();
    assert!(des[0] != des[1] && des[1] != des[2] && des[0] != des[2]);
    let transparent = r#"<KeyFormatType type="Enumeration" value="TransparentSymmetricKey"/>"#;
    let (format, _, _, again) = got(&ok(&mut conn, &on("Get", &id, transparent)).await);
    assert_eq!(
        (format, again.as_slice()),
        (KeyFormatType::TransparentSymmetricKey, key.as_slice())
    );

    let des3 = attribute("Cryptographic Algorithm", "Enumeration", "DES3");
    let key_type = attribute("Object Type", "Enumeration", "SymmetricKey");
    let found = located(&ok(&mut conn, &locate(&format!("{key_type}{des3}"))).await);
    assert_eq!(found, vec![id.clone()]);
    let aes = attribute("Cryptographic Algorithm", "Enumeration", "AES");
    assert!(located(&ok(&mut conn, &locate(&aes)).await).is_empty());

    ok(&mut conn, &on("Destroy", &id, "")).await;
    assert!(located(&ok(&mut conn, &locate(&des3)).await).is_empty());
}

/// Encrypt and MAC with an Active DES3 key are refused with Invalid Field
/// (even when the request names an HMAC), and change nothing: the key is
/// still Active and Get returns the same bytes. REST refuses to encrypt
/// with it too.
#[tokio::test]
async fn a_des3_key_is_never_used_and_a_refusal_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (server, pki, token, mut conn) = session(dir.path()).await;
    let id = uid(&ok(&mut conn, &create("legacy", 168)).await);
    ok(&mut conn, &on("Activate", &id, "")).await;
    let (.., before) = got(&ok(&mut conn, &on("Get", &id, "")).await);

    let data = r#"<Data type="ByteString" value="0011223344556677"/>"#;
    let r = call(&mut conn, &on("Encrypt", &id, data)).await;
    let item = r.items.first().unwrap();
    assert_eq!(
        item.result_reason,
        Some(ResultReason::InvalidField),
        "{r:?}"
    );
    let message = item.result_message.clone().unwrap_or_default();
    assert!(message.contains("Triple-DES"), "{message}");
    let ecb = r#"<CryptographicParameters>
        <BlockCipherMode type="Enumeration" value="ECB"/>
        <CryptographicAlgorithm type="Enumeration" value="DES3"/>
        </CryptographicParameters>"#;
    let reason = refused(&mut conn, &on("Encrypt", &id, &format!("{ecb}{data}"))).await;
    assert_eq!(reason, Some(ResultReason::InvalidField));
    let hmac = r#"<CryptographicParameters>
        <CryptographicAlgorithm type="Enumeration" value="HMAC_SHA256"/>
        </CryptographicParameters>"#;
    for extra in [data.to_owned(), format!("{hmac}{data}")] {
        let reason = refused(&mut conn, &on("MAC", &id, &extra)).await;
        assert_eq!(reason, Some(ResultReason::InvalidField), "{extra}");
    }

    let ResponsePayload::GetAttributes(a) = ok(&mut conn, &ask_state(&id)).await else {
        panic!("not Get Attributes");
    };
    assert_eq!(a.attributes.unwrap().state(), Some(State::Active));
    let (.., after) = got(&ok(&mut conn, &on("Get", &id, "")).await);
    assert_eq!(before, after);

    let rest = rest_client(&server, &pki, Some(&token));
    let req = EncryptRequest {
        plaintext: SecretBase64(b"x".to_vec()),
        context: Default::default(),
    };
    let named = KeyRef::Name("legacy".parse().unwrap());
    let e = rest.encrypt(&named, &req).await.unwrap_err();
    assert_eq!(e.code(), Some(ErrorCode::UnsupportedOperation), "{e}");
}

/// DES3 is 168 bits only: a Create of 128 (or 192) bits is Invalid Field
/// and stores nothing. A Register keeps the bytes as sent, parity
/// unadjusted; 16 bytes, or a bundle with two equal DES keys (equal but for
/// parity too), is refused and stores nothing.
#[tokio::test]
async fn bad_des3_keys_are_refused_and_registered_ones_kept_as_sent() {
    let dir = tempfile::tempdir().unwrap();
    let (server, pki, token, mut conn) = session(dir.path()).await;
    for (name, bits) in [("des3-128", 128), ("des3-192", 192)] {
        let reason = refused(&mut conn, &create(name, bits)).await;
        assert_eq!(reason, Some(ResultReason::InvalidField), "{bits}");
    }

    let sent: Vec<u8> = (0x10..0x28).collect();
    assert!(
        !sent.iter().all(|b| b.count_ones() % 2 == 1),
        "not adjusted"
    );
    let id = uid(&ok(&mut conn, &register("registered", &sent)).await);
    let (_, algorithm, length, back) = got(&ok(&mut conn, &on("Get", &id, "")).await);
    assert_eq!((algorithm, length), (CryptographicAlgorithm::DES3, 168));
    assert_eq!(back, sent);

    let mut k1_is_k2 = sent.clone();
    k1_is_k2.copy_within(0..8, 8);
    k1_is_k2[8] ^= 1; // the parity bit alone differs
    let mut k2_is_k3 = sent.clone();
    k2_is_k3.copy_within(8..16, 16);
    let mut k1_is_k3 = sent.clone();
    k1_is_k3.copy_within(0..8, 16);
    let cases = [
        ("short", sent[..16].to_vec()),
        ("k1-k2", k1_is_k2),
        ("k2-k3", k2_is_k3),
        ("k1-k3", k1_is_k3),
    ];
    for (name, bytes) in &cases {
        let r = call(&mut conn, &register(name, bytes)).await;
        let item = r.items.first().unwrap();
        assert_eq!(
            item.result_reason,
            Some(ResultReason::InvalidField),
            "{name}"
        );
        if *name != "short" {
            let message = item.result_message.clone().unwrap_or_default();
            assert!(message.contains("distinct"), "{name}: {message}");
        }
    }
    let rest = rest_client(&server, &pki, Some(&token));
    for name in ["des3-128", "des3-192", "short", "k1-k2", "k2-k3", "k1-k3"] {
        let e = rest
            .key(&KeyRef::Name(name.parse().unwrap()))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some(ErrorCode::KeyNotFound), "{name} was stored");
    }
}

/// REST creates `tdes-168-raw` keys as it creates the other raw-cipher
/// keys, and KMIP describes one as DES3 of 168 bits.
#[tokio::test]
async fn rest_creates_triple_des_keys_that_kmip_serves() {
    let dir = tempfile::tempdir().unwrap();
    let (server, pki, token, mut conn) = session(dir.path()).await;
    let rest = rest_client(&server, &pki, Some(&token));
    let req = CreateKeyRequest::new("rest-tdes".parse().unwrap(), Algorithm::Tdes168Raw);
    let info = rest.create_key(&req).await.unwrap();
    assert_eq!(info.algorithm, Algorithm::Tdes168Raw);
    let key_type = attribute("Object Type", "Enumeration", "SymmetricKey");
    let des3 = attribute("Cryptographic Algorithm", "Enumeration", "DES3");
    let found = located(&ok(&mut conn, &locate(&format!("{key_type}{des3}"))).await);
    assert_eq!(found.len(), 1);
}
