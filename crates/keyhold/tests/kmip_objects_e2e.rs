//! End to end over KMIP: Secret Data (KMIP 1.4 section 2.2.7), Opaque
//! Objects (section 2.2.8) and Certificates (section 2.2.1) registered, fetched in the format they came in,
//! described, located by type and Object Group, taken through their
//! lifecycle; refused for cryptography over KMIP and REST, which still
//! lists and shows them; bad input stores nothing; the bytes are sealed at
//! rest.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::kmip::{attribute, locate, located, ok, on, refused, rest_client, session, uid};
use common::{contains, raw_store_bytes};
use keyhold_api::ErrorCode;
use keyhold_api::b64::SecretBase64;
use keyhold_api::keys::{CreateKeyRequest, EncryptRequest, ListKeysQuery};
use keyhold_core::{Algorithm, KeyRef};
use keyhold_kmip::payload::ResponsePayload;
use keyhold_kmip::{
    AttributeRef, AttributeValue, KeyFormatType, KeyMaterial, KeyValue, ManagedObject, ObjectType,
    ResultReason, State, tags,
};

/// A password no other test bytes contain, hex-encoded.
const PASSWORD: &[u8] = b"pw-marker-3c9e71d0-secret-data";

/// 1.4 template attributes: a Name, an Object Group, a custom attribute.
fn template(name: &str) -> String {
    format!(
        r#"<TemplateAttribute>
        <Attribute><AttributeName type="TextString" value="Name"/><AttributeValue>
          <NameValue type="TextString" value="{name}"/>
          <NameType type="Enumeration" value="UninterpretedTextString"/></AttributeValue></Attribute>
        <Attribute><AttributeName type="TextString" value="Object Group"/>
          <AttributeValue type="TextString" value="vault-{name}"/></Attribute>
        <Attribute><AttributeName type="TextString" value="x-owner"/>
          <AttributeValue type="TextString" value="backup-team"/></Attribute>
        </TemplateAttribute>"#
    )
}

/// Register of a Secret Data Password whose Key Block is `block`.
fn register_secret(name: &str, block: &str) -> String {
    format!(
        r#"<Operation type="Enumeration" value="Register"/><RequestPayload>
        <ObjectType type="Enumeration" value="SecretData"/>{}
        <SecretData><SecretDataType type="Enumeration" value="Password"/>
        <KeyBlock>{block}</KeyBlock></SecretData></RequestPayload>"#,
        template(name)
    )
}

/// A Key Block of `bytes` in `format`.
fn block(format: &str, bytes: &[u8]) -> String {
    format!(
        r#"<KeyFormatType type="Enumeration" value="{format}"/>
        <KeyValue><KeyMaterial type="ByteString" value="{}"/></KeyValue>"#,
        hex::encode(bytes)
    )
}

/// Register of an Opaque Object of an extension type.
fn register_opaque(name: &str, bytes: &[u8]) -> String {
    format!(
        r#"<Operation type="Enumeration" value="Register"/><RequestPayload>
        <ObjectType type="Enumeration" value="OpaqueObject"/>{}
        <OpaqueObject><OpaqueDataType type="Enumeration" value="0x80123456"/>
        <OpaqueDataValue type="ByteString" value="{}"/></OpaqueObject></RequestPayload>"#,
        template(name),
        hex::encode(bytes)
    )
}

/// The object a Get answered, with its format (Secret Data) and bytes.
fn got(payload: &ResponsePayload) -> (ObjectType, Option<KeyFormatType>, Vec<u8>) {
    let ResponsePayload::Get(g) = payload else {
        panic!("{payload:?}");
    };
    match &g.object {
        ManagedObject::SecretData { key_block, .. } => {
            let Some(KeyValue::Plain {
                material: KeyMaterial::Bytes(b),
                ..
            }) = &key_block.key_value
            else {
                panic!("plain bytes");
            };
            let format = Some(key_block.key_format_type);
            (g.object_type, format, b.expose().to_vec())
        }
        ManagedObject::OpaqueObject { value, .. } => (g.object_type, None, value.expose().to_vec()),
        other => panic!("{other:?}"),
    }
}

