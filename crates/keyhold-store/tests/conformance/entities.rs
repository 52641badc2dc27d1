//! Round trips, scoping, conflicts and missing rows, entity by entity.

use keyhold_core::{Algorithm, KeyId, KeyState, SealedBlob, TenantId, VersionId, VersionNumber};
use keyhold_store::{KeyQuery, Store, StoreError, SystemKey};

use super::fixtures::{REASONS, at, full_key, full_version, key, tenant, uuid, version};
use super::{read, write};

pub(crate) fn system_values_round_trip(store: &Store) {
    assert_eq!(
        read(store, |tx| tx.system_get(SystemKey::SealConfig)).unwrap(),
        None
    );
    write(store, |tx| {
        for (i, k) in SystemKey::ALL.into_iter().enumerate() {
            tx.system_put(k, &[i as u8; 3])?;
        }
        tx.system_put(SystemKey::DevSeal, &[])
    })
    .unwrap();
    write(store, |tx| {
        tx.system_put(SystemKey::SealConfig, b"shamir 3/5")
    })
    .unwrap();
    read(store, |tx| {
        assert_eq!(
            tx.system_get(SystemKey::SealConfig)?.unwrap(),
            b"shamir 3/5"
        );
        assert_eq!(tx.system_get(SystemKey::RootCanary)?.unwrap(), [1; 3]);
        assert_eq!(tx.system_get(SystemKey::RootGeneration)?.unwrap(), [2; 3]);
        assert_eq!(
            tx.system_get(SystemKey::DevSeal)?.unwrap(),
            Vec::<u8>::new()
        );
        Ok(())
    })
    .unwrap();
}

pub(crate) fn tenants_round_trip_by_id_and_name(store: &Store) {
    let b = tenant("beta");
    let mut a = tenant("alpha");
    a.root_generation = u32::MAX;
    write(store, |tx| {
        tx.tenant_insert(&b)?;
        tx.tenant_insert(&a)
    })
    .unwrap();
    read(store, |tx| {
        assert_eq!(tx.tenant_get(a.id)?.as_ref(), Some(&a));
        assert_eq!(tx.tenant_by_name(&b.name)?.as_ref(), Some(&b));
        assert_eq!(tx.tenant_get(TenantId::from_uuid(uuid()))?, None);
        assert_eq!(tx.tenant_by_name(&"gamma".parse().unwrap())?, None);
        assert_eq!(tx.tenants()?, vec![a.clone(), b.clone()]);
        Ok(())
    })
    .unwrap();
}

pub(crate) fn tenant_id_and_name_conflict(store: &Store) {
    let a = tenant("alpha");
    write(store, |tx| tx.tenant_insert(&a)).unwrap();
    let same_name = tenant("alpha");
    let mut same_id = tenant("other");
    same_id.id = a.id;
    for t in [same_name, same_id] {
        let err = write(store, |tx| tx.tenant_insert(&t)).unwrap_err();
        assert!(
            matches!(err, StoreError::Conflict { entity: "tenant" }),
            "{err:?}"
        );
    }
    assert_eq!(read(store, |tx| tx.tenants()).unwrap(), vec![a]);
}

pub(crate) fn tenant_update_replaces_the_row(store: &Store) {
    let mut a = tenant("alpha");
    let b = tenant("beta");
    write(store, |tx| {
        tx.tenant_insert(&a)?;
        tx.tenant_insert(&b)
    })
    .unwrap();
    a.name = "alpha2".parse().unwrap();
    a.sealed_kek = SealedBlob::new(vec![7; 61]);
    a.root_generation = 2;
    a.kek_generation = 3;
    a.retiring_kek = Some(SealedBlob::new(vec![8; 60]));
    write(store, |tx| tx.tenant_update(&a)).unwrap();
    assert_eq!(
        read(store, |tx| tx.tenant_get(a.id)).unwrap(),
        Some(a.clone())
    );

    let mut taken = a.clone();
    taken.name = b.name.clone();
    let err = write(store, |tx| tx.tenant_update(&taken)).unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { entity: "tenant" }),
        "{err:?}"
    );
    let ghost = tenant("ghost");
    let err = write(store, |tx| tx.tenant_update(&ghost)).unwrap_err();
    assert!(
        matches!(err, StoreError::NotFound { entity: "tenant" }),
        "{err:?}"
    );
    assert_eq!(read(store, |tx| tx.tenants()).unwrap(), vec![a, b]);
}

