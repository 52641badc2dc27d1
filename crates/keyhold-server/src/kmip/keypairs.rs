//! Key pairs over KMIP (KMIP 1.4 sections 2.2.3, 2.2.4 and 4.2; KMIP 2.1
//! sections 2.5, 2.6 and 6.1.9): which keyhold algorithm a Create Key Pair
//! asks for, and which signature scheme a Sign's Cryptographic Parameters
//! name. Both halves are one keyhold key version; the Private Key object
//! is the version id, the Public Key object the same id with a suffix.

use keyhold_api::crypto::SignatureScheme as Scheme;
use std::collections::BTreeMap;

use keyhold_core::{Algorithm, KmipMeta, Timestamp, UsageMask};
use keyhold_kmip::payload::CreateKeyPairRequest;
use keyhold_kmip::{
    AttributeRef, AttributeValue, Attributes, CryptographicAlgorithm as K, CryptographicParameters,
    DateAttribute, DigitalSignatureAlgorithm as D, HashingAlgorithm, PaddingMethod,
    RecommendedCurve, ResultReason, tags,
};
use keyhold_ttlv::Value;

use super::errors::ItemFailure;
use super::{objects, stored_params};
use crate::ops::{KmipKeySpec, UsageDates};

fn invalid(message: &str) -> ItemFailure {
    ItemFailure::new(ResultReason::InvalidField, message)
}

/// The KMIP Cryptographic Algorithm (KMIP 1.4 section 3.4, KMIP 2.1
/// section 4.13) of a keyhold key-pair algorithm, the legacy ones
/// included; `None` for keys KMIP gives no key pair object here.
pub(crate) fn kmip_algorithm(algorithm: Algorithm) -> Option<K> {
    Some(match algorithm {
        Algorithm::Rsa2048 | Algorithm::Rsa3072 | Algorithm::Rsa4096 | Algorithm::Rsa1024Legacy => {
            K::RSA
        }
        Algorithm::EcdsaP256 | Algorithm::EcdsaP384 => K::ECDSA,
        Algorithm::Ed25519 => K::Ed25519,
        Algorithm::DsaLegacy => K::DSA,
        _ => return None,
    })
}

/// The Cryptographic Length (KMIP 1.4 section 3.5, KMIP 2.1 section
/// 4.15) of a key pair of `algorithm` whose public key is `spki`: the
/// algorithm's, except a DSA key's, the bits of its p (read from `spki`).
pub(crate) fn kmip_length(algorithm: Algorithm, spki: Option<&[u8]>) -> Option<i32> {
    Some(match algorithm {
        Algorithm::Rsa2048 => 2048,
        Algorithm::Rsa3072 => 3072,
        Algorithm::Rsa4096 => 4096,
        Algorithm::Rsa1024Legacy => 1024,
        Algorithm::EcdsaP256 => 256,
        Algorithm::EcdsaP384 => 384,
        Algorithm::Ed25519 => 255,
        Algorithm::DsaLegacy => {
            let bits = keyhold_crypto::legacy::dsa_bits(spki?).ok()?;
            i32::try_from(bits).ok()?
        }
        _ => return None,
    })
}

