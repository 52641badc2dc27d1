//! What the KMIP listener needs from the operations service that REST does
//! not: objects named by key version id (a KMIP managed object
//! is a key version, DESIGN.md section 3).

use keyhold_api::keys::{CreateKeyRequest, InitialState};
use keyhold_api::lifecycle::RevokeRequest;
use keyhold_core::{Algorithm, Key, KeyName, KeyRef, KeyVersion, VersionId};
use keyhold_store::TxError;

use super::{Caller, Operations};
use crate::error::ServerError;
use crate::vault::tx_error;

impl Operations {
    /// The key of the caller's tenant that holds version `id`, and the
    /// version. Another tenant's version is [`ServerError::KeyNotFound`].
    pub fn key_by_version_id(
        &self,
        caller: &Caller,
        id: VersionId,
    ) -> Result<(Key, KeyVersion), ServerError> {
        self.vault.unlocked()?;
        let tenant = caller.tenant.id;
        self.store
            .read(|tx| {
                let not_found = || TxError::Abort(ServerError::KeyNotFound);
                let version = tx.version_by_id(id)?.ok_or_else(not_found)?;
                let key = tx
                    .key_get(tenant, version.meta.key)?
                    .ok_or_else(not_found)?;
                Ok((key, version.meta))
            })
            .map_err(tx_error)
            .and_then(|(key, v)| {
                caller.admit_key(&key, Some(v.version))?;
                Ok((key, v))
            })
    }

    /// KMIP Create of a symmetric key: a new AES-256-GCM key named `name`,
    /// Pre-Active as KMIP 1.4 section 4.1 requires; its first version.
    pub fn create_pre_active_aes(
        &self,
        caller: &Caller,
        name: KeyName,
    ) -> Result<KeyVersion, ServerError> {
        let mut req = CreateKeyRequest::new(name, Algorithm::Aes256Gcm);
        req.initial_state = Some(InitialState::PreActive);
        let info = self.create_key(caller, req)?;
        let (_, version) = self.key_with_version(caller, &KeyRef::Id(info.id), None)?;
        Ok(version.meta)
    }

    /// KMIP Activate of version `id`: activates its key when the version is
    /// the key's primary one (the version KMIP created); another version is
    /// refused, since keyhold's lifecycle moves a key, not a lone version.
    pub fn activate_version(&self, caller: &Caller, id: VersionId) -> Result<(), ServerError> {
        let (key, version) = self.key_by_version_id(caller, id)?;
        if version.version != key.primary_version {
            return Err(ServerError::InvalidRequest {
                detail: "only a key's primary version can be activated over KMIP".into(),
            });
        }
        self.activate_key(caller, &KeyRef::Id(key.id))?;
        Ok(())
    }
}

impl Operations {
    /// KMIP Locate by name: the primary version of the caller's key named
    /// `name`, if there is one.
    pub fn primary_version_by_name(
        &self,
        caller: &Caller,
        name: KeyName,
    ) -> Result<Option<VersionId>, ServerError> {
        self.vault.unlocked()?;
        match self.key_with_version(caller, &KeyRef::Name(name), None) {
            Ok((_, version)) => Ok(Some(version.meta.id)),
            Err(ServerError::KeyNotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

impl Operations {
    /// KMIP Revoke of version `id`: that version alone, as REST's revoke
    /// with a `version` does.
    pub fn revoke_version(
        &self,
        caller: &Caller,
        id: VersionId,
        mut req: RevokeRequest,
    ) -> Result<(), ServerError> {
        let (key, version) = self.key_by_version_id(caller, id)?;
        req.version = Some(version.version);
        self.revoke_key(caller, &KeyRef::Id(key.id), req)?;
        Ok(())
    }
}