pub(crate) fn keys_round_trip_for_every_algorithm(store: &Store) {
    let t = tenant("acme");
    let mut keys = Vec::new();
    for a in Algorithm::ALL {
        keys.push(key(&t, &format!("min-{a}"), a));
        keys.push(full_key(&t, &format!("full-{a}"), a));
    }
    write(store, |tx| {
        tx.tenant_insert(&t)?;
        keys.iter().try_for_each(|k| tx.key_insert(k))
    })
    .unwrap();
    read(store, |tx| {
        for k in &keys {
            assert_eq!(tx.key_get(t.id, k.id)?.as_ref(), Some(k));
            assert_eq!(tx.key_by_name(t.id, &k.name)?.as_ref(), Some(k));
        }
        let mut sorted = keys.clone();
        sorted.sort_by(|a, b| a.name.cmp(&b.name));
        assert_eq!(tx.keys(t.id, &KeyQuery::first(1000))?, sorted);
        Ok(())
    })
    .unwrap();
}

pub(crate) fn versions_round_trip_for_every_state(store: &Store) {
    let t = tenant("acme");
    let k = key(&t, "k", Algorithm::Aes256Gcm);
    let mut versions: Vec<_> = KeyState::ALL
        .into_iter()
        .zip(REASONS)
        .enumerate()
        .map(|(i, (s, r))| full_version(&k, i as u32 + 1, s, r))
        .collect();
    let mut bare = version(&k, 8, KeyState::Destroyed);
    bare.sealed_material = None;
    versions.push(bare);
    write(store, |tx| {
        tx.tenant_insert(&t)?;
        tx.key_insert(&k)?;
        versions.iter().rev().try_for_each(|v| tx.version_insert(v))
    })
    .unwrap();
    read(store, |tx| {
        for v in &versions {
            assert_eq!(tx.version_get(k.id, v.meta.version)?.as_ref(), Some(v));
            assert_eq!(tx.version_by_id(v.meta.id)?.as_ref(), Some(v));
        }
        assert_eq!(tx.versions(k.id)?, versions);
        assert_eq!(tx.version_get(k.id, VersionNumber::new(9).unwrap())?, None);
        assert_eq!(tx.version_by_id(VersionId::from_uuid(uuid()))?, None);
        assert_eq!(tx.versions(KeyId::from_uuid(uuid()))?, vec![]);
        Ok(())
    })
    .unwrap();
}

pub(crate) fn keys_are_scoped_to_their_tenant(store: &Store) {
    let a = tenant("a");
    let b = tenant("b");
    let ka = key(&a, "shared-name", Algorithm::Aes256Gcm);
    write(store, |tx| {
        tx.tenant_insert(&a)?;
        tx.tenant_insert(&b)?;
        tx.key_insert(&ka)
    })
    .unwrap();
    read(store, |tx| {
        assert_eq!(tx.key_get(a.id, ka.id)?.as_ref(), Some(&ka));
        assert_eq!(tx.key_get(b.id, ka.id)?, None);
        assert_eq!(tx.key_by_name(b.id, &ka.name)?, None);
        assert_eq!(tx.keys(b.id, &KeyQuery::first(100))?, vec![]);
        Ok(())
    })
    .unwrap();
}

