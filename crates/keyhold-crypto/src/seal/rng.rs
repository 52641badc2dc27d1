//! The random generator handed to vsss-rs. vsss-rs wants an infallible
//! `rand_core` generator; the provider's [`SecureRandom`] can fail. So a
//! 256-bit seed is drawn from the provider once (where failure is reported)
//! and expanded with HMAC-SHA-256 in counter mode (a PRF, NIST SP 800-108
//! section 4.1), which cannot fail. Randomness thus still comes only from
//! the provider, and a deterministic provider gives a deterministic split.
//!
//! [`SecureRandom`]: crate::provider::SecureRandom

use std::convert::Infallible;

use aws_lc_rs::hmac;
use rand_core::{TryCryptoRng, TryRng};
use zeroize::Zeroizing;

use crate::error::CryptoError;
use crate::provider::CryptoProvider;

/// A PRF-expanded generator seeded from the provider.
pub(super) struct ProviderRng {
    key: hmac::Key,
    counter: u64,
}

impl ProviderRng {
    /// Seeds a generator from `provider`'s randomness.
    pub(super) fn new(provider: &CryptoProvider) -> Result<Self, CryptoError> {
        let mut seed = Zeroizing::new([0u8; 32]);
        provider.random.fill(seed.as_mut())?;
        Ok(Self {
            key: hmac::Key::new(hmac::HMAC_SHA256, seed.as_ref()),
            counter: 0,
        })
    }

    fn block(&mut self) -> Zeroizing<[u8; 32]> {
        let tag = hmac::sign(&self.key, &self.counter.to_be_bytes());
        self.counter = self.counter.wrapping_add(1);
        let mut out = Zeroizing::new([0u8; 32]);
        out.copy_from_slice(tag.as_ref());
        out
    }
}

impl TryRng for ProviderRng {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dst.chunks_mut(32) {
            let block = self.block();
            for (d, s) in chunk.iter_mut().zip(block.iter()) {
                *d = *s;
            }
        }
        Ok(())
    }
}

impl TryCryptoRng for ProviderRng {}

impl std::fmt::Debug for ProviderRng {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProviderRng(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::SecureRandom;
    use crate::software::SOFTWARE;

    #[derive(Debug)]
    struct Fixed;
    impl SecureRandom for Fixed {
        fn fill(&self, out: &mut [u8]) -> Result<(), CryptoError> {
            out.fill(3);
            Ok(())
        }
        fn fips_approved(&self) -> bool {
            false
        }
    }
    static FIXED: Fixed = Fixed;

    #[derive(Debug)]
    struct Broken;
    impl SecureRandom for Broken {
        fn fill(&self, _: &mut [u8]) -> Result<(), CryptoError> {
            Err(CryptoError::Random)
        }
        fn fips_approved(&self) -> bool {
            false
        }
    }
    static BROKEN: Broken = Broken;

    #[test]
    fn output_is_deterministic_for_a_seed_and_never_repeats_a_block() {
        let p = crate::provider::CryptoProvider {
            random: &FIXED,
            ..SOFTWARE
        };
        let (mut a, mut b) = (ProviderRng::new(&p).unwrap(), ProviderRng::new(&p).unwrap());
        let (mut x, mut y) = ([0u8; 100], [0u8; 100]);
        a.try_fill_bytes(&mut x).unwrap();
        b.try_fill_bytes(&mut y).unwrap();
        assert_eq!(x, y);
        assert_ne!(x[..32], x[32..64]);
        assert_ne!(a.try_next_u64().unwrap(), a.try_next_u64().unwrap());
    }

    #[test]
    fn a_failing_provider_is_reported() {
        let p = crate::provider::CryptoProvider {
            random: &BROKEN,
            ..SOFTWARE
        };
        assert!(matches!(ProviderRng::new(&p), Err(CryptoError::Random)));
    }
}
