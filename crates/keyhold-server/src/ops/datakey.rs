//! Data keys for envelope encryption: a fresh random key returned wrapped
//! under a managed key (and in the clear if asked), so the caller encrypts
//! its data locally and stores the wrapped key beside it; `decrypt` unwraps
//! it later.

use std::ops::RangeInclusive;

use keyhold_api::b64::{Base64, SecretBase64};
use keyhold_api::crypto::{
    GenerateDataKeyRequest, GenerateDataKeyResponse, MAX_DATA_KEY_BYTES, MIN_DATA_KEY_BYTES,
};
use keyhold_core::{KeyOperation, KeyRef};
use zeroize::Zeroizing;

use super::{Caller, Operations};
use crate::error::ServerError;

/// The data key lengths allowed, in bytes.
const DATA_KEY_BYTES: RangeInclusive<u32> = MIN_DATA_KEY_BYTES..=MAX_DATA_KEY_BYTES;

impl Operations {
    /// Makes a data key of `req.bytes` random bytes (from the provider's
    /// random source) and seals it under the key's primary version with
    /// `req.context` bound, as `encrypt` would.
    pub fn generate_data_key(
        &self,
        caller: &Caller,
        key: &KeyRef,
        req: GenerateDataKeyRequest,
    ) -> Result<GenerateDataKeyResponse, ServerError> {
        let len = data_key_len(req.bytes)?;
        caller.note_context(&req.context);
        let (key, version) = self.key_and_version(caller, key, None)?;
        let sealer = self.sealer(caller, &key, &version, KeyOperation::GenerateDataKey)?;
        let mut data_key = Zeroizing::new(vec![0u8; len]);
        self.fill_random(&mut data_key)?;
        let ciphertext = sealer.seal(&self.crypto, &data_key, &req.context)?;
        Ok(GenerateDataKeyResponse {
            ciphertext: Base64(ciphertext),
            plaintext: req
                .include_plaintext
                .then(|| SecretBase64(data_key.to_vec())),
            key_id: key.id,
            version: sealer.version(),
        })
    }
}

/// The data key length, if allowed.
fn data_key_len(bytes: u32) -> Result<usize, ServerError> {
    if !DATA_KEY_BYTES.contains(&bytes) {
        return Err(ServerError::InvalidRequest {
            detail: format!(
                "bytes must be {MIN_DATA_KEY_BYTES} to {MAX_DATA_KEY_BYTES}, not {bytes}"
            ),
        });
    }
    usize::try_from(bytes).map_err(|_| ServerError::Internal {
        what: "data key length does not fit usize",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_key_lengths_are_bounded() {
        assert_eq!(data_key_len(16).unwrap(), 16);
        assert_eq!(data_key_len(64).unwrap(), 64);
        for bad in [0, 15, 65, u32::MAX] {
            assert!(matches!(
                data_key_len(bad),
                Err(ServerError::InvalidRequest { .. })
            ));
        }
    }
}
