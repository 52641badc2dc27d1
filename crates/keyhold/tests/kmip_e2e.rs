//! End to end over KMIP: a production server with `[tls]` and `[kmip]`,
//! reached by a small TTLV client over TLS with a client certificate.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::Path;

use common::Server;
use common::kmip::{bind_client, connect, exchange, init, pki, rest_client};
use keyhold_api::sys::InitRequest;
use keyhold_client::{Client, ClientOptions};
use keyhold_kmip::payload::ResponsePayload;
use keyhold_kmip::{Operation, ProtocolVersion, ResponseMessage, ResultReason, ResultStatus};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

/// Sends `bytes`, reads one framed answer; `None` when the connection fails.
async fn call(stream: &mut TlsStream<TcpStream>, bytes: &[u8]) -> Option<ResponseMessage> {
    let tree = exchange(stream, bytes).await?;
    Some(ResponseMessage::from_ttlv(&tree).unwrap())
}

fn request(items: &[&str]) -> Vec<u8> {
    common::kmip::batch_bytes("", items)
}

const DISCOVER: &str =
    r#"<Operation type="Enumeration" value="DiscoverVersions"/><RequestPayload/>"#;
const RNG: &str = r#"<Operation type="Enumeration" value="RNGRetrieve"/>
    <RequestPayload><DataLength type="Integer" value="32"/></RequestPayload>"#;
fn create(bits: u32, name: &str) -> String {
    format!(
        r#"<Operation type="Enumeration" value="Create"/><RequestPayload>
        <ObjectType type="Enumeration" value="SymmetricKey"/><TemplateAttribute>
        <Attribute><AttributeName type="TextString" value="Cryptographic Algorithm"/>
          <AttributeValue type="Enumeration" value="AES"/></Attribute>
        <Attribute><AttributeName type="TextString" value="Cryptographic Length"/>
          <AttributeValue type="Integer" value="{bits}"/></Attribute>
        <Attribute><AttributeName type="TextString" value="Name"/><AttributeValue>
          <NameValue type="TextString" value="{name}"/>
          <NameType type="Enumeration" value="UninterpretedTextString"/></AttributeValue></Attribute>
        </TemplateAttribute></RequestPayload>"#
    )
}

/// Activate with no Unique Identifier: the batch's ID placeholder.
const ACTIVATE_PLACEHOLDER: &str =
    r#"<Operation type="Enumeration" value="Activate"/><RequestPayload/>"#;

fn activate(id: &str) -> String {
    format!(
        r#"<Operation type="Enumeration" value="Activate"/><RequestPayload>
        <UniqueIdentifier type="TextString" value="{id}"/></RequestPayload>"#
    )
}

fn by_id(operation: &str, id: &str, extra: &str) -> String {
    format!(
        r#"<Operation type="Enumeration" value="{operation}"/><RequestPayload>
        <UniqueIdentifier type="TextString" value="{id}"/>{extra}</RequestPayload>"#
    )
}

fn locate(name: &str) -> String {
    format!(
        r#"<Operation type="Enumeration" value="Locate"/><RequestPayload>
        <Attribute><AttributeName type="TextString" value="Name"/><AttributeValue>
          <NameValue type="TextString" value="{name}"/>
          <NameType type="Enumeration" value="UninterpretedTextString"/></AttributeValue></Attribute>
        </RequestPayload>"#
    )
}

const CERTIFY: &str = r#"<Operation type="Enumeration" value="Certify"/><RequestPayload/>"#;

