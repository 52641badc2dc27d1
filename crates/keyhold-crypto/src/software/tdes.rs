//! Three-key Triple-DES key material ([`Algorithm::Tdes168Raw`]): made
//! and checked here, never used. A key bundle is three 8-byte DES keys
//! K1 ‖ K2 ‖ K3; in each byte the least significant bit is a parity bit
//! that the algorithm ignores (56 of each key's 64 bits are key bits, NIST
//! SP 800-67 Rev. 2 section 3.1), set so that the byte has odd parity.
//!
//! NIST SP 800-67 Rev. 2 keeps one keying option: three distinct keys
//! (two-key TDEA, K3 = K1, is no longer allowed; K1 = K2 or K2 = K3 is
//! single DES). Generated bundles are odd parity and pairwise distinct.
//! Registered bundles must be 24 bytes of pairwise distinct keys, compared
//! without their parity bits; their parity is not checked: the algorithm
//! ignores it, many clients send keys that are not parity-adjusted, and
//! keyhold gives a client back the bytes it registered.

use keyhold_core::Algorithm;
use zeroize::Zeroizing;

use crate::error::CryptoError;
use crate::provider::SecureRandom;

/// The length of a three-key bundle in bytes.
pub(crate) const KEY_LEN: usize = 24;

/// The length of one DES key of the bundle in bytes.
const DES_KEY_LEN: usize = 8;

/// How many bundles generation draws before giving up: a random bundle has
/// two equal keys with probability about 3 in 2^56, so a second draw
/// already means a broken random source.
const MAX_DRAWS: usize = 4;

/// Why the material is not a usable three-key bundle.
const NOT_DISTINCT: &str =
    "K1, K2 and K3 must be three distinct DES keys (NIST SP 800-67 Rev. 2: three-key TDEA only)";

/// Sets each byte's least significant bit so that the byte has odd parity
/// (the DES parity bit).
pub(crate) fn set_odd_parity(key: &mut [u8]) {
    for byte in key {
        let high_ones = (*byte >> 1).count_ones();
        *byte = (*byte & 0xfe) | u8::from(high_ones % 2 == 0);
    }
}

/// Whether the three DES keys of `bundle` are pairwise distinct, their
/// parity bits left out of the comparison (keys that differ only there are
/// the same key). `false` for anything but 24 bytes.
pub(crate) fn keys_distinct(bundle: &[u8]) -> bool {
    if bundle.len() != KEY_LEN {
        return false;
    }
    let mut keys = bundle.chunks_exact(DES_KEY_LEN).map(|k| {
        let mut key = [0u8; DES_KEY_LEN];
        for (out, byte) in key.iter_mut().zip(k) {
            *out = byte & 0xfe;
        }
        Zeroizing::new(key)
    });
    match (keys.next(), keys.next(), keys.next()) {
        (Some(k1), Some(k2), Some(k3)) => *k1 != *k2 && *k2 != *k3 && *k1 != *k3,
        _ => false,
    }
}

/// Checks a bundle given to keyhold: 24 bytes, three distinct keys, any
/// parity.
pub(crate) fn check(bundle: &[u8]) -> Result<(), CryptoError> {
    let algorithm = Algorithm::Tdes168Raw;
    if bundle.len() != KEY_LEN {
        return Err(CryptoError::InvalidKeyMaterial { algorithm });
    }
    if !keys_distinct(bundle) {
        return Err(CryptoError::WeakKey {
            algorithm,
            reason: NOT_DISTINCT,
        });
    }
    Ok(())
}

