//! Encrypt and Decrypt (KMIP 1.4 sections 4.29 and 4.30, KMIP 2.1 sections
//! 6.1.17 and 6.1.11) with AES-256-GCM: the server chooses the 96-bit IV;
//! the 128-bit tag travels apart from the ciphertext in KMIP 1.4 and later,
//! at the end of Data before (those versions have no tag field). Single-part only (no
//! Correlation Value, Init or Final Indicator).

use keyhold_core::Action;
use keyhold_core::{RequestId, VersionId};
use keyhold_kmip::payload::{DecryptRequest, DecryptResponse, EncryptRequest, EncryptResponse};
use keyhold_kmip::{
    BlockCipherMode, CryptographicAlgorithm, CryptographicParameters, ProtocolVersion,
    ResponsePayload, ResultReason, SecretBytes,
};

use super::errors::ItemFailure;
use super::{Dispatcher, objects};
use crate::ops::{GCM_TAG_LEN, RawSealed};

fn invalid(message: &str) -> ItemFailure {
    ItemFailure::new(ResultReason::InvalidField, message)
}

/// Refuses parameters other than AES in GCM mode with a 16-byte tag.
pub(crate) fn check_parameters(p: Option<&CryptographicParameters>) -> Result<(), ItemFailure> {
    let Some(p) = p else { return Ok(()) };
    if p.block_cipher_mode
        .is_some_and(|m| m != BlockCipherMode::GCM)
    {
        return Err(invalid("only GCM is supported"));
    }
    if p.cryptographic_algorithm
        .is_some_and(|a| a != CryptographicAlgorithm::AES)
    {
        return Err(invalid("only AES is supported"));
    }
    if p.tag_length
        .is_some_and(|t| usize::try_from(t).ok() != Some(GCM_TAG_LEN))
    {
        return Err(invalid("Tag Length must be 16 bytes"));
    }
    if p.iv_length.is_some_and(|l| l != 96) {
        return Err(invalid("IV Length must be 96 bits"));
    }
    Ok(())
}

/// Whether `version` has the Authenticated Encryption Tag field (KMIP 1.4
/// and later). Before it, the GCM tag travels at the end of Data, as
/// PKCS#11 and most AEAD interfaces put it.
fn has_tag_field(version: ProtocolVersion) -> bool {
    version >= ProtocolVersion::V1_4
}

/// Data that ends with the 16-byte tag, split in two.
fn split_tag(mut data: Vec<u8>) -> Result<(Vec<u8>, Vec<u8>), ItemFailure> {
    let at = data
        .len()
        .checked_sub(GCM_TAG_LEN)
        .ok_or_else(|| invalid("Data is shorter than the 16-byte tag it must end with"))?;
    let tag = data.split_off(at);
    Ok((data, tag))
}

/// Refuses multi-part (streaming) requests: a Correlation Value, Init or
/// Final Indicator (KMIP 1.4 sections 4.29–4.34).
pub(super) fn check_single_part(
    correlation: Option<&Vec<u8>>,
    init: Option<bool>,
    last: Option<bool>,
) -> Result<(), ItemFailure> {
    if correlation.is_some() || init.is_some() || last.is_some() {
        return Err(invalid(
            "multi-part (streaming) operations are not supported",
        ));
    }
    Ok(())
}

