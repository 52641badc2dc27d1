//! Random bytes from the provider's cryptographic random source, for
//! callers without a good one of their own.

use keyhold_api::b64::SecretBase64;
use keyhold_api::crypto::{MAX_RANDOM_BYTES, RandomRequest, RandomResponse};

use super::{Caller, Operations};
use crate::error::ServerError;

impl Operations {
    /// `req.bytes` (1 to 1024) random bytes. The caller is authenticated
    /// (and later authorized) like any other.
    pub fn random(
        &self,
        _caller: &Caller,
        req: RandomRequest,
    ) -> Result<RandomResponse, ServerError> {
        let len = random_len(req.bytes)?;
        let mut random = SecretBase64(vec![0u8; len]);
        self.fill_random(&mut random.0)?;
        Ok(RandomResponse { random })
    }

    /// RNG Seed (KMIP 1.4 section 4.36, KMIP 2.1 section 6.1.50): keyhold
    /// takes no seed material from clients, and answers how much it used:
    /// none. Its generator (AWS-LC's CTR-DRBG) seeds itself from the
    /// operating system, and bytes a client chose must not steer the keys
    /// made for others; KMIP lets a server ignore the material and say so
    /// with a Data Length of zero. The event records how many bytes were
    /// offered, never the bytes.
    pub fn rng_seed(&self, caller: &Caller, offered: usize) -> i32 {
        caller.note("rng_seed_offered_bytes", offered.to_string());
        0
    }

    /// Fills `buf` from the provider's random source: every random value
    /// the service makes (IVs, data keys, correlation values) comes from
    /// here.
    pub(super) fn fill_random(&self, buf: &mut [u8]) -> Result<(), ServerError> {
        self.crypto.random.fill(buf).map_err(ServerError::Crypto)
    }
}

/// The number of bytes, if allowed.
fn random_len(bytes: u32) -> Result<usize, ServerError> {
    if bytes == 0 || bytes > MAX_RANDOM_BYTES {
        return Err(ServerError::InvalidRequest {
            detail: format!("bytes must be 1 to {MAX_RANDOM_BYTES}, not {bytes}"),
        });
    }
    usize::try_from(bytes).map_err(|_| ServerError::Internal {
        what: "random length does not fit usize",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_are_bounded() {
        assert_eq!(random_len(1).unwrap(), 1);
        assert_eq!(random_len(1024).unwrap(), 1024);
        for bad in [0, 1025, u32::MAX] {
            assert!(matches!(
                random_len(bad),
                Err(ServerError::InvalidRequest { .. })
            ));
        }
    }
}
