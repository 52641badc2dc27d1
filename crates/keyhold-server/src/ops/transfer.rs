//! Secure key transfer: import tokens, import ("bring your own key") and
//! export. Material crosses the boundary only wrapped to a public key, with
//! the schemes of `keyhold_crypto::transfer` (RSA-OAEP-SHA-256 + AES-KWP as
//! AWS KMS `RSA_AES_KEY_WRAP_SHA_256` and Vault's BYOK import, or ML-KEM-768
//! + AES-KWP).
//!
//! - import-token: a fresh key pair held in memory ([`super::import_tokens`]),
//!   its public key handed to the caller.
//! - import: unwraps with the token's private key, checks the material is a
//!   key of the stated algorithm, seals it under the tenant KEK like a
//!   generated key, and consumes the token. Any failure stores nothing and
//!   leaves the token usable.
//! - export: only keys created `exportable`, whatever the caller's rights;
//!   only versions whose material exists and whose state allows it
//!   ([`check_export`]); wrapped to the caller's RSA or ML-KEM public key.

use keyhold_api::b64::Base64;
use keyhold_api::keys::{CreateKeyRequest, KeyInfo};
use keyhold_api::transfer::{
    ExportKeyRequest, ExportKeyResponse, ImportKeyRequest, ImportTokenRequest, ImportTokenResponse,
    WrappingAlgorithm, WrappingKeySpec,
};
use keyhold_core::{Algorithm, Key, KeyRef, KeyState, KeyVersion, Origin};
use keyhold_crypto::transfer::{self, TransportScheme};
use keyhold_crypto::{CryptoError, KeyMaterial};

use keyhold_store::{StoredVersion, TxError};

use super::kmip_material::invalid_material;
use super::{Caller, Operations};
use crate::error::ServerError;

impl Operations {
    /// Makes an import token: a key pair of the requested kind (RSA-3072 by
    /// default) whose public key the caller wraps material to.
    pub fn import_token(
        &self,
        caller: &Caller,
        req: ImportTokenRequest,
    ) -> Result<ImportTokenResponse, ServerError> {
        self.vault.unlocked()?;
        let spec = token_spec(&req)?;
        let key = self
            .crypto
            .keygen
            .generate(spec_algorithm(spec))
            .map_err(ServerError::Crypto)?;
        let public_key = self
            .crypto
            .keygen
            .public_key(&key)
            .map_err(ServerError::Crypto)?
            .ok_or(ServerError::Internal {
                what: "import token key without a public key",
            })?;
        let (import_token, expires_at) =
            self.import_tokens
                .issue(caller.tenant.id, key, self.now())?;
        Ok(ImportTokenResponse {
            import_token,
            public_key: Base64(public_key),
            algorithm: spec.algorithm(),
            wrapping_key_spec: spec,
            expires_at,
        })
    }

    /// Creates a key from material wrapped to an import token's public key.
    /// Its first version is Active and its origin `imported`.
    pub fn import_key(
        &self,
        caller: &Caller,
        req: ImportKeyRequest,
    ) -> Result<KeyInfo, ServerError> {
        if req.algorithm.is_data() {
            return Err(ServerError::NotAKey {
                algorithm: req.algorithm,
            });
        }
        if req.algorithm.is_legacy() {
            return Err(ServerError::LegacyKey {
                algorithm: req.algorithm,
            });
        }
        let usage = req.usage.unwrap_or(req.algorithm.default_usage());
        req.algorithm.check_usage(usage)?;
        self.vault.unlocked()?;
        let lease = self
            .import_tokens
            .lease(req.import_token, caller.tenant.id, self.now())?;
        let secret = transfer::unwrap(&self.crypto, lease.key(), &req.wrapped_material.0)
            .map_err(unwrap_error)?;
        let material = KeyMaterial::from_parts(req.algorithm, secret).map_err(invalid_material)?;
        let mut create = CreateKeyRequest::new(req.name, req.algorithm);
        create.usage = Some(usage);
        create.description = req.description;
        create.tags = req.tags;
        create.exportable = req.exportable;
        let info = self.insert_new_key(caller, create, Origin::Imported, &material)?;
        lease.consume();
        Ok(info)
    }