pub(crate) fn key_names_conflict_within_a_tenant_only(store: &Store) {
    let a = tenant("a");
    let b = tenant("b");
    let k = key(&a, "orders", Algorithm::Aes256Gcm);
    write(store, |tx| {
        tx.tenant_insert(&a)?;
        tx.tenant_insert(&b)?;
        tx.key_insert(&k)
    })
    .unwrap();
    let same_name = key(&a, "orders", Algorithm::HmacSha256);
    let mut same_id = key(&a, "other", Algorithm::Aes256Gcm);
    same_id.id = k.id;
    for dup in [same_name, same_id] {
        let err = write(store, |tx| tx.key_insert(&dup)).unwrap_err();
        assert!(
            matches!(err, StoreError::Conflict { entity: "key" }),
            "{err:?}"
        );
    }
    let elsewhere = key(&b, "orders", Algorithm::Aes256Gcm);
    write(store, |tx| tx.key_insert(&elsewhere)).unwrap();

    let second = key(&a, "second", Algorithm::Aes256Gcm);
    write(store, |tx| tx.key_insert(&second)).unwrap();
    let mut renamed = second.clone();
    renamed.name = k.name.clone();
    let err = write(store, |tx| tx.key_update(&renamed)).unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { entity: "key" }),
        "{err:?}"
    );
    assert_eq!(
        read(store, |tx| tx.key_get(a.id, second.id)).unwrap(),
        Some(second)
    );
}

pub(crate) fn version_numbers_and_ids_conflict(store: &Store) {
    let t = tenant("t");
    let k = key(&t, "k", Algorithm::Aes256Gcm);
    let v1 = version(&k, 1, KeyState::Active);
    write(store, |tx| {
        tx.tenant_insert(&t)?;
        tx.key_insert(&k)?;
        tx.version_insert(&v1)
    })
    .unwrap();
    let same_number = version(&k, 1, KeyState::PreActive);
    let mut same_id = version(&k, 2, KeyState::PreActive);
    same_id.meta.id = v1.meta.id;
    for dup in [same_number, same_id] {
        let err = write(store, |tx| tx.version_insert(&dup)).unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Conflict {
                    entity: "key version"
                }
            ),
            "{err:?}"
        );
    }
    assert_eq!(read(store, |tx| tx.versions(k.id)).unwrap(), vec![v1]);
}

pub(crate) fn key_update_replaces_every_field(store: &Store) {
    let t = tenant("t");
    let k = key(&t, "k", Algorithm::Rsa3072);
    write(store, |tx| {
        tx.tenant_insert(&t)?;
        tx.key_insert(&k)
    })
    .unwrap();
    let mut changed = full_key(&t, "renamed", Algorithm::EcdsaP384);
    changed.id = k.id;
    write(store, |tx| tx.key_update(&changed)).unwrap();
    read(store, |tx| {
        assert_eq!(tx.key_get(t.id, k.id)?.as_ref(), Some(&changed));
        assert_eq!(tx.key_by_name(t.id, &k.name)?, None);
        Ok(())
    })
    .unwrap();
    let back = k.clone();
    write(store, |tx| tx.key_update(&back)).unwrap();
    assert_eq!(read(store, |tx| tx.key_get(t.id, k.id)).unwrap(), Some(k));
}

