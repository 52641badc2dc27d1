//! The hot path (`Operations::perform_on`): a warm request runs on the
//! thread that awaits it, a cold one (its key not cached, or its
//! authentication needing a store read) and an RSA private-key operation go
//! to the blocking pool; either way the answer and the audit event are the
//! same.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeMap;
use std::thread::{self, ThreadId};

use common::{ROOT_TOKEN, World};
use keyhold_api::b64::{Base64, SecretBase64};
use keyhold_api::crypto::SignRequest;
use keyhold_api::keys::{CreateKeyRequest, DecryptRequest, EncryptRequest};
use keyhold_core::audit::Interface;
use keyhold_core::{Action, Algorithm, KeyRef, RequestId};
use keyhold_server::ops::{Credentials, Proof};
use zeroize::Zeroizing;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn root(tenant: Option<&str>) -> Credentials {
    Credentials {
        request_id: RequestId::from_uuid(uuid::Uuid::new_v4()),
        interface: Interface::Rest,
        source: None,
        proof: Proof::Bearer(Zeroizing::new(ROOT_TOKEN.to_owned())),
        tenant: tenant.map(|t| t.parse().unwrap()),
        mfa: None,
        approval: None,
    }
}

fn plaintext() -> EncryptRequest {
    EncryptRequest {
        plaintext: SecretBase64(b"hot".to_vec()),
        context: BTreeMap::new(),
    }
}

/// Encrypts through `perform_on`; answers the ciphertext and the thread
/// the operation ran on.
fn encrypt_on(w: &World, creds: Credentials, key: KeyRef) -> (Vec<u8>, ThreadId) {
    let ran = w
        .ops
        .perform_on(creds, Action::KeyEncrypt, key, |ops, caller, key| {
            let on = thread::current().id();
            ops.encrypt(caller, key, plaintext())
                .map(|r| (r.ciphertext.0, on))
        });
    runtime().block_on(ran).unwrap()
}

fn audit_head(w: &World) -> u64 {
    w.store
        .write(|tx| Ok::<_, keyhold_store::TxError<()>>(tx.audit_head()?.seq))
        .unwrap()
}

fn aes_key(w: &World, name: &str) -> KeyRef {
    let info = w.create(CreateKeyRequest::new(
        name.parse().unwrap(),
        Algorithm::Aes256Gcm,
    ));
    KeyRef::Id(info.id)
}

#[test]
fn a_cold_key_goes_to_the_pool_and_a_warm_one_runs_here() {
    let w = World::new();
    let key = aes_key(&w, "hot");
    let here = thread::current().id();
    let (first, cold_on) = encrypt_on(&w, root(None), key.clone());
    assert_ne!(
        cold_on, here,
        "an uncached key must not be read on the worker"
    );
    let before = audit_head(&w);
    let (second, warm_on) = encrypt_on(&w, root(None), key.clone());
    assert_eq!(warm_on, here, "a cached key runs where it is awaited");
    assert_eq!(audit_head(&w), before + 1, "the inline request is audited");
    for ciphertext in [first, second] {
        let req = DecryptRequest {
            ciphertext: Base64(ciphertext),
            context: BTreeMap::new(),
        };
        let opened = w.root(Action::KeyDecrypt, |o, c| o.decrypt(c, &key, req));
        assert_eq!(opened.unwrap().plaintext.0, b"hot");
    }
}

#[test]
fn naming_a_tenant_reads_the_store_so_it_goes_to_the_pool() {
    let w = World::new();
    let key = aes_key(&w, "tenanted");
    encrypt_on(&w, root(None), key.clone());
    let (_, on) = encrypt_on(&w, root(Some("default")), key);
    assert_ne!(on, thread::current().id());
}

#[test]
fn a_change_to_the_key_sends_the_next_request_to_the_pool() {
    let w = World::new();
    let key = aes_key(&w, "rotated");
    encrypt_on(&w, root(None), key.clone());
    w.root(Action::KeyRotate, |o, c| o.rotate_key(c, &key))
        .unwrap();
    let (_, on) = encrypt_on(&w, root(None), key);
    assert_ne!(on, thread::current().id());
}

#[test]
fn rsa_signing_never_runs_on_the_worker() {
    let w = World::new();
    let info = w.create(CreateKeyRequest::new(
        "signer".parse().unwrap(),
        Algorithm::Rsa2048,
    ));
    let key = KeyRef::Id(info.id);
    let sign = |w: &World| {
        let req = SignRequest {
            message: Some(Base64(b"m".to_vec())),
            digest: None,
            scheme: None,
        };
        let ran = w.ops.perform_on(
            root(None),
            Action::KeySign,
            key.clone(),
            |ops, caller, key| {
                let on = thread::current().id();
                ops.sign(caller, key, req).map(|_| on)
            },
        );
        runtime().block_on(ran).unwrap()
    };
    sign(&w);
    assert_ne!(sign(&w), thread::current().id());
}
