//! The keys of a backup file: the root-derived backup key, a passphrase,
//! and the per-file key both turn into.
//!
//! - backup key: `HKDF(root, "keyhold derived key v1: backup")`
//!   ([`DerivedPurpose::Backup`]), identified by SHA-256 of a label and the
//!   key (first 16 bytes) and tagged with its epoch;
//! - passphrase key: Argon2id (RFC 9106) of the passphrase with the
//!   header's salt and costs, 32 bytes;
//! - file key: `HKDF(salt = file salt, ikm = layer key, info = label ‖
//!   layer)`, a fresh AES-256-GCM key for every file, so chunk nonces (a
//!   counter) never repeat under one key;
//! - key check: `HMAC-SHA256(file key, label)`, first 16 bytes, in the
//!   header, so a wrong key is told apart from a modified chunk.

use std::fmt;

use aws_lc_rs::{digest, hmac};
use zeroize::Zeroizing;

use super::error::BackupError;
use super::header::{Argon2Params, BackupKeyId, CHECK_LEN, KEY_ID_LEN, Layer};
use crate::error::CryptoError;
use crate::hierarchy::{DerivedPurpose, RootKey};
use crate::secret::SecretBytes;
use crate::software::hkdf_sha256;

const KEY_ID_LABEL: &[u8] = b"keyhold backup key id v1\0";
const FILE_KEY_INFO: &[u8] = b"keyhold backup file key v1\0";
const CHECK_LABEL: &[u8] = b"keyhold backup key check v1";

/// The key that encrypts backups, derived from the root key. Never printed.
pub struct BackupKey {
    key: SecretBytes,
    epoch: u32,
    id: BackupKeyId,
}

impl fmt::Debug for BackupKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BackupKey")
            .field("key", &"<redacted>")
            .field("epoch", &self.epoch)
            .field("id", &self.id.to_string())
            .finish()
    }
}

impl BackupKey {
    /// The backup key of `root`, which is root key generation `epoch`.
    pub fn with_root(root: &RootKey, epoch: u32) -> Result<Self, CryptoError> {
        let key = root.derive(DerivedPurpose::Backup)?;
        let mut hash = digest::Context::new(&digest::SHA256);
        hash.update(KEY_ID_LABEL);
        hash.update(key.expose());
        let mut id = [0u8; KEY_ID_LEN];
        let digest = hash.finish();
        id.copy_from_slice(
            digest
                .as_ref()
                .get(..KEY_ID_LEN)
                .ok_or(CryptoError::Derive)?,
        );
        Ok(Self {
            key,
            epoch,
            id: BackupKeyId(id),
        })
    }

    /// The key's epoch.
    pub fn epoch(&self) -> u32 {
        self.epoch
    }

    /// The key's non-secret id.
    pub fn id(&self) -> BackupKeyId {
        self.id
    }

    pub(super) fn expose(&self) -> &[u8] {
        self.key.expose()
    }
}

/// A backup passphrase: zeroized on drop, never printed.
pub struct Passphrase(SecretBytes);

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Passphrase(<redacted>)")
    }
}

impl Passphrase {
    /// A passphrase from its bytes (a trailing newline is the caller's to
    /// strip).
    pub fn new(bytes: SecretBytes) -> Self {
        Self(bytes)
    }

    /// The 32-byte Argon2id key of this passphrase.
    pub(super) fn derive(
        &self,
        params: Argon2Params,
        salt: &[u8],
    ) -> Result<SecretBytes, BackupError> {
        let argon_params =
            argon2::Params::new(params.m_cost, params.t_cost, params.p_cost, Some(32))
                .map_err(|_| BackupError::Passphrase)?;
        let argon = argon2::Argon2::new(
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            argon_params,
        );
        let mut out = Zeroizing::new([0u8; 32]);
        argon
            .hash_password_into(self.0.expose(), salt, out.as_mut())
            .map_err(|_| BackupError::Passphrase)?;
        Ok(SecretBytes::copy_from(out.as_ref()))
    }
}

/// The AES-256-GCM key of one file, from its layer key and salt.
pub(super) fn file_key(
    layer_key: &[u8],
    layer: Layer,
    salt: &[u8],
) -> Result<Zeroizing<[u8; 32]>, BackupError> {
    let mut info = FILE_KEY_INFO.to_vec();
    info.push(match layer {
        Layer::Root => 1,
        Layer::Passphrase => 2,
    });
    let mut key = Zeroizing::new([0u8; 32]);
    hkdf_sha256(salt, layer_key, &info, key.as_mut())?;
    Ok(key)
}

/// The key check stored in the header.
pub(super) fn key_check(file_key: &[u8; 32]) -> [u8; CHECK_LEN] {
    let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, file_key), CHECK_LABEL);
    let mut out = [0u8; CHECK_LEN];
    out.iter_mut().zip(tag.as_ref()).for_each(|(o, t)| *o = *t);
    out
}
