//! Register of a Private Key or a Public Key (KMIP 1.4 section 4.3, KMIP
//! 2.1 section 6.1.43). The Key Block's format (KMIP 1.4 section
//! 9.1.3.2.3) says how to read the material: PKCS#1, PKCS#8, Transparent
//! RSA Private Key (section 2.1.7.3) or Transparent DSA Private Key
//! (section 2.1.7.2) for a private key; PKCS#1, X.509
//! (SubjectPublicKeyInfo), Transparent RSA Public Key (section 2.1.7.4) or
//! Transparent DSA Public Key (section 2.1.7.3) for a public key. keyhold
//! parses it ([`keyhold_crypto::key_import`]) and keeps a private key as
//! PKCS#8 key material (a key pair, as Create Key Pair makes) and a public
//! key alone as its SubjectPublicKeyInfo (a key of origin
//! `imported-public`, with no private key). An RSA key of 1024 bits and a
//! DSA key are legacy keys, kept and never used
//! ([`keyhold_crypto::legacy`]). The key's algorithm comes from the key
//! itself; the Key Block's Cryptographic Algorithm and Length, if sent,
//! must agree.

use keyhold_core::SymmetricFormat;
use keyhold_crypto::key_import::{
    self, DsaPrivateComponents, DsaPublicComponents, PrivateKeyInput, PublicKeyInfo,
    PublicKeyInput, RsaPrivateComponents,
};
use keyhold_crypto::{CryptoError, KeyMaterial as Material};
use keyhold_kmip::{
    Attributes, CryptographicAlgorithm, KeyBlock, KeyFormatType, KeyMaterial, KeyValue,
    ResultReason, TransparentKey,
};

use super::errors::ItemFailure;
use super::{keypairs, objects};
use crate::ops::KmipKeySpec;

fn failure(reason: ResultReason, message: &str) -> ItemFailure {
    ItemFailure::new(reason, message)
}

/// The plain Key Material of a Key Block (a wrapped value is not served).
fn material(block: &KeyBlock) -> Result<&KeyMaterial, ItemFailure> {
    match &block.key_value {
        Some(KeyValue::Plain { material, .. }) => Ok(material),
        Some(KeyValue::Wrapped(_)) => Err(failure(
            ResultReason::FeatureNotSupported,
            "wrapped key values cannot be registered yet",
        )),
        None => Err(failure(
            ResultReason::InvalidField,
            "the Key Block has no Key Value",
        )),
    }
}

fn unsupported_format() -> ItemFailure {
    failure(
        ResultReason::KeyFormatTypeNotSupported,
        "private keys are registered as PKCS#1, PKCS#8 or Transparent RSA / DSA Private Key; \
         public keys as PKCS#1, X.509 or Transparent RSA / DSA Public Key",
    )
}

/// Why the material was refused: a legacy key's broken rule, or what
/// keyhold keeps.
fn refused(e: &CryptoError, what: &str) -> ItemFailure {
    let message = match e {
        CryptoError::LegacyKey { algorithm, reason } => {
            format!("the Key Material is not a {algorithm} key keyhold keeps: {reason}")
        }
        _ => format!(
            "the Key Material is not a {what} keyhold supports (RSA 2048/3072/4096, ECDSA \
             P-256/P-384, Ed25519; kept, never used: RSA 1024, DSA)"
        ),
    };
    failure(ResultReason::InvalidField, &message)
}

fn required(field: Option<&keyhold_kmip::SecretBytes>) -> Result<&[u8], ItemFailure> {
    field.map(|f| f.expose()).ok_or_else(|| {
        failure(
            ResultReason::InvalidField,
            "a Transparent RSA Private Key needs every component (n, e, d, p, q, dP, dQ, qInv)",
        )
    })
}

