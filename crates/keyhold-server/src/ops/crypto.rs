//! Using a managed key: finding the key and one of its versions, the checks
//! every use goes through (the algorithm can do the operation, the key's
//! usage allows it: [`KeyOperation::check`]; the version's state allows it:
//! [`check_use`]), and opening the version's sealed material. Keys,
//! versions and opened material come from the key cache when it has them
//! (`key_cache`); the checks run on every use all the same.
//!
//! The operations themselves are in their own files: `encrypt` (encrypt,
//! decrypt, reencrypt), `datakey`, `sign`, `mac`, `kem`, `random` and
//! `batch`; `envelope` seals and opens data envelopes for them.

use std::sync::Arc;

use keyhold_core::usage_rule::{Permit, UseContext, check_use};
use keyhold_core::{
    Algorithm, Key, KeyKind, KeyOperation, KeyRef, Origin, TenantId, VersionNumber,
};
use keyhold_crypto::KeyMaterial;
use keyhold_crypto::hierarchy::{Kek, MaterialAad};
use keyhold_store::{ReadTx, StoredVersion, TxError};

use super::key_cache::{CachedVersion, Entry, Wanted};
use super::{Caller, Operations, usage_limits};
use crate::error::ServerError;
use crate::vault::tx_error;

impl Operations {
    /// A key of the caller's tenant and one of its versions (the primary
    /// when `number` is `None`), as of one snapshot of the store (or the
    /// key cache).
    pub(super) fn key_and_version(
        &self,
        caller: &Caller,
        key: &KeyRef,
        number: Option<VersionNumber>,
    ) -> Result<(Key, StoredVersion), ServerError> {
        let (entry, version) = self.cached_key(caller.tenant.id, Wanted::Key(key, number))?;
        let version = version.ok_or(ServerError::VersionNotFound {
            version: number.unwrap_or(entry.key.primary_version),
        })?;
        caller.admit_key(&entry.key, Some(version.stored.meta.version))?;
        Ok((entry.key.clone(), version.stored.clone()))
    }

    /// A key of the caller's tenant, without a version.
    pub(super) fn find_key(&self, caller: &Caller, key: &KeyRef) -> Result<Key, ServerError> {
        let (entry, _) = self.cached_key(caller.tenant.id, Wanted::Key(key, None))?;
        caller.admit_key(&entry.key, None)?;
        Ok(entry.key.clone())
    }

    /// One version of `key`.
    pub(super) fn find_version(
        &self,
        key: &Key,
        version: VersionNumber,
    ) -> Result<StoredVersion, ServerError> {
        let by_id = KeyRef::Id(key.id);
        let (_, found) = self.cached_key(key.tenant, Wanted::Key(&by_id, Some(version)))?;
        found
            .map(|v| v.stored.clone())
            .ok_or(ServerError::VersionNotFound { version })
    }

    /// The key `wanted` names in `tenant`, and the version it names if the
    /// key has it: from the key cache, else read in one snapshot of the
    /// store and cached. No authorization here: callers admit the key.
    pub(super) fn cached_key(
        &self,
        tenant: TenantId,
        wanted: Wanted<'_>,
    ) -> Result<(Arc<Entry>, Option<Arc<CachedVersion>>), ServerError> {
        let lookup = match self.key_cache.find(tenant, wanted) {
            Ok((entry, version)) => return Ok((entry, Some(version))),
            Err(lookup) => lookup,
        };
        let (key, version) = self
            .store
            .read(|tx| read_key_version(tx, tenant, wanted))
            .map_err(tx_error)?;
        Ok(self.key_cache.keep(lookup, key, version))
    }

    /// Checks the operation against the version's material (a destroyed
    /// version answers `key_destroyed` whatever was asked), the key's
    /// algorithm and usage, the version's state and its usage dates (the
    /// end of its originator-usage period or its Protect Stop Date, its
    /// Process Start Date); records the use for the unused-key rule
    /// (in memory, see `key_use`). Every use of a key goes through here.
    pub(super) fn check_usable(
        &self,
        caller: &Caller,
        key: &Key,
        version: &StoredVersion,
        op: KeyOperation,
    ) -> Result<(), ServerError> {
        // A public-key operation on a pair whose Public Key keeps its own
        // state follows that state (`keyhold_core::public_half`).
        let view;
        let meta = match version.meta.public_half {
            Some(_) if uses_public_key(key.algorithm, op) => {
                view = version.meta.public_view();
                &view
            }
            _ => &version.meta,
        };
        let state = meta.state;
        if state.is_destroyed() {
            return Err(ServerError::MaterialGone { state });
        }
        op.check(key.algorithm, key.usage)?;
        usage_limits::check_limits(key, op)?;
        let now = self.now();
        let ctx = UseContext {
            state,
            is_primary: meta.version == key.primary_version,
            archived: meta.archived,
            may_use_compromised: caller.may_use_compromised(key),
            protect_stop: meta.protect_stop(&key.cryptoperiod),
            process_start: meta.process_start_date,
            now,
        };
        if matches!(check_use(&ctx, op)?, Permit::CompromisedUse) {
            tracing::warn!(key = %key.id, version = %version.meta.version, %op, "compromised key version used");
        }
        self.key_use.note(key.id, key.last_used_at, now);
        Ok(())
    }

