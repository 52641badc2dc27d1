//! The key cache through the operations service: once a key is warm, every
//! change to it (by a client, by the scheduler) shows on the very next
//! request, and sealing the server drops every cached key.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use common::{DAY, World, code_of};
use keyhold_api::ErrorCode;
use keyhold_api::b64::{Base64, SecretBase64};
use keyhold_api::keys::{CreateKeyRequest, DecryptRequest, EncryptRequest, EncryptResponse};
use keyhold_api::lifecycle::{RevokeRequest, ScheduleDestroyRequest};
use keyhold_core::audit::Interface;
use keyhold_core::ports::Clock;
use keyhold_core::{Action, Algorithm, KeyRef, RequestId, RevocationReason, VersionNumber};
use keyhold_server::clock::SystemClock;
use keyhold_server::error::ServerError;
use keyhold_server::ops::{Credentials, KeyCacheSettings, Operations, Proof};
use keyhold_server::vault::Vault;
use keyhold_store::Store;
use zeroize::Zeroizing;

fn encrypt(w: &World, key: &KeyRef) -> Result<EncryptResponse, ServerError> {
    let req = EncryptRequest {
        plaintext: SecretBase64(b"cached".to_vec()),
        context: BTreeMap::new(),
    };
    w.root(Action::KeyEncrypt, |ops, c| ops.encrypt(c, key, req))
}

fn decrypt(w: &World, key: &KeyRef, ciphertext: &[u8]) -> Result<Vec<u8>, ServerError> {
    let req = DecryptRequest {
        ciphertext: Base64(ciphertext.to_vec()),
        context: BTreeMap::new(),
    };
    w.root(Action::KeyDecrypt, |ops, c| ops.decrypt(c, key, req))
        .map(|r| r.plaintext.0.clone())
}

/// A new AES key, by id and by name, warmed by an encryption (whose
/// ciphertext it answers) and a decryption.
fn warm(w: &World, name: &str) -> (KeyRef, KeyRef, Vec<u8>) {
    let info = w.create(CreateKeyRequest::new(
        name.parse().unwrap(),
        Algorithm::Aes256Gcm,
    ));
    let (id, by_name) = (KeyRef::Id(info.id), KeyRef::Name(info.name.clone()));
    let ciphertext = encrypt(w, &by_name).unwrap().ciphertext.0;
    assert_eq!(decrypt(w, &id, &ciphertext).unwrap(), b"cached");
    encrypt(w, &id).unwrap();
    (id, by_name, ciphertext)
}

#[test]
fn a_warm_key_is_cached() {
    let w = World::new();
    let before = w.ops.cached_keys();
    warm(&w, "warm");
    assert_eq!(w.ops.cached_keys(), before + 1);
}

#[test]
fn deactivation_stops_encryption_on_the_next_request() {
    let w = World::new();
    let (id, name, ciphertext) = warm(&w, "deactivated");
    w.root(Action::KeyDeactivate, |o, c| o.deactivate_key(c, &id))
        .unwrap();
    assert_eq!(code_of(encrypt(&w, &name)), ErrorCode::KeyNotActive);
    assert_eq!(code_of(encrypt(&w, &id)), ErrorCode::KeyNotActive);
    assert_eq!(decrypt(&w, &name, &ciphertext).unwrap(), b"cached");
}

#[test]
fn suspension_and_resumption_show_on_the_next_request() {
    let w = World::new();
    let (id, name, ciphertext) = warm(&w, "suspended");
    w.root(Action::KeySuspend, |o, c| o.suspend_key(c, &name))
        .unwrap();
    assert!(encrypt(&w, &id).is_err());
    assert!(decrypt(&w, &id, &ciphertext).is_err());
    w.root(Action::KeyResume, |o, c| o.resume_key(c, &id))
        .unwrap();
    encrypt(&w, &name).unwrap();
}

#[test]
fn a_compromise_revocation_stops_every_use_on_the_next_request() {
    let w = World::new();
    let (id, name, ciphertext) = warm(&w, "revoked");
    let req = RevokeRequest::new(RevocationReason::KeyCompromise);
    w.root(Action::KeyRevoke, |o, c| o.revoke_key(c, &id, req))
        .unwrap();
    assert!(encrypt(&w, &name).is_err());
    assert!(
        decrypt(&w, &name, &ciphertext).is_err(),
        "root may not use compromised keys"
    );
}

#[test]
fn rotation_moves_encryption_to_the_new_version_at_once() {
    let w = World::new();
    let (id, name, ciphertext) = warm(&w, "rotated");
    w.root(Action::KeyRotate, |o, c| o.rotate_key(c, &name))
        .unwrap();
    let two = VersionNumber::new(2).unwrap();
    assert_eq!(encrypt(&w, &id).unwrap().version, two);
    assert_eq!(encrypt(&w, &name).unwrap().version, two);
    assert_eq!(
        decrypt(&w, &id, &ciphertext).unwrap(),
        b"cached",
        "v1 decrypts"
    );
}

