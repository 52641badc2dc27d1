//! KMIP Sign and Signature Verify (KMIP 1.4 sections 4.31 and 4.32, KMIP
//! 2.1 sections 6.1.51 and 6.1.52) on one object: the request's
//! Cryptographic Parameters over the key's choose either one of keyhold's
//! signature schemes (the ones REST offers) or RSASSA-PSS with the
//! client's hash, MGF1 hash and salt length ([`PssParams`]).

use keyhold_api::b64::Base64;
use keyhold_api::crypto::{SignRequest, SignatureScheme as WireScheme, VerifyRequest};
use keyhold_core::{CryptoParams, KeyOperation, KeyRef, VersionId};
use keyhold_crypto::rsa_padding::RsaHash;
use keyhold_crypto::rsa_pss::PssParams;

use super::kmip_support::check_primary;
use super::rsa_cipher::is_rsa;
use super::sign::signed;
use super::{Caller, Operations};
use crate::error::ServerError;

/// How a KMIP Sign or Signature Verify signs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KmipSignature {
    /// A scheme keyhold names; `None` is the key's default (RSA-PSS with
    /// SHA-256, ECDSA with the curve's hash, Ed25519).
    Scheme(Option<WireScheme>),
    /// RSASSA-PSS with the client's parameters (RSA keys only).
    Pss(PssParams),
}

/// What a KMIP Sign or Signature Verify covers: exactly one of Data and
/// Digested Data.
#[derive(Clone, Debug)]
pub struct KmipSigned {
    /// Data: the message.
    pub message: Option<Base64>,
    /// Digested Data: its digest under the signature's hash.
    pub digest: Option<Base64>,
}

impl Operations {
    /// KMIP Sign with version `id`, its key's primary version; `build`
    /// chooses the signature from the key's default Cryptographic
    /// Parameters.
    pub fn sign_version(
        &self,
        caller: &Caller,
        id: VersionId,
        build: impl FnOnce(Option<&CryptoParams>) -> Result<KmipSignature, ServerError>,
        what: KmipSigned,
    ) -> Result<Vec<u8>, ServerError> {
        let (key, version) = self.key_by_version_id(caller, id)?;
        check_primary(&key, &version, KeyOperation::Sign)?;
        let at = KeyRef::Id(key.id);
        match build(key.crypto_params.as_ref())? {
            KmipSignature::Scheme(scheme) => {
                let req = SignRequest {
                    message: what.message,
                    digest: what.digest,
                    scheme,
                };
                Ok(self.sign(caller, &at, req)?.signature.0)
            }
            KmipSignature::Pss(params) => {
                let signed = signed(what.message.as_ref(), what.digest.as_ref())?;
                self.sign_pss(caller, &at, &params, signed)
            }
        }
    }

    /// KMIP Signature Verify with version `id`'s public key: whether
    /// `signature` is valid. An RSA key with no parameters to go by checks
    /// RSA-PSS with SHA-256 (keyhold's default) and any salt length, so
    /// signatures from clients that salt longer (as the profiles'
    /// CS-AC-M-2 does) verify too.
    pub fn verify_version(
        &self,
        caller: &Caller,
        id: VersionId,
        build: impl FnOnce(Option<&CryptoParams>) -> Result<KmipSignature, ServerError>,
        what: KmipSigned,
        signature: Vec<u8>,
    ) -> Result<bool, ServerError> {
        let (key, version) = self.key_by_version_id(caller, id)?;
        let at = KeyRef::Id(key.id);
        let chosen = match build(key.crypto_params.as_ref())? {
            KmipSignature::Scheme(None) if is_rsa(key.algorithm) => {
                KmipSignature::Pss(PssParams::paired(RsaHash::Sha256))
            }
            other => other,
        };
        match chosen {
            KmipSignature::Scheme(scheme) => {
                let req = VerifyRequest {
                    message: what.message,
                    digest: what.digest,
                    signature: Base64(signature),
                    scheme,
                    version: Some(version.version),
                };
                Ok(self.verify(caller, &at, req)?.valid)
            }
            KmipSignature::Pss(params) => {
                let signed = signed(what.message.as_ref(), what.digest.as_ref())?;
                let at = (&at, version.version);
                self.verify_pss(caller, at, &params, signed, &signature)
            }
        }
    }
}
