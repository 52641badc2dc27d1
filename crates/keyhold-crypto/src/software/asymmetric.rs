//! RSA-OAEP with SHA-256 and MGF1-SHA-256 (RFC 8017 section 7.1), with the
//! empty label or a caller-given one.

use aws_lc_rs::rsa::{
    OAEP_SHA256_MGF1SHA256, OaepPrivateDecryptingKey, OaepPublicEncryptingKey, PublicEncryptingKey,
};
use keyhold_core::{Algorithm, KeyOperation};
use zeroize::Zeroizing;

use super::keys;
use crate::error::CryptoError;
use crate::material::KeyMaterial;
use crate::provider::AsymmetricEncryption;
use crate::rsa_padding::RsaPadding;
use crate::secret::SecretBytes;
use crate::spki;

/// RSA-OAEP through aws-lc-rs.
#[derive(Clone, Copy, Debug, Default)]
pub struct AwsLcRsaOaep;

/// Parses an RSA SubjectPublicKeyInfo of 2048, 3072 or 4096 bits; returns
/// the key and its algorithm.
fn public_key(der: &[u8]) -> Result<(OaepPublicEncryptingKey, Algorithm), CryptoError> {
    // The AlgorithmIdentifier is the same for every RSA size.
    spki::check(Algorithm::Rsa2048, der)?;
    let invalid = || CryptoError::InvalidPublicKey {
        algorithm: Algorithm::Rsa2048,
    };
    let key = PublicEncryptingKey::from_der(der).map_err(|_| invalid())?;
    let algorithm = match key.key_size_bits() {
        2048 => Algorithm::Rsa2048,
        3072 => Algorithm::Rsa3072,
        4096 => Algorithm::Rsa4096,
        _ => return Err(invalid()),
    };
    let key = OaepPublicEncryptingKey::new(key).map_err(|_| invalid())?;
    Ok((key, algorithm))
}

impl AsymmetricEncryption for AwsLcRsaOaep {
    fn encrypt(&self, public_key_spki: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        oaep_encrypt(public_key_spki, None, plaintext)
    }

    fn decrypt(&self, key: &KeyMaterial, ciphertext: &[u8]) -> Result<SecretBytes, CryptoError> {
        oaep_decrypt(key, None, ciphertext)
    }

    fn encrypt_with_label(
        &self,
        public_key_spki: &[u8],
        label: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        oaep_encrypt(public_key_spki, Some(label), plaintext)
    }

    fn decrypt_with_label(
        &self,
        key: &KeyMaterial,
        label: &[u8],
        ciphertext: &[u8],
    ) -> Result<SecretBytes, CryptoError> {
        oaep_decrypt(key, Some(label), ciphertext)
    }

    fn encrypt_padded(
        &self,
        public_key_spki: &[u8],
        padding: &RsaPadding,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        super::rsa_padded::encrypt(public_key_spki, padding, plaintext)
    }

    fn decrypt_padded(
        &self,
        key: &KeyMaterial,
        padding: &RsaPadding,
        ciphertext: &[u8],
    ) -> Result<SecretBytes, CryptoError> {
        super::rsa_padded::decrypt(key, padding, ciphertext)
    }

    fn max_plaintext_len(&self, algorithm: Algorithm) -> Option<usize> {
        // k - 2 hLen - 2 with hLen = 32 (SHA-256).
        keys::rsa_bits(algorithm).map(|bits| bits / 8 - 2 * 32 - 2)
    }

    fn fips_approved(&self) -> bool {
        false
    }
}

fn oaep_encrypt(
    public_key_spki: &[u8],
    label: Option<&[u8]>,
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let (key, algorithm) = public_key(public_key_spki)?;
    if plaintext.len() > key.max_plaintext_size(&OAEP_SHA256_MGF1SHA256) {
        return Err(CryptoError::InvalidInput {
            what: "plaintext",
            reason: "too long for RSA-OAEP with this key",
        });
    }
    let mut out = vec![0u8; key.ciphertext_size()];
    let len = key
        .encrypt(&OAEP_SHA256_MGF1SHA256, plaintext, &mut out, label)
        .map_err(|_| CryptoError::Library {
            algorithm,
            operation: KeyOperation::Encrypt,
        })?
        .len();
    out.truncate(len);
    Ok(out)
}

