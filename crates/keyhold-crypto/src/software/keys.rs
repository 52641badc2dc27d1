//! Parsing key material into aws-lc-rs key objects. Every function checks
//! that the material is a key of exactly the claimed algorithm (curve,
//! modulus size, ML-DSA parameter set) and maps any rejection to
//! [`CryptoError::InvalidKeyMaterial`].

use aws_lc_rs::digest;
use aws_lc_rs::kem::{DecapsulationKey, EncapsulationKey, ML_KEM_768};
use aws_lc_rs::rsa::KeyPair as RsaKeyPair;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_ASN1_SIGNING, ECDSA_P384_SHA384_ASN1_SIGNING, EcdsaKeyPair,
    EcdsaSigningAlgorithm, Ed25519KeyPair, ML_DSA_65_SIGNING, PqdsaKeyPair,
};
use keyhold_core::Algorithm;

use super::tdes;
use crate::error::CryptoError;
use crate::material::KeyMaterial;

/// ML-KEM-768 (FIPS 203 table 2: k = 3) sizes of the decapsulation key
/// `dk = dk_PKE ‖ ek ‖ H(ek) ‖ z` (FIPS 203 algorithm 16).
const MLKEM768_DK_PKE_LEN: usize = 384 * 3;
const MLKEM768_EK_LEN: usize = 384 * 3 + 32;
const MLKEM768_DK_LEN: usize = MLKEM768_DK_PKE_LEN + MLKEM768_EK_LEN + 32 + 32;

/// The shortest HMAC key accepted: 128 bits (NIST SP 800-107r1 section 5.3.4
/// asks for at least the security strength needed).
pub(crate) const HMAC_MIN_KEY_LEN: usize = 16;
/// The longest HMAC key accepted (longer keys are hashed first anyway, RFC
/// 2104 section 2); a bound against absurd imports.
pub(crate) const HMAC_MAX_KEY_LEN: usize = 1024;

/// The longest data object (Secret Data, Opaque Object) accepted: 64 KiB,
/// far above any password or seed, far below the KMIP message limit.
pub(crate) const DATA_MAX_LEN: usize = 64 * 1024;

/// Whether `algorithm` is one of the HMACs.
fn is_hmac(algorithm: Algorithm) -> bool {
    matches!(
        algorithm,
        Algorithm::HmacSha256 | Algorithm::HmacSha384 | Algorithm::HmacSha512
    )
}

/// The raw key length a symmetric algorithm's keys are generated with (the
/// hash output length for HMAC), `None` for asymmetric algorithms.
pub(crate) fn symmetric_len(algorithm: Algorithm) -> Option<usize> {
    match algorithm {
        Algorithm::Aes128Gcm | Algorithm::Aes128Raw => Some(16),
        Algorithm::Aes192Gcm | Algorithm::Aes192Raw => Some(24),
        Algorithm::Aes256Gcm
        | Algorithm::Aes256Raw
        | Algorithm::ChaCha20Poly1305
        | Algorithm::ChaCha20Raw
        | Algorithm::Aes256KeyWrap
        | Algorithm::HmacSha256 => Some(32),
        Algorithm::Tdes168Raw => Some(tdes::KEY_LEN),
        Algorithm::HmacSha384 => Some(48),
        Algorithm::HmacSha512 => Some(64),
        _ => None,
    }
}

/// Checks that `secret` is a valid encoding of a key of `algorithm`.
pub(crate) fn check(algorithm: Algorithm, secret: &[u8]) -> Result<(), CryptoError> {
    let invalid = CryptoError::InvalidKeyMaterial { algorithm };
    if algorithm.is_data() {
        // Uninterpreted bytes: only their size is checked.
        return if (1..=DATA_MAX_LEN).contains(&secret.len()) {
            Ok(())
        } else {
            Err(invalid)
        };
    }
    if algorithm == Algorithm::Tdes168Raw {
        return tdes::check(secret);
    }
    if is_hmac(algorithm) {
        return if (HMAC_MIN_KEY_LEN..=HMAC_MAX_KEY_LEN).contains(&secret.len()) {
            Ok(())
        } else {
            Err(invalid)
        };
    }
    if let Some(len) = symmetric_len(algorithm) {
        return if secret.len() == len {
            Ok(())
        } else {
            Err(invalid)
        };
    }
    match algorithm {
        Algorithm::Rsa2048 | Algorithm::Rsa3072 | Algorithm::Rsa4096 => {
            rsa(algorithm, secret).map(drop)
        }
        Algorithm::EcdsaP256 | Algorithm::EcdsaP384 => ecdsa(algorithm, secret).map(drop),
        Algorithm::Ed25519 => ed25519(secret).map(drop),
        Algorithm::MlDsa65 => ml_dsa_65(secret).map(drop),
        Algorithm::MlKem768 => ml_kem_768(secret).map(drop),
        Algorithm::Rsa1024Legacy | Algorithm::DsaLegacy => {
            // Stored material that fails its check is invalid, whatever
            // the rule it breaks (kept in the error for the logs' sake).
            crate::legacy::check(algorithm, secret).map_err(|_| invalid)
        }
        _ => Err(invalid),
    }
}

