//! The key cache: keys and the versions requests used, with the versions'
//! *opened* material, so that a warm encrypt, decrypt, sign or MAC reads
//! nothing from the store and unseals nothing. Authorization, the lifecycle
//! checks and the audit event still run on every request: the cache only
//! replaces the store read and the unseal.
//!
//! - **Bounded**: at most `[cache] keys` keys (by id), evicted with CLOCK
//!   ([`shards`]); each keeps at most [`MAX_VERSIONS`] versions. Opened
//!   material is [`KeyMaterial`], which zeroizes on drop: an evicted,
//!   invalidated or cleared entry's material is erased once the last
//!   request using it ends.
//! - **Invalidated after every change**: every write to a key or its
//!   versions removes the key's entry once the write has committed
//!   (`Operations::write_audited` for every key the request admitted, the
//!   key-use flush for the keys it stamped), and sealing the server or
//!   restoring a backup clears everything. A reader that read the store
//!   before such a removal cannot put what it read back afterwards: inserts
//!   carry the generation read before the lookup ([`shards`]).
//! - **Per node, with a bounded age**: a node sees only its own writes. An
//!   entry older than `[cache] key_max_age_ms` (1 s by default) is read
//!   again before use, so a change made by another node sharing the store
//!   (or by hand) shows within that time. Re-reading keeps the opened
//!   material of every version whose sealed bytes did not change.
//!
//! Keys are found by id, by name, or by version id; names and version ids
//! are hints pointing at a key id, checked against the entry found.

mod shards;

use std::hash::{BuildHasher, RandomState};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use keyhold_core::{Algorithm, Key, KeyId, KeyName, KeyRef, TenantId, VersionId, VersionNumber};
use keyhold_crypto::KeyMaterial;
use keyhold_store::StoredVersion;
use serde::Deserialize;

use self::shards::Shards;
use crate::error::ServerError;

/// Keys cached unless configured otherwise.
pub const DEFAULT_KEYS: usize = 10_000;

/// How long an entry is used before it is read again, unless configured
/// otherwise: one second.
pub const DEFAULT_MAX_AGE_MS: u64 = 1_000;

/// The largest `key_max_age_ms` accepted: one hour.
pub const MAX_MAX_AGE_MS: u64 = 3_600_000;

/// The most versions one cached key keeps.
const MAX_VERSIONS: usize = 32;

/// The `[cache]` table of `keyhold.toml`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KeyCacheSettings {
    /// How many keys to keep (0 turns the cache off).
    pub keys: usize,
    /// How long, in milliseconds, an entry is used before the store is read
    /// again (1 to 3,600,000): bounds how stale a node's view of a change
    /// made by another node can be.
    pub key_max_age_ms: u64,
}

impl Default for KeyCacheSettings {
    fn default() -> Self {
        Self {
            keys: DEFAULT_KEYS,
            key_max_age_ms: DEFAULT_MAX_AGE_MS,
        }
    }
}

impl KeyCacheSettings {
    /// Whether the maximum age is within 1 to [`MAX_MAX_AGE_MS`].
    pub fn max_age_ok(&self) -> bool {
        (1..=MAX_MAX_AGE_MS).contains(&self.key_max_age_ms)
    }
}

/// What a name or a version id points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Hint {
    /// A key name, by its hash (a collision only costs a store read).
    Name(u64),
    Version(VersionId),
}

/// How a request names its key.
#[derive(Clone, Copy, Debug)]
pub(super) enum Wanted<'a> {
    /// The key a reference names, and its version `number` (the primary
    /// when `None`).
    Key(&'a KeyRef, Option<VersionNumber>),
    /// The key holding this version.
    Version(VersionId),
}

/// The cache: see the module documentation.
#[derive(Debug)]
pub(super) struct KeyCache {
    /// `None` when the cache is off.
    maps: Option<Maps>,
    max_age: Duration,
}

#[derive(Debug)]
struct Maps {
    /// By key id (ids are unique across tenants; the tenant is checked on
    /// every lookup).
    entries: Shards<KeyId, Arc<Entry>>,
    hints: Shards<(TenantId, Hint), KeyId>,
    names: RandomState,
}

/// A key as read from the store, with the versions requests used.
#[derive(Debug)]
pub(super) struct Entry {
    pub(super) key: Key,
    versions: Vec<Arc<CachedVersion>>,
    loaded_at: Instant,
}

