//! Signature schemes: how a signing key signs. The key's [`Algorithm`] says
//! what the key is; the scheme, chosen per request, says which padding and
//! digest an RSA key uses. Every other algorithm has exactly one scheme.

use std::fmt;
use std::str::FromStr;

use keyhold_core::{Algorithm, KeyOperation};

use crate::error::CryptoError;

/// A signature scheme.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureScheme {
    /// RSASSA-PSS with SHA-256, MGF1-SHA-256, 32-byte salt (RFC 8017 section 8.1).
    RsaPssSha256,
    /// RSASSA-PSS with SHA-384, MGF1-SHA-384, 48-byte salt.
    RsaPssSha384,
    /// RSASSA-PSS with SHA-512, MGF1-SHA-512, 64-byte salt.
    RsaPssSha512,
    /// RSASSA-PKCS1-v1_5 with SHA-256 (RFC 8017 section 8.2).
    RsaPkcs1Sha256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RsaPkcs1Sha384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RsaPkcs1Sha512,
    /// ECDSA on P-256 with SHA-256; signatures are ASN.1 DER (RFC 3279 section 2.2.3).
    EcdsaP256Sha256,
    /// ECDSA on P-384 with SHA-384; signatures are ASN.1 DER.
    EcdsaP384Sha384,
    /// Ed25519 (RFC 8032 section 5.1), pure (no pre-hash).
    Ed25519,
    /// ML-DSA-65 (FIPS 204), pure, empty context string.
    MlDsa65,
}

impl SignatureScheme {
    /// Every scheme, in a stable order.
    pub const ALL: [Self; 10] = [
        Self::RsaPssSha256,
        Self::RsaPssSha384,
        Self::RsaPssSha512,
        Self::RsaPkcs1Sha256,
        Self::RsaPkcs1Sha384,
        Self::RsaPkcs1Sha512,
        Self::EcdsaP256Sha256,
        Self::EcdsaP384Sha384,
        Self::Ed25519,
        Self::MlDsa65,
    ];

    /// The name used on the wire and in the CLI.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::RsaPssSha256 => "rsa-pss-sha256",
            Self::RsaPssSha384 => "rsa-pss-sha384",
            Self::RsaPssSha512 => "rsa-pss-sha512",
            Self::RsaPkcs1Sha256 => "rsa-pkcs1-sha256",
            Self::RsaPkcs1Sha384 => "rsa-pkcs1-sha384",
            Self::RsaPkcs1Sha512 => "rsa-pkcs1-sha512",
            Self::EcdsaP256Sha256 => "ecdsa-p256-sha256",
            Self::EcdsaP384Sha384 => "ecdsa-p384-sha384",
            Self::Ed25519 => "ed25519",
            Self::MlDsa65 => "ml-dsa-65",
        }
    }

    /// The scheme used when a request names none: PSS with SHA-256 for RSA,
    /// the only scheme for every other signing algorithm.
    pub fn default_for(algorithm: Algorithm) -> Result<Self, CryptoError> {
        match algorithm {
            Algorithm::Rsa2048 | Algorithm::Rsa3072 | Algorithm::Rsa4096 => Ok(Self::RsaPssSha256),
            Algorithm::EcdsaP256 => Ok(Self::EcdsaP256Sha256),
            Algorithm::EcdsaP384 => Ok(Self::EcdsaP384Sha384),
            Algorithm::Ed25519 => Ok(Self::Ed25519),
            Algorithm::MlDsa65 => Ok(Self::MlDsa65),
            other => Err(CryptoError::UnsupportedAlgorithm {
                algorithm: other,
                operation: KeyOperation::Sign,
            }),
        }
    }

    /// Whether keys of `algorithm` can sign with this scheme.
    pub fn fits(self, algorithm: Algorithm) -> bool {
        match self {
            Self::RsaPssSha256
            | Self::RsaPssSha384
            | Self::RsaPssSha512
            | Self::RsaPkcs1Sha256
            | Self::RsaPkcs1Sha384
            | Self::RsaPkcs1Sha512 => matches!(
                algorithm,
                Algorithm::Rsa2048 | Algorithm::Rsa3072 | Algorithm::Rsa4096
            ),
            Self::EcdsaP256Sha256 => algorithm == Algorithm::EcdsaP256,
            Self::EcdsaP384Sha384 => algorithm == Algorithm::EcdsaP384,
            Self::Ed25519 => algorithm == Algorithm::Ed25519,
            Self::MlDsa65 => algorithm == Algorithm::MlDsa65,
        }
    }

    /// The length of the digest a pre-hashed request gives: the output
    /// length of the scheme's hash (FIPS 180-4). `None` for the schemes that
    /// only sign whole messages: Ed25519 is pure EdDSA (RFC 8032 section
    /// 5.1; Ed25519ph is another scheme) and ML-DSA-65 is pure ML-DSA (FIPS
    /// 204 section 5.2; HashML-DSA is another scheme).
    pub const fn digest_len(self) -> Option<usize> {
        match self {
            Self::RsaPssSha256 | Self::RsaPkcs1Sha256 | Self::EcdsaP256Sha256 => Some(32),
            Self::RsaPssSha384 | Self::RsaPkcs1Sha384 | Self::EcdsaP384Sha384 => Some(48),
            Self::RsaPssSha512 | Self::RsaPkcs1Sha512 => Some(64),
            Self::Ed25519 | Self::MlDsa65 => None,
        }
    }

    /// Refuses a scheme that does not fit `algorithm`.
    pub fn check(self, algorithm: Algorithm) -> Result<(), CryptoError> {
        if self.fits(algorithm) {
            Ok(())
        } else {
            Err(CryptoError::SchemeMismatch {
                algorithm,
                scheme: self,
            })
        }
    }
}