/// The modulus size in bits of an RSA algorithm.
pub(crate) fn rsa_bits(algorithm: Algorithm) -> Option<usize> {
    match algorithm {
        Algorithm::Rsa2048 => Some(2048),
        Algorithm::Rsa3072 => Some(3072),
        Algorithm::Rsa4096 => Some(4096),
        _ => None,
    }
}

/// An RSA private key (PKCS#8) whose modulus has the algorithm's size.
pub(crate) fn rsa(algorithm: Algorithm, pkcs8: &[u8]) -> Result<RsaKeyPair, CryptoError> {
    let invalid = || CryptoError::InvalidKeyMaterial { algorithm };
    let bits = rsa_bits(algorithm).ok_or_else(invalid)?;
    let pair = RsaKeyPair::from_pkcs8(pkcs8).map_err(|_| invalid())?;
    if pair.public_modulus_len() * 8 == bits {
        Ok(pair)
    } else {
        Err(invalid())
    }
}

/// The aws-lc-rs signing algorithm of an ECDSA key algorithm.
pub(crate) fn ecdsa_signing(algorithm: Algorithm) -> Option<&'static EcdsaSigningAlgorithm> {
    match algorithm {
        Algorithm::EcdsaP256 => Some(&ECDSA_P256_SHA256_ASN1_SIGNING),
        Algorithm::EcdsaP384 => Some(&ECDSA_P384_SHA384_ASN1_SIGNING),
        _ => None,
    }
}

/// An ECDSA private key (PKCS#8) on the algorithm's curve.
pub(crate) fn ecdsa(algorithm: Algorithm, pkcs8: &[u8]) -> Result<EcdsaKeyPair, CryptoError> {
    let signing = ecdsa_signing(algorithm).ok_or(CryptoError::InvalidKeyMaterial { algorithm })?;
    EcdsaKeyPair::from_pkcs8(signing, pkcs8)
        .map_err(|_| CryptoError::InvalidKeyMaterial { algorithm })
}

/// An Ed25519 private key (PKCS#8 v1 or v2).
pub(crate) fn ed25519(pkcs8: &[u8]) -> Result<Ed25519KeyPair, CryptoError> {
    Ed25519KeyPair::from_pkcs8(pkcs8).map_err(|_| CryptoError::InvalidKeyMaterial {
        algorithm: Algorithm::Ed25519,
    })
}

/// An ML-DSA-65 private key (PKCS#8, seed or expanded form).
pub(crate) fn ml_dsa_65(pkcs8: &[u8]) -> Result<PqdsaKeyPair, CryptoError> {
    PqdsaKeyPair::from_pkcs8(&ML_DSA_65_SIGNING, pkcs8).map_err(|_| {
        CryptoError::InvalidKeyMaterial {
            algorithm: Algorithm::MlDsa65,
        }
    })
}

/// An ML-KEM-768 decapsulation key with its encapsulation key.
pub(crate) struct MlKemKey {
    /// For decapsulation.
    pub(crate) decapsulation: DecapsulationKey,
    /// The raw encapsulation key `ek` (FIPS 203 section 7.1), public.
    pub(crate) encapsulation: Vec<u8>,
}

/// An ML-KEM-768 decapsulation key in the FIPS 203 `dk` encoding. Besides
/// the length, checks the hash check of FIPS 203 section 7.3: the embedded
/// `H(ek)` must equal SHA3-256 of the embedded `ek`, and `ek` must be a
/// valid encapsulation key.
pub(crate) fn ml_kem_768(dk: &[u8]) -> Result<MlKemKey, CryptoError> {
    let invalid = || CryptoError::InvalidKeyMaterial {
        algorithm: Algorithm::MlKem768,
    };
    if dk.len() != MLKEM768_DK_LEN {
        return Err(invalid());
    }
    let ek_end = MLKEM768_DK_PKE_LEN + MLKEM768_EK_LEN;
    let ek = dk.get(MLKEM768_DK_PKE_LEN..ek_end).ok_or_else(invalid)?;
    let h = dk.get(ek_end..ek_end + 32).ok_or_else(invalid)?;
    if digest::digest(&digest::SHA3_256, ek).as_ref() != h {
        return Err(invalid());
    }
    EncapsulationKey::new(&ML_KEM_768, ek).map_err(|_| invalid())?;
    let decapsulation = DecapsulationKey::new(&ML_KEM_768, dk).map_err(|_| invalid())?;
    Ok(MlKemKey {
        decapsulation,
        encapsulation: ek.to_vec(),
    })
}

/// The RSA key pair of `m`, or the error for a non-RSA key.
pub(crate) fn rsa_of(m: &KeyMaterial) -> Result<RsaKeyPair, CryptoError> {
    rsa(m.algorithm(), m.secret().expose())
}
