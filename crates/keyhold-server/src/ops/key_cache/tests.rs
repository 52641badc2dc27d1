//! Unit tests of the key cache: hits by id, name and version id, tenant
//! isolation, bounds, invalidation and its race with a reader, clearing,
//! ageing, and the guard that every writer of key rows is one that
//! invalidates.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Weak};
use std::time::Duration;

use keyhold_core::{
    Algorithm, Cryptoperiod, Key, KeyId, KeyRef, KeyState, KeyVersion, Origin, Protection,
    SealedBlob, TenantId, Timestamp, UsageMask, VersionId, VersionNumber,
};
use keyhold_crypto::{KeyMaterial, SecretBytes};
use keyhold_store::StoredVersion;

use super::{KeyCache, KeyCacheSettings, Wanted};

const AT: Timestamp = Timestamp::from_unix_seconds(1_800_000_000);

fn tenant(n: u128) -> TenantId {
    TenantId::from_uuid(uuid::Uuid::from_u128(n))
}

pub(in crate::ops) fn key(n: u128, name: &str) -> Key {
    Key {
        id: KeyId::from_uuid(uuid::Uuid::from_u128(n)),
        tenant: tenant(1),
        name: name.parse().unwrap(),
        description: String::new(),
        tags: BTreeMap::new(),
        algorithm: Algorithm::Aes256Gcm,
        usage: UsageMask::ENCRYPT,
        protection: Protection::Software,
        origin: Origin::Generated,
        exportable: false,
        owner: None,
        rotation_period_secs: None,
        next_rotation_at: None,
        primary_version: VersionNumber::FIRST,
        destroy_scheduled_at: None,
        created_at: AT,
        updated_at: AT,
        cryptoperiod: Cryptoperiod::NONE,
        recipient_usage_end: None,
        last_used_at: None,
        idle_warned_at: None,
        crypto_params: None,
        kmip: Default::default(),
    }
}

fn version(key: &Key, n: u32, sealed: u8) -> StoredVersion {
    StoredVersion {
        meta: KeyVersion {
            activation_date: Some(AT),
            ..KeyVersion::new(
                VersionId::from_uuid(uuid::Uuid::new_v4()),
                key.id,
                VersionNumber::new(n).unwrap(),
                KeyState::Active,
                AT,
            )
        },
        sealed_material: Some(SealedBlob::new(vec![sealed; 60])),
        kek_generation: 1,
    }
}

fn material() -> KeyMaterial {
    KeyMaterial::from_parts(Algorithm::Aes256Gcm, SecretBytes::new(vec![7; 32])).unwrap()
}

fn cache(keys: usize) -> KeyCache {
    KeyCache::new(KeyCacheSettings {
        keys,
        key_max_age_ms: 60_000,
    })
}

fn by_id(key: &Key) -> KeyRef {
    KeyRef::Id(key.id)
}

/// Caches `key` with `version` as a request that missed would.
fn fill(cache: &KeyCache, key: &Key, version: &StoredVersion) {
    let wanted = Wanted::Key(&KeyRef::Id(key.id), Some(version.meta.version));
    let lookup = cache.find(key.tenant, wanted).unwrap_err();
    cache.keep(lookup, key.clone(), Some(version.clone()));
}

/// Opens (here: makes) the material of the cached `version`, and watches it.
fn open(cache: &KeyCache, key: &Key, version: &StoredVersion) -> Weak<KeyMaterial> {
    let cached = cache.version_of(key, version).unwrap();
    Arc::downgrade(&cached.material(|| Ok(material())).unwrap())
}

#[test]
fn a_kept_key_is_found_by_id_name_and_version_id_in_its_tenant_only() {
    let cache = cache(10);
    let k = key(1, "k");
    let v = version(&k, 1, 1);
    fill(&cache, &k, &v);
    let name = KeyRef::Name("k".parse().unwrap());
    for wanted in [
        Wanted::Key(&by_id(&k), None),
        Wanted::Key(&name, None),
        Wanted::Key(&name, Some(VersionNumber::FIRST)),
        Wanted::Version(v.meta.id),
    ] {
        let (entry, found) = cache.find(k.tenant, wanted).unwrap();
        assert_eq!((&entry.key, &found.stored), (&k, &v), "{wanted:?}");
        assert!(cache.find(tenant(2), wanted).is_err(), "another tenant");
    }
    let other = VersionNumber::new(2).unwrap();
    assert!(
        cache
            .find(k.tenant, Wanted::Key(&by_id(&k), Some(other)))
            .is_err()
    );
}