/// Secret Data registered in Opaque format comes back in it (and in Raw
/// when asked), described as Secret Data with its Object Group and custom
/// attribute and no algorithm, found by type and group, not as a key.
#[tokio::test]
async fn secret_data_round_trips_with_its_attributes() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, _pki, _token, mut conn) = session(dir.path()).await;
    let id = uid(&ok(
        &mut conn,
        &register_secret("db-pw", &block("Opaque", PASSWORD)),
    )
    .await);
    let (t, format, bytes) = got(&ok(&mut conn, &on("Get", &id, "")).await);
    assert_eq!(
        (t, format),
        (ObjectType::SecretData, Some(KeyFormatType::Opaque))
    );
    assert_eq!(bytes, PASSWORD);
    let raw = r#"<KeyFormatType type="Enumeration" value="Raw"/>"#;
    let (_, format, bytes) = got(&ok(&mut conn, &on("Get", &id, raw)).await);
    assert_eq!(
        (format, bytes.as_slice()),
        (Some(KeyFormatType::Raw), PASSWORD)
    );
    let pkcs8 = r#"<KeyFormatType type="Enumeration" value="PKCS_8"/>"#;
    let reason = refused(&mut conn, &on("Get", &id, pkcs8)).await;
    assert_eq!(reason, Some(ResultReason::InvalidField));

    let ResponsePayload::GetAttributes(a) = ok(&mut conn, &on("GetAttributes", &id, "")).await
    else {
        panic!();
    };
    let a = a.attributes.unwrap();
    assert_eq!(a.object_type(), Some(ObjectType::SecretData));
    assert_eq!(a.state(), Some(State::PreActive));
    assert_eq!(a.object_groups(), vec!["vault-db-pw"]);
    assert_eq!(a.cryptographic_algorithm(), None);
    assert_eq!(a.cryptographic_usage_mask(), None, "registered without one");
    assert!(a.get(&AttributeRef::Standard(tags::DIGEST)).is_some());
    assert!(a.items.iter().any(|i| matches!(&i.value,
        AttributeValue::Vendor { name, .. } if name == "owner")));

    let by_type = attribute("Object Type", "Enumeration", "SecretData");
    let group = attribute("Object Group", "TextString", "vault-db-pw");
    let found = located(&ok(&mut conn, &locate(&format!("{by_type}{group}"))).await);
    assert_eq!(found, vec![id.clone()]);
    let other = attribute("Object Group", "TextString", "elsewhere");
    let found = located(&ok(&mut conn, &locate(&format!("{by_type}{other}"))).await);
    assert!(found.is_empty());
    let keys = attribute("Object Type", "Enumeration", "SymmetricKey");
    let found = located(&ok(&mut conn, &locate(&format!("{keys}{group}"))).await);
    assert!(found.is_empty(), "Secret Data is no Symmetric Key");
}

/// An Opaque Object keeps its extension type and bytes and takes the
/// lifecycle of any object: Activate, Revoke, Destroy; a Get once its
/// destruction is scheduled is refused.
#[tokio::test]
async fn opaque_objects_keep_their_type_and_lifecycle() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, _pki, _token, mut conn) = session(dir.path()).await;
    let value = [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef];
    let id = uid(&ok(&mut conn, &register_opaque("blob", &value)).await);
    let payload = ok(&mut conn, &on("Get", &id, "")).await;
    let (t, format, bytes) = got(&payload);
    assert_eq!(
        (t, format, bytes.as_slice()),
        (ObjectType::OpaqueObject, None, &value[..])
    );
    let ResponsePayload::Get(g) = &payload else {
        panic!();
    };
    let ManagedObject::OpaqueObject {
        opaque_data_type, ..
    } = &g.object
    else {
        panic!();
    };
    assert_eq!(u32::from(*opaque_data_type), 0x8012_3456);
    let raw = r#"<KeyFormatType type="Enumeration" value="Raw"/>"#;
    let reason = refused(&mut conn, &on("Get", &id, raw)).await;
    assert_eq!(reason, Some(ResultReason::InvalidField));

    ok(&mut conn, &on("Activate", &id, "")).await;
    let state = |p: &ResponsePayload| match p {
        ResponsePayload::GetAttributes(a) => a.attributes.as_ref().unwrap().state(),
        other => panic!("{other:?}"),
    };
    let get_state = on(
        "GetAttributes",
        &id,
        r#"<AttributeName type="TextString" value="State"/>"#,
    );
    assert_eq!(state(&ok(&mut conn, &get_state).await), Some(State::Active));
    let reason = r#"<RevocationReason>
        <RevocationReasonCode type="Enumeration" value="CessationOfOperation"/>
        </RevocationReason>"#;
    ok(&mut conn, &on("Revoke", &id, reason)).await;
    assert_eq!(
        state(&ok(&mut conn, &get_state).await),
        Some(State::Deactivated)
    );
    ok(&mut conn, &on("Destroy", &id, "")).await;
    let reason = refused(&mut conn, &on("Get", &id, "")).await;
    assert_eq!(reason, Some(ResultReason::PermissionDenied));
}

