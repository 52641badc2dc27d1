//! Asymmetric keys a client supplies, in the formats KMIP carries (KMIP 1.4
//! section 9.1.3.2.3 Key Format Type; KMIP 2.1 section 11.15), turned into
//! keyhold's two encodings: a private key becomes PKCS#8 key material
//! ([`KeyMaterial`]), a public key a checked SubjectPublicKeyInfo
//! ([`PublicKeyInfo`]). Every parse and every encoding is aws-lc-rs':
//!
//! | input | parsed with |
//! |---|---|
//! | PKCS#8 private key (RFC 5208 / 5958) | `rsa::KeyPair`, `EcdsaKeyPair`, `Ed25519KeyPair` |
//! | PKCS#1 RSAPrivateKey (RFC 8017 appendix A.1.2) | `rsa::KeyPair::from_der` |
//! | Transparent RSA Private Key (KMIP 1.4 section 2.1.7.3) | `rsa::KeyPair::from_components` |
//! | X.509 SubjectPublicKeyInfo (RFC 5280 section 4.1) | `PublicEncryptingKey`, `ParsedPublicKey` |
//! | PKCS#1 RSAPublicKey (RFC 8017 appendix A.1.1) | `rsa::PublicKey::from_der` |
//! | Transparent RSA Public Key (KMIP 1.4 section 2.1.7.4) | `rsa::PublicKeyComponents` |
//!
//! An RSA key under 2048 bits and a DSA key (Transparent DSA components, or
//! PKCS#8 and SubjectPublicKeyInfo of id-dsa) are legacy keys, read by
//! [`crate::legacy`] with RustCrypto's DER types: kept when well formed
//! (RSA of exactly 1024 bits), never used.
//!
//! The algorithm is read from the key itself (RSA modulus size, curve), so
//! a client's Cryptographic Algorithm and Length only have to agree.

use std::fmt;

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::rsa::{
    KeyPair, KeyPairComponents, PublicEncryptingKey, PublicKey, PublicKeyComponents,
};
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_ASN1, ECDSA_P384_SHA384_ASN1, ED25519, Ed25519KeyPair, ParsedPublicKey,
    VerificationAlgorithm,
};
use keyhold_core::Algorithm;

use crate::error::CryptoError;
use crate::legacy;
use crate::material::KeyMaterial;
use crate::secret::SecretBytes;
use crate::software::keys;
use crate::spki;

/// A private key as a client sends it.
pub enum PrivateKeyInput<'a> {
    /// PKCS#8 PrivateKeyInfo DER (RSA, ECDSA P-256/P-384, Ed25519).
    Pkcs8(&'a [u8]),
    /// PKCS#1 RSAPrivateKey DER.
    RsaPkcs1(&'a [u8]),
    /// The RSA components, big-endian.
    RsaComponents(RsaPrivateComponents<'a>),
    /// The DSA components, big-endian (a legacy key, [`crate::legacy`]).
    DsaComponents(DsaPrivateComponents<'a>),
}

/// The components of a Transparent DSA Private Key (KMIP 1.4 section
/// 2.1.7.2), big-endian magnitudes.
pub struct DsaPrivateComponents<'a> {
    /// The prime p.
    pub p: &'a [u8],
    /// The prime q.
    pub q: &'a [u8],
    /// The generator g.
    pub g: &'a [u8],
    /// The private key x.
    pub x: &'a [u8],
}

/// The components of a Transparent DSA Public Key (KMIP 1.4 section
/// 2.1.7.3), big-endian magnitudes.
#[derive(Debug)]
pub struct DsaPublicComponents<'a> {
    /// The prime p.
    pub p: &'a [u8],
    /// The prime q.
    pub q: &'a [u8],
    /// The generator g.
    pub g: &'a [u8],
    /// The public key y.
    pub y: &'a [u8],
}

/// The components of a Transparent RSA Private Key; KMIP makes all but the
/// modulus optional, keyhold needs the full CRT form.
pub struct RsaPrivateComponents<'a> {
    /// n.
    pub modulus: &'a [u8],
    /// e.
    pub public_exponent: &'a [u8],
    /// d.
    pub private_exponent: &'a [u8],
    /// p.
    pub p: &'a [u8],
    /// q.
    pub q: &'a [u8],
    /// d mod (p - 1).
    pub prime_exponent_p: &'a [u8],
    /// d mod (q - 1).
    pub prime_exponent_q: &'a [u8],
    /// q^-1 mod p.
    pub crt_coefficient: &'a [u8],
}