impl fmt::Display for SignatureScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for SignatureScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SignatureScheme {
    type Err = CryptoError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or(CryptoError::InvalidInput {
                what: "signature scheme",
                reason: "unknown scheme name",
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_scheme_fits_every_signing_algorithm() {
        for alg in Algorithm::ALL {
            // A data object or a legacy key may record any usage, and
            // signs nothing.
            let signs = alg.possible_usage().contains(keyhold_core::UsageMask::SIGN)
                && !alg.is_data()
                && !alg.is_legacy();
            match SignatureScheme::default_for(alg) {
                Ok(s) => {
                    assert!(signs, "{alg} got a scheme but cannot sign");
                    s.check(alg).unwrap();
                }
                Err(e) => {
                    assert!(!signs, "{alg} can sign but has no scheme");
                    assert!(matches!(e, CryptoError::UnsupportedAlgorithm { .. }));
                }
            }
        }
    }

    #[test]
    fn mismatched_scheme_is_refused() {
        let e = SignatureScheme::Ed25519
            .check(Algorithm::EcdsaP256)
            .unwrap_err();
        assert!(matches!(
            e,
            CryptoError::SchemeMismatch {
                algorithm: Algorithm::EcdsaP256,
                scheme: SignatureScheme::Ed25519
            }
        ));
        assert!(!SignatureScheme::EcdsaP384Sha384.fits(Algorithm::EcdsaP256));
        assert!(!SignatureScheme::RsaPssSha256.fits(Algorithm::Aes256Gcm));
        assert!(SignatureScheme::RsaPkcs1Sha512.fits(Algorithm::Rsa4096));
    }

    #[test]
    fn only_pure_schemes_refuse_digests() {
        for s in SignatureScheme::ALL {
            let pure = matches!(s, SignatureScheme::Ed25519 | SignatureScheme::MlDsa65);
            assert_eq!(s.digest_len().is_none(), pure, "{s}");
            if let Some(len) = s.digest_len() {
                let bits = &s.as_str()[s.as_str().len() - 3..];
                assert_eq!(len * 8, bits.parse::<usize>().unwrap(), "{s}");
            }
        }
    }

    #[test]
    fn names_round_trip_and_unknown_names_are_refused() {
        for s in SignatureScheme::ALL {
            assert_eq!(s.as_str().parse::<SignatureScheme>().unwrap(), s);
        }
        assert!("rsa-pss-md5".parse::<SignatureScheme>().is_err());
    }
}
