//! RSA encryption with the padding a KMIP client names (KMIP 1.4 section
//! 3.6, Padding Method OAEP or PKCS1 v1.5): RSAES-OAEP with SHA-1, SHA-256,
//! SHA-384 or SHA-512 and MGF1 over the same hash, empty label (RFC 8017
//! section 7.1), and RSAES-PKCS1-v1_5 (RFC 8017 section 7.2), all through
//! aws-lc-rs. Every decryption failure is the one [`CryptoError::Decrypt`]:
//! a caller never learns which padding check failed.

use aws_lc_rs::rsa::{
    OAEP_SHA1_MGF1SHA1, OAEP_SHA256_MGF1SHA256, OAEP_SHA384_MGF1SHA384, OAEP_SHA512_MGF1SHA512,
    OaepAlgorithm, OaepPrivateDecryptingKey, OaepPublicEncryptingKey, Pkcs1PrivateDecryptingKey,
    Pkcs1PublicEncryptingKey, PrivateDecryptingKey, PublicEncryptingKey,
};
use keyhold_core::{Algorithm, KeyOperation};
use zeroize::Zeroizing;

use super::keys;
use crate::error::CryptoError;
use crate::material::KeyMaterial;
use crate::rsa_padding::{OaepHash, RsaPadding};
use crate::secret::SecretBytes;
use crate::spki;

fn oaep_algorithm(hash: OaepHash) -> &'static OaepAlgorithm {
    match hash {
        OaepHash::Sha1 => &OAEP_SHA1_MGF1SHA1,
        OaepHash::Sha256 => &OAEP_SHA256_MGF1SHA256,
        OaepHash::Sha384 => &OAEP_SHA384_MGF1SHA384,
        OaepHash::Sha512 => &OAEP_SHA512_MGF1SHA512,
    }
}

fn too_long() -> CryptoError {
    CryptoError::InvalidInput {
        what: "plaintext",
        reason: "too long for this RSA key and padding",
    }
}

/// Encrypts `plaintext` to the RSA public key `spki` (SubjectPublicKeyInfo
/// DER of 2048, 3072 or 4096 bits) with `padding`.
pub(crate) fn encrypt(
    spki: &[u8],
    padding: RsaPadding,
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    spki::check(Algorithm::Rsa2048, spki)?;
    let invalid = || CryptoError::InvalidPublicKey {
        algorithm: Algorithm::Rsa2048,
    };
    let key = PublicEncryptingKey::from_der(spki).map_err(|_| invalid())?;
    let algorithm = match key.key_size_bits() {
        2048 => Algorithm::Rsa2048,
        3072 => Algorithm::Rsa3072,
        4096 => Algorithm::Rsa4096,
        _ => return Err(invalid()),
    };
    let failed = |_| CryptoError::Library {
        algorithm,
        operation: KeyOperation::Encrypt,
    };
    let mut out = vec![0u8; key.key_size_bytes()];
    let len = match padding {
        RsaPadding::Oaep(hash) => {
            let key = OaepPublicEncryptingKey::new(key).map_err(|_| invalid())?;
            let alg = oaep_algorithm(hash);
            if plaintext.len() > key.max_plaintext_size(alg) {
                return Err(too_long());
            }
            key.encrypt(alg, plaintext, &mut out, None)
                .map_err(failed)?
                .len()
        }
        RsaPadding::Pkcs1v15 => {
            let key = Pkcs1PublicEncryptingKey::new(key).map_err(|_| invalid())?;
            if plaintext.len() > key.max_plaintext_size() {
                return Err(too_long());
            }
            key.encrypt(plaintext, &mut out).map_err(failed)?.len()
        }
    };
    out.truncate(len);
    Ok(out)
}

/// Decrypts `ciphertext` with the RSA private key `key` and `padding`.
/// Whatever is wrong with the ciphertext (length, range, padding, hash),
/// the answer is [`CryptoError::Decrypt`].
/// The RSA private key `key` holds, for decryption.
pub(super) fn private_key(key: &KeyMaterial) -> Result<PrivateDecryptingKey, CryptoError> {
    let algorithm = key.algorithm();
    if keys::rsa_bits(algorithm).is_none() {
        return Err(CryptoError::UnsupportedAlgorithm {
            algorithm,
            operation: KeyOperation::Decrypt,
        });
    }
    PrivateDecryptingKey::from_pkcs8(key.secret().expose())
        .map_err(|_| CryptoError::InvalidKeyMaterial { algorithm })
}

