//! AES-256-GCM with a caller-visible nonce and tag (NIST SP 800-38D), for
//! interfaces that carry them apart from the ciphertext (KMIP Encrypt and
//! Decrypt, KMIP 1.4 sections 4.29 and 4.30) instead of keyhold's own
//! envelope. The nonce is always the server's: a fresh random 96 bits.

use keyhold_core::{Algorithm, Key, KeyOperation, VersionId};
use keyhold_crypto::SecretBytes;
use keyhold_store::StoredVersion;

use super::{Caller, Operations};
use crate::error::ServerError;

/// The length of an AES-GCM tag keyhold writes and accepts, in bytes.
pub const GCM_TAG_LEN: usize = 16;

/// AES-GCM output with its parts apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawSealed {
    /// The 96-bit nonce the server chose.
    pub nonce: Vec<u8>,
    /// The ciphertext, as long as the plaintext.
    pub ciphertext: Vec<u8>,
    /// The 128-bit authentication tag.
    pub tag: Vec<u8>,
}

impl Operations {
    /// Encrypts `plaintext` under version `id` (which must allow Encrypt in
    /// its state and usage) with `aad` authenticated.
    pub fn encrypt_raw(
        &self,
        caller: &Caller,
        id: VersionId,
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<RawSealed, ServerError> {
        let (key, version) = self.aes_version(caller, id)?;
        let material = self.usable_material(caller, &key, &version, KeyOperation::Encrypt)?;
        let mut sealed = self
            .crypto
            .aead
            .encrypt(&material, aad, plaintext)
            .map_err(ServerError::Crypto)?;
        let at = sealed
            .ciphertext
            .len()
            .checked_sub(GCM_TAG_LEN)
            .ok_or(ServerError::Internal {
                what: "AEAD output shorter than its tag",
            })?;
        let tag = sealed.ciphertext.split_off(at);
        Ok(RawSealed {
            nonce: sealed.nonce,
            ciphertext: sealed.ciphertext,
            tag,
        })
    }

    /// Decrypts and authenticates under version `id`; any mismatch is
    /// [`ServerError::DecryptionFailed`].
    pub fn decrypt_raw(
        &self,
        caller: &Caller,
        id: VersionId,
        aad: &[u8],
        sealed: &RawSealed,
    ) -> Result<SecretBytes, ServerError> {
        if sealed.tag.len() != GCM_TAG_LEN {
            return Err(ServerError::InvalidRequest {
                detail: format!("the tag must be {GCM_TAG_LEN} bytes"),
            });
        }
        let (key, version) = self.aes_version(caller, id)?;
        let material = self.usable_material(caller, &key, &version, KeyOperation::Decrypt)?;
        let mut joined = Vec::with_capacity(sealed.ciphertext.len() + GCM_TAG_LEN);
        joined.extend_from_slice(&sealed.ciphertext);
        joined.extend_from_slice(&sealed.tag);
        self.crypto
            .aead
            .decrypt(&material, &sealed.nonce, aad, &joined)
            .map_err(|_| ServerError::DecryptionFailed)
    }

    /// The caller's AES-256-GCM key holding version `id`, with the version.
    fn aes_version(
        &self,
        caller: &Caller,
        id: VersionId,
    ) -> Result<(Key, StoredVersion), ServerError> {
        self.vault.unlocked()?;
        let wanted = super::key_cache::Wanted::Version(id);
        let (entry, version) = self.cached_key(caller.tenant.id, wanted)?;
        let version = version.ok_or(ServerError::KeyNotFound)?;
        let (key, version) = (entry.key.clone(), version.stored.clone());
        caller.admit_key(&key, Some(version.meta.version))?;
        if key.algorithm != Algorithm::Aes256Gcm {
            return Err(ServerError::InvalidRequest {
                detail: "only AES-256-GCM keys encrypt over KMIP".into(),
            });
        }
        Ok((key, version))
    }
}
