//! The Key Format Types a key pair's halves leave in over KMIP Get (KMIP
//! 1.4 section 9.1.3.2.3, KMIP 2.1 section 11.26): a Private Key as PKCS#8,
//! PKCS#1 (RSA) or its Transparent RSA / EC components; a Public Key as
//! X.509 (SubjectPublicKeyInfo), PKCS#1 (RSA) or Transparent RSA / EC. When
//! the client names none, an RSA key is PKCS#1 in KMIP 2.x (2.1 section
//! 4.26, the default of each key type) and the rest PKCS#8 / X.509.

use keyhold_core::Algorithm;
use keyhold_crypto::{key_export, key_import};
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
    keypairs::kmip_algorithm(algorithm).is_some_and(|(a, _)| a == CryptographicAlgorithm::RSA)
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
    match (half, is_rsa(algorithm) && version.is_v2()) {
        (_, true) => KeyFormatType::PKCS1,
        (Half::Private, false) => KeyFormatType::PKCS8,
        (Half::Public, false) => KeyFormatType::X509,
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
        Some(f) if !fits(algorithm, half, f) => Err(ServerError::InvalidRequest {
            detail: format!("a {algorithm} key cannot be returned as {f:?}"),
        }),
        _ => Ok(()),
    }
}

/// The Key Block of the private half, kept as `pkcs8`, in `format`.
pub(crate) fn private_block(
    algorithm: Algorithm,
    format: KeyFormatType,
    pkcs8: &[u8],
) -> Result<KeyBlock, ServerError> {
    let secret = |b: keyhold_crypto::SecretBytes| SecretBytes::new(b.expose().to_vec());
    let material = match format {
        KeyFormatType::PKCS8 => KeyMaterial::Bytes(SecretBytes::new(pkcs8.to_vec())),
        KeyFormatType::PKCS1 => KeyMaterial::Bytes(secret(
            key_export::rsa_private_pkcs1(pkcs8, algorithm).map_err(ServerError::Crypto)?,
        )),
        KeyFormatType::TransparentRSAPrivateKey => {
            let p = key_export::rsa_private_parts(pkcs8, algorithm).map_err(ServerError::Crypto)?;
            KeyMaterial::Transparent(TransparentKey::RsaPrivate {
                modulus: secret(p.modulus),
                private_exponent: Some(secret(p.private_exponent)),
                public_exponent: Some(secret(p.public_exponent)),
                p: Some(secret(p.p)),
                q: Some(secret(p.q)),
                prime_exponent_p: Some(secret(p.prime_exponent_p)),
                prime_exponent_q: Some(secret(p.prime_exponent_q)),
                crt_coefficient: Some(secret(p.crt_coefficient)),
            })
        }
        KeyFormatType::TransparentECPrivateKey => {
            KeyMaterial::Transparent(TransparentKey::EcPrivate {
                curve: curve(algorithm).ok_or_else(|| unfit(algorithm, format))?,
                d: secret(
                    key_export::ec_private_scalar(pkcs8, algorithm).map_err(ServerError::Crypto)?,
                ),
            })
        }
        other => return Err(unfit(algorithm, other)),
    };
    Ok(block(algorithm, format, material))
}

/// The Key Block of the public half, kept as `spki`, in `format`.
pub(crate) fn public_block(
    algorithm: Algorithm,
    format: KeyFormatType,
    spki: &[u8],
) -> Result<KeyBlock, ServerError> {
    let material = match format {
        KeyFormatType::X509 => KeyMaterial::Bytes(SecretBytes::new(spki.to_vec())),
        KeyFormatType::PKCS1 => KeyMaterial::Bytes(SecretBytes::new(
            key_import::rsa_public_pkcs1(spki).map_err(ServerError::Crypto)?,
        )),
        KeyFormatType::TransparentRSAPublicKey => {
            let (n, e) =
                key_export::rsa_public_parts(spki, algorithm).map_err(ServerError::Crypto)?;
            KeyMaterial::Transparent(TransparentKey::RsaPublic {
                modulus: SecretBytes::new(n),
                public_exponent: SecretBytes::new(e),
            })
        }
        KeyFormatType::TransparentECPublicKey => {
            KeyMaterial::Transparent(TransparentKey::EcPublic {
                curve: curve(algorithm).ok_or_else(|| unfit(algorithm, format))?,
                q: SecretBytes::new(
                    key_export::ec_public_point(spki, algorithm).map_err(ServerError::Crypto)?,
                ),
            })
        }
        other => return Err(unfit(algorithm, other)),
    };
    Ok(block(algorithm, format, material))
}

fn unfit(algorithm: Algorithm, format: KeyFormatType) -> ServerError {
    ServerError::InvalidRequest {
        detail: format!("a {algorithm} key cannot be returned as {format:?}"),
    }
}

fn block(algorithm: Algorithm, format: KeyFormatType, material: KeyMaterial) -> KeyBlock {
    let (kmip, bits) =
        keypairs::kmip_algorithm(algorithm).map_or((None, None), |(a, b)| (Some(a), Some(b)));
    KeyBlock {
        key_format_type: format,
        key_compression_type: None,
        key_value: Some(KeyValue::Plain {
            material,
            attributes: keyhold_kmip::Attributes::default(),
        }),
        cryptographic_algorithm: kmip,
        cryptographic_length: bits,
        key_wrapping_data: None,
    }
}
