//! The Key Format Types a key pair's halves leave in over KMIP Get (KMIP
//! 1.4 section 9.1.3.2.3, KMIP 2.1 section 11.26): a Private Key as PKCS#8,
//! PKCS#1 (RSA) or its Transparent RSA / DSA / EC components; a Public Key
//! as X.509 (SubjectPublicKeyInfo), PKCS#1 (RSA) or Transparent RSA / DSA
//! / EC. When the client names none, KMIP 2.x has each key type's default
//! (2.1 section 4.26, Table 81): PKCS#1 for either half of an RSA key,
//! Transparent DSA Private / Public Key for a DSA key; the rest, and every
//! key in KMIP 1.x (1.4 names no default), PKCS#8 / X.509.

use keyhold_core::Algorithm;
use keyhold_crypto::{key_export, key_import, legacy};
use keyhold_kmip::{
    CryptographicAlgorithm, KeyBlock, KeyFormatType, KeyMaterial, KeyValue, ProtocolVersion,
    RecommendedCurve, SecretBytes, TransparentKey,
};

use super::keypairs;
use crate::error::ServerError;

/// Which half of a key pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Half {
    /// The Private Key object.
    Private,
    /// The Public Key object.
    Public,
}

fn is_rsa(algorithm: Algorithm) -> bool {
    keypairs::kmip_algorithm(algorithm) == Some(CryptographicAlgorithm::RSA)
}

fn is_dsa(algorithm: Algorithm) -> bool {
    keypairs::kmip_algorithm(algorithm) == Some(CryptographicAlgorithm::DSA)
}

/// The curve of an ECDSA key, as Transparent EC keys name it.
fn curve(algorithm: Algorithm) -> Option<RecommendedCurve> {
    match algorithm {
        Algorithm::EcdsaP256 => Some(RecommendedCurve::P256),
        Algorithm::EcdsaP384 => Some(RecommendedCurve::P384),
        _ => None,
    }
}

/// The format a half is returned in when the client names none.
pub(crate) fn default_format(
    algorithm: Algorithm,
    half: Half,
    version: ProtocolVersion,
) -> KeyFormatType {
    use KeyFormatType as F;
    let v2 = version.is_v2();
    match half {
        _ if v2 && is_rsa(algorithm) => F::PKCS1,
        Half::Private if v2 && is_dsa(algorithm) => F::TransparentDSAPrivateKey,
        Half::Public if v2 && is_dsa(algorithm) => F::TransparentDSAPublicKey,
        Half::Private => F::PKCS8,
        Half::Public => F::X509,
    }
}

/// Whether a key of `algorithm` can leave as `format` (as that half).
pub(crate) fn fits(algorithm: Algorithm, half: Half, format: KeyFormatType) -> bool {
    use KeyFormatType as F;
    match (half, format) {
        (Half::Private, F::PKCS8) | (Half::Public, F::X509) => true,
        (_, F::PKCS1) => is_rsa(algorithm),
        (Half::Private, F::TransparentRSAPrivateKey)
        | (Half::Public, F::TransparentRSAPublicKey) => is_rsa(algorithm),
        (Half::Private, F::TransparentDSAPrivateKey)
        | (Half::Public, F::TransparentDSAPublicKey) => is_dsa(algorithm),
        (Half::Private, F::TransparentECPrivateKey) | (Half::Public, F::TransparentECPublicKey) => {
            curve(algorithm).is_some()
        }
        _ => false,
    }
}

/// Refuses a format the half cannot leave in, before any material is read.
pub(crate) fn check(
    algorithm: Algorithm,
    half: Half,
    format: Option<KeyFormatType>,
) -> Result<(), ServerError> {
    match format {
        Some(f) if !fits(algorithm, half, f) => Err(unfit(algorithm, f)),
        _ => Ok(()),
    }
}

fn secret(b: keyhold_crypto::SecretBytes) -> SecretBytes {
    SecretBytes::new(b.expose().to_vec())
}

/// The Key Block of the private half, kept as `pkcs8`, in `format`.
pub(crate) fn private_block(
    algorithm: Algorithm,
    format: KeyFormatType,
    pkcs8: &[u8],
) -> Result<KeyBlock, ServerError> {
    let material = private_material(algorithm, format, pkcs8)?;
    Ok(block(
        algorithm,
        format,
        material,
        private_bits(algorithm, pkcs8),
    ))
}

/// The Cryptographic Length of a private key: a DSA key's from its p.
fn private_bits(algorithm: Algorithm, pkcs8: &[u8]) -> Option<i32> {
    if !is_dsa(algorithm) {
        return keypairs::kmip_length(algorithm, None);
    }
    let parts = legacy::dsa_private_parts(pkcs8).ok()?;
    i32::try_from(parts.p_bits()).ok()
}

