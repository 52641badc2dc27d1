//! Key material in and out over KMIP: Get returns a version's material
//! (KMIP 1.4 section 4.11, KMIP 2.1 section 6.1.19) and Register stores a
//! key the client supplies (KMIP 1.4 section 4.3, KMIP 2.1 section 6.1.43).
//! The KMIP connection is mutually authenticated TLS, so the material
//! travels in the clear inside it, as the protocol defines; REST export and
//! import always wrap instead.

use keyhold_core::{Key, KeyRef, KeyVersion, Origin, VersionId};
use keyhold_crypto::key_import::PublicKeyInfo;
use keyhold_crypto::{CryptoError, KeyMaterial, SecretBytes};
use keyhold_store::StoredVersion;
use serde::Serialize;

use super::keys::NewContent;
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
    /// key in a state REST export allows too (never Suspended, archived or
    /// scheduled for destruction; Compromised only for a principal granted
    /// `key:use-compromised`), once any quorum approval the export needs
    /// is spent. Audited as `key:export`. A Sensitive object's material
    /// never leaves this way (KMIP 1.4 section 3.48, KMIP 2.1 section
    /// 4.55): only wrapped ([`Operations::version_material_wrapped`]).
    pub fn version_material(
        &self,
        caller: &Caller,
        id: VersionId,
    ) -> Result<(Key, KeyVersion, KeyMaterial), ServerError> {
        let (key, version, material) = self.material_to_export(caller, id, refuse_sensitive)?;
        self.mark_served(caller, &version)?;
        Ok((key, version.meta, material))
    }

    /// The checks of a KMIP Get before any material leaves, `refuse` first
    /// (a wrapped Get refuses a key wrapped under itself), then the
    /// material opened; the caller marks it served once it has it out.
    pub(super) fn material_to_export(
        &self,
        caller: &Caller,
        id: VersionId,
        refuse: impl FnOnce(&Key) -> Result<(), ServerError>,
    ) -> Result<(Key, StoredVersion, KeyMaterial), ServerError> {
        let (key, meta) = self.key_by_version_id(caller, id)?;
        refuse(&key)?;
        if !key.exportable {
            return Err(ServerError::KeyNotExportable);
        }
        let version = self.find_version(&key, meta.version)?;
        check_export(&key, &version.meta, caller.may_use_compromised(&key))?;
        self.spend_kmip_get_approval(caller, &key, id)?;
        let material = self.open_material(caller, &key, &version)?;
        Ok((key, version, material))
    }

    /// Spends the quorum approval a KMIP Get of version `id` of `key`
    /// needs, if any (a KMIP client cannot carry one: such a Get is
    /// refused).
    pub(super) fn spend_kmip_get_approval(
        &self,
        caller: &Caller,
        key: &Key,
        id: VersionId,
    ) -> Result<(), ServerError> {
        self.spend_approval_alone(caller, Some(key.id), &KmipGet { version: id })
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
        let material = KeyMaterial::from_parts(spec.algorithm, secret).map_err(invalid_material)?;
        self.register_material(caller, spec, &material)
    }

    /// KMIP Register of a private key (already parsed into PKCS#8
    /// material, [`keyhold_crypto::key_import`]): a key pair whose public
    /// key is derived from it, as for Create Key Pair.
    pub fn register_material(
        &self,
        caller: &Caller,
        spec: KmipKeySpec,
        material: &KeyMaterial,
    ) -> Result<KeyVersion, ServerError> {
        let content = NewContent::Secret {
            origin: Origin::Imported,
            material,
        };
        self.register_content(caller, spec, content)
    }

    /// KMIP Register of a public key alone: a key of origin
    /// [`Origin::ImportedPublic`] whose version holds `public` and no
    /// private key.
    pub fn register_public_key(
        &self,
        caller: &Caller,
        spec: KmipKeySpec,
        public: &PublicKeyInfo,
    ) -> Result<KeyVersion, ServerError> {
        self.register_content(caller, spec, NewContent::PublicOnly(public))
    }

    fn register_content(
        &self,
        caller: &Caller,
        spec: KmipKeySpec,
        content: NewContent<'_>,
    ) -> Result<KeyVersion, ServerError> {
        let algorithm = spec.algorithm;
        let usage = spec.usage.unwrap_or(algorithm.default_usage());
        algorithm.check_usage(usage)?;
        self.vault.unlocked()?;
        let mut req = spec.request();
        req.usage = Some(usage);
        let info = self.insert_key(caller, req, content, spec.kmip_attrs())?;
        let (_, version) = self.key_with_version(caller, &KeyRef::Id(info.id), None)?;
        Ok(version.meta)
    }
}

/// Refuses the unwrapped Get of a Sensitive object: the key's material is
/// Sensitive unless the key is a public key registered alone (whose
/// Sensitive is its public key's, [`keyhold_core::KmipMeta::sensitive`]).
pub(crate) fn refuse_sensitive(key: &Key) -> Result<(), ServerError> {
    if key.kmip.sensitive && key.origin != Origin::ImportedPublic {
        return Err(ServerError::SensitiveObject);
    }
    Ok(())
}

/// Material that does not parse as a key of its algorithm, or that its
/// standard forbids.
pub(crate) fn invalid_material(e: CryptoError) -> ServerError {
    match e {
        CryptoError::InvalidKeyMaterial { algorithm }
        | CryptoError::InvalidPublicKey { algorithm }
        | CryptoError::LegacyKey { algorithm, .. } => ServerError::InvalidKeyMaterial { algorithm },
        CryptoError::WeakKey { algorithm, reason } => {
            ServerError::WeakKeyMaterial { algorithm, reason }
        }
        other => ServerError::Crypto(other),
    }
}