/// A data object performs no cryptography: KMIP Encrypt and Re-key are
/// refused, so are REST encrypt, rotate, and a REST create of the
/// algorithm; REST still lists and shows it.
#[tokio::test]
async fn data_objects_do_no_cryptography_and_rest_still_shows_them() {
    let dir = tempfile::tempdir().unwrap();
    let (server, pki, token, mut conn) = session(dir.path()).await;
    let id = uid(&ok(
        &mut conn,
        &register_secret("api-pw", &block("Raw", b"hunter2")),
    )
    .await);
    ok(&mut conn, &on("Activate", &id, "")).await;
    let data = r#"<Data type="ByteString" value="00112233"/>"#;
    let reason = refused(&mut conn, &on("Encrypt", &id, data)).await;
    assert_eq!(reason, Some(ResultReason::InvalidField));
    let reason = refused(&mut conn, &on("ReKey", &id, "")).await;
    assert_eq!(reason, Some(ResultReason::IllegalOperation));

    let rest = rest_client(&server, &pki, Some(&token));
    let key = KeyRef::Name("api-pw".parse().unwrap());
    let info = rest.key(&key).await.unwrap();
    assert_eq!(info.algorithm, Algorithm::SecretData);
    let list = rest.list_keys(&ListKeysQuery::default()).await.unwrap();
    assert!(
        list.keys
            .iter()
            .any(|k| k.algorithm == Algorithm::SecretData)
    );
    let req = EncryptRequest {
        plaintext: SecretBase64(b"x".to_vec()),
        context: Default::default(),
    };
    let e = rest.encrypt(&key, &req).await.unwrap_err();
    assert_eq!(e.code(), Some(ErrorCode::UnsupportedOperation), "{e}");
    let e = rest.rotate_key(&key).await.unwrap_err();
    assert_eq!(e.code(), Some(ErrorCode::UnsupportedOperation), "{e}");
    let create = CreateKeyRequest::new("made".parse().unwrap(), Algorithm::OpaqueData);
    let e = rest.create_key(&create).await.unwrap_err();
    assert_eq!(e.code(), Some(ErrorCode::UnsupportedOperation), "{e}");
}

/// Bad Secret Data is refused with its reason, and nothing is stored: no
/// Key Value or a Key Material that is no Byte String (Invalid Field), a
/// Key Value of the wrong TTLV type (a payload that does not parse:
/// Invalid Message, KMIP 1.4 section 11.1), a format for keys, an Object
/// Type that is not the object's.
#[tokio::test]
async fn bad_secret_data_is_refused_and_nothing_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let (server, pki, token, mut conn) = session(dir.path()).await;
    let no_value = r#"<KeyFormatType type="Enumeration" value="Raw"/>"#;
    let structure = r#"<KeyFormatType type="Enumeration" value="Raw"/>
        <KeyValue><KeyMaterial><Key type="ByteString" value="00"/></KeyMaterial></KeyValue>"#;
    let integer = r#"<KeyFormatType type="Enumeration" value="Raw"/>
        <KeyValue type="Integer" value="7"/>"#;
    let cases = [
        (
            "bad-1",
            register_secret("bad-1", no_value),
            ResultReason::InvalidField,
        ),
        (
            "bad-2",
            register_secret("bad-2", structure),
            ResultReason::InvalidField,
        ),
        (
            "bad-3",
            register_secret("bad-3", integer),
            ResultReason::InvalidMessage,
        ),
        (
            "bad-4",
            register_secret("bad-4", &block("PKCS_8", b"x")),
            ResultReason::KeyFormatTypeNotSupported,
        ),
        (
            "bad-5",
            register_secret("bad-5", &block("Raw", b"x"))
                .replace(r#"value="SecretData"/>"#, r#"value="SymmetricKey"/>"#),
            ResultReason::InvalidField,
        ),
    ];
    for (_, request, reason) in &cases {
        assert_eq!(
            refused(&mut conn, request).await,
            Some(*reason),
            "{request}"
        );
    }
    let rest = rest_client(&server, &pki, Some(&token));
    for (name, ..) in &cases {
        let key = KeyRef::Name(name.parse().unwrap());
        let e = rest.key(&key).await.unwrap_err();
        assert_eq!(e.code(), Some(ErrorCode::KeyNotFound), "{name} was stored");
    }
}