/// A new bundle: 24 bytes from `random`, odd parity, drawn again while two
/// of its keys are equal.
pub(crate) fn generate(random: &dyn SecureRandom) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let mut key = Zeroizing::new(vec![0u8; KEY_LEN]);
    for _ in 0..MAX_DRAWS {
        random.fill(&mut key)?;
        set_odd_parity(&mut key);
        if keys_distinct(&key) {
            return Ok(key);
        }
    }
    Err(CryptoError::KeyGeneration {
        algorithm: Algorithm::Tdes168Raw,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::software::SystemRandom;

    /// A random source that hands out its blocks in turn, then repeats the
    /// last one.
    #[derive(Debug)]
    struct Script(std::sync::Mutex<Vec<[u8; KEY_LEN]>>);

    impl SecureRandom for Script {
        fn fill(&self, out: &mut [u8]) -> Result<(), CryptoError> {
            let mut blocks = self.0.lock().unwrap();
            let block = if blocks.len() > 1 {
                blocks.remove(0)
            } else {
                blocks[0]
            };
            out.copy_from_slice(&block[..out.len()]);
            Ok(())
        }
        fn fips_approved(&self) -> bool {
            false
        }
    }

    /// Whether every byte has odd parity.
    fn has_odd_parity(key: &[u8]) -> bool {
        key.iter().all(|b| b.count_ones() % 2 == 1)
    }

    fn bundle(k1: u8, k2: u8, k3: u8) -> [u8; KEY_LEN] {
        let mut b = [0u8; KEY_LEN];
        b[..8].fill(k1);
        b[8..16].fill(k2);
        b[16..].fill(k3);
        b
    }

    #[test]
    fn parity_is_set_in_the_low_bit_of_every_byte() {
        let mut all: Vec<u8> = (0..=255).collect();
        set_odd_parity(&mut all);
        assert!(has_odd_parity(&all));
        for (i, b) in all.iter().enumerate() {
            assert_eq!(b & 0xfe, u8::try_from(i).unwrap() & 0xfe, "key bits kept");
        }
        // The classic DES examples: 0x00 -> 0x01, 0xff -> 0xfe, 0x13 -> 0x13.
        let mut k = [0x00, 0xff, 0x13, 0x34];
        set_odd_parity(&mut k);
        assert_eq!(k, [0x01, 0xfe, 0x13, 0x34]);
        assert!(!has_odd_parity(&[0x00]));
    }

    #[test]
    fn generated_bundles_are_odd_parity_distinct_and_fresh() {
        let a = generate(&SystemRandom).unwrap();
        let b = generate(&SystemRandom).unwrap();
        for k in [&a, &b] {
            assert_eq!(k.len(), KEY_LEN);
            assert!(has_odd_parity(k));
            assert!(keys_distinct(k));
            check(k).unwrap();
        }
        assert_ne!(*a, *b);
    }

    #[test]
    fn a_bundle_with_equal_keys_is_drawn_again() {
        let random = Script(std::sync::Mutex::new(vec![
            bundle(0x10, 0x10, 0x20),
            bundle(0x10, 0x20, 0x30),
        ]));
        let key = generate(&random).unwrap();
        let mut expected = bundle(0x10, 0x20, 0x30);
        set_odd_parity(&mut expected);
        assert_eq!(key.as_slice(), expected.as_slice());
    }

    #[test]
    fn a_source_that_never_gives_distinct_keys_fails_generation() {
        let random = Script(std::sync::Mutex::new(vec![bundle(0x11, 0x11, 0x11)]));
        assert!(matches!(
            generate(&random),
            Err(CryptoError::KeyGeneration {
                algorithm: Algorithm::Tdes168Raw
            })
        ));
    }

    #[test]
    fn keys_equal_but_for_parity_are_the_same_key() {
        // 0x10 and 0x11 differ only in the parity bit.
        for (k1, k2, k3) in [(0x10, 0x11, 0x20), (0x20, 0x10, 0x11), (0x11, 0x20, 0x10)] {
            let e = check(&bundle(k1, k2, k3)).unwrap_err();
            assert!(matches!(e, CryptoError::WeakKey { .. }), "{k1} {k2} {k3}");
            assert!(e.to_string().contains("distinct"), "{e}");
        }
        check(&bundle(0x10, 0x20, 0x30)).unwrap();
    }

    #[test]
    fn registered_parity_is_not_checked_but_the_length_is() {
        let unadjusted = bundle(0x10, 0x20, 0x30);
        assert!(!has_odd_parity(&unadjusted));
        check(&unadjusted).unwrap();
        for len in [0, 8, 16, 23, 25, 32] {
            assert!(matches!(
                check(&vec![0x5a; len]),
                Err(CryptoError::InvalidKeyMaterial { .. })
            ));
        }
    }
}
