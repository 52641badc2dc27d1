//! Key material: the secret of one key version, in the encoding its
//! algorithm uses, checked to parse when it is built.
//!
//! | algorithm | encoding of the secret |
//! |---|---|
//! | AES-256-GCM, ChaCha20-Poly1305, AES-256-KWP | 32 raw key bytes |
//! | HMAC-SHA-256 / 384 / 512 | raw key bytes: generated with 32 / 48 / 64, imported with 16 to 1024 |
//! | RSA, ECDSA, Ed25519 | PKCS#8 v1 DER private key (RFC 5208); Ed25519 also v2 (RFC 5958) |
//! | ML-DSA-65 | PKCS#8 DER, seed form as generated (FIPS 204; the expanded form is accepted too) |
//! | ML-KEM-768 | the 2400-byte decapsulation key of FIPS 203 section 7.1 (`dk`), which embeds the encapsulation key and its hash |
//! | Secret Data, Opaque Object (data, not keys) | the bytes a KMIP client registered, 1 to 65,536; never generated |

use std::fmt;

use keyhold_core::Algorithm;

use crate::error::CryptoError;
use crate::secret::SecretBytes;
use crate::software::keys;

/// The secret material of one key version. It can only be built through
/// [`KeyMaterial::from_parts`] (or a key generator), so it always parses as
/// a key of its algorithm.
pub struct KeyMaterial {
    algorithm: Algorithm,
    secret: SecretBytes,
}

impl KeyMaterial {
    /// Joins an algorithm and its secret, checking that the secret parses as
    /// a key of that algorithm (length, DER structure, curve, modulus size,
    /// ML-KEM's embedded hash). Bad material gets
    /// [`CryptoError::InvalidKeyMaterial`].
    pub fn from_parts(algorithm: Algorithm, secret: SecretBytes) -> Result<Self, CryptoError> {
        keys::check(algorithm, secret.expose())?;
        Ok(Self { algorithm, secret })
    }

    /// The key's algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The secret, in the encoding given in the module docs.
    pub fn secret(&self) -> &SecretBytes {
        &self.secret
    }

    /// Gives up the material, keeping only its secret.
    pub fn into_secret(self) -> SecretBytes {
        self.secret
    }

    /// A second, independent copy.
    pub fn duplicate(&self) -> Self {
        Self {
            algorithm: self.algorithm,
            secret: self.secret.duplicate(),
        }
    }
}