#[test]
fn archival_and_destruction_show_on_the_next_request() {
    let w = World::new();
    let (id, name, ciphertext) = warm(&w, "retired");
    w.root(Action::KeyDeactivate, |o, c| o.deactivate_key(c, &id))
        .unwrap();
    decrypt(&w, &name, &ciphertext).unwrap();
    w.root(Action::KeyArchive, |o, c| o.archive_key(c, &id))
        .unwrap();
    assert!(decrypt(&w, &name, &ciphertext).is_err(), "archived");
    w.root(Action::KeyRecover, |o, c| o.recover_key(c, &name))
        .unwrap();
    decrypt(&w, &name, &ciphertext).unwrap();
    let req = ScheduleDestroyRequest {
        waiting_period_days: Some(7),
    };
    w.root(Action::KeyScheduleDestroy, |o, c| {
        o.schedule_key_destroy(c, &id, req)
    })
    .unwrap();
    decrypt(&w, &name, &ciphertext).unwrap();
    w.clock.advance(8 * DAY);
    w.scheduler.tick();
    let code = code_of(decrypt(&w, &name, &ciphertext));
    assert_eq!(code, ErrorCode::KeyDestroyed, "the scheduler's change");
}

#[test]
fn a_rotation_by_the_scheduler_shows_on_the_next_request() {
    let w = World::new();
    let mut req = CreateKeyRequest::new("scheduled".parse().unwrap(), Algorithm::Aes256Gcm);
    req.rotation_period_secs = Some(30 * 86_400);
    let info = w.create(req);
    let id = KeyRef::Id(info.id);
    assert_eq!(encrypt(&w, &id).unwrap().version, VersionNumber::FIRST);
    w.clock.advance(31 * DAY);
    w.scheduler.tick();
    assert_eq!(
        encrypt(&w, &id).unwrap().version,
        VersionNumber::new(2).unwrap()
    );
}

#[test]
fn the_cache_can_be_turned_off() {
    let dir = tempfile::tempdir().unwrap();
    let settings = KeyCacheSettings {
        keys: 0,
        ..Default::default()
    };
    let ops = dev_ops(dir.path()).with_key_cache(settings);
    let token = ops
        .vault()
        .init(3, 2, SystemClock.now())
        .unwrap()
        .root_token;
    let create = CreateKeyRequest::new("uncached".parse().unwrap(), Algorithm::Aes256Gcm);
    let info = ops
        .perform_blocking(root(&token), Action::KeyCreate, |o, c| {
            o.create_key(c, create)
        })
        .unwrap();
    for _ in 0..2 {
        encrypt_with(&ops, &token, &KeyRef::Id(info.id)).unwrap();
    }
    assert_eq!(ops.cached_keys(), 0);
}

fn dev_ops(dir: &std::path::Path) -> Operations {
    let store = Store::open_sqlite(&dir.join("keyhold.db")).unwrap();
    let crypto = keyhold_crypto::software();
    let vault = Arc::new(Vault::load(store.clone(), crypto).unwrap());
    Operations::new(store, crypto, vault, Arc::new(SystemClock))
}

fn encrypt_with(
    ops: &Operations,
    token: &str,
    key: &KeyRef,
) -> Result<EncryptResponse, ServerError> {
    let req = EncryptRequest {
        plaintext: SecretBase64(b"x".to_vec()),
        context: BTreeMap::new(),
    };
    ops.perform_blocking(root(token), Action::KeyEncrypt, |o, c| {
        o.encrypt(c, key, req)
    })
}

fn root(token: &str) -> Credentials {
    Credentials {
        request_id: RequestId::from_uuid(uuid::Uuid::new_v4()),
        interface: Interface::Rest,
        source: None,
        proof: Proof::Bearer(Zeroizing::new(token.to_owned())),
        tenant: None,
        mfa: None,
        approval: None,
    }
}

#[test]
fn sealing_drops_every_cached_key() {
    let dir = tempfile::tempdir().unwrap();
    let ops = dev_ops(dir.path());
    let init = ops.vault().init(3, 2, SystemClock.now()).unwrap();
    let token = init.root_token.clone();
    let key = KeyRef::Name("sealed".parse().unwrap());
    let create = CreateKeyRequest::new("sealed".parse().unwrap(), Algorithm::Aes256Gcm);
    ops.perform_blocking(root(&token), Action::KeyCreate, |o, c| {
        o.create_key(c, create)
    })
    .unwrap();
    let use_key = |ops: &Operations| encrypt_with(ops, &token, &key);
    use_key(&ops).unwrap();
    assert_eq!(ops.cached_keys(), 1);
    ops.perform_blocking(root(&token), Action::SysSeal, |o, c| o.seal(c))
        .unwrap();
    assert_eq!(ops.cached_keys(), 0, "sealing drops every key");
    assert_eq!(code_of(use_key(&ops)), ErrorCode::Sealed);
    for share in init.shares.iter().take(2) {
        ops.vault().unseal(share).unwrap();
    }
    use_key(&ops).unwrap();
    assert_eq!(ops.cached_keys(), 1);
}
