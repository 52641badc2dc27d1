//! Key generation and public-key export.

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::kem::{DecapsulationKey, ML_KEM_768};
use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize};
use aws_lc_rs::signature::{
    EcdsaKeyPair, Ed25519KeyPair, KeyPair, ML_DSA_65_SIGNING, PqdsaKeyPair,
};
use keyhold_core::Algorithm;
use zeroize::Zeroizing;

use super::{keys, tdes};
use crate::error::CryptoError;
use crate::material::KeyMaterial;
use crate::provider::{KeyGenerator, SecureRandom};
use crate::secret::SecretBytes;

/// Generates keys: symmetric keys from the given random source, key pairs
/// with aws-lc-rs' own generator.
#[derive(Debug)]
pub struct AwsLcKeyGenerator {
    random: &'static dyn SecureRandom,
}

impl AwsLcKeyGenerator {
    /// A generator drawing symmetric keys from `random`.
    pub const fn new(random: &'static dyn SecureRandom) -> Self {
        Self { random }
    }

    fn symmetric(&self, len: usize) -> Result<SecretBytes, CryptoError> {
        let mut key = Zeroizing::new(vec![0u8; len]);
        self.random.fill(&mut key)?;
        Ok(SecretBytes::copy_from(&key))
    }
}

impl KeyGenerator for AwsLcKeyGenerator {
    fn generate(&self, algorithm: Algorithm) -> Result<KeyMaterial, CryptoError> {
        let secret = if algorithm == Algorithm::Tdes168Raw {
            // Odd parity and three distinct keys, not just random bytes.
            SecretBytes::copy_from(&tdes::generate(self.random)?)
        } else {
            match keys::symmetric_len(algorithm) {
                Some(len) => self.symmetric(len)?,
                None => generate_pair(algorithm)?,
            }
        };
        KeyMaterial::from_parts(algorithm, secret)
    }

    fn public_key(&self, material: &KeyMaterial) -> Result<Option<Vec<u8>>, CryptoError> {
        let algorithm = material.algorithm();
        let secret = material.secret().expose();
        let spki = match algorithm {
            Algorithm::Rsa2048 | Algorithm::Rsa3072 | Algorithm::Rsa4096 => {
                spki(algorithm, keys::rsa(algorithm, secret)?.public_key())?
            }
            Algorithm::EcdsaP256 | Algorithm::EcdsaP384 => {
                spki(algorithm, keys::ecdsa(algorithm, secret)?.public_key())?
            }
            Algorithm::Ed25519 => spki(algorithm, keys::ed25519(secret)?.public_key())?,
            Algorithm::MlDsa65 => spki(algorithm, keys::ml_dsa_65(secret)?.public_key())?,
            Algorithm::MlKem768 => keys::ml_kem_768(secret)?.encapsulation,
            Algorithm::Rsa1024Legacy | Algorithm::DsaLegacy => {
                crate::legacy::public_spki(algorithm, secret)?
            }
            _ => return Ok(None),
        };
        Ok(Some(spki))
    }

    fn fips_approved(&self) -> bool {
        false
    }
}

/// The SubjectPublicKeyInfo DER of a public key.
fn spki<K: AsDer<PublicKeyX509Der<'static>>>(
    algorithm: Algorithm,
    key: &K,
) -> Result<Vec<u8>, CryptoError> {
    key.as_der()
        .map(|der| der.as_ref().to_vec())
        .map_err(|_| CryptoError::InvalidKeyMaterial { algorithm })
}

/// A new private key of an asymmetric algorithm, in its storage encoding.
fn generate_pair(algorithm: Algorithm) -> Result<SecretBytes, CryptoError> {
    let failed = |_| CryptoError::KeyGeneration { algorithm };
    let bytes = match algorithm {
        Algorithm::Rsa2048 => rsa_pkcs8(KeySize::Rsa2048),
        Algorithm::Rsa3072 => rsa_pkcs8(KeySize::Rsa3072),
        Algorithm::Rsa4096 => rsa_pkcs8(KeySize::Rsa4096),
        Algorithm::EcdsaP256 | Algorithm::EcdsaP384 => {
            let signing =
                keys::ecdsa_signing(algorithm).ok_or(CryptoError::KeyGeneration { algorithm })?;
            EcdsaKeyPair::generate(signing)
                .and_then(|k| k.to_pkcs8v1())
                .map(|doc| doc.as_ref().to_vec())
        }
        Algorithm::Ed25519 => Ed25519KeyPair::generate()
            .and_then(|k| k.to_pkcs8v1())
            .map(|doc| doc.as_ref().to_vec()),
        Algorithm::MlDsa65 => PqdsaKeyPair::generate(&ML_DSA_65_SIGNING)
            .and_then(|k| k.to_pkcs8v1())
            .map(|doc| doc.as_ref().to_vec()),
        Algorithm::MlKem768 => DecapsulationKey::generate(&ML_KEM_768)
            .and_then(|k| k.key_bytes())
            .map(|b| b.as_ref().to_vec()),
        _ => return Err(CryptoError::KeyGeneration { algorithm }),
    };
    bytes.map(SecretBytes::new).map_err(failed)
}

fn rsa_pkcs8(size: KeySize) -> Result<Vec<u8>, aws_lc_rs::error::Unspecified> {
    let pair = RsaKeyPair::generate(size)?;
    let der: Pkcs8V1Der<'static> = pair.as_der()?;
    Ok(der.as_ref().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::software::SOFTWARE;
    use crate::test_support::{material, public_key};

    #[test]
    fn every_algorithm_generates_and_symmetric_keys_have_no_public_key() {
        for alg in Algorithm::ALL {
            let m = material(alg);
            assert_eq!(m.algorithm(), alg);
            let public = SOFTWARE.keygen.public_key(&m).unwrap();
            assert_eq!(
                public.is_some(),
                alg.kind() == keyhold_core::KeyKind::Asymmetric,
                "{alg}"
            );
        }
    }

    #[test]
    fn public_keys_are_spki_except_ml_kem() {
        for alg in [
            Algorithm::Rsa2048,
            Algorithm::EcdsaP256,
            Algorithm::EcdsaP384,
            Algorithm::Ed25519,
            Algorithm::MlDsa65,
        ] {
            crate::spki::check(alg, &public_key(alg)).unwrap();
        }
        assert_eq!(public_key(Algorithm::MlKem768).len(), 1184);
    }

    #[test]
    fn symmetric_keys_come_from_the_provider_randomness() {
        #[derive(Debug)]
        struct Fixed;
        impl SecureRandom for Fixed {
            fn fill(&self, out: &mut [u8]) -> Result<(), CryptoError> {
                out.fill(0x11);
                Ok(())
            }
            fn fips_approved(&self) -> bool {
                false
            }
        }
        static FIXED: Fixed = Fixed;
        let keygen = AwsLcKeyGenerator::new(&FIXED);
        let m = keygen.generate(Algorithm::HmacSha384).unwrap();
        assert_eq!(m.secret().expose(), &[0x11; 48]);
        // Three equal DES keys are never a Triple-DES key.
        assert!(matches!(
            keygen.generate(Algorithm::Tdes168Raw),
            Err(CryptoError::KeyGeneration { .. })
        ));
    }

    #[test]
    fn generated_keys_differ() {
        for alg in [
            Algorithm::Aes256Gcm,
            Algorithm::Ed25519,
            Algorithm::MlKem768,
        ] {
            let a = SOFTWARE.keygen.generate(alg).unwrap();
            let b = SOFTWARE.keygen.generate(alg).unwrap();
            assert_ne!(a.secret().expose(), b.secret().expose(), "{alg}");
        }
    }
}