/// Parses the private key of a Register into PKCS#8 material.
pub(super) fn private_key(block: &KeyBlock) -> Result<Material, ItemFailure> {
    let parsed = match (block.key_format_type, material(block)?) {
        (KeyFormatType::PKCS8, KeyMaterial::Bytes(b)) => {
            key_import::import_private(&PrivateKeyInput::Pkcs8(b.expose()))
        }
        (KeyFormatType::PKCS1, KeyMaterial::Bytes(b)) => {
            key_import::import_private(&PrivateKeyInput::RsaPkcs1(b.expose()))
        }
        (
            KeyFormatType::TransparentRSAPrivateKey,
            KeyMaterial::Transparent(TransparentKey::RsaPrivate {
                modulus,
                private_exponent,
                public_exponent,
                p,
                q,
                prime_exponent_p,
                prime_exponent_q,
                crt_coefficient,
            }),
        ) => {
            let components = RsaPrivateComponents {
                modulus: modulus.expose(),
                public_exponent: required(public_exponent.as_ref())?,
                private_exponent: required(private_exponent.as_ref())?,
                p: required(p.as_ref())?,
                q: required(q.as_ref())?,
                prime_exponent_p: required(prime_exponent_p.as_ref())?,
                prime_exponent_q: required(prime_exponent_q.as_ref())?,
                crt_coefficient: required(crt_coefficient.as_ref())?,
            };
            key_import::import_private(&PrivateKeyInput::RsaComponents(components))
        }
        (
            KeyFormatType::TransparentDSAPrivateKey,
            KeyMaterial::Transparent(TransparentKey::DsaPrivate { p, q, g, x }),
        ) => key_import::import_private(&PrivateKeyInput::DsaComponents(DsaPrivateComponents {
            p: p.expose(),
            q: q.expose(),
            g: g.expose(),
            x: x.expose(),
        })),
        _ => return Err(unsupported_format()),
    };
    let parsed = parsed.map_err(|e| refused(&e, "private key"))?;
    agrees(block, parsed.algorithm(), private_bits(&parsed))?;
    Ok(parsed)
}

/// The Cryptographic Length of a parsed private key: a DSA key's is the
/// size of its p.
fn private_bits(parsed: &Material) -> Option<i32> {
    match parsed.algorithm() {
        keyhold_core::Algorithm::DsaLegacy => {
            keyhold_crypto::legacy::dsa_private_parts(parsed.secret().expose())
                .ok()
                .and_then(|p| i32::try_from(p.p_bits()).ok())
        }
        other => keypairs::kmip_length(other, None),
    }
}

/// Parses the public key of a Register into a SubjectPublicKeyInfo.
pub(super) fn public_key(block: &KeyBlock) -> Result<PublicKeyInfo, ItemFailure> {
    let parsed = match (block.key_format_type, material(block)?) {
        (KeyFormatType::X509, KeyMaterial::Bytes(b)) => {
            key_import::import_public(&PublicKeyInput::Spki(b.expose()))
        }
        (KeyFormatType::PKCS1, KeyMaterial::Bytes(b)) => {
            key_import::import_public(&PublicKeyInput::RsaPkcs1(b.expose()))
        }
        (
            KeyFormatType::TransparentRSAPublicKey,
            KeyMaterial::Transparent(TransparentKey::RsaPublic {
                modulus,
                public_exponent,
            }),
        ) => key_import::import_public(&PublicKeyInput::RsaComponents {
            modulus: modulus.expose(),
            public_exponent: public_exponent.expose(),
        }),
        (
            KeyFormatType::TransparentDSAPublicKey,
            KeyMaterial::Transparent(TransparentKey::DsaPublic { p, q, g, y }),
        ) => key_import::import_public(&PublicKeyInput::DsaComponents(DsaPublicComponents {
            p: p.expose(),
            q: q.expose(),
            g: g.expose(),
            y: y.expose(),
        })),
        _ => return Err(unsupported_format()),
    };
    let parsed = parsed.map_err(|e| refused(&e, "public key"))?;
    let bits = keypairs::kmip_length(parsed.algorithm(), Some(parsed.spki()));
    agrees(block, parsed.algorithm(), bits)?;
    Ok(parsed)
}

