//! End to end: the key lifecycle endpoints on a real server. Every state
//! change against every state a key can reach over REST, with the refused
//! ones giving their code and changing nothing (the key and its versions are
//! read back after each); rotation keeping old ciphertexts readable;
//! revocation, destruction scheduling, archival, metadata updates, dates at
//! creation, the state and tag filters, and public keys.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use common::{Server, code};
use keyhold_api::ErrorCode;
use keyhold_api::b64::{Base64, SecretBase64};
use keyhold_api::keys::{
    CreateKeyRequest, DecryptRequest, EncryptRequest, InitialState, KeyInfo, ListKeysQuery,
    TagFilter,
};
use keyhold_api::lifecycle::{
    KeyVersions, Patch, PublicKeyEncoding, PublicKeyFormat, PublicKeyQuery, RevokeRequest,
    ScheduleDestroyRequest, UpdateKeyRequest,
};
use keyhold_client::{Client, ClientError};
use keyhold_core::{Algorithm, KeyRef, KeyState, RevocationReason, Timestamp, VersionNumber};
use reqwest::Method;

const DAY: i64 = 86_400;

fn key(s: &str) -> KeyRef {
    s.parse().unwrap()
}

fn v(n: u32) -> VersionNumber {
    VersionNumber::new(n).unwrap()
}

fn create(name: &str, algorithm: Algorithm) -> CreateKeyRequest {
    CreateKeyRequest::new(name.parse().unwrap(), algorithm)
}

fn now() -> Timestamp {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    Timestamp::from_unix_micros(i64::try_from(since.as_micros()).unwrap())
}

/// A key as the server shows it: its metadata and every version.
type Snapshot = (KeyInfo, KeyVersions);

async fn snapshot(c: &Client, k: &KeyRef) -> Snapshot {
    (c.key(k).await.unwrap(), c.key_versions(k).await.unwrap())
}