pub(crate) fn updates_of_missing_rows_are_not_found(store: &Store) {
    let a = tenant("a");
    let b = tenant("b");
    let k = key(&a, "k", Algorithm::Aes256Gcm);
    let v = version(&k, 1, KeyState::Active);
    write(store, |tx| {
        tx.tenant_insert(&a)?;
        tx.tenant_insert(&b)?;
        tx.key_insert(&k)?;
        tx.version_insert(&v)
    })
    .unwrap();
    let missing_key = key(&a, "missing", Algorithm::Aes256Gcm);
    let mut other_tenant = k.clone();
    other_tenant.tenant = b.id;
    other_tenant.description = "moved".into();
    for bad in [missing_key, other_tenant] {
        let err = write(store, |tx| tx.key_update(&bad)).unwrap_err();
        assert!(
            matches!(err, StoreError::NotFound { entity: "key" }),
            "{err:?}"
        );
    }
    let missing_version = version(&k, 2, KeyState::Active);
    let mut renumbered = v.clone();
    renumbered.meta.version = VersionNumber::new(5).unwrap();
    for bad in [missing_version, renumbered] {
        let err = write(store, |tx| tx.version_update(&bad)).unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::NotFound {
                    entity: "key version"
                }
            ),
            "{err:?}"
        );
    }
    read(store, |tx| {
        assert_eq!(tx.key_get(a.id, k.id)?.as_ref(), Some(&k));
        assert_eq!(tx.versions(k.id)?, vec![v.clone()]);
        Ok(())
    })
    .unwrap();
}

pub(crate) fn rows_need_their_parent(store: &Store) {
    let ghost_tenant = tenant("ghost");
    let k = key(&ghost_tenant, "k", Algorithm::Aes256Gcm);
    let err = write(store, |tx| tx.key_insert(&k)).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::MissingParent {
                entity: "key",
                parent: "tenant"
            }
        ),
        "{err:?}"
    );
    let v = version(&k, 1, KeyState::Active);
    let err = write(store, |tx| tx.version_insert(&v)).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::MissingParent {
                entity: "key version",
                parent: "key"
            }
        ),
        "{err:?}"
    );
    assert_eq!(read(store, |tx| tx.version_by_id(v.meta.id)).unwrap(), None);
}

pub(crate) fn erasing_material_keeps_the_tombstone(store: &Store) {
    let t = tenant("t");
    let k = key(&t, "k", Algorithm::Aes256Gcm);
    let v1 = version(&k, 1, KeyState::Deactivated);
    let v2 = version(&k, 2, KeyState::Active);
    write(store, |tx| {
        tx.tenant_insert(&t)?;
        tx.key_insert(&k)?;
        tx.version_insert(&v1)?;
        tx.version_insert(&v2)
    })
    .unwrap();
    let mut destroyed = v1.clone();
    destroyed.meta.state = KeyState::Destroyed;
    destroyed.meta.destroy_date = Some(at(1_800_000_000));
    destroyed.sealed_material = None;
    write(store, |tx| tx.version_update(&destroyed)).unwrap();
    read(store, |tx| {
        assert_eq!(tx.version_by_id(v1.meta.id)?.as_ref(), Some(&destroyed));
        assert_eq!(tx.version_get(k.id, v2.meta.version)?.as_ref(), Some(&v2));
        Ok(())
    })
    .unwrap();
}

/// `key_remove` and `version_remove` take away what an insert added (a
/// batch's undo): the key with its versions and tags, only in its own
/// tenant; a missing row is `NotFound` and changes nothing.
pub(crate) fn removing_undoes_an_insert_in_its_tenant_only(store: &Store) {
    let (t, other) = (tenant("t"), tenant("other"));
    let k = full_key(&t, "k", Algorithm::Aes256Gcm);
    let kept = key(&t, "kept", Algorithm::Aes256Gcm);
    let (v1, v2) = (
        version(&k, 1, KeyState::Active),
        version(&k, 2, KeyState::PreActive),
    );
    let kept_v = version(&kept, 1, KeyState::Active);
    write(store, |tx| {
        tx.tenant_insert(&t)?;
        tx.tenant_insert(&other)?;
        tx.key_insert(&k)?;
        tx.key_insert(&kept)?;
        [&v1, &v2, &kept_v]
            .into_iter()
            .try_for_each(|v| tx.version_insert(v))
    })
    .unwrap();
    let two = VersionNumber::new(2).unwrap();
    write(store, |tx| tx.version_remove(k.id, two)).unwrap();
    let err = write(store, |tx| tx.version_remove(k.id, two)).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::NotFound {
                entity: "key version"
            }
        ),
        "{err:?}"
    );
    let err = write(store, |tx| tx.key_remove(other.id, k.id)).unwrap_err();
    assert!(
        matches!(err, StoreError::NotFound { entity: "key" }),
        "{err:?}"
    );
    assert_eq!(
        read(store, |tx| tx.versions(k.id)).unwrap(),
        vec![v1.clone()]
    );
    write(store, |tx| tx.key_remove(t.id, k.id)).unwrap();
    read(store, |tx| {
        assert_eq!(tx.key_get(t.id, k.id)?, None);
        assert_eq!(tx.version_by_id(v1.meta.id)?, None);
        assert_eq!(tx.key_by_name(t.id, &k.name)?, None);
        assert_eq!(tx.key_get(t.id, kept.id)?.as_ref(), Some(&kept));
        assert_eq!(tx.versions(kept.id)?, vec![kept_v.clone()]);
        Ok(())
    })
    .unwrap();
    // Its name is free again.
    write(store, |tx| {
        tx.key_insert(&full_key(&t, "k", Algorithm::Aes256Gcm))
    })
    .unwrap();
}