#[test]
fn material_is_opened_once_and_only_for_the_same_sealed_bytes() {
    let cache = cache(10);
    let k = key(1, "k");
    let v = version(&k, 1, 1);
    fill(&cache, &k, &v);
    let first = cache.version_of(&k, &v).unwrap();
    let a = first.material(|| Ok(material())).unwrap();
    let b = first.material(|| panic!("opened twice")).unwrap();
    assert!(Arc::ptr_eq(&a, &b));
    let mut resealed = v.clone();
    resealed.sealed_material = Some(SealedBlob::new(vec![2; 60]));
    assert!(cache.version_of(&k, &resealed).is_none());
    resealed.sealed_material = None;
    assert!(cache.version_of(&k, &resealed).is_none(), "destroyed");
}

#[test]
fn invalidation_drops_the_entry_and_its_material() {
    let cache = cache(10);
    let k = key(1, "k");
    let v = version(&k, 1, 1);
    fill(&cache, &k, &v);
    let watch = open(&cache, &k, &v);
    cache.invalidate(k.id);
    assert!(watch.upgrade().is_none(), "material dropped (and zeroized)");
    assert!(cache.find(k.tenant, Wanted::Key(&by_id(&k), None)).is_err());
    assert_eq!(cache.len(), 0);
}

#[test]
fn a_read_from_before_an_invalidation_is_not_kept() {
    let cache = cache(10);
    let k = key(1, "k");
    let v = version(&k, 1, 1);
    // A reader misses and reads the store; a write commits and invalidates;
    // the reader's (old) rows must not land in the cache.
    let lookup = cache
        .find(k.tenant, Wanted::Key(&by_id(&k), None))
        .unwrap_err();
    cache.invalidate(k.id);
    let (entry, _) = cache.keep(lookup, k.clone(), Some(v.clone()));
    assert_eq!(entry.key, k, "the reader still gets what it read");
    assert!(cache.find(k.tenant, Wanted::Key(&by_id(&k), None)).is_err());
    // The same with a clear (seal, restore).
    let lookup = cache
        .find(k.tenant, Wanted::Key(&by_id(&k), None))
        .unwrap_err();
    cache.clear();
    cache.keep(lookup, k.clone(), Some(v));
    assert_eq!(cache.len(), 0);
}

#[test]
fn clearing_drops_every_material() {
    let cache = cache(100);
    let watches: Vec<_> = (1..=20)
        .map(|n| {
            let k = key(n, &format!("k{n}"));
            let v = version(&k, 1, 1);
            fill(&cache, &k, &v);
            open(&cache, &k, &v)
        })
        .collect();
    cache.clear();
    assert_eq!(cache.len(), 0);
    assert!(watches.iter().all(|w| w.upgrade().is_none()));
}

#[test]
fn the_cache_is_bounded_and_evicted_material_is_dropped() {
    let cache = cache(100);
    let mut watches = Vec::new();
    for n in 1..=1000 {
        let k = key(n, &format!("k{n}"));
        let v = version(&k, 1, 1);
        fill(&cache, &k, &v);
        watches.push(open(&cache, &k, &v));
    }
    assert!(cache.len() <= 112, "{}", cache.len());
    let alive = watches.iter().filter(|w| w.upgrade().is_some()).count();
    assert_eq!(alive, cache.len(), "only cached keys keep material");
}

#[test]
fn zero_keys_turns_the_cache_off() {
    let cache = cache(0);
    let k = key(1, "k");
    let v = version(&k, 1, 1);
    fill(&cache, &k, &v);
    assert!(cache.find(k.tenant, Wanted::Key(&by_id(&k), None)).is_err());
    assert!(cache.version_of(&k, &v).is_none());
    assert_eq!(cache.len(), 0);
}