/// A public key as a client sends it.
#[derive(Debug)]
pub enum PublicKeyInput<'a> {
    /// X.509 SubjectPublicKeyInfo DER (RSA, ECDSA P-256/P-384, Ed25519).
    Spki(&'a [u8]),
    /// PKCS#1 RSAPublicKey DER.
    RsaPkcs1(&'a [u8]),
    /// The RSA modulus and public exponent, big-endian.
    RsaComponents {
        /// n.
        modulus: &'a [u8],
        /// e.
        public_exponent: &'a [u8],
    },
    /// The DSA components, big-endian (a legacy key, [`crate::legacy`]).
    DsaComponents(DsaPublicComponents<'a>),
}

impl fmt::Debug for PrivateKeyInput<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self {
            Self::Pkcs8(_) => "Pkcs8",
            Self::RsaPkcs1(_) => "RsaPkcs1",
            Self::RsaComponents(_) => "RsaComponents",
            Self::DsaComponents(_) => "DsaComponents",
        };
        write!(f, "PrivateKeyInput::{kind}([redacted])")
    }
}

impl fmt::Debug for RsaPrivateComponents<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RsaPrivateComponents([redacted])")
    }
}

impl fmt::Debug for DsaPrivateComponents<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DsaPrivateComponents([redacted])")
    }
}

/// A public key keyhold accepted: SubjectPublicKeyInfo DER of `algorithm`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKeyInfo {
    algorithm: Algorithm,
    spki: Vec<u8>,
}

impl PublicKeyInfo {
    /// A public key of `algorithm` whose SubjectPublicKeyInfo is `spki`,
    /// already checked.
    pub(crate) fn new(algorithm: Algorithm, spki: Vec<u8>) -> Self {
        Self { algorithm, spki }
    }

    /// The key's algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The SubjectPublicKeyInfo DER.
    pub fn spki(&self) -> &[u8] {
        &self.spki
    }

    /// Gives up the DER.
    pub fn into_spki(self) -> Vec<u8> {
        self.spki
    }
}

/// The keyhold RSA algorithm of a modulus of `bits` bits.
fn rsa_algorithm(bits: usize) -> Option<Algorithm> {
    match bits {
        2048 => Some(Algorithm::Rsa2048),
        3072 => Some(Algorithm::Rsa3072),
        4096 => Some(Algorithm::Rsa4096),
        _ => None,
    }
}

/// The PKCS#8 material of an aws-lc-rs RSA key pair.
fn rsa_material(pair: &KeyPair) -> Result<KeyMaterial, CryptoError> {
    let invalid = CryptoError::InvalidKeyMaterial {
        algorithm: Algorithm::Rsa2048,
    };
    let algorithm = rsa_algorithm(pair.public_modulus_len() * 8).ok_or(invalid)?;
    let der: Pkcs8V1Der<'static> = pair
        .as_der()
        .map_err(|_| CryptoError::InvalidKeyMaterial { algorithm })?;
    KeyMaterial::from_parts(algorithm, SecretBytes::copy_from(der.as_ref()))
}

/// The algorithm of a PKCS#8 private key: RSA of a supported size, ECDSA
/// on P-256 or P-384, or Ed25519.
fn pkcs8_algorithm(der: &[u8]) -> Option<Algorithm> {
    if let Ok(pair) = KeyPair::from_pkcs8(der) {
        return rsa_algorithm(pair.public_modulus_len() * 8);
    }
    [Algorithm::EcdsaP256, Algorithm::EcdsaP384]
        .into_iter()
        .find(|&a| keys::ecdsa(a, der).is_ok())
        .or_else(|| {
            Ed25519KeyPair::from_pkcs8(der)
                .is_ok()
                .then_some(Algorithm::Ed25519)
        })
}

/// Parses a private key into keyhold key material (PKCS#8). Anything that
/// is not a supported key is [`CryptoError::InvalidKeyMaterial`].
pub fn import_private(input: &PrivateKeyInput<'_>) -> Result<KeyMaterial, CryptoError> {
    let invalid = || CryptoError::InvalidKeyMaterial {
        algorithm: Algorithm::Rsa2048,
    };
    if let Some(legacy) = legacy::import::private(input) {
        return legacy;
    }
    match input {
        PrivateKeyInput::Pkcs8(der) => {
            let algorithm = pkcs8_algorithm(der).ok_or_else(invalid)?;
            KeyMaterial::from_parts(algorithm, SecretBytes::copy_from(der))
        }
        PrivateKeyInput::RsaPkcs1(der) => {
            rsa_material(&KeyPair::from_der(der).map_err(|_| invalid())?)
        }
        PrivateKeyInput::RsaComponents(c) => {
            let components = KeyPairComponents {
                public_key: PublicKeyComponents {
                    n: c.modulus,
                    e: c.public_exponent,
                },
                d: c.private_exponent,
                p: c.p,
                q: c.q,
                dP: c.prime_exponent_p,
                dQ: c.prime_exponent_q,
                qInv: c.crt_coefficient,
            };
            rsa_material(&KeyPair::from_components(&components).map_err(|_| invalid())?)
        }
        // Always a legacy key (above).
        PrivateKeyInput::DsaComponents(_) => Err(invalid()),
    }
}

