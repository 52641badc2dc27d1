//! What the KMIP listener needs from the operations service that REST does
//! not: objects named by key version id (a KMIP managed object
//! is a key version, DESIGN.md section 3).

use keyhold_api::b64::Base64;
use keyhold_api::crypto::{MacRequest, MacVerifyRequest};
use keyhold_api::keys::{CreateKeyRequest, InitialState};
use keyhold_api::lifecycle::{RevokeRequest, ScheduleDestroyRequest};
use std::collections::BTreeMap;

use keyhold_core::{
    Algorithm, CryptoParams, Key, KeyKind, KeyName, KeyOperation, KeyRef, KeyVersion, KmipMeta,
    Origin, Timestamp, UsageMask, VersionId,
};
use keyhold_store::{KeyQuery, TxError};

use super::{Caller, Operations};
use crate::error::ServerError;
use crate::vault::tx_error;

/// A key a KMIP Create or Register makes.
#[derive(Debug)]
pub struct KmipKeySpec {
    /// The key's name.
    pub name: KeyName,
    /// Its Description (KMIP 1.4 section 3.46); empty when it has none.
    pub description: String,
    /// Its algorithm.
    pub algorithm: Algorithm,
    /// Its usage; the algorithm's default when `None`.
    pub usage: Option<UsageMask>,
    /// Whether its material may leave the server (KMIP Extractable).
    pub exportable: bool,
    /// Its default Cryptographic Parameters (KMIP 1.4 section 3.6).
    pub crypto_params: Option<CryptoParams>,
    /// Its KMIP-only attributes (what a data object is, Object Groups).
    pub kmip: KmipMeta,
    /// Its custom attributes (`x-…`, `y-…`), kept as tags of the same name.
    pub custom: BTreeMap<String, String>,
    /// Its first version's own usage dates.
    pub dates: UsageDates,
    /// Whether it is a pair whose Public Key object keeps its own state
    /// and dates (KMIP Create Key Pair: [`keyhold_core::PublicHalf`]).
    pub split_pair: bool,
    /// The Public Key object's own Name, when the request gave it one.
    pub public_name: Option<KeyName>,
}

/// A KMIP object's own usage dates: its Process Start Date and Protect
/// Stop Date (KMIP 1.4 sections 3.25 and 3.26), kept with its version
/// ([`keyhold_core::KeyVersion`]) and enforced at each use.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct UsageDates {
    /// Before this, the object processes nothing.
    pub process_start: Option<Timestamp>,
    /// From this on, the object protects nothing.
    pub protect_stop: Option<Timestamp>,
}

impl KmipKeySpec {
    /// A key's request for this spec: `name` and `algorithm`, the custom
    /// attributes as tags, Pre-Active as KMIP 1.4 section 4.1 requires;
    /// KMIP objects are Extractable unless the client says not (KMIP 2.1
    /// section 4.20), so `exportable` comes from the request.
    pub(super) fn request(&self) -> CreateKeyRequest {
        let mut req = CreateKeyRequest::new(self.name.clone(), self.algorithm);
        req.initial_state = Some(InitialState::PreActive);
        req.usage = self.usage;
        req.exportable = self.exportable;
        req.tags = self.custom.clone();
        req.description = self.description.clone();
        req
    }

    /// What the key keeps for KMIP alone.
    pub(super) fn kmip_attrs(self) -> KmipAttrs {
        KmipAttrs {
            crypto_params: self.crypto_params,
            meta: self.kmip,
            dates: self.dates,
            split_pair: self.split_pair,
            public_name: self.public_name,
        }
    }
}

/// What a key keeps for KMIP alone: its default Cryptographic Parameters
/// and its KMIP-only attributes. Empty for a key made over REST.
#[derive(Debug, Default)]
pub(super) struct KmipAttrs {
    /// Default Cryptographic Parameters (KMIP 1.4 section 3.6).
    pub(super) crypto_params: Option<CryptoParams>,
    /// KMIP-only attributes.
    pub(super) meta: KmipMeta,
    /// The first version's usage dates.
    pub(super) dates: UsageDates,
    /// The first version's Public Key object keeps its own state.
    pub(super) split_pair: bool,
    /// The Public Key object's own Name.
    pub(super) public_name: Option<KeyName>,
}

