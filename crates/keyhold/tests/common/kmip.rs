//! KMIP over mutual TLS for the end-to-end tests: a throw-away PKI, a production
//! server with `[tls]` and `[kmip]`, a client certificate bound to an admin
//! principal, and raw TTLV exchanges.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use keyhold_api::sys::InitRequest;
use keyhold_client::{Client, ClientOptions};
use keyhold_kmip::payload::ResponsePayload;
use keyhold_kmip::{ResponseMessage, ResultReason, ResultStatus};
use keyhold_ttlv::{HEADER_LEN, Limits, Ttlv};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, KeyPair,
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use super::Server;

/// A CA, the server's certificate files in a directory, and a client identity.
pub struct Pki {
    pub ca_pem: String,
    pub ca_der: CertificateDer<'static>,
    pub client_cert: CertificateDer<'static>,
    pub client_key: Vec<u8>,
    /// The client certificate, its key and the CA as PEM files in the
    /// directory (for clients outside this process, like PyKMIP).
    pub client_cert_path: String,
    pub client_key_path: String,
    pub ca_path: String,
    /// The `[tls]` and `[kmip]` sections naming the files.
    pub toml: String,
}

fn named(common_name: &str) -> DistinguishedName {
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, common_name);
    name
}

/// Generates the PKI and writes the server's files into `dir`.
pub fn pki(dir: &Path) -> Pki {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    // Distinct names: OpenSSL (PyKMIP) takes a certificate whose issuer
    // equals its subject for self-signed.
    ca_params.distinguished_name = named("keyhold test CA");
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let server_key = KeyPair::generate().unwrap();
    let mut server_params = CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap();
    server_params.distinguished_name = named("keyhold test server");
    let server = server_params.signed_by(&server_key, &ca).unwrap();
    let client_key = KeyPair::generate().unwrap();
    let mut client_params = CertificateParams::new(vec!["kmip-client".to_owned()]).unwrap();
    client_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    client_params.distinguished_name = named("kmip-client");
    let client = client_params.signed_by(&client_key, &ca).unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    };
    let cert = write("server.pem", &server.pem());
    let key = write("server.key", &server_key.serialize_pem());
    let ca_path = write("ca.pem", &ca.pem());
    let client_cert_path = write("client.pem", &client.pem());
    let client_key_path = write("client.key", &client_key.serialize_pem());
    Pki {
        ca_pem: ca.pem(),
        ca_der: ca.der().clone(),
        client_cert: client.der().clone(),
        client_key: client_key.serialize_der(),
        client_cert_path,
        client_key_path,
        ca_path: ca_path.clone(),
        toml: format!(
            "[tls]\ncert = \"{cert}\"\nkey = \"{key}\"\n\
             [kmip]\nlisten = \"127.0.0.1:0\"\nclient_ca = \"{ca_path}\"\n"
        ),
    }
}

/// A TLS connection to the KMIP listener, with the client certificate or without.
pub async fn connect(
    addr: &str,
    pki: &Pki,
    with_cert: bool,
) -> std::io::Result<TlsStream<TcpStream>> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(pki.ca_der.clone()).unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots);
    let config = if with_cert {
        let key = PrivateKeyDer::from(PrivatePkcs8KeyDer::from(pki.client_key.clone()));
        builder
            .with_client_auth_cert(vec![pki.client_cert.clone()], key)
            .unwrap()
    } else {
        builder.with_no_client_auth()
    };
    let tcp = TcpStream::connect(addr).await?;
    let name = ServerName::try_from("127.0.0.1").unwrap();
    TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
}

/// Sends `bytes`, reads one framed answer and decodes it; `None` when the
/// connection fails or the answer does not decode.
pub async fn exchange(stream: &mut TlsStream<TcpStream>, bytes: &[u8]) -> Option<Ttlv> {
    stream.write_all(bytes).await.ok()?;
    stream.flush().await.ok()?;
    let mut header = [0u8; HEADER_LEN];
    stream.read_exact(&mut header).await.ok()?;
    let total = keyhold_ttlv::message_length(&header, &Limits::DEFAULT).ok()?;
    let mut message = header.to_vec();
    message.resize(total, 0);
    let body = message.get_mut(HEADER_LEN..)?;
    stream.read_exact(body).await.ok()?;
    keyhold_ttlv::decode(&message, &Limits::DEFAULT).ok()
}

