//! ML-KEM-768 (FIPS 203): encapsulate to a key's primary version (with its
//! public encapsulation key; no private material is opened), decapsulate
//! with a version's private key. ML-KEM rejects implicitly: a modified
//! ciphertext of the right length decapsulates to another secret, not an
//! error (FIPS 203 section 6.3).

use keyhold_api::b64::{Base64, SecretBase64};
use keyhold_api::crypto::{
    DecapsulateRequest, DecapsulateResponse, EncapsulateRequest, EncapsulateResponse,
};
use keyhold_core::{KeyOperation, KeyRef};
use keyhold_crypto::CryptoError;

use super::crypto::public_key;
use super::{Caller, Operations};
use crate::error::ServerError;

impl Operations {
    /// A fresh shared secret and the ciphertext that carries it to the key.
    pub fn encapsulate(
        &self,
        caller: &Caller,
        key: &KeyRef,
        _req: EncapsulateRequest,
    ) -> Result<EncapsulateResponse, ServerError> {
        let (key, version) = self.key_and_version(caller, key, None)?;
        self.check_usable(caller, &key, &version, KeyOperation::Encapsulate)?;
        let (ciphertext, shared) = self
            .crypto
            .kem
            .encapsulate(public_key(&version)?)
            .map_err(ServerError::Crypto)?;
        Ok(EncapsulateResponse {
            ciphertext: Base64(ciphertext),
            shared_secret: SecretBase64(shared.expose().to_vec()),
            key_id: key.id,
            version: version.meta.version,
        })
    }

    /// The shared secret a ciphertext carries to a version (the primary
    /// when none is named).
    pub fn decapsulate(
        &self,
        caller: &Caller,
        key: &KeyRef,
        req: DecapsulateRequest,
    ) -> Result<DecapsulateResponse, ServerError> {
        let (key, version) = self.key_and_version(caller, key, req.version)?;
        let material = self.usable_material(caller, &key, &version, KeyOperation::Decapsulate)?;
        let shared = self
            .crypto
            .kem
            .decapsulate(&material, &req.ciphertext.0)
            .map_err(|e| match e {
                // A ciphertext of the wrong length: the caller's input.
                CryptoError::InvalidInput { .. } => ServerError::InvalidRequest {
                    detail: e.to_string(),
                },
                other => ServerError::Crypto(other),
            })?;
        Ok(DecapsulateResponse {
            shared_secret: SecretBase64(shared.expose().to_vec()),
            key_id: key.id,
            version: version.meta.version,
        })
    }
}
