//! KEK rotation through the real operations service: material re-sealed,
//! the old KEK useless afterwards, old ciphertexts decrypting throughout,
//! and a rotation cut short (a crash after a batch, a batch that fails)
//! leaving everything readable until a second call finishes it.

use keyhold_api::ErrorCode;
use keyhold_core::{Action, KeyRef, SealedBlob, TenantName};
use keyhold_crypto::hierarchy::MaterialAad;
use keyhold_store::{StoredVersion, TxError};

use crate::error::ServerError;
use crate::ops::rotate_root::tests::{Server, creds, shamir_server};

fn default() -> TenantName {
    "default".parse().unwrap()
}

impl Server {
    fn rotate_kek(&self) -> Result<keyhold_api::access::RotateKekResponse, ServerError> {
        let name = default();
        self.run(Action::SysRotateRoot, move |ops, c| {
            ops.rotate_kek(c, &name)
        })
    }

    fn tenant(&self) -> keyhold_core::Tenant {
        self.store
            .read(|tx| Ok::<_, TxError<ServerError>>(tx.tenant_by_name(&default())?))
            .unwrap()
            .unwrap()
    }

    /// Every stored version with its key's algorithm.
    fn versions(&self) -> Vec<(keyhold_core::Key, StoredVersion)> {
        let tenant = self.tenant().id;
        self.store
            .read(|tx| {
                let q = keyhold_store::KeyQuery {
                    limit: 100,
                    ..Default::default()
                };
                let mut all = Vec::new();
                for k in tx.keys(tenant, &q)? {
                    for v in tx.versions(k.id)? {
                        all.push((k.clone(), v));
                    }
                }
                Ok::<_, TxError<ServerError>>(all)
            })
            .unwrap()
    }

    fn rotate_key(&self, name: &str) {
        let key: KeyRef = name.parse().unwrap();
        self.run(Action::KeyRotate, move |ops, c| ops.rotate_key(c, &key))
            .unwrap();
    }

    fn put_material(&self, v: &StoredVersion, blob: SealedBlob) {
        let mut changed = v.clone();
        changed.sealed_material = Some(blob);
        self.store
            .write(|tx| Ok::<_, TxError<ServerError>>(tx.version_update(&changed)?))
            .unwrap();
    }
}

fn aad(k: &keyhold_core::Key, v: &StoredVersion) -> MaterialAad {
    MaterialAad {
        tenant: k.tenant,
        key: k.id,
        version: v.meta.version,
        algorithm: k.algorithm,
    }
}

#[test]
fn a_kek_rotation_reseals_every_version_and_the_old_kek_opens_nothing() {
    let s = shamir_server();
    let names = ["a", "b", "c"];
    let ciphertexts: Vec<_> = names
        .iter()
        .map(|n| {
            s.create_key(n);
            s.encrypt(n)
        })
        .collect();
    s.rotate_key("a");
    let old_kek = s.vault.unlocked().unwrap().kek(&s.tenant()).unwrap();
    let before = s.versions();
    assert_eq!(before.len(), 4);

    let r = s.rotate_kek().unwrap();
    assert_eq!(
        (r.kek_generation, r.versions_resealed, r.resumed),
        (2, 4, false)
    );
    let tenant = s.tenant();
    assert_eq!(tenant.kek_generation, 2);
    assert!(tenant.retiring_kek.is_none(), "the old KEK is deleted");
    let new_kek = s.vault.unlocked().unwrap().kek(&tenant).unwrap();
    for ((k, v), (_, old)) in s.versions().iter().zip(&before) {
        assert_eq!(v.kek_generation, 2);
        assert_ne!(v.sealed_material, old.sealed_material);
        let sealed = v.sealed_material.as_ref().unwrap();
        assert!(old_kek.open_material(&aad(k, v), sealed).is_err());
        assert!(new_kek.open_material(&aad(k, v), sealed).is_ok());
    }
    for (n, c) in names.iter().zip(&ciphertexts) {
        assert_eq!(s.decrypt(n, c).unwrap(), b"secret");
    }
    s.create_key("after");
    assert_eq!(
        s.versions()
            .iter()
            .find(|(k, _)| k.name.as_str() == "after")
            .unwrap()
            .1
            .kek_generation,
        2
    );
    assert!(s.audit_ok());
    // Root rotation then KEK rotation again: still fine.
    s.rotate_root_for_test();
    assert_eq!(s.rotate_kek().unwrap().kek_generation, 3);
    for (n, c) in names.iter().zip(&ciphertexts) {
        assert_eq!(s.decrypt(n, c).unwrap(), b"secret");
    }
}

impl Server {
    /// Begins a KEK rotation and re-seals one version, then stops: a crash.
    fn rotate_kek_cut_short(&self) {
        self.run(Action::SysRotateRoot, move |ops, c| {
            let unlocked = ops.vault.unlocked()?;
            let tenant = ops
                .store
                .read(|tx| Ok::<_, TxError<ServerError>>(tx.tenant_by_name(&default())?))
                .map_err(crate::vault::tx_error)?
                .ok_or(ServerError::TenantNotFound)?;
            let (pair, _) = ops.begin_kek_rotation(c, &unlocked, tenant)?;
            ops.forget_tenants();
            ops.reseal_batch(&pair, 1)
        })
        .unwrap();
    }
}

