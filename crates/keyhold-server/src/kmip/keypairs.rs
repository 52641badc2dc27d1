//! Key pairs over KMIP (KMIP 1.4 sections 2.2.3, 2.2.4 and 4.2; KMIP 2.1
//! sections 2.5, 2.6 and 6.1.9): which keyhold algorithm a Create Key Pair
//! asks for, and which signature a Sign's or Signature Verify's
//! Cryptographic Parameters (KMIP 1.4 section 3.6) name. Both halves are one keyhold key version; the Private Key object
//! is the version id, the Public Key object the same id with a suffix.

use keyhold_api::crypto::SignatureScheme as Scheme;
use std::collections::BTreeMap;

use keyhold_core::{Algorithm, KmipMeta, Timestamp, UsageMask};
use keyhold_crypto::rsa_padding::RsaHash;
use keyhold_crypto::rsa_pss::PssParams;
use keyhold_kmip::payload::CreateKeyPairRequest;
use keyhold_kmip::{
    AttributeRef, AttributeValue, Attributes, CryptographicAlgorithm as K, CryptographicParameters,
    DateAttribute, DigitalSignatureAlgorithm as D, HashingAlgorithm, PaddingMethod,
    RecommendedCurve, ResultReason, tags,
};
use keyhold_ttlv::Value;

use super::errors::ItemFailure;
use super::{app_attrs, objects, rsa_params, stored_params};
use crate::ops::{KmipKeySpec, KmipSignature, UsageDates};

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
    let (app_info, alt_names) = app_attrs::of_pair(&lists)?;
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
            app_info,
            alt_names,
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
        public_name: public_name(req.public_key_attributes.as_ref())?,
    })
}

/// Whether a signature is made or checked: SHA-1 only checks (NIST SP
/// 800-131A Rev. 2 section 9 disallows it for generating signatures).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SignatureUse {
    /// Sign.
    Sign,
    /// Signature Verify.
    Verify,
}

/// The Public Key object's own Name, when its attributes give one.
fn public_name(attrs: Option<&Attributes>) -> Result<Option<keyhold_core::KeyName>, ItemFailure> {
    let Some(attrs) = attrs.filter(|a| !a.names().is_empty()) else {
        return Ok(None);
    };
    objects::name_of(attrs).map(|(name, _)| Some(name))
}

/// How the Cryptographic Parameters (the request's over the key's) sign;
/// `Scheme(None)` when they name nothing lets the key's algorithm choose
/// its default (RSA-PSS with SHA-256, ECDSA with the curve's hash,
/// Ed25519). The operations service checks that the scheme fits the key.
pub(crate) fn signature(
    p: Option<&CryptographicParameters>,
    used: SignatureUse,
) -> Result<KmipSignature, ItemFailure> {
    let Some(p) = p else {
        return Ok(KmipSignature::Scheme(None));
    };
    let scheme = |s| Ok(KmipSignature::Scheme(Some(s)));
    match (p.digital_signature_algorithm, p.padding_method) {
        (Some(D::SHA256WithRSAEncryption), _) => scheme(Scheme::RsaPkcs1Sha256),
        (Some(D::SHA384WithRSAEncryption), _) => scheme(Scheme::RsaPkcs1Sha384),
        (Some(D::SHA512WithRSAEncryption), _) => scheme(Scheme::RsaPkcs1Sha512),
        (Some(D::RSASSAPSS), _) | (None, Some(PaddingMethod::PSS)) => pss(p, used),
        (Some(D::ECDSAWithSHA256), _) => scheme(Scheme::EcdsaP256Sha256),
        (Some(D::ECDSAWithSHA384), _) => scheme(Scheme::EcdsaP384Sha384),
        (Some(_), _) => Err(invalid("Digital Signature Algorithm not supported")),
        (None, Some(PaddingMethod::PKCS1V15)) => scheme(pkcs1(p.hashing_algorithm)?),
        (None, Some(_)) => Err(invalid("signatures use PSS or PKCS#1 v1.5 padding")),
        (None, None) => Ok(KmipSignature::Scheme(None)),
    }
}

/// RSASSA-PKCS1-v1_5 with the Hashing Algorithm (SHA-256 when absent).
fn pkcs1(hash: Option<HashingAlgorithm>) -> Result<Scheme, ItemFailure> {
    match hash {
        None | Some(HashingAlgorithm::SHA256) => Ok(Scheme::RsaPkcs1Sha256),
        Some(HashingAlgorithm::SHA384) => Ok(Scheme::RsaPkcs1Sha384),
        Some(HashingAlgorithm::SHA512) => Ok(Scheme::RsaPkcs1Sha512),
        Some(_) => Err(invalid(
            "PKCS#1 v1.5 signatures use SHA-256, SHA-384 or SHA-512",
        )),
    }
}

