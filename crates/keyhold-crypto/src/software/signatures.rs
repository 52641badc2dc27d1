//! Signing and verification: RSA-PSS and RSA PKCS#1 v1.5 (RFC 8017 section
//! 8), ECDSA P-256/P-384 with DER signatures (FIPS 186-5), Ed25519 (RFC
//! 8032) and ML-DSA-65 (FIPS 204); for RSA and ECDSA also of a pre-hashed
//! digest (the signature is the same as over the message it is the hash of).

use aws_lc_rs::digest::{self, Digest};
use aws_lc_rs::rand::SystemRandom as LcRandom;
use aws_lc_rs::rsa::PublicEncryptingKey;
use aws_lc_rs::signature::{
    self as lc, ECDSA_P256_SHA256_ASN1, ECDSA_P384_SHA384_ASN1, ED25519, ML_DSA_65,
    ML_DSA_65_SIGNING, ParsedPublicKey, RsaEncoding, VerificationAlgorithm,
};
use keyhold_core::{Algorithm, KeyOperation};

use super::keys;
use crate::error::CryptoError;
use crate::material::KeyMaterial;
use crate::provider::Signatures;
use crate::rsa_pss::{PssParams, Signed};
use crate::scheme::SignatureScheme;
use crate::spki;

/// Signatures through aws-lc-rs.
#[derive(Clone, Copy, Debug, Default)]
pub struct AwsLcSignatures;

impl Signatures for AwsLcSignatures {
    fn sign(
        &self,
        key: &KeyMaterial,
        scheme: SignatureScheme,
        message: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        let algorithm = key.algorithm();
        scheme.check(algorithm)?;
        let secret = key.secret().expose();
        let failed = |_| CryptoError::Library {
            algorithm,
            operation: KeyOperation::Sign,
        };
        match scheme {
            SignatureScheme::RsaPssSha256 => sign_rsa(key, &lc::RSA_PSS_SHA256, message),
            SignatureScheme::RsaPssSha384 => sign_rsa(key, &lc::RSA_PSS_SHA384, message),
            SignatureScheme::RsaPssSha512 => sign_rsa(key, &lc::RSA_PSS_SHA512, message),
            SignatureScheme::RsaPkcs1Sha256 => sign_rsa(key, &lc::RSA_PKCS1_SHA256, message),
            SignatureScheme::RsaPkcs1Sha384 => sign_rsa(key, &lc::RSA_PKCS1_SHA384, message),
            SignatureScheme::RsaPkcs1Sha512 => sign_rsa(key, &lc::RSA_PKCS1_SHA512, message),
            SignatureScheme::EcdsaP256Sha256 | SignatureScheme::EcdsaP384Sha384 => {
                let pair = keys::ecdsa(algorithm, secret)?;
                let sig = pair.sign(&LcRandom::new(), message).map_err(failed)?;
                Ok(sig.as_ref().to_vec())
            }
            SignatureScheme::Ed25519 => Ok(keys::ed25519(secret)?.sign(message).as_ref().to_vec()),
            SignatureScheme::MlDsa65 => {
                let pair = keys::ml_dsa_65(secret)?;
                let mut sig = vec![0u8; ML_DSA_65_SIGNING.signature_len()];
                let len = pair.sign(message, &mut sig).map_err(failed)?;
                sig.truncate(len);
                Ok(sig)
            }
        }
    }

    fn verify(
        &self,
        algorithm: Algorithm,
        scheme: SignatureScheme,
        public_key_spki: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        scheme.check(algorithm)?;
        spki::check(algorithm, public_key_spki)?;
        check_rsa_size(algorithm, public_key_spki)?;
        let parsed = ParsedPublicKey::new(verification(scheme), public_key_spki)
            .map_err(|_| CryptoError::InvalidPublicKey { algorithm })?;
        parsed
            .verify_sig(message, signature)
            .map_err(|_| CryptoError::BadSignature)
    }

    fn sign_digest(
        &self,
        key: &KeyMaterial,
        scheme: SignatureScheme,
        digest: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        let algorithm = key.algorithm();
        scheme.check(algorithm)?;
        let digest = imported(scheme, digest)?;
        let failed = |_| CryptoError::Library {
            algorithm,
            operation: KeyOperation::Sign,
        };
        if let Some(encoding) = rsa_encoding(scheme) {
            let pair = keys::rsa_of(key)?;
            let mut sig = vec![0u8; pair.public_modulus_len()];
            pair.sign_digest(encoding, &digest, &mut sig)
                .map_err(failed)?;
            return Ok(sig);
        }
        let pair = keys::ecdsa(algorithm, key.secret().expose())?;
        let sig = pair.sign_digest(&digest).map_err(failed)?;
        Ok(sig.as_ref().to_vec())
    }

