//! End to end over KMIP: Get with a Key Wrapping Specification (KMIP 1.4
//! sections 2.1.5, 2.1.6 and 4.11): a key wrapped under an AES-256
//! key-wrapping key (NISTKeyWrap, AESKeyWrapPadding) or an RSA public key
//! (OAEP), unwrapped here and compared with the plain Get; what cannot
//! wrap is refused and changes nothing; the export is audited.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use aws_lc_rs::key_wrap::{AES_256, KeyEncryptionKey, KeyWrap as _, KeyWrapPadded as _};
use common::kmip::{attribute, call_in, ok, on, refused, rest_client, session, uid};
use keyhold_kmip::payload::ResponsePayload;
use keyhold_kmip::{
    BlockCipherMode, KeyBlock, KeyFormatType, KeyMaterial, KeyValue, ManagedObject, ResultReason,
};

const PAST: &str = "2020-01-01T00:00:00+00:00";

/// A 1.4 Create of an AES-256 key with `usage`, active at once, with
/// `extra` attributes.
fn create_aes(name: &str, usage: &str, extra: &str) -> String {
    format!(
        r#"<Operation type="Enumeration" value="Create"/><RequestPayload>
        <ObjectType type="Enumeration" value="SymmetricKey"/><TemplateAttribute>
        {}{}{}{}
        <Attribute><AttributeName type="TextString" value="Name"/><AttributeValue>
          <NameValue type="TextString" value="{name}"/>
          <NameType type="Enumeration" value="UninterpretedTextString"/></AttributeValue></Attribute>
        {extra}</TemplateAttribute></RequestPayload>"#,
        attribute("Cryptographic Algorithm", "Enumeration", "AES"),
        attribute("Cryptographic Length", "Integer", "256"),
        attribute("Cryptographic Usage Mask", "Integer", usage),
        attribute("Activation Date", "DateTime", PAST),
    )
}

/// The Cryptographic Parameters attribute naming Block Cipher Mode `mode`.
fn mode_attribute(mode: &str) -> String {
    format!(
        r#"<Attribute><AttributeName type="TextString" value="Cryptographic Parameters"/>
        <AttributeValue><BlockCipherMode type="Enumeration" value="{mode}"/></AttributeValue>
        </Attribute>"#
    )
}

/// A Get of `id` wrapped under `kek` with `method`, `params` inside the
/// Encryption Key Information and `extra` after it (an Encoding Option).
fn get_wrapped(id: &str, method: &str, kek: &str, params: &str, extra: &str) -> String {
    on(
        "Get",
        id,
        &format!(
            r#"<KeyWrappingSpecification>
            <WrappingMethod type="Enumeration" value="{method}"/>
            <EncryptionKeyInformation><UniqueIdentifier type="TextString" value="{kek}"/>
            {params}</EncryptionKeyInformation>{extra}</KeyWrappingSpecification>"#
        ),
    )
}

fn mode(m: &str) -> String {
    format!(
        r#"<CryptographicParameters><BlockCipherMode type="Enumeration" value="{m}"/>
        </CryptographicParameters>"#
    )
}

const NO_ENCODING: &str = r#"<EncodingOption type="Enumeration" value="NoEncoding"/>"#;

const OAEP_SHA256: &str = r#"<CryptographicParameters>
    <PaddingMethod type="Enumeration" value="OAEP"/>
    <HashingAlgorithm type="Enumeration" value="SHA_256"/></CryptographicParameters>"#;

fn block(payload: &ResponsePayload) -> KeyBlock {
    let ResponsePayload::Get(g) = payload else {
        panic!("{payload:?}");
    };
    match &g.object {
        ManagedObject::SymmetricKey(b) | ManagedObject::PrivateKey(b) => b.clone(),
        other => panic!("{other:?}"),
    }
}

fn plain(payload: &ResponsePayload) -> Vec<u8> {
    let Some(KeyValue::Plain {
        material: KeyMaterial::Bytes(b),
        ..
    }) = block(payload).key_value
    else {
        panic!("{payload:?}");
    };
    b.expose().to_vec()
}

fn wrapped(payload: &ResponsePayload) -> Vec<u8> {
    let Some(KeyValue::Wrapped(b)) = block(payload).key_value else {
        panic!("{payload:?}");
    };
    b.expose().to_vec()
}

/// The mode the Key Wrapping Data says was used.
fn wrapped_mode(payload: &ResponsePayload) -> Option<BlockCipherMode> {
    let data = block(payload).key_wrapping_data.unwrap();
    let info = data.encryption_key_information.unwrap();
    info.cryptographic_parameters.unwrap().block_cipher_mode
}

