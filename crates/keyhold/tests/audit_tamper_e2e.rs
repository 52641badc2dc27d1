//! End to end: tampering with the audit trail is found, online and offline.
//!
//! On the store: a raw SQLite connection to the server's database plays the
//! attacker (it drops the append-only triggers first, as an attacker with
//! the file would) and edits, deletes, inserts, reorders, truncates events
//! or forges a checkpoint signature; `GET /v1/audit/verify` must name the
//! event and the problem. Each tamper runs on a fresh server.
//!
//! On an export: the same kinds of changes to a copy made by `keyhold audit
//! export`, each found by `keyhold audit verify --file F --public-key K`
//! (the CLI binary, as a user runs it), which passes on the untouched copy.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::Path;

use common::{Server, cli, fails, ok};
use keyhold_api::audit::{AuditEventView, ExportLine, VerifyReport};
use keyhold_api::b64::SecretBase64;
use keyhold_api::keys::{CreateKeyRequest, EncryptRequest};
use keyhold_core::audit::{AuditEvent, ChainCrypto as _};
use keyhold_core::{Action, Algorithm, KeyRef};
use keyhold_crypto::audit_chain::AuditChain;
use rusqlite::Connection;

const TOKEN: &str = "tamper-root-token";

fn raw(dir: &Path) -> Connection {
    let db = Connection::open(dir.join("keyhold.db")).unwrap();
    db.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
    db
}

/// Opens the store as an attacker: without the append-only triggers and
/// foreign-key checks.
fn attacker(dir: &Path) -> Connection {
    let db = raw(dir);
    db.execute_batch(
        "PRAGMA foreign_keys = OFF; DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete; \
         DROP TRIGGER audit_checkpoints_no_update; DROP TRIGGER audit_checkpoints_no_delete;",
    )
    .unwrap();
    db
}

fn max_seq(dir: &Path, table: &str) -> u64 {
    raw(dir)
        .query_row(&format!("SELECT MAX(seq) FROM {table}"), [], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap() as u64
}

async fn encrypt(server: &Server, n: u8) {
    let req = EncryptRequest {
        plaintext: SecretBase64(vec![n; 8]),
        context: Default::default(),
    };
    let key: KeyRef = "t".parse().unwrap();
    server.client().encrypt(&key, &req).await.unwrap();
}

/// A server with a trail of 9 events and a signed checkpoint at event 5:
/// create (1), four encryptions (2-5), an export that signs the head (its
/// own event is 6), three more encryptions (7-9).
async fn trail() -> (tempfile::TempDir, Server) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::dev_in(dir.path(), Some(TOKEN));
    let create = CreateKeyRequest::new("t".parse().unwrap(), Algorithm::Aes256Gcm);
    server.client().create_key(&create).await.unwrap();
    for n in 0..4 {
        encrypt(&server, n).await;
    }
    server.client().audit_export().await.unwrap();
    for n in 4..7 {
        encrypt(&server, n).await;
    }
    assert_eq!(max_seq(dir.path(), "audit_events"), 9);
    assert_eq!(max_seq(dir.path(), "audit_checkpoints"), 5);
    (dir, server)
}

/// The server's verification after `sql` ran on the attacker's connection.
async fn verify_after(sql: &str) -> VerifyReport {
    let (dir, server) = trail().await;
    attacker(dir.path()).execute_batch(sql).unwrap();
    server.client().audit_verify().await.unwrap()
}

fn broken(report: &VerifyReport) -> (Option<u64>, Option<&str>) {
    assert!(!report.ok, "{report:?}");
    (report.broken_at, report.problem.as_deref())
}

#[tokio::test]
async fn a_clean_trail_verifies_online() {
    let (_dir, server) = trail().await;
    let report = server.client().audit_verify().await.unwrap();
    assert!(report.ok, "{report:?}");
    assert_eq!(
        (report.events, report.checkpoints, report.head_seq),
        (9, 1, 9)
    );
    assert_eq!((report.broken_at, report.problem), (None, None));
    // The verification itself is event 10, and the trail still verifies.
    let again = server.client().audit_verify().await.unwrap();
    assert!(again.ok && again.head_seq == 10, "{again:?}");
}

#[tokio::test]
async fn an_edited_event_breaks_its_hash() {
    let r = verify_after("UPDATE audit_events SET action = 'key:decrypt' WHERE seq = 3").await;
    assert_eq!(broken(&r), (Some(3), Some("hash")));
    assert_eq!((r.head_seq, r.events), (2, 2));
}

#[tokio::test]
async fn a_row_that_does_not_decode_is_named_malformed() {
    // An outcome no event can have: the row cannot be read back as one.
    let r = verify_after("UPDATE audit_events SET outcome = 'bogus' WHERE seq = 4").await;
    assert_eq!(broken(&r), (Some(4), Some("malformed")));
    assert_eq!((r.head_seq, r.events), (3, 3));
}

