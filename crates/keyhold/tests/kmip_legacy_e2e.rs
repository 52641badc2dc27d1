//! End to end over KMIP: legacy keys (an RSA key of 1024 bits, DSA keys)
//! are registered, listed, given back and retired, and every
//! cryptographic operation with them is refused with the reason; a
//! Sensitive object leaves by no unwrapped Get.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::kmip::{call_in, on, rest_client, session, uid};
use common::{contains, raw_store_bytes};
use keyhold_api::ErrorCode;
use keyhold_api::b64::Base64;
use keyhold_api::crypto::SignRequest;
use keyhold_api::keys::CreateKeyRequest;
use keyhold_core::{Algorithm, KeyRef};
use keyhold_kmip::ResponseMessage;
use keyhold_kmip::payload::ResponsePayload;
use keyhold_kmip::{
    KeyFormatType, KeyMaterial, KeyValue, ManagedObject, ResultReason, TransparentKey,
};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

type Conn = TlsStream<TcpStream>;

/// The 1024-bit RSA key of the KMIP 2.1 profiles' BL-M-7-21, PKCS#1.
const RSA1024_PKCS1: &str = "3082025c02010002818100930451c9ecd94f5bb9da17dd09381bd23be43eca8c7539f301fc8a8cd5d5274c3e7699dbdc711c97a7aa91e2c50a82bd0b1034f0df493dec16362427e58acce7f6ce0f9bcc617bbd8c90d0094a2703ba0d09eb19d1005f2fb265526aac75af32f8bc782cded2a57f811e03eaf67a944de5e78413dca8f232d074e6dcea4cec9f02030100010281800b6a7d736199ea48a420e4537ca0c7c046784dcbeaa63baebc0bc132787449cde8d7cad0c0c863c0fefb06c3062befc50033ecf87b4e33a9be7bcbc8f1511ae215e80deb5d8af2bd31319d7821196640935a0cd67c94599579f2100d65e038831fdafb0dbe2bbdac00a696e67e756350e1c99ace11a36dabac3ed3e730960059024100ddf672fbcc5bda3d73affc4e791e0c03390224405d69ccaabc749faa0dcd4c2583c71dde8941a7b9aa030f52ef1451466c074d4d338fe677892acd9e10fd35bd024100a98fbc3ed6b4c6f860f97165ac2f7bb6f2e2cb192a9abd49795be5bcf37d8ee69a6e169c24e5c32e4e7fa33265461407f952ba49e204818a2f785f113f922b8b0240253f9470390d39049303777ddbc9750e9d64849ce0903eae704dc9f589b7680deb9d609fd5bcd4decd6f120542e5cff5d76f2a43c8615fb5b3a9213463797aa9024100a1ddf023c0cd94c019bb26d09b9e3ca8fa971cb16aa58b9baf79d6081a1dbba452ba53653e2804ba98ff69e8bb1b3a161ea225ea501463216a8dab9b88a75e5f02406178646e112cf79d921a8a843f17f6e7ff974f688122365bf6690cdfc996e1890952eb3820dd1890ec1c8619e87a2bd38f9d03b37fac742efb748c7885942c39";

/// The 512-bit DSA key of BL-M-12-21 and BL-M-13-21, as those cases send
/// it (Big Integers sign-extended to whole 8-byte blocks).
const DSA_P: &str = "0000000000000000fca682ce8e12caba26efccf7110e526db078b05edecbcd1eb4a208f3ae1617ae01f35b91a47e6df63413c5e12ed0899bcd132acd50d99151bdc43ee737592e17";
const DSA_Q: &str = "00000000962eddcc369cba8ebb260ee6b6a126d9346e38c5";
const DSA_G: &str = "678471b27a9cf44ee91a49c5147db1a9aaf244f05a434d6486931d2d14271b9e35030b71fd73da179069b32e2935630e1c2062354d0da20a6c416e50be794ca4";
const DSA_X: &str = "00000000095411d740d2443fa3f97d1ed9a0411bb45e7131";
const DSA_Y: &str = "0000000000000000b3cb74d988dea7160a64a4edbb7f70404fa4c08a4208c19d76357a6a9df200cce79faecb22e3419be9b01128cbd998a2d9307101705e4a952462f34728ac5fcf";