impl Operations {
    /// The key of the caller's tenant that holds version `id`, and the
    /// version. Another tenant's version is [`ServerError::KeyNotFound`].
    pub fn key_by_version_id(
        &self,
        caller: &Caller,
        id: VersionId,
    ) -> Result<(Key, KeyVersion), ServerError> {
        let (key, v) = self.version_row(caller, id)?;
        caller.admit_key(&key, Some(v.version))?;
        Ok((key, v))
    }

    /// The key of the caller's tenant that holds version `id`, and the
    /// version, not yet admitted: callers admit it for their action.
    pub(super) fn version_row(
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
    }

    /// [`key_by_version_id`](Self::key_by_version_id) of the Private Key
    /// or Symmetric Key object `id` names: a public key registered alone
    /// has none, so its version id alone is not found (its object is
    /// `<id>/public`).
    pub fn secret_by_version_id(
        &self,
        caller: &Caller,
        id: VersionId,
    ) -> Result<(Key, KeyVersion), ServerError> {
        let (key, version) = self.key_by_version_id(caller, id)?;
        if key.origin == Origin::ImportedPublic {
            return Err(ServerError::KeyNotFound);
        }
        Ok((key, version))
    }

    /// KMIP Create of a symmetric key: a new key as `spec` says
    /// ([`KmipKeySpec::request`]), Pre-Active; its first version.
    pub fn create_pre_active(
        &self,
        caller: &Caller,
        spec: KmipKeySpec,
    ) -> Result<KeyVersion, ServerError> {
        let req = spec.request();
        let info = self.generate_key(caller, req, spec.kmip_attrs())?;
        let (_, version) = self.key_with_version(caller, &KeyRef::Id(info.id), None)?;
        Ok(version.meta)
    }

    /// The key whose primary version is `id`. keyhold's lifecycle moves a
    /// key, not a lone version, so a KMIP operation that changes state
    /// names the primary version; another version is refused.
    fn key_of_primary(&self, caller: &Caller, id: VersionId) -> Result<Key, ServerError> {
        let (key, version) = self.key_by_version_id(caller, id)?;
        if version.version != key.primary_version {
            return Err(ServerError::InvalidRequest {
                detail: "over KMIP, only a key's primary version changes state".into(),
            });
        }
        Ok(key)
    }

    /// KMIP Activate of version `id`: activates its key.
    pub fn activate_version(&self, caller: &Caller, id: VersionId) -> Result<(), ServerError> {
        let key = self.key_of_primary(caller, id)?;
        self.activate_key(caller, &KeyRef::Id(key.id))?;
        Ok(())
    }

    /// KMIP Destroy of version `id`: schedules the destruction of its
    /// key's material after the server's minimum waiting period
    /// (`min_destroy_waiting_days`): in keyhold, destruction always waits
    /// and can be cancelled until it runs (DESIGN.md section 3). When it
    /// is due. A key pair's two objects are one key: destroying the second
    /// half once the first is scheduled is a success that changes nothing.
    pub fn destroy_version(
        &self,
        caller: &Caller,
        id: VersionId,
    ) -> Result<Option<Timestamp>, ServerError> {
        let key = self.key_of_primary(caller, id)?;
        if key.algorithm.kind() == KeyKind::Asymmetric {
            if let Some(at) = key.destroy_scheduled_at {
                // The other half of the pair asked already: one key holds both.
                return Ok(Some(at));
            }
        }
        let req = ScheduleDestroyRequest {
            waiting_period_days: Some(self.lifecycle.min_destroy_waiting_days),
        };
        let info = self.schedule_key_destroy(caller, &KeyRef::Id(key.id), req)?;
        Ok(info.destroy_scheduled_at)
    }

    /// KMIP Archive of version `id`: archives its key.
    pub fn archive_version(&self, caller: &Caller, id: VersionId) -> Result<(), ServerError> {
        let key = self.key_of_primary(caller, id)?;
        self.archive_key(caller, &KeyRef::Id(key.id)).map(drop)
    }

