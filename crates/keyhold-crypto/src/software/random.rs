//! The system random generator, through aws-lc-rs (which seeds its DRBG from
//! the operating system).

use crate::error::CryptoError;
use crate::provider::SecureRandom;

/// Random bytes from aws-lc-rs' generator.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemRandom;

impl SecureRandom for SystemRandom {
    fn fill(&self, out: &mut [u8]) -> Result<(), CryptoError> {
        aws_lc_rs::rand::fill(out).map_err(|_| CryptoError::Random)
    }

    fn fips_approved(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_with_fresh_bytes() {
        let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
        SystemRandom.fill(&mut a).unwrap();
        SystemRandom.fill(&mut b).unwrap();
        assert_ne!(a, b);
        assert_ne!(a, [0u8; 32]);
        SystemRandom.fill(&mut []).unwrap();
    }
}