impl fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyMaterial")
            .field("algorithm", &self.algorithm)
            .field("secret", &self.secret)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::software;

    #[test]
    fn symmetric_lengths_are_enforced() {
        let cases = [
            (Algorithm::Aes256Gcm, 32),
            (Algorithm::ChaCha20Poly1305, 32),
            (Algorithm::Aes256KeyWrap, 32),
        ];
        for (alg, len) in cases {
            KeyMaterial::from_parts(alg, SecretBytes::new(vec![1; len])).unwrap();
            for bad in [0, len - 1, len + 1] {
                let e = KeyMaterial::from_parts(alg, SecretBytes::new(vec![1; bad])).unwrap_err();
                assert!(
                    matches!(e, CryptoError::InvalidKeyMaterial { algorithm } if algorithm == alg)
                );
            }
        }
    }

    #[test]
    fn triple_des_material_is_24_bytes_of_three_distinct_keys() {
        let alg = Algorithm::Tdes168Raw;
        let distinct: Vec<u8> = (0..24).collect();
        KeyMaterial::from_parts(alg, SecretBytes::new(distinct)).unwrap();
        let same = KeyMaterial::from_parts(alg, SecretBytes::new(vec![1; 24])).unwrap_err();
        assert!(matches!(same, CryptoError::WeakKey { algorithm, .. } if algorithm == alg));
        for len in [16, 32] {
            let e = KeyMaterial::from_parts(alg, SecretBytes::new(vec![1; len])).unwrap_err();
            assert!(matches!(e, CryptoError::InvalidKeyMaterial { .. }), "{len}");
        }
    }

    #[test]
    fn hmac_keys_are_16_to_1024_bytes() {
        for alg in [
            Algorithm::HmacSha256,
            Algorithm::HmacSha384,
            Algorithm::HmacSha512,
        ] {
            for len in [16, 20, 32, 64, 131, 1024] {
                KeyMaterial::from_parts(alg, SecretBytes::new(vec![1; len])).unwrap();
            }
            for len in [0, 4, 15, 1025] {
                let e = KeyMaterial::from_parts(alg, SecretBytes::new(vec![1; len])).unwrap_err();
                assert!(
                    matches!(e, CryptoError::InvalidKeyMaterial { .. }),
                    "{alg} {len}"
                );
            }
        }
    }

    #[test]
    fn data_objects_are_1_to_65536_bytes_and_never_generated() {
        let p = software::software();
        for alg in [
            Algorithm::SecretData,
            Algorithm::OpaqueData,
            Algorithm::Certificate,
        ] {
            for len in [1, 8, 65_536] {
                KeyMaterial::from_parts(alg, SecretBytes::new(vec![0; len])).unwrap();
            }
            for len in [0, 65_537] {
                let e = KeyMaterial::from_parts(alg, SecretBytes::new(vec![0; len])).unwrap_err();
                assert!(matches!(e, CryptoError::InvalidKeyMaterial { .. }));
            }
            assert!(matches!(
                p.keygen.generate(alg),
                Err(CryptoError::KeyGeneration { .. })
            ));
        }
    }

    #[test]
    fn generated_material_re_imports_and_garbage_does_not() {
        let p = software::software();
        // Data objects and legacy keys are registered, never generated
        // (test above; crate::legacy's tests).
        let generated = |a: &Algorithm| !a.is_data() && !a.is_legacy();
        for alg in Algorithm::ALL.into_iter().filter(generated) {
            let m = p.keygen.generate(alg).unwrap();
            assert_eq!(m.algorithm(), alg);
            let again = KeyMaterial::from_parts(alg, m.secret().duplicate()).unwrap();
            assert_eq!(again.secret().expose(), m.secret().expose());
            let garbage = SecretBytes::new(vec![0x30; m.secret().len()]);
            if alg.kind() == keyhold_core::KeyKind::Asymmetric {
                assert!(KeyMaterial::from_parts(alg, garbage).is_err(), "{alg}");
            }
        }
    }

    #[test]
    fn material_of_one_algorithm_is_refused_for_another() {
        let p = software::software();
        let pairs = [
            (Algorithm::EcdsaP256, Algorithm::EcdsaP384),
            (Algorithm::EcdsaP384, Algorithm::EcdsaP256),
            (Algorithm::Rsa2048, Algorithm::Rsa3072),
            (Algorithm::Ed25519, Algorithm::EcdsaP256),
            (Algorithm::MlDsa65, Algorithm::Ed25519),
            (Algorithm::EcdsaP256, Algorithm::Rsa2048),
        ];
        for (made, claimed) in pairs {
            let m = p.keygen.generate(made).unwrap();
            let e = KeyMaterial::from_parts(claimed, m.into_secret()).unwrap_err();
            assert!(
                matches!(e, CryptoError::InvalidKeyMaterial { algorithm } if algorithm == claimed),
                "{made} material accepted as {claimed}"
            );
        }
    }

    #[test]
    fn debug_shows_the_algorithm_not_the_secret() {
        let m = KeyMaterial::from_parts(Algorithm::Aes256Gcm, SecretBytes::new(vec![0x5A; 32]))
            .unwrap();
        let shown = format!("{m:?}");
        assert!(shown.contains("aes-256-gcm"));
        assert!(shown.contains("<redacted>"));
        assert!(!shown.contains("5a") && !shown.contains("90"));
    }
}