/// The bytes of a data object are sealed like a key's: the raw store holds
/// no copy of them.
#[tokio::test]
async fn data_objects_are_sealed_at_rest() {
    let dir = tempfile::tempdir().unwrap();
    let (server, _pki, _token, mut conn) = session(dir.path()).await;
    ok(
        &mut conn,
        &register_secret("sealed-pw", &block("Raw", PASSWORD)),
    )
    .await;
    ok(&mut conn, &register_opaque("sealed-blob", PASSWORD)).await;
    drop(conn);
    let data_dir = server.data_dir.clone();
    server.kill();
    let raw = raw_store_bytes(&data_dir);
    assert!(!raw.is_empty());
    assert!(!contains(&raw, PASSWORD), "data object bytes found at rest");
}

/// A self-signed X.509 certificate whose subject CN is `cn`, DER.
fn certificate(cn: &str) -> Vec<u8> {
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, cn);
    let key = rcgen::KeyPair::generate().unwrap();
    params.self_signed(&key).unwrap().der().to_vec()
}

/// Register of a Certificate of `kind` (X_509, PGP) holding `value`.
fn register_certificate(name: &str, kind: &str, value: &[u8]) -> String {
    format!(
        r#"<Operation type="Enumeration" value="Register"/><RequestPayload>
        <ObjectType type="Enumeration" value="Certificate"/>{}
        <Certificate><CertificateType type="Enumeration" value="{kind}"/>
        <CertificateValue type="ByteString" value="{}"/></Certificate></RequestPayload>"#,
        template(name),
        hex::encode(value)
    )
}

/// The value of standard attribute `tag` in a Get Attributes answer.
fn standard(payload: &ResponsePayload, tag: keyhold_ttlv::Tag) -> keyhold_ttlv::Value {
    let ResponsePayload::GetAttributes(a) = payload else {
        panic!("{payload:?}");
    };
    let attrs = a.attributes.as_ref().unwrap();
    match attrs.get(&AttributeRef::Standard(tag)) {
        Some(AttributeValue::Other { value, .. }) => value.clone(),
        other => panic!("{tag:?}: {other:?}"),
    }
}