/// A version as read from the store, and its material once opened.
#[derive(Debug)]
pub(super) struct CachedVersion {
    pub(super) stored: StoredVersion,
    material: OnceLock<Arc<KeyMaterial>>,
}

/// A lookup's result: what it found (fresh or not) and the generation read
/// before it, for [`KeyCache::keep`].
#[derive(Debug)]
pub(super) struct Lookup {
    generation: u64,
    found: Option<Arc<Entry>>,
}

impl KeyCache {
    /// A cache as `settings` say.
    pub(super) fn new(settings: KeyCacheSettings) -> Self {
        let maps = (settings.keys > 0).then(|| Maps {
            entries: Shards::new(settings.keys),
            hints: Shards::new(settings.keys.saturating_mul(2)),
            names: RandomState::new(),
        });
        Self {
            maps,
            max_age: Duration::from_millis(settings.key_max_age_ms),
        }
    }

    /// Looks `wanted` up in `tenant`. Answers the entry and version on a
    /// fresh hit, else a [`Lookup`] to hand to [`keep`](Self::keep) with
    /// what the store says.
    pub(super) fn find(
        &self,
        tenant: TenantId,
        wanted: Wanted<'_>,
    ) -> Result<(Arc<Entry>, Arc<CachedVersion>), Lookup> {
        let Some(maps) = &self.maps else {
            return Err(Lookup {
                generation: 0,
                found: None,
            });
        };
        // Read before the lookup: see `keep`.
        let generation = maps.entries.generation();
        let found = maps.entry(tenant, wanted);
        let hit = found
            .as_ref()
            .filter(|e| e.loaded_at.elapsed() < self.max_age)
            .and_then(|e| e.version_for(wanted).map(|v| (Arc::clone(e), v)));
        hit.ok_or(Lookup { generation, found })
    }

    /// The algorithm of the key `wanted` names in `tenant` when it and the
    /// version wanted are cached and fresh (a request on it reads nothing
    /// from the store). A key with Usage Limits is never fresh here: its
    /// encryptions write their charge (`ops::usage_limits`).
    pub(super) fn fresh_algorithm(
        &self,
        tenant: TenantId,
        wanted: Wanted<'_>,
    ) -> Option<Algorithm> {
        self.find(tenant, wanted)
            .ok()
            .filter(|(entry, _)| entry.key.kmip.usage_limits.is_none())
            .map(|(entry, _)| entry.key.algorithm)
    }

    /// Caches `key` and `version` as read from the store after `lookup`
    /// missed (unless a change was invalidated meanwhile), and answers
    /// them. Versions of the entry found are kept if the key row did not
    /// change and the entry is fresh; a version's opened material is kept
    /// if its row did not change.
    pub(super) fn keep(
        &self,
        lookup: Lookup,
        key: Key,
        version: Option<StoredVersion>,
    ) -> (Arc<Entry>, Option<Arc<CachedVersion>>) {
        let previous = lookup
            .found
            .filter(|p| p.key.id == key.id && p.key.tenant == key.tenant);
        let (entry, version) = Entry::build(key, version, previous.as_deref(), self.max_age);
        let entry = Arc::new(entry);
        if let Some(maps) = &self.maps {
            maps.keep(&entry, lookup.generation);
        }
        (entry, version)
    }

    /// The cached version that holds exactly `version`'s sealed material
    /// under `key`, if any: its material, once opened, is `version`'s.
    pub(super) fn version_of(
        &self,
        key: &Key,
        version: &StoredVersion,
    ) -> Option<Arc<CachedVersion>> {
        let entry = self.maps.as_ref()?.entries.get(&key.id)?;
        if entry.key.tenant != key.tenant || entry.key.algorithm != key.algorithm {
            return None;
        }
        entry
            .version(version.meta.version)
            .filter(|v| v.stored.sealed_material == version.sealed_material)
    }

    /// Forgets `key`: call after every committed (or failed) write to the
    /// key or its versions.
    pub(super) fn invalidate(&self, key: KeyId) {
        if let Some(maps) = &self.maps {
            maps.entries.remove(&key);
        }
    }

    /// Forgets everything: on seal, and after a restore.
    pub(super) fn clear(&self) {
        if let Some(maps) = &self.maps {
            maps.entries.clear();
            maps.hints.clear();
        }
    }

    /// How many keys are cached.
    pub(super) fn len(&self) -> usize {
        self.maps.as_ref().map_or(0, |m| m.entries.len())
    }
}

