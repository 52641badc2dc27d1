//! HMAC (RFC 2104) with SHA-256, SHA-384 or SHA-512: compute with the primary
//! version, verify (in constant time, by the provider) with any version that
//! may still process. A tag that does not verify is an answer
//! (`valid: false`), not an error.

use keyhold_api::b64::Base64;
use keyhold_api::crypto::{MacRequest, MacResponse, MacVerifyRequest, MacVerifyResponse};
use keyhold_core::{Key, KeyOperation, KeyRef};
use keyhold_crypto::CryptoError;

use super::{Caller, Operations};
use crate::error::ServerError;

/// A raw-cipher key MACs over KMIP only, with the HMAC its parameters
/// name (`keyed_mac.rs`).
fn refuse_raw(key: &Key) -> Result<(), ServerError> {
    if key.algorithm.is_raw_cipher() {
        return Err(ServerError::InvalidRequest {
            detail: format!("a {} key MACs over KMIP only", key.algorithm),
        });
    }
    Ok(())
}

impl Operations {
    /// The full-length tag of `req.data` under the key's primary version.
    pub fn mac(
        &self,
        caller: &Caller,
        key: &KeyRef,
        req: MacRequest,
    ) -> Result<MacResponse, ServerError> {
        let (key, version) = self.key_and_version(caller, key, None)?;
        refuse_raw(&key)?;
        let material = self.usable_material(caller, &key, &version, KeyOperation::MacGenerate)?;
        let mac = self
            .crypto
            .mac
            .compute(&material, &req.data.0)
            .map_err(ServerError::Crypto)?;
        Ok(MacResponse {
            mac: Base64(mac),
            key_id: key.id,
            version: version.meta.version,
        })
    }

    /// Checks a tag against a version (the primary when none is named).
    pub fn mac_verify(
        &self,
        caller: &Caller,
        key: &KeyRef,
        req: MacVerifyRequest,
    ) -> Result<MacVerifyResponse, ServerError> {
        let (key, version) = self.key_and_version(caller, key, req.version)?;
        refuse_raw(&key)?;
        let material = self.usable_material(caller, &key, &version, KeyOperation::MacVerify)?;
        let valid = match self.crypto.mac.verify(&material, &req.data.0, &req.mac.0) {
            Ok(()) => true,
            Err(CryptoError::BadMac) => false,
            Err(other) => return Err(ServerError::Crypto(other)),
        };
        Ok(MacVerifyResponse {
            valid,
            key_id: key.id,
            version: version.meta.version,
        })
    }
}
