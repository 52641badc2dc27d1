//! The KMIP load (`--op kmip-encrypt`): binary TTLV over mutual TLS to the
//! KMIP listener. Setup creates and activates `--keys` AES-256 keys over
//! KMIP itself (so they belong to the client certificate's principal);
//! then one task per connection sends a pre-encoded Encrypt request
//! (KMIP 1.4 section 4.29) back to back, reading each framed answer.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use keyhold_kmip::payload::ResponsePayload;
use keyhold_kmip::{ResponseMessage, ResultStatus, UniqueIdentifier};
use keyhold_ttlv::{HEADER_LEN, Limits};
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio::task::JoinSet;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use super::BenchError;
use super::http::Load;
use super::record::{Outcome, Recorder, Window};
use super::target::verifying_config;
use crate::cli::BenchArgs;

/// A Result Status of Success as it is encoded in a response: tag, type
/// Enumeration, length 4, value 0, padding.
const SUCCESS: [u8; 16] = [0x42, 0x00, 0x7F, 0x05, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0];

/// The KMIP listener and how to reach it.
#[derive(Clone)]
pub(crate) struct KmipTarget {
    addr: String,
    name: ServerName<'static>,
    connector: TlsConnector,
}

impl KmipTarget {
    /// The target for `--kmip-addr`, `--client-cert`, `--client-key` and
    /// `--ca-cert`.
    pub(crate) fn new(args: &BenchArgs) -> Result<Self, BenchError> {
        let missing = |flag| BenchError::KmipFlag { flag };
        let addr = args.kmip_addr.clone().ok_or(missing("--kmip-addr"))?;
        let cert = args
            .client_cert
            .as_deref()
            .ok_or(missing("--client-cert"))?;
        let key = args.client_key.as_deref().ok_or(missing("--client-key"))?;
        let host = addr.rsplit_once(':').map_or(addr.as_str(), |(h, _)| h);
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let name = ServerName::try_from(host.to_owned())
            .map_err(|_| BenchError::Address { addr: addr.clone() })?;
        let (chain, key) = identity(cert, key)?;
        let config = verifying_config(&args.conn)?
            .with_client_auth_cert(chain, key)
            .map_err(BenchError::TlsConfig)?;
        Ok(Self {
            addr,
            name,
            connector: TlsConnector::from(Arc::new(config)),
        })
    }

    async fn open(&self) -> Result<TlsStream<TcpStream>, BenchError> {
        let connect = |source| BenchError::Connect {
            addr: self.addr.clone(),
            source,
        };
        let tcp = TcpStream::connect(&self.addr).await.map_err(connect)?;
        tcp.set_nodelay(true).map_err(connect)?;
        self.connector
            .connect(self.name.clone(), tcp)
            .await
            .map_err(connect)
    }
}

/// The client certificate chain and key from PEM files.
fn identity(
    cert: &Path,
    key: &Path,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), BenchError> {
    let bad = |path: &Path| BenchError::ClientIdentity {
        path: path.to_owned(),
    };
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|_| bad(cert))?
        .collect::<Result<_, _>>()
        .map_err(|_| bad(cert))?;
    if chain.is_empty() {
        return Err(bad(cert));
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(|_| bad(key))?;
    Ok((chain, key))
}

