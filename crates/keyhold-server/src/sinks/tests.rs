//! The sinks end to end: real sockets on 127.0.0.1, real files, events
//! appended through the audit trail into a store.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use keyhold_api::audit::{AuditEventView, ExportLine};
use keyhold_core::audit::{
    AuditEvent, AuditRecord, AuthMethod, ChainCrypto as _, ChainHead, Interface, Outcome,
};
use keyhold_core::{Action, RequestId, Timestamp};
use keyhold_crypto::SecretBytes;
use keyhold_crypto::audit_chain::AuditChain;
use keyhold_crypto::hierarchy::RootKey;
use tokio::io::AsyncReadExt as _;
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::time::timeout;

use super::cursor::Cursor;
use super::settings::{Facility, FileSettings, SyslogSettings, Transport};
use super::*;
use crate::audit::AuditTrail;

const WAIT: Duration = Duration::from_secs(15);

pub(crate) fn record(n: u64) -> AuditRecord {
    let outcome = match n % 3 {
        0 => Outcome::Error {
            code: "internal".into(),
        },
        2 => Outcome::Denied {
            code: "permission_denied".into(),
        },
        _ => Outcome::Ok,
    };
    AuditRecord {
        time: Timestamp::from_unix_seconds(1_800_000_000 + n as i64),
        request_id: RequestId::from_bytes([n as u8; 16]),
        tenant: None,
        principal: None,
        auth: AuthMethod::Token,
        source: Some("192.0.2.1".parse().unwrap()),
        interface: Interface::Rest,
        action: Action::KeyEncrypt,
        key: None,
        version: None,
        outcome,
        context: BTreeMap::from([("algorithm".into(), "aes-256-gcm".into())]),
    }
}

/// `n` linked events (no MAC), seq 1 to `n`.
pub(crate) fn chain(n: u64) -> Vec<AuditEvent> {
    let c = AuditChain::offline();
    let mut head = ChainHead::GENESIS;
    (1..=n)
        .map(|seq| {
            let record = record(seq);
            let hash = c.link(&head.hash, seq, &record.canonical_bytes());
            let e = AuditEvent {
                seq,
                prev: head.hash,
                hash,
                mac: vec![],
                record,
            };
            head = ChainHead { seq, hash };
            e
        })
        .collect()
}

/// What [`check_rfc5424`] read from a message.
pub(crate) struct Parsed {
    pub(crate) seq: u64,
}

/// Checks `m` is `<PRI>1 TIMESTAMP HOSTNAME keyhold PROCID audit [SD] JSON`
/// with the fields matching the JSON event; returns its sequence number.
pub(crate) fn check_rfc5424(m: &str) -> Parsed {
    let (pri, rest) = m.strip_prefix('<').unwrap().split_once(">1 ").unwrap();
    let pri: u16 = pri.parse().unwrap();
    let mut fields = rest.splitn(6, ' ');
    let time = Timestamp::parse_rfc3339(fields.next().unwrap()).unwrap();
    let host = fields.next().unwrap();
    assert!(!host.is_empty() && host.bytes().all(|b| (33..=126).contains(&b)));
    assert_eq!(fields.next().unwrap(), "keyhold");
    assert!(fields.next().unwrap().parse::<u32>().is_ok(), "PROCID");
    assert_eq!(fields.next().unwrap(), "audit");
    let rest = fields.next().unwrap();
    let (sd, json) = rest.split_once("] ").unwrap();
    let view: AuditEventView = serde_json::from_str(json).unwrap();
    let kind = view.outcome.result;
    assert_eq!(
        sd,
        format!(
            "[keyhold@32473 seq=\"{}\" action=\"{}\" outcome=\"{}\"",
            view.seq,
            view.action.as_str(),
            kind.as_str()
        )
    );
    let severity = if kind.as_str() == "ok" { 6 } else { 4 };
    assert_eq!(pri, 4 * 8 + severity, "facility auth");
    assert_eq!(time, view.time);
    AuditEvent::try_from(view.clone()).unwrap();
    Parsed { seq: view.seq }
}

fn trail(store: &Store) -> AuditTrail {
    AuditTrail::new(store.clone(), 0)
}

fn mac_chain() -> std::sync::Arc<crate::audit::AuditKeys> {
    let root = RootKey::from_secret(SecretBytes::new(vec![7; 32])).unwrap();
    std::sync::Arc::new(crate::audit::AuditKeys::with_root(&root).unwrap())
}