/// A Certificate (KMIP 1.4 section 2.2.1) comes back byte for byte, with
/// its Certificate Type, Certificate Length and SHA-256 Digest over the
/// DER, and in 2.1 its Certificate Subject CN; it is located by Object
/// Type, its server-set attributes are read-only, and it is destroyed
/// like any object.
#[tokio::test]
async fn certificates_round_trip_with_their_attributes() {
    use keyhold_ttlv::Value;
    let dir = tempfile::tempdir().unwrap();
    let (server, pki, token, mut conn) = session(dir.path()).await;
    let der = certificate("svc.example");
    let id = uid(&ok(&mut conn, &register_certificate("svc-cert", "X_509", &der)).await);
    let ResponsePayload::Get(g) = ok(&mut conn, &on("Get", &id, "")).await else {
        panic!();
    };
    assert_eq!(g.object_type, ObjectType::Certificate);
    let ManagedObject::Certificate { value, .. } = &g.object else {
        panic!("{:?}", g.object);
    };
    assert_eq!(value, &der);

    let all = ok(&mut conn, &on("GetAttributes", &id, "")).await;
    assert_eq!(
        standard(&all, tags::CERTIFICATE_TYPE),
        Value::Enumeration(1)
    );
    let length = i32::try_from(der.len()).unwrap();
    assert_eq!(
        standard(&all, tags::CERTIFICATE_LENGTH),
        Value::Integer(length)
    );
    let Value::Structure(digest) = standard(&all, tags::DIGEST) else {
        panic!("Digest");
    };
    let sha256 = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &der);
    assert!(
        digest
            .iter()
            .any(|i| i.value == Value::ByteString(sha256.as_ref().to_vec()))
    );
    let ResponsePayload::GetAttributes(a) = &all else {
        panic!();
    };
    assert_eq!(
        a.attributes.as_ref().unwrap().object_type(),
        Some(ObjectType::Certificate)
    );
    let cn = r#"<AttributeReference type="Enumeration" value="CertificateSubjectCN"/>"#;
    let r = common::kmip::call_in(&mut conn, "2", "1", &on("GetAttributes", &id, cn)).await;
    let payload = r.items.first().unwrap().payload.clone().unwrap();
    let cn = standard(&payload, tags::CERTIFICATE_SUBJECT_CN);
    assert_eq!(cn, Value::TextString("svc.example".into()));

    let by_type = attribute("Object Type", "Enumeration", "Certificate");
    assert_eq!(
        located(&ok(&mut conn, &locate(&by_type)).await),
        vec![id.clone()]
    );
    let keys = attribute("Object Type", "Enumeration", "SymmetricKey");
    assert!(located(&ok(&mut conn, &locate(&keys)).await).is_empty());

    let modify = on(
        "ModifyAttribute",
        &id,
        &attribute("Certificate Length", "Integer", "123"),
    );
    let reason = refused(&mut conn, &modify).await;
    assert_eq!(reason, Some(ResultReason::PermissionDenied));

    let rest = rest_client(&server, &pki, Some(&token));
    let key = KeyRef::Name("svc-cert".parse().unwrap());
    assert_eq!(
        rest.key(&key).await.unwrap().algorithm,
        Algorithm::Certificate
    );
    let create = CreateKeyRequest::new("made-cert".parse().unwrap(), Algorithm::Certificate);
    let e = rest.create_key(&create).await.unwrap_err();
    assert_eq!(e.code(), Some(ErrorCode::UnsupportedOperation), "{e}");
    let list = ok(&mut conn, &on("GetAttributeList", &id, "")).await;
    let ResponsePayload::GetAttributeList(l) = list else {
        panic!("{list:?}");
    };
    assert!(
        l.references
            .contains(&AttributeRef::Standard(tags::CERTIFICATE_LENGTH))
    );
    ok(&mut conn, &on("Destroy", &id, "")).await;
    let reason = refused(&mut conn, &on("Get", &id, "")).await;
    assert_eq!(reason, Some(ResultReason::PermissionDenied));
}

/// A Certificate Value that is not one X.509 certificate, or a PGP
/// certificate, is Invalid Field and nothing is stored.
#[tokio::test]
async fn bad_certificates_are_refused_and_nothing_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let (server, pki, token, mut conn) = session(dir.path()).await;
    let der = certificate("x");
    let mut trailing = der.clone();
    trailing.push(0);
    let cases = [
        ("cert-1", "X_509", b"not DER at all".to_vec()),
        ("cert-2", "X_509", der[..der.len() - 1].to_vec()),
        ("cert-3", "X_509", trailing),
        ("cert-4", "PGP", der.clone()),
    ];
    for (name, kind, value) in &cases {
        let reason = refused(&mut conn, &register_certificate(name, kind, value)).await;
        assert_eq!(reason, Some(ResultReason::InvalidField), "{name}");
    }
    let rest = rest_client(&server, &pki, Some(&token));
    for (name, ..) in &cases {
        let key = KeyRef::Name(name.parse().unwrap());
        let e = rest.key(&key).await.unwrap_err();
        assert_eq!(e.code(), Some(ErrorCode::KeyNotFound), "{name} was stored");
    }
    let by_type = attribute("Object Type", "Enumeration", "Certificate");
    assert!(located(&ok(&mut conn, &locate(&by_type)).await).is_empty());
}