impl Dispatcher {
    /// Encrypt under a version: ciphertext, IV and tag apart.
    pub(super) async fn encrypt(
        &self,
        req: &EncryptRequest,
        version: ProtocolVersion,
        placeholder: Option<VersionId>,
        request_id: RequestId,
    ) -> Result<ResponsePayload, ItemFailure> {
        let id = objects::version_id(req.unique_identifier.as_ref(), placeholder)?;
        check_parameters(req.cryptographic_parameters.as_ref())?;
        let (c, i, f) = (
            &req.correlation_value,
            req.init_indicator,
            req.final_indicator,
        );
        check_single_part(c.as_ref(), i, f)?;
        if req.iv_counter_nonce.is_some() {
            return Err(invalid("the server chooses the IV: send none"));
        }
        let data = req
            .data
            .as_ref()
            .ok_or_else(|| invalid("Data is required"))?;
        let plaintext = SecretBytes::new(data.expose().to_vec());
        let aad = req.aad.clone().unwrap_or_default();
        let sealed = self.blocking(request_id, Action::KeyEncrypt, move |ops, caller| {
            ops.encrypt_raw(caller, id, &aad, plaintext.expose())
        });
        let sealed = sealed.await?;
        let (data, tag) = if has_tag_field(version) {
            (sealed.ciphertext, Some(sealed.tag))
        } else {
            ([sealed.ciphertext, sealed.tag].concat(), None)
        };
        Ok(ResponsePayload::Encrypt(EncryptResponse {
            unique_identifier: objects::version_uid(id),
            data: Some(data),
            iv_counter_nonce: Some(sealed.nonce),
            correlation_value: None,
            tag,
        }))
    }

    /// Decrypt under a version, given the IV and tag.
    pub(super) async fn decrypt(
        &self,
        req: &DecryptRequest,
        version: ProtocolVersion,
        placeholder: Option<VersionId>,
        request_id: RequestId,
    ) -> Result<ResponsePayload, ItemFailure> {
        let id = objects::version_id(req.unique_identifier.as_ref(), placeholder)?;
        check_parameters(req.cryptographic_parameters.as_ref())?;
        let (c, i, f) = (
            &req.correlation_value,
            req.init_indicator,
            req.final_indicator,
        );
        check_single_part(c.as_ref(), i, f)?;
        let field = |v: &Option<Vec<u8>>, what: &str| v.clone().ok_or_else(|| invalid(what));
        let data = field(&req.data, "Data is required")?;
        let (ciphertext, tag) = match (&req.tag, has_tag_field(version)) {
            (Some(tag), _) => (data, tag.clone()),
            (None, true) => return Err(invalid("Authenticated Encryption Tag is required")),
            (None, false) => split_tag(data)?,
        };
        let sealed = RawSealed {
            nonce: field(&req.iv_counter_nonce, "IV/Counter/Nonce is required")?,
            ciphertext,
            tag,
        };
        let aad = req.aad.clone().unwrap_or_default();
        let opened = self.blocking(request_id, Action::KeyDecrypt, move |ops, caller| {
            ops.decrypt_raw(caller, id, &aad, &sealed)
        });
        let plaintext = opened.await?;
        Ok(ResponsePayload::Decrypt(DecryptResponse {
            unique_identifier: objects::version_uid(id),
            data: Some(SecretBytes::new(plaintext.expose().to_vec())),
            correlation_value: None,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_aes_gcm_with_a_full_tag_is_accepted() {
        assert!(check_parameters(None).is_ok());
        let mut p = CryptographicParameters {
            block_cipher_mode: Some(BlockCipherMode::GCM),
            tag_length: Some(16),
            ..CryptographicParameters::default()
        };
        assert!(check_parameters(Some(&p)).is_ok());
        p.tag_length = Some(8);
        assert_eq!(
            check_parameters(Some(&p)).unwrap_err().reason,
            ResultReason::InvalidField
        );
        p.tag_length = None;
        p.block_cipher_mode = Some(BlockCipherMode::CBC);
        assert!(check_parameters(Some(&p)).is_err());
        assert!(check_single_part(None, Some(true), None).is_err());
        assert!(check_single_part(None, None, None).is_ok());
    }

    #[test]
    fn before_1_4_the_tag_ends_the_data() {
        assert!(!has_tag_field(ProtocolVersion::new(1, 2)));
        assert!(has_tag_field(ProtocolVersion::V2_0));
        let (ct, tag) = split_tag((0..20).collect()).unwrap();
        assert_eq!((ct.len(), tag.len(), tag[0]), (4, 16, 4));
        assert!(split_tag(vec![0; 15]).is_err());
    }
}
