//! End to end over KMIP: a key's own Cryptographic Parameters (KMIP 1.4
//! section 3.6) as the defaults of its Encrypt and Decrypt (section 4.29),
//! given back by Get Attributes; parameters keyhold cannot serve refuse the
//! key.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::kmip::{byte_string, ok, refused, rest_client, session, uid};
use keyhold_kmip::payload::ResponsePayload;
use keyhold_kmip::{BlockCipherMode, PaddingMethod, ResultReason};

/// 1.4 attributes: usage, activation, name, and these Cryptographic
/// Parameters.
fn attributes(name: &str, params: &str) -> String {
    format!(
        r#"<Attribute><AttributeName type="TextString" value="Cryptographic Usage Mask"/>
          <AttributeValue type="Integer" value="Encrypt Decrypt"/></Attribute>
        <Attribute><AttributeName type="TextString" value="Activation Date"/>
          <AttributeValue type="DateTime" value="2020-01-01T00:00:00+00:00"/></Attribute>
        <Attribute><AttributeName type="TextString" value="Name"/><AttributeValue>
          <NameValue type="TextString" value="{name}"/>
          <NameType type="Enumeration" value="UninterpretedTextString"/></AttributeValue></Attribute>
        <Attribute><AttributeName type="TextString" value="Cryptographic Parameters"/>
          <AttributeValue>{params}</AttributeValue></Attribute>"#
    )
}

/// Register of the AES-128 key of NIST SP 800-38A with these parameters.
fn register(name: &str, params: &str) -> String {
    format!(
        r#"<Operation type="Enumeration" value="Register"/><RequestPayload>
        <ObjectType type="Enumeration" value="SymmetricKey"/><TemplateAttribute>{}
        </TemplateAttribute><SymmetricKey><KeyBlock>
        <KeyFormatType type="Enumeration" value="Raw"/>
        <KeyValue><KeyMaterial type="ByteString" value="2b7e151628aed2a6abf7158809cf4f3c"/></KeyValue>
        <CryptographicAlgorithm type="Enumeration" value="AES"/>
        <CryptographicLength type="Integer" value="128"/>
        </KeyBlock></SymmetricKey></RequestPayload>"#,
        attributes(name, params)
    )
}

/// Create of an AES-128 key with these parameters.
fn create(name: &str, params: &str) -> String {
    format!(
        r#"<Operation type="Enumeration" value="Create"/><RequestPayload>
        <ObjectType type="Enumeration" value="SymmetricKey"/><TemplateAttribute>
        <Attribute><AttributeName type="TextString" value="Cryptographic Algorithm"/>
          <AttributeValue type="Enumeration" value="AES"/></Attribute>
        <Attribute><AttributeName type="TextString" value="Cryptographic Length"/>
          <AttributeValue type="Integer" value="128"/></Attribute>{}
        </TemplateAttribute></RequestPayload>"#,
        attributes(name, params)
    )
}

/// Encrypt or Decrypt under `id`: `params` (Cryptographic Parameters) and
/// `iv` (IV/Counter/Nonce) are sent as is, in the payload's order.
fn op(operation: &str, id: &str, data: &str, params: &str, iv: &str) -> String {
    format!(
        r#"<Operation type="Enumeration" value="{operation}"/><RequestPayload>
        <UniqueIdentifier type="TextString" value="{id}"/>{params}
        <Data type="ByteString" value="{data}"/>{iv}</RequestPayload>"#
    )
}

fn data(payload: &ResponsePayload) -> (String, Option<String>) {
    match payload {
        ResponsePayload::Encrypt(e) => (
            hex::encode(e.data.as_ref().unwrap()),
            e.iv_counter_nonce.as_ref().map(hex::encode),
        ),
        ResponsePayload::Decrypt(d) => (hex::encode(d.data.as_ref().unwrap().expose()), None),
        other => panic!("{other:?}"),
    }
}

