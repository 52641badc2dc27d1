//! A message digest for a caller (KMIP Hash, KMIP 1.4 section 4.37, KMIP
//! 2.1 section 6.1.24): no key is involved, but the request is
//! authenticated, authorized (`hash:compute`) and audited like any other.

use keyhold_core::crypto_params::HashAlgorithm;

use super::{Caller, Operations};
use crate::error::ServerError;

impl Operations {
    /// The `algorithm` digest of `data`.
    pub fn hash(
        &self,
        _caller: &Caller,
        algorithm: HashAlgorithm,
        data: &[u8],
    ) -> Result<Vec<u8>, ServerError> {
        Ok(keyhold_crypto::hash::digest(algorithm, data))
    }
}
