//! The values the store traffics in beyond the core model: a version with its
//! sealed material, the names of system values, the key listing query, and
//! which backend a store runs on.

use std::fmt;

use keyhold_core::{Algorithm, KeyId, KeyName, KeyState, KeyVersion, SealedBlob, VersionNumber};

/// A key version as stored: its metadata and its sealed material.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredVersion {
    /// The version's metadata.
    pub meta: KeyVersion,
    /// The material sealed under the tenant's KEK; `None` once destroyed
    /// (the stored bytes are then erased, not merely hidden).
    pub sealed_material: Option<SealedBlob>,
    /// The generation of the tenant KEK the material is sealed under.
    pub kek_generation: u32,
}

/// A version's sealed material as a KEK rotation re-seals it: what its
/// AAD binds, and under which KEK generation it is now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealedVersion {
    /// The key.
    pub key: KeyId,
    /// The version.
    pub version: VersionNumber,
    /// The key's algorithm.
    pub algorithm: Algorithm,
    /// The KEK generation the material is sealed under.
    pub kek_generation: u32,
    /// The sealed material.
    pub sealed_material: SealedBlob,
}

/// A server-wide value in the `system` table, under a stable text name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SystemKey {
    /// How the root key is sealed (seal kind and its parameters).
    SealConfig,
    /// A value sealed under the seal key (what the shares or the dev file
    /// rebuild), opened to check it.
    RootCanary,
    /// The current root-key generation (big-endian u32; absent means 1).
    RootGeneration,
    /// The root key of the current generation, sealed under the seal key
    /// (absent at generation 1, whose root key is the seal key).
    SealedRoot,
    /// The seed of the audit and backup keys, sealed under the current root
    /// key (absent at generation 1, whose seed is the root key itself).
    DerivationSeed,
    /// The dev seal's root key material (dev mode only).
    DevSeal,
    /// The hash of the first admin (root) token.
    RootTokenHash,
}

impl SystemKey {
    /// Every system key.
    pub const ALL: [Self; 7] = [
        Self::SealConfig,
        Self::RootCanary,
        Self::RootGeneration,
        Self::SealedRoot,
        Self::DerivationSeed,
        Self::DevSeal,
        Self::RootTokenHash,
    ];

    /// The stable name stored in the `system` table. Never rename one.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::SealConfig => "seal-config",
            Self::RootCanary => "root-canary",
            Self::RootGeneration => "root-generation",
            Self::SealedRoot => "sealed-root",
            Self::DerivationSeed => "derivation-seed",
            Self::DevSeal => "dev-seal",
            Self::RootTokenHash => "root-token-hash",
        }
    }
}

impl fmt::Display for SystemKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which keys of a tenant to list, ordered by name. Every filter is optional
/// and they combine with AND. The default has no filter and a limit of 0
/// (which lists nothing): set `limit`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyQuery {
    /// Only names starting with this text (a plain prefix, no wildcards).
    pub name_prefix: Option<String>,
    /// Only keys of this algorithm.
    pub algorithm: Option<Algorithm>,
    /// Only keys whose primary version is in this state.
    pub state: Option<KeyState>,
    /// Only keys holding this tag: `(name, value)`, both compared exactly.
    pub tag: Option<(String, String)>,
    /// Cursor: only names strictly after this one (the last name of the
    /// previous page).
    pub after: Option<KeyName>,
    /// At most this many keys.
    pub limit: u32,
}

impl KeyQuery {
    /// The first `limit` keys by name, with no filter.
    pub const fn first(limit: u32) -> Self {
        Self {
            name_prefix: None,
            algorithm: None,
            state: None,
            tag: None,
            after: None,
            limit,
        }
    }
}

/// The database engine behind a [`Store`](crate::Store).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BackendKind {
    /// Embedded SQLite (one file, WAL).
    Sqlite,
}

impl BackendKind {
    /// The backend's name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
        }
    }
}

impl fmt::Display for BackendKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_key_names_are_unique() {
        for a in SystemKey::ALL {
            let same = SystemKey::ALL
                .iter()
                .filter(|b| b.as_str() == a.as_str())
                .count();
            assert_eq!(same, 1, "{a} reused");
        }
    }
}