#[test]
fn a_renamed_key_is_not_found_by_its_old_name() {
    let cache = cache(10);
    let k = key(1, "old");
    fill(&cache, &k, &version(&k, 1, 1));
    let mut renamed = k.clone();
    renamed.name = "new".parse().unwrap();
    cache.invalidate(k.id);
    fill(&cache, &renamed, &version(&renamed, 1, 1));
    let old = KeyRef::Name("old".parse().unwrap());
    assert!(cache.find(k.tenant, Wanted::Key(&old, None)).is_err());
    let new = KeyRef::Name("new".parse().unwrap());
    assert!(cache.find(k.tenant, Wanted::Key(&new, None)).is_ok());
}

#[test]
fn an_old_entry_is_read_again_and_keeps_unchanged_material() {
    let cache = KeyCache::new(KeyCacheSettings {
        keys: 10,
        key_max_age_ms: 1,
    });
    let k = key(1, "k");
    let v = version(&k, 1, 1);
    fill(&cache, &k, &v);
    let first = cache
        .version_of(&k, &v)
        .unwrap()
        .material(|| Ok(material()))
        .unwrap();
    std::thread::sleep(Duration::from_millis(5));
    let lookup = cache
        .find(k.tenant, Wanted::Key(&by_id(&k), None))
        .unwrap_err();
    let (_, again) = cache.keep(lookup, k.clone(), Some(v.clone()));
    let again = again.unwrap().material(|| panic!("reopened")).unwrap();
    assert!(Arc::ptr_eq(&first, &again));
}

#[test]
fn versions_used_accumulate_while_the_key_row_is_unchanged() {
    let cache = cache(10);
    let k = key(1, "k");
    let (v1, v2) = (version(&k, 1, 1), version(&k, 2, 2));
    fill(&cache, &k, &v1);
    fill(&cache, &k, &v2);
    assert!(cache.version_of(&k, &v1).is_some() && cache.version_of(&k, &v2).is_some());
    let mut changed = k.clone();
    changed.updated_at = AT.plus_seconds(1);
    let v3 = version(&changed, 3, 3);
    fill(&cache, &changed, &v3);
    assert!(cache.version_of(&k, &v1).is_none(), "the key row changed");
    assert!(cache.version_of(&changed, &v3).is_some());
}

/// The store methods that write key or version rows.
const KEY_WRITES: [&str; 9] = [
    ".key_insert(",
    ".key_remove(",
    ".version_remove(",
    ".key_update(",
    ".key_mark_used(",
    ".key_mark_idle_warned(",
    ".version_insert(",
    ".version_update(",
    ".version_reseal(",
];

/// Files allowed to call them: each writes inside
/// `Operations::write_audited` after admitting the key (which invalidates
/// it), or invalidates the keys itself (`key_use.rs`, `usage_limits.rs`),
/// or empties the
/// cache after it (`rotate_kek.rs`).
const WRITERS: [&str; 8] = [
    "ops/keys.rs",
    "ops/undo.rs",
    "ops/transfer.rs",
    "ops/usage_limits.rs",
    "ops/lifecycle/mod.rs",
    "ops/lifecycle/unused.rs",
    "ops/key_use.rs",
    "ops/rotate_kek.rs",
];

#[test]
fn every_writer_of_key_rows_is_one_that_invalidates() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    scan(&src, &src, &mut found);
    let strays: Vec<_> = found
        .iter()
        .filter(|f| !WRITERS.contains(&f.as_str()))
        .collect();
    assert!(
        strays.is_empty(),
        "{strays:?} write key rows: make them invalidate the key cache, then list them here"
    );
    assert!(found.len() >= WRITERS.len(), "the scan found {found:?}");
}

fn scan(root: &Path, dir: &Path, found: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            scan(root, &path, found);
            continue;
        }
        let name = path
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if name.ends_with("tests.rs") || !name.ends_with(".rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        if KEY_WRITES.iter().any(|w| text.contains(w)) {
            found.push(name);
        }
    }
}