#[tokio::test]
async fn a_deleted_event_breaks_the_sequence() {
    let r = verify_after("DELETE FROM audit_events WHERE seq = 4").await;
    assert_eq!(broken(&r), (Some(5), Some("sequence")));
}

#[tokio::test]
async fn an_inserted_event_does_not_follow_its_predecessor() {
    // A replay of event 4 slipped in after it, the rest renumbered.
    let r = verify_after(
        "UPDATE audit_events SET seq = seq + 1000 WHERE seq > 4; \
         UPDATE audit_events SET seq = seq - 999 WHERE seq > 1000; \
         INSERT INTO audit_events (seq, time, request_id, tenant_id, principal_id, auth, \
           source, interface, action, key_id, version, outcome, outcome_code, context, \
           prev_hash, hash, mac) \
         SELECT 5, time, request_id, tenant_id, principal_id, auth, source, interface, action, \
           key_id, version, outcome, outcome_code, context, prev_hash, hash, mac \
         FROM audit_events WHERE seq = 4",
    )
    .await;
    assert_eq!(broken(&r), (Some(5), Some("prev")));
}

#[tokio::test]
async fn swapped_events_break_the_links() {
    let r = verify_after(
        "UPDATE audit_events SET seq = -6 WHERE seq = 6; \
         UPDATE audit_events SET seq = 6 WHERE seq = 7; \
         UPDATE audit_events SET seq = 7 WHERE seq = -6",
    )
    .await;
    assert_eq!(broken(&r), (Some(6), Some("prev")));
}

#[tokio::test]
async fn a_truncated_tail_is_found_against_the_announced_head() {
    // A careful attacker cuts events and any checkpoint beyond them: the
    // rest is a valid chain, but this server saw event 9 committed.
    let r = verify_after(
        "DELETE FROM audit_checkpoints WHERE seq > 7; DELETE FROM audit_events WHERE seq > 7",
    )
    .await;
    assert_eq!(broken(&r), (Some(8), Some("truncated")));
    assert_eq!((r.head_seq, r.checkpoints), (7, 1));
}

#[tokio::test]
async fn a_forged_checkpoint_signature_is_found() {
    let r =
        verify_after("UPDATE audit_checkpoints SET signature = zeroblob(64) WHERE seq = 5").await;
    assert_eq!(broken(&r), (Some(5), Some("checkpoint-signature")));
}

#[tokio::test]
async fn the_cli_reports_a_broken_trail_and_exits_non_zero() {
    let (dir, server) = trail().await;
    attacker(dir.path())
        .execute_batch(
            "UPDATE audit_events SET outcome_code = 'x', outcome = 'error' WHERE seq = 2",
        )
        .unwrap();
    let out = cli(&server, Some(TOKEN), &["audit", "verify"], b"");
    let stdout = fails(out, "audit trail broken at event 2: hash");
    assert!(stdout.contains("BROKEN at event 2: hash"), "{stdout}");
}

/// One line of an export, parsed.
fn parse(line: &str) -> ExportLine {
    serde_json::from_str(line).unwrap()
}

/// The index of the line holding event (or checkpoint) `seq`.
fn find(lines: &[String], event: bool, seq: u64) -> usize {
    lines
        .iter()
        .position(|l| match parse(l) {
            ExportLine::Event(e) => event && e.seq == seq,
            ExportLine::Checkpoint(c) => !event && c.seq == seq,
        })
        .unwrap()
}

fn event_at(lines: &[String], seq: u64) -> AuditEventView {
    match parse(&lines[find(lines, true, seq)]) {
        ExportLine::Event(e) => e,
        ExportLine::Checkpoint(_) => unreachable!(),
    }
}

fn put_event(lines: &mut [String], event: &AuditEventView) {
    let i = find(lines, true, event.seq);
    lines[i] = serde_json::to_string(&ExportLine::Event(event.clone())).unwrap();
}

/// Rewrites event `seq`'s action and recomputes every link from there on,
/// as anyone can without the MAC key: the chain is self-consistent again,
/// only the signed checkpoints disagree.
fn rewrite_chain(lines: &mut [String], seq: u64) {
    let chain = AuditChain::offline();
    let mut prev = None;
    for n in seq..=9 {
        let mut e = AuditEvent::try_from(event_at(lines, n)).unwrap();
        if n == seq {
            e.record.action = Action::KeyDecrypt;
        }
        e.prev = prev.unwrap_or(e.prev);
        e.hash = chain.link(&e.prev, e.seq, &e.record.canonical_bytes());
        prev = Some(e.hash);
        put_event(lines, &AuditEventView::from(&e));
    }
}