/// The key-wrapping key from its bytes (aws-lc-rs consumes it per use).
fn kek(bytes: &[u8]) -> KeyEncryptionKey<aws_lc_rs::key_wrap::AesBlockCipher> {
    KeyEncryptionKey::new(&AES_256, bytes).unwrap()
}

/// The Key Material of a TTLV-encoded Raw Key Value.
fn key_material_of_ttlv(bytes: &[u8]) -> Vec<u8> {
    let item = keyhold_ttlv::decode(bytes, &keyhold_ttlv::Limits::DEFAULT).unwrap();
    assert_eq!(item.tag, keyhold_kmip::tags::KEY_VALUE);
    let material = item.find(keyhold_kmip::tags::KEY_MATERIAL).unwrap();
    let keyhold_ttlv::Value::ByteString(b) = &material.value else {
        panic!("{item:?}");
    };
    b.clone()
}

/// Wraps an AES key under a NISTKeyWrap key with KW and KWP (No Encoding)
/// and with the defaults (TTLV Encoding, the key's own mode); unwraps each
/// here. A private key wraps with KWP. What cannot wrap is refused with
/// its KMIP reason, and the key stays Fresh; the exports are audited.
#[tokio::test]
async fn aes_key_wrap_on_get() {
    let dir = tempfile::tempdir().unwrap();
    let (server, pki, token, mut conn) = session(dir.path()).await;
    let wrap_key = uid(&ok(
        &mut conn,
        &create_aes("kw", "WrapKey UnwrapKey", &mode_attribute("NISTKeyWrap")),
    )
    .await);
    let target = uid(&ok(&mut conn, &create_aes("target", "Encrypt Decrypt", "")).await);
    let kek_bytes = plain(&ok(&mut conn, &on("Get", &wrap_key, "")).await);
    let key = plain(&ok(&mut conn, &on("Get", &target, "")).await);
    assert_eq!((kek_bytes.len(), key.len()), (32, 32));

    // KW, No Encoding: the raw 32 bytes.
    let kw = get_wrapped(
        &target,
        "Encrypt",
        &wrap_key,
        &mode("NISTKeyWrap"),
        NO_ENCODING,
    );
    let got = ok(&mut conn, &kw).await;
    assert_eq!(block(&got).key_format_type, KeyFormatType::Raw);
    assert_eq!(wrapped_mode(&got), Some(BlockCipherMode::NISTKeyWrap));
    let blob = wrapped(&got);
    assert_eq!(blob.len(), 40);
    let mut out = [0u8; 40];
    assert_eq!(
        kek(&kek_bytes).unwrap(&blob, &mut out).unwrap(),
        key.as_slice()
    );

    // KWP, No Encoding.
    let kwp = get_wrapped(
        &target,
        "Encrypt",
        &wrap_key,
        &mode("AESKeyWrapPadding"),
        NO_ENCODING,
    );
    let got = ok(&mut conn, &kwp).await;
    assert_eq!(wrapped_mode(&got), Some(BlockCipherMode::AESKeyWrapPadding));
    let blob = wrapped(&got);
    let mut out = [0u8; 48];
    let back = kek(&kek_bytes)
        .unwrap_with_padding(&blob, &mut out)
        .unwrap();
    assert_eq!(back, key.as_slice());

    // No parameters, no Encoding Option: the key's NISTKeyWrap over the
    // TTLV-encoded Key Value; the Key Wrapping Data names the mode used.
    let got = ok(
        &mut conn,
        &get_wrapped(&target, "Encrypt", &wrap_key, "", ""),
    )
    .await;
    assert_eq!(wrapped_mode(&got), Some(BlockCipherMode::NISTKeyWrap));
    let blob = wrapped(&got);
    let mut out = vec![0u8; blob.len()];
    let ttlv = kek(&kek_bytes).unwrap(&blob, &mut out).unwrap();
    assert_eq!(key_material_of_ttlv(ttlv), key);

    // A private key (PKCS#8, 1.4's default) with KWP.
    let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
    let pkcs8 =
        aws_lc_rs::encoding::AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(&pair).unwrap();
    let private = uid(&ok(&mut conn, &register_private(pkcs8.as_ref())).await);
    let plain_der = plain(&ok(&mut conn, &on("Get", &private, "")).await);
    let kwp = get_wrapped(
        &private,
        "Encrypt",
        &wrap_key,
        &mode("AESKeyWrapPadding"),
        NO_ENCODING,
    );
    let blob = wrapped(&ok(&mut conn, &kwp).await);
    let mut out = vec![0u8; blob.len()];
    let back = kek(&kek_bytes)
        .unwrap_with_padding(&blob, &mut out)
        .unwrap();
    assert_eq!(back, plain_der.as_slice());

    refusals(&mut conn, &wrap_key, &target).await;

    // Every wrapped Get is audited as key:export of the key, naming the
    // wrapping key.
    let rest = rest_client(&server, &pki, Some(&token));
    let query = keyhold_api::audit::AuditEventsQuery {
        action: Some(keyhold_core::Action::KeyExport),
        ..Default::default()
    };
    let page = rest.audit_events(&query).await.unwrap();
    let named = |e: &&keyhold_api::audit::AuditEventView| e.context.contains_key("wrapping_key");
    let allowed = page
        .events
        .iter()
        .filter(|e| e.outcome.code.is_none())
        .filter(named)
        .count();
    let refused = page
        .events
        .iter()
        .filter(|e| e.outcome.code.is_some())
        .filter(named)
        .count();
    assert_eq!(allowed, 4, "{page:?}");
    assert!(refused >= 3, "{page:?}");
}