/// A REST client trusting the test CA.
pub fn rest_client(server: &Server, pki: &Pki, token: Option<&str>) -> Client {
    let options = ClientOptions {
        ca_cert_pem: Some(pki.ca_pem.clone().into_bytes()),
        timeout: None,
    };
    Client::with_options(&server.url, token.map(str::to_owned), options).unwrap()
}

/// Initializes the server over REST (one share: unsealed at once) and returns
/// the root token.
pub async fn init(server: &Server, pki: &Pki) -> String {
    let request = InitRequest {
        shares: 1,
        threshold: 1,
    };
    let init = rest_client(server, pki, None).init(&request).await.unwrap();
    init.root_token
}

/// Binds the test client's certificate (by fingerprint) to an admin
/// principal, over REST with the root token. It is also granted
/// `key:use-compromised` (which no role grants): the profiles' vectors Get
/// a key after revoking it as compromised.
pub async fn bind_client(server: &Server, pki: &Pki, root_token: &str) {
    let root = rest_client(server, pki, Some(root_token));
    let name: keyhold_core::PrincipalName = "kmip-client".parse().unwrap();
    let policy: keyhold_api::access::CreatePolicyRequest =
        serde_json::from_value(serde_json::json!({
            "name": "use-compromised",
            "statements": [{"effect": "allow", "actions": ["key:use-compromised"], "resources": ["*"]}],
        }))
        .unwrap();
    root.create_policy(&policy).await.unwrap();
    let create: keyhold_api::access::CreatePrincipalRequest = serde_json::from_value(
        serde_json::json!({"name": "kmip-client", "kind": "service", "roles": ["admin"],
            "policies": ["use-compromised"]}),
    )
    .unwrap();
    root.create_principal(&create).await.unwrap();
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, pki.client_cert.as_ref());
    let fingerprint = hex::encode(digest.as_ref());
    let bind = keyhold_api::access::BindCertificateRequest::Fingerprint(fingerprint);
    root.bind_certificate(&name, &bind).await.unwrap();
}

/// A production server with a KMIP listener in `dir`, initialized, unsealed,
/// with the client certificate bound to an admin; and its KMIP address.
pub async fn ready_server(dir: &Path, pki: &Pki) -> (Server, String) {
    let server = Server::production_with(dir, &pki.toml);
    let addr = server
        .kmip_addr
        .clone()
        .expect("KEYHOLD_KMIP_ADDR announced");
    let token = init(&server, pki).await;
    bind_client(&server, pki, &token).await;
    (server, addr)
}

/// How long one answer may take before the exchange counts as failed.
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(20);

/// Sends one KMIP 1.4 batch item, written in the test vectors' XML form,
/// and reads the response.
pub async fn call(conn: &mut TlsStream<TcpStream>, item: &str) -> ResponseMessage {
    call_in(conn, "1", "4", item).await
}

/// The bytes of a KMIP 1.4 request message holding `items` (each in the
/// test vectors' XML form), with `header` (say a Batch Error Continuation
/// Option) added to its header.
pub fn batch_bytes(header: &str, items: &[impl AsRef<str>]) -> Vec<u8> {
    let batch: String = items
        .iter()
        .map(|i| format!("<BatchItem>{}</BatchItem>", i.as_ref()))
        .collect();
    let text = format!(
        r#"<RequestMessage><RequestHeader><ProtocolVersion>
        <ProtocolVersionMajor type="Integer" value="1"/>
        <ProtocolVersionMinor type="Integer" value="4"/></ProtocolVersion>{header}
        <BatchCount type="Integer" value="{}"/></RequestHeader>{batch}</RequestMessage>"#,
        items.len()
    );
    keyhold_ttlv::encode(&keyhold_ttlv::xml::to_ttlv(&text).unwrap()).unwrap()
}

/// [`call`] in KMIP `major`.`minor`.
pub async fn call_in(
    conn: &mut TlsStream<TcpStream>,
    major: &str,
    minor: &str,
    item: &str,
) -> ResponseMessage {
    let text = format!(
        r#"<RequestMessage><RequestHeader><ProtocolVersion>
        <ProtocolVersionMajor type="Integer" value="{major}"/>
        <ProtocolVersionMinor type="Integer" value="{minor}"/></ProtocolVersion>
        <BatchCount type="Integer" value="1"/></RequestHeader>
        <BatchItem>{item}</BatchItem></RequestMessage>"#
    );
    let bytes = keyhold_ttlv::encode(&keyhold_ttlv::xml::to_ttlv(&text).unwrap()).unwrap();
    let tree = exchange(conn, &bytes).await.unwrap();
    ResponseMessage::from_ttlv(&tree).unwrap()
}