    /// KMIP Recover of version `id`: recovers its key from the archive.
    pub fn recover_version(&self, caller: &Caller, id: VersionId) -> Result<(), ServerError> {
        let key = self.key_of_primary(caller, id)?;
        self.recover_key(caller, &KeyRef::Id(key.id)).map(drop)
    }

    /// KMIP Re-key of version `id`: rotates its key; the new primary
    /// version is the replacement object (KMIP 1.4 section 4.4). A key
    /// pair is re-keyed by Re-key Key Pair ([`Self::rekey_pair_version`]).
    pub fn rekey_version(&self, caller: &Caller, id: VersionId) -> Result<KeyVersion, ServerError> {
        let key = self.key_of_primary(caller, id)?;
        if key.algorithm.kind() == KeyKind::Asymmetric {
            return Err(ServerError::InvalidRequest {
                detail: "a key pair is re-keyed by Re-key Key Pair".into(),
            });
        }
        self.rotate_to_primary(caller, &key)
    }

    /// KMIP Re-key Key Pair of version `id`, a pair's Private Key: rotates
    /// the pair; the new primary version holds the new pair (KMIP 1.4
    /// section 4.5, KMIP 2.1 section 6.1.47).
    pub fn rekey_pair_version(
        &self,
        caller: &Caller,
        id: VersionId,
    ) -> Result<KeyVersion, ServerError> {
        let key = self.key_of_primary(caller, id)?;
        if key.algorithm.kind() != KeyKind::Asymmetric {
            return Err(ServerError::InvalidRequest {
                detail: "Re-key Key Pair is for key pairs; re-key other keys with Re-key".into(),
            });
        }
        self.rotate_to_primary(caller, &key)
    }

    /// Rotates `key`; its new primary version.
    fn rotate_to_primary(&self, caller: &Caller, key: &Key) -> Result<KeyVersion, ServerError> {
        let info = self.rotate_key(caller, &KeyRef::Id(key.id))?;
        let (_, version) = self.key_with_version(caller, &KeyRef::Id(info.id), None)?;
        Ok(version.meta)
    }
}

/// Keys a KMIP Locate reads per store transaction.
const LOCATE_PAGE: u32 = 1000;