/// A KEK rotation's queries: the tenant's versions still under an older
/// KEK generation (oldest first, erased ones never), re-sealed one by one
/// only while still under the generation read.
pub(crate) fn versions_sealed_before_and_reseal(store: &Store) {
    let t = tenant("acme");
    let other = tenant("other");
    let k = key(&t, "orders", Algorithm::Aes256Gcm);
    let ok = key(&other, "orders", Algorithm::Aes256Gcm);
    let mut versions: Vec<_> = (1..=4).map(|n| version(&k, n, KeyState::Active)).collect();
    versions[1].kek_generation = 2;
    versions[3].sealed_material = None;
    write(store, |tx| {
        tx.tenant_insert(&t)?;
        tx.tenant_insert(&other)?;
        tx.key_insert(&k)?;
        tx.key_insert(&ok)?;
        tx.version_insert(&version(&ok, 1, KeyState::Active))?;
        versions.iter().try_for_each(|v| tx.version_insert(v))
    })
    .unwrap();
    let old = read(store, |tx| tx.versions_sealed_before(t.id, 2, 10)).unwrap();
    let numbers: Vec<u32> = old.iter().map(|v| v.version.get()).collect();
    assert_eq!(
        numbers,
        [1, 3],
        "only this tenant's, under generation 1, not erased"
    );
    assert_eq!(old[0].algorithm, Algorithm::Aes256Gcm);
    assert_eq!(
        old[0].sealed_material,
        versions[0].sealed_material.clone().unwrap()
    );
    let limited = read(store, |tx| tx.versions_sealed_before(t.id, 3, 1)).unwrap();
    assert_eq!(limited.len(), 1);
    assert_eq!(limited[0].kek_generation, 1, "oldest generation first");

    let blob = SealedBlob::new(vec![0xee; 44]);
    let first = VersionNumber::new(1).unwrap();
    assert!(write(store, |tx| tx.version_reseal(k.id, first, 1, 2, &blob)).unwrap());
    assert!(
        !write(store, |tx| tx.version_reseal(k.id, first, 1, 2, &blob)).unwrap(),
        "no longer under generation 1"
    );
    let erased = VersionNumber::new(4).unwrap();
    assert!(!write(store, |tx| tx.version_reseal(k.id, erased, 1, 2, &blob)).unwrap());
    let back = read(store, |tx| tx.version_get(k.id, first))
        .unwrap()
        .unwrap();
    assert_eq!((back.kek_generation, back.sealed_material), (2, Some(blob)));
    let left = read(store, |tx| tx.versions_sealed_before(t.id, 2, 10)).unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(
        read(store, |tx| tx.versions_sealed_before(other.id, 2, 10))
            .unwrap()
            .len(),
        1
    );
}