impl Maps {
    /// The entry `wanted` points at, whatever its age, if it is the one
    /// wanted.
    fn entry(&self, tenant: TenantId, wanted: Wanted<'_>) -> Option<Arc<Entry>> {
        let id = match wanted {
            Wanted::Key(KeyRef::Id(id), _) => *id,
            Wanted::Key(KeyRef::Name(name), _) => {
                self.hints.get(&(tenant, self.name_hint(name)))?
            }
            Wanted::Version(version) => self.hints.get(&(tenant, Hint::Version(version)))?,
        };
        let entry = self.entries.get(&id)?;
        if entry.key.tenant != tenant {
            return None;
        }
        let matches = match wanted {
            Wanted::Key(KeyRef::Id(_), _) => true,
            Wanted::Key(KeyRef::Name(name), _) => entry.key.name == *name,
            Wanted::Version(version) => entry.versions.iter().any(|v| v.stored.meta.id == version),
        };
        matches.then_some(entry)
    }

    /// Inserts `entry` (if nothing was invalidated since `generation`) and
    /// its hints.
    fn keep(&self, entry: &Arc<Entry>, generation: u64) {
        let key = &entry.key;
        if !self.entries.insert(key.id, Arc::clone(entry), generation) {
            return;
        }
        let hints = self.hints.generation();
        self.hints
            .insert((key.tenant, self.name_hint(&key.name)), key.id, hints);
        for v in &entry.versions {
            let hint = Hint::Version(v.stored.meta.id);
            self.hints.insert((key.tenant, hint), key.id, hints);
        }
    }

    fn name_hint(&self, name: &KeyName) -> Hint {
        Hint::Name(self.names.hash_one(name.as_str()))
    }
}

impl Entry {
    /// An entry for `key` with `version`, keeping what `previous` (the same
    /// key's earlier entry) can still vouch for.
    fn build(
        key: Key,
        version: Option<StoredVersion>,
        previous: Option<&Entry>,
        max_age: Duration,
    ) -> (Self, Option<Arc<CachedVersion>>) {
        let version = version.map(|stored| {
            previous
                .and_then(|p| p.version(stored.meta.version))
                .filter(|c| c.stored == stored)
                .unwrap_or_else(|| Arc::new(CachedVersion::new(stored)))
        });
        let unchanged = previous.filter(|p| p.key == key && p.loaded_at.elapsed() < max_age);
        let number = version.as_ref().map(|v| v.stored.meta.version);
        let mut versions: Vec<Arc<CachedVersion>> = unchanged
            .map(|p| {
                p.versions
                    .iter()
                    .filter(|v| Some(v.stored.meta.version) != number)
                    .take(MAX_VERSIONS.saturating_sub(1))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        versions.extend(version.iter().cloned());
        let entry = Self {
            key,
            versions,
            loaded_at: unchanged.map_or_else(Instant::now, |p| p.loaded_at),
        };
        (entry, version)
    }

    /// Version `number`, if cached.
    pub(super) fn version(&self, number: VersionNumber) -> Option<Arc<CachedVersion>> {
        self.versions
            .iter()
            .find(|v| v.stored.meta.version == number)
            .cloned()
    }

    fn version_for(&self, wanted: Wanted<'_>) -> Option<Arc<CachedVersion>> {
        match wanted {
            Wanted::Key(_, number) => self.version(number.unwrap_or(self.key.primary_version)),
            Wanted::Version(id) => self
                .versions
                .iter()
                .find(|v| v.stored.meta.id == id)
                .cloned(),
        }
    }
}

impl CachedVersion {
    fn new(stored: StoredVersion) -> Self {
        Self {
            stored,
            material: OnceLock::new(),
        }
    }

    /// The version's material: opened by `open` the first time, kept after.
    /// Callers check that the server is unsealed first, every time.
    pub(super) fn material(
        &self,
        open: impl FnOnce() -> Result<KeyMaterial, ServerError>,
    ) -> Result<Arc<KeyMaterial>, ServerError> {
        if let Some(material) = self.material.get() {
            return Ok(Arc::clone(material));
        }
        let opened = Arc::new(open()?);
        // A concurrent request may have opened it too: either copy will do.
        Ok(Arc::clone(self.material.get_or_init(|| opened)))
    }
}

#[cfg(test)]
pub(super) mod tests;
