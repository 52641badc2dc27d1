//! Key material out in the formats KMIP clients ask for (KMIP 1.4 section
//! 2.1.7, Key Format Type; KMIP 2.1 section 11.26): an RSA private key as
//! its PKCS#1 RSAPrivateKey (RFC 8017 appendix A.1.2) or its components,
//! an RSA public key's modulus and exponent, an EC key's private scalar
//! (RFC 5915) and public point (RFC 5480). The input is what keyhold keeps:
//! a PKCS#8 PrivateKeyInfo (RFC 5208) and a SubjectPublicKeyInfo. This
//! module only reads DER (x509-parser's reader); it generates and uses no
//! key. Its inverse is [`crate::key_import`].
//!
//! ```text
//! PrivateKeyInfo ::= SEQUENCE { version INTEGER, algorithm AlgorithmIdentifier,
//!                               privateKey OCTET STRING, ... }
//! RSAPrivateKey  ::= SEQUENCE { version, n, e, d, p, q, dP, dQ, qInv, ... }
//! ECPrivateKey   ::= SEQUENCE { version INTEGER, privateKey OCTET STRING, ... }
//! ```

use keyhold_core::Algorithm;
use x509_parser::der_parser::ber::BerObject;
use x509_parser::der_parser::parse_der;
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey;
use x509_parser::x509::SubjectPublicKeyInfo;

use crate::error::CryptoError;
use crate::secret::SecretBytes;

/// An RSA private key's components, big-endian unsigned without leading
/// zeros (KMIP's Transparent RSA Private Key).
pub struct RsaPrivateParts {
    /// Modulus n.
    pub modulus: SecretBytes,
    /// Public exponent e.
    pub public_exponent: SecretBytes,
    /// Private exponent d.
    pub private_exponent: SecretBytes,
    /// First prime p.
    pub p: SecretBytes,
    /// Second prime q.
    pub q: SecretBytes,
    /// d mod (p-1).
    pub prime_exponent_p: SecretBytes,
    /// d mod (q-1).
    pub prime_exponent_q: SecretBytes,
    /// q^-1 mod p.
    pub crt_coefficient: SecretBytes,
}

impl std::fmt::Debug for RsaPrivateParts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RsaPrivateParts(<redacted>)")
    }
}

/// The key inside a PKCS#8 PrivateKeyInfo: the DER its OCTET STRING holds.
fn pkcs8_inner(pkcs8: &[u8], algorithm: Algorithm) -> Result<&[u8], CryptoError> {
    let invalid = || CryptoError::InvalidKeyMaterial { algorithm };
    let (_, info) = parse_der(pkcs8).map_err(|_| invalid())?;
    let fields = info.as_sequence().map_err(|_| invalid())?;
    fields
        .get(2)
        .and_then(|o| o.as_slice().ok())
        .ok_or_else(invalid)
}

/// The PKCS#1 RSAPrivateKey DER of an RSA key kept as PKCS#8.
pub fn rsa_private_pkcs1(pkcs8: &[u8], algorithm: Algorithm) -> Result<SecretBytes, CryptoError> {
    pkcs8_inner(pkcs8, algorithm).map(SecretBytes::copy_from)
}

/// The components of an RSA key kept as PKCS#8.
pub fn rsa_private_parts(
    pkcs8: &[u8],
    algorithm: Algorithm,
) -> Result<RsaPrivateParts, CryptoError> {
    let invalid = || CryptoError::InvalidKeyMaterial { algorithm };
    let (_, key) = parse_der(pkcs8_inner(pkcs8, algorithm)?).map_err(|_| invalid())?;
    let fields = key.as_sequence().map_err(|_| invalid())?;
    let int = |i: usize| -> Result<SecretBytes, CryptoError> {
        let bytes = fields
            .get(i)
            .and_then(|o| unsigned(o))
            .ok_or_else(invalid)?;
        Ok(SecretBytes::copy_from(bytes))
    };
    Ok(RsaPrivateParts {
        modulus: int(1)?,
        public_exponent: int(2)?,
        private_exponent: int(3)?,
        p: int(4)?,
        q: int(5)?,
        prime_exponent_p: int(6)?,
        prime_exponent_q: int(7)?,
        crt_coefficient: int(8)?,
    })
}

/// The private scalar of an EC key kept as PKCS#8 (its ECPrivateKey's
/// privateKey octets, the curve's length).
pub fn ec_private_scalar(pkcs8: &[u8], algorithm: Algorithm) -> Result<SecretBytes, CryptoError> {
    let invalid = || CryptoError::InvalidKeyMaterial { algorithm };
    let (_, key) = parse_der(pkcs8_inner(pkcs8, algorithm)?).map_err(|_| invalid())?;
    let fields = key.as_sequence().map_err(|_| invalid())?;
    fields
        .get(1)
        .and_then(|o| o.as_slice().ok())
        .map(SecretBytes::copy_from)
        .ok_or_else(invalid)
}

