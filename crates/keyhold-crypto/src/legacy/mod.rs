//! Legacy keys: kept, never used. An RSA key with a 1024-bit modulus
//! ([`Algorithm::Rsa1024Legacy`]) or a DSA key ([`Algorithm::DsaLegacy`])
//! that a KMIP client registers so that an organisation can inventory and
//! retire it. NIST SP 800-131A Rev. 2 disallows RSA under 2048 bits for
//! generating signatures and for key transport, FIPS 186-5 no longer
//! approves DSA for generating signatures, and aws-lc-rs refuses both; so
//! keyhold parses such a key, checks its shape, keeps it (sealed like any
//! key) and gives it back, but never generates one and performs no
//! cryptographic operation with it (`keyhold_core::KeyOperation::check`).
//!
//! The shape checks need no primality test and use no key to sign or
//! encrypt: they are the equations the components must satisfy (RFC 8017
//! section 3.2 for RSA; FIPS 186-4 section 4 and NIST SP 800-89 section
//! 5.3.1 for DSA), computed with crypto-bigint in wiped integers. Every
//! encoding goes through RustCrypto's DER types (`pkcs1`, `pkcs8`, `spki`,
//! `der`):
//!
//! | key | kept as (material) | public key |
//! |---|---|---|
//! | RSA 1024 | PKCS#8 PrivateKeyInfo (RFC 5208) of the PKCS#1 RSAPrivateKey | SubjectPublicKeyInfo, rsaEncryption |
//! | DSA | PKCS#8 PrivateKeyInfo, id-dsa with Dss-Parms, privateKey the INTEGER x (RFC 5958, RFC 3279 section 2.3.2) | SubjectPublicKeyInfo, id-dsa with Dss-Parms, the INTEGER y |

mod dsa;
mod dsa_der;
mod error;
pub(crate) mod import;
mod integers;
mod rsa;

use keyhold_core::Algorithm;

pub use self::dsa::{DsaPrivateParts, DsaPublicParts, dsa_private_parts, dsa_public_parts};
pub use self::error::LegacyKeyError;
pub use self::rsa::rsa_public_pkcs1;

use crate::error::CryptoError;

/// Checks that `pkcs8` is a well-formed key of the legacy `algorithm`
/// (the check [`crate::KeyMaterial::from_parts`] makes).
pub(crate) fn check(algorithm: Algorithm, pkcs8: &[u8]) -> Result<(), CryptoError> {
    let checked = match algorithm {
        Algorithm::Rsa1024Legacy => rsa::check_pkcs8(pkcs8),
        Algorithm::DsaLegacy => dsa::check_pkcs8(pkcs8),
        _ => return Err(CryptoError::InvalidKeyMaterial { algorithm }),
    };
    checked.map_err(|reason| CryptoError::LegacyKey { algorithm, reason })
}

/// The SubjectPublicKeyInfo DER of a legacy key kept as `pkcs8`.
pub(crate) fn public_spki(algorithm: Algorithm, pkcs8: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let spki = match algorithm {
        Algorithm::Rsa1024Legacy => rsa::spki_of_pkcs8(pkcs8),
        Algorithm::DsaLegacy => dsa::spki_of_pkcs8(pkcs8),
        _ => return Err(CryptoError::InvalidKeyMaterial { algorithm }),
    };
    spki.map_err(|reason| CryptoError::LegacyKey { algorithm, reason })
}

/// The size KMIP reports for a DSA key (its Cryptographic Length, KMIP 1.4
/// section 3.5): the bits of its prime p, read from its SubjectPublicKeyInfo.
pub fn dsa_bits(spki: &[u8]) -> Result<u32, CryptoError> {
    dsa::p_bits(spki).map_err(|reason| CryptoError::LegacyKey {
        algorithm: Algorithm::DsaLegacy,
        reason,
    })
}

#[cfg(test)]
pub(crate) mod fixtures;
#[cfg(test)]
mod tests;