fn iv(hex: &str) -> String {
    format!(r#"<IVCounterNonce type="ByteString" value="{hex}"/>"#)
}

const ECB: &str = r#"<BlockCipherMode type="Enumeration" value="ECB"/>"#;
const CBC: &str = r#"<BlockCipherMode type="Enumeration" value="CBC"/>"#;
const NO_PADDING: &str = r#"<PaddingMethod type="Enumeration" value="None"/>"#;
const PKCS5: &str = r#"<PaddingMethod type="Enumeration" value="PKCS5"/>"#;
const RANDOM_IV: &str = r#"<RandomIV type="Boolean" value="true"/>"#;
/// NIST SP 800-38A F.1.1 / F.2.1: first plaintext block, ECB and CBC
/// ciphertexts (CBC with the IV below).
const PT: &str = "6bc1bee22e409f96e93d7e117393172a";
const ECB_CT: &str = "3ad77bb40d7a3660a89ecaf32466ef97";
const CBC_IV: &str = "000102030405060708090a0b0c0d0e0f";
const CBC_CT: &str = "7649abac8119b246cee98e9b12e9197d";

/// A key registered with Block Cipher Mode ECB (Padding None) encrypts and
/// decrypts in ECB when the request names no mode; a request naming CBC
/// overrides the mode and keeps the key's padding; Get Attributes gives
/// the parameters back.
#[tokio::test]
async fn a_keys_parameters_are_the_defaults_of_its_requests() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, _pki, _token, mut conn) = session(dir.path()).await;
    let id = uid(&ok(&mut conn, &register("p-ecb", &format!("{ECB}{NO_PADDING}"))).await);
    let (ct, chosen) = data(&ok(&mut conn, &op("Encrypt", &id, PT, "", "")).await);
    assert_eq!((ct.as_str(), chosen), (ECB_CT, None));
    let (pt, _) = data(&ok(&mut conn, &op("Decrypt", &id, ECB_CT, "", "")).await);
    assert_eq!(pt, PT);
    // The request's Block Cipher Mode wins; the key's Padding Method stays.
    let cbc = format!("<CryptographicParameters>{CBC}</CryptographicParameters>");
    let cbc = op("Encrypt", &id, PT, &cbc, &iv(CBC_IV));
    let (ct, _) = data(&ok(&mut conn, &cbc).await);
    assert_eq!(ct, CBC_CT, "CBC without padding: one block out");
    let get = format!(
        r#"<Operation type="Enumeration" value="GetAttributes"/><RequestPayload>
        <UniqueIdentifier type="TextString" value="{id}"/></RequestPayload>"#
    );
    let ResponsePayload::GetAttributes(attrs) = ok(&mut conn, &get).await else {
        panic!();
    };
    let params = attrs.attributes.as_ref().unwrap();
    let params = params.cryptographic_parameters().unwrap();
    assert_eq!(params.block_cipher_mode, Some(BlockCipherMode::ECB));
    assert_eq!(params.padding_method, Some(PaddingMethod::None));
    assert_eq!(params.random_iv, None);
}

/// CBC with PKCS5 and Random IV as the key's parameters: Encrypt without
/// parameters draws the IV and returns it; Decrypt needs it (Invalid
/// Message without it) and opens the ciphertext with it.
#[tokio::test]
async fn a_keys_random_iv_is_drawn_by_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, _pki, _token, mut conn) = session(dir.path()).await;
    let params = format!("{CBC}{PKCS5}{RANDOM_IV}");
    let id = uid(&ok(&mut conn, &create("p-cbc", &params)).await);
    let plain = hex::encode(b"seventeen bytes!!");
    let (ct, chosen) = data(&ok(&mut conn, &op("Encrypt", &id, &plain, "", "")).await);
    let chosen = chosen.expect("the server chose the IV");
    assert_eq!(
        (ct.len(), chosen.len()),
        (64, 32),
        "two blocks, a 16-byte IV"
    );
    let reason = refused(&mut conn, &op("Decrypt", &id, &ct, "", "")).await;
    assert_eq!(reason, Some(ResultReason::InvalidMessage));
    let (back, _) = data(&ok(&mut conn, &op("Decrypt", &id, &ct, "", &iv(&chosen))).await);
    assert_eq!(back, plain);
    // An IV sent against the key's Random IV is refused.
    let reason = refused(&mut conn, &op("Encrypt", &id, &plain, "", &iv(CBC_IV))).await;
    assert_eq!(reason, Some(ResultReason::InvalidField));
}