#[tokio::test]
async fn kmip_over_mutual_tls() {
    let dir = tempfile::tempdir().unwrap();
    let pki = pki(dir.path());
    let server = Server::production_with(dir.path(), &pki.toml);
    let addr = server
        .kmip_addr
        .clone()
        .expect("KEYHOLD_KMIP_ADDR announced");
    let mut conn = connect(&addr, &pki, true).await.unwrap();

    // Discover Versions works sealed; RNG Retrieve needs an unsealed server.
    let r = call(&mut conn, &request(&[DISCOVER])).await.unwrap();
    assert_eq!(r.items[0].result_status, ResultStatus::Success);
    let Some(ResponsePayload::DiscoverVersions(v)) = &r.items[0].payload else {
        panic!("{r:?}");
    };
    assert_eq!(v.versions, ProtocolVersion::SUPPORTED.to_vec());
    let r = call(&mut conn, &request(&[RNG])).await.unwrap();
    assert_eq!(
        r.items[0].result_reason,
        Some(ResultReason::PermissionDenied)
    );

    // Initialize over REST (trusting the CA); the same connection then works.
    let options = ClientOptions {
        ca_cert_pem: Some(pki.ca_pem.clone().into_bytes()),
        timeout: None,
    };
    let rest = Client::with_options(&server.url, None, options).unwrap();
    let init = rest
        .init(&InitRequest {
            shares: 1,
            threshold: 1,
        })
        .await
        .unwrap();
    // A certificate the CA signed but no principal is bound to is refused.
    let r = call(&mut conn, &request(&[RNG])).await.unwrap();
    assert_eq!(
        r.items[0].result_reason,
        Some(ResultReason::PermissionDenied)
    );
    bind_client(&server, &pki, &init.root_token).await;
    let r = call(&mut conn, &request(&[RNG])).await.unwrap();
    let Some(ResponsePayload::RNGRetrieve(random)) = &r.items[0].payload else {
        panic!("{r:?}");
    };
    assert_eq!(random.data.len(), 32);

    // Create AES-256 then Activate through the ID placeholder, in one batch.
    let r = call(
        &mut conn,
        &request(&[&create(256, "kmip-orders"), ACTIVATE_PLACEHOLDER]),
    )
    .await
    .unwrap();
    assert_eq!(r.items.len(), 2, "{r:?}");
    let Some(ResponsePayload::Create(created)) = &r.items[0].payload else {
        panic!("{r:?}");
    };
    let keyhold_kmip::UniqueIdentifier::Text(id) = &created.unique_identifier else {
        panic!("{created:?}");
    };
    assert_eq!(r.items[1].result_status, ResultStatus::Success, "{r:?}");
    // Get Attributes (all, then one) and Get Attribute List.
    let r = call(&mut conn, &request(&[&by_id("GetAttributes", id, "")]))
        .await
        .unwrap();
    let Some(ResponsePayload::GetAttributes(got)) = &r.items[0].payload else {
        panic!("{r:?}");
    };
    let attrs = got.attributes.as_ref().unwrap();
    assert_eq!(attrs.state(), Some(keyhold_kmip::State::Active));
    assert_eq!(attrs.cryptographic_length(), Some(256));
    assert_eq!(attrs.names()[0].value, "kmip-orders");
    assert!(
        attrs
            .date(keyhold_kmip::DateAttribute::Activation)
            .is_some()
    );
    let one = r#"<AttributeName type="TextString" value="State"/>"#;
    let r = call(&mut conn, &request(&[&by_id("GetAttributes", id, one)]))
        .await
        .unwrap();
    let Some(ResponsePayload::GetAttributes(got)) = &r.items[0].payload else {
        panic!("{r:?}");
    };
    assert_eq!(got.attributes.as_ref().unwrap().items.len(), 1);
    let r = call(&mut conn, &request(&[&by_id("GetAttributeList", id, "")]))
        .await
        .unwrap();
    let Some(ResponsePayload::GetAttributeList(list)) = &r.items[0].payload else {
        panic!("{r:?}");
    };
    assert!(list.references.len() >= 6, "{list:?}");

    // Locate by name: the created version; an unknown name finds nothing.
    for (name, expected) in [("kmip-orders", 1), ("kmip-none", 0)] {
        let r = call(&mut conn, &request(&[&locate(name)])).await.unwrap();
        let Some(ResponsePayload::Locate(found)) = &r.items[0].payload else {
            panic!("{r:?}");
        };
        assert_eq!(found.unique_identifiers.len(), expected);
        if expected == 1 {
            assert_eq!(
                found.unique_identifiers[0],
                keyhold_kmip::UniqueIdentifier::Text(id.clone())
            );
        }
    }

    // Encrypt / Decrypt with AES-256-GCM: IV and tag apart; a bad tag fails.
    let enc = r#"<Data type="ByteString" value="68656c6c6f206b6d6970"/>
        <AuthenticatedEncryptionAdditionalData type="ByteString" value="0102"/>"#;
    let r = call(&mut conn, &request(&[&by_id("Encrypt", id, enc)]))
        .await
        .unwrap();
    let Some(ResponsePayload::Encrypt(sealed)) = &r.items[0].payload else {
        panic!("{r:?}");
    };
    let (ct, iv, tag) = (
        sealed.data.clone().unwrap(),
        sealed.iv_counter_nonce.clone().unwrap(),
        sealed.tag.clone().unwrap(),
    );
    assert_eq!((ct.len(), iv.len(), tag.len()), (10, 12, 16));
    let decrypt = |tag: &[u8]| {
        let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        by_id(
            "Decrypt",
            id,
            &format!(
                r#"<Data type="ByteString" value="{}"/>
                <IVCounterNonce type="ByteString" value="{}"/>
                <AuthenticatedEncryptionAdditionalData type="ByteString" value="0102"/>
                <AuthenticatedEncryptionTag type="ByteString" value="{}"/>"#,
                hex(&ct),
                hex(&iv),
                hex(tag)
            ),
        )
    };
    let r = call(&mut conn, &request(&[&decrypt(&tag)])).await.unwrap();
    let Some(ResponsePayload::Decrypt(opened)) = &r.items[0].payload else {
        panic!("{r:?}");
    };
    assert_eq!(opened.data.as_ref().unwrap().expose(), b"hello kmip");
    let mut bad_tag = tag.clone();
    bad_tag[0] ^= 1;
    let r = call(&mut conn, &request(&[&decrypt(&bad_tag)]))
        .await
        .unwrap();
    assert_eq!(
        r.items[0].result_reason,
        Some(ResultReason::CryptographicFailure)
    );

    // Active now: a second Activate is refused by the lifecycle.
    let r = call(&mut conn, &request(&[&activate(id)])).await.unwrap();
    assert_eq!(
        r.items[0].result_reason,
        Some(ResultReason::IllegalOperation)
    );
    let r = call(&mut conn, &request(&[&activate("no-such-id")]))
        .await
        .unwrap();
    assert_eq!(r.items[0].result_reason, Some(ResultReason::ItemNotFound));
    // AES keys are 128, 192 or 256 bits; the same name cannot be taken twice.
    let r = call(&mut conn, &request(&[&create(100, "kmip-small")]))
        .await
        .unwrap();
    assert_eq!(r.items[0].result_reason, Some(ResultReason::InvalidField));
    let r = call(&mut conn, &request(&[&create(256, "kmip-orders")]))
        .await
        .unwrap();
    assert_eq!(
        r.items[0].result_reason,
        Some(ResultReason::ObjectAlreadyExists)
    );

    // Revoke (cessation of operation): the version is Deactivated.
    let reason = r#"<RevocationReason>
        <RevocationReasonCode type="Enumeration" value="CessationOfOperation"/>
        </RevocationReason>"#;
    let r = call(&mut conn, &request(&[&by_id("Revoke", id, reason)]))
        .await
        .unwrap();
    assert_eq!(r.items[0].result_status, ResultStatus::Success, "{r:?}");
    let r = call(&mut conn, &request(&[&by_id("GetAttributes", id, "")]))
        .await
        .unwrap();
    let Some(ResponsePayload::GetAttributes(got)) = &r.items[0].payload else {
        panic!("{r:?}");
    };
    assert_eq!(
        got.attributes.as_ref().unwrap().state(),
        Some(keyhold_kmip::State::Deactivated)
    );

    // An unsupported operation fails its item; the connection stays usable.
    let r = call(&mut conn, &request(&[CERTIFY])).await.unwrap();
    assert_eq!(r.items[0].operation, Some(Operation::Certify));
    assert_eq!(
        r.items[0].result_reason,
        Some(ResultReason::OperationNotSupported)
    );
    // A well-framed body that is not a message: Invalid Message, still open.
    let mut bad = vec![0x42, 0x00, 0x78, 0x01, 0, 0, 0, 16];
    bad.extend_from_slice(&[0u8; 16]);
    let r = call(&mut conn, &bad).await.unwrap();
    assert_eq!(r.items[0].result_reason, Some(ResultReason::InvalidMessage));
    assert!(call(&mut conn, &request(&[DISCOVER])).await.is_some());

    // A header that frames nothing: at most an error answer, then closed.
    let mut garbage = connect(&addr, &pki, true).await.unwrap();
    if let Some(r) = call(&mut garbage, &[0xFF; 8]).await {
        assert_eq!(r.items[0].result_reason, Some(ResultReason::InvalidMessage));
    }
    assert!(call(&mut garbage, &request(&[DISCOVER])).await.is_none());

    // Without a client certificate: refused at the handshake (TLS 1.3 may
    // report it on the first read), and the server still serves others.
    if let Ok(mut anonymous) = connect(&addr, &pki, false).await {
        assert!(call(&mut anonymous, &request(&[DISCOVER])).await.is_none());
    }
    let mut again = connect(&addr, &pki, true).await.unwrap();
    assert!(call(&mut again, &request(&[DISCOVER])).await.is_some());
}