pub(crate) fn decrypt(
    key: &KeyMaterial,
    padding: RsaPadding,
    ciphertext: &[u8],
) -> Result<SecretBytes, CryptoError> {
    let private = private_key(key)?;
    let invalid = || CryptoError::InvalidKeyMaterial {
        algorithm: key.algorithm(),
    };
    let mut out = Zeroizing::new(vec![0u8; private.key_size_bytes()]);
    let plaintext = match padding {
        RsaPadding::Oaep(hash) => {
            let private = OaepPrivateDecryptingKey::new(private).map_err(|_| invalid())?;
            private
                .decrypt(oaep_algorithm(hash), ciphertext, &mut out, None)
                .map_err(|_| CryptoError::Decrypt)?
        }
        RsaPadding::Pkcs1v15 => {
            let private = Pkcs1PrivateDecryptingKey::new(private).map_err(|_| invalid())?;
            private
                .decrypt(ciphertext, &mut out)
                .map_err(|_| CryptoError::Decrypt)?
        }
    };
    Ok(SecretBytes::copy_from(plaintext))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{material, public_key as spki_of};

    const PADDINGS: [RsaPadding; 5] = [
        RsaPadding::Oaep(OaepHash::Sha1),
        RsaPadding::Oaep(OaepHash::Sha256),
        RsaPadding::Oaep(OaepHash::Sha384),
        RsaPadding::Oaep(OaepHash::Sha512),
        RsaPadding::Pkcs1v15,
    ];

    #[test]
    fn every_padding_round_trips_and_garbage_is_one_error() {
        let key = material(Algorithm::Rsa2048);
        let spki = spki_of(Algorithm::Rsa2048);
        for padding in PADDINGS {
            let ct = encrypt(&spki, padding, b"secret").unwrap();
            assert_eq!(ct.len(), 256);
            assert_eq!(decrypt(&key, padding, &ct).unwrap().expose(), b"secret");
            let mut bad = ct.clone();
            bad[100] ^= 1;
            assert!(refused(decrypt(&key, padding, &bad), padding));
            assert!(matches!(
                decrypt(&key, padding, &[1; 7]),
                Err(CryptoError::Decrypt)
            ));
            assert!(matches!(
                decrypt(&key, padding, &[0xff; 256]),
                Err(CryptoError::Decrypt)
            ));
        }
        // Another padding than the one used fails the same way.
        let ct = encrypt(&spki, PADDINGS[1], b"secret").unwrap();
        assert!(refused(decrypt(&key, PADDINGS[0], &ct), PADDINGS[0]));
        assert!(refused(decrypt(&key, PADDINGS[4], &ct), PADDINGS[4]));
    }

    /// Whether a damaged or foreign ciphertext was refused as it must be:
    /// always the one `Decrypt` error under OAEP; under PKCS#1 v1.5 a
    /// random block passes the padding check about once in 65,000 tries
    /// (the scheme's known weakness), so there the answer may also be
    /// garbage, but never the plaintext.
    fn refused(result: Result<SecretBytes, CryptoError>, padding: RsaPadding) -> bool {
        match (result, padding) {
            (Err(CryptoError::Decrypt), _) => true,
            (Ok(garbage), RsaPadding::Pkcs1v15) => garbage.expose() != b"secret",
            _ => false,
        }
    }

    #[test]
    fn plaintexts_too_long_and_non_rsa_keys_are_refused() {
        let spki = spki_of(Algorithm::Rsa2048);
        // k - 2 hLen - 2 = 256 - 128 - 2 for SHA-512.
        let padding = RsaPadding::Oaep(OaepHash::Sha512);
        assert!(encrypt(&spki, padding, &[0; 126]).is_ok());
        assert!(matches!(
            encrypt(&spki, padding, &[0; 127]),
            Err(CryptoError::InvalidInput { .. })
        ));
        assert!(encrypt(&spki, RsaPadding::Pkcs1v15, &[0; 246]).is_err());
        let ec = spki_of(Algorithm::EcdsaP256);
        assert!(encrypt(&ec, RsaPadding::Pkcs1v15, b"x").is_err());
        let ec_key = material(Algorithm::EcdsaP256);
        assert!(matches!(
            decrypt(&ec_key, RsaPadding::Pkcs1v15, &[0; 256]),
            Err(CryptoError::UnsupportedAlgorithm { .. })
        ));
    }
}
