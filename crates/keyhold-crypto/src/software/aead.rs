//! AES-GCM (NIST SP 800-38D; 128-, 192- and 256-bit keys) and
//! ChaCha20-Poly1305 (RFC 8439 section 2.8) with random 96-bit nonces.

use aws_lc_rs::aead::{
    AES_128_GCM, AES_192_GCM, AES_256_GCM, Aad, Algorithm as AeadAlgorithm, CHACHA20_POLY1305,
    LessSafeKey, NONCE_LEN, Nonce, UnboundKey,
};
use keyhold_core::{Algorithm, KeyOperation};
use zeroize::Zeroizing;

use crate::error::CryptoError;
use crate::material::KeyMaterial;
use crate::provider::{Aead, Sealed, SecureRandom};
use crate::secret::SecretBytes;

/// The length of the authentication tag of both AEADs.
pub(crate) const TAG_LEN: usize = 16;

/// AEAD encryption; nonces come from the given random source.
#[derive(Debug)]
pub struct AwsLcAead {
    random: &'static dyn SecureRandom,
}

impl AwsLcAead {
    /// An AEAD drawing its nonces from `random`.
    pub const fn new(random: &'static dyn SecureRandom) -> Self {
        Self { random }
    }
}

impl Aead for AwsLcAead {
    fn encrypt(
        &self,
        key: &KeyMaterial,
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<Sealed, CryptoError> {
        let algorithm = aead_algorithm(key.algorithm(), KeyOperation::Encrypt)?;
        let mut nonce = [0u8; NONCE_LEN];
        self.random.fill(&mut nonce)?;
        let ciphertext = seal(algorithm, key.secret().expose(), nonce, aad, plaintext)?;
        Ok(Sealed {
            nonce: nonce.to_vec(),
            ciphertext,
        })
    }

    fn decrypt(
        &self,
        key: &KeyMaterial,
        nonce: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<SecretBytes, CryptoError> {
        let algorithm = aead_algorithm(key.algorithm(), KeyOperation::Decrypt)?;
        open(algorithm, key.secret().expose(), nonce, aad, ciphertext)
    }

    fn fips_approved(&self) -> bool {
        false
    }
}

/// The aws-lc-rs AEAD of a key algorithm.
fn aead_algorithm(
    algorithm: Algorithm,
    operation: KeyOperation,
) -> Result<&'static AeadAlgorithm, CryptoError> {
    match algorithm {
        Algorithm::Aes256Gcm => Ok(&AES_256_GCM),
        Algorithm::Aes128Gcm => Ok(&AES_128_GCM),
        Algorithm::Aes192Gcm => Ok(&AES_192_GCM),
        Algorithm::ChaCha20Poly1305 => Ok(&CHACHA20_POLY1305),
        _ => Err(CryptoError::UnsupportedAlgorithm {
            algorithm,
            operation,
        }),
    }
}

/// Seals with AES-256-GCM under a raw 32-byte key (used by the key
/// hierarchy); returns ciphertext ‖ tag.
pub(crate) fn seal_aes_256_gcm(
    key: &[u8],
    nonce: [u8; NONCE_LEN],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    seal(&AES_256_GCM, key, nonce, aad, plaintext)
}

/// Opens AES-256-GCM under a raw 32-byte key (used by the key hierarchy).
pub(crate) fn open_aes_256_gcm(
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    ciphertext: &[u8],
) -> Result<SecretBytes, CryptoError> {
    open(&AES_256_GCM, key, nonce, aad, ciphertext)
}

fn less_safe_key(
    algorithm: &'static AeadAlgorithm,
    key: &[u8],
) -> Result<LessSafeKey, CryptoError> {
    UnboundKey::new(algorithm, key)
        .map(LessSafeKey::new)
        .map_err(|_| CryptoError::InvalidInput {
            what: "AEAD key",
            reason: "has the wrong length for the algorithm",
        })
}

fn seal(
    algorithm: &'static AeadAlgorithm,
    key: &[u8],
    nonce: [u8; NONCE_LEN],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let key = less_safe_key(algorithm, key)?;
    // Holds plaintext until sealed in place: wiped if sealing fails.
    let mut buf = Zeroizing::new(Vec::with_capacity(plaintext.len() + TAG_LEN));
    buf.extend_from_slice(plaintext);
    key.seal_in_place_append_tag(
        Nonce::assume_unique_for_key(nonce),
        Aad::from(aad),
        &mut *buf,
    )
    .map_err(|_| CryptoError::InvalidInput {
        what: "plaintext",
        reason: "too long for the AEAD",
    })?;
    Ok(std::mem::take(&mut *buf))
}

fn open(
    algorithm: &'static AeadAlgorithm,
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    ciphertext: &[u8],
) -> Result<SecretBytes, CryptoError> {
    let key = less_safe_key(algorithm, key)?;
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| CryptoError::InvalidInput {
        what: "nonce",
        reason: "must be 12 bytes",
    })?;
    if ciphertext.len() < TAG_LEN {
        return Err(CryptoError::Decrypt);
    }
    let mut buf = Zeroizing::new(ciphertext.to_vec());
    let plaintext = key
        .open_in_place(nonce, Aad::from(aad), &mut buf)
        .map_err(|_| CryptoError::Decrypt)?;
    Ok(SecretBytes::copy_from(plaintext))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::material;