/// A started server with the test client bound to an admin principal, a
/// REST client with the root token, and a KMIP connection.
async fn ready_server(dir: &Path) -> (Server, Client, TlsStream<TcpStream>) {
    let pki = pki(dir);
    let server = Server::production_with(dir, &pki.toml);
    let token = init(&server, &pki).await;
    bind_client(&server, &pki, &token).await;
    let addr = server.kmip_addr.clone().unwrap();
    let conn = connect(&addr, &pki, true).await.unwrap();
    let root = rest_client(&server, &pki, Some(&token));
    (server, root, conn)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A Create of a symmetric key of `algorithm` with a usage mask and,
/// optionally, `Extractable` false.
fn create_with(algorithm: &str, usage: &str, name: &str, extractable: bool) -> String {
    let extra = if extractable {
        String::new()
    } else {
        r#"<Attribute><AttributeName type="TextString" value="Extractable"/>
           <AttributeValue type="Boolean" value="false"/></Attribute>"#
            .to_owned()
    };
    format!(
        r#"<Operation type="Enumeration" value="Create"/><RequestPayload>
        <ObjectType type="Enumeration" value="SymmetricKey"/><TemplateAttribute>
        <Attribute><AttributeName type="TextString" value="Cryptographic Algorithm"/>
          <AttributeValue type="Enumeration" value="{algorithm}"/></Attribute>
        <Attribute><AttributeName type="TextString" value="Cryptographic Usage Mask"/>
          <AttributeValue type="Integer" value="{usage}"/></Attribute>
        <Attribute><AttributeName type="TextString" value="Name"/><AttributeValue>
          <NameValue type="TextString" value="{name}"/>
          <NameType type="Enumeration" value="UninterpretedTextString"/></AttributeValue></Attribute>
        {extra}</TemplateAttribute></RequestPayload>"#
    )
}

fn register_aes(name: &str, key: &[u8]) -> String {
    format!(
        r#"<Operation type="Enumeration" value="Register"/><RequestPayload>
        <ObjectType type="Enumeration" value="SymmetricKey"/><TemplateAttribute>
        <Attribute><AttributeName type="TextString" value="Cryptographic Usage Mask"/>
          <AttributeValue type="Integer" value="Encrypt Decrypt"/></Attribute>
        <Attribute><AttributeName type="TextString" value="Name"/><AttributeValue>
          <NameValue type="TextString" value="{name}"/>
          <NameType type="Enumeration" value="UninterpretedTextString"/></AttributeValue></Attribute>
        </TemplateAttribute><SymmetricKey><KeyBlock>
        <KeyFormatType type="Enumeration" value="Raw"/>
        <KeyValue><KeyMaterial type="ByteString" value="{}"/></KeyValue>
        <CryptographicAlgorithm type="Enumeration" value="AES"/>
        <CryptographicLength type="Integer" value="{}"/>
        </KeyBlock></SymmetricKey></RequestPayload>"#,
        hex(key),
        key.len() * 8
    )
}

fn text_id(uid: &keyhold_kmip::UniqueIdentifier) -> String {
    let keyhold_kmip::UniqueIdentifier::Text(id) = uid else {
        panic!("{uid:?}");
    };
    id.clone()
}

/// The one item of a one-item batch, which must have succeeded.
async fn ok_item(conn: &mut TlsStream<TcpStream>, item: &str) -> ResponsePayload {
    let r = call(conn, &request(&[item])).await.unwrap();
    assert_eq!(r.items[0].result_status, ResultStatus::Success, "{r:?}");
    r.items[0].payload.clone().unwrap()
}

async fn failed_reason(conn: &mut TlsStream<TcpStream>, item: &str) -> Option<ResultReason> {
    let r = call(conn, &request(&[item])).await.unwrap();
    assert_eq!(r.items[0].result_status, ResultStatus::OperationFailed);
    r.items[0].result_reason
}

/// The key bytes a Get returns.
fn got_key(payload: &ResponsePayload) -> Vec<u8> {
    let ResponsePayload::Get(got) = payload else {
        panic!("{payload:?}");
    };
    let keyhold_kmip::ManagedObject::SymmetricKey(block) = &got.object else {
        panic!("{got:?}");
    };
    match &block.key_value {
        Some(keyhold_kmip::KeyValue::Plain { material, .. }) => match material {
            keyhold_kmip::KeyMaterial::Bytes(b) => b.expose().to_vec(),
            keyhold_kmip::KeyMaterial::Transparent(keyhold_kmip::TransparentKey::Symmetric {
                key,
            }) => key.expose().to_vec(),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

/// HMAC keys over KMIP: Create, MAC and MAC Verify by the server agree
/// with an HMAC computed here from the material Get returns (so Get
/// returns the very key used); a key created not Extractable is never
/// returned; every Get is audited as an export.
#[tokio::test]
async fn kmip_mac_and_get() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, rest, mut conn) = ready_server(dir.path()).await;
    let create = create_with("HMAC_SHA256", "MACGenerate MACVerify", "kmip-mac", true);
    let r = call(&mut conn, &request(&[&create, ACTIVATE_PLACEHOLDER]))
        .await
        .unwrap();
    assert_eq!(r.items[1].result_status, ResultStatus::Success, "{r:?}");
    let Some(ResponsePayload::Create(created)) = &r.items[0].payload else {
        panic!("{r:?}");
    };
    let id = text_id(&created.unique_identifier);
    let data = b"kmip mac data";
    let mac_req = format!(r#"<Data type="ByteString" value="{}"/>"#, hex(data));
    let ResponsePayload::MAC(mac) = ok_item(&mut conn, &by_id("MAC", &id, &mac_req)).await else {
        panic!();
    };
    let tag = mac.mac_data.unwrap();
    let verify = |tag: &[u8]| {
        by_id(
            "MACVerify",
            &id,
            &format!(
                r#"<Data type="ByteString" value="{}"/><MACData type="ByteString" value="{}"/>"#,
                hex(data),
                hex(tag)
            ),
        )
    };
    let ResponsePayload::MACVerify(v) = ok_item(&mut conn, &verify(&tag)).await else {
        panic!();
    };
    assert_eq!(
        v.validity_indicator,
        Some(keyhold_kmip::ValidityIndicator::Valid)
    );
    let mut bad = tag.clone();
    bad[0] ^= 1;
    let ResponsePayload::MACVerify(v) = ok_item(&mut conn, &verify(&bad)).await else {
        panic!();
    };
    assert_eq!(
        v.validity_indicator,
        Some(keyhold_kmip::ValidityIndicator::Invalid)
    );

    // Get (Raw): the HMAC key itself.
    let key = got_key(&ok_item(&mut conn, &by_id("Get", &id, "")).await);
    assert_eq!(key.len(), 32);
    let here = aws_lc_rs::hmac::sign(
        &aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, &key),
        data,
    );
    assert_eq!(here.as_ref(), tag.as_slice());
    // The Digest attribute is SHA-256 over that raw key; it is computed only
    // when asked for (all attributes, or Digest by name).
    let digest_of = |payload: ResponsePayload| {
        let ResponsePayload::GetAttributes(got) = payload else {
            panic!("{payload:?}");
        };
        let attrs = got.attributes.unwrap();
        let digest = keyhold_kmip::AttributeRef::Standard(keyhold_kmip::tags::DIGEST);
        match attrs.get(&digest) {
            Some(keyhold_kmip::AttributeValue::Other {
                value: keyhold_ttlv::Value::Structure(items),
                ..
            }) => items
                .iter()
                .find(|i| i.tag == keyhold_kmip::tags::DIGEST_VALUE)
                .map(|i| i.value.clone()),
            _ => None,
        }
    };
    let sha256 = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &key);
    let all = digest_of(ok_item(&mut conn, &by_id("GetAttributes", &id, "")).await);
    assert_eq!(
        all,
        Some(keyhold_ttlv::Value::ByteString(sha256.as_ref().to_vec()))
    );
    let state = r#"<AttributeName type="TextString" value="State"/>"#;
    let none = digest_of(ok_item(&mut conn, &by_id("GetAttributes", &id, state)).await);
    assert_eq!(none, None);
    // An AES algorithm in the parameters does not fit an HMAC key.
    let wrong = format!(
        r#"<CryptographicParameters><CryptographicAlgorithm type="Enumeration" value="AES"/>
        </CryptographicParameters>{mac_req}"#
    );
    assert_eq!(
        failed_reason(&mut conn, &by_id("MAC", &id, &wrong)).await,
        Some(ResultReason::InvalidField)
    );
    // PKCS#1 is a format of RSA keys: an HMAC key refuses it (audited).
    let pkcs1 = r#"<KeyFormatType type="Enumeration" value="PKCS_1"/>"#;
    assert_eq!(
        failed_reason(&mut conn, &by_id("Get", &id, pkcs1)).await,
        Some(ResultReason::InvalidField)
    );
    // A format keyhold never returns is refused before anything is read.
    let dh = r#"<KeyFormatType type="Enumeration" value="TransparentDHPrivateKey"/>"#;
    assert_eq!(
        failed_reason(&mut conn, &by_id("Get", &id, dh)).await,
        Some(ResultReason::KeyFormatTypeNotSupported)
    );

    // Extractable false: never returned.
    let sealed = create_with("AES", "Encrypt Decrypt", "kmip-sealed", false);
    let ResponsePayload::Create(c) = ok_item(&mut conn, &sealed).await else {
        panic!();
    };
    let sealed_id = text_id(&c.unique_identifier);
    assert_eq!(
        failed_reason(&mut conn, &by_id("Get", &sealed_id, "")).await,
        Some(ResultReason::PermissionDenied)
    );

    // The Gets that reached the key are in the audit trail as key:export:
    // one allowed, the PKCS#1 one and the unextractable one refused.
    let query = keyhold_api::audit::AuditEventsQuery {
        action: Some(keyhold_core::Action::KeyExport),
        ..Default::default()
    };
    let page = rest.audit_events(&query).await.unwrap();
    let refused = page
        .events
        .iter()
        .filter(|e| e.outcome.code.is_some())
        .count();
    assert_eq!((page.events.len(), refused), (3, 2), "{page:?}");
}

/// Register a known AES key, encrypt with it over KMIP and open the
/// result here; Re-key, Destroy (scheduled), Archive and Recover.
#[tokio::test]
async fn kmip_register_rekey_destroy_archive() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, rest, mut conn) = ready_server(dir.path()).await;
    let key = [0x5a_u8; 32];
    let r = call(
        &mut conn,
        &request(&[&register_aes("kmip-known", &key), ACTIVATE_PLACEHOLDER]),
    )
    .await
    .unwrap();
    assert_eq!(r.items[1].result_status, ResultStatus::Success, "{r:?}");
    let Some(ResponsePayload::Register(reg)) = &r.items[0].payload else {
        panic!("{r:?}");
    };
    let id = text_id(&reg.unique_identifier);
    // Transparent Symmetric Key gives the same bytes.
    let transparent = r#"<KeyFormatType type="Enumeration" value="TransparentSymmetricKey"/>"#;
    let got = got_key(&ok_item(&mut conn, &by_id("Get", &id, transparent)).await);
    assert_eq!(got, key);
    let enc = r#"<Data type="ByteString" value="6b6e6f776e"/>"#;
    let ResponsePayload::Encrypt(sealed) = ok_item(&mut conn, &by_id("Encrypt", &id, enc)).await
    else {
        panic!();
    };
    let (ct, iv, tag) = (
        sealed.data.unwrap(),
        sealed.iv_counter_nonce.unwrap(),
        sealed.tag.unwrap(),
    );
    let opening = aws_lc_rs::aead::LessSafeKey::new(
        aws_lc_rs::aead::UnboundKey::new(&aws_lc_rs::aead::AES_256_GCM, &key).unwrap(),
    );
    let mut in_out = [ct.clone(), tag.clone()].concat();
    let nonce = aws_lc_rs::aead::Nonce::try_assume_unique_for_key(&iv).unwrap();
    let plain = opening
        .open_in_place(nonce, aws_lc_rs::aead::Aad::empty(), &mut in_out)
        .unwrap();
    assert_eq!(plain, b"known");
    // Bad material: a 15-byte AES key is refused, nothing is stored.
    assert_eq!(
        failed_reason(&mut conn, &register_aes("kmip-short", &[1; 15])).await,
        Some(ResultReason::InvalidField)
    );
    let r = call(&mut conn, &request(&[&locate("kmip-short")]))
        .await
        .unwrap();
    let Some(ResponsePayload::Locate(found)) = &r.items[0].payload else {
        panic!("{r:?}");
    };
    assert!(found.unique_identifiers.is_empty());

    // Re-key: a new primary version; the old one still decrypts.
    let ResponsePayload::ReKey(rekeyed) = ok_item(&mut conn, &by_id("ReKey", &id, "")).await else {
        panic!();
    };
    let new_id = text_id(&rekeyed.unique_identifier);
    assert_ne!(new_id, id);
    let dec = format!(
        r#"<Data type="ByteString" value="{}"/><IVCounterNonce type="ByteString" value="{}"/>
        <AuthenticatedEncryptionTag type="ByteString" value="{}"/>"#,
        hex(&ct),
        hex(&iv),
        hex(&tag)
    );
    let ResponsePayload::Decrypt(opened) = ok_item(&mut conn, &by_id("Decrypt", &id, &dec)).await
    else {
        panic!();
    };
    assert_eq!(opened.data.unwrap().expose(), b"known");
    // The old version no longer encrypts; the new one does.
    assert_eq!(
        failed_reason(&mut conn, &by_id("Encrypt", &id, enc)).await,
        Some(ResultReason::IllegalOperation)
    );
    ok_item(&mut conn, &by_id("Encrypt", &new_id, enc)).await;

    // Destroy: refused while Active; after Revoke it is scheduled, and the
    // material may no longer leave.
    assert_eq!(
        failed_reason(&mut conn, &by_id("Destroy", &new_id, "")).await,
        Some(ResultReason::PermissionDenied)
    );
    let reason = r#"<RevocationReason>
        <RevocationReasonCode type="Enumeration" value="CessationOfOperation"/>
        </RevocationReason>"#;
    ok_item(&mut conn, &by_id("Revoke", &new_id, reason)).await;
    ok_item(&mut conn, &by_id("Destroy", &new_id, "")).await;
    let info = rest
        .key(&keyhold_core::KeyRef::Name("kmip-known".parse().unwrap()))
        .await
        .unwrap();
    assert!(info.destroy_scheduled_at.is_some(), "{info:?}");
    assert_eq!(
        failed_reason(&mut conn, &by_id("Get", &new_id, "")).await,
        Some(ResultReason::PermissionDenied)
    );
    // Over KMIP the object is Destroyed at once (keyhold erases the
    // material when the waiting period ends).
    let state = r#"<AttributeName type="TextString" value="State"/>"#;
    let ResponsePayload::GetAttributes(a) =
        ok_item(&mut conn, &by_id("GetAttributes", &new_id, state)).await
    else {
        panic!();
    };
    assert_eq!(
        a.attributes.unwrap().state(),
        Some(keyhold_kmip::State::Destroyed)
    );
    // Only the primary version changes state over KMIP.
    assert_eq!(
        failed_reason(&mut conn, &by_id("Destroy", &id, "")).await,
        Some(ResultReason::InvalidField)
    );

    // Archive and Recover a Pre-Active key.
    let ResponsePayload::Create(c) = ok_item(
        &mut conn,
        &create_with("AES", "Encrypt Decrypt", "kmip-arch", true),
    )
    .await
    else {
        panic!();
    };
    let arch = text_id(&c.unique_identifier);
    ok_item(&mut conn, &by_id("Archive", &arch, "")).await;
    assert_eq!(
        failed_reason(&mut conn, &by_id("Get", &arch, "")).await,
        Some(ResultReason::ObjectArchived)
    );
    ok_item(&mut conn, &by_id("Recover", &arch, "")).await;
    assert_eq!(
        got_key(&ok_item(&mut conn, &by_id("Get", &arch, "")).await).len(),
        32
    );
}