    /// Exports a version of an exportable key (the primary version by
    /// default), wrapped to the caller's public key.
    pub fn export_key(
        &self,
        caller: &Caller,
        key: &KeyRef,
        req: ExportKeyRequest,
    ) -> Result<ExportKeyResponse, ServerError> {
        let key = self.find_key(caller, key)?;
        if !key.exportable {
            // Before anything else: a non-exportable key says nothing more.
            return Err(ServerError::KeyNotExportable);
        }
        let version = self.find_version(&key, req.version.unwrap_or(key.primary_version))?;
        check_export(&key, &version.meta, caller.may_use_compromised(&key))?;
        self.spend_approval_alone(caller, Some(key.id), &req)?;
        let material = self.open_material(caller, &key, &version)?;
        let algorithm = req.wrapping_algorithm;
        let wrapped = transfer::wrap(
            &self.crypto,
            scheme(algorithm),
            &req.wrapping_key.0,
            material.secret().expose(),
        )
        .map_err(|e| match e {
            CryptoError::InvalidPublicKey { .. } => ServerError::InvalidWrappingKey { algorithm },
            other => ServerError::Crypto(other),
        })?;
        self.mark_served(caller, &version)?;
        Ok(ExportKeyResponse {
            wrapped_material: Base64(wrapped),
            key_id: key.id,
            version: version.meta.version,
            algorithm: key.algorithm,
            wrapping_algorithm: algorithm,
        })
    }
}

impl Operations {
    /// Records that `version`'s secret material is being served to the
    /// caller (REST export, KMIP Get), the first time only: from then on
    /// it is no longer KMIP Fresh. The write carries the request's audit
    /// event; if it fails, nothing is served.
    pub(super) fn mark_served(
        &self,
        caller: &Caller,
        version: &StoredVersion,
    ) -> Result<(), ServerError> {
        if version.meta.served_at.is_some() {
            return Ok(());
        }
        let (key, number) = (version.meta.key, version.meta.version);
        let now = self.now();
        self.write_audited(caller, |tx| {
            let mut stored = tx.version_get(key, number)?.ok_or(TxError::Abort(
                ServerError::VersionNotFound { version: number },
            ))?;
            if stored.meta.served_at.is_none() {
                stored.meta.served_at = Some(now);
                tx.version_update(&stored)?;
            }
            Ok(())
        })
    }
}

/// The key pair an import-token request asks for: `rsa-3072` by default,
/// the algorithm's default when only the algorithm is given, and the spec
/// given when it fits the algorithm (if any).
fn token_spec(req: &ImportTokenRequest) -> Result<WrappingKeySpec, ServerError> {
    match (req.algorithm, req.wrapping_key_spec) {
        (None, None) => Ok(WrappingKeySpec::Rsa3072),
        (None, Some(spec)) => Ok(spec),
        (Some(algorithm), None) => Ok(match algorithm {
            WrappingAlgorithm::RsaOaepSha256AesKwp => WrappingKeySpec::Rsa3072,
            WrappingAlgorithm::MlKem768AesKwp => WrappingKeySpec::MlKem768,
        }),
        (Some(algorithm), Some(spec)) if spec.algorithm() == algorithm => Ok(spec),
        (Some(algorithm), Some(spec)) => Err(ServerError::InvalidRequest {
            detail: format!("wrapping_key_spec {spec} does not fit algorithm {algorithm}"),
        }),
    }
}

/// The key algorithm of an import token's key pair.
fn spec_algorithm(spec: WrappingKeySpec) -> Algorithm {
    match spec {
        WrappingKeySpec::Rsa3072 => Algorithm::Rsa3072,
        WrappingKeySpec::Rsa4096 => Algorithm::Rsa4096,
        WrappingKeySpec::MlKem768 => Algorithm::MlKem768,
    }
}