    static AEAD: AwsLcAead = AwsLcAead::new(&crate::software::SystemRandom);

    #[test]
    fn round_trips_with_both_algorithms_and_fresh_nonces() {
        for alg in [
            Algorithm::Aes256Gcm,
            Algorithm::Aes128Gcm,
            Algorithm::Aes192Gcm,
            Algorithm::ChaCha20Poly1305,
        ] {
            let key = material(alg);
            let a = AEAD.encrypt(&key, b"aad", b"hello").unwrap();
            let b = AEAD.encrypt(&key, b"aad", b"hello").unwrap();
            assert_eq!(a.nonce.len(), 12);
            assert_eq!(a.ciphertext.len(), 5 + TAG_LEN);
            assert_ne!(a.nonce, b.nonce, "nonces must be fresh");
            let pt = AEAD.decrypt(&key, &a.nonce, b"aad", &a.ciphertext).unwrap();
            assert_eq!(pt.expose(), b"hello");
            let empty = AEAD.encrypt(&key, b"", b"").unwrap();
            assert!(
                AEAD.decrypt(&key, &empty.nonce, b"", &empty.ciphertext)
                    .unwrap()
                    .is_empty()
            );
        }
    }

    #[test]
    fn any_change_fails_with_one_error() {
        for alg in [Algorithm::Aes256Gcm, Algorithm::ChaCha20Poly1305] {
            let key = material(alg);
            let s = AEAD.encrypt(&key, b"aad", b"secret data").unwrap();
            for i in 0..s.ciphertext.len() {
                let mut ct = s.ciphertext.clone();
                ct[i] ^= 0x01;
                let e = AEAD.decrypt(&key, &s.nonce, b"aad", &ct).unwrap_err();
                assert!(matches!(e, CryptoError::Decrypt), "bit flip at {i}");
            }
            let mut nonce = s.nonce.clone();
            nonce[0] ^= 0x80;
            assert!(matches!(
                AEAD.decrypt(&key, &nonce, b"aad", &s.ciphertext),
                Err(CryptoError::Decrypt)
            ));
            assert!(matches!(
                AEAD.decrypt(&key, &s.nonce, b"aae", &s.ciphertext),
                Err(CryptoError::Decrypt)
            ));
            let other = KeyMaterial::from_parts(alg, SecretBytes::new(vec![9; 32])).unwrap();
            assert!(matches!(
                AEAD.decrypt(&other, &s.nonce, b"aad", &s.ciphertext),
                Err(CryptoError::Decrypt)
            ));
            assert!(matches!(
                AEAD.decrypt(&key, &s.nonce, b"aad", &s.ciphertext[..TAG_LEN - 1]),
                Err(CryptoError::Decrypt)
            ));
        }
    }

    #[test]
    fn bad_nonce_length_and_wrong_algorithm_are_refused() {
        let key = material(Algorithm::Aes256Gcm);
        let s = AEAD.encrypt(&key, b"", b"x").unwrap();
        let e = AEAD
            .decrypt(&key, &s.nonce[..11], b"", &s.ciphertext)
            .unwrap_err();
        assert!(matches!(e, CryptoError::InvalidInput { what: "nonce", .. }));
        for alg in [
            Algorithm::HmacSha256,
            Algorithm::Aes256KeyWrap,
            Algorithm::Ed25519,
        ] {
            let e = AEAD.encrypt(&material(alg), b"", b"x").unwrap_err();
            assert!(
                matches!(e, CryptoError::UnsupportedAlgorithm { algorithm, operation: KeyOperation::Encrypt } if algorithm == alg)
            );
        }
    }
}
