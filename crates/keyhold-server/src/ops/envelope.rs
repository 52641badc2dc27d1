//! Sealing data into ciphertext envelopes under one key version, and opening
//! them (the format is `keyhold_crypto::envelope`).
//!
//! The AEAD keys (AES-256-GCM, ChaCha20-Poly1305) seal with their material.
//! RSA keys seal small messages with RSA-OAEP-SHA-256 under the version's
//! public key, so sealing opens no private material; the envelope's AAD
//! (tenant, key, version, algorithm, encryption context) is the OAEP label
//! (RFC 8017 section 7.1), so it binds the context exactly as the AEADs do.
//! A [`Sealer`] or [`Opener`] is made once (checks done, material opened)
//! and used for any number of items: a batch opens material once.

use std::sync::Arc;

use keyhold_api::keys::EncryptionContext;
use keyhold_core::{Algorithm, CoreError, Key, KeyId, KeyOperation, TenantId, VersionNumber};
use keyhold_crypto::envelope::{self, Body, Envelope};
use keyhold_crypto::{CryptoError, CryptoProvider, KeyMaterial, SecretBytes};
use keyhold_store::StoredVersion;

use super::crypto::public_key;
use super::{Caller, Operations};
use crate::error::ServerError;

/// Seals data under one key version.
#[derive(Debug)]
pub(super) struct Sealer {
    tenant: TenantId,
    key: KeyId,
    version: VersionNumber,
    algorithm: Algorithm,
    with: SealWith,
}

#[derive(Debug)]
enum SealWith {
    Aead(Arc<KeyMaterial>),
    RsaOaep { public_key: Vec<u8>, max_len: usize },
}

impl Sealer {
    /// The version that seals.
    pub(super) fn version(&self) -> VersionNumber {
        self.version
    }

    /// Seals `plaintext` with `context` bound as AAD; returns the envelope.
    pub(super) fn seal(
        &self,
        crypto: &CryptoProvider,
        plaintext: &[u8],
        context: &EncryptionContext,
    ) -> Result<Vec<u8>, ServerError> {
        let mut env = Envelope {
            key: self.key,
            version: self.version,
            algorithm: self.algorithm,
            nonce: Vec::new(),
            ciphertext: Vec::new(),
        };
        let aad = envelope::data_aad(self.tenant, &env, context);
        match &self.with {
            SealWith::Aead(material) => {
                let sealed = crypto
                    .aead
                    .encrypt(material, &aad, plaintext)
                    .map_err(ServerError::Crypto)?;
                env.nonce = sealed.nonce;
                env.ciphertext = sealed.ciphertext;
            }
            SealWith::RsaOaep {
                public_key,
                max_len,
            } => {
                if plaintext.len() > *max_len {
                    return Err(ServerError::PlaintextTooLong {
                        len: plaintext.len(),
                        max: *max_len,
                    });
                }
                env.ciphertext = crypto
                    .asymmetric
                    .encrypt_with_label(public_key, &aad, plaintext)
                    .map_err(ServerError::Crypto)?;
            }
        }
        Ok(env.encode())
    }
}

/// Opens envelopes of one key version.
#[derive(Debug)]
pub(super) struct Opener {
    tenant: TenantId,
    key: KeyId,
    version: VersionNumber,
    material: Arc<KeyMaterial>,
}

impl Opener {
    /// Opens `env` with `context` as AAD. Any mismatch (another key or
    /// version, another context, a modified byte) is `DecryptionFailed`.
    pub(super) fn open(
        &self,
        crypto: &CryptoProvider,
        env: &Envelope,
        context: &EncryptionContext,
    ) -> Result<SecretBytes, ServerError> {
        let algorithm = self.material.algorithm();
        if env.key != self.key || env.version != self.version || env.algorithm != algorithm {
            return Err(ServerError::DecryptionFailed);
        }
        let aad = envelope::data_aad(self.tenant, env, context);
        let opened = match Body::of(algorithm) {
            Some(Body::Aead) => {
                crypto
                    .aead
                    .decrypt(&self.material, &env.nonce, &aad, &env.ciphertext)
            }
            Some(Body::RsaOaep { .. }) => {
                crypto
                    .asymmetric
                    .decrypt_with_label(&self.material, &aad, &env.ciphertext)
            }
            None => return Err(ServerError::DecryptionFailed),
        };
        opened.map_err(|e| match e {
            CryptoError::Decrypt => ServerError::DecryptionFailed,
            other => ServerError::Crypto(other),
        })
    }
}

impl Operations {
    /// A sealer for `version` of `key`, after the checks for `op` (encrypt
    /// or generate-data-key).
    pub(super) fn sealer(
        &self,
        caller: &Caller,
        key: &Key,
        version: &StoredVersion,
        op: KeyOperation,
    ) -> Result<Sealer, ServerError> {
        self.check_usable(caller, key, version, op)?;
        if key.kmip.usage_limits.is_some() {
            // Envelopes are not metered: a limited key encrypts over KMIP.
            return Err(ServerError::InvalidRequest {
                detail: "a key with Usage Limits encrypts over KMIP only".into(),
            });
        }
        let with = match Body::of(key.algorithm) {
            Some(Body::Aead) => SealWith::Aead(self.material(caller, key, version)?),
            Some(Body::RsaOaep { .. }) => SealWith::RsaOaep {
                public_key: public_key(version)?.to_vec(),
                max_len: self
                    .crypto
                    .asymmetric
                    .max_plaintext_len(key.algorithm)
                    .ok_or(ServerError::Internal {
                        what: "RSA key without an OAEP plaintext limit",
                    })?,
            },
            // A raw-cipher key (KMIP's client-driven modes) never seals an
            // envelope: a client who chose its IVs could break envelopes.
            None => {
                return Err(ServerError::Core(CoreError::OperationNotSupported {
                    algorithm: key.algorithm,
                    operation: op,
                }));
            }
        };
        Ok(Sealer {
            tenant: caller.tenant.id,
            key: key.id,
            version: version.meta.version,
            algorithm: key.algorithm,
            with,
        })
    }

    /// An opener for `version` of `key`, after the checks for decrypt.
    pub(super) fn opener(
        &self,
        caller: &Caller,
        key: &Key,
        version: &StoredVersion,
    ) -> Result<Opener, ServerError> {
        let material = self.usable_material(caller, key, version, KeyOperation::Decrypt)?;
        Ok(Opener {
            tenant: caller.tenant.id,
            key: key.id,
            version: version.meta.version,
            material,
        })
    }
}