/// The crypto scheme of a wire wrapping algorithm.
fn scheme(algorithm: WrappingAlgorithm) -> TransportScheme {
    match algorithm {
        WrappingAlgorithm::RsaOaepSha256AesKwp => TransportScheme::RsaOaepSha256AesKwp,
        WrappingAlgorithm::MlKem768AesKwp => TransportScheme::MlKem768AesKwp,
    }
}

/// A blob that does not unwrap is the caller's doing: one error for every
/// way it can fail (see `keyhold_crypto::transfer`).
fn unwrap_error(e: CryptoError) -> ServerError {
    match e {
        CryptoError::Unwrap | CryptoError::InvalidInput { .. } => {
            ServerError::InvalidWrappedMaterial
        }
        other => ServerError::Crypto(other),
    }
}

/// Whether a version may be exported. The key must have been created
/// exportable (checked first: nothing else matters then) and not be
/// scheduled for destruction; the version must not be archived, and its
/// state must be one whose material is in service or about to be:
///
/// | state | export |
/// |---|---|
/// | PreActive, Active, Deactivated | yes (Deactivated material still decrypts old data) |
/// | Suspended | no: out of service until resumed |
/// | Compromised | only when `compromised_allowed`: for a principal granted `key:use-compromised` by name, as processing with it is (its holders may need it to decrypt what it protected; everyone else never gets it) |
/// | Destroyed, DestroyedCompromised | no: the material is gone |
pub(super) fn check_export(
    key: &Key,
    version: &KeyVersion,
    compromised_allowed: bool,
) -> Result<(), ServerError> {
    if !key.exportable {
        return Err(ServerError::KeyNotExportable);
    }
    if let Some(at) = key.destroy_scheduled_at {
        return Err(ServerError::ExportDestroyScheduled { at });
    }
    if version.archived {
        return Err(ServerError::ExportArchived);
    }
    let state = version.state;
    match state {
        KeyState::PreActive | KeyState::Active | KeyState::Deactivated => Ok(()),
        KeyState::Compromised if compromised_allowed => Ok(()),
        KeyState::Destroyed | KeyState::DestroyedCompromised => {
            Err(ServerError::MaterialGone { state })
        }
        KeyState::Suspended | KeyState::Compromised => Err(ServerError::ExportForbidden { state }),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use keyhold_core::{
        KeyId, KeyName, Protection, TenantId, Timestamp, UsageMask, VersionId, VersionNumber,
    };

    use super::*;

    fn key(exportable: bool) -> Key {
        Key {
            id: KeyId::from_uuid(uuid::Uuid::from_bytes([1; 16])),
            tenant: TenantId::from_uuid(uuid::Uuid::from_bytes([2; 16])),
            name: "k".parse::<KeyName>().unwrap(),
            description: String::new(),
            tags: BTreeMap::new(),
            algorithm: Algorithm::Aes256Gcm,
            usage: UsageMask::ENCRYPT,
            protection: Protection::Software,
            origin: Origin::Generated,
            exportable,
            owner: None,
            rotation_period_secs: None,
            next_rotation_at: None,
            primary_version: VersionNumber::FIRST,
            destroy_scheduled_at: None,
            created_at: Timestamp::EPOCH,
            updated_at: Timestamp::EPOCH,
            cryptoperiod: keyhold_core::Cryptoperiod::NONE,
            recipient_usage_end: None,
            last_used_at: None,
            idle_warned_at: None,
            crypto_params: None,
            kmip: Default::default(),
        }
    }

    fn version(state: KeyState, archived: bool) -> KeyVersion {
        KeyVersion {
            archived,
            ..KeyVersion::new(
                VersionId::from_uuid(uuid::Uuid::from_bytes([3; 16])),
                KeyId::from_uuid(uuid::Uuid::from_bytes([1; 16])),
                VersionNumber::FIRST,
                state,
                Timestamp::EPOCH,
            )
        }
    }

    #[test]
    fn export_follows_the_state_table() {
        use KeyState as S;
        for state in KeyState::ALL {
            let got = check_export(&key(true), &version(state, false), false);
            match state {
                S::PreActive | S::Active | S::Deactivated => assert!(got.is_ok(), "{state}"),
                S::Suspended | S::Compromised => assert!(
                    matches!(got, Err(ServerError::ExportForbidden { state: s }) if s == state),
                    "{state}"
                ),
                S::Destroyed | S::DestroyedCompromised => assert!(
                    matches!(got, Err(ServerError::MaterialGone { state: s }) if s == state),
                    "{state}"
                ),
            }
        }
    }

    #[test]
    fn compromised_material_leaves_only_for_those_who_may_use_it() {
        let compromised = version(KeyState::Compromised, false);
        assert!(check_export(&key(true), &compromised, true).is_ok());
        for state in [KeyState::Suspended, KeyState::Destroyed] {
            assert!(check_export(&key(true), &version(state, false), true).is_err());
        }
    }

    #[test]
    fn non_exportable_keys_refuse_first_whatever_else() {
        for state in KeyState::ALL {
            for archived in [false, true] {
                let mut k = key(false);
                k.destroy_scheduled_at = Some(Timestamp::EPOCH);
                assert!(matches!(
                    check_export(&k, &version(state, archived), true),
                    Err(ServerError::KeyNotExportable)
                ));
            }
        }
    }

    #[test]
    fn archived_versions_and_keys_pending_destruction_refuse() {
        assert!(matches!(
            check_export(&key(true), &version(KeyState::Active, true), true),
            Err(ServerError::ExportArchived)
        ));
        let mut k = key(true);
        k.destroy_scheduled_at = Some(Timestamp::from_unix_seconds(5));
        assert!(matches!(
            check_export(&k, &version(KeyState::Deactivated, false), true),
            Err(ServerError::ExportDestroyScheduled { .. })
        ));
    }

    #[test]
    fn token_spec_defaults_and_refuses_misfits() {
        use WrappingAlgorithm as A;
        use WrappingKeySpec as K;
        let req = |algorithm, wrapping_key_spec| ImportTokenRequest {
            algorithm,
            wrapping_key_spec,
        };
        let fits = [
            (None, None, K::Rsa3072),
            (Some(A::RsaOaepSha256AesKwp), None, K::Rsa3072),
            (Some(A::MlKem768AesKwp), None, K::MlKem768),
            (None, Some(K::Rsa4096), K::Rsa4096),
            (Some(A::RsaOaepSha256AesKwp), Some(K::Rsa4096), K::Rsa4096),
            (Some(A::MlKem768AesKwp), Some(K::MlKem768), K::MlKem768),
        ];
        for (a, k, want) in fits {
            assert_eq!(token_spec(&req(a, k)).unwrap(), want, "{a:?} {k:?}");
        }
        for (a, k) in [
            (A::MlKem768AesKwp, K::Rsa3072),
            (A::RsaOaepSha256AesKwp, K::MlKem768),
        ] {
            assert!(matches!(
                token_spec(&req(Some(a), Some(k))),
                Err(ServerError::InvalidRequest { .. })
            ));
        }
    }

    #[test]
    fn only_unwrap_failures_are_the_callers_fault() {
        assert!(matches!(
            unwrap_error(CryptoError::Unwrap),
            ServerError::InvalidWrappedMaterial
        ));
        assert!(matches!(
            unwrap_error(CryptoError::InvalidInput {
                what: "wrapped key material",
                reason: "too short"
            }),
            ServerError::InvalidWrappedMaterial
        ));
        assert!(matches!(
            unwrap_error(CryptoError::Random),
            ServerError::Crypto(_)
        ));
    }
}
