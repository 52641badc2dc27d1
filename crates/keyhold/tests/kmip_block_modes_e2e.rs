//! End to end over KMIP: AES-128 keys and the raw block-cipher modes a
//! client drives with its own IV (KMIP 1.4 sections 3.6, 4.29, 4.30).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::kmip::{byte_string, ok, refused, rest_client, session, uid};
use keyhold_api::b64::SecretBase64;
use keyhold_api::keys::EncryptRequest;
use keyhold_core::{Algorithm, KeyRef};
use keyhold_kmip::ResultReason;
use keyhold_kmip::payload::ResponsePayload;

/// An activated AES key: `Create` of 128 bits, or `Register` of `key`.
fn new_key(name: &str, key: Option<&[u8]>) -> String {
    let attrs = format!(
        r#"<Attribute><AttributeName type="TextString" value="Cryptographic Usage Mask"/>
          <AttributeValue type="Integer" value="Encrypt Decrypt"/></Attribute>
        <Attribute><AttributeName type="TextString" value="Activation Date"/>
          <AttributeValue type="DateTime" value="2020-01-01T00:00:00+00:00"/></Attribute>
        <Attribute><AttributeName type="TextString" value="Name"/><AttributeValue>
          <NameValue type="TextString" value="{name}"/>
          <NameType type="Enumeration" value="UninterpretedTextString"/></AttributeValue></Attribute>"#
    );
    let Some(key) = key else {
        return format!(
            r#"<Operation type="Enumeration" value="Create"/><RequestPayload>
            <ObjectType type="Enumeration" value="SymmetricKey"/><TemplateAttribute>
            <Attribute><AttributeName type="TextString" value="Cryptographic Algorithm"/>
              <AttributeValue type="Enumeration" value="AES"/></Attribute>
            <Attribute><AttributeName type="TextString" value="Cryptographic Length"/>
              <AttributeValue type="Integer" value="128"/></Attribute>
            {attrs}</TemplateAttribute></RequestPayload>"#
        );
    };
    format!(
        r#"<Operation type="Enumeration" value="Register"/><RequestPayload>
        <ObjectType type="Enumeration" value="SymmetricKey"/><TemplateAttribute>{attrs}
        </TemplateAttribute><SymmetricKey><KeyBlock>
        <KeyFormatType type="Enumeration" value="Raw"/>
        <KeyValue><KeyMaterial type="ByteString" value="{}"/></KeyValue>
        <CryptographicAlgorithm type="Enumeration" value="AES"/>
        <CryptographicLength type="Integer" value="{}"/>
        </KeyBlock></SymmetricKey></RequestPayload>"#,
        hex::encode(key),
        key.len() * 8
    )
}

/// Encrypt or Decrypt of `data` under `id` in `mode` with PKCS5 padding
/// or none, and an IV.
fn op(operation: &str, id: &str, mode: &str, padding: &str, iv: &str, data: &[u8]) -> String {
    let iv = byte_string("IVCounterNonce", iv);
    format!(
        r#"<Operation type="Enumeration" value="{operation}"/><RequestPayload>
        <UniqueIdentifier type="TextString" value="{id}"/>
        <CryptographicParameters>
          <BlockCipherMode type="Enumeration" value="{mode}"/>
          <PaddingMethod type="Enumeration" value="{padding}"/>
        </CryptographicParameters>
        <Data type="ByteString" value="{}"/>{iv}</RequestPayload>"#,
        hex::encode(data)
    )
}

fn encrypted(payload: &ResponsePayload) -> (Vec<u8>, Option<Vec<u8>>) {
    let ResponsePayload::Encrypt(e) = payload else {
        panic!("{payload:?}");
    };
    (e.data.clone().unwrap(), e.iv_counter_nonce.clone())
}

fn decrypted(payload: &ResponsePayload) -> Vec<u8> {
    let ResponsePayload::Decrypt(d) = payload else {
        panic!("{payload:?}");
    };
    d.data.as_ref().unwrap().expose().to_vec()
}

const IV: &str = "000102030405060708090a0b0c0d0e0f";