/// Appends events `from..=to`, then signals the last.
async fn append(t: &AuditTrail, latest: &watch::Sender<u64>, from: u64, to: u64) {
    let pending: Vec<_> = (from..=to)
        .map(|n| t.append(mac_chain(), record(n)))
        .collect();
    for p in pending {
        p.wait_async().await.unwrap();
    }
    latest.send_replace(to);
}

fn syslog(name: &str, address: String, transport: Transport) -> AuditSettings {
    AuditSettings {
        sinks: vec![SinkSettings {
            name: name.into(),
            target: SinkTarget::Syslog(SyslogSettings {
                address,
                transport,
                facility: Facility::Auth,
                app_name: "keyhold".into(),
            }),
        }],
        ..AuditSettings::default()
    }
}

/// Reads one octet-counted frame (RFC 6587 section 3.4.1).
async fn read_frame(stream: &mut TcpStream) -> String {
    let mut len = Vec::new();
    loop {
        let b = stream.read_u8().await.unwrap();
        if b == b' ' {
            break;
        }
        assert!(b.is_ascii_digit() && len.len() < 8, "bad frame length");
        len.push(b);
    }
    let len: usize = String::from_utf8(len).unwrap().parse().unwrap();
    let mut message = vec![0; len];
    stream.read_exact(&mut message).await.unwrap();
    String::from_utf8(message).unwrap()
}

async fn read_frames(stream: &mut TcpStream, n: usize) -> Vec<u64> {
    let mut seqs = Vec::new();
    for _ in 0..n {
        let frame = timeout(WAIT, read_frame(stream)).await.unwrap();
        seqs.push(check_rfc5424(&frame).seq);
    }
    seqs
}