/// The SubjectPublicKeyInfo of an RSA public key, with its algorithm.
fn rsa_spki(der: &PublicKeyX509Der<'static>) -> Result<PublicKeyInfo, CryptoError> {
    let invalid = || CryptoError::InvalidPublicKey {
        algorithm: Algorithm::Rsa2048,
    };
    let key = PublicEncryptingKey::from_der(der.as_ref()).map_err(|_| invalid())?;
    let algorithm = rsa_algorithm(key.key_size_bits()).ok_or_else(invalid)?;
    Ok(PublicKeyInfo {
        algorithm,
        spki: der.as_ref().to_vec(),
    })
}

/// The verification algorithm that parses public keys of `algorithm`.
fn verifier(algorithm: Algorithm) -> Option<&'static dyn VerificationAlgorithm> {
    match algorithm {
        Algorithm::EcdsaP256 => Some(&ECDSA_P256_SHA256_ASN1),
        Algorithm::EcdsaP384 => Some(&ECDSA_P384_SHA384_ASN1),
        Algorithm::Ed25519 => Some(&ED25519),
        _ => None,
    }
}

/// An ECDSA or Ed25519 SubjectPublicKeyInfo, checked to name the curve and
/// to hold a point on it.
fn curve_spki(der: &[u8]) -> Option<PublicKeyInfo> {
    [
        Algorithm::EcdsaP256,
        Algorithm::EcdsaP384,
        Algorithm::Ed25519,
    ]
    .into_iter()
    .find(|&a| {
        spki::check(a, der).is_ok()
            && verifier(a).is_some_and(|v| ParsedPublicKey::new(v, der).is_ok())
    })
    .map(|algorithm| PublicKeyInfo {
        algorithm,
        spki: der.to_vec(),
    })
}

/// The SubjectPublicKeyInfo of an RSA public key in PKCS#1 or SPKI DER.
fn rsa_der(der: &[u8]) -> Option<PublicKeyX509Der<'static>> {
    PublicKey::from_der(der).ok()?.as_der().ok()
}

/// Parses a public key into a checked SubjectPublicKeyInfo. Anything that
/// is not a supported public key is [`CryptoError::InvalidPublicKey`].
pub fn import_public(input: &PublicKeyInput<'_>) -> Result<PublicKeyInfo, CryptoError> {
    let invalid = || CryptoError::InvalidPublicKey {
        algorithm: Algorithm::Rsa2048,
    };
    if let Some(legacy) = legacy::import::public(input) {
        return legacy;
    }
    let is_rsa_spki = |der: &[u8]| spki::check(Algorithm::Rsa2048, der).is_ok();
    let der = match input {
        PublicKeyInput::Spki(der) if is_rsa_spki(der) => rsa_der(der),
        PublicKeyInput::Spki(der) => return curve_spki(der).ok_or_else(invalid),
        // aws-lc-rs reads either encoding: a PKCS#1 key must not be SPKI.
        PublicKeyInput::RsaPkcs1(der) if !is_rsa_spki(der) => rsa_der(der),
        PublicKeyInput::RsaPkcs1(_) => None,
        PublicKeyInput::RsaComponents {
            modulus,
            public_exponent,
        } => PublicKeyComponents {
            n: *modulus,
            e: *public_exponent,
        }
        .as_der()
        .ok(),
        // Always a legacy key (above).
        PublicKeyInput::DsaComponents(_) => None,
    };
    rsa_spki(&der.ok_or_else(invalid)?)
}