    /// Checks the operation ([`Operations::check_usable`]), then gives the
    /// version's material ([`Operations::material`]).
    pub(super) fn usable_material(
        &self,
        caller: &Caller,
        key: &Key,
        version: &StoredVersion,
        op: KeyOperation,
    ) -> Result<Arc<KeyMaterial>, ServerError> {
        self.check_usable(caller, key, version, op)?;
        self.material(caller, key, version)
    }

    /// A version's material: opened once under the tenant's KEK and kept in
    /// the key cache with the version (when the cache holds exactly this
    /// version's sealed bytes), else opened for this request only. A sealed
    /// server gives none, cached or not. Callers check the use first.
    pub(super) fn material(
        &self,
        caller: &Caller,
        key: &Key,
        version: &StoredVersion,
    ) -> Result<Arc<KeyMaterial>, ServerError> {
        self.vault.unlocked()?;
        match self.key_cache.version_of(key, version) {
            // `open_material` checks the seal again after the lookup: an
            // entry found before a seal is one the seal clears.
            Some(cached) => cached.material(|| self.open_material(caller, key, version)),
            None => self.open_material(caller, key, version).map(Arc::new),
        }
    }

    /// Opens a version's material under the tenant's KEK. Callers check
    /// the use first ([`Operations::check_usable`]); most want
    /// [`Operations::usable_material`], which does both.
    pub(super) fn open_material(
        &self,
        caller: &Caller,
        key: &Key,
        version: &StoredVersion,
    ) -> Result<KeyMaterial, ServerError> {
        if key.origin == Origin::ImportedPublic {
            return Err(ServerError::PublicKeyOnly);
        }
        let sealed = version
            .sealed_material
            .as_ref()
            .ok_or(ServerError::MaterialGone {
                state: version.meta.state,
            })?;
        let kek = self.kek_for(caller, version.kek_generation)?;
        let aad = MaterialAad {
            tenant: key.tenant,
            key: key.id,
            version: version.meta.version,
            algorithm: key.algorithm,
        };
        kek.open_material(&aad, sealed).map_err(ServerError::Crypto)
    }

    /// The caller's tenant's KEK of `generation` (the current one, or the
    /// retiring one during a KEK rotation), reading the tenant afresh when
    /// the caller's copy predates a rotation.
    fn kek_for(&self, caller: &Caller, generation: u32) -> Result<Arc<Kek>, ServerError> {
        let unlocked = self.vault.unlocked()?;
        match unlocked.kek_for(&caller.tenant, generation) {
            Ok(kek) => Ok(kek),
            Err(_) => unlocked.kek_for(&*self.tenant(caller.tenant.id)?, generation),
        }
    }
}

/// The key `wanted` names in `tenant`, and the version it names if the key
/// has it, in one snapshot.
fn read_key_version(
    tx: &mut dyn ReadTx,
    tenant: TenantId,
    wanted: Wanted<'_>,
) -> Result<(Key, Option<StoredVersion>), TxError<ServerError>> {
    match wanted {
        Wanted::Key(key, number) => {
            let key = read_key(tx, tenant, key)?;
            let version = tx.version_get(key.id, number.unwrap_or(key.primary_version))?;
            Ok((key, version))
        }
        Wanted::Version(id) => {
            let not_found = || TxError::Abort(ServerError::KeyNotFound);
            let version = tx.version_by_id(id)?.ok_or_else(not_found)?;
            let key = tx
                .key_get(tenant, version.meta.key)?
                .ok_or_else(not_found)?;
            Ok((key, Some(version)))
        }
    }
}

/// The key `key` names in `tenant`.
fn read_key(
    tx: &mut dyn ReadTx,
    tenant: TenantId,
    key: &KeyRef,
) -> Result<Key, TxError<ServerError>> {
    let found = match key {
        KeyRef::Id(id) => tx.key_get(tenant, *id)?,
        KeyRef::Name(name) => tx.key_by_name(tenant, name)?,
    };
    found.ok_or(TxError::Abort(ServerError::KeyNotFound))
}

/// A version's public key (SubjectPublicKeyInfo DER, or ML-KEM's raw
/// encapsulation key). Every asymmetric version has one.
pub(super) fn public_key(version: &StoredVersion) -> Result<&[u8], ServerError> {
    version
        .meta
        .public_key
        .as_deref()
        .ok_or(ServerError::Internal {
            what: "asymmetric key version without a public key",
        })
}

/// Whether the reference in the path names this key.
pub(super) fn names(key_ref: &KeyRef, key: &Key) -> bool {
    match key_ref {
        KeyRef::Id(id) => *id == key.id,
        KeyRef::Name(name) => *name == key.name,
    }
}

/// Whether `op` with a key of `algorithm` uses its public key alone:
/// verifying, encrypting, wrapping or encapsulating with a key pair.
fn uses_public_key(algorithm: Algorithm, op: KeyOperation) -> bool {
    algorithm.kind() == KeyKind::Asymmetric
        && matches!(
            op,
            KeyOperation::Verify
                | KeyOperation::Encrypt
                | KeyOperation::WrapKey
                | KeyOperation::Encapsulate
        )
}