/// The code and message of a refused call.
fn refusal<T: std::fmt::Debug>(r: Result<T, ClientError>) -> (ErrorCode, String) {
    match r {
        Err(ClientError::Api { code, message, .. }) => (code, message),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// Asserts `r` was refused with `want` and the key is as it was.
async fn refused<T: std::fmt::Debug>(
    c: &Client,
    k: &KeyRef,
    before: &Snapshot,
    r: Result<T, ClientError>,
    want: ErrorCode,
) -> String {
    let (got, message) = refusal(r);
    assert_eq!(got, want, "{message}");
    assert_eq!(
        &snapshot(c, k).await,
        before,
        "a refused request changed the key"
    );
    message
}

async fn encrypt(c: &Client, k: &KeyRef, data: &[u8]) -> Result<Vec<u8>, ClientError> {
    let req = EncryptRequest {
        plaintext: SecretBase64(data.to_vec()),
        context: BTreeMap::new(),
    };
    c.encrypt(k, &req).await.map(|r| r.ciphertext.0)
}

async fn decrypt(c: &Client, k: &KeyRef, ct: &[u8]) -> Result<Vec<u8>, ClientError> {
    let req = DecryptRequest {
        ciphertext: Base64(ct.to_vec()),
        context: BTreeMap::new(),
    };
    c.decrypt(k, &req).await.map(|r| r.plaintext.0.clone())
}

/// Every lifecycle request the transition table is tested with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Act {
    Activate,
    Deactivate,
    Suspend,
    Resume,
    RevokeCompromise,
    RevokeSuperseded,
    Rotate,
    ScheduleDestroy,
    Archive,
}

const ACTS: [Act; 9] = [
    Act::Activate,
    Act::Deactivate,
    Act::Suspend,
    Act::Resume,
    Act::RevokeCompromise,
    Act::RevokeSuperseded,
    Act::Rotate,
    Act::ScheduleDestroy,
    Act::Archive,
];

async fn act(c: &Client, k: &KeyRef, a: Act) -> Result<KeyInfo, ClientError> {
    match a {
        Act::Activate => c.activate_key(k).await,
        Act::Deactivate => c.deactivate_key(k).await,
        Act::Suspend => c.suspend_key(k).await,
        Act::Resume => c.resume_key(k).await,
        Act::RevokeCompromise => {
            let req = RevokeRequest::new(RevocationReason::KeyCompromise);
            c.revoke_key(k, &req).await
        }
        Act::RevokeSuperseded => {
            let req = RevokeRequest::new(RevocationReason::Superseded);
            c.revoke_key(k, &req).await
        }
        Act::Rotate => c.rotate_key(k).await,
        Act::ScheduleDestroy => {
            c.schedule_key_destroy(k, &ScheduleDestroyRequest::default())
                .await
        }
        Act::Archive => c.archive_key(k).await,
    }
}

/// A fresh AES key whose primary version is in `state`.
async fn key_in(c: &Client, name: &str, state: KeyState) -> KeyRef {
    let mut req = create(name, Algorithm::Aes256Gcm);
    if state == KeyState::PreActive {
        req.initial_state = Some(InitialState::PreActive);
    }
    c.create_key(&req).await.unwrap();
    let k = key(name);
    let setup = match state {
        KeyState::PreActive | KeyState::Active => None,
        KeyState::Suspended => Some(Act::Suspend),
        KeyState::Deactivated => Some(Act::Deactivate),
        KeyState::Compromised => Some(Act::RevokeCompromise),
        other => panic!("{other} is not reachable over REST"),
    };
    if let Some(a) = setup {
        act(c, &k, a).await.unwrap();
    }
    assert_eq!(c.key(&k).await.unwrap().state, state);
    k
}

/// The primary state each request leaves a key of each state in, or `None`
/// when it is refused with `illegal_state_transition`. Written out by hand
/// from docs/api.md.
fn expected(state: KeyState, a: Act) -> Option<KeyState> {
    use Act as A;
    use KeyState as S;
    match (state, a) {
        (S::PreActive, A::Activate) => Some(S::Active),
        (S::PreActive, A::RevokeCompromise) => Some(S::Compromised),
        (S::PreActive, A::ScheduleDestroy | A::Archive) => Some(S::PreActive),
        (S::Active, A::Deactivate | A::RevokeSuperseded) => Some(S::Deactivated),
        (S::Active, A::Suspend) => Some(S::Suspended),
        (S::Active, A::RevokeCompromise) => Some(S::Compromised),
        (S::Active, A::Rotate) => Some(S::Active),
        (S::Suspended, A::Deactivate | A::RevokeSuperseded) => Some(S::Deactivated),
        (S::Suspended, A::Resume) => Some(S::Active),
        (S::Suspended, A::RevokeCompromise) => Some(S::Compromised),
        (S::Deactivated, A::RevokeCompromise) => Some(S::Compromised),
        (S::Deactivated, A::ScheduleDestroy | A::Archive) => Some(S::Deactivated),
        (S::Compromised, A::ScheduleDestroy | A::Archive) => Some(S::Compromised),
        _ => None,
    }
}

#[tokio::test]
async fn every_request_against_every_reachable_state() {
    let server = Server::dev();
    let c = server.client();
    let states = [
        KeyState::PreActive,
        KeyState::Active,
        KeyState::Suspended,
        KeyState::Deactivated,
        KeyState::Compromised,
    ];
    let (mut legal, mut illegal) = (0, 0);
    for state in states {
        for a in ACTS {
            let name = format!("{state}-{a:?}").to_lowercase();
            let k = key_in(&c, &name, state).await;
            let before = snapshot(&c, &k).await;
            let result = act(&c, &k, a).await;
            match expected(state, a) {
                Some(to) => {
                    let info = result.unwrap_or_else(|e| panic!("{name}: {e}"));
                    assert_eq!(info.state, to, "{name}");
                    assert_eq!(info, c.key(&k).await.unwrap(), "{name}");
                    assert!(info.updated_at >= before.0.updated_at, "{name}");
                    assert_eq!(info.archived, a == Act::Archive, "{name}");
                    assert_eq!(
                        info.destroy_scheduled_at.is_some(),
                        a == Act::ScheduleDestroy,
                        "{name}"
                    );
                    let rotated = if a == Act::Rotate { 2 } else { 1 };
                    assert_eq!(info.primary_version, v(rotated), "{name}");
                    legal += 1;
                }
                None => {
                    let message =
                        refused(&c, &k, &before, result, ErrorCode::IllegalStateTransition).await;
                    assert!(
                        message.contains(&format!("is {state}")),
                        "{name}: {message:?} does not name the state"
                    );
                    illegal += 1;
                }
            }
        }
    }
    assert_eq!((legal, illegal), (18, 27));
}

#[tokio::test]
async fn rotation_keeps_old_ciphertexts_readable() {
    let server = Server::dev();
    let c = server.client();
    let mut req = create("orders", Algorithm::Aes256Gcm);
    req.rotation_period_secs = Some(30 * DAY as u64);
    let created = c.create_key(&req).await.unwrap();
    assert_eq!(
        created.next_rotation_at,
        Some(created.created_at.plus_seconds(30 * DAY))
    );
    let k = key("orders");
    let old = encrypt(&c, &k, b"before rotation").await.unwrap();

    let rotated = c.rotate_key(&k).await.unwrap();
    assert_eq!(rotated.primary_version, v(2));
    assert_eq!(rotated.state, KeyState::Active);
    assert!(rotated.updated_at > created.updated_at);
    assert_eq!(
        rotated.next_rotation_at,
        Some(rotated.updated_at.plus_seconds(30 * DAY))
    );
    assert_eq!(rotated.activation_date, Some(rotated.updated_at));

    let versions = c.key_versions(&k).await.unwrap();
    assert_eq!(versions.key_id, created.id);
    assert_eq!(versions.primary_version, v(2));
    let [one, two] = &versions.versions[..] else {
        panic!("{versions:?}")
    };
    assert_eq!(
        (one.version, one.state, one.primary),
        (v(1), KeyState::Deactivated, false)
    );
    assert_eq!(one.deactivation_date, Some(rotated.updated_at));
    assert_eq!(
        (two.version, two.state, two.primary),
        (v(2), KeyState::Active, true)
    );
    assert_ne!(one.id, two.id);

    let new = encrypt(&c, &k, b"after rotation").await.unwrap();
    let resp = c
        .decrypt(
            &k,
            &DecryptRequest {
                ciphertext: Base64(new.clone()),
                context: BTreeMap::new(),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (resp.version, resp.plaintext.0.as_slice()),
        (v(2), &b"after rotation"[..])
    );
    assert_eq!(decrypt(&c, &k, &old).await.unwrap(), b"before rotation");

    // Asymmetric keys get new key pairs.
    c.create_key(&create("signer", Algorithm::Ed25519))
        .await
        .unwrap();
    let s = key("signer");
    let q = |n| PublicKeyQuery {
        format: Some(PublicKeyEncoding::Der),
        version: Some(v(n)),
    };
    let first = c.public_key(&s, &q(1)).await.unwrap();
    c.rotate_key(&s).await.unwrap();
    let again = c.public_key(&s, &q(1)).await.unwrap();
    assert_eq!(again.public_key, first.public_key);
    assert_eq!(
        (first.state, again.state),
        (KeyState::Active, KeyState::Deactivated)
    );
    let second = c.public_key(&s, &q(2)).await.unwrap();
    assert_ne!(second.public_key, first.public_key);
    assert_eq!(second.state, KeyState::Active);
}

#[tokio::test]
async fn revoking_for_a_compromise_reaches_every_version() {
    let server = Server::dev();
    let c = server.client();
    c.create_key(&create("leaky", Algorithm::Aes256Gcm))
        .await
        .unwrap();
    let k = key("leaky");
    let ct = encrypt(&c, &k, b"v1 data").await.unwrap();
    c.rotate_key(&k).await.unwrap();
    c.rotate_key(&k).await.unwrap();

    // One version first, dated in the past.
    let t0 = Timestamp::parse_rfc3339("2025-01-02T03:04:05Z").unwrap();
    let one = RevokeRequest {
        compromise_date: Some(t0),
        version: Some(v(1)),
        message: Some("laptop stolen".into()),
        ..RevokeRequest::new(RevocationReason::KeyCompromise)
    };
    let info = c.revoke_key(&k, &one).await.unwrap();
    assert_eq!(info.state, KeyState::Active);
    let states =
        |vs: &KeyVersions| -> Vec<KeyState> { vs.versions.iter().map(|v| v.state).collect() };
    let vs = c.key_versions(&k).await.unwrap();
    use KeyState::{Active, Compromised, Deactivated};
    assert_eq!(states(&vs), [Compromised, Deactivated, Active]);
    assert_eq!(vs.versions[0].compromise_date, Some(t0));
    assert_eq!(
        vs.versions[0].revocation_reason,
        Some(RevocationReason::KeyCompromise)
    );
    assert_eq!(code(decrypt(&c, &k, &ct).await), ErrorCode::KeyNotActive);

    // Then the whole key: every version not yet compromised, one date.
    let t1 = Timestamp::parse_rfc3339("2025-06-01T00:00:00Z").unwrap();
    let all = RevokeRequest {
        compromise_date: Some(t1),
        ..RevokeRequest::new(RevocationReason::CaCompromise)
    };
    let info = c.revoke_key(&k, &all).await.unwrap();
    assert_eq!(info.state, Compromised);
    let vs = c.key_versions(&k).await.unwrap();
    assert_eq!(states(&vs), [Compromised, Compromised, Compromised]);
    let dates: Vec<_> = vs.versions.iter().map(|v| v.compromise_date).collect();
    assert_eq!(dates, [Some(t0), Some(t1), Some(t1)]);
    assert_eq!(
        vs.versions[2].revocation_reason,
        Some(RevocationReason::CaCompromise)
    );
    assert_eq!(code(encrypt(&c, &k, b"x").await), ErrorCode::KeyNotActive);
    // Compromised again: refused, nothing changes.
    let before = snapshot(&c, &k).await;
    refused(
        &c,
        &k,
        &before,
        c.revoke_key(&k, &all).await,
        ErrorCode::IllegalStateTransition,
    )
    .await;

    // Another reason deactivates the primary only.
    c.create_key(&create("retired", Algorithm::Aes256Gcm))
        .await
        .unwrap();
    let r = key("retired");
    c.rotate_key(&r).await.unwrap();
    let info = c
        .revoke_key(
            &r,
            &RevokeRequest::new(RevocationReason::CessationOfOperation),
        )
        .await
        .unwrap();
    assert_eq!(info.state, Deactivated);
    let vs = c.key_versions(&r).await.unwrap();
    assert_eq!(states(&vs), [Deactivated, Deactivated]);
    assert_eq!(vs.versions[0].revocation_reason, None);
    assert_eq!(
        vs.versions[1].revocation_reason,
        Some(RevocationReason::CessationOfOperation)
    );
}

#[tokio::test]
async fn bad_revocations_change_nothing() {
    let server = Server::dev();
    let c = server.client();
    c.create_key(&create("k", Algorithm::Aes256Gcm))
        .await
        .unwrap();
    let k = key("k");
    let before = snapshot(&c, &k).await;
    let future = RevokeRequest {
        compromise_date: Some(now().plus_seconds(3600)),
        ..RevokeRequest::new(RevocationReason::KeyCompromise)
    };
    let msg = refused(
        &c,
        &k,
        &before,
        c.revoke_key(&k, &future).await,
        ErrorCode::InvalidRequest,
    )
    .await;
    assert!(msg.contains("future"), "{msg}");
    let dated_other = RevokeRequest {
        compromise_date: Some(now()),
        ..RevokeRequest::new(RevocationReason::Superseded)
    };
    refused(
        &c,
        &k,
        &before,
        c.revoke_key(&k, &dated_other).await,
        ErrorCode::InvalidRequest,
    )
    .await;
    let long = RevokeRequest {
        message: Some("m".repeat(1025)),
        ..RevokeRequest::new(RevocationReason::Superseded)
    };
    refused(
        &c,
        &k,
        &before,
        c.revoke_key(&k, &long).await,
        ErrorCode::InvalidRequest,
    )
    .await;
    let missing = RevokeRequest {
        version: Some(v(9)),
        ..RevokeRequest::new(RevocationReason::KeyCompromise)
    };
    refused(
        &c,
        &k,
        &before,
        c.revoke_key(&k, &missing).await,
        ErrorCode::VersionNotFound,
    )
    .await;
    for (body, want) in [
        (r#"{"reason":"compromised"}"#, ErrorCode::InvalidRequest),
        (
            r#"{"reason":"key-compromise","force":true}"#,
            ErrorCode::InvalidRequest,
        ),
        (r#"{"reson":"key-compromise"}"#, ErrorCode::InvalidRequest),
        (r#"{}"#, ErrorCode::InvalidRequest),
        (
            r#"{"reason":"superseded","version":0}"#,
            ErrorCode::InvalidRequest,
        ),
        (
            r#"{"reason":"key-compromise","compromise_date":"last tuesday"}"#,
            ErrorCode::InvalidRequest,
        ),
    ] {
        let r = c
            .raw(Method::POST, "/v1/keys/k/revoke", Some(body.into()))
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), want.http_status(), "{body}");
        let e: keyhold_api::ErrorBody = r.json().await.unwrap();
        assert_eq!(e.error.code, want, "{body}");
    }
    let r = c
        .raw(Method::POST, "/v1/keys/k/revoke", None)
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 415);
    assert_eq!(snapshot(&c, &k).await, before);
}

#[tokio::test]
async fn destruction_is_scheduled_and_cancelled() {
    let server = Server::dev();
    let c = server.client();
    c.create_key(&create("old", Algorithm::Aes256Gcm))
        .await
        .unwrap();
    let k = key("old");
    let ct = encrypt(&c, &k, b"keep me").await.unwrap();
    let sd = |days: Option<u32>| ScheduleDestroyRequest {
        waiting_period_days: days,
    };
    // An active key cannot be destroyed.
    let before = snapshot(&c, &k).await;
    let msg = refused(
        &c,
        &k,
        &before,
        c.schedule_key_destroy(&k, &sd(None)).await,
        ErrorCode::IllegalStateTransition,
    )
    .await;
    assert!(msg.contains("active"), "{msg}");
    c.deactivate_key(&k).await.unwrap();
    let before = snapshot(&c, &k).await;
    for days in [0, 1, 6, 3651, u32::MAX] {
        let msg = refused(
            &c,
            &k,
            &before,
            c.schedule_key_destroy(&k, &sd(Some(days))).await,
            ErrorCode::InvalidWaitingPeriod,
        )
        .await;
        assert!(msg.contains("7 to 3650"), "{msg}");
    }
    // The default is 30 days.
    let info = c.schedule_key_destroy(&k, &sd(None)).await.unwrap();
    assert_eq!(
        info.destroy_scheduled_at,
        Some(info.updated_at.plus_seconds(30 * DAY))
    );
    let before = snapshot(&c, &k).await;
    refused(
        &c,
        &k,
        &before,
        c.schedule_key_destroy(&k, &sd(Some(8))).await,
        ErrorCode::DestroyScheduled,
    )
    .await;
    // Until destroyed, old data still decrypts; nothing new is encrypted.
    assert_eq!(decrypt(&c, &k, &ct).await.unwrap(), b"keep me");
    assert_eq!(code(encrypt(&c, &k, b"x").await), ErrorCode::KeyNotActive);

    let info = c.cancel_key_destroy(&k).await.unwrap();
    assert_eq!(info.destroy_scheduled_at, None);
    let before = snapshot(&c, &k).await;
    refused(
        &c,
        &k,
        &before,
        c.cancel_key_destroy(&k).await,
        ErrorCode::DestroyNotScheduled,
    )
    .await;
    let info = c.schedule_key_destroy(&k, &sd(Some(7))).await.unwrap();
    assert_eq!(
        info.destroy_scheduled_at,
        Some(info.updated_at.plus_seconds(7 * DAY))
    );

    // A pre-active key scheduled for destruction cannot be activated.
    let mut pre = create("never-used", Algorithm::Aes256Gcm);
    pre.initial_state = Some(InitialState::PreActive);
    c.create_key(&pre).await.unwrap();
    let p = key("never-used");
    c.schedule_key_destroy(&p, &sd(Some(10))).await.unwrap();
    let before = snapshot(&c, &p).await;
    refused(
        &c,
        &p,
        &before,
        c.activate_key(&p).await,
        ErrorCode::DestroyScheduled,
    )
    .await;

    // A rotated key's active primary blocks it, whatever the old versions.
    c.create_key(&create("rotated", Algorithm::Aes256Gcm))
        .await
        .unwrap();
    let r = key("rotated");
    c.rotate_key(&r).await.unwrap();
    let before = snapshot(&c, &r).await;
    refused(
        &c,
        &r,
        &before,
        c.schedule_key_destroy(&r, &sd(None)).await,
        ErrorCode::IllegalStateTransition,
    )
    .await;

    // The body is optional, and strict when given.
    c.create_key(&create("bodyless", Algorithm::Aes256Gcm))
        .await
        .unwrap();
    let b = key("bodyless");
    c.deactivate_key(&b).await.unwrap();
    let before = snapshot(&c, &b).await;
    let typo = r#"{"waiting_period":10}"#;
    let resp = c
        .raw(
            Method::POST,
            "/v1/keys/bodyless/schedule-destroy",
            Some(typo.into()),
        )
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    assert_eq!(snapshot(&c, &b).await, before);
    let resp = c
        .raw(Method::POST, "/v1/keys/bodyless/schedule-destroy", None)
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let info: KeyInfo = resp.json().await.unwrap();
    assert_eq!(
        info.destroy_scheduled_at,
        Some(info.updated_at.plus_seconds(30 * DAY))
    );
}

#[tokio::test]
async fn the_destruction_minimum_is_configurable() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::production_with(
        dir.path(),
        "plain_http_on_loopback = true\nmin_destroy_waiting_days = 40\n",
    );
    let init = server
        .client()
        .init(&keyhold_api::sys::InitRequest {
            shares: 1,
            threshold: 1,
        })
        .await
        .unwrap();
    let c = server.client_with(Some(&init.root_token));
    c.create_key(&create("k", Algorithm::Aes256Gcm))
        .await
        .unwrap();
    let k = key("k");
    c.deactivate_key(&k).await.unwrap();
    let before = snapshot(&c, &k).await;
    let thirty = ScheduleDestroyRequest {
        waiting_period_days: Some(30),
    };
    let msg = refused(
        &c,
        &k,
        &before,
        c.schedule_key_destroy(&k, &thirty).await,
        ErrorCode::InvalidWaitingPeriod,
    )
    .await;
    assert!(msg.contains("40 to 3650"), "{msg}");
    // The default rises to the minimum.
    let info = c
        .schedule_key_destroy(&k, &ScheduleDestroyRequest::default())
        .await
        .unwrap();
    assert_eq!(
        info.destroy_scheduled_at,
        Some(info.updated_at.plus_seconds(40 * DAY))
    );
}

#[tokio::test]
async fn archived_keys_refuse_every_use_until_recovered() {
    let server = Server::dev();
    let c = server.client();
    c.create_key(&create("cold", Algorithm::Aes256Gcm))
        .await
        .unwrap();
    let k = key("cold");
    let ct = encrypt(&c, &k, b"archived data").await.unwrap();
    c.rotate_key(&k).await.unwrap();
    let before = snapshot(&c, &k).await;
    refused(
        &c,
        &k,
        &before,
        c.archive_key(&k).await,
        ErrorCode::IllegalStateTransition,
    )
    .await;
    c.deactivate_key(&k).await.unwrap();

    let info = c.archive_key(&k).await.unwrap();
    assert!(info.archived);
    let vs = c.key_versions(&k).await.unwrap();
    assert!(vs.versions.iter().all(|v| v.archived), "{vs:?}");
    let msg = refusal(decrypt(&c, &k, &ct).await);
    assert_eq!(msg.0, ErrorCode::KeyNotActive);
    assert!(msg.1.contains("archived"), "{}", msg.1);
    assert_eq!(code(encrypt(&c, &k, b"x").await), ErrorCode::KeyNotActive);
    let before = snapshot(&c, &k).await;
    refused(
        &c,
        &k,
        &before,
        c.archive_key(&k).await,
        ErrorCode::KeyArchived,
    )
    .await;
    // A compromise is still recorded on an archived key.
    c.revoke_key(&k, &RevokeRequest::new(RevocationReason::KeyCompromise))
        .await
        .unwrap();

    let info = c.recover_key(&k).await.unwrap();
    assert!(!info.archived);
    assert_eq!(info.state, KeyState::Compromised);
    let before = snapshot(&c, &k).await;
    refused(
        &c,
        &k,
        &before,
        c.recover_key(&k).await,
        ErrorCode::KeyNotArchived,
    )
    .await;

    // Recovered and deactivated: decrypts again.
    c.create_key(&create("warm", Algorithm::Aes256Gcm))
        .await
        .unwrap();
    let w = key("warm");
    let ct = encrypt(&c, &w, b"back in service").await.unwrap();
    c.deactivate_key(&w).await.unwrap();
    c.archive_key(&w).await.unwrap();
    assert_eq!(code(decrypt(&c, &w, &ct).await), ErrorCode::KeyNotActive);
    c.recover_key(&w).await.unwrap();
    assert_eq!(decrypt(&c, &w, &ct).await.unwrap(), b"back in service");

    // An archived pre-active key cannot be activated.
    let mut pre = create("shelved", Algorithm::Aes256Gcm);
    pre.initial_state = Some(InitialState::PreActive);
    c.create_key(&pre).await.unwrap();
    let p = key("shelved");
    c.archive_key(&p).await.unwrap();
    let before = snapshot(&c, &p).await;
    refused(
        &c,
        &p,
        &before,
        c.activate_key(&p).await,
        ErrorCode::KeyArchived,
    )
    .await;
}

#[tokio::test]
async fn metadata_updates() {
    let server = Server::dev();
    let c = server.client();
    let mut req = create("meta", Algorithm::HmacSha256);
    req.tags = BTreeMap::from([("team".into(), "pay".into())]);
    let created = c.create_key(&req).await.unwrap();
    let k = key("meta");
    let upd = UpdateKeyRequest {
        description: Some("payments MAC".into()),
        tags: Some(BTreeMap::from([("env".into(), "prod".into())])),
        rotation_period_secs: Patch::Set(7 * DAY as u64),
        ..Default::default()
    };
    let info = c.update_key(&k, &upd).await.unwrap();
    assert_eq!(info.description, "payments MAC");
    assert_eq!(info.tags, BTreeMap::from([("env".into(), "prod".into())]));
    assert_eq!(info.rotation_period_secs, Some(7 * DAY as u64));
    assert_eq!(
        info.next_rotation_at,
        Some(info.updated_at.plus_seconds(7 * DAY))
    );
    assert!(info.updated_at > created.updated_at);
    assert_eq!(
        (info.name.clone(), info.algorithm, info.usage),
        (created.name.clone(), created.algorithm, created.usage)
    );
    // Only what is named changes.
    let only_desc = UpdateKeyRequest {
        description: Some(String::new()),
        ..Default::default()
    };
    let info2 = c.update_key(&k, &only_desc).await.unwrap();
    assert_eq!(info2.tags, info.tags);
    assert_eq!(info2.next_rotation_at, info.next_rotation_at);
    // null clears the rotation period and the next rotation.
    let clear = UpdateKeyRequest {
        rotation_period_secs: Patch::Clear,
        tags: Some(BTreeMap::new()),
        ..Default::default()
    };
    let info3 = c.update_key(&k, &clear).await.unwrap();
    assert_eq!(
        (info3.rotation_period_secs, info3.next_rotation_at),
        (None, None)
    );
    assert!(info3.tags.is_empty());

    let before = snapshot(&c, &k).await;
    for body in [
        r#"{}"#,
        r#"{"name":"renamed"}"#,
        r#"{"algorithm":"hmac-sha512"}"#,
        r#"{"usage":["mac-generate"]}"#,
        r#"{"exportable":true}"#,
        r#"{"descripton":"typo"}"#,
        r#"{"rotation_period_secs":60}"#,
        r#"{"rotation_period_secs":"1d"}"#,
        r#"{"tags":{"a:b":"c"}}"#,
        r#"{"tags":{"":"c"}}"#,
        r#"{"tags":"team=pay"}"#,
        "not json",
    ] {
        let r = c
            .raw(Method::PATCH, "/v1/keys/meta", Some(body.into()))
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 400, "{body}");
        let e: keyhold_api::ErrorBody = r.json().await.unwrap();
        assert_eq!(e.error.code, ErrorCode::InvalidRequest, "{body}");
    }
    let long = UpdateKeyRequest {
        description: Some("d".repeat(4097)),
        ..Default::default()
    };
    refused(
        &c,
        &k,
        &before,
        c.update_key(&k, &long).await,
        ErrorCode::InvalidRequest,
    )
    .await;
    assert_eq!(snapshot(&c, &k).await, before);
    assert_eq!(
        code(c.update_key(&key("nope"), &only_desc).await),
        ErrorCode::KeyNotFound
    );
}