/// Parameters keyhold does not serve (Block Cipher Mode OFB, Hashing
/// Algorithm MD5, a P Source over 4096 bytes) refuse the Create or
/// Register with Invalid Field, and no key is made.
#[tokio::test]
async fn parameters_keyhold_cannot_serve_refuse_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let (server, pki, token, mut conn) = session(dir.path()).await;
    let ofb = r#"<BlockCipherMode type="Enumeration" value="OFB"/>"#;
    let md5 = r#"<HashingAlgorithm type="Enumeration" value="MD5"/>"#;
    let label = format!(
        r#"<PSource type="ByteString" value="{}"/>"#,
        "6c".repeat(4097)
    );
    let cases = [
        create("p-ofb", ofb),
        register("p-md5", &format!("{ECB}{md5}")),
        register("p-label", &label),
    ];
    for request in cases {
        let reason = refused(&mut conn, &request).await;
        assert_eq!(reason, Some(ResultReason::InvalidField), "{request}");
    }
    ok(&mut conn, &register("p-ok", ECB)).await;
    let rest = rest_client(&server, &pki, Some(&token));
    let found = |name: &str| keyhold_core::KeyRef::Name(name.parse().unwrap());
    assert!(rest.key(&found("p-ok")).await.is_ok());
    for name in ["p-ofb", "p-md5", "p-label"] {
        assert!(rest.key(&found(name)).await.is_err(), "{name} was stored");
    }
}

/// MAC or MAC Verify of `data` under `id`; `tag` is sent as MAC Data.
fn mac_op(operation: &str, id: &str, data: &str, tag: &str) -> String {
    let tag = byte_string("MACData", tag);
    format!(
        r#"<Operation type="Enumeration" value="{operation}"/><RequestPayload>
        <UniqueIdentifier type="TextString" value="{id}"/>
        <Data type="ByteString" value="{data}"/>{tag}</RequestPayload>"#
    )
}