/// Refuses a Key Block whose Cryptographic Algorithm or Length contradicts
/// the key it carries (of `bits`).
fn agrees(
    block: &KeyBlock,
    algorithm: keyhold_core::Algorithm,
    bits: Option<i32>,
) -> Result<(), ItemFailure> {
    let unsupported = || failure(ResultReason::InvalidField, "unsupported key");
    let kmip = keypairs::kmip_algorithm(algorithm).ok_or_else(unsupported)?;
    let bits = bits.ok_or_else(unsupported)?;
    // KMIP names an ECDSA key's algorithm EC or ECDSA.
    let algorithm_ok = block.cryptographic_algorithm.is_none_or(|a| {
        a == kmip || (kmip == CryptographicAlgorithm::ECDSA && a == CryptographicAlgorithm::EC)
    });
    let length_ok = block.cryptographic_length.is_none_or(|l| l == bits);
    if algorithm_ok && length_ok {
        return Ok(());
    }
    Err(failure(
        ResultReason::InvalidField,
        "the Key Block's Cryptographic Algorithm or Length does not match its key",
    ))
}

/// The name, usage and Extractable of a registered asymmetric key.
pub(super) fn spec(
    attrs: &Attributes,
    algorithm: keyhold_core::Algorithm,
) -> Result<KmipKeySpec, ItemFailure> {
    let usage = objects::usage_of(attrs)?;
    objects::key_spec(attrs, algorithm, usage, SymmetricFormat::Raw)
}

#[cfg(test)]
mod tests {
    use keyhold_kmip::SecretBytes;

    use super::*;

    /// BL-M-13-21's DSA key (p of 512 bits, q of 160).
    fn dsa_block(x: &str, length: Option<i32>) -> KeyBlock {
        let hex = |h: &str| SecretBytes::new(hex::decode(h).unwrap());
        KeyBlock {
            key_format_type: KeyFormatType::TransparentDSAPrivateKey,
            key_compression_type: None,
            key_value: Some(KeyValue::Plain {
                material: KeyMaterial::Transparent(TransparentKey::DsaPrivate {
                    p: hex(
                        "fca682ce8e12caba26efccf7110e526db078b05edecbcd1eb4a208f3ae1617ae01f35b91a47e6df63413c5e12ed0899bcd132acd50d99151bdc43ee737592e17",
                    ),
                    q: hex("962eddcc369cba8ebb260ee6b6a126d9346e38c5"),
                    g: hex(
                        "678471b27a9cf44ee91a49c5147db1a9aaf244f05a434d6486931d2d14271b9e35030b71fd73da179069b32e2935630e1c2062354d0da20a6c416e50be794ca4",
                    ),
                    x: hex(x),
                }),
                attributes: Attributes::default(),
            }),
            cryptographic_algorithm: Some(CryptographicAlgorithm::DSA),
            cryptographic_length: length,
            key_wrapping_data: None,
        }
    }

    const X: &str = "095411d740d2443fa3f97d1ed9a0411bb45e7131";

    #[test]
    fn a_dsa_key_is_read_and_its_length_is_its_p() {
        let m = private_key(&dsa_block(X, Some(512))).unwrap();
        assert_eq!(m.algorithm(), keyhold_core::Algorithm::DsaLegacy);
        assert_eq!(private_bits(&m), Some(512));
        let e = private_key(&dsa_block(X, Some(1024))).unwrap_err();
        assert_eq!(e.reason, ResultReason::InvalidField);
        assert!(e.message.contains("Length"), "{}", e.message);
    }

    #[test]
    fn a_bad_dsa_key_is_refused_naming_the_rule() {
        // x = q is no private key.
        let e = private_key(&dsa_block("962eddcc369cba8ebb260ee6b6a126d9346e38c5", None));
        let e = e.unwrap_err();
        assert_eq!(e.reason, ResultReason::InvalidField);
        assert!(
            e.message.contains("dsa-legacy") && e.message.contains("0 < x < q"),
            "{}",
            e.message
        );
        assert!(!e.message.contains("962e"), "no component in the message");
    }
}