impl Operations {
    /// KMIP Locate's candidates: the caller's keys (the one named `name`,
    /// or every key of the tenant, in pages) that the caller may read,
    /// with their versions' metadata. The Locate filter does the rest.
    pub fn locate_candidates(
        &self,
        caller: &Caller,
        name: Option<KeyName>,
    ) -> Result<Vec<(Key, Vec<KeyVersion>)>, ServerError> {
        self.vault.unlocked()?;
        let tenant = caller.tenant.id;
        let mut query = KeyQuery {
            name_prefix: None,
            algorithm: None,
            state: None,
            tag: None,
            after: None,
            limit: LOCATE_PAGE,
        };
        let mut out = Vec::new();
        loop {
            let page = self
                .store
                .read(|tx| {
                    let keys = match &name {
                        Some(n) => tx.key_by_name(tenant, n)?.into_iter().collect(),
                        None => tx.keys(tenant, &query)?,
                    };
                    let mut rows = Vec::with_capacity(keys.len());
                    for key in keys {
                        let versions = tx.versions(key.id)?.into_iter().map(|v| v.meta);
                        rows.push((key, versions.collect::<Vec<_>>()));
                    }
                    Ok::<_, TxError<ServerError>>(rows)
                })
                .map_err(tx_error)?;
            let full = name.is_none() && page.len() == LOCATE_PAGE as usize;
            query.after = page.last().map(|(k, _)| k.name.clone());
            out.extend(
                page.into_iter()
                    .filter(|(k, _)| caller.admit_key(k, None).is_ok()),
            );
            if !full {
                return Ok(out);
            }
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

/// Checks that `key` is of `expected`, when the request names an algorithm.
fn check_algorithm(key: &Key, expected: Option<Algorithm>) -> Result<(), ServerError> {
    if expected.is_some_and(|a| a != key.algorithm) {
        return Err(ServerError::InvalidRequest {
            detail: format!("the object is a {} key", key.algorithm),
        });
    }
    Ok(())
}

/// Only the primary version protects: another one is `NotPrimary`.
pub(super) fn check_primary(
    key: &Key,
    version: &KeyVersion,
    operation: KeyOperation,
) -> Result<(), ServerError> {
    if version.version != key.primary_version {
        return Err(ServerError::Core(keyhold_core::CoreError::NotPrimary {
            operation,
        }));
    }
    Ok(())
}

impl Operations {
    /// KMIP MAC under version `id`, its key's primary version: with the
    /// key itself (an HMAC key), or with the HMAC a raw-cipher key's
    /// parameters name (`keyed_mac.rs`). The key is read once.
    pub fn mac_version(
        &self,
        caller: &Caller,
        id: VersionId,
        expected: Option<Algorithm>,
        data: Vec<u8>,
    ) -> Result<Vec<u8>, ServerError> {
        let (key, version) = self.key_by_version_id(caller, id)?;
        let keyed = super::keyed_mac::keyed_hmac(&key, expected)?;
        if keyed.is_none() {
            check_algorithm(&key, expected)?;
        }
        check_primary(&key, &version, KeyOperation::MacGenerate)?;
        if let Some(hmac) = keyed {
            return self.keyed_mac(caller, &key, hmac, &data);
        }
        let req = MacRequest { data: Base64(data) };
        Ok(self.mac(caller, &KeyRef::Id(key.id), req)?.mac.0)
    }

    /// KMIP MAC Verify under version `id`: whether `mac` is data's tag.
    pub fn mac_verify_version(
        &self,
        caller: &Caller,
        id: VersionId,
        expected: Option<Algorithm>,
        data: Vec<u8>,
        mac: Vec<u8>,
    ) -> Result<bool, ServerError> {
        let (key, version) = self.key_by_version_id(caller, id)?;
        if let Some(hmac) = super::keyed_mac::keyed_hmac(&key, expected)? {
            let at = (&key, version.version);
            return self.keyed_mac_verify(caller, at, hmac, (&data, &mac));
        }
        check_algorithm(&key, expected)?;
        let req = MacVerifyRequest {
            data: Base64(data),
            mac: Base64(mac),
            version: Some(version.version),
        };
        Ok(self.mac_verify(caller, &KeyRef::Id(key.id), req)?.valid)
    }
}

impl Operations {
    /// The SHA-256 digest KMIP's Digest attribute reports for version `id`
    /// (KMIP 1.4 section 3.17, KMIP 2.1 section 4.16): over the raw key of
    /// a symmetric key, the PKCS#8 private key of a key pair, or, for its
    /// `public` half, the SubjectPublicKeyInfo. `None` once the material is
    /// destroyed. The material is opened to hash it and never leaves.
    pub fn version_digest(
        &self,
        caller: &Caller,
        key: &Key,
        version: &KeyVersion,
        public: bool,
    ) -> Result<Option<Vec<u8>>, ServerError> {
        let sha256 = |bytes: &[u8]| {
            aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes)
                .as_ref()
                .to_vec()
        };
        if public {
            return Ok(version.public_key.as_deref().map(sha256));
        }
        let stored = self.find_version(key, version.version)?;
        if stored.sealed_material.is_none() {
            return Ok(None);
        }
        let material = self.open_material(caller, key, &stored)?;
        Ok(Some(sha256(material.secret().expose())))
    }

    /// The DER of version `version` when `key` is a Certificate (KMIP 1.4
    /// section 2.2.1), which the attributes KMIP reports of it are read
    /// from; `None` for any other object or once the bytes are destroyed.
    /// A certificate is public: its bytes are sealed like any data
    /// object's, and opened for this alone.
    pub fn certificate_der(
        &self,
        caller: &Caller,
        key: &Key,
        version: &KeyVersion,
    ) -> Result<Option<Vec<u8>>, ServerError> {
        if key.algorithm != Algorithm::Certificate {
            return Ok(None);
        }
        let stored = self.find_version(key, version.version)?;
        if stored.sealed_material.is_none() {
            return Ok(None);
        }
        let material = self.open_material(caller, key, &stored)?;
        Ok(Some(material.secret().expose().to_vec()))
    }
}
