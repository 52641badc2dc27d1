//! Key material in and out over KMIP: Get returns a version's material
//! (KMIP 1.4 section 4.11, KMIP 2.1 section 6.1.19) and Register stores a
//! key the client supplies (KMIP 1.4 section 4.3, KMIP 2.1 section 6.1.43).
//! The KMIP connection is mutually authenticated TLS, so the material
//! travels in the clear inside it, as the protocol defines; REST export and
//! import always wrap instead.

use keyhold_api::keys::{CreateKeyRequest, InitialState};
use keyhold_core::{Key, KeyRef, KeyVersion, Origin, VersionId};
use keyhold_crypto::{CryptoError, KeyMaterial, SecretBytes};
use serde::Serialize;

use super::kmip_support::KmipKeySpec;
use super::transfer::check_export;
use super::{Caller, Operations};
use crate::error::ServerError;

/// What a KMIP Get binds a quorum approval to.
#[derive(Serialize)]
struct KmipGet {
    version: VersionId,
}

impl Operations {
    /// KMIP Get of version `id`: its key and material, for an exportable
    /// key in a state REST export allows too (never Suspended,
    /// Compromised, archived or scheduled for destruction), once any
    /// quorum approval the export needs is spent. Audited as `key:export`.
    pub fn version_material(
        &self,
        caller: &Caller,
        id: VersionId,
    ) -> Result<(Key, KeyVersion, KeyMaterial), ServerError> {
        let (key, meta) = self.key_by_version_id(caller, id)?;
        if !key.exportable {
            return Err(ServerError::KeyNotExportable);
        }
        let version = self.find_version(&key, meta.version)?;
        check_export(&key, &version.meta)?;
        self.spend_approval_alone(caller, Some(key.id), &KmipGet { version: id })?;
        let material = self.open_material(caller, &key, &version)?;
        Ok((key, version.meta, material))
    }

    /// KMIP Register of a key the client supplies: a new key (origin
    /// imported) whose first version holds `secret`, Pre-Active until
    /// activated, as for Create. Material that does not parse as a key of
    /// the algorithm is `invalid_key_material`.
    pub fn register_key(
        &self,
        caller: &Caller,
        spec: KmipKeySpec,
        secret: SecretBytes,
    ) -> Result<KeyVersion, ServerError> {
        let algorithm = spec.algorithm;
        let usage = spec.usage.unwrap_or(algorithm.default_usage());
        algorithm.check_usage(usage)?;
        self.vault.unlocked()?;
        let material = KeyMaterial::from_parts(algorithm, secret).map_err(|e| match e {
            CryptoError::InvalidKeyMaterial { algorithm } => {
                ServerError::InvalidKeyMaterial { algorithm }
            }
            other => ServerError::Crypto(other),
        })?;
        let mut req = CreateKeyRequest::new(spec.name, algorithm);
        req.usage = Some(usage);
        req.exportable = spec.exportable;
        req.initial_state = Some(InitialState::PreActive);
        let info = self.insert_new_key(caller, req, Origin::Imported, &material)?;
        let (_, version) = self.key_with_version(caller, &KeyRef::Id(info.id), None)?;
        Ok(version.meta)
    }
}