async fn until(what: &str, handles: &SinkHandles, f: impl Fn(&SinkStatus) -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !handles.statuses().iter().all(&f) {
        assert!(tokio::time::Instant::now() < deadline, "timed out: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn udp_syslog_gets_one_rfc_5424_datagram_per_event() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite_in_memory().unwrap();
    let listener = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let (tx, rx) = watch::channel(0);
    let handles = spawn(
        &syslog("udp", address, Transport::Udp),
        store.clone(),
        dir.path(),
        rx,
    );
    let t = trail(&store);
    append(&t, &tx, 1, 25).await;
    let mut seqs = Vec::new();
    let mut buf = vec![0; 70_000];
    for _ in 0..25 {
        let n = timeout(WAIT, listener.recv(&mut buf))
            .await
            .unwrap()
            .unwrap();
        let m = std::str::from_utf8(&buf[..n]).unwrap();
        seqs.push(check_rfc5424(m).seq);
    }
    assert_eq!(seqs, (1..=25).collect::<Vec<u64>>());
    until("cursor at 25", &handles, |s| s.delivered_seq == 25).await;
    let s = &handles.statuses()[0];
    assert_eq!(
        (s.name.as_str(), s.kind, s.last_error.as_ref()),
        ("udp", SinkKind::Syslog, None)
    );
    assert_eq!(Cursor::new(dir.path(), "udp").load().unwrap(), 25);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tcp_syslog_uses_octet_counting() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite_in_memory().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let (tx, rx) = watch::channel(0);
    let _handles = spawn(
        &syslog("tcp", address, Transport::Tcp),
        store.clone(),
        dir.path(),
        rx,
    );
    let t = trail(&store);
    append(&t, &tx, 1, 10).await;
    let (mut stream, _) = timeout(WAIT, listener.accept()).await.unwrap().unwrap();
    assert_eq!(
        read_frames(&mut stream, 10).await,
        (1..=10).collect::<Vec<u64>>()
    );
    // Later events travel on the same connection.
    append(&t, &tx, 11, 12).await;
    assert_eq!(read_frames(&mut stream, 2).await, [11, 12]);
    // The collector restarts between batches: the sink notices the closed
    // connection, reconnects and loses nothing.
    drop(stream);
    tokio::time::sleep(Duration::from_millis(100)).await;
    append(&t, &tx, 13, 15).await;
    let (mut stream, _) = timeout(WAIT, listener.accept()).await.unwrap().unwrap();
    assert_eq!(read_frames(&mut stream, 3).await, [13, 14, 15]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_collector_catches_up_and_a_restart_resumes_from_the_cursor() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite_in_memory().unwrap();
    let t = trail(&store);
    let (tx, rx) = watch::channel(0);
    // A free port with nobody listening yet.
    let address = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    append(&t, &tx, 1, 520).await; // more than one batch
    let settings = syslog("late", address.to_string(), Transport::Tcp);
    let handles = spawn(&settings, store.clone(), dir.path(), rx.clone());
    until("failing", &handles, |s| s.failing_since.is_some()).await;
    let status = &handles.statuses()[0];
    assert!(
        status
            .last_error
            .as_deref()
            .unwrap()
            .contains("cannot send to syslog collector")
    );
    assert_eq!(status.delivered_seq, 0);

    let listener = TcpListener::bind(address).await.unwrap();
    let (mut stream, _) = timeout(WAIT, listener.accept()).await.unwrap().unwrap();
    assert_eq!(
        read_frames(&mut stream, 520).await,
        (1..=520).collect::<Vec<u64>>()
    );
    until("recovered", &handles, |s| {
        s.delivered_seq == 520 && s.failing_since.is_none()
    })
    .await;
    assert!(handles.healthy());
    drop(handles);
    drop(stream);

    append(&t, &tx, 521, 530).await;
    let _handles = spawn(&settings, store.clone(), dir.path(), rx);
    let (mut stream, _) = timeout(WAIT, listener.accept()).await.unwrap().unwrap();
    assert_eq!(
        read_frames(&mut stream, 10).await,
        (521..=530).collect::<Vec<u64>>()
    );
    // Nothing more: no event is sent twice.
    let mut byte = [0u8; 1];
    let more = timeout(Duration::from_millis(500), stream.read(&mut byte)).await;
    assert!(more.is_err(), "unexpected extra data");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_file_sink_rotates_and_holds_every_event_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite_in_memory().unwrap();
    let t = trail(&store);
    let (tx, rx) = watch::channel(0);
    let path = dir.path().join("audit.jsonl");
    let settings = AuditSettings {
        sinks: vec![SinkSettings {
            name: "file".into(),
            target: SinkTarget::File(FileSettings {
                path: path.clone(),
                max_bytes: 64 * 1024,
                keep: 50,
            }),
        }],
        ..AuditSettings::default()
    };
    let handles = spawn(&settings, store.clone(), dir.path(), rx);
    append(&t, &tx, 1, 400).await;
    until("400 written", &handles, |s| s.delivered_seq == 400).await;
    append(&t, &tx, 401, 700).await;
    until("700 written", &handles, |s| s.delivered_seq == 700).await;
    let mut files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort_by_key(|p| std::cmp::Reverse(rotation_index(p)));
    assert!(files.len() > 3, "rotated several times: {files:?}");
    let mut seqs = Vec::new();
    for f in &files {
        assert!(std::fs::metadata(f).unwrap().len() <= 64 * 1024);
        for line in std::fs::read_to_string(f).unwrap().lines() {
            let ExportLine::Event(e) = serde_json::from_str(line).unwrap() else {
                panic!("not an event");
            };
            seqs.push(e.seq);
        }
    }
    assert_eq!(seqs, (1..=700).collect::<Vec<u64>>());
}

/// 0 for `audit.jsonl`, N for `audit.jsonl.N`.
fn rotation_index(p: &Path) -> u32 {
    p.extension()
        .and_then(|e| e.to_str())
        .and_then(|e| e.parse().ok())
        .unwrap_or(0)
}

#[test]
fn a_bad_sink_in_the_server_file_is_refused_clearly() {
    use crate::config::ServerConfig;
    use crate::error::StartError;
    let dir = tempfile::tempdir().unwrap();
    let base = "listen = \"127.0.0.1:8200\"\ndata_dir = \"/x\"\nplain_http_on_loopback = true\n";
    let sink = "[[audit.sinks]]\nname = \"siem\"\ntype = \"syslog\"\naddress = \"h:514\"\n";
    let p = dir.path().join("keyhold.toml");
    std::fs::write(&p, base).unwrap();
    assert!(ServerConfig::from_file(&p).unwrap().audit.sinks.is_empty());
    std::fs::write(&p, format!("{base}{sink}")).unwrap();
    assert_eq!(ServerConfig::from_file(&p).unwrap().audit.sinks.len(), 1);
    for (bad, expected) in [
        (
            format!("{sink}{sink}"),
            "audit sink name \"siem\" is used twice",
        ),
        (format!("{sink}port = 1\n"), "unknown field `port`"),
        (
            format!("{sink}transport = \"carrier-pigeon\"\n"),
            "unknown variant `carrier-pigeon`",
        ),
    ] {
        std::fs::write(&p, format!("{base}{bad}")).unwrap();
        let err = ServerConfig::from_file(&p).unwrap_err();
        let StartError::ParseConfig { source, .. } = &err else {
            panic!("{err:?}");
        };
        assert!(source.to_string().contains(expected), "{source}");
    }
}