/// The PKCS#1 RSAPublicKey DER of an RSA SubjectPublicKeyInfo (for Get in
/// PKCS#1 format).
pub fn rsa_public_pkcs1(spki_der: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let invalid = || CryptoError::InvalidPublicKey {
        algorithm: Algorithm::Rsa2048,
    };
    spki::check(Algorithm::Rsa2048, spki_der)?;
    let key = PublicKey::from_der(spki_der).map_err(|_| invalid())?;
    Ok(key.as_ref().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{material, public_key};

    const PAIRS: [Algorithm; 5] = [
        Algorithm::Rsa2048,
        Algorithm::Rsa3072,
        Algorithm::EcdsaP256,
        Algorithm::EcdsaP384,
        Algorithm::Ed25519,
    ];

    #[test]
    fn pkcs8_and_spki_keep_their_algorithm() {
        for alg in PAIRS {
            let m = material(alg);
            let got = import_private(&PrivateKeyInput::Pkcs8(m.secret().expose())).unwrap();
            assert_eq!(got.algorithm(), alg);
            let spki = public_key(alg);
            let got = import_public(&PublicKeyInput::Spki(&spki)).unwrap();
            assert_eq!((got.algorithm(), got.spki()), (alg, &spki[..]));
        }
    }

    #[test]
    fn rsa_pkcs1_and_components_become_the_same_pkcs8_and_spki() {
        let m = material(Algorithm::Rsa2048);
        let pair = KeyPair::from_pkcs8(m.secret().expose()).unwrap();
        let spki = public_key(Algorithm::Rsa2048);
        let pkcs1 = rsa_public_pkcs1(&spki).unwrap();
        let back = import_public(&PublicKeyInput::RsaPkcs1(&pkcs1)).unwrap();
        assert_eq!(back.spki(), &spki[..]);
        let pk = PublicKey::from_der(&pkcs1).unwrap();
        assert_eq!(pk.as_ref(), &pkcs1[..]);
        // The public key of a PKCS#1-registered private key is the same.
        let der: Pkcs8V1Der<'static> = pair.as_der().unwrap();
        let again = import_private(&PrivateKeyInput::Pkcs8(der.as_ref())).unwrap();
        assert_eq!(again.algorithm(), Algorithm::Rsa2048);
    }

    #[test]
    fn bad_input_is_refused_with_a_typed_error() {
        let spki = public_key(Algorithm::Rsa2048);
        // A public key is not a private key.
        for bad in [
            PrivateKeyInput::Pkcs8(&spki),
            PrivateKeyInput::RsaPkcs1(&spki),
            PrivateKeyInput::Pkcs8(&[0x30, 0x03, 0x02, 0x01]),
            PrivateKeyInput::RsaPkcs1(&[]),
        ] {
            assert!(matches!(
                import_private(&bad),
                Err(CryptoError::InvalidKeyMaterial { .. })
            ));
        }
        // A private key is not a public key; SPKI is not PKCS#1.
        let m = material(Algorithm::Rsa2048);
        for bad in [
            PublicKeyInput::Spki(m.secret().expose()),
            PublicKeyInput::RsaPkcs1(m.secret().expose()),
            PublicKeyInput::RsaPkcs1(&spki),
            PublicKeyInput::Spki(&spki[..spki.len() - 1]),
        ] {
            assert!(matches!(
                import_public(&bad),
                Err(CryptoError::InvalidPublicKey { .. })
            ));
        }
        // A 1024-bit RSA key is a legacy key, kept; a 512-bit one is not.
        let legacy = PublicKeyInput::RsaComponents {
            modulus: &[0xc5; 128],
            public_exponent: &[1, 0, 1],
        };
        let kept = import_public(&legacy).unwrap();
        assert_eq!(kept.algorithm(), Algorithm::Rsa1024Legacy);
        let small = PublicKeyInput::RsaComponents {
            modulus: &[0xc5; 64],
            public_exponent: &[1, 0, 1],
        };
        assert!(matches!(
            import_public(&small),
            Err(CryptoError::LegacyKey { .. })
        ));
    }

    #[test]
    fn mismatched_transparent_components_are_refused() {
        let spki = public_key(Algorithm::Rsa2048);
        let pkcs1 = rsa_public_pkcs1(&spki).unwrap();
        // Components that are not an RSA key: n with made-up primes.
        let junk = [3u8; 128];
        let c = RsaPrivateComponents {
            modulus: &pkcs1[9..9 + 256],
            public_exponent: &[1, 0, 1],
            private_exponent: &junk,
            p: &junk,
            q: &junk,
            prime_exponent_p: &junk,
            prime_exponent_q: &junk,
            crt_coefficient: &junk,
        };
        assert!(matches!(
            import_private(&PrivateKeyInput::RsaComponents(c)),
            Err(CryptoError::InvalidKeyMaterial { .. })
        ));
        assert!(format!("{:?}", PrivateKeyInput::Pkcs8(&[1, 2])).contains("redacted"));
    }
}