#[tokio::test]
async fn creation_dates_and_initial_states() {
    let server = Server::dev();
    let c = server.client();
    let soon = now().plus_seconds(DAY);
    let mut later = create("later", Algorithm::Aes256Gcm);
    later.activation_date = Some(soon);
    later.deactivation_date = Some(soon.plus_seconds(365 * DAY));
    later.rotation_period_secs = Some(90 * DAY as u64);
    let info = c.create_key(&later).await.unwrap();
    assert_eq!(info.state, KeyState::PreActive);
    assert_eq!(info.activation_date, Some(soon));
    assert_eq!(info.deactivation_date, later.deactivation_date);
    assert_eq!(info.rotation_period_secs, Some(90 * DAY as u64));
    assert_eq!(info.next_rotation_at, None);
    let k = key("later");
    assert_eq!(code(encrypt(&c, &k, b"x").await), ErrorCode::KeyNotActive);
    let active = c.activate_key(&k).await.unwrap();
    assert_eq!(active.state, KeyState::Active);
    assert_eq!(active.activation_date, Some(active.updated_at));
    assert_eq!(
        active.next_rotation_at,
        Some(active.updated_at.plus_seconds(90 * DAY))
    );
    let ct = encrypt(&c, &k, b"now usable").await.unwrap();
    assert_eq!(decrypt(&c, &k, &ct).await.unwrap(), b"now usable");

    let mut manual = create("manual", Algorithm::Ed25519);
    manual.initial_state = Some(InitialState::PreActive);
    let info = c.create_key(&manual).await.unwrap();
    assert_eq!(
        (info.state, info.activation_date),
        (KeyState::PreActive, None)
    );

    let past = now().plus_seconds(-DAY);
    let mut backdated = create("backdated", Algorithm::Aes256Gcm);
    backdated.activation_date = Some(past);
    let info = c.create_key(&backdated).await.unwrap();
    assert_eq!(
        (info.state, info.activation_date),
        (KeyState::Active, Some(past))
    );

    let plain = c
        .create_key(&create("plain", Algorithm::Aes256Gcm))
        .await
        .unwrap();
    assert_eq!(plain.activation_date, Some(plain.created_at));
    assert_eq!(
        (plain.deactivation_date, plain.next_rotation_at),
        (None, None)
    );

    let names = |c: &Client| {
        let c = c.clone();
        async move {
            let page = c.list_keys(&ListKeysQuery::default()).await.unwrap();
            page.keys
                .iter()
                .map(|k| k.name.to_string())
                .collect::<Vec<_>>()
        }
    };
    let kept = names(&c).await;
    let bad = |f: fn(&mut CreateKeyRequest)| {
        let mut r = create("bad", Algorithm::Aes256Gcm);
        f(&mut r);
        r
    };
    let cases: [CreateKeyRequest; 7] = [
        bad(|r| {
            r.activation_date = Some(now().plus_seconds(2 * DAY));
            r.deactivation_date = Some(now().plus_seconds(DAY));
        }),
        bad(|r| r.deactivation_date = Some(now().plus_seconds(-60))),
        bad(|r| {
            r.initial_state = Some(InitialState::Active);
            r.activation_date = Some(now().plus_seconds(DAY));
        }),
        bad(|r| {
            r.initial_state = Some(InitialState::PreActive);
            r.activation_date = Some(now().plus_seconds(-DAY));
        }),
        bad(|r| r.rotation_period_secs = Some(60)),
        bad(|r| r.rotation_period_secs = Some(u64::MAX)),
        bad(|r| {
            r.tags = BTreeMap::from([("a:b".into(), "c".into())]);
        }),
    ];
    for req in cases {
        assert_eq!(
            code(c.create_key(&req).await),
            ErrorCode::InvalidRequest,
            "{req:?}"
        );
    }
    for body in [
        r#"{"name":"bad","initial_state":"preactive"}"#,
        r#"{"name":"bad","activation_date":"tomorrow"}"#,
        r#"{"name":"bad","rotation_period_secs":-5}"#,
    ] {
        let r = c
            .raw(Method::POST, "/v1/keys", Some(body.into()))
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 400, "{body}");
    }
    assert_eq!(names(&c).await, kept);
}

