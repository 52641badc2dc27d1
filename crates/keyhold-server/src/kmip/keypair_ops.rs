//! Create Key Pair, Sign and Signature Verify (KMIP 1.4 sections 4.2,
//! 4.31 and 4.32; KMIP 2.1 sections 6.1.9, 6.1.51 and 6.1.52) with
//! keyhold's RSA, ECDSA and Ed25519 keys, single-part. The Cryptographic
//! Parameters of a Sign or Signature Verify are the request's over the
//! key's own (when those name a signature).

use keyhold_api::b64::Base64;
use keyhold_core::{Action, CryptoParams, RequestId, VersionId};
use keyhold_kmip::payload::{
    CreateKeyPairRequest, DigestRequest, DigestResponse, KeyPairResponse, VerifyRequest,
    VerifyResponse,
};
use keyhold_kmip::{CryptographicParameters, ResponsePayload, ResultReason, ValidityIndicator};

use super::crypto_ops::check_single_part;
use super::errors::ItemFailure;
use super::keypairs::SignatureUse;
use super::{Dispatcher, keypairs, objects, stored_params};
use crate::error::ServerError;
use crate::ops::{KmipSignature, KmipSigned};

type Answer = Result<ResponsePayload, ItemFailure>;

fn invalid(message: &str) -> ItemFailure {
    ItemFailure::new(ResultReason::InvalidField, message)
}

/// The message or digest signed: exactly one of Data and Digested Data.
fn signed(
    data: Option<&keyhold_kmip::SecretBytes>,
    digested: Option<&Vec<u8>>,
) -> Result<KmipSigned, ItemFailure> {
    match (data, digested) {
        (Some(d), None) => Ok(KmipSigned {
            message: Some(Base64(d.expose().to_vec())),
            digest: None,
        }),
        (None, Some(h)) => Ok(KmipSigned {
            message: None,
            digest: Some(Base64(h.clone())),
        }),
        _ => Err(invalid("give exactly one of Data and Digested Data")),
    }
}

impl Dispatcher {
    /// Create Key Pair: a Pre-Active asymmetric key; the Private Key object
    /// becomes the ID placeholder.
    pub(super) async fn create_key_pair(
        &self,
        req: &CreateKeyPairRequest,
        request_id: RequestId,
        placeholder: &mut Option<VersionId>,
    ) -> Answer {
        let spec = keypairs::pair_spec(req)?;
        let created = self.blocking(request_id, Action::KeyCreate, move |ops, caller| {
            ops.create_pre_active(caller, spec)
        });
        let version = created.await?;
        *placeholder = Some(version.id);
        Ok(ResponsePayload::CreateKeyPair(KeyPairResponse {
            private_key_unique_identifier: objects::version_uid(version.id),
            public_key_unique_identifier: objects::public_uid(version.id),
            private_key_attributes: None,
            public_key_attributes: None,
        }))
    }

    /// Sign with the key's primary version, under the request's
    /// Cryptographic Parameters over the key's.
    pub(super) async fn sign(
        &self,
        req: &DigestRequest,
        placeholder: Option<VersionId>,
        request_id: RequestId,
    ) -> Answer {
        let id = objects::version_id(req.unique_identifier.as_ref(), placeholder)?;
        let asked = req.cryptographic_parameters.as_ref();
        // Refuse what the request alone makes impossible before the key
        // is read (SHA-1, a bad Salt Length, ...).
        keypairs::signature(asked, SignatureUse::Sign)?;
        check_single_part(req)?;
        let what = signed(req.data.as_ref(), req.digested_data.as_ref())?;
        let build = signature_builder(asked, SignatureUse::Sign);
        let signature = self.blocking(request_id, Action::KeySign, move |ops, caller| {
            ops.sign_version(caller, id, build, what)
        });
        Ok(ResponsePayload::Sign(DigestResponse {
            unique_identifier: Some(objects::version_uid(id)),
            signature_data: Some(signature.await?),
            mac_data: None,
            data: None,
            correlation_value: None,
        }))
    }

    /// Signature Verify with a version's public key: Valid or Invalid.
    pub(super) async fn signature_verify(
        &self,
        req: &VerifyRequest,
        placeholder: Option<VersionId>,
        request_id: RequestId,
    ) -> Answer {
        let uid = req.unique_identifier.as_ref();
        let id = objects::version_id(uid, placeholder)?;
        let asked = req.cryptographic_parameters.as_ref();
        keypairs::signature(asked, SignatureUse::Verify)?;
        check_single_part(req)?;
        let what = signed(req.data.as_ref(), req.digested_data.as_ref())?;
        let signature = req
            .signature_data
            .clone()
            .ok_or_else(|| invalid("Signature Data is required"))?;
        let build = signature_builder(asked, SignatureUse::Verify);
        let valid = self.blocking(request_id, Action::KeyVerify, move |ops, caller| {
            ops.verify_version(caller, id, build, what, signature)
        });
        let indicator = if valid.await? {
            ValidityIndicator::Valid
        } else {
            ValidityIndicator::Invalid
        };
        Ok(ResponsePayload::SignatureVerify(VerifyResponse {
            unique_identifier: uid.cloned().unwrap_or_else(|| objects::public_uid(id)),
            validity_indicator: Some(indicator),
            data: None,
            correlation_value: None,
        }))
    }
}

/// Chooses the signature once the key's default Cryptographic Parameters
/// are known: the request's over the key's, when the key's name a
/// signature ([`stored_params::effective_for_signature`]).
fn signature_builder(
    asked: Option<&CryptographicParameters>,
    used: SignatureUse,
) -> impl FnOnce(Option<&CryptoParams>) -> Result<KmipSignature, ServerError> + Send + 'static {
    let asked = asked.cloned();
    move |key: Option<&CryptoParams>| {
        let params = stored_params::effective_for_signature(asked.as_ref(), key);
        keypairs::signature(params.as_ref(), used).map_err(ItemFailure::into_server_error)
    }
}