/// A change to the lines of an export.
type Change = fn(Vec<String>) -> Vec<String>;

fn edit(mut l: Vec<String>) -> Vec<String> {
    let mut e = event_at(&l, 3);
    e.action = Action::KeyDecrypt;
    put_event(&mut l, &e);
    l
}

fn delete(mut l: Vec<String>) -> Vec<String> {
    l.remove(find(&l, true, 4));
    l
}

/// A replay of event 4 right after it.
fn insert(mut l: Vec<String>) -> Vec<String> {
    let i = find(&l, true, 4);
    l.insert(i + 1, l[i].clone());
    l
}

fn swap(mut l: Vec<String>) -> Vec<String> {
    let (a, b) = (find(&l, true, 6), find(&l, true, 7));
    l.swap(a, b);
    l
}

/// Events 6 and 7 swapped, their numbers kept in order.
fn swap_renumbered(mut l: Vec<String>) -> Vec<String> {
    let (mut six, mut seven) = (event_at(&l, 6), event_at(&l, 7));
    (six.seq, seven.seq) = (7, 6);
    let (a, b) = (find(&l, true, 6), find(&l, true, 7));
    l[a] = serde_json::to_string(&ExportLine::Event(seven)).unwrap();
    l[b] = serde_json::to_string(&ExportLine::Event(six)).unwrap();
    l
}

/// The last event and the checkpoint after it cut.
fn truncate(mut l: Vec<String>) -> Vec<String> {
    l.truncate(find(&l, true, 9));
    l
}

/// The last event cut, its checkpoint kept.
fn truncate_keep_checkpoint(mut l: Vec<String>) -> Vec<String> {
    l.remove(find(&l, true, 9));
    l
}

fn forge_signature(mut l: Vec<String>) -> Vec<String> {
    let i = find(&l, false, 9);
    let ExportLine::Checkpoint(mut c) = parse(&l[i]) else {
        unreachable!()
    };
    let flipped = if c.signature.starts_with('0') {
        "1"
    } else {
        "0"
    };
    c.signature.replace_range(0..1, flipped);
    l[i] = serde_json::to_string(&ExportLine::Checkpoint(c)).unwrap();
    l
}

fn rewrite(mut l: Vec<String>) -> Vec<String> {
    rewrite_chain(&mut l, 3);
    l
}

fn malform(mut l: Vec<String>) -> Vec<String> {
    l.insert(2, "{\"event\": 42}".into());
    l
}

/// Each tamper: a name, the change, and the end of the error it must give.
const TAMPERS: [(&str, Change, &str); 10] = [
    ("edited", edit, "event 3: hash"),
    ("deleted", delete, "event 5: sequence"),
    ("inserted (replayed)", insert, "event 4: sequence"),
    ("swapped", swap, "event 7: sequence"),
    ("swapped and renumbered", swap_renumbered, "event 6: prev"),
    ("truncated", truncate, "event 9: truncated"),
    (
        "truncated, checkpoint kept",
        truncate_keep_checkpoint,
        "event 9: truncated",
    ),
    (
        "forged signature",
        forge_signature,
        "event 9: checkpoint-signature",
    ),
    (
        "chain rewritten without the key",
        rewrite,
        "event 5: checkpoint-mismatch",
    ),
    ("malformed line", malform, "line 3: malformed"),
];

#[tokio::test]
async fn an_exported_copy_verifies_offline_and_every_tamper_is_named() {
    let (dir, server) = trail().await;
    let file = dir.path().join("trail.jsonl");
    let path = file.to_str().unwrap();
    ok(cli(
        &server,
        Some(TOKEN),
        &["audit", "export", "--out", path],
        b"",
    ));
    let key = server.client().audit_public_key().await.unwrap();
    let key = base64_text(&key.public_key.0);
    let verify = |p: &str, k: &str| {
        cli(
            &server,
            None,
            &["audit", "verify", "--file", p, "--public-key", k],
            b"",
        )
    };
    let clean = ok(verify(path, &key));
    assert!(
        clean.starts_with("ok: 9 events and 2 checkpoints"),
        "{clean}"
    );

    let original: Vec<String> = std::fs::read_to_string(&file)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    for (name, change, expected) in TAMPERS {
        let lines = change(original.clone());
        let copy = dir.path().join("tampered.jsonl");
        std::fs::write(&copy, lines.join("\n") + "\n").unwrap();
        let out = verify(copy.to_str().unwrap(), &key);
        assert!(!out.status.success(), "{name}: accepted");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!("audit trail broken at {expected}")),
            "{name}: {err}"
        );
    }

    // Another key does not verify the untouched copy.
    let other = base64_text(&[9u8; 32]);
    fails(verify(path, &other), "event 5: checkpoint-signature");
}

fn base64_text(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