/// An AES key registered with Cryptographic Algorithm HMAC_SHA256 in its
/// parameters (as the profiles' CS-AC-M-4 does) MACs with HMAC-SHA256 keyed
/// with its bytes, and MAC Verify agrees; a changed tag is Invalid. A raw
/// key whose parameters name no HMAC is refused, and REST never MACs with
/// such a key.
#[tokio::test]
async fn a_raw_aes_key_macs_with_the_hmac_its_parameters_name() {
    let dir = tempfile::tempdir().unwrap();
    let (server, pki, token, mut conn) = session(dir.path()).await;
    let with_mac = |request: String| {
        request.replace(
            r#"value="Encrypt Decrypt""#,
            r#"value="Encrypt Decrypt MACGenerate MACVerify""#,
        )
    };
    let hmac = r#"<CryptographicAlgorithm type="Enumeration" value="HMAC_SHA256"/>"#;
    let id = uid(&ok(&mut conn, &with_mac(register("p-hmac", hmac))).await);
    let message = "01020304050607080910111213141516";
    let key = aws_lc_rs::hmac::Key::new(
        aws_lc_rs::hmac::HMAC_SHA256,
        &hex::decode("2b7e151628aed2a6abf7158809cf4f3c").unwrap(),
    );
    let expected = aws_lc_rs::hmac::sign(&key, &hex::decode(message).unwrap());
    let ResponsePayload::MAC(mac) = ok(&mut conn, &mac_op("MAC", &id, message, "")).await else {
        panic!("not a MAC response");
    };
    let tag = mac.mac_data.unwrap();
    assert_eq!(tag, expected.as_ref());
    let verdict = |payload: ResponsePayload| match payload {
        ResponsePayload::MACVerify(v) => v.validity_indicator,
        other => panic!("{other:?}"),
    };
    let good = mac_op("MACVerify", &id, message, &hex::encode(&tag));
    let valid = verdict(ok(&mut conn, &good).await);
    assert_eq!(valid, Some(keyhold_kmip::ValidityIndicator::Valid));
    let mut bad = tag.clone();
    bad[0] ^= 1;
    let bad = mac_op("MACVerify", &id, message, &hex::encode(&bad));
    let invalid = verdict(ok(&mut conn, &bad).await);
    assert_eq!(invalid, Some(keyhold_kmip::ValidityIndicator::Invalid));
    // No HMAC named by the key or the request: refused.
    let plain = uid(&ok(&mut conn, &with_mac(register("p-nohmac", ECB))).await);
    let reason = refused(&mut conn, &mac_op("MAC", &plain, message, "")).await;
    assert_eq!(reason, Some(ResultReason::InvalidField));
    // REST's MAC is for HMAC keys only.
    let rest = rest_client(&server, &pki, Some(&token));
    let req = keyhold_api::crypto::MacRequest {
        data: keyhold_api::b64::Base64(hex::decode(message).unwrap()),
    };
    let named = keyhold_core::KeyRef::Name("p-hmac".parse().unwrap());
    assert!(rest.mac(&named, &req).await.is_err());
}

/// A step of a multi-part operation (Init Indicator, Correlation Value,
/// Final Indicator) is refused with Invalid Field on every operation that
/// takes one but AES-GCM Encrypt (below), and the key still serves
/// single-part requests afterwards.
#[tokio::test]
async fn multi_part_requests_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, _pki, _token, mut conn) = session(dir.path()).await;
    let with_mac = register("p-parts", ECB).replace(
        r#"value="Encrypt Decrypt""#,
        r#"value="Encrypt Decrypt MACGenerate MACVerify""#,
    );
    let id = uid(&ok(&mut conn, &with_mac).await);
    let init = r#"<InitIndicator type="Boolean" value="true"/>"#;
    let correlation = byte_string("CorrelationValue", "0102");
    let last = r#"<FinalIndicator type="Boolean" value="true"/>"#;
    let hmac = r#"<CryptographicParameters>
        <CryptographicAlgorithm type="Enumeration" value="HMAC_SHA256"/></CryptographicParameters>"#;
    let hash = |part: &str| {
        let sha256 = r#"<CryptographicParameters>
            <HashingAlgorithm type="Enumeration" value="SHA_256"/></CryptographicParameters>"#;
        format!(
            r#"<Operation type="Enumeration" value="Hash"/><RequestPayload>{sha256}
            <Data type="ByteString" value="{PT}"/>{part}</RequestPayload>"#
        )
    };
    let cases = [
        (op("Encrypt", &id, PT, "", init), init.to_owned()),
        (
            op("Decrypt", &id, ECB_CT, "", &correlation),
            correlation.clone(),
        ),
        (op("MAC", &id, PT, hmac, last), last.to_owned()),
        (hash(init), init.to_owned()),
    ];
    for (request, part) in cases {
        let reason = refused(&mut conn, &request).await;
        assert_eq!(reason, Some(ResultReason::InvalidField), "{request}");
        // The same request without the multi-part field is served.
        ok(&mut conn, &request.replace(&part, "")).await;
    }
    let (ct, _) = data(&ok(&mut conn, &op("Encrypt", &id, PT, "", "")).await);
    assert_eq!(ct, ECB_CT);
}

