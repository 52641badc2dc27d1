//! HMAC-SHA-256/384/512 (RFC 2104, FIPS 198-1).

use aws_lc_rs::hmac;
use keyhold_core::{Algorithm, KeyOperation};

use crate::error::CryptoError;
use crate::material::KeyMaterial;
use crate::provider::Mac;

/// HMAC through aws-lc-rs; tags are checked in constant time.
#[derive(Clone, Copy, Debug, Default)]
pub struct AwsLcHmac;

fn hmac_key(key: &KeyMaterial, operation: KeyOperation) -> Result<hmac::Key, CryptoError> {
    keyed(key.algorithm(), key, operation)
}

/// The HMAC `hmac` keyed with `key`'s bytes, whatever its algorithm.
fn keyed(
    hmac: Algorithm,
    key: &KeyMaterial,
    operation: KeyOperation,
) -> Result<hmac::Key, CryptoError> {
    let algorithm = match hmac {
        Algorithm::HmacSha256 => hmac::HMAC_SHA256,
        Algorithm::HmacSha384 => hmac::HMAC_SHA384,
        Algorithm::HmacSha512 => hmac::HMAC_SHA512,
        other => {
            return Err(CryptoError::UnsupportedAlgorithm {
                algorithm: other,
                operation,
            });
        }
    };
    Ok(hmac::Key::new(algorithm, key.secret().expose()))
}

/// The HMAC `hmac` keyed with the bytes of a raw-cipher key (KMIP MAC with
/// an AES key): never a key keyhold keeps without using (Triple-DES), nor
/// an envelope or HMAC key.
fn lent(
    hmac: Algorithm,
    key: &KeyMaterial,
    operation: KeyOperation,
) -> Result<hmac::Key, CryptoError> {
    if !key.algorithm().is_raw_cipher() {
        return Err(CryptoError::UnsupportedAlgorithm {
            algorithm: key.algorithm(),
            operation,
        });
    }
    keyed(hmac, key, operation)
}

impl Mac for AwsLcHmac {
    fn compute(&self, key: &KeyMaterial, data: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let key = hmac_key(key, KeyOperation::MacGenerate)?;
        Ok(hmac::sign(&key, data).as_ref().to_vec())
    }

    fn verify(&self, key: &KeyMaterial, data: &[u8], tag: &[u8]) -> Result<(), CryptoError> {
        let key = hmac_key(key, KeyOperation::MacVerify)?;
        hmac::verify(&key, data, tag).map_err(|_| CryptoError::BadMac)
    }

    fn compute_keyed(
        &self,
        hmac: Algorithm,
        key: &KeyMaterial,
        data: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        let key = lent(hmac, key, KeyOperation::MacGenerate)?;
        Ok(hmac::sign(&key, data).as_ref().to_vec())
    }

    fn verify_keyed(
        &self,
        hmac: Algorithm,
        key: &KeyMaterial,
        data: &[u8],
        tag: &[u8],
    ) -> Result<(), CryptoError> {
        let key = lent(hmac, key, KeyOperation::MacVerify)?;
        hmac::verify(&key, data, tag).map_err(|_| CryptoError::BadMac)
    }

    fn fips_approved(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::material;

    #[test]
    fn compute_then_verify_and_any_change_fails() {
        for (alg, len) in [
            (Algorithm::HmacSha256, 32),
            (Algorithm::HmacSha384, 48),
            (Algorithm::HmacSha512, 64),
        ] {
            let key = material(alg);
            let tag = AwsLcHmac.compute(&key, b"data").unwrap();
            assert_eq!(tag.len(), len);
            AwsLcHmac.verify(&key, b"data", &tag).unwrap();
            assert!(matches!(
                AwsLcHmac.verify(&key, b"datA", &tag),
                Err(CryptoError::BadMac)
            ));
            let mut bad = tag.clone();
            bad[len - 1] ^= 1;
            assert!(matches!(
                AwsLcHmac.verify(&key, b"data", &bad),
                Err(CryptoError::BadMac)
            ));
            assert!(matches!(
                AwsLcHmac.verify(&key, b"data", &tag[..16]),
                Err(CryptoError::BadMac)
            ));
        }
    }

    #[test]
    fn non_hmac_keys_are_refused() {
        let e = AwsLcHmac
            .compute(&material(Algorithm::Aes256Gcm), b"x")
            .unwrap_err();
        assert!(matches!(
            e,
            CryptoError::UnsupportedAlgorithm {
                algorithm: Algorithm::Aes256Gcm,
                operation: KeyOperation::MacGenerate
            }
        ));
    }

    /// Keyed through another key's bytes (the KMIP vectors register an AES
    /// key and MAC with HMAC-SHA256): the tag of a plain HMAC keyed with
    /// the same bytes.
    #[test]
    fn keyed_hmac_uses_the_other_keys_bytes() {
        let key = KeyMaterial::from_parts(
            Algorithm::Aes128Raw,
            crate::SecretBytes::new(b"0123456789abcdef".to_vec()),
        )
        .unwrap();
        let data = b"what do ya want for nothing?";
        let tag = AwsLcHmac
            .compute_keyed(Algorithm::HmacSha256, &key, data)
            .unwrap();
        let expected = hmac::sign(
            &hmac::Key::new(hmac::HMAC_SHA256, b"0123456789abcdef"),
            data,
        );
        assert_eq!(tag, expected.as_ref());
        AwsLcHmac
            .verify_keyed(Algorithm::HmacSha256, &key, data, &tag)
            .unwrap();
        assert!(
            AwsLcHmac
                .verify_keyed(Algorithm::HmacSha384, &key, data, &tag)
                .is_err()
        );
        assert!(
            AwsLcHmac
                .compute_keyed(Algorithm::Aes128Gcm, &key, data)
                .is_err()
        );
        // Not the key's own algorithm: the plain API refuses it.
        assert!(AwsLcHmac.compute(&key, data).is_err());
    }

    #[test]
    fn only_raw_cipher_keys_lend_their_bytes() {
        let secret = |n| crate::SecretBytes::new((0..n).collect());
        for (alg, len) in [(Algorithm::Tdes168Raw, 24), (Algorithm::HmacSha256, 32)] {
            let key = KeyMaterial::from_parts(alg, secret(len)).unwrap();
            let e = AwsLcHmac.compute_keyed(Algorithm::HmacSha256, &key, b"x");
            assert!(
                matches!(e, Err(CryptoError::UnsupportedAlgorithm { .. })),
                "{alg}"
            );
            let e = AwsLcHmac.verify_keyed(Algorithm::HmacSha256, &key, b"x", &[0; 32]);
            assert!(
                matches!(e, Err(CryptoError::UnsupportedAlgorithm { .. })),
                "{alg}"
            );
        }
    }
}