/// RSASSA-PSS with the Hashing Algorithm (SHA-256 when absent; SHA-1 to
/// verify only), MGF1 over the Mask Generator Hashing Algorithm (else the
/// same hash) and the Salt Length (else the hash's length to sign, any to
/// verify), with the one-byte trailer (Trailer Field 1, RFC 8017 appendix
/// A.2.3).
fn pss(p: &CryptographicParameters, used: SignatureUse) -> Result<KmipSignature, ItemFailure> {
    let hash = p.hashing_algorithm.map_or(Ok(RsaHash::Sha256), |h| {
        rsa_params::rsa_hash(h, "PSS's Hashing Algorithm")
    })?;
    if hash == RsaHash::Sha1 && used == SignatureUse::Sign {
        return Err(invalid(
            "keyhold verifies SHA-1 signatures but makes none (NIST SP 800-131A): sign with \
             SHA-256, SHA-384 or SHA-512",
        ));
    }
    if p.trailer_field.is_some_and(|t| t != 1) {
        return Err(invalid("PSS's Trailer Field is 1, the one-byte trailer"));
    }
    let salt_len = p
        .salt_length
        .map(|n| u16::try_from(n).map_err(|_| invalid("Salt Length must be 0 to 65535 bytes")))
        .transpose()?;
    Ok(KmipSignature::Pss(PssParams {
        hash,
        mgf1_hash: rsa_params::mgf1_hash(p, hash)?,
        salt_len,
    }))
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
        let verify = SignatureUse::Verify;
        let named = |p: &CryptographicParameters| signature(Some(p), SignatureUse::Sign).unwrap();
        assert_eq!(
            signature(None, verify).unwrap(),
            KmipSignature::Scheme(None)
        );
        let p = CryptographicParameters {
            padding_method: Some(PaddingMethod::PKCS1V15),
            hashing_algorithm: Some(HashingAlgorithm::SHA384),
            ..CryptographicParameters::default()
        };
        assert_eq!(
            named(&p),
            KmipSignature::Scheme(Some(Scheme::RsaPkcs1Sha384))
        );
        let p = CryptographicParameters {
            digital_signature_algorithm: Some(D::ECDSAWithSHA256),
            ..CryptographicParameters::default()
        };
        assert_eq!(
            named(&p),
            KmipSignature::Scheme(Some(Scheme::EcdsaP256Sha256))
        );
        let p = CryptographicParameters {
            padding_method: Some(PaddingMethod::OAEP),
            ..CryptographicParameters::default()
        };
        assert!(signature(Some(&p), verify).is_err());
    }

    fn pss_params(hash: Option<HashingAlgorithm>) -> CryptographicParameters {
        CryptographicParameters {
            padding_method: Some(PaddingMethod::PSS),
            hashing_algorithm: hash,
            cryptographic_algorithm: Some(K::RSA),
            ..CryptographicParameters::default()
        }
    }

    /// CS-AC-M-2 and 3: PSS with SHA-256 and no Salt Length signs with a
    /// 32-byte salt and verifies any; SHA-1 verifies but does not sign.
    #[test]
    fn pss_parameters_are_read_and_sha1_only_verifies() {
        let sign = |p: &CryptographicParameters| signature(Some(p), SignatureUse::Sign);
        let verify = |p: &CryptographicParameters| signature(Some(p), SignatureUse::Verify);
        let sha256 = pss_params(Some(HashingAlgorithm::SHA256));
        let paired = KmipSignature::Pss(PssParams::paired(RsaHash::Sha256));
        assert_eq!(sign(&sha256).unwrap(), paired);
        assert_eq!(verify(&sha256).unwrap(), paired);
        assert_eq!(sign(&pss_params(None)).unwrap(), paired);
        let sha1 = pss_params(Some(HashingAlgorithm::SHA1));
        let legacy = KmipSignature::Pss(PssParams::paired(RsaHash::Sha1));
        assert_eq!(verify(&sha1).unwrap(), legacy);
        assert_eq!(sign(&sha1).unwrap_err().reason, ResultReason::InvalidField);
        let mut own = pss_params(Some(HashingAlgorithm::SHA512));
        own.mask_generator_hashing_algorithm = Some(HashingAlgorithm::SHA1);
        own.salt_length = Some(20);
        let expected = PssParams {
            hash: RsaHash::Sha512,
            mgf1_hash: RsaHash::Sha1,
            salt_len: Some(20),
        };
        assert_eq!(verify(&own).unwrap(), KmipSignature::Pss(expected));
        let by_algorithm = CryptographicParameters {
            digital_signature_algorithm: Some(D::RSASSAPSS),
            hashing_algorithm: Some(HashingAlgorithm::SHA384),
            ..CryptographicParameters::default()
        };
        let sha384 = KmipSignature::Pss(PssParams::paired(RsaHash::Sha384));
        assert_eq!(sign(&by_algorithm).unwrap(), sha384);
        for bad in [
            |p: &mut CryptographicParameters| p.salt_length = Some(-1),
            |p: &mut CryptographicParameters| p.trailer_field = Some(2),
            |p: &mut CryptographicParameters| p.hashing_algorithm = Some(HashingAlgorithm::MD5),
            |p: &mut CryptographicParameters| {
                p.mask_generator_hashing_algorithm = Some(HashingAlgorithm::SHA224)
            },
        ] {
            let mut p = pss_params(None);
            bad(&mut p);
            assert!(verify(&p).is_err(), "{p:?}");
        }
    }
}