#[tokio::test]
async fn list_filters_by_state_and_tag() {
    let server = Server::dev();
    let c = server.client();
    for (name, team, env) in [
        ("a", "pay", "prod"),
        ("b", "pay", "dev"),
        ("c", "ops", "prod"),
        ("d", "pay:ments", "prod"),
    ] {
        let mut r = create(name, Algorithm::Aes256Gcm);
        r.tags = BTreeMap::from([("team".into(), team.into()), ("env".into(), env.into())]);
        c.create_key(&r).await.unwrap();
    }
    c.suspend_key(&key("b")).await.unwrap();
    c.deactivate_key(&key("c")).await.unwrap();
    let list = |q: ListKeysQuery| {
        let c = c.clone();
        async move {
            let page = c.list_keys(&q).await.unwrap();
            page.keys
                .iter()
                .map(|k| k.name.to_string())
                .collect::<Vec<_>>()
        }
    };
    let tag = |s: &str| Some(s.parse::<TagFilter>().unwrap());
    let by_state = |s| ListKeysQuery {
        state: Some(s),
        ..Default::default()
    };
    assert_eq!(list(by_state(KeyState::Active)).await, ["a", "d"]);
    assert_eq!(list(by_state(KeyState::Suspended)).await, ["b"]);
    assert_eq!(list(by_state(KeyState::Deactivated)).await, ["c"]);
    assert!(list(by_state(KeyState::Compromised)).await.is_empty());
    let by_tag = |t: &str| ListKeysQuery {
        tag: tag(t),
        ..Default::default()
    };
    assert_eq!(list(by_tag("team:pay")).await, ["a", "b"]);
    assert_eq!(list(by_tag("team:pay:ments")).await, ["d"]);
    assert_eq!(list(by_tag("env:prod")).await, ["a", "c", "d"]);
    assert!(list(by_tag("team:pa")).await.is_empty());
    assert!(list(by_tag("Team:pay")).await.is_empty());
    let both = ListKeysQuery {
        state: Some(KeyState::Active),
        ..by_tag("team:pay")
    };
    assert_eq!(list(both).await, ["a"]);
    let paged = ListKeysQuery {
        limit: Some(1),
        ..by_tag("env:prod")
    };
    let first = c.list_keys(&paged).await.unwrap();
    assert_eq!(first.next_cursor.as_deref(), Some("a"));
    let next = ListKeysQuery {
        cursor: first.next_cursor,
        ..paged
    };
    assert_eq!(list(next).await, ["c"]);
    // Tags follow updates.
    let retag = UpdateKeyRequest {
        tags: Some(BTreeMap::from([("team".into(), "ops".into())])),
        ..Default::default()
    };
    c.update_key(&key("a"), &retag).await.unwrap();
    assert_eq!(list(by_tag("team:pay")).await, ["b"]);
    assert_eq!(list(by_tag("team:ops")).await, ["a", "c"]);
    for bad in [
        "/v1/keys?tag=team",
        "/v1/keys?tag=:pay",
        "/v1/keys?state=gone",
    ] {
        let r = c.raw(Method::GET, bad, None).await.unwrap();
        assert_eq!(r.status().as_u16(), 400, "{bad}");
    }
    let r = c
        .raw(Method::GET, "/v1/keys?tag=team%3Apay", None)
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
}

