//! End to end: the audit trail of a running server. Every request that
//! reaches authentication writes one event, in one gap-free sequence even
//! under concurrent load, and a trail that cannot be written fails requests
//! closed: 503 `audit_unavailable`, and no change.
//!
//! The query API filters the caller's tenant's events by key, action,
//! outcome and time, and a cursor walk gives every event once.
//!
//! The tests read the store's file with a raw SQLite connection, as an
//! outside observer (and, to make the trail unwritable, as a saboteur that
//! plants a trigger refusing every new event: the server's own connection
//! sees the schema change at its next statement).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::Path;

use common::{Server, cli, code, ok};
use keyhold_api::ErrorCode;
use keyhold_api::audit::{AuditEventsPage, AuditEventsQuery};
use keyhold_api::b64::{Base64, SecretBase64};
use keyhold_api::keys::{CreateKeyRequest, DecryptRequest, EncryptRequest, ListKeysQuery};
use keyhold_api::sys::InitRequest;
use keyhold_client::Client;
use keyhold_core::audit::OutcomeKind;
use keyhold_core::{Action, Algorithm, KeyRef, Timestamp};
use rusqlite::Connection;

fn raw(dir: &Path) -> Connection {
    let db = Connection::open(dir.join("keyhold.db")).unwrap();
    db.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
    db
}

/// (seq, action, outcome, outcome code, key id present) of every event.
fn events(dir: &Path) -> Vec<(u64, String, String, Option<String>, bool)> {
    let db = raw(dir);
    let mut stmt = db
        .prepare(
            "SELECT seq, action, outcome, outcome_code, key_id IS NOT NULL \
             FROM audit_events ORDER BY seq",
        )
        .unwrap();
    stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)? as u64,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
        ))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

fn enc(data: &[u8]) -> EncryptRequest {
    EncryptRequest {
        plaintext: SecretBase64(data.to_vec()),
        context: [("table".to_owned(), "cards".to_owned())].into(),
    }
}

fn key(s: &str) -> KeyRef {
    s.parse().unwrap()
}

async fn names(c: &Client) -> Vec<String> {
    let page = c.list_keys(&ListKeysQuery::default()).await.unwrap();
    page.keys.iter().map(|k| k.name.to_string()).collect()
}

#[tokio::test]
async fn each_request_writes_one_event_with_its_outcome() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::dev_in(dir.path(), Some("root"));
    let c = server.client();
    let before = events(dir.path()).len();
    let create = CreateKeyRequest::new("orders".parse().unwrap(), Algorithm::Aes256Gcm);
    c.create_key(&create).await.unwrap();
    let ct = c.encrypt(&key("orders"), &enc(b"hello")).await.unwrap();
    let wrong = DecryptRequest {
        ciphertext: ct.ciphertext.clone(),
        context: Default::default(),
    };
    assert_eq!(
        code(c.decrypt(&key("orders"), &wrong).await),
        ErrorCode::DecryptionFailed
    );
    let anonymous = server.client_with(Some("not-the-token"));
    assert_eq!(
        code(anonymous.encrypt(&key("orders"), &enc(b"x")).await),
        ErrorCode::Unauthenticated
    );
    assert_eq!(
        code(c.rotate_key(&key("nope")).await),
        ErrorCode::KeyNotFound
    );
    let all = events(dir.path());
    let new: Vec<_> = all
        .iter()
        .skip(before)
        .map(|(_, a, o, c, k)| (a.as_str(), o.as_str(), c.as_deref(), *k))
        .collect();
    assert_eq!(
        new,
        [
            ("key:create", "ok", None, true),
            ("key:encrypt", "ok", None, true),
            ("key:decrypt", "error", Some("decryption_failed"), true),
            ("key:encrypt", "denied", Some("unauthenticated"), false),
            ("key:rotate", "error", Some("key_not_found"), false),
        ]
    );
    let seqs: Vec<u64> = all.iter().map(|e| e.0).collect();
    assert_eq!(seqs, (1..=all.len() as u64).collect::<Vec<_>>());
}