fn create_pair(algorithm: &str, extra: &str, name: &str) -> String {
    format!(
        r#"<Operation type="Enumeration" value="CreateKeyPair"/><RequestPayload>
        <CommonTemplateAttribute>
        <Attribute><AttributeName type="TextString" value="Cryptographic Algorithm"/>
          <AttributeValue type="Enumeration" value="{algorithm}"/></Attribute>{extra}
        </CommonTemplateAttribute>
        <PrivateKeyTemplateAttribute>
        <Attribute><AttributeName type="TextString" value="Name"/><AttributeValue>
          <NameValue type="TextString" value="{name}"/>
          <NameType type="Enumeration" value="UninterpretedTextString"/></AttributeValue></Attribute>
        <Attribute><AttributeName type="TextString" value="Cryptographic Usage Mask"/>
          <AttributeValue type="Integer" value="Sign"/></Attribute>
        </PrivateKeyTemplateAttribute>
        <PublicKeyTemplateAttribute>
        <Attribute><AttributeName type="TextString" value="Cryptographic Usage Mask"/>
          <AttributeValue type="Integer" value="Verify"/></Attribute>
        </PublicKeyTemplateAttribute></RequestPayload>"#
    )
}

/// The DER bytes of a Get's asymmetric key block, and its format.
fn got_der(payload: &ResponsePayload) -> (keyhold_kmip::KeyFormatType, Vec<u8>) {
    let ResponsePayload::Get(got) = payload else {
        panic!("{payload:?}");
    };
    let block = match &got.object {
        keyhold_kmip::ManagedObject::PublicKey(b) | keyhold_kmip::ManagedObject::PrivateKey(b) => b,
        other => panic!("{other:?}"),
    };
    let Some(keyhold_kmip::KeyValue::Plain {
        material: keyhold_kmip::KeyMaterial::Bytes(der),
        ..
    }) = &block.key_value
    else {
        panic!("{block:?}");
    };
    (block.key_format_type, der.expose().to_vec())
}