#[tokio::test]
async fn public_keys_in_pem_der_and_raw() {
    let server = Server::dev();
    let c = server.client();
    let q = |format| PublicKeyQuery {
        format: Some(format),
        version: None,
    };
    for alg in [
        Algorithm::Ed25519,
        Algorithm::EcdsaP256,
        Algorithm::EcdsaP384,
        Algorithm::Rsa2048,
        Algorithm::MlDsa65,
    ] {
        let k = key(alg.as_str());
        c.create_key(&create(alg.as_str(), alg)).await.unwrap();
        let der = c.public_key(&k, &q(PublicKeyEncoding::Der)).await.unwrap();
        assert_eq!(
            (der.format, der.algorithm, der.version),
            (PublicKeyFormat::Der, alg, v(1))
        );
        let der_bytes = STANDARD.decode(&der.public_key).unwrap();
        assert_eq!(der_bytes.first(), Some(&0x30), "{alg}: not a DER SEQUENCE");
        let pem = c.public_key(&k, &q(PublicKeyEncoding::Pem)).await.unwrap();
        assert_eq!(pem.format, PublicKeyFormat::Pem);
        let text = pem.public_key;
        assert!(text.starts_with("-----BEGIN PUBLIC KEY-----\n"), "{text}");
        assert!(text.ends_with("-----END PUBLIC KEY-----\n"), "{text}");
        let body: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
        assert!(text.lines().all(|l| l.len() <= 64));
        assert_eq!(STANDARD.decode(body).unwrap(), der_bytes, "{alg}");
        // PEM is the default.
        let default = c.public_key(&k, &PublicKeyQuery::default()).await.unwrap();
        assert_eq!(default.format, PublicKeyFormat::Pem);
    }
    c.create_key(&create("kem", Algorithm::MlKem768))
        .await
        .unwrap();
    for format in [PublicKeyEncoding::Pem, PublicKeyEncoding::Der] {
        let raw = c.public_key(&key("kem"), &q(format)).await.unwrap();
        assert_eq!(raw.format, PublicKeyFormat::Raw);
        assert_eq!(STANDARD.decode(&raw.public_key).unwrap().len(), 1184);
    }
    c.create_key(&create("sym", Algorithm::Aes256Gcm))
        .await
        .unwrap();
    assert_eq!(
        code(c.public_key(&key("sym"), &PublicKeyQuery::default()).await),
        ErrorCode::NoPublicKey
    );
    let missing = PublicKeyQuery {
        format: None,
        version: Some(v(2)),
    };
    assert_eq!(
        code(c.public_key(&key("ed25519"), &missing).await),
        ErrorCode::VersionNotFound
    );
    for bad in [
        "/v1/keys/ed25519/public-key?format=xml",
        "/v1/keys/ed25519/public-key?format=raw",
        "/v1/keys/ed25519/public-key?version=0",
        "/v1/keys/ed25519/public-key?fromat=pem",
    ] {
        let r = c.raw(Method::GET, bad, None).await.unwrap();
        assert_eq!(r.status().as_u16(), 400, "{bad}");
    }
}