#[tokio::test]
async fn concurrent_requests_keep_one_gap_free_sequence() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::dev_in(dir.path(), Some("root"));
    let c = server.client();
    let create = CreateKeyRequest::new("load".parse().unwrap(), Algorithm::Aes256Gcm);
    c.create_key(&create).await.unwrap();
    let before = events(dir.path()).len();
    let mut tasks = Vec::new();
    for t in 0..8u8 {
        let c = server.client();
        tasks.push(tokio::spawn(async move {
            for i in 0..25u8 {
                c.encrypt(&key("load"), &enc(&[t, i])).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let all = events(dir.path());
    assert_eq!(all.len(), before + 200);
    let seqs: Vec<u64> = all.iter().map(|e| e.0).collect();
    assert_eq!(seqs, (1..=all.len() as u64).collect::<Vec<_>>());
    assert!(
        all.iter()
            .skip(before)
            .all(|e| e.1 == "key:encrypt" && e.2 == "ok")
    );
}

#[tokio::test]
async fn an_unwritable_trail_fails_requests_closed_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::dev_in(dir.path(), Some("root"));
    let c = server.client();
    let create = CreateKeyRequest::new("kept".parse().unwrap(), Algorithm::Aes256Gcm);
    let kept = c.create_key(&create).await.unwrap();
    let ct = c.encrypt(&key("kept"), &enc(b"secret")).await.unwrap();
    let recorded = events(dir.path()).len();

    raw(dir.path())
        .execute_batch(
            "CREATE TRIGGER sabotage BEFORE INSERT ON audit_events \
             BEGIN SELECT RAISE(ABORT, 'disk full'); END;",
        )
        .unwrap();
    let unavailable = ErrorCode::AuditUnavailable;
    let other = CreateKeyRequest::new("during".parse().unwrap(), Algorithm::Aes256Gcm);
    assert_eq!(code(c.create_key(&other).await), unavailable);
    assert_eq!(code(c.rotate_key(&key("kept")).await), unavailable);
    assert_eq!(code(c.suspend_key(&key("kept")).await), unavailable);
    assert_eq!(code(c.encrypt(&key("kept"), &enc(b"x")).await), unavailable);
    let dec = DecryptRequest {
        ciphertext: Base64(ct.ciphertext.0.clone()),
        context: enc(b"").context,
    };
    assert_eq!(code(c.decrypt(&key("kept"), &dec).await), unavailable);
    assert_eq!(
        code(c.list_keys(&ListKeysQuery::default()).await),
        unavailable
    );
    let anonymous = server.client_with(None);
    assert_eq!(code(anonymous.key(&key("kept")).await), unavailable);

    raw(dir.path())
        .execute_batch("DROP TRIGGER sabotage")
        .unwrap();
    assert_eq!(names(&c).await, ["kept"]);
    let now = c.key(&key("kept")).await.unwrap();
    assert_eq!(now.primary_version, kept.primary_version);
    assert_eq!(now.state, kept.state);
    assert_eq!(now.updated_at, kept.updated_at);
    // Nothing was recorded while the trail was down, and the chain goes on
    // from where it stopped.
    let all = events(dir.path());
    let seqs: Vec<u64> = all.iter().map(|e| e.0).collect();
    assert_eq!(seqs, (1..=all.len() as u64).collect::<Vec<_>>());
    assert_eq!(all.len(), recorded + 2, "the two list/show calls above");
    assert_eq!(
        c.decrypt(&key("kept"), &dec).await.unwrap().plaintext.0,
        b"secret"
    );
}

fn now() -> Timestamp {
    let micros = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_micros();
    Timestamp::from_unix_micros(micros as i64)
}

async fn pause() {
    tokio::time::sleep(std::time::Duration::from_millis(30)).await;
}

async fn page(c: &Client, q: AuditEventsQuery) -> AuditEventsPage {
    c.audit_events(&q).await.unwrap()
}

/// (action, outcome) of each event of a page.
fn summary(p: &AuditEventsPage) -> Vec<(&str, &str)> {
    p.events
        .iter()
        .map(|e| (e.action.as_str(), e.outcome.result.as_str()))
        .collect()
}

/// Keys `a` and `b`; three encryptions with `a`, a failed decryption with
/// `a`, two encryptions with `b`, then (after `mid`) one more with `b` and
/// a refused request; `end` after all of it.
async fn session(server: &Server) -> (Timestamp, Timestamp) {
    let c = server.client();
    for name in ["a", "b"] {
        let create = CreateKeyRequest::new(name.parse().unwrap(), Algorithm::Aes256Gcm);
        c.create_key(&create).await.unwrap();
    }
    for i in 0..3 {
        c.encrypt(&key("a"), &enc(&[i])).await.unwrap();
    }
    let ct = c.encrypt(&key("b"), &enc(b"b")).await.unwrap();
    let wrong = DecryptRequest {
        ciphertext: ct.ciphertext,
        context: Default::default(),
    };
    assert_eq!(
        code(c.decrypt(&key("b"), &wrong).await),
        ErrorCode::DecryptionFailed
    );
    c.encrypt(&key("b"), &enc(b"b2")).await.unwrap();
    pause().await;
    let mid = now();
    pause().await;
    c.encrypt(&key("b"), &enc(b"late")).await.unwrap();
    let anonymous = server.client_with(Some("not-the-token"));
    assert_eq!(
        code(anonymous.encrypt(&key("b"), &enc(b"x")).await),
        ErrorCode::Unauthenticated
    );
    pause().await;
    (mid, now())
}

#[tokio::test]
async fn events_filter_by_key_action_outcome_and_time() {
    let server = Server::dev();
    let c = server.client();
    let (mid, end) = session(&server).await;
    let a = c.key(&key("a")).await.unwrap().id;
    let upto = |q: AuditEventsQuery| AuditEventsQuery { to: Some(end), ..q };

    let by_key = page(
        &c,
        upto(AuditEventsQuery {
            key: Some(a),
            ..Default::default()
        }),
    )
    .await;
    assert_eq!(
        summary(&by_key),
        [
            ("key:create", "ok"),
            ("key:encrypt", "ok"),
            ("key:encrypt", "ok"),
            ("key:encrypt", "ok")
        ]
    );
    assert!(by_key.events.iter().all(|e| e.key == Some(a)));
    assert_eq!(by_key.next_cursor, None);

    let encryptions = AuditEventsQuery {
        action: Some(Action::KeyEncrypt),
        ..Default::default()
    };
    assert_eq!(page(&c, upto(encryptions)).await.events.len(), 6);

    let errors = AuditEventsQuery {
        outcome: Some(OutcomeKind::Error),
        ..Default::default()
    };
    let errors = page(&c, upto(errors)).await;
    assert_eq!(summary(&errors), [("key:decrypt", "error")]);
    assert_eq!(
        errors.events[0].outcome.code.as_deref(),
        Some("decryption_failed")
    );

    // A request refused at authentication has no tenant: no tenant sees it.
    let denied = AuditEventsQuery {
        outcome: Some(OutcomeKind::Denied),
        ..Default::default()
    };
    assert!(page(&c, denied).await.events.is_empty());

    let late = AuditEventsQuery {
        from: Some(mid),
        ..Default::default()
    };
    let late = page(&c, upto(late)).await;
    assert_eq!(summary(&late), [("key:encrypt", "ok")]);
    assert!(late.events[0].time >= mid);
}

#[tokio::test]
async fn the_cli_lists_events_as_a_table_or_json() {
    let server = Server::dev();
    session(&server).await;
    let token = server.token.as_deref();
    let args = [
        "audit",
        "list",
        "--key",
        "b",
        "--outcome",
        "error",
        "--json",
    ];
    let p: AuditEventsPage = serde_json::from_str(&ok(cli(&server, token, &args, b""))).unwrap();
    assert_eq!(summary(&p), [("key:decrypt", "error")]);
    let args = ["audit", "list", "--action", "key:decrypt"];
    let table = ok(cli(&server, token, &args, b""));
    assert!(table.starts_with("SEQ"), "{table}");
    assert!(table.contains("error (decryption_failed)"), "{table}");
    let args = ["audit", "list", "--action", "key:encrypt", "--limit", "2"];
    let table = ok(cli(&server, token, &args, b""));
    assert!(table.ends_with("more: --cursor 4\n"), "{table}");
}

#[tokio::test]
async fn a_cursor_walk_gives_every_event_once() {
    let server = Server::dev();
    let c = server.client();
    let (_, end) = session(&server).await;
    let all = AuditEventsQuery {
        to: Some(end),
        limit: Some(1000),
        ..Default::default()
    };
    let all: Vec<u64> = page(&c, all).await.events.iter().map(|e| e.seq).collect();
    assert_eq!(all.len(), 9, "the tenant's events of the session");
    let mut walked = Vec::new();
    let mut cursor = None;
    loop {
        let q = AuditEventsQuery {
            to: Some(end),
            cursor,
            limit: Some(3),
            ..Default::default()
        };
        let p = page(&c, q).await;
        assert!(p.events.len() <= 3);
        walked.extend(p.events.iter().map(|e| e.seq));
        match p.next_cursor {
            Some(next) => {
                assert_eq!(Some(&next), walked.last());
                cursor = Some(next);
            }
            None => break,
        }
    }
    assert_eq!(walked, all);
    // A page that ends exactly at the last event says there is no more.
    let exact = AuditEventsQuery {
        to: Some(end),
        limit: Some(10),
        ..Default::default()
    };
    assert_eq!(page(&c, exact).await.next_cursor, None);
}

#[tokio::test]
async fn bad_event_queries_are_refused() {
    let server = Server::dev();
    let c = server.client();
    for limit in [0, 1001] {
        let q = AuditEventsQuery {
            limit: Some(limit),
            ..Default::default()
        };
        assert_eq!(code(c.audit_events(&q).await), ErrorCode::InvalidRequest);
    }
    for bad in [
        "from=yesterday",
        "outcome=maybe",
        "action=key:nope",
        "cursor=-1",
        "after=3",
    ] {
        let resp = c
            .raw(
                reqwest::Method::GET,
                &format!("/v1/audit/events?{bad}"),
                None,
            )
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 400, "{bad}");
    }
    let anonymous = server.client_with(None);
    assert_eq!(
        code(anonymous.audit_events(&AuditEventsQuery::default()).await),
        ErrorCode::Unauthenticated
    );
}

#[tokio::test]
async fn the_public_key_needs_no_token_but_an_unsealed_server() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::production_in(dir.path());
    let anonymous = server.client_with(None);
    assert_eq!(
        code(anonymous.audit_public_key().await),
        ErrorCode::NotInitialized
    );
    let init = anonymous
        .init(&InitRequest {
            shares: 1,
            threshold: 1,
        })
        .await
        .unwrap();
    anonymous.unseal(&init.shares[0]).await.unwrap();
    let key = anonymous.audit_public_key().await.unwrap();
    assert_eq!(key.public_key.0.len(), 32);
    assert_eq!(key.fingerprint.len(), 64);

    let c = server.client_with(Some(init.root_token.as_str()));
    let create = CreateKeyRequest::new("k".parse().unwrap(), Algorithm::Aes256Gcm);
    c.create_key(&create).await.unwrap();
    let text = String::from_utf8(c.audit_export().await.unwrap()).unwrap();
    let last = text.lines().last().unwrap();
    assert!(last.starts_with("{\"checkpoint\":{\"seq\":1,"), "{last}");
    assert!(last.contains(&format!("\"signer\":\"{}\"", key.fingerprint)));

    c.seal().await.unwrap();
    assert_eq!(code(anonymous.audit_public_key().await), ErrorCode::Sealed);
    // The same root key gives the same signing key after an unseal.
    anonymous.unseal(&init.shares[0]).await.unwrap();
    assert_eq!(anonymous.audit_public_key().await.unwrap(), key);
}

/// The benchmark-only audit switch exists in benchmark builds only: this
/// build (the one under test) refuses to start with it, in dev mode too.
#[test]
fn a_normal_build_refuses_to_run_without_its_audit_trail() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(common::bin())
        .args(["server", "--dev", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .env("KEYHOLD_BENCH_NO_AUDIT", "1")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("KEYHOLD_BENCH_NO_AUDIT"), "{err}");
}

/// A production server with a JSON-lines file sink: every event reaches the
/// file, in order, and `GET /v1/audit/sinks` reports how far it got.
#[tokio::test]
async fn a_file_sink_receives_every_event_and_reports_its_progress() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("siem.jsonl");
    let extra = format!(
        "plain_http_on_loopback = true\n[audit]\ncheckpoint_every = 5\n[[audit.sinks]]\nname = \"siem\"\ntype = \"file\"\npath = \"{}\"\n",
        file.display()
    );
    let server = Server::production_with(dir.path(), &extra);
    let anon = server.client_with(None);
    let init = anon
        .init(&keyhold_api::sys::InitRequest {
            shares: 1,
            threshold: 1,
        })
        .await
        .unwrap();
    let c = server.client_with(Some(&init.root_token));
    let create = CreateKeyRequest::new("sunk".parse().unwrap(), Algorithm::Aes256Gcm);
    c.create_key(&create).await.unwrap();
    for i in 0..10u8 {
        c.encrypt(&key("sunk"), &enc(&[i])).await.unwrap();
    }
    let head = events(&server.data_dir).len() as u64;
    let mut delivered = 0;
    for _ in 0..100 {
        let sinks = c.audit_sinks().await.unwrap().sinks;
        assert_eq!(sinks.len(), 1);
        assert_eq!(
            (sinks[0].name.as_str(), sinks[0].kind.as_str()),
            ("siem", "file")
        );
        delivered = sinks[0].delivered_seq;
        if delivered >= head {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(delivered >= head, "delivered {delivered} of {head}");
    let text = std::fs::read_to_string(&file).unwrap();
    let seqs: Vec<u64> = text
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["event"]["seq"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(seqs[..head as usize], (1..=head).collect::<Vec<_>>()[..]);
}