/// A 2.1 Register of `object` with `attributes` and a Key Block of
/// `format` holding `material`.
fn register(object: &str, attributes: &str, format: &str, material: &str) -> String {
    format!(
        r#"<Operation type="Enumeration" value="Register"/><RequestPayload>
        <ObjectType type="Enumeration" value="{object}"/><Attributes>{attributes}</Attributes>
        <{object}><KeyBlock><KeyFormatType type="Enumeration" value="{format}"/>
        <KeyValue>{material}</KeyValue></KeyBlock></{object}></RequestPayload>"#
    )
}

fn bytes_material(hex: &str) -> String {
    format!(r#"<KeyMaterial type="ByteString" value="{hex}"/>"#)
}

fn dsa_material(last: &str, value: &str) -> String {
    let big = |tag: &str, v: &str| format!(r#"<{tag} type="BigInteger" value="{v}"/>"#);
    format!(
        "<KeyMaterial>{}{}{}{}</KeyMaterial>",
        big("P", DSA_P),
        big("Q", DSA_Q),
        big("G", DSA_G),
        big(last, value)
    )
}

const USAGE_SIGN: &str = r#"<CryptographicUsageMask type="Integer" value="Sign"/>"#;

async fn v21(conn: &mut Conn, item: &str) -> ResponseMessage {
    call_in(conn, "2", "1", item).await
}

async fn ok21(conn: &mut Conn, item: &str) -> ResponsePayload {
    let r = v21(conn, item).await;
    let first = &r.items[0];
    assert!(first.result_reason.is_none(), "{r:?}");
    first.payload.clone().unwrap()
}

/// The reason and message of a refused 2.1 item.
async fn refused21(conn: &mut Conn, item: &str) -> (ResultReason, String) {
    let r = v21(conn, item).await;
    let first = &r.items[0];
    let reason = first.result_reason.unwrap_or_else(|| panic!("{r:?}"));
    (reason, first.result_message.clone().unwrap_or_default())
}

/// The Key Block of a Get answer.
fn block(payload: &ResponsePayload) -> keyhold_kmip::KeyBlock {
    let ResponsePayload::Get(g) = payload else {
        panic!("{payload:?}");
    };
    match &g.object {
        ManagedObject::PrivateKey(b) | ManagedObject::PublicKey(b) => b.clone(),
        other => panic!("{other:?}"),
    }
}

fn plain(block: &keyhold_kmip::KeyBlock) -> KeyMaterial {
    match &block.key_value {
        Some(KeyValue::Plain { material, .. }) => material.clone(),
        other => panic!("{other:?}"),
    }
}

fn sign(id: &str) -> String {
    on("Sign", id, r#"<Data type="ByteString" value="00"/>"#)
}

/// An RSA key of 1024 bits registered in PKCS#1 comes back in PKCS#1, its
/// public half too; Sign, Encrypt and Decrypt with it are refused with the
/// reason, and nothing changes; Re-key is refused; REST shows it and
/// refuses to sign with it or to make one; it is retired as any key, and
/// its material is nowhere in the store in the clear.
#[tokio::test]
async fn a_1024_bit_rsa_key_is_kept_given_back_and_never_used() {
    let dir = tempfile::tempdir().unwrap();
    let (server, pki, token, mut conn) = session(dir.path()).await;
    let attrs = format!(
        r#"{USAGE_SIGN}<ActivationDate type="DateTime" value="2020-01-01T00:00:00+00:00"/>
        <Name><NameValue type="TextString" value="old-rsa"/>
        <NameType type="Enumeration" value="UninterpretedTextString"/></Name>"#
    );
    let item = register(
        "PrivateKey",
        &attrs,
        "PKCS_1",
        &bytes_material(RSA1024_PKCS1),
    );
    let id = uid(&ok21(&mut conn, &item).await);
    let got = block(&ok21(&mut conn, &on("Get", &id, "")).await);
    assert_eq!(got.key_format_type, KeyFormatType::PKCS1);
    assert_eq!(got.cryptographic_length, Some(1024));
    let KeyMaterial::Bytes(der) = plain(&got) else {
        panic!()
    };
    assert_eq!(hex::encode(der.expose()), RSA1024_PKCS1);
    let public = block(&ok21(&mut conn, &on("Get", &format!("{id}/public"), "")).await);
    assert_eq!(public.key_format_type, KeyFormatType::PKCS1);
    for item in [
        sign(&id),
        on(
            "Encrypt",
            &format!("{id}/public"),
            r#"<Data type="ByteString" value="00"/>"#,
        ),
        on("Decrypt", &id, r#"<Data type="ByteString" value="00"/>"#),
    ] {
        let (reason, message) = refused21(&mut conn, &item).await;
        assert_eq!(reason, ResultReason::InvalidField, "{message}");
        assert!(message.contains("kept, never used"), "{message}");
        assert!(message.contains("SP 800-131A"), "{message}");
    }
    let rekey_pair = format!(
        r#"<Operation type="Enumeration" value="ReKeyKeyPair"/><RequestPayload>
        <PrivateKeyUniqueIdentifier type="TextString" value="{id}"/></RequestPayload>"#
    );
    let (reason, message) = refused21(&mut conn, &rekey_pair).await;
    assert_eq!(reason, ResultReason::IllegalOperation, "{message}");

    let rest = rest_client(&server, &pki, Some(&token));
    let key = KeyRef::Name("old-rsa".parse().unwrap());
    let info = rest.key(&key).await.unwrap();
    assert_eq!(info.algorithm, Algorithm::Rsa1024Legacy);
    assert_eq!(info.rotation_period_secs, None);
    let sign = SignRequest {
        message: Some(Base64(b"m".to_vec())),
        digest: None,
        scheme: None,
    };
    let e = rest.sign(&key, &sign).await.unwrap_err();
    assert_eq!(e.code(), Some(ErrorCode::UnsupportedOperation), "{e}");
    assert!(e.to_string().contains("kept, never used"), "{e}");
    for algorithm in [Algorithm::Rsa1024Legacy, Algorithm::DsaLegacy] {
        let create = CreateKeyRequest::new("made-legacy".parse().unwrap(), algorithm);
        let e = rest.create_key(&create).await.unwrap_err();
        assert_eq!(e.code(), Some(ErrorCode::UnsupportedOperation), "{e}");
    }

    let revoke = r#"<RevocationReason><RevocationReasonCode type="Enumeration" value="CessationOfOperation"/></RevocationReason>"#;
    ok21(&mut conn, &on("Revoke", &id, revoke)).await;
    ok21(&mut conn, &on("Destroy", &id, "")).await;
    drop(conn);
    let data_dir = server.data_dir.clone();
    server.kill();
    let raw = raw_store_bytes(&data_dir);
    let private_exponent = &hex::decode(RSA1024_PKCS1).unwrap()[150..250];
    assert!(
        !contains(&raw, private_exponent),
        "key material found at rest"
    );
}

/// A DSA private key registered Transparent comes back Transparent (the
/// 2.x default), its public half derived; Sign is refused; a DSA key
/// missing X, or an RSA key of 512 bits, is refused and stores nothing.
#[tokio::test]
async fn a_dsa_key_is_kept_given_back_and_never_used() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, _pki, _token, mut conn) = session(dir.path()).await;
    let item = register(
        "PrivateKey",
        USAGE_SIGN,
        "TransparentDSAPrivateKey",
        &dsa_material("X", DSA_X),
    );
    let id = uid(&ok21(&mut conn, &item).await);
    let got = block(&ok21(&mut conn, &on("Get", &id, "")).await);
    assert_eq!(got.key_format_type, KeyFormatType::TransparentDSAPrivateKey);
    assert_eq!(got.cryptographic_length, Some(512));
    let public = block(&ok21(&mut conn, &on("Get", &format!("{id}/public"), "")).await);
    let KeyMaterial::Transparent(TransparentKey::DsaPublic { y, .. }) = plain(&public) else {
        panic!("{public:?}");
    };
    assert_eq!(hex::encode(y.expose()), DSA_Y.trim_start_matches('0'));
    let (reason, message) = refused21(&mut conn, &sign(&id)).await;
    assert_eq!(reason, ResultReason::InvalidField);
    assert!(
        message.contains("dsa-legacy keys are kept, never used"),
        "{message}"
    );
    let count_before = located_all(&mut conn).await;
    let no_x = format!(
        "<KeyMaterial>{}</KeyMaterial>",
        ["P", "Q", "G"]
            .iter()
            .zip([DSA_P, DSA_Q, DSA_G])
            .map(|(t, v)| format!(r#"<{t} type="BigInteger" value="{v}"/>"#))
            .collect::<String>()
    );
    let item = register("PrivateKey", USAGE_SIGN, "TransparentDSAPrivateKey", &no_x);
    let r = v21(&mut conn, &item).await;
    assert!(r.items[0].result_reason.is_some(), "{r:?}");
    let mut bad_x = DSA_X.to_owned();
    bad_x.replace_range(8..10, "ff");
    let item = register(
        "PrivateKey",
        USAGE_SIGN,
        "TransparentDSAPrivateKey",
        &dsa_material("X", &bad_x),
    );
    let (reason, message) = refused21(&mut conn, &item).await;
    assert_eq!(reason, ResultReason::InvalidField);
    assert!(message.contains("0 < x < q"), "{message}");
    assert_eq!(located_all(&mut conn).await, count_before);
}

/// How many objects a Locate of everything finds.
async fn located_all(conn: &mut Conn) -> usize {
    let item = r#"<Operation type="Enumeration" value="Locate"/><RequestPayload/>"#;
    match ok21(conn, item).await {
        ResponsePayload::Locate(l) => l.unique_identifiers.len(),
        other => panic!("{other:?}"),
    }
}

/// A public key registered Sensitive (BL-M-12-21) is never given back
/// unwrapped: Get is Sensitive; it is Sensitive and Always Sensitive. A
/// Sensitive private key leaves wrapped only, and its derived public
/// half is not Sensitive.
#[tokio::test]
async fn a_sensitive_object_leaves_only_wrapped() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, _pki, _token, mut conn) = session(dir.path()).await;
    let sensitive = r#"<Sensitive type="Boolean" value="true"/>"#;
    let attrs = format!(r#"<CryptographicUsageMask type="Integer" value="Verify"/>{sensitive}"#);
    let item = register(
        "PublicKey",
        &attrs,
        "TransparentDSAPublicKey",
        &dsa_material("Y", DSA_Y),
    );
    let public = uid(&ok21(&mut conn, &item).await);
    let (reason, _) = refused21(&mut conn, &on("Get", &public, "")).await;
    assert_eq!(reason, ResultReason::Sensitive);
    let ask = r#"<AttributeReference type="Enumeration" value="AlwaysSensitive"/>"#;
    let attrs = ok21(&mut conn, &on("GetAttributes", &public, ask)).await;
    assert!(format!("{attrs:?}").contains("Boolean(true)"), "{attrs:?}");

    let attrs = format!("{USAGE_SIGN}{sensitive}");
    let item = register(
        "PrivateKey",
        &attrs,
        "PKCS_1",
        &bytes_material(RSA1024_PKCS1),
    );
    let private = uid(&ok21(&mut conn, &item).await);
    let (reason, _) = refused21(&mut conn, &on("Get", &private, "")).await;
    assert_eq!(reason, ResultReason::Sensitive);
    ok21(&mut conn, &on("Get", &format!("{private}/public"), "")).await;
    // Wrapped under an AES-256 key-wrapping key, it leaves.
    let kek = r#"<Operation type="Enumeration" value="Create"/><RequestPayload>
        <ObjectType type="Enumeration" value="SymmetricKey"/><Attributes>
        <CryptographicAlgorithm type="Enumeration" value="AES"/>
        <CryptographicLength type="Integer" value="256"/>
        <CryptographicUsageMask type="Integer" value="WrapKey UnwrapKey"/>
        <ActivationDate type="DateTime" value="2020-01-01T00:00:00+00:00"/>
        </Attributes></RequestPayload>"#;
    let kek = uid(&ok21(&mut conn, kek).await);
    let spec = format!(
        r#"<KeyWrappingSpecification><WrappingMethod type="Enumeration" value="Encrypt"/>
        <EncryptionKeyInformation><UniqueIdentifier type="TextString" value="{kek}"/>
        </EncryptionKeyInformation></KeyWrappingSpecification>"#
    );
    let wrapped = block(&ok21(&mut conn, &on("Get", &private, &spec)).await);
    assert!(
        matches!(wrapped.key_value, Some(KeyValue::Wrapped(_))),
        "{wrapped:?}"
    );
}