/// The modulus and public exponent of an RSA SubjectPublicKeyInfo.
pub fn rsa_public_parts(
    spki: &[u8],
    algorithm: Algorithm,
) -> Result<(Vec<u8>, Vec<u8>), CryptoError> {
    from_public(spki, algorithm, |key| match key {
        PublicKey::RSA(rsa) => Some((strip(rsa.modulus).to_vec(), strip(rsa.exponent).to_vec())),
        _ => None,
    })
}

/// The public point of an EC SubjectPublicKeyInfo (SEC 1 encoding, as
/// kept: uncompressed).
pub fn ec_public_point(spki: &[u8], algorithm: Algorithm) -> Result<Vec<u8>, CryptoError> {
    from_public(spki, algorithm, |key| match key {
        PublicKey::EC(point) => Some(point.data().to_vec()),
        _ => None,
    })
}

/// What `pick` reads off the public key of `spki`.
fn from_public<T>(
    spki: &[u8],
    algorithm: Algorithm,
    pick: impl FnOnce(PublicKey<'_>) -> Option<T>,
) -> Result<T, CryptoError> {
    let invalid = || CryptoError::InvalidPublicKey { algorithm };
    let (_, info) = SubjectPublicKeyInfo::from_der(spki).map_err(|_| invalid())?;
    info.parsed().ok().and_then(pick).ok_or_else(invalid)
}

/// A DER INTEGER's magnitude: never negative here, without leading zeros.
fn unsigned<'a>(o: &BerObject<'a>) -> Option<&'a [u8]> {
    let bytes = o.as_slice().ok()?;
    match bytes.first() {
        Some(b) if b & 0x80 != 0 => None,
        _ => Some(strip(bytes)),
    }
}

fn strip(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    bytes.get(start..).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key_import::{PrivateKeyInput, import_private};

    #[test]
    fn an_rsa_key_comes_back_as_pkcs1_and_as_its_components() {
        let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
        let pkcs8 =
            aws_lc_rs::encoding::AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(&pair).unwrap();
        let a = Algorithm::Rsa2048;
        let pkcs1 = rsa_private_pkcs1(pkcs8.as_ref(), a).unwrap();
        // PKCS#1 in, the same key out.
        let back = import_private(&PrivateKeyInput::RsaPkcs1(pkcs1.expose())).unwrap();
        assert_eq!(back.secret().expose(), pkcs8.as_ref());
        let parts = rsa_private_parts(pkcs8.as_ref(), a).unwrap();
        assert_eq!(parts.modulus.expose().len(), 256);
        assert_eq!(parts.public_exponent.expose(), &[1, 0, 1]);
        assert!(!format!("{parts:?}").contains('1'));
        let spki = aws_lc_rs::signature::KeyPair::public_key(&pair);
        let spki =
            aws_lc_rs::encoding::AsDer::<aws_lc_rs::encoding::PublicKeyX509Der>::as_der(spki)
                .unwrap();
        let (n, e) = rsa_public_parts(spki.as_ref(), a).unwrap();
        assert_eq!(n, parts.modulus.expose());
        assert_eq!(e, vec![1, 0, 1]);
        assert!(ec_public_point(spki.as_ref(), a).is_err());
    }

    #[test]
    fn an_ec_key_gives_its_scalar_and_point() {
        use aws_lc_rs::encoding::{AsDer, PublicKeyX509Der};
        use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};
        let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).unwrap();
        let pkcs8 = pair.to_pkcs8v1().unwrap();
        let a = Algorithm::EcdsaP256;
        assert_eq!(
            ec_private_scalar(pkcs8.as_ref(), a).unwrap().expose().len(),
            32
        );
        let spki: PublicKeyX509Der<'_> = pair.public_key().as_der().unwrap();
        let point = ec_public_point(spki.as_ref(), a).unwrap();
        assert_eq!((point.len(), point.first()), (65, Some(&0x04)));
        assert!(rsa_public_parts(spki.as_ref(), a).is_err());
    }

    #[test]
    fn garbage_is_invalid_material() {
        for bad in [&[][..], &[0x30, 0x00], &[0x04, 0x01, 0x00]] {
            assert!(matches!(
                rsa_private_pkcs1(bad, Algorithm::Rsa2048),
                Err(CryptoError::InvalidKeyMaterial { .. })
            ));
            assert!(rsa_private_parts(bad, Algorithm::Rsa2048).is_err());
            assert!(ec_private_scalar(bad, Algorithm::EcdsaP256).is_err());
            assert!(rsa_public_parts(bad, Algorithm::Rsa2048).is_err());
        }
    }
}