fn oaep_decrypt(
    key: &KeyMaterial,
    label: Option<&[u8]>,
    ciphertext: &[u8],
) -> Result<SecretBytes, CryptoError> {
    let invalid = || CryptoError::InvalidKeyMaterial {
        algorithm: key.algorithm(),
    };
    let private = super::rsa_padded::private_key(key)?;
    let private = OaepPrivateDecryptingKey::new(private).map_err(|_| invalid())?;
    let mut out = Zeroizing::new(vec![0u8; private.min_output_size()]);
    let plaintext = private
        .decrypt(&OAEP_SHA256_MGF1SHA256, ciphertext, &mut out, label)
        .map_err(|_| CryptoError::Decrypt)?;
    Ok(SecretBytes::copy_from(plaintext))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{material, public_key as spki_of};

    #[test]
    fn round_trips_for_every_rsa_size_and_detects_tampering() {
        for alg in [Algorithm::Rsa2048, Algorithm::Rsa3072, Algorithm::Rsa4096] {
            let key = material(alg);
            let spki = spki_of(alg);
            let ct = AwsLcRsaOaep.encrypt(&spki, b"a data key").unwrap();
            assert_eq!(ct.len() * 8, keys::rsa_bits(alg).unwrap());
            assert_eq!(
                AwsLcRsaOaep.decrypt(&key, &ct).unwrap().expose(),
                b"a data key"
            );
            for i in [0, ct.len() / 2, ct.len() - 1] {
                let mut bad = ct.clone();
                bad[i] ^= 0x01;
                assert!(matches!(
                    AwsLcRsaOaep.decrypt(&key, &bad),
                    Err(CryptoError::Decrypt)
                ));
            }
        }
    }

    #[test]
    fn the_label_is_bound_to_the_ciphertext() {
        let key = material(Algorithm::Rsa2048);
        let spki = spki_of(Algorithm::Rsa2048);
        let ct = AwsLcRsaOaep
            .encrypt_with_label(&spki, b"label one", b"secret")
            .unwrap();
        let pt = AwsLcRsaOaep
            .decrypt_with_label(&key, b"label one", &ct)
            .unwrap();
        assert_eq!(pt.expose(), b"secret");
        for other in [&b"label two"[..], b"", b"label on"] {
            assert!(matches!(
                AwsLcRsaOaep.decrypt_with_label(&key, other, &ct),
                Err(CryptoError::Decrypt)
            ));
        }
        assert!(matches!(
            AwsLcRsaOaep.decrypt(&key, &ct),
            Err(CryptoError::Decrypt)
        ));
        // No label and the empty label are the same (RFC 8017: L defaults to "").
        let unlabeled = AwsLcRsaOaep.encrypt(&spki, b"x").unwrap();
        let pt = AwsLcRsaOaep
            .decrypt_with_label(&key, b"", &unlabeled)
            .unwrap();
        assert_eq!(pt.expose(), b"x");
    }

    #[test]
    fn max_plaintext_len_is_exact() {
        for alg in [Algorithm::Rsa2048, Algorithm::Rsa3072, Algorithm::Rsa4096] {
            let max = AwsLcRsaOaep.max_plaintext_len(alg).unwrap();
            let spki = spki_of(alg);
            AwsLcRsaOaep
                .encrypt_with_label(&spki, b"l", &vec![7; max])
                .unwrap();
            assert!(matches!(
                AwsLcRsaOaep.encrypt_with_label(&spki, b"l", &vec![7; max + 1]),
                Err(CryptoError::InvalidInput { .. })
            ));
        }
        assert_eq!(
            AwsLcRsaOaep.max_plaintext_len(Algorithm::Rsa2048),
            Some(190)
        );
        assert_eq!(AwsLcRsaOaep.max_plaintext_len(Algorithm::Aes256Gcm), None);
    }

    #[test]
    fn too_long_plaintext_bad_keys_and_wrong_algorithms_are_refused() {
        let spki = spki_of(Algorithm::Rsa2048);
        // 256 - 2 * 32 - 2 = 190 bytes fit (RFC 8017 section 7.1.1).
        AwsLcRsaOaep.encrypt(&spki, &[1; 190]).unwrap();
        assert!(matches!(
            AwsLcRsaOaep.encrypt(&spki, &[1; 191]),
            Err(CryptoError::InvalidInput {
                what: "plaintext",
                ..
            })
        ));
        assert!(matches!(
            AwsLcRsaOaep.encrypt(&spki_of(Algorithm::EcdsaP256), b"x"),
            Err(CryptoError::InvalidPublicKey { .. })
        ));
        assert!(matches!(
            AwsLcRsaOaep.decrypt(&material(Algorithm::Ed25519), &[0; 256]),
            Err(CryptoError::UnsupportedAlgorithm { .. })
        ));
    }
}
