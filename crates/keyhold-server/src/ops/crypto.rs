//! Using a managed key: finding the key and one of its versions, the checks
//! every use goes through (the algorithm can do the operation, the key's
//! usage allows it: [`KeyOperation::check`]; the version's state allows it:
//! [`check_use`]), and opening the version's sealed material.
//!
//! The operations themselves are in their own files: `encrypt` (encrypt,
//! decrypt, reencrypt), `datakey`, `sign`, `mac`, `kem`, `random` and
//! `batch`; `envelope` seals and opens data envelopes for them.

use std::sync::Arc;

use keyhold_core::usage_rule::{Permit, UseContext, check_use};
use keyhold_core::{Key, KeyOperation, KeyRef, TenantId, VersionNumber};
use keyhold_crypto::KeyMaterial;
use keyhold_crypto::hierarchy::{Kek, MaterialAad};
use keyhold_store::{ReadTx, StoredVersion, TxError};

use super::{Caller, Operations};
use crate::error::ServerError;
use crate::vault::tx_error;

impl Operations {
    /// A key of the caller's tenant and one of its versions (the primary
    /// when `number` is `None`), read in one snapshot.
    pub(super) fn key_and_version(
        &self,
        caller: &Caller,
        key: &KeyRef,
        number: Option<VersionNumber>,
    ) -> Result<(Key, StoredVersion), ServerError> {
        let tenant = caller.tenant.id;
        self.store
            .read(|tx| {
                let key = read_key(tx, tenant, key)?;
                let version = number.unwrap_or(key.primary_version);
                let v = tx
                    .version_get(key.id, version)?
                    .ok_or(TxError::Abort(ServerError::VersionNotFound { version }))?;
                Ok((key, v))
            })
            .map_err(tx_error)
            .and_then(|(key, v)| {
                caller.admit_key(&key, Some(v.meta.version))?;
                Ok((key, v))
            })
    }

    /// A key of the caller's tenant, without a version.
    pub(super) fn find_key(&self, caller: &Caller, key: &KeyRef) -> Result<Key, ServerError> {
        let tenant = caller.tenant.id;
        self.store
            .read(|tx| read_key(tx, tenant, key))
            .map_err(tx_error)
            .and_then(|key| caller.admit_key(&key, None).map(|()| key))
    }

    /// One version of `key`.
    pub(super) fn find_version(
        &self,
        key: &Key,
        version: VersionNumber,
    ) -> Result<StoredVersion, ServerError> {
        self.store
            .read(|tx| {
                tx.version_get(key.id, version)?
                    .ok_or(TxError::Abort(ServerError::VersionNotFound { version }))
            })
            .map_err(tx_error)
    }

    /// Checks the operation against the version's material (a destroyed
    /// version answers `key_destroyed` whatever was asked), the key's
    /// algorithm and usage, the version's state and the end of its
    /// originator-usage period; records the use for the unused-key rule
    /// (in memory, see `key_use`). Every use of a key goes through here.
    pub(super) fn check_usable(
        &self,
        caller: &Caller,
        key: &Key,
        version: &StoredVersion,
        op: KeyOperation,
    ) -> Result<(), ServerError> {
        let state = version.meta.state;
        if state.is_destroyed() {
            return Err(ServerError::MaterialGone { state });
        }
        op.check(key.algorithm, key.usage)?;
        let now = self.now();
        let ctx = UseContext {
            state: version.meta.state,
            is_primary: version.meta.version == key.primary_version,
            archived: version.meta.archived,
            may_use_compromised: caller.may_use_compromised(key),
            protect_stop: key.cryptoperiod.protect_stop(version.meta.activation_date),
            now,
        };
        if matches!(check_use(&ctx, op)?, Permit::CompromisedUse) {
            tracing::warn!(key = %key.id, version = %version.meta.version, %op, "compromised key version used");
        }
        self.key_use.note(key.id, key.last_used_at, now);
        Ok(())
    }

    /// Checks the operation ([`Operations::check_usable`]), then opens the
    /// version's material.
    pub(super) fn usable_material(
        &self,
        caller: &Caller,
        key: &Key,
        version: &StoredVersion,
        op: KeyOperation,
    ) -> Result<KeyMaterial, ServerError> {
        self.check_usable(caller, key, version, op)?;
        self.open_material(caller, key, version)
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