#[test]
fn a_root_rotation_during_a_pending_kek_rotation_reseals_both_keks() {
    let s = shamir_server();
    let names = ["a", "b", "c"];
    let ciphertexts: Vec<_> = names
        .iter()
        .map(|n| {
            s.create_key(n);
            s.encrypt(n)
        })
        .collect();
    s.rotate_kek_cut_short();
    s.rotate_root_for_test();
    let tenant = s.tenant();
    assert_eq!((tenant.root_generation, tenant.kek_generation), (2, 2));
    assert!(tenant.retiring_kek.is_some());
    for (n, c) in names.iter().zip(&ciphertexts) {
        assert_eq!(s.decrypt(n, c).unwrap(), b"secret", "{n}");
    }
    let r = s.rotate_kek().unwrap();
    assert!(r.resumed);
    assert_eq!(r.versions_resealed, 2);
    assert!(s.tenant().retiring_kek.is_none());
    for (n, c) in names.iter().zip(&ciphertexts) {
        assert_eq!(s.decrypt(n, c).unwrap(), b"secret", "{n}");
    }
    assert!(s.audit_ok());
}

#[test]
fn a_rotation_cut_short_leaves_everything_readable_and_a_second_call_finishes() {
    let s = shamir_server();
    let names = ["a", "b", "c", "d"];
    let ciphertexts: Vec<_> = names
        .iter()
        .map(|n| {
            s.create_key(n);
            s.encrypt(n)
        })
        .collect();
    // A crash after the first batch of one version.
    s.rotate_kek_cut_short();
    let gens: Vec<u32> = s.versions().iter().map(|(_, v)| v.kek_generation).collect();
    assert_eq!(gens.iter().filter(|g| **g == 2).count(), 1, "{gens:?}");
    assert!(s.tenant().retiring_kek.is_some());
    for (n, c) in names.iter().zip(&ciphertexts) {
        assert_eq!(s.decrypt(n, c).unwrap(), b"secret", "{n} mid-rotation");
    }
    s.create_key("during");
    let during = s.encrypt("during");

    // A failing batch: one version's material damaged.
    let (_, victim) = s
        .versions()
        .into_iter()
        .find(|(_, v)| v.kek_generation == 1)
        .unwrap();
    let good = victim.sealed_material.clone().unwrap();
    let mut bad = good.as_bytes().to_vec();
    bad[20] ^= 1;
    s.put_material(&victim, SealedBlob::new(bad));
    let before = s.versions();
    let failed = s.rotate_kek().unwrap_err();
    assert_eq!(failed.public().0, ErrorCode::InternalError);
    assert_eq!(s.versions(), before, "the failed batch changed nothing");
    s.put_material(&victim, good);
    for (n, c) in names.iter().zip(&ciphertexts) {
        assert_eq!(s.decrypt(n, c).unwrap(), b"secret", "{n} after the failure");
    }

    let r = s.rotate_kek().unwrap();
    assert!(r.resumed);
    assert_eq!((r.kek_generation, r.versions_resealed), (2, 3));
    assert!(s.tenant().retiring_kek.is_none());
    assert!(s.versions().iter().all(|(_, v)| v.kek_generation == 2));
    for (n, c) in names.iter().zip(&ciphertexts) {
        assert_eq!(s.decrypt(n, c).unwrap(), b"secret", "{n} after");
    }
    assert_eq!(s.decrypt("during", &during).unwrap(), b"secret");
    assert!(s.audit_ok());
}

#[test]
fn bad_kek_rotations_are_refused_and_change_nothing() {
    let s = shamir_server();
    s.create_key("a");
    let before = s.versions();
    let missing: TenantName = "missing".parse().unwrap();
    let e = s
        .run(Action::SysRotateRoot, move |ops, c| {
            ops.rotate_kek(c, &missing)
        })
        .unwrap_err();
    assert_eq!(e.public().0, ErrorCode::TenantNotFound);
    let e = s
        .ops
        .perform_blocking(creds("kht_nobody"), Action::SysRotateRoot, |ops, c| {
            ops.rotate_kek(c, &default())
        })
        .unwrap_err();
    assert_eq!(e.public().0, ErrorCode::Unauthenticated);
    s.vault.seal().unwrap();
    assert_eq!(s.rotate_kek().unwrap_err().public().0, ErrorCode::Sealed);
    assert_eq!(s.versions(), before);
    assert_eq!(s.tenant().kek_generation, 1);
}

#[test]
fn a_version_cached_before_a_kek_rotation_still_opens_after_it() {
    let s = shamir_server();
    s.create_key("cold");
    // A read caches the key and its version (sealed under KEK 1) without
    // opening the material.
    let key: KeyRef = "cold".parse().unwrap();
    s.run(Action::KeyRead, move |ops, c| ops.key(c, &key))
        .unwrap();
    s.rotate_kek().unwrap();
    // KEK 1 is gone: the material opens only if the cache let go of the
    // version it held.
    let ciphertext = s.encrypt("cold");
    assert_eq!(s.decrypt("cold", &ciphertext).unwrap(), b"secret");
}
