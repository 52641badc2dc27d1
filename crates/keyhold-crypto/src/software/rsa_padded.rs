//! RSA encryption with the padding a KMIP client names (KMIP 1.4 section
//! 3.6, Padding Method OAEP or PKCS1 v1.5): RSAES-OAEP with SHA-1, SHA-256,
//! SHA-384 or SHA-512 for the label and for MGF1 and any label (RFC 8017
//! section 7.1), and RSAES-PKCS1-v1_5 (RFC 8017 section 7.2). aws-lc-rs
//! serves OAEP whose MGF1 hash is its label hash (every OAEP keyhold itself
//! makes) and PKCS#1 v1.5; an MGF1 hash of its own goes to AWS-LC through
//! keyhold-awslc, which aws-lc-rs does not offer. Every decryption failure
//! is the one [`CryptoError::Decrypt`]: a caller never learns which
//! padding check failed.

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
use crate::rsa_padding::{Oaep, RsaHash, RsaPadding};
use crate::secret::SecretBytes;
use crate::spki;

fn oaep_algorithm(hash: RsaHash) -> &'static OaepAlgorithm {
    match hash {
        RsaHash::Sha1 => &OAEP_SHA1_MGF1SHA1,
        RsaHash::Sha256 => &OAEP_SHA256_MGF1SHA256,
        RsaHash::Sha384 => &OAEP_SHA384_MGF1SHA384,
        RsaHash::Sha512 => &OAEP_SHA512_MGF1SHA512,
    }
}

/// keyhold-awslc's hash of `hash`.
pub(super) fn ffi_hash(hash: RsaHash) -> keyhold_awslc::Hash {
    match hash {
        RsaHash::Sha1 => keyhold_awslc::Hash::Sha1,
        RsaHash::Sha256 => keyhold_awslc::Hash::Sha256,
        RsaHash::Sha384 => keyhold_awslc::Hash::Sha384,
        RsaHash::Sha512 => keyhold_awslc::Hash::Sha512,
    }
}

/// keyhold-awslc's parameters of `oaep`.
fn ffi_oaep(oaep: &Oaep) -> keyhold_awslc::OaepParams<'_> {
    keyhold_awslc::OaepParams {
        hash: ffi_hash(oaep.hash),
        mgf1_hash: ffi_hash(oaep.mgf1_hash),
        label: &oaep.label,
    }
}

/// The label as aws-lc-rs takes it.
fn label(oaep: &Oaep) -> Option<&[u8]> {
    Some(oaep.label.as_slice()).filter(|l| !l.is_empty())
}

fn too_long() -> CryptoError {
    CryptoError::InvalidInput {
        what: "plaintext",
        reason: "too long for this RSA key and padding",
    }
}

/// An RSA public key of 2048, 3072 or 4096 bits (SubjectPublicKeyInfo
/// DER), and its algorithm.
fn public_key(spki: &[u8]) -> Result<(PublicEncryptingKey, Algorithm), CryptoError> {
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
    Ok((key, algorithm))
}

/// Encrypts `plaintext` to the RSA public key `spki` (SubjectPublicKeyInfo
/// DER of 2048, 3072 or 4096 bits) with `padding`.
pub(crate) fn encrypt(
    spki: &[u8],
    padding: &RsaPadding,
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let (key, algorithm) = public_key(spki)?;
    let failed = || CryptoError::Library {
        algorithm,
        operation: KeyOperation::Encrypt,
    };
    let invalid = |_| CryptoError::InvalidPublicKey { algorithm };
    let mut out = vec![0u8; key.key_size_bytes()];
    let len = match padding {
        RsaPadding::Oaep(oaep) if oaep.mgf1_hash != oaep.hash => {
            return ffi_encrypt(spki, algorithm, oaep, plaintext);
        }
        RsaPadding::Oaep(oaep) => {
            let key = OaepPublicEncryptingKey::new(key).map_err(invalid)?;
            let alg = oaep_algorithm(oaep.hash);
            if plaintext.len() > key.max_plaintext_size(alg) {
                return Err(too_long());
            }
            let label = label(oaep);
            key.encrypt(alg, plaintext, &mut out, label)
                .map_err(|_| failed())?
                .len()
        }
        RsaPadding::Pkcs1v15 => {
            let key = Pkcs1PublicEncryptingKey::new(key).map_err(invalid)?;
            if plaintext.len() > key.max_plaintext_size() {
                return Err(too_long());
            }
            key.encrypt(plaintext, &mut out)
                .map_err(|_| failed())?
                .len()
        }
    };
    out.truncate(len);
    Ok(out)
}