/// One request message of `items` (KMIP XML batch items), binary TTLV.
fn message(items: &[String]) -> Result<Vec<u8>, BenchError> {
    let batch: String = items
        .iter()
        .map(|i| format!("<BatchItem>{i}</BatchItem>"))
        .collect();
    let text = format!(
        r#"<RequestMessage><RequestHeader><ProtocolVersion>
        <ProtocolVersionMajor type="Integer" value="1"/>
        <ProtocolVersionMinor type="Integer" value="4"/></ProtocolVersion>
        <BatchCount type="Integer" value="{}"/></RequestHeader>{batch}</RequestMessage>"#,
        items.len()
    );
    let tree = keyhold_ttlv::xml::to_ttlv(&text).map_err(|_| BenchError::KmipEncode)?;
    keyhold_ttlv::encode(&tree).map_err(|_| BenchError::KmipEncode)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Sends `request` and reads one framed answer into `buf`.
async fn exchange(
    stream: &mut TlsStream<TcpStream>,
    request: &[u8],
    buf: &mut Vec<u8>,
) -> std::io::Result<()> {
    stream.write_all(request).await?;
    let mut header = [0u8; HEADER_LEN];
    stream.read_exact(&mut header).await?;
    let total = keyhold_ttlv::message_length(&header, &Limits::DEFAULT)
        .map_err(|_| std::io::Error::from(std::io::ErrorKind::InvalidData))?;
    buf.clear();
    buf.extend_from_slice(&header);
    buf.resize(total, 0);
    let body = buf
        .get_mut(HEADER_LEN..)
        .ok_or(std::io::ErrorKind::InvalidData)?;
    stream.read_exact(body).await?;
    Ok(())
}

/// Creates and activates `keys` AES-256 keys; their Unique Identifiers.
async fn create_keys(target: &KmipTarget, keys: u32) -> Result<Vec<String>, BenchError> {
    let mut stream = target.open().await?;
    let run = super::setup::run_suffix();
    let mut ids = Vec::new();
    let mut buf = Vec::new();
    for i in 0..keys {
        let create = format!(
            r#"<Operation type="Enumeration" value="Create"/><RequestPayload>
            <ObjectType type="Enumeration" value="SymmetricKey"/><TemplateAttribute>
            <Attribute><AttributeName type="TextString" value="Cryptographic Algorithm"/>
              <AttributeValue type="Enumeration" value="AES"/></Attribute>
            <Attribute><AttributeName type="TextString" value="Cryptographic Length"/>
              <AttributeValue type="Integer" value="256"/></Attribute>
            <Attribute><AttributeName type="TextString" value="Name"/><AttributeValue>
              <NameValue type="TextString" value="bench-kmip-{run}-{i}"/>
              <NameType type="Enumeration" value="UninterpretedTextString"/></AttributeValue></Attribute>
            </TemplateAttribute></RequestPayload>"#
        );
        let activate = r#"<Operation type="Enumeration" value="Activate"/><RequestPayload/>"#;
        let request = message(&[create, activate.to_owned()])?;
        exchange(&mut stream, &request, &mut buf)
            .await
            .map_err(|source| BenchError::Connect {
                addr: target.addr.clone(),
                source,
            })?;
        ids.push(created_id(&buf)?);
    }
    Ok(ids)
}

/// The identifier a Create + Activate batch answered, both items a success.
fn created_id(answer: &[u8]) -> Result<String, BenchError> {
    let tree = keyhold_ttlv::decode(answer, &Limits::DEFAULT).map_err(|_| BenchError::KmipSetup)?;
    let response = ResponseMessage::from_ttlv(&tree).map_err(|_| BenchError::KmipSetup)?;
    if response
        .items
        .iter()
        .any(|i| i.result_status != ResultStatus::Success)
    {
        return Err(BenchError::KmipSetup);
    }
    match response.items.first().and_then(|i| i.payload.as_ref()) {
        Some(ResponsePayload::Create(c)) => match &c.unique_identifier {
            UniqueIdentifier::Text(id) => Ok(id.clone()),
            _ => Err(BenchError::KmipSetup),
        },
        _ => Err(BenchError::KmipSetup),
    }
}

/// Runs the KMIP Encrypt load and returns every worker's results merged.
pub(crate) async fn run(args: &BenchArgs, load: Load) -> Result<Recorder, BenchError> {
    let target = Arc::new(KmipTarget::new(args)?);
    let data = super::setup::payload(args.payload);
    let mut requests = Vec::new();
    for id in create_keys(&target, args.keys).await? {
        let item = format!(
            r#"<Operation type="Enumeration" value="Encrypt"/><RequestPayload>
            <UniqueIdentifier type="TextString" value="{id}"/>
            <Data type="ByteString" value="{}"/></RequestPayload>"#,
            hex(&data)
        );
        requests.push(message(&[item])?);
    }
    let requests = Arc::new(requests);
    let mut streams = Vec::new();
    for _ in 0..load.connections {
        streams.push(target.open().await?);
    }
    let window = Window::after(load.warmup, load.duration);
    let mut tasks = JoinSet::new();
    for (id, stream) in streams.into_iter().enumerate() {
        let recorder = Recorder::new(window)?;
        tasks.spawn(worker(
            target.clone(),
            requests.clone(),
            id,
            stream,
            recorder,
        ));
    }
    let mut total = Recorder::new(window)?;
    while let Some(done) = tasks.join_next().await {
        total.merge(&done.map_err(BenchError::Worker)?)?;
    }
    Ok(total)
}

/// One connection: Encrypt requests back to back over the keys until the
/// window ends; a broken connection is counted and opened again.
async fn worker(
    target: Arc<KmipTarget>,
    requests: Arc<Vec<Vec<u8>>>,
    id: usize,
    mut stream: TlsStream<TcpStream>,
    mut recorder: Recorder,
) -> Recorder {
    let window = recorder.window();
    let mut buf = Vec::with_capacity(512);
    let mut seq = id;
    loop {
        let started = Instant::now();
        if started >= window.end {
            break;
        }
        let Some(request) = requests.get(seq % requests.len().max(1)) else {
            break;
        };
        seq = seq.wrapping_add(1);
        let outcome = match exchange(&mut stream, request, &mut buf).await {
            Ok(()) if buf.windows(SUCCESS.len()).any(|w| w == SUCCESS) => Outcome::Ok,
            Ok(()) => Outcome::Operation,
            Err(_) => Outcome::Transport,
        };
        recorder.record(started, Instant::now(), outcome);
        if outcome == Outcome::Transport {
            match reopen(&target, &mut recorder, window).await {
                Some(s) => stream = s,
                None => break,
            }
        }
    }
    recorder
}

async fn reopen(
    target: &KmipTarget,
    recorder: &mut Recorder,
    window: Window,
) -> Option<TlsStream<TcpStream>> {
    loop {
        let started = Instant::now();
        if started >= window.end {
            return None;
        }
        match target.open().await {
            Ok(s) => return Some(s),
            Err(_) => {
                recorder.record(started, Instant::now(), Outcome::Transport);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_success_pattern_is_an_encoded_result_status() {
        let item = keyhold_ttlv::Ttlv::new(
            keyhold_kmip::tags::RESULT_STATUS,
            keyhold_ttlv::Value::Enumeration(0),
        );
        let bytes = keyhold_ttlv::encode(&item).unwrap();
        assert_eq!(bytes, SUCCESS);
        let failed = keyhold_ttlv::Ttlv::new(
            keyhold_kmip::tags::RESULT_STATUS,
            keyhold_ttlv::Value::Enumeration(1),
        );
        assert_ne!(keyhold_ttlv::encode(&failed).unwrap(), SUCCESS);
        assert!(
            message(&["<Operation type=\"Enumeration\" value=\"Query\"/><RequestPayload/>".into()])
                .is_ok()
        );
    }
}