/// Key pairs over KMIP: Create Key Pair (EC P-256 by curve, RSA-2048),
/// Sign with the private object, Signature Verify with the public one, and
/// a signature checked here against the public key Get returns.
#[tokio::test]
async fn kmip_key_pairs_sign_and_verify() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, _rest, mut conn) = ready_server(dir.path()).await;
    let curve = r#"<Attribute>
        <AttributeName type="TextString" value="Cryptographic Domain Parameters"/>
        <AttributeValue><RecommendedCurve type="Enumeration" value="P_256"/></AttributeValue>
        </Attribute>"#;
    let r = call(
        &mut conn,
        &request(&[&create_pair("EC", curve, "kmip-ec"), ACTIVATE_PLACEHOLDER]),
    )
    .await
    .unwrap();
    assert_eq!(r.items.len(), 2, "{r:?}");
    assert_eq!(r.items[1].result_status, ResultStatus::Success, "{r:?}");
    let Some(ResponsePayload::CreateKeyPair(pair)) = &r.items[0].payload else {
        panic!("{r:?}");
    };
    let private = text_id(&pair.private_key_unique_identifier);
    let public = text_id(&pair.public_key_unique_identifier);
    assert_ne!(private, public);

    // Attributes of each half.
    let attrs_of = |payload: ResponsePayload| {
        let ResponsePayload::GetAttributes(got) = payload else {
            panic!("{payload:?}");
        };
        got.attributes.unwrap()
    };
    let pub_attrs = attrs_of(ok_item(&mut conn, &by_id("GetAttributes", &public, "")).await);
    assert_eq!(
        pub_attrs.object_type(),
        Some(keyhold_kmip::ObjectType::PublicKey)
    );
    assert_eq!(
        pub_attrs.cryptographic_usage_mask(),
        Some(0x2),
        "Verify only"
    );
    // Each half is an object with its own state (KMIP 2.1 section 6.1.9):
    // activating the private key left the public one Pre-Active.
    assert_eq!(pub_attrs.state(), Some(keyhold_kmip::State::PreActive));
    let priv_attrs = attrs_of(ok_item(&mut conn, &by_id("GetAttributes", &private, "")).await);
    assert_eq!(
        priv_attrs.object_type(),
        Some(keyhold_kmip::ObjectType::PrivateKey)
    );
    assert_eq!(
        priv_attrs.cryptographic_usage_mask(),
        Some(0x1),
        "Sign only"
    );
    assert_eq!(priv_attrs.links().len(), 1);

    // Sign, verify over KMIP and here.
    let data = b"kmip signed data";
    let sign = format!(r#"<Data type="ByteString" value="{}"/>"#, hex(data));
    let ResponsePayload::Sign(signed) = ok_item(&mut conn, &by_id("Sign", &private, &sign)).await
    else {
        panic!();
    };
    let signature = signed.signature_data.unwrap();
    let verify = |sig: &[u8]| {
        by_id(
            "SignatureVerify",
            &public,
            &format!(
                r#"<Data type="ByteString" value="{}"/><SignatureData type="ByteString" value="{}"/>"#,
                hex(data),
                hex(sig)
            ),
        )
    };
    // A Pre-Active public key verifies nothing; once activated, it does.
    assert_eq!(
        failed_reason(&mut conn, &verify(&signature)).await,
        Some(ResultReason::IllegalOperation)
    );
    ok_item(&mut conn, &by_id("Activate", &public, "")).await;
    let ResponsePayload::SignatureVerify(v) = ok_item(&mut conn, &verify(&signature)).await else {
        panic!();
    };
    assert_eq!(
        v.validity_indicator,
        Some(keyhold_kmip::ValidityIndicator::Valid)
    );
    let mut bad = signature.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    let ResponsePayload::SignatureVerify(v) = ok_item(&mut conn, &verify(&bad)).await else {
        panic!();
    };
    assert_eq!(
        v.validity_indicator,
        Some(keyhold_kmip::ValidityIndicator::Invalid)
    );
    let (format, spki) = got_der(&ok_item(&mut conn, &by_id("Get", &public, "")).await);
    assert_eq!(format, keyhold_kmip::KeyFormatType::X509);
    let key = aws_lc_rs::signature::ParsedPublicKey::new(
        &aws_lc_rs::signature::ECDSA_P256_SHA256_ASN1,
        &spki,
    )
    .unwrap();
    key.verify_sig(data, &signature).unwrap();
    // The private half leaves as PKCS#8 only.
    let (format, _) = got_der(&ok_item(&mut conn, &by_id("Get", &private, "")).await);
    assert_eq!(format, keyhold_kmip::KeyFormatType::PKCS8);
    let raw = r#"<KeyFormatType type="Enumeration" value="Raw"/>"#;
    assert_eq!(
        failed_reason(&mut conn, &by_id("Get", &private, raw)).await,
        Some(ResultReason::InvalidField)
    );
    public_half_lives_apart(&mut conn, &private, &public, &verify(&signature)).await;

    // RSA-2048 with PKCS#1 v1.5 and SHA-256 named in the parameters.
    let length = r#"<Attribute><AttributeName type="TextString" value="Cryptographic Length"/>
        <AttributeValue type="Integer" value="2048"/></Attribute>"#;
    let r = call(
        &mut conn,
        &request(&[
            &create_pair("RSA", length, "kmip-rsa"),
            ACTIVATE_PLACEHOLDER,
        ]),
    )
    .await
    .unwrap();
    assert_eq!(r.items[1].result_status, ResultStatus::Success, "{r:?}");
    let Some(ResponsePayload::CreateKeyPair(pair)) = &r.items[0].payload else {
        panic!("{r:?}");
    };
    let rsa = text_id(&pair.private_key_unique_identifier);
    let params = r#"<CryptographicParameters>
        <PaddingMethod type="Enumeration" value="PKCS1V1_5"/>
        <HashingAlgorithm type="Enumeration" value="SHA_256"/></CryptographicParameters>"#;
    let ResponsePayload::Sign(signed) =
        ok_item(&mut conn, &by_id("Sign", &rsa, &format!("{params}{sign}"))).await
    else {
        panic!();
    };
    let public_rsa = text_id(&pair.public_key_unique_identifier);
    let (_, spki) = got_der(&ok_item(&mut conn, &by_id("Get", &public_rsa, "")).await);
    let key = aws_lc_rs::signature::ParsedPublicKey::new(
        &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
        &spki,
    )
    .unwrap();
    key.verify_sig(data, &signed.signature_data.unwrap())
        .unwrap();
    // An RSA key of 1024 bits is not made.
    let short = length.replace("2048", "1024");
    assert_eq!(
        failed_reason(&mut conn, &create_pair("RSA", &short, "kmip-rsa-short")).await,
        Some(ResultReason::InvalidField)
    );
}

