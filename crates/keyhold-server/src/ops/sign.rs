//! Sign and verify: RSA-PSS and RSA PKCS#1 v1.5 (RFC 8017 section 8),
//! ECDSA P-256/P-384 (FIPS 186-5), Ed25519 (RFC 8032) and ML-DSA-65 (FIPS
//! 204), over a message or, for RSA and ECDSA, a pre-hashed digest.
//!
//! A signature names the version that made it (`version` in the answer);
//! verify checks against the version's stored public key (the primary when
//! none is named), so a Deactivated version still verifies. A signature that
//! does not verify is an answer (`valid: false`), not an error.

use keyhold_api::b64::Base64;
use keyhold_api::crypto::{
    SignRequest, SignResponse, SignatureScheme as WireScheme, VerifyRequest, VerifyResponse,
};
use keyhold_core::{Algorithm, KeyOperation, KeyRef, VersionNumber};
use keyhold_crypto::rsa_pss::{PssParams, Signed};
use keyhold_crypto::{CryptoError, SignatureScheme};

use super::crypto::public_key;
use super::rsa_cipher::is_rsa;
use super::{Caller, Operations};
use crate::error::ServerError;

/// What a request signs: exactly one of the message and its digest under
/// the scheme's hash.
pub(super) fn signed<'a>(
    message: Option<&'a Base64>,
    digest: Option<&'a Base64>,
) -> Result<Signed<'a>, ServerError> {
    match (message, digest) {
        (Some(m), None) => Ok(Signed::Message(&m.0)),
        (None, Some(d)) => Ok(Signed::Digest(&d.0)),
        (Some(_), Some(_)) | (None, None) => Err(ServerError::InvalidRequest {
            detail: "give exactly one of message and digest".into(),
        }),
    }
}

impl Operations {
    /// Signs with the key's primary version.
    pub fn sign(
        &self,
        caller: &Caller,
        key: &KeyRef,
        req: SignRequest,
    ) -> Result<SignResponse, ServerError> {
        let signed = signed(req.message.as_ref(), req.digest.as_ref())?;
        let (key, version) = self.key_and_version(caller, key, None)?;
        self.check_usable(caller, &key, &version, KeyOperation::Sign)?;
        let (wire, scheme) = scheme_for(key.algorithm, req.scheme, signed)?;
        let material = self.material(caller, &key, &version)?;
        let signatures = self.crypto.signatures;
        let signature = match signed {
            Signed::Message(m) => signatures.sign(&material, scheme, m),
            Signed::Digest(d) => signatures.sign_digest(&material, scheme, d),
        }
        .map_err(ServerError::Crypto)?;
        Ok(SignResponse {
            signature: Base64(signature),
            key_id: key.id,
            version: version.meta.version,
            scheme: wire,
        })
    }

    /// Verifies a signature with a version's public key.
    pub fn verify(
        &self,
        caller: &Caller,
        key: &KeyRef,
        req: VerifyRequest,
    ) -> Result<VerifyResponse, ServerError> {
        let signed = signed(req.message.as_ref(), req.digest.as_ref())?;
        let (key, version) = self.key_and_version(caller, key, req.version)?;
        self.check_usable(caller, &key, &version, KeyOperation::Verify)?;
        let (wire, scheme) = scheme_for(key.algorithm, req.scheme, signed)?;
        let spki = public_key(&version)?;
        let signatures = self.crypto.signatures;
        let sig = &req.signature.0;
        let checked = match signed {
            Signed::Message(m) => signatures.verify(key.algorithm, scheme, spki, m, sig),
            Signed::Digest(d) => signatures.verify_digest(key.algorithm, scheme, spki, d, sig),
        };
        let valid = match checked {
            Ok(()) => true,
            Err(CryptoError::BadSignature) => false,
            Err(other) => return Err(ServerError::Crypto(other)),
        };
        Ok(VerifyResponse {
            valid,
            key_id: key.id,
            version: version.meta.version,
            scheme: wire,
        })
    }
}

impl Operations {
    /// Signs with RSASSA-PSS under a KMIP client's parameters, with the
    /// key's primary version ([`Operations::sign`]'s checks).
    pub(super) fn sign_pss(
        &self,
        caller: &Caller,
        key: &KeyRef,
        params: &PssParams,
        signed: Signed<'_>,
    ) -> Result<Vec<u8>, ServerError> {
        let (key, version) = self.key_and_version(caller, key, None)?;
        self.check_usable(caller, &key, &version, KeyOperation::Sign)?;
        check_rsa(key.algorithm)?;
        let material = self.material(caller, &key, &version)?;
        self.crypto
            .signatures
            .sign_pss(&material, params, signed)
            .map_err(pss_error)
    }

    /// Verifies an RSASSA-PSS signature under a KMIP client's parameters
    /// with version `at`'s public key ([`Operations::verify`]'s checks).
    pub(super) fn verify_pss(
        &self,
        caller: &Caller,
        (key, number): (&KeyRef, VersionNumber),
        params: &PssParams,
        signed: Signed<'_>,
        signature: &[u8],
    ) -> Result<bool, ServerError> {
        let (key, version) = self.key_and_version(caller, key, Some(number))?;
        self.check_usable(caller, &key, &version, KeyOperation::Verify)?;
        check_rsa(key.algorithm)?;
        let spki = public_key(&version)?;
        let checked =
            self.crypto
                .signatures
                .verify_pss(key.algorithm, params, spki, signed, signature);
        match checked {
            Ok(()) => Ok(true),
            Err(CryptoError::BadSignature) => Ok(false),
            Err(other) => Err(pss_error(other)),
        }
    }
}

