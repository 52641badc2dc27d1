//! ML-KEM-768 (FIPS 203).

use aws_lc_rs::kem::{Ciphertext, EncapsulationKey, ML_KEM_768};
use keyhold_core::{Algorithm, KeyOperation};

use super::keys;
use crate::error::CryptoError;
use crate::material::KeyMaterial;
use crate::provider::Kem;
use crate::secret::SecretBytes;

/// The ML-KEM-768 ciphertext length (FIPS 203 table 3: 32 * (du * k + dv)).
const CIPHERTEXT_LEN: usize = 1088;

/// ML-KEM-768 through aws-lc-rs.
#[derive(Clone, Copy, Debug, Default)]
pub struct AwsLcMlKem;

impl Kem for AwsLcMlKem {
    fn encapsulate(&self, public_key: &[u8]) -> Result<(Vec<u8>, SecretBytes), CryptoError> {
        let invalid = || CryptoError::InvalidPublicKey {
            algorithm: Algorithm::MlKem768,
        };
        let key = EncapsulationKey::new(&ML_KEM_768, public_key).map_err(|_| invalid())?;
        let (ciphertext, shared) = key.encapsulate().map_err(|_| invalid())?;
        Ok((
            ciphertext.as_ref().to_vec(),
            SecretBytes::copy_from(shared.as_ref()),
        ))
    }

    fn decapsulate(
        &self,
        key: &KeyMaterial,
        ciphertext: &[u8],
    ) -> Result<SecretBytes, CryptoError> {
        if key.algorithm() != Algorithm::MlKem768 {
            return Err(CryptoError::UnsupportedAlgorithm {
                algorithm: key.algorithm(),
                operation: KeyOperation::Decapsulate,
            });
        }
        if ciphertext.len() != CIPHERTEXT_LEN {
            return Err(CryptoError::InvalidInput {
                what: "ML-KEM-768 ciphertext",
                reason: "must be 1088 bytes",
            });
        }
        let dk = keys::ml_kem_768(key.secret().expose())?;
        let shared = dk
            .decapsulation
            .decapsulate(Ciphertext::from(ciphertext))
            .map_err(|_| CryptoError::Library {
                algorithm: Algorithm::MlKem768,
                operation: KeyOperation::Decapsulate,
            })?;
        Ok(SecretBytes::copy_from(shared.as_ref()))
    }

    fn fips_approved(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{material, public_key};

    #[test]
    fn encapsulate_then_decapsulate_agree() {
        let key = material(Algorithm::MlKem768);
        let (ct, shared) = AwsLcMlKem
            .encapsulate(&public_key(Algorithm::MlKem768))
            .unwrap();
        assert_eq!(ct.len(), CIPHERTEXT_LEN);
        assert_eq!(shared.len(), 32);
        let again = AwsLcMlKem.decapsulate(&key, &ct).unwrap();
        assert_eq!(again.expose(), shared.expose());
    }

    #[test]
    fn a_modified_ciphertext_gives_another_secret_implicit_rejection() {
        let key = material(Algorithm::MlKem768);
        let (mut ct, shared) = AwsLcMlKem
            .encapsulate(&public_key(Algorithm::MlKem768))
            .unwrap();
        ct[100] ^= 0x01;
        let other = AwsLcMlKem.decapsulate(&key, &ct).unwrap();
        assert_ne!(other.expose(), shared.expose());
    }

    #[test]
    fn bad_inputs_are_refused() {
        let key = material(Algorithm::MlKem768);
        assert!(matches!(
            AwsLcMlKem.decapsulate(&key, &[0; 1087]),
            Err(CryptoError::InvalidInput { .. })
        ));
        assert!(matches!(
            AwsLcMlKem.encapsulate(&[0; 1183]),
            Err(CryptoError::InvalidPublicKey { .. })
        ));
        assert!(matches!(
            AwsLcMlKem.decapsulate(&material(Algorithm::Aes256Gcm), &[0; 1088]),
            Err(CryptoError::UnsupportedAlgorithm { .. })
        ));
    }
}