/// The public half's own lifecycle: revoking the private key leaves it
/// Active; an Active public key is not destroyed; revoked, it still
/// verifies (Deactivated processes), and destroyed it verifies and
/// leaves no more, while the private key is untouched.
async fn public_half_lives_apart(
    conn: &mut TlsStream<TcpStream>,
    private: &str,
    public: &str,
    verify: &str,
) {
    let state_of = |payload: ResponsePayload| {
        let ResponsePayload::GetAttributes(got) = payload else {
            panic!("{payload:?}");
        };
        got.attributes.unwrap().state()
    };
    let revoke = |id: &str, reason: &str| {
        by_id(
            "Revoke",
            id,
            &format!(
                r#"<RevocationReason><RevocationReasonCode type="Enumeration" value="{reason}"/></RevocationReason>"#
            ),
        )
    };
    ok_item(conn, &revoke(private, "KeyCompromise")).await;
    let public_state = state_of(ok_item(conn, &by_id("GetAttributes", public, "")).await);
    assert_eq!(public_state, Some(keyhold_kmip::State::Active));
    let reason = failed_reason(conn, &by_id("Destroy", public, "")).await;
    assert_eq!(
        reason,
        Some(ResultReason::PermissionDenied),
        "an Active public key is not destroyed"
    );
    ok_item(conn, &revoke(public, "CessationOfOperation")).await;
    let public_state = state_of(ok_item(conn, &by_id("GetAttributes", public, "")).await);
    assert_eq!(public_state, Some(keyhold_kmip::State::Deactivated));
    let ResponsePayload::SignatureVerify(verified) = ok_item(conn, verify).await else {
        panic!("not a Signature Verify answer");
    };
    assert_eq!(
        verified.validity_indicator,
        Some(keyhold_kmip::ValidityIndicator::Valid),
        "revoked, it still verifies"
    );
    ok_item(conn, &by_id("Destroy", public, "")).await;
    let public_state = state_of(ok_item(conn, &by_id("GetAttributes", public, "")).await);
    assert_eq!(public_state, Some(keyhold_kmip::State::Destroyed));
    let reason = failed_reason(conn, verify).await;
    assert_eq!(
        reason,
        Some(ResultReason::IllegalOperation),
        "a destroyed public key does not verify"
    );
    let reason = failed_reason(conn, &by_id("Get", public, "")).await;
    assert_eq!(
        reason,
        Some(ResultReason::IllegalOperation),
        "a destroyed public key is not served"
    );
    let private_state = state_of(ok_item(conn, &by_id("GetAttributes", private, "")).await);
    assert_eq!(private_state, Some(keyhold_kmip::State::Compromised));
    // The private key's Destroy (scheduled) makes it Destroyed Compromised
    // for KMIP, with a Destroy Date, at once.
    ok_item(conn, &by_id("Destroy", private, "")).await;
    let ResponsePayload::GetAttributes(got) =
        ok_item(conn, &by_id("GetAttributes", private, "")).await
    else {
        panic!();
    };
    let attrs = got.attributes.unwrap();
    assert_eq!(
        attrs.state(),
        Some(keyhold_kmip::State::DestroyedCompromised)
    );
    assert!(
        attrs.date(keyhold_kmip::DateAttribute::Destroy).is_some(),
        "{attrs:?}"
    );
}