/// [`call`], which must succeed: its payload.
pub async fn ok(conn: &mut TlsStream<TcpStream>, item: &str) -> ResponsePayload {
    let r = call(conn, item).await;
    assert_eq!(
        r.items.first().unwrap().result_status,
        ResultStatus::Success,
        "{r:?}"
    );
    r.items.first().unwrap().payload.clone().unwrap()
}

/// [`call`], which must fail: its reason.
pub async fn refused(conn: &mut TlsStream<TcpStream>, item: &str) -> Option<ResultReason> {
    let r = call(conn, item).await;
    let item = r.items.first().unwrap();
    assert_eq!(item.result_status, ResultStatus::OperationFailed);
    item.result_reason
}

/// A 1.x attribute of a simple type, in the XML encoding.
pub fn attribute(name: &str, kind: &str, value: &str) -> String {
    format!(
        r#"<Attribute><AttributeName type="TextString" value="{name}"/>
        <AttributeValue type="{kind}" value="{value}"/></Attribute>"#
    )
}

/// A 1.4 Create of an AES-256 key with `extra` template attributes.
pub fn create_aes(extra: &str) -> String {
    format!(
        r#"<Operation type="Enumeration" value="Create"/><RequestPayload>
        <ObjectType type="Enumeration" value="SymmetricKey"/><TemplateAttribute>
        {}{}{extra}</TemplateAttribute></RequestPayload>"#,
        attribute("Cryptographic Algorithm", "Enumeration", "AES"),
        attribute("Cryptographic Usage Mask", "Integer", "Encrypt Decrypt"),
    )
}

/// A 1.x Name attribute.
pub fn name_attribute(value: &str) -> String {
    format!(
        r#"<Attribute><AttributeName type="TextString" value="Name"/><AttributeValue>
        <NameValue type="TextString" value="{value}"/>
        <NameType type="Enumeration" value="UninterpretedTextString"/>
        </AttributeValue></Attribute>"#
    )
}

/// An operation naming object `id`, with `extra` after the identifier.
pub fn on(operation: &str, id: &str, extra: &str) -> String {
    format!(
        r#"<Operation type="Enumeration" value="{operation}"/><RequestPayload>
        <UniqueIdentifier type="TextString" value="{id}"/>{extra}</RequestPayload>"#
    )
}

/// A Locate whose payload holds `inside`.
pub fn locate(inside: &str) -> String {
    format!(
        r#"<Operation type="Enumeration" value="Locate"/><RequestPayload>{inside}</RequestPayload>"#
    )
}

/// A Byte String item of the XML encoding, or nothing when `hex` is empty
/// (an optional field left out).
pub fn byte_string(tag: &str, hex: &str) -> String {
    if hex.is_empty() {
        String::new()
    } else {
        format!(r#"<{tag} type="ByteString" value="{hex}"/>"#)
    }
}

/// The identifiers a Locate answered.
pub fn located(payload: &ResponsePayload) -> Vec<String> {
    let ResponsePayload::Locate(l) = payload else {
        panic!("{payload:?}");
    };
    l.unique_identifiers
        .iter()
        .map(|u| match u {
            keyhold_kmip::UniqueIdentifier::Text(t) => t.clone(),
            other => panic!("{other:?}"),
        })
        .collect()
}

/// The Unique Identifier a Create or Register answered.
pub fn uid(payload: &ResponsePayload) -> String {
    let (ResponsePayload::Create(keyhold_kmip::payload::CreateResponse {
        unique_identifier: keyhold_kmip::UniqueIdentifier::Text(id),
        ..
    })
    | ResponsePayload::Register(keyhold_kmip::payload::IdentifierWithAttributesResponse {
        unique_identifier: keyhold_kmip::UniqueIdentifier::Text(id),
        ..
    })) = payload
    else {
        panic!("{payload:?}");
    };
    id.clone()
}

/// A production server with a KMIP listener, initialized, the client
/// certificate bound to an admin; its PKI, root token and a connection.
pub async fn session(dir: &Path) -> (Server, Pki, String, TlsStream<TcpStream>) {
    let pki = pki(dir);
    let server = Server::production_with(dir, &pki.toml);
    let token = init(&server, &pki).await;
    bind_client(&server, &pki, &token).await;
    let conn = connect(server.kmip_addr.as_ref().unwrap(), &pki, true)
        .await
        .unwrap();
    (server, pki, token, conn)
}
