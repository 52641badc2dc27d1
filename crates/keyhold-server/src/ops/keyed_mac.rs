//! KMIP MAC and MAC Verify (KMIP 1.4 sections 4.33 and 4.34) under a
//! raw-cipher key whose Cryptographic Parameters name an HMAC: the KMIP
//! profiles register an AES key with Cryptographic Algorithm HMAC_SHA256
//! and MAC with it. The HMAC is keyed with the key's bytes; the request's
//! algorithm, if it names one, wins over the key's. REST keys never do
//! this (their MAC keys are HMAC keys, see `mac.rs`).

use keyhold_core::crypto_params::ParamAlgorithm;
use keyhold_core::{Algorithm, Key, KeyOperation, KeyRef, VersionNumber};
use keyhold_crypto::CryptoError;

use super::{Caller, Operations};
use crate::error::ServerError;

/// The HMAC a raw-cipher `key` MACs with: the one the request names
/// (`asked`), else the one its Cryptographic Parameters name. `None` for a
/// key that is not a raw-cipher key (it MACs as itself).
///
/// # Errors
/// [`ServerError::InvalidRequest`] for a raw-cipher key when neither names
/// an HMAC.
pub(super) fn keyed_hmac(
    key: &Key,
    asked: Option<Algorithm>,
) -> Result<Option<Algorithm>, ServerError> {
    if !key.algorithm.is_raw_cipher() {
        return Ok(None);
    }
    let stored = key
        .crypto_params
        .as_ref()
        .and_then(|p| p.algorithm)
        .and_then(|a| match a {
            ParamAlgorithm::HmacSha256 => Some(Algorithm::HmacSha256),
            ParamAlgorithm::HmacSha384 => Some(Algorithm::HmacSha384),
            ParamAlgorithm::HmacSha512 => Some(Algorithm::HmacSha512),
            _ => None,
        });
    asked.or(stored).map(Some).ok_or_else(|| ServerError::InvalidRequest {
        detail: format!(
            "a {} key MACs only with an HMAC its or the request's Cryptographic Parameters name",
            key.algorithm
        ),
    })
}

impl Operations {
    /// The tag of `data` under raw-cipher `key`'s primary version with
    /// `hmac`.
    pub(super) fn keyed_mac(
        &self,
        caller: &Caller,
        key: &Key,
        hmac: Algorithm,
        data: &[u8],
    ) -> Result<Vec<u8>, ServerError> {
        let (key, version) = self.key_and_version(caller, &KeyRef::Id(key.id), None)?;
        let material = self.usable_material(caller, &key, &version, KeyOperation::MacGenerate)?;
        self.crypto
            .mac
            .compute_keyed(hmac, &material, data)
            .map_err(ServerError::Crypto)
    }

    /// Whether `tag` is `data`'s tag under version `number` of raw-cipher
    /// `key` with `hmac`.
    pub(super) fn keyed_mac_verify(
        &self,
        caller: &Caller,
        (key, number): (&Key, VersionNumber),
        hmac: Algorithm,
        (data, tag): (&[u8], &[u8]),
    ) -> Result<bool, ServerError> {
        let (key, version) = self.key_and_version(caller, &KeyRef::Id(key.id), Some(number))?;
        let material = self.usable_material(caller, &key, &version, KeyOperation::MacVerify)?;
        match self.crypto.mac.verify_keyed(hmac, &material, data, tag) {
            Ok(()) => Ok(true),
            Err(CryptoError::BadMac) => Ok(false),
            Err(other) => Err(ServerError::Crypto(other)),
        }
    }
}