/// RSASSA-PSS is for RSA keys.
fn check_rsa(algorithm: Algorithm) -> Result<(), ServerError> {
    if is_rsa(algorithm) {
        return Ok(());
    }
    Err(ServerError::InvalidRequest {
        detail: format!("RSASSA-PSS signs with RSA keys, not {algorithm}"),
    })
}

/// A refused input (SHA-1 or a long salt to sign, a digest of the wrong
/// length) is the request's fault; anything else the crypto library's.
fn pss_error(e: CryptoError) -> ServerError {
    match e {
        CryptoError::InvalidInput { .. } | CryptoError::DigestLength { .. } => {
            ServerError::InvalidRequest {
                detail: e.to_string(),
            }
        }
        other => ServerError::Crypto(other),
    }
}

/// The scheme asked for (the algorithm's default when none), checked to fit
/// the key and, for a digest, to sign digests of that length.
fn scheme_for(
    algorithm: Algorithm,
    asked: Option<WireScheme>,
    signed: Signed<'_>,
) -> Result<(WireScheme, SignatureScheme), ServerError> {
    let wire = match asked {
        Some(s) => s,
        None => {
            let default = SignatureScheme::default_for(algorithm).map_err(ServerError::Crypto)?;
            wire_scheme(default)?
        }
    };
    let scheme = crypto_scheme(wire);
    if !scheme.fits(algorithm) {
        return Err(ServerError::SchemeMismatch {
            scheme: wire,
            algorithm,
        });
    }
    if let Signed::Digest(d) = signed {
        match scheme.digest_len() {
            None => return Err(ServerError::DigestNotSupported { scheme: wire }),
            Some(expected) if expected != d.len() => {
                return Err(ServerError::DigestLength {
                    scheme: wire,
                    expected,
                    found: d.len(),
                });
            }
            Some(_) => {}
        }
    }
    Ok((wire, scheme))
}

/// The crypto provider's scheme of a wire scheme.
fn crypto_scheme(s: WireScheme) -> SignatureScheme {
    match s {
        WireScheme::RsaPssSha256 => SignatureScheme::RsaPssSha256,
        WireScheme::RsaPssSha384 => SignatureScheme::RsaPssSha384,
        WireScheme::RsaPssSha512 => SignatureScheme::RsaPssSha512,
        WireScheme::RsaPkcs1Sha256 => SignatureScheme::RsaPkcs1Sha256,
        WireScheme::RsaPkcs1Sha384 => SignatureScheme::RsaPkcs1Sha384,
        WireScheme::RsaPkcs1Sha512 => SignatureScheme::RsaPkcs1Sha512,
        WireScheme::EcdsaP256Sha256 => SignatureScheme::EcdsaP256Sha256,
        WireScheme::EcdsaP384Sha384 => SignatureScheme::EcdsaP384Sha384,
        WireScheme::Ed25519 => SignatureScheme::Ed25519,
        WireScheme::MlDsa65 => SignatureScheme::MlDsa65,
    }
}

/// The wire scheme of a crypto provider scheme.
fn wire_scheme(s: SignatureScheme) -> Result<WireScheme, ServerError> {
    WireScheme::ALL
        .into_iter()
        .find(|w| crypto_scheme(*w) == s)
        .ok_or(ServerError::Internal {
            what: "a signature scheme has no wire name",
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_and_crypto_schemes_are_the_same_set_with_the_same_names() {
        assert_eq!(WireScheme::ALL.len(), SignatureScheme::ALL.len());
        for s in SignatureScheme::ALL {
            let w = wire_scheme(s).unwrap();
            assert_eq!(w.as_str(), s.as_str());
            assert_eq!(crypto_scheme(w), s);
        }
    }

    #[test]
    fn exactly_one_of_message_and_digest() {
        let b = Base64(vec![1]);
        assert!(matches!(signed(Some(&b), None), Ok(Signed::Message(_))));
        assert!(matches!(signed(None, Some(&b)), Ok(Signed::Digest(_))));
        assert!(signed(Some(&b), Some(&b)).is_err());
        assert!(signed(None, None).is_err());
    }

    #[test]
    fn schemes_are_checked_against_the_key_and_the_digest() {
        let msg = Signed::Message(b"m");
        let (w, _) = scheme_for(Algorithm::Rsa3072, None, msg).unwrap();
        assert_eq!(w, WireScheme::RsaPssSha256);
        let (w, _) = scheme_for(Algorithm::EcdsaP384, None, msg).unwrap();
        assert_eq!(w, WireScheme::EcdsaP384Sha384);
        assert!(matches!(
            scheme_for(Algorithm::EcdsaP256, Some(WireScheme::RsaPssSha256), msg),
            Err(ServerError::SchemeMismatch { .. })
        ));
        let d48 = [0u8; 48];
        scheme_for(
            Algorithm::Rsa2048,
            Some(WireScheme::RsaPkcs1Sha384),
            Signed::Digest(&d48),
        )
        .unwrap();
        assert!(matches!(
            scheme_for(Algorithm::Rsa2048, None, Signed::Digest(&d48)),
            Err(ServerError::DigestLength {
                expected: 32,
                found: 48,
                ..
            })
        ));
        for alg in [Algorithm::Ed25519, Algorithm::MlDsa65] {
            assert!(matches!(
                scheme_for(alg, None, Signed::Digest(&[0; 32])),
                Err(ServerError::DigestNotSupported { .. })
            ));
        }
    }
}