/// The first of the Private Key, Common and Public Key attribute lists
/// that has a value for `pick`.
fn first<'a, T>(
    lists: &[Option<&'a Attributes>; 3],
    pick: impl Fn(&'a Attributes) -> Option<T>,
) -> Option<T> {
    lists.iter().flatten().find_map(|a| pick(a))
}

/// The Recommended Curve of the Cryptographic Domain Parameters attribute
/// (KMIP 1.4 section 3.7, KMIP 2.1 section 4.14), if sent.
fn curve(attrs: &Attributes) -> Option<u32> {
    let domain = attrs.get(&AttributeRef::Standard(
        tags::CRYPTOGRAPHIC_DOMAIN_PARAMETERS,
    ))?;
    let AttributeValue::Other {
        value: Value::Structure(items),
        ..
    } = domain
    else {
        return None;
    };
    items.iter().find_map(|item| match item.value {
        Value::Enumeration(c) if item.tag == tags::RECOMMENDED_CURVE => Some(c),
        _ => None,
    })
}

/// The keyhold algorithm of a key pair: RSA 2048/3072/4096, ECDSA (or EC)
/// on P-256/P-384 by curve or length, Ed25519.
fn pair_algorithm(
    algorithm: Option<K>,
    length: Option<i32>,
    curve: Option<u32>,
) -> Result<Algorithm, ItemFailure> {
    let p256 = u32::from(RecommendedCurve::P256);
    let p384 = u32::from(RecommendedCurve::P384);
    match (algorithm, length, curve) {
        (Some(K::RSA), Some(2048), _) => Ok(Algorithm::Rsa2048),
        (Some(K::RSA), Some(3072), _) => Ok(Algorithm::Rsa3072),
        (Some(K::RSA), Some(4096), _) => Ok(Algorithm::Rsa4096),
        (Some(K::RSA), _, _) => Err(invalid("RSA keys are 2048, 3072 or 4096 bits")),
        (Some(K::ECDSA | K::EC), _, Some(c)) if c == p256 => Ok(Algorithm::EcdsaP256),
        (Some(K::ECDSA | K::EC), _, Some(c)) if c == p384 => Ok(Algorithm::EcdsaP384),
        (Some(K::ECDSA | K::EC), Some(256), None) => Ok(Algorithm::EcdsaP256),
        (Some(K::ECDSA | K::EC), Some(384), None) => Ok(Algorithm::EcdsaP384),
        (Some(K::ECDSA | K::EC), _, _) => Err(invalid("ECDSA keys are on P-256 or P-384")),
        (Some(K::Ed25519), _, _) => Ok(Algorithm::Ed25519),
        (Some(_), _, _) => Err(invalid("key pairs are RSA, ECDSA or Ed25519")),
        (None, _, _) => Err(invalid("Cryptographic Algorithm is required")),
    }
}

/// What a Create Key Pair makes: one keyhold key whose usage is the union
/// of the two halves' masks (the algorithm's default when neither sets
/// one), named by the Private Key's (or the common) Name.
pub(crate) fn pair_spec(req: &CreateKeyPairRequest) -> Result<KmipKeySpec, ItemFailure> {
    let lists = [
        req.private_key_attributes.as_ref(),
        req.common_attributes.as_ref(),
        req.public_key_attributes.as_ref(),
    ];
    let algorithm = pair_algorithm(
        first(&lists, Attributes::cryptographic_algorithm),
        first(&lists, Attributes::cryptographic_length),
        first(&lists, curve),
    )?;
    let mut usage: Option<UsageMask> = None;
    for attrs in lists.iter().flatten() {
        if let Some(u) = objects::usage_of(attrs)? {
            usage = Some(usage.map_or(u, |all| all.union(u)));
        }
    }
    let named = lists.iter().flatten().find(|a| !a.names().is_empty());
    let default = Attributes::default();
    let (name, name_source) = objects::name_of(named.copied().unwrap_or(&default))?;
    let mut exportable = true;
    for attrs in lists.iter().take(2).flatten() {
        exportable &= objects::extractable(attrs)?;
    }
    for attrs in lists.iter().flatten() {
        objects::check_quantum_safe(attrs, algorithm)?;
        objects::refuse_sensitive(attrs)?;
    }
    let described = lists.iter().flatten().find(|a| a.description().is_some());
    Ok(KmipKeySpec {
        name,
        description: described.map_or(Ok(String::new()), |a| objects::description_of(a))?,
        algorithm,
        usage: objects::fit_usage(algorithm, usage)?,
        exportable,
        crypto_params: first(&lists, Attributes::cryptographic_parameters)
            .map(stored_params::to_core)
            .transpose()?,
        // A pair's Object Groups and custom attributes are not kept yet.
        kmip: KmipMeta {
            name_source,
            ..KmipMeta::default()
        },
        custom: BTreeMap::new(),
        dates: UsageDates {
            process_start: first(&lists, |a| a.date(DateAttribute::ProcessStart))
                .map(Timestamp::from_unix_seconds),
            protect_stop: first(&lists, |a| a.date(DateAttribute::ProtectStop))
                .map(Timestamp::from_unix_seconds),
        },
        // Two managed objects, each with its own state (KMIP 2.1 section
        // 6.1.9; the profiles' AKLC-M-2 and 3).
        split_pair: true,
    })
}

/// The signature scheme the Cryptographic Parameters name, if they name
/// one; `None` lets the key's algorithm choose its default (RSA-PSS with
/// SHA-256, ECDSA with the curve's hash, Ed25519). The operations service
/// checks that the scheme fits the key.
pub(crate) fn scheme(p: Option<&CryptographicParameters>) -> Result<Option<Scheme>, ItemFailure> {
    let Some(p) = p else { return Ok(None) };
    let hash = p.hashing_algorithm;
    let by_hash = |pss: bool| -> Result<Scheme, ItemFailure> {
        Ok(match (pss, hash) {
            (true, None | Some(HashingAlgorithm::SHA256)) => Scheme::RsaPssSha256,
            (true, Some(HashingAlgorithm::SHA384)) => Scheme::RsaPssSha384,
            (true, Some(HashingAlgorithm::SHA512)) => Scheme::RsaPssSha512,
            (false, None | Some(HashingAlgorithm::SHA256)) => Scheme::RsaPkcs1Sha256,
            (false, Some(HashingAlgorithm::SHA384)) => Scheme::RsaPkcs1Sha384,
            (false, Some(HashingAlgorithm::SHA512)) => Scheme::RsaPkcs1Sha512,
            _ => return Err(invalid("signatures use SHA-256, SHA-384 or SHA-512")),
        })
    };
    match (p.digital_signature_algorithm, p.padding_method) {
        (Some(D::SHA256WithRSAEncryption), _) => Ok(Some(Scheme::RsaPkcs1Sha256)),
        (Some(D::SHA384WithRSAEncryption), _) => Ok(Some(Scheme::RsaPkcs1Sha384)),
        (Some(D::SHA512WithRSAEncryption), _) => Ok(Some(Scheme::RsaPkcs1Sha512)),
        (Some(D::RSASSAPSS), _) => by_hash(true).map(Some),
        (Some(D::ECDSAWithSHA256), _) => Ok(Some(Scheme::EcdsaP256Sha256)),
        (Some(D::ECDSAWithSHA384), _) => Ok(Some(Scheme::EcdsaP384Sha384)),
        (Some(_), _) => Err(invalid("Digital Signature Algorithm not supported")),
        (None, Some(PaddingMethod::PSS)) => by_hash(true).map(Some),
        (None, Some(PaddingMethod::PKCS1V15)) => by_hash(false).map(Some),
        (None, Some(_)) => Err(invalid("signatures use PSS or PKCS#1 v1.5 padding")),
        (None, None) => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_map_to_keyhold_algorithms() {
        let p256 = Some(u32::from(RecommendedCurve::P256));
        assert_eq!(
            pair_algorithm(Some(K::RSA), Some(3072), None).unwrap(),
            Algorithm::Rsa3072
        );
        assert_eq!(
            pair_algorithm(Some(K::EC), None, p256).unwrap(),
            Algorithm::EcdsaP256
        );
        assert_eq!(
            pair_algorithm(Some(K::ECDSA), Some(384), None).unwrap(),
            Algorithm::EcdsaP384
        );
        assert_eq!(
            pair_algorithm(Some(K::Ed25519), None, None).unwrap(),
            Algorithm::Ed25519
        );
        assert!(pair_algorithm(Some(K::RSA), Some(1024), None).is_err());
        assert!(pair_algorithm(Some(K::DSA), Some(2048), None).is_err());
        assert!(pair_algorithm(None, Some(2048), None).is_err());
    }

    #[test]
    fn parameters_name_schemes() {
        assert_eq!(scheme(None).unwrap(), None);
        let p = CryptographicParameters {
            padding_method: Some(PaddingMethod::PKCS1V15),
            hashing_algorithm: Some(HashingAlgorithm::SHA384),
            ..CryptographicParameters::default()
        };
        assert_eq!(scheme(Some(&p)).unwrap(), Some(Scheme::RsaPkcs1Sha384));
        let p = CryptographicParameters {
            digital_signature_algorithm: Some(D::ECDSAWithSHA256),
            ..CryptographicParameters::default()
        };
        assert_eq!(scheme(Some(&p)).unwrap(), Some(Scheme::EcdsaP256Sha256));
        let p = CryptographicParameters {
            padding_method: Some(PaddingMethod::OAEP),
            ..CryptographicParameters::default()
        };
        assert!(scheme(Some(&p)).is_err());
    }
}