/// OAEP encryption with an MGF1 hash of its own, through keyhold-awslc.
fn ffi_encrypt(
    spki: &[u8],
    algorithm: Algorithm,
    oaep: &Oaep,
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    keyhold_awslc::oaep_encrypt(spki, &ffi_oaep(oaep), plaintext).map_err(|e| match e {
        keyhold_awslc::Error::InvalidInput { .. } => too_long(),
        _ => CryptoError::Library {
            algorithm,
            operation: KeyOperation::Encrypt,
        },
    })
}

/// Refuses a key that is not one of keyhold's RSA sizes.
fn check_rsa(key: &KeyMaterial) -> Result<(), CryptoError> {
    let algorithm = key.algorithm();
    match keys::rsa_bits(algorithm) {
        Some(_) => Ok(()),
        None => Err(CryptoError::UnsupportedAlgorithm {
            algorithm,
            operation: KeyOperation::Decrypt,
        }),
    }
}

/// The RSA private key `key` holds, for decryption.
pub(super) fn private_key(key: &KeyMaterial) -> Result<PrivateDecryptingKey, CryptoError> {
    check_rsa(key)?;
    PrivateDecryptingKey::from_pkcs8(key.secret().expose()).map_err(|_| {
        CryptoError::InvalidKeyMaterial {
            algorithm: key.algorithm(),
        }
    })
}

/// Decrypts `ciphertext` with the RSA private key `key` and `padding`.
/// Whatever is wrong with the ciphertext (length, range, padding, label,
/// hash), the answer is [`CryptoError::Decrypt`].
pub(crate) fn decrypt(
    key: &KeyMaterial,
    padding: &RsaPadding,
    ciphertext: &[u8],
) -> Result<SecretBytes, CryptoError> {
    if let RsaPadding::Oaep(oaep) = padding {
        if oaep.mgf1_hash != oaep.hash {
            return ffi_decrypt(key, oaep, ciphertext);
        }
    }
    let private = private_key(key)?;
    let invalid = || CryptoError::InvalidKeyMaterial {
        algorithm: key.algorithm(),
    };
    let mut out = Zeroizing::new(vec![0u8; private.key_size_bytes()]);
    let plaintext = match padding {
        RsaPadding::Oaep(oaep) => {
            let private = OaepPrivateDecryptingKey::new(private).map_err(|_| invalid())?;
            private
                .decrypt(oaep_algorithm(oaep.hash), ciphertext, &mut out, label(oaep))
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

/// OAEP decryption with an MGF1 hash of its own, through keyhold-awslc.
fn ffi_decrypt(
    key: &KeyMaterial,
    oaep: &Oaep,
    ciphertext: &[u8],
) -> Result<SecretBytes, CryptoError> {
    check_rsa(key)?;
    let pkcs8 = key.secret().expose();
    let plaintext =
        keyhold_awslc::oaep_decrypt(pkcs8, &ffi_oaep(oaep), ciphertext).map_err(|e| match e {
            keyhold_awslc::Error::InvalidKey { .. } => CryptoError::InvalidKeyMaterial {
                algorithm: key.algorithm(),
            },
            _ => CryptoError::Decrypt,
        })?;
    Ok(SecretBytes::copy_from(&plaintext))
}

#[cfg(test)]
#[path = "rsa_padded_tests.rs"]
mod tests;