    fn verify_digest(
        &self,
        algorithm: Algorithm,
        scheme: SignatureScheme,
        public_key_spki: &[u8],
        digest: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        scheme.check(algorithm)?;
        let digest = imported(scheme, digest)?;
        spki::check(algorithm, public_key_spki)?;
        check_rsa_size(algorithm, public_key_spki)?;
        let parsed = ParsedPublicKey::new(verification(scheme), public_key_spki)
            .map_err(|_| CryptoError::InvalidPublicKey { algorithm })?;
        parsed
            .verify_digest_sig(&digest, signature)
            .map_err(|_| CryptoError::BadSignature)
    }

    fn sign_pss(
        &self,
        key: &KeyMaterial,
        params: &PssParams,
        signed: Signed<'_>,
    ) -> Result<Vec<u8>, CryptoError> {
        super::rsa_pss::sign(key, params, signed)
    }

    fn verify_pss(
        &self,
        algorithm: Algorithm,
        params: &PssParams,
        public_key_spki: &[u8],
        signed: Signed<'_>,
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        super::rsa_pss::verify(algorithm, params, public_key_spki, signed, signature)
    }

    fn fips_approved(&self) -> bool {
        false
    }
}

/// The hash of a scheme that can sign digests.
fn hash_of(scheme: SignatureScheme) -> Option<&'static digest::Algorithm> {
    match scheme {
        SignatureScheme::RsaPssSha256
        | SignatureScheme::RsaPkcs1Sha256
        | SignatureScheme::EcdsaP256Sha256 => Some(&digest::SHA256),
        SignatureScheme::RsaPssSha384
        | SignatureScheme::RsaPkcs1Sha384
        | SignatureScheme::EcdsaP384Sha384 => Some(&digest::SHA384),
        SignatureScheme::RsaPssSha512 | SignatureScheme::RsaPkcs1Sha512 => Some(&digest::SHA512),
        SignatureScheme::Ed25519 | SignatureScheme::MlDsa65 => None,
    }
}

/// A caller's digest as the crypto library's digest of the scheme's hash.
fn imported(scheme: SignatureScheme, bytes: &[u8]) -> Result<Digest, CryptoError> {
    let (Some(hash), Some(expected)) = (hash_of(scheme), scheme.digest_len()) else {
        return Err(CryptoError::DigestNotSupported { scheme });
    };
    let wrong_length = CryptoError::DigestLength {
        scheme,
        expected,
        found: bytes.len(),
    };
    if bytes.len() != expected {
        return Err(wrong_length);
    }
    Digest::import_less_safe(bytes, hash).map_err(|_| wrong_length)
}

/// The padding of an RSA scheme, `None` for the others.
fn rsa_encoding(scheme: SignatureScheme) -> Option<&'static dyn RsaEncoding> {
    match scheme {
        SignatureScheme::RsaPssSha256 => Some(&lc::RSA_PSS_SHA256),
        SignatureScheme::RsaPssSha384 => Some(&lc::RSA_PSS_SHA384),
        SignatureScheme::RsaPssSha512 => Some(&lc::RSA_PSS_SHA512),
        SignatureScheme::RsaPkcs1Sha256 => Some(&lc::RSA_PKCS1_SHA256),
        SignatureScheme::RsaPkcs1Sha384 => Some(&lc::RSA_PKCS1_SHA384),
        SignatureScheme::RsaPkcs1Sha512 => Some(&lc::RSA_PKCS1_SHA512),
        SignatureScheme::EcdsaP256Sha256
        | SignatureScheme::EcdsaP384Sha384
        | SignatureScheme::Ed25519
        | SignatureScheme::MlDsa65 => None,
    }
}

fn sign_rsa(
    key: &KeyMaterial,
    encoding: &'static dyn RsaEncoding,
    message: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let pair = keys::rsa_of(key)?;
    let mut sig = vec![0u8; pair.public_modulus_len()];
    pair.sign(encoding, &LcRandom::new(), message, &mut sig)
        .map_err(|_| CryptoError::Library {
            algorithm: key.algorithm(),
            operation: KeyOperation::Sign,
        })?;
    Ok(sig)
}