/// Re-key Key Pair (KMIP 1.4 section 4.5): a new pair, both objects
/// Active, signing and verifying; the old Private Key is Deactivated and
/// the old Public Key keeps its own state. Re-key refuses a pair, Re-key
/// Key Pair a symmetric key or a Public Key's identifier.
#[tokio::test]
async fn kmip_rekey_key_pair() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, _rest, mut conn) = ready_server(dir.path()).await;
    let length = r#"<Attribute><AttributeName type="TextString" value="Cryptographic Length"/>
        <AttributeValue type="Integer" value="256"/></Attribute>"#;
    let ResponsePayload::CreateKeyPair(pair) =
        ok_item(&mut conn, &create_pair("ECDSA", length, "kmip-rekeyed")).await
    else {
        panic!();
    };
    let (private, public) = (
        text_id(&pair.private_key_unique_identifier),
        text_id(&pair.public_key_unique_identifier),
    );
    ok_item(&mut conn, &activate(&private)).await;
    ok_item(&mut conn, &activate(&public)).await;
    let rekey_pair = |id: &str| {
        format!(
            r#"<Operation type="Enumeration" value="ReKeyKeyPair"/><RequestPayload>
            <PrivateKeyUniqueIdentifier type="TextString" value="{id}"/></RequestPayload>"#
        )
    };
    assert_eq!(
        failed_reason(&mut conn, &rekey_pair(&public)).await,
        Some(ResultReason::InvalidField)
    );
    assert_eq!(
        failed_reason(&mut conn, &by_id("ReKey", &private, "")).await,
        Some(ResultReason::InvalidField)
    );
    let with_offset = rekey_pair(&private).replace(
        "</RequestPayload>",
        r#"<Offset type="Interval" value="60"/></RequestPayload>"#,
    );
    assert_eq!(
        failed_reason(&mut conn, &with_offset).await,
        Some(ResultReason::FeatureNotSupported)
    );
    let ResponsePayload::ReKeyKeyPair(new) = ok_item(&mut conn, &rekey_pair(&private)).await else {
        panic!();
    };
    let (new_private, new_public) = (
        text_id(&new.private_key_unique_identifier),
        text_id(&new.public_key_unique_identifier),
    );
    assert_ne!(new_private, private);
    assert_eq!(new_public, format!("{new_private}/public"));
    let state = |payload: ResponsePayload| {
        let ResponsePayload::GetAttributes(got) = payload else {
            panic!("{payload:?}");
        };
        got.attributes.unwrap().state().unwrap()
    };
    for (id, want) in [
        (&new_private, keyhold_kmip::State::Active),
        (&new_public, keyhold_kmip::State::Active),
        (&private, keyhold_kmip::State::Deactivated),
        (&public, keyhold_kmip::State::Active),
    ] {
        let got = state(ok_item(&mut conn, &by_id("GetAttributes", id, "")).await);
        assert_eq!(got, want, "{id}");
    }
    let data = format!(r#"<Data type="ByteString" value="{}"/>"#, hex(b"rekeyed"));
    let ResponsePayload::Sign(signed) =
        ok_item(&mut conn, &by_id("Sign", &new_private, &data)).await
    else {
        panic!();
    };
    let sig = hex(&signed.signature_data.unwrap());
    let check = format!(r#"{data}<SignatureData type="ByteString" value="{sig}"/>"#);
    let ResponsePayload::SignatureVerify(v) =
        ok_item(&mut conn, &by_id("SignatureVerify", &new_public, &check)).await
    else {
        panic!();
    };
    assert_eq!(
        v.validity_indicator,
        Some(keyhold_kmip::ValidityIndicator::Valid)
    );
    // A symmetric key is re-keyed by Re-key, not Re-key Key Pair.
    let aes = create_with("AES", "Encrypt Decrypt", "kmip-not-a-pair", true);
    let ResponsePayload::Create(created) = ok_item(&mut conn, &aes).await else {
        panic!();
    };
    let aes_id = text_id(&created.unique_identifier);
    ok_item(&mut conn, &activate(&aes_id)).await;
    assert_eq!(
        failed_reason(&mut conn, &rekey_pair(&aes_id)).await,
        Some(ResultReason::InvalidField)
    );
}

fn custom(operation: &str, id: &str, value: &str) -> String {
    by_id(
        operation,
        id,
        &format!(
            r#"<Attribute><AttributeName type="TextString" value="x-owner"/>
            <AttributeValue type="TextString" value="{value}"/></Attribute>"#
        ),
    )
}

/// Custom attributes live as the key's tags (seen over REST too); the
/// Activation Date of a Pre-Active key can be brought to now, of an Active
/// key not; keyhold's own attributes are read-only.
#[tokio::test]
async fn kmip_attribute_changes() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, rest, mut conn) = ready_server(dir.path()).await;
    let ResponsePayload::Create(c) = ok_item(
        &mut conn,
        &create_with("AES", "Encrypt Decrypt", "kmip-attrs", true),
    )
    .await
    else {
        panic!();
    };
    let id = text_id(&c.unique_identifier);
    // Modify and Delete of an attribute that is not there fail.
    assert_eq!(
        failed_reason(&mut conn, &custom("ModifyAttribute", &id, "ops")).await,
        Some(ResultReason::InvalidField)
    );
    ok_item(&mut conn, &custom("AddAttribute", &id, "team-a")).await;
    assert_eq!(
        failed_reason(&mut conn, &custom("AddAttribute", &id, "again")).await,
        Some(ResultReason::InvalidField)
    );
    ok_item(&mut conn, &custom("ModifyAttribute", &id, "team-b")).await;
    // Locate by the custom attribute, by object type, everything, a page.
    let locate_by = |attrs: &str| {
        format!(
            r#"<Operation type="Enumeration" value="Locate"/><RequestPayload>{attrs}</RequestPayload>"#
        )
    };
    let located = |payload: ResponsePayload| {
        let ResponsePayload::Locate(found) = payload else {
            panic!("{payload:?}");
        };
        found.unique_identifiers
    };
    let by_owner = r#"<Attribute><AttributeName type="TextString" value="x-owner"/>
        <AttributeValue type="TextString" value="team-b"/></Attribute>"#;
    let found = located(ok_item(&mut conn, &locate_by(by_owner)).await);
    assert_eq!(found, vec![c.unique_identifier.clone()]);
    let other_owner = by_owner.replace("team-b", "team-z");
    assert!(located(ok_item(&mut conn, &locate_by(&other_owner)).await).is_empty());
    let ResponsePayload::Create(second) = ok_item(
        &mut conn,
        &create_with("HMAC_SHA256", "MACGenerate", "kmip-attrs-2", true),
    )
    .await
    else {
        panic!();
    };
    assert_eq!(located(ok_item(&mut conn, &locate_by("")).await).len(), 2);
    let max_one = r#"<MaximumItems type="Integer" value="1"/>"#;
    assert_eq!(
        located(ok_item(&mut conn, &locate_by(max_one)).await).len(),
        1
    );
    let symmetric = r#"<Attribute><AttributeName type="TextString" value="Cryptographic Algorithm"/>
        <AttributeValue type="Enumeration" value="HMAC_SHA256"/></Attribute>"#;
    let found = located(ok_item(&mut conn, &locate_by(symmetric)).await);
    assert_eq!(found, vec![second.unique_identifier]);
    // An attribute keyhold does not keep matches nothing.
    let group = r#"<Attribute><AttributeName type="TextString" value="Object Group"/>
        <AttributeValue type="TextString" value="g1"/></Attribute>"#;
    assert!(located(ok_item(&mut conn, &locate_by(group)).await).is_empty());
    let name = keyhold_core::KeyRef::Name("kmip-attrs".parse().unwrap());
    let info = rest.key(&name).await.unwrap();
    assert_eq!(info.tags.get("x-owner").map(String::as_str), Some("team-b"));
    let ResponsePayload::GetAttributes(got) =
        ok_item(&mut conn, &by_id("GetAttributes", &id, "")).await
    else {
        panic!();
    };
    let attrs = got.attributes.unwrap();
    assert!(attrs.items.iter().any(|a| matches!(
        &a.value,
        keyhold_kmip::AttributeValue::Vendor { name, .. } if name == "owner"
    )));
    let delete = r#"<AttributeName type="TextString" value="x-owner"/>"#;
    ok_item(&mut conn, &by_id("DeleteAttribute", &id, delete)).await;
    assert!(rest.key(&name).await.unwrap().tags.is_empty());

    // keyhold's own attributes are read-only.
    let state = r#"<Attribute><AttributeName type="TextString" value="State"/>
        <AttributeValue type="Enumeration" value="Active"/></Attribute>"#;
    assert_eq!(
        failed_reason(&mut conn, &by_id("ModifyAttribute", &id, state)).await,
        Some(ResultReason::PermissionDenied)
    );
    // Activation Date now: the Pre-Active key becomes Active; then it is
    // refused (the lifecycle has moved on).
    let now = r#"<Attribute><AttributeName type="TextString" value="Activation Date"/>
        <AttributeValue type="DateTime" value="2020-01-01T00:00:00+00:00"/></Attribute>"#;
    ok_item(&mut conn, &by_id("ModifyAttribute", &id, now)).await;
    assert_eq!(
        rest.key(&name).await.unwrap().state,
        keyhold_core::KeyState::Active
    );
    assert_eq!(
        failed_reason(&mut conn, &by_id("ModifyAttribute", &id, now)).await,
        Some(ResultReason::PermissionDenied)
    );
}
