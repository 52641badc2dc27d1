//! RSASSA-PSS with a KMIP client's parameters ([`crate::rsa_pss`]).
//! aws-lc-rs serves the parameters it has (SHA-256, SHA-384 or SHA-512,
//! MGF1 over the same hash, a salt as long as the hash), which are every
//! signature keyhold makes by default; the rest goes to AWS-LC through
//! keyhold-awslc: another MGF1 hash or salt length, SHA-1 verification,
//! and verification that reads the salt length from the signature.
//!
//! Policy: SHA-1 verifies legacy signatures but signs nothing (NIST SP
//! 800-131A Rev. 2 section 9). Salts: by default a signer's is as long as
//! the hash (FIPS 186-5 section 5.4 (g) allows 0 to hLen); a client may ask
//! for any length the key holds, up to emLen - hLen - 2 (RFC 8017 section
//! 9.1.1), as the profiles' CS-AC-M-1 registers a key with the longest
//! (222 bytes for RSA-2048 and SHA-256): a longer salt weakens nothing,
//! but such a signature is not FIPS 186-5's. A verifier accepts any
//! length the key holds.

use keyhold_awslc::{SaltLength, Signed as FfiSigned};
use keyhold_core::{Algorithm, KeyOperation};

use super::keys;
use super::rsa_padded::ffi_hash;
use super::signatures::{AwsLcSignatures, check_rsa_size};
use crate::error::CryptoError;
use crate::material::KeyMaterial;
use crate::provider::Signatures;
use crate::rsa_padding::RsaHash;
use crate::rsa_pss::{PssParams, Signed};
use crate::scheme::SignatureScheme;
use crate::spki;

/// The aws-lc-rs scheme of `params` when aws-lc-rs has it: MGF1 over the
/// message hash, a SHA-2 hash and, if given, a salt as long as the hash.
fn usual_scheme(params: &PssParams) -> Option<SignatureScheme> {
    let hash_long = params
        .salt_len
        .is_none_or(|s| usize::from(s) == params.hash.output_len());
    if params.mgf1_hash != params.hash || !hash_long {
        return None;
    }
    match params.hash {
        RsaHash::Sha1 => None,
        RsaHash::Sha256 => Some(SignatureScheme::RsaPssSha256),
        RsaHash::Sha384 => Some(SignatureScheme::RsaPssSha384),
        RsaHash::Sha512 => Some(SignatureScheme::RsaPssSha512),
    }
}

/// keyhold-awslc's parameters of `params`; `signing` reads an unset salt
/// length as the hash's, verification as any.
fn ffi_params(params: &PssParams, signing: bool) -> keyhold_awslc::PssParams {
    let salt = match (params.salt_len, signing) {
        (Some(n), _) => SaltLength::Exactly(n),
        (None, true) => SaltLength::HashLength,
        (None, false) => SaltLength::Any,
    };
    keyhold_awslc::PssParams {
        hash: ffi_hash(params.hash),
        mgf1_hash: ffi_hash(params.mgf1_hash),
        salt,
    }
}

fn ffi_signed(signed: Signed<'_>) -> FfiSigned<'_> {
    match signed {
        Signed::Message(m) => FfiSigned::Message(m),
        Signed::Digest(d) => FfiSigned::Digest(d),
    }
}

/// keyhold-crypto's error of a keyhold-awslc error.
fn from_ffi(e: keyhold_awslc::Error, algorithm: Algorithm, operation: KeyOperation) -> CryptoError {
    match e {
        keyhold_awslc::Error::BadSignature => CryptoError::BadSignature,
        keyhold_awslc::Error::InvalidInput { what, reason } => {
            CryptoError::InvalidInput { what, reason }
        }
        keyhold_awslc::Error::InvalidKey { kind: "public" } => {
            CryptoError::InvalidPublicKey { algorithm }
        }
        keyhold_awslc::Error::InvalidKey { .. } => CryptoError::InvalidKeyMaterial { algorithm },
        _ => CryptoError::Library {
            algorithm,
            operation,
        },
    }
}

/// Refuses what keyhold does not sign with: SHA-1. (A salt longer than
/// the key holds is keyhold-awslc's [`keyhold_awslc::Error::InvalidInput`].)
fn check_signing(params: &PssParams) -> Result<(), CryptoError> {
    if params.hash == RsaHash::Sha1 {
        return Err(CryptoError::InvalidInput {
            what: "hash",
            reason: "SHA-1 signs nothing (NIST SP 800-131A); it only verifies",
        });
    }
    Ok(())
}

/// Refuses a key that is not one of keyhold's RSA sizes.
fn check_rsa(algorithm: Algorithm, operation: KeyOperation) -> Result<(), CryptoError> {
    match keys::rsa_bits(algorithm) {
        Some(_) => Ok(()),
        None => Err(CryptoError::UnsupportedAlgorithm {
            algorithm,
            operation,
        }),
    }
}

/// [`Signatures::sign_pss`].
pub(super) fn sign(
    key: &KeyMaterial,
    params: &PssParams,
    signed: Signed<'_>,
) -> Result<Vec<u8>, CryptoError> {
    let algorithm = key.algorithm();
    check_rsa(algorithm, KeyOperation::Sign)?;
    check_signing(params)?;
    if let Some(scheme) = usual_scheme(params) {
        return match signed {
            Signed::Message(m) => AwsLcSignatures.sign(key, scheme, m),
            Signed::Digest(d) => AwsLcSignatures.sign_digest(key, scheme, d),
        };
    }
    let pkcs8 = key.secret().expose();
    keyhold_awslc::pss_sign(pkcs8, &ffi_params(params, true), ffi_signed(signed))
        .map_err(|e| from_ffi(e, algorithm, KeyOperation::Sign))
}

/// [`Signatures::verify_pss`].
pub(super) fn verify(
    algorithm: Algorithm,
    params: &PssParams,
    spki: &[u8],
    signed: Signed<'_>,
    signature: &[u8],
) -> Result<(), CryptoError> {
    check_rsa(algorithm, KeyOperation::Verify)?;
    spki::check(algorithm, spki)?;
    check_rsa_size(algorithm, spki)?;
    let exact = params.salt_len.is_some();
    if let Some(scheme) = usual_scheme(params).filter(|_| exact) {
        return match signed {
            Signed::Message(m) => AwsLcSignatures.verify(algorithm, scheme, spki, m, signature),
            Signed::Digest(d) => {
                AwsLcSignatures.verify_digest(algorithm, scheme, spki, d, signature)
            }
        };
    }
    let ffi = ffi_params(params, false);
    keyhold_awslc::pss_verify(spki, &ffi, ffi_signed(signed), signature)
        .map_err(|e| from_ffi(e, algorithm, KeyOperation::Verify))
}

#[cfg(test)]
#[path = "rsa_pss_tests.rs"]
mod tests;