/// The Key Material of the private half in `format`.
fn private_material(
    algorithm: Algorithm,
    format: KeyFormatType,
    pkcs8: &[u8],
) -> Result<KeyMaterial, ServerError> {
    let crypto = ServerError::Crypto;
    Ok(match format {
        KeyFormatType::PKCS8 => KeyMaterial::Bytes(SecretBytes::new(pkcs8.to_vec())),
        KeyFormatType::PKCS1 => KeyMaterial::Bytes(secret(
            key_export::rsa_private_pkcs1(pkcs8, algorithm).map_err(crypto)?,
        )),
        KeyFormatType::TransparentRSAPrivateKey => rsa_private(algorithm, pkcs8)?,
        KeyFormatType::TransparentDSAPrivateKey => {
            let parts = legacy::dsa_private_parts(pkcs8).map_err(crypto)?;
            KeyMaterial::Transparent(TransparentKey::DsaPrivate {
                p: SecretBytes::new(parts.p),
                q: SecretBytes::new(parts.q),
                g: SecretBytes::new(parts.g),
                x: secret(parts.x),
            })
        }
        KeyFormatType::TransparentECPrivateKey => {
            KeyMaterial::Transparent(TransparentKey::EcPrivate {
                curve: curve(algorithm).ok_or_else(|| unfit(algorithm, format))?,
                d: secret(key_export::ec_private_scalar(pkcs8, algorithm).map_err(crypto)?),
            })
        }
        other => return Err(unfit(algorithm, other)),
    })
}

/// An RSA private key's Transparent RSA Private Key components.
fn rsa_private(algorithm: Algorithm, pkcs8: &[u8]) -> Result<KeyMaterial, ServerError> {
    let p = key_export::rsa_private_parts(pkcs8, algorithm).map_err(ServerError::Crypto)?;
    Ok(KeyMaterial::Transparent(TransparentKey::RsaPrivate {
        modulus: secret(p.modulus),
        private_exponent: Some(secret(p.private_exponent)),
        public_exponent: Some(secret(p.public_exponent)),
        p: Some(secret(p.p)),
        q: Some(secret(p.q)),
        prime_exponent_p: Some(secret(p.prime_exponent_p)),
        prime_exponent_q: Some(secret(p.prime_exponent_q)),
        crt_coefficient: Some(secret(p.crt_coefficient)),
    }))
}

/// The Key Block of the public half, kept as `spki`, in `format`.
pub(crate) fn public_block(
    algorithm: Algorithm,
    format: KeyFormatType,
    spki: &[u8],
) -> Result<KeyBlock, ServerError> {
    let crypto = ServerError::Crypto;
    let material = match format {
        KeyFormatType::X509 => KeyMaterial::Bytes(SecretBytes::new(spki.to_vec())),
        // aws-lc-rs reads no RSA key under 2048 bits: the legacy reader.
        KeyFormatType::PKCS1 if algorithm.is_legacy() => KeyMaterial::Bytes(SecretBytes::new(
            legacy::rsa_public_pkcs1(spki).map_err(crypto)?,
        )),
        KeyFormatType::PKCS1 => KeyMaterial::Bytes(SecretBytes::new(
            key_import::rsa_public_pkcs1(spki).map_err(crypto)?,
        )),
        KeyFormatType::TransparentRSAPublicKey => {
            let (n, e) = key_export::rsa_public_parts(spki, algorithm).map_err(crypto)?;
            KeyMaterial::Transparent(TransparentKey::RsaPublic {
                modulus: SecretBytes::new(n),
                public_exponent: SecretBytes::new(e),
            })
        }
        KeyFormatType::TransparentDSAPublicKey => {
            let parts = legacy::dsa_public_parts(spki).map_err(crypto)?;
            KeyMaterial::Transparent(TransparentKey::DsaPublic {
                p: SecretBytes::new(parts.p),
                q: SecretBytes::new(parts.q),
                g: SecretBytes::new(parts.g),
                y: SecretBytes::new(parts.y),
            })
        }
        KeyFormatType::TransparentECPublicKey => {
            KeyMaterial::Transparent(TransparentKey::EcPublic {
                curve: curve(algorithm).ok_or_else(|| unfit(algorithm, format))?,
                q: SecretBytes::new(key_export::ec_public_point(spki, algorithm).map_err(crypto)?),
            })
        }
        other => return Err(unfit(algorithm, other)),
    };
    let bits = keypairs::kmip_length(algorithm, Some(spki));
    Ok(block(algorithm, format, material, bits))
}

fn unfit(algorithm: Algorithm, format: KeyFormatType) -> ServerError {
    ServerError::InvalidRequest {
        detail: format!("a {algorithm} key cannot be returned as {format:?}"),
    }
}

fn block(
    algorithm: Algorithm,
    format: KeyFormatType,
    material: KeyMaterial,
    bits: Option<i32>,
) -> KeyBlock {
    KeyBlock {
        key_format_type: format,
        key_compression_type: None,
        key_value: Some(KeyValue::Plain {
            material,
            attributes: keyhold_kmip::Attributes::default(),
        }),
        cryptographic_algorithm: keypairs::kmip_algorithm(algorithm),
        cryptographic_length: bits,
        key_wrapping_data: None,
    }
}