/// A multi-part AES-GCM Encrypt (KMIP 1.4 section 4.29): the parts'
/// ciphertexts and the last part's tag are those of the whole message (the
/// GCM specification's test case 5: an 8-byte IV, with AAD); the
/// Correlation Value serves one stream once; a one-shot Decrypt opens the
/// result.
#[tokio::test]
async fn a_gcm_encryption_runs_in_parts() {
    const K: &str = "feffe9928665731c6d6a8f9467308308";
    const P: &str = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39";
    const C: &str = "61353b4c2806934a777ff51fa22a4755699b2a714fcdc6f83766e5f97b6c742373806900e49f24b22b097544d4896b424989b5e1ebac0f07c23f4598";
    const T: &str = "3612d2e79e3b0785561be14aaca2fccb";
    let dir = tempfile::tempdir().unwrap();
    let (_server, _pki, _token, mut conn) = session(dir.path()).await;
    let gcm = r#"<BlockCipherMode type="Enumeration" value="GCM"/><TagLength type="Integer" value="16"/>"#;
    let key = register("p-gcm", gcm).replace("2b7e151628aed2a6abf7158809cf4f3c", K);
    let id = uid(&ok(&mut conn, &key).await);
    let aad = byte_string(
        "AuthenticatedEncryptionAdditionalData",
        "feedfacedeadbeeffeedfacedeadbeefabaddad2",
    );
    let init = format!(
        r#"{}<InitIndicator type="Boolean" value="true"/>{aad}"#,
        iv("cafebabefacedbad")
    );
    let first = ok(&mut conn, &op("Encrypt", &id, &P[..64], "", &init)).await;
    let ResponsePayload::Encrypt(first) = first else {
        panic!("{first:?}")
    };
    assert_eq!(hex::encode(first.data.unwrap()), C[..64]);
    assert!(first.tag.is_none());
    let correlation = hex::encode(first.correlation_value.unwrap());
    let next = |data: &str, last: bool| {
        let fin = if last {
            r#"<FinalIndicator type="Boolean" value="true"/>"#
        } else {
            ""
        };
        let part = format!("{}{fin}", byte_string("CorrelationValue", &correlation));
        op("Encrypt", &id, data, "", &part)
    };
    let middle = ok(&mut conn, &next(&P[64..74], false)).await;
    let ResponsePayload::Encrypt(middle) = middle else {
        panic!("{middle:?}")
    };
    assert_eq!(hex::encode(middle.data.unwrap()), C[64..74]);
    assert_eq!(
        middle.correlation_value.map(hex::encode),
        Some(correlation.clone())
    );
    let last = ok(&mut conn, &next(&P[74..], true)).await;
    let ResponsePayload::Encrypt(last) = last else {
        panic!("{last:?}")
    };
    assert_eq!(hex::encode(last.data.unwrap()), C[74..]);
    assert_eq!(last.tag.map(hex::encode).as_deref(), Some(T));
    assert!(last.correlation_value.is_none());
    // The stream is over: its Correlation Value serves no more.
    let again = refused(&mut conn, &next(&P[..2], true)).await;
    assert_eq!(again, Some(ResultReason::InvalidField));
    let unknown = op(
        "Encrypt",
        &id,
        PT,
        "",
        &byte_string("CorrelationValue", "0102"),
    );
    assert_eq!(
        refused(&mut conn, &unknown).await,
        Some(ResultReason::InvalidField)
    );
    // A part that is neither the first nor names its stream.
    let orphan = op(
        "Encrypt",
        &id,
        PT,
        "",
        r#"<FinalIndicator type="Boolean" value="true"/>"#,
    );
    assert_eq!(
        refused(&mut conn, &orphan).await,
        Some(ResultReason::InvalidField)
    );
    // The whole result opens in one Decrypt.
    let tag = byte_string("AuthenticatedEncryptionTag", T);
    let open = op(
        "Decrypt",
        &id,
        C,
        "",
        &format!("{}{aad}{tag}", iv("cafebabefacedbad")),
    );
    assert_eq!(data(&ok(&mut conn, &open).await).0, P);
}