/// The aws-lc-rs verification algorithm of a scheme.
fn verification(scheme: SignatureScheme) -> &'static dyn VerificationAlgorithm {
    match scheme {
        SignatureScheme::RsaPssSha256 => &lc::RSA_PSS_2048_8192_SHA256,
        SignatureScheme::RsaPssSha384 => &lc::RSA_PSS_2048_8192_SHA384,
        SignatureScheme::RsaPssSha512 => &lc::RSA_PSS_2048_8192_SHA512,
        SignatureScheme::RsaPkcs1Sha256 => &lc::RSA_PKCS1_2048_8192_SHA256,
        SignatureScheme::RsaPkcs1Sha384 => &lc::RSA_PKCS1_2048_8192_SHA384,
        SignatureScheme::RsaPkcs1Sha512 => &lc::RSA_PKCS1_2048_8192_SHA512,
        SignatureScheme::EcdsaP256Sha256 => &ECDSA_P256_SHA256_ASN1,
        SignatureScheme::EcdsaP384Sha384 => &ECDSA_P384_SHA384_ASN1,
        SignatureScheme::Ed25519 => &ED25519,
        SignatureScheme::MlDsa65 => &ML_DSA_65,
    }
}

/// An RSA public key must have the modulus size its algorithm names.
pub(super) fn check_rsa_size(algorithm: Algorithm, spki: &[u8]) -> Result<(), CryptoError> {
    let Some(bits) = keys::rsa_bits(algorithm) else {
        return Ok(());
    };
    let key = PublicEncryptingKey::from_der(spki)
        .map_err(|_| CryptoError::InvalidPublicKey { algorithm })?;
    if key.key_size_bits() == bits {
        Ok(())
    } else {
        Err(CryptoError::InvalidPublicKey { algorithm })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{material, public_key};

    const SIGNING: [Algorithm; 7] = [
        Algorithm::Rsa2048,
        Algorithm::Rsa3072,
        Algorithm::Rsa4096,
        Algorithm::EcdsaP256,
        Algorithm::EcdsaP384,
        Algorithm::Ed25519,
        Algorithm::MlDsa65,
    ];

    fn schemes_for(alg: Algorithm) -> Vec<SignatureScheme> {
        SignatureScheme::ALL
            .into_iter()
            .filter(|s| s.fits(alg))
            .collect()
    }

    #[test]
    fn every_scheme_of_every_signing_algorithm_round_trips_and_detects_tampering() {
        for alg in SIGNING {
            let key = material(alg);
            let spki = public_key(alg);
            for scheme in schemes_for(alg) {
                let sig = AwsLcSignatures.sign(&key, scheme, b"message").unwrap();
                AwsLcSignatures
                    .verify(alg, scheme, &spki, b"message", &sig)
                    .unwrap();
                let e = AwsLcSignatures
                    .verify(alg, scheme, &spki, b"messagE", &sig)
                    .unwrap_err();
                assert!(matches!(e, CryptoError::BadSignature), "{scheme}");
                for i in [0, sig.len() / 2, sig.len() - 1] {
                    let mut bad = sig.clone();
                    bad[i] ^= 0x10;
                    let e = AwsLcSignatures.verify(alg, scheme, &spki, b"message", &bad);
                    assert!(
                        matches!(e, Err(CryptoError::BadSignature)),
                        "{scheme} byte {i}"
                    );
                }
            }
        }
    }

    /// The digest of `message` under the scheme's hash.
    fn hashed(scheme: SignatureScheme, message: &[u8]) -> Vec<u8> {
        digest::digest(hash_of(scheme).unwrap(), message)
            .as_ref()
            .to_vec()
    }

    #[test]
    fn digest_signatures_are_message_signatures_for_rsa_and_ecdsa() {
        for alg in SIGNING {
            let key = material(alg);
            let spki = public_key(alg);
            for scheme in schemes_for(alg)
                .into_iter()
                .filter(|s| s.digest_len().is_some())
            {
                let d = hashed(scheme, b"message");
                let over_digest = AwsLcSignatures.sign_digest(&key, scheme, &d).unwrap();
                AwsLcSignatures
                    .verify(alg, scheme, &spki, b"message", &over_digest)
                    .unwrap();
                let over_message = AwsLcSignatures.sign(&key, scheme, b"message").unwrap();
                AwsLcSignatures
                    .verify_digest(alg, scheme, &spki, &d, &over_message)
                    .unwrap();
                let other = hashed(scheme, b"messagE");
                let e = AwsLcSignatures
                    .verify_digest(alg, scheme, &spki, &other, &over_digest)
                    .unwrap_err();
                assert!(matches!(e, CryptoError::BadSignature), "{scheme}");
            }
        }
    }

    #[test]
    fn a_digest_of_the_wrong_length_is_refused() {
        let key = material(Algorithm::EcdsaP384);
        let spki = public_key(Algorithm::EcdsaP384);
        let scheme = SignatureScheme::EcdsaP384Sha384;
        for len in [0, 32, 47, 49, 64] {
            let e = AwsLcSignatures
                .sign_digest(&key, scheme, &vec![1; len])
                .unwrap_err();
            assert!(
                matches!(e, CryptoError::DigestLength { expected: 48, found, .. } if found == len),
                "{len}: {e:?}"
            );
            let e = AwsLcSignatures
                .verify_digest(Algorithm::EcdsaP384, scheme, &spki, &vec![1; len], b"s")
                .unwrap_err();
            assert!(matches!(e, CryptoError::DigestLength { .. }), "{len}");
        }
    }

    #[test]
    fn pure_schemes_refuse_digests() {
        for (alg, scheme) in [
            (Algorithm::Ed25519, SignatureScheme::Ed25519),
            (Algorithm::MlDsa65, SignatureScheme::MlDsa65),
        ] {
            let e = AwsLcSignatures
                .sign_digest(&material(alg), scheme, &[0; 32])
                .unwrap_err();
            assert!(matches!(e, CryptoError::DigestNotSupported { .. }), "{alg}");
            let e = AwsLcSignatures
                .verify_digest(alg, scheme, &public_key(alg), &[0; 32], b"s")
                .unwrap_err();
            assert!(matches!(e, CryptoError::DigestNotSupported { .. }), "{alg}");
        }
        let e = AwsLcSignatures
            .sign_digest(
                &material(Algorithm::EcdsaP256),
                SignatureScheme::RsaPssSha256,
                &[0; 32],
            )
            .unwrap_err();
        assert!(matches!(e, CryptoError::SchemeMismatch { .. }));
    }

    #[test]
    fn hash_lengths_agree_with_the_scheme() {
        for scheme in SignatureScheme::ALL {
            assert_eq!(
                hash_of(scheme).map(|h| h.output_len()),
                scheme.digest_len(),
                "{scheme}"
            );
        }
    }

    #[test]
    fn ecdsa_signatures_are_der() {
        let sig = AwsLcSignatures
            .sign(
                &material(Algorithm::EcdsaP256),
                SignatureScheme::EcdsaP256Sha256,
                b"m",
            )
            .unwrap();
        assert_eq!(sig[0], 0x30, "an ASN.1 SEQUENCE");
        assert_eq!(usize::from(sig[1]) + 2, sig.len());
    }

    #[test]
    fn a_scheme_for_another_algorithm_is_refused() {
        let key = material(Algorithm::EcdsaP256);
        let e = AwsLcSignatures
            .sign(&key, SignatureScheme::RsaPssSha256, b"m")
            .unwrap_err();
        assert!(matches!(e, CryptoError::SchemeMismatch { .. }));
        let spki = public_key(Algorithm::EcdsaP256);
        let e = AwsLcSignatures
            .verify(
                Algorithm::EcdsaP256,
                SignatureScheme::EcdsaP384Sha384,
                &spki,
                b"m",
                b"s",
            )
            .unwrap_err();
        assert!(matches!(e, CryptoError::SchemeMismatch { .. }));
        let e = AwsLcSignatures
            .sign(
                &material(Algorithm::HmacSha256),
                SignatureScheme::Ed25519,
                b"m",
            )
            .unwrap_err();
        assert!(matches!(e, CryptoError::SchemeMismatch { .. }));
    }

    #[test]
    fn a_public_key_of_another_algorithm_or_size_is_refused() {
        let sig = AwsLcSignatures
            .sign(
                &material(Algorithm::Rsa2048),
                SignatureScheme::RsaPssSha256,
                b"m",
            )
            .unwrap();
        let e = AwsLcSignatures
            .verify(
                Algorithm::Rsa3072,
                SignatureScheme::RsaPssSha256,
                &public_key(Algorithm::Rsa2048),
                b"m",
                &sig,
            )
            .unwrap_err();
        assert!(matches!(
            e,
            CryptoError::InvalidPublicKey {
                algorithm: Algorithm::Rsa3072
            }
        ));
        let e = AwsLcSignatures
            .verify(
                Algorithm::EcdsaP384,
                SignatureScheme::EcdsaP384Sha384,
                &public_key(Algorithm::EcdsaP256),
                b"m",
                b"s",
            )
            .unwrap_err();
        assert!(matches!(e, CryptoError::InvalidPublicKey { .. }));
    }

    #[test]
    fn a_signature_from_another_key_fails() {
        let other = crate::software::SOFTWARE
            .keygen
            .generate(Algorithm::Ed25519)
            .unwrap();
        let sig = AwsLcSignatures
            .sign(&other, SignatureScheme::Ed25519, b"m")
            .unwrap();
        let e = AwsLcSignatures
            .verify(
                Algorithm::Ed25519,
                SignatureScheme::Ed25519,
                &public_key(Algorithm::Ed25519),
                b"m",
                &sig,
            )
            .unwrap_err();
        assert!(matches!(e, CryptoError::BadSignature));
    }
}