/// Wrapping a key under what cannot wrap, or a key that may not leave:
/// refused with a clear reason, and the key stays Fresh (never served).
async fn refusals(
    conn: &mut tokio_rustls::client::TlsStream<tokio::net::TcpStream>,
    wrap_key: &str,
    target: &str,
) {
    let fresh = uid(&ok(conn, &create_aes("fresh", "Encrypt Decrypt", "")).await);
    let kw = mode("NISTKeyWrap");
    // A wrapping key without Wrap Key: an AES key for Encrypt.
    let get = get_wrapped(&fresh, "Encrypt", target, &kw, "");
    assert_eq!(refused(conn, &get).await, Some(ResultReason::InvalidField));
    // A key-wrapping key whose usage is Unwrap Key only (2.1: Incompatible
    // Cryptographic Usage Mask).
    let unwrap_only = uid(&ok(
        conn,
        &create_aes("unwrap-only", "UnwrapKey", &mode_attribute("NISTKeyWrap")),
    )
    .await);
    let get = get_wrapped(&fresh, "Encrypt", &unwrap_only, &kw, "");
    assert_eq!(refused(conn, &get).await, Some(ResultReason::InvalidField));
    let r = call_in(conn, "2", "1", &get).await;
    assert_eq!(
        r.items[0].result_reason,
        Some(ResultReason::IncompatibleCryptographicUsageMask),
        "{r:?}"
    );
    // A deactivated wrapping key (revoked: it may unwrap, not wrap).
    let old = uid(&ok(
        conn,
        &create_aes(
            "old-kw",
            "WrapKey UnwrapKey",
            &mode_attribute("NISTKeyWrap"),
        ),
    )
    .await);
    let revoke = r#"<RevocationReason><RevocationReasonCode type="Enumeration"
        value="CessationOfOperation"/></RevocationReason>"#;
    ok(conn, &on("Revoke", &old, revoke)).await;
    let get = get_wrapped(&fresh, "Encrypt", &old, &kw, "");
    let reason = refused(conn, &get).await;
    assert_eq!(reason, Some(ResultReason::IllegalOperation));
    // An unknown wrapping key (2.1: Wrapping Object Not Found).
    let unknown = "6f1c2a3e-1b2c-4d5e-8f90-123456789abc";
    let get = get_wrapped(&fresh, "Encrypt", unknown, &kw, "");
    assert_eq!(refused(conn, &get).await, Some(ResultReason::ItemNotFound));
    let r = call_in(conn, "2", "1", &get).await;
    assert_eq!(
        r.items[0].result_reason,
        Some(ResultReason::WrappingObjectNotFound)
    );
    // MAC/sign: not supported.
    let get = get_wrapped(&fresh, "MACSign", wrap_key, &kw, "");
    let reason = refused(conn, &get).await;
    assert_eq!(reason, Some(ResultReason::FeatureNotSupported));
    // A key under itself; a Transparent key under No Encoding.
    let get = get_wrapped(wrap_key, "Encrypt", wrap_key, &kw, "");
    assert_eq!(refused(conn, &get).await, Some(ResultReason::InvalidField));
    let transparent = r#"<KeyFormatType type="Enumeration" value="TransparentSymmetricKey"/>"#;
    let get = on(
        "Get",
        &fresh,
        &format!(
            r#"{transparent}<KeyWrappingSpecification>
            <WrappingMethod type="Enumeration" value="Encrypt"/>
            <EncryptionKeyInformation><UniqueIdentifier type="TextString" value="{wrap_key}"/>
            </EncryptionKeyInformation>{NO_ENCODING}</KeyWrappingSpecification>"#
        ),
    );
    let reason = refused(conn, &get).await;
    assert_eq!(reason, Some(ResultReason::EncodingOptionError));
    // A key that is not Extractable.
    let sealed = create_aes(
        "sealed",
        "Encrypt Decrypt",
        &attribute("Extractable", "Boolean", "false"),
    );
    let sealed = uid(&ok(conn, &sealed).await);
    let get = get_wrapped(&sealed, "Encrypt", wrap_key, &kw, "");
    let reason = refused(conn, &get).await;
    assert_eq!(reason, Some(ResultReason::PermissionDenied));
    // Nothing was served.
    let attrs = on(
        "GetAttributes",
        &fresh,
        r#"<AttributeName type="TextString" value="Fresh"/>"#,
    );
    let ResponsePayload::GetAttributes(got) = ok(conn, &attrs).await else {
        panic!();
    };
    let attrs = got.attributes.unwrap();
    let fresh_value = attrs.get(&keyhold_kmip::AttributeRef::Standard(
        keyhold_kmip::tags::FRESH,
    ));
    let Some(keyhold_kmip::AttributeValue::Other { value, .. }) = fresh_value else {
        panic!("{attrs:?}");
    };
    assert_eq!(*value, keyhold_ttlv::Value::Boolean(true));
}