/// An AES-128 key created over KMIP round-trips CBC (PKCS5) and CTR with
/// the client's IV, and CBC with one the server chooses and returns; bad
/// IVs and bad padding answer Invalid Field and Cryptographic Failure; the
/// key never seals a REST envelope.
#[tokio::test]
async fn aes_128_cbc_and_ctr_round_trip_over_kmip() {
    let dir = tempfile::tempdir().unwrap();
    let (server, pki, token, mut conn) = session(dir.path()).await;
    let id = uid(&ok(&mut conn, &new_key("kmip-aes128", None)).await);
    let data = b"seventeen bytes!!".to_vec();
    for (mode, padding) in [("CBC", "PKCS5"), ("CTR", "None")] {
        let (ct, chosen) =
            encrypted(&ok(&mut conn, &op("Encrypt", &id, mode, padding, IV, &data)).await);
        assert_eq!(chosen, None, "the client's IV is not echoed");
        let want = if mode == "CBC" { 32 } else { data.len() };
        assert_eq!(ct.len(), want, "{mode}");
        let back = ok(&mut conn, &op("Decrypt", &id, mode, padding, IV, &ct)).await;
        assert_eq!(decrypted(&back), data, "{mode}");
    }
    // No IV: the server chooses one and returns it.
    let (ct, chosen) =
        encrypted(&ok(&mut conn, &op("Encrypt", &id, "CBC", "PKCS5", "", &data)).await);
    let iv = hex::encode(chosen.unwrap());
    let back = ok(&mut conn, &op("Decrypt", &id, "CBC", "PKCS5", &iv, &ct)).await;
    assert_eq!(decrypted(&back), data);
    // A short IV, unpadded partial blocks, bad padding, a missing IV.
    let short = op("Encrypt", &id, "CBC", "PKCS5", "0001", &data);
    assert_eq!(
        refused(&mut conn, &short).await,
        Some(ResultReason::InvalidField)
    );
    let partial = op("Encrypt", &id, "CBC", "None", IV, &data);
    assert_eq!(
        refused(&mut conn, &partial).await,
        Some(ResultReason::InvalidField)
    );
    // A block that decrypts to zeros ends in a 0 byte: never PKCS#5 padding.
    let zeros = ok(&mut conn, &op("Encrypt", &id, "CBC", "None", IV, &[0; 16])).await;
    let (zeros, _) = encrypted(&zeros);
    let unpadded = op("Decrypt", &id, "CBC", "PKCS5", IV, &zeros);
    let reason = refused(&mut conn, &unpadded).await;
    assert_eq!(reason, Some(ResultReason::CryptographicFailure));
    let no_iv = op("Decrypt", &id, "CTR", "None", "", &ct);
    assert_eq!(
        refused(&mut conn, &no_iv).await,
        Some(ResultReason::InvalidMessage)
    );

    // The key is a raw-cipher key: REST refuses to seal an envelope with it.
    let root = rest_client(&server, &pki, Some(&token));
    let name = KeyRef::Name("kmip-aes128".parse().unwrap());
    assert_eq!(
        root.key(&name).await.unwrap().algorithm,
        Algorithm::Aes128Raw
    );
    let req = EncryptRequest {
        plaintext: SecretBase64(b"x".to_vec()),
        context: Default::default(),
    };
    assert!(root.encrypt(&name, &req).await.is_err());
}

/// NIST SP 800-38A F.2.1 and F.5.1 (first block) through a registered key.
#[tokio::test]
async fn registered_aes_keys_give_the_sp_800_38a_answers() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, _pki, _token, mut conn) = session(dir.path()).await;
    let key = hex::decode("2b7e151628aed2a6abf7158809cf4f3c").unwrap();
    let id = uid(&ok(&mut conn, &new_key("sp800-38a", Some(&key))).await);
    let pt = hex::decode("6bc1bee22e409f96e93d7e117393172a").unwrap();
    let cases = [
        ("CBC", IV, "7649abac8119b246cee98e9b12e9197d"),
        (
            "CTR",
            "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
            "874d6191b620e3261bef6864990db6ce",
        ),
        ("ECB", "", "3ad77bb40d7a3660a89ecaf32466ef97"),
    ];
    for (mode, iv, ct) in cases {
        let (got, _) = encrypted(&ok(&mut conn, &op("Encrypt", &id, mode, "None", iv, &pt)).await);
        assert_eq!(hex::encode(got), ct, "{mode}");
    }
}

/// GCM with a client IV that is not 96 bits (8 and 60 bytes, SP 800-38D's
/// GHASH-derived pre-counter block) round-trips with its tag; a changed
/// tag is Cryptographic Failure and an empty IV Invalid Field.
#[tokio::test]
async fn gcm_takes_ivs_of_any_length() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, _pki, _token, mut conn) = session(dir.path()).await;
    let id = uid(&ok(&mut conn, &new_key("kmip-gcm-iv", None)).await);
    let gcm = |operation: &str, iv: &str, data: &[u8], tag: &str| {
        let tag = byte_string("AuthenticatedEncryptionTag", tag);
        format!(
            r#"<Operation type="Enumeration" value="{operation}"/><RequestPayload>
            <UniqueIdentifier type="TextString" value="{id}"/>
            <CryptographicParameters>
              <BlockCipherMode type="Enumeration" value="GCM"/>
            </CryptographicParameters>
            <Data type="ByteString" value="{}"/>{}
            <AuthenticatedEncryptionAdditionalData type="ByteString" value="0a0b"/>{tag}
            </RequestPayload>"#,
            hex::encode(data),
            byte_string("IVCounterNonce", iv),
        )
    };
    let data = b"not ninety-six bits of IV".to_vec();
    for iv in [hex::encode([7u8; 8]), hex::encode([9u8; 60])] {
        let ResponsePayload::Encrypt(e) = ok(&mut conn, &gcm("Encrypt", &iv, &data, "")).await
        else {
            panic!();
        };
        let ct = e.data.clone().unwrap();
        let tag = hex::encode(e.tag.clone().unwrap());
        let back = ok(&mut conn, &gcm("Decrypt", &iv, &ct, &tag)).await;
        assert_eq!(decrypted(&back), data);
        let mut bad = hex::decode(&tag).unwrap();
        bad[0] ^= 1;
        let reason = refused(&mut conn, &gcm("Decrypt", &iv, &ct, &hex::encode(bad))).await;
        assert_eq!(reason, Some(ResultReason::CryptographicFailure));
    }
    let item = gcm("Encrypt", "", &data, "").replace(
        "<AuthenticatedEncryptionAdditionalData",
        r#"<IVCounterNonce type="ByteString" value=""/><AuthenticatedEncryptionAdditionalData"#,
    );
    assert_eq!(
        refused(&mut conn, &item).await,
        Some(ResultReason::InvalidField)
    );
}