#[tokio::test]
async fn every_endpoint_refuses_bad_bodies_unknown_keys_and_missing_tokens() {
    let server = Server::dev();
    let c = server.client();
    c.create_key(&create("k", Algorithm::Aes256Gcm))
        .await
        .unwrap();
    let k = key("k");
    let before = snapshot(&c, &k).await;
    let bodiless = [
        "rotate",
        "activate",
        "deactivate",
        "suspend",
        "resume",
        "cancel-destroy",
        "archive",
        "recover",
        "schedule-destroy",
    ];
    for verb in bodiless {
        let path = format!("/v1/keys/k/{verb}");
        let r = c
            .raw(Method::POST, &path, Some(br#"{"force":true}"#.to_vec()))
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 400, "{verb}");
        let http = reqwest::Client::new();
        let r = http
            .post(format!("{}{path}", server.url))
            .bearer_auth(server.token.as_deref().unwrap())
            .header("content-type", "text/plain")
            .body("please")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 415, "{verb}");
        let anon = reqwest::Client::new();
        let r = anon
            .post(format!("{}{path}", server.url))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 401, "{verb}");
        let r = c
            .raw(Method::POST, &format!("/v1/keys/nope/{verb}"), None)
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 404, "{verb}");
        let r = c
            .raw(Method::POST, &format!("/v1/keys/bad%20name/{verb}"), None)
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 400, "{verb}");
        let r = c.raw(Method::GET, &path, None).await.unwrap();
        assert_eq!(r.status().as_u16(), 405, "{verb}");
    }
    assert_eq!(snapshot(&c, &k).await, before);
    // `{}` is an empty body.
    let r = c
        .raw(Method::POST, "/v1/keys/k/suspend", Some(b"{}".to_vec()))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(c.key(&k).await.unwrap().state, KeyState::Suspended);
    for (method, path) in [
        (Method::GET, "/v1/keys/nope/versions"),
        (Method::GET, "/v1/keys/nope/public-key"),
        (Method::POST, "/v1/keys/nope/revoke"),
        (Method::PATCH, "/v1/keys/nope"),
    ] {
        let body = match method {
            Method::POST => Some(br#"{"reason":"superseded"}"#.to_vec()),
            Method::PATCH => Some(br#"{"description":"x"}"#.to_vec()),
            _ => None,
        };
        let r = c.raw(method, path, body).await.unwrap();
        assert_eq!(r.status().as_u16(), 404, "{path}");
    }
    // By id works as by name.
    let by_id = KeyRef::Id(before.0.id);
    assert_eq!(c.key_versions(&by_id).await.unwrap().name.as_str(), "k");
    assert_eq!(c.resume_key(&by_id).await.unwrap().state, KeyState::Active);
}