/// A 1.4 Register of an RSA private key (PKCS#8), active at once.
fn register_private(pkcs8: &[u8]) -> String {
    register("PrivateKey", "PKCS_8", pkcs8, "Decrypt UnwrapKey")
}

fn register(object: &str, format: &str, der: &[u8], usage: &str) -> String {
    format!(
        r#"<Operation type="Enumeration" value="Register"/><RequestPayload>
        <ObjectType type="Enumeration" value="{object}"/><TemplateAttribute>
        {}{}</TemplateAttribute><{object}><KeyBlock>
        <KeyFormatType type="Enumeration" value="{format}"/>
        <KeyValue><KeyMaterial type="ByteString" value="{}"/></KeyValue>
        </KeyBlock></{object}></RequestPayload>"#,
        attribute("Cryptographic Usage Mask", "Integer", usage),
        attribute("Activation Date", "DateTime", PAST),
        hex::encode(der)
    )
}

/// Wraps an AES key under a registered RSA public key with OAEP (SHA-256,
/// No Encoding; and the defaults: OAEP SHA-256 over the TTLV-encoded Key
/// Value) and decrypts it here with the private key; a private key is too
/// long for OAEP: Invalid Field.
#[tokio::test]
async fn rsa_oaep_wrap_on_get() {
    use aws_lc_rs::encoding::AsDer;
    use aws_lc_rs::rsa::{OAEP_SHA256_MGF1SHA256, OaepPrivateDecryptingKey, PrivateDecryptingKey};
    use aws_lc_rs::signature::KeyPair as _;
    let dir = tempfile::tempdir().unwrap();
    let (_server, _pki, _token, mut conn) = session(dir.path()).await;
    let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
    let pkcs8 = AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(&pair).unwrap();
    let spki = pair.public_key().as_der().unwrap();
    let public = uid(&ok(
        &mut conn,
        &register("PublicKey", "X_509", spki.as_ref(), "Encrypt WrapKey"),
    )
    .await);
    let target = uid(&ok(&mut conn, &create_aes("target", "Encrypt Decrypt", "")).await);
    let key = plain(&ok(&mut conn, &on("Get", &target, "")).await);
    let private = PrivateDecryptingKey::from_pkcs8(pkcs8.as_ref()).unwrap();
    let private = OaepPrivateDecryptingKey::new(private).unwrap();
    let decrypt = |blob: &[u8]| {
        let mut out = vec![0u8; private.min_output_size()];
        private
            .decrypt(&OAEP_SHA256_MGF1SHA256, blob, &mut out, None)
            .unwrap()
            .to_vec()
    };

    let get = get_wrapped(&target, "Encrypt", &public, OAEP_SHA256, NO_ENCODING);
    let blob = wrapped(&ok(&mut conn, &get).await);
    assert_eq!(blob.len(), 256);
    assert_eq!(decrypt(&blob), key);
    let got = ok(&mut conn, &get_wrapped(&target, "Encrypt", &public, "", "")).await;
    let ttlv = decrypt(&wrapped(&got));
    assert_eq!(key_material_of_ttlv(&ttlv), key);

    // A private key is longer than OAEP holds under RSA-2048.
    let rsa = uid(&ok(&mut conn, &register_private(pkcs8.as_ref())).await);
    let get = get_wrapped(&rsa, "Encrypt", &public, OAEP_SHA256, NO_ENCODING);
    assert_eq!(
        refused(&mut conn, &get).await,
        Some(ResultReason::InvalidField)
    );
    // PKCS#1 v1.5 does not wrap.
    let pkcs1 = r#"<CryptographicParameters>
        <PaddingMethod type="Enumeration" value="PKCS1V1_5"/></CryptographicParameters>"#;
    let get = get_wrapped(&target, "Encrypt", &public, pkcs1, NO_ENCODING);
    assert_eq!(
        refused(&mut conn, &get).await,
        Some(ResultReason::InvalidField)
    );
}
