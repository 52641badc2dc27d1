//! Encrypt and Decrypt (KMIP 1.4 sections 4.29 and 4.30, KMIP 2.1 sections
//! 6.1.17 and 6.1.11): the Cryptographic Parameters ([`super::cipher_params`])
//! choose the mode, the request's over the key's own, field by field
//! ([`super::stored_params::effective`]); the operations service matches
//! the mode to the key. An AEAD
//! tag travels apart from the ciphertext in KMIP 1.4 and later, at the end
//! of Data before (those versions have no tag field). Encrypt also runs in
//! parts (Init Indicator, Correlation Value, Final Indicator) with AES-GCM
//! ([`crate::ops::Part`]); Decrypt is single-part only.

use keyhold_core::{Action, CryptoParams, RequestId, VersionId};
use keyhold_kmip::payload::{
    DecryptRequest, DecryptResponse, EncryptRequest, EncryptResponse, MultiPart,
};
use keyhold_kmip::{ProtocolVersion, ResponsePayload, ResultReason, SecretBytes};

use super::cipher_params::{check_tag_length, cipher_request, needs_iv, tag_len};
use super::errors::ItemFailure;
use super::{Dispatcher, objects, stored_params};
use crate::ops::{CipherRequest, DecryptInput, Part, PartOutput};

fn invalid(message: &str) -> ItemFailure {
    ItemFailure::new(ResultReason::InvalidField, message)
}

/// Whether `version` has the Authenticated Encryption Tag field (KMIP 1.4
/// and later). Before it, the AEAD tag travels at the end of Data, as
/// PKCS#11 and most AEAD interfaces put it.
fn has_tag_field(version: ProtocolVersion) -> bool {
    version >= ProtocolVersion::V1_4
}

/// Data that ends with a `len`-byte tag, split in two.
fn split_tag(mut data: Vec<u8>, len: usize) -> Result<(Vec<u8>, Vec<u8>), ItemFailure> {
    let at = data
        .len()
        .checked_sub(len)
        .ok_or_else(|| invalid("Data is shorter than the tag it must end with"))?;
    let tag = data.split_off(at);
    Ok((data, tag))
}

/// Refuses multi-part (streaming) requests: a Correlation Value, Init or
/// Final Indicator (KMIP 1.4 sections 4.29–4.34).
pub(super) fn check_single_part(req: &impl MultiPart) -> Result<(), ItemFailure> {
    if req.is_multi_part() {
        return Err(invalid(
            "multi-part (streaming) operations are not supported",
        ));
    }
    Ok(())
}

/// Which part of a multi-part Encrypt `req` is (KMIP 1.4 section 4.29,
/// 2.1 section 6.1.17): the first carries Init Indicator true, later ones
/// the Correlation Value the previous part answered; Final Indicator true
/// ends it.
fn encrypt_part(req: &EncryptRequest) -> Result<Part, ItemFailure> {
    let last = req.final_indicator == Some(true);
    match (&req.correlation_value, req.init_indicator == Some(true)) {
        (Some(_), true) => Err(invalid(
            "Init Indicator starts a stream: it takes no Correlation Value",
        )),
        (Some(c), false) => Ok(Part::Next {
            correlation: c.clone(),
            last,
        }),
        (None, true) => Ok(Part::First { last }),
        (None, false) => Err(invalid(
            "a later part of a multi-part Encrypt needs its Correlation Value",
        )),
    }
}

/// Builds an Encrypt's request once the key's default Cryptographic
/// Parameters are known: the request's parameters over the key's.
fn encrypt_builder(
    req: &EncryptRequest,
) -> impl FnOnce(Option<&CryptoParams>) -> Result<CipherRequest, crate::error::ServerError>
+ Send
+ 'static {
    let asked = req.cryptographic_parameters.clone();
    let (iv, aad) = (req.iv_counter_nonce.clone(), req.aad.clone());
    move |key: Option<&CryptoParams>| {
        let params = stored_params::effective(asked.as_ref(), key);
        cipher_request(params.as_ref(), iv, aad).map_err(ItemFailure::into_server_error)
    }
}

/// What a Decrypt sent, before the key's defaults are known.
struct DecryptParts {
    params: Option<keyhold_kmip::CryptographicParameters>,
    iv: Option<Vec<u8>>,
    aad: Option<Vec<u8>>,
    data: Vec<u8>,
    tag: Option<Vec<u8>>,
    /// The version has the Authenticated Encryption Tag field.
    tag_field: bool,
}

/// A Decrypt's request and input under the key's defaults `key`. Random
/// IV is ignored: it asks the server to choose the IV of an encryption
/// (KMIP 1.4 section 3.6), a decryption always takes the IV it was given.
fn decrypt_input(
    parts: DecryptParts,
    key: Option<&CryptoParams>,
) -> Result<DecryptInput, ItemFailure> {
    let mut params = stored_params::effective(parts.params.as_ref(), key);
    if let Some(p) = params.as_mut() {
        p.random_iv = None;
    }
    let cipher = cipher_request(params.as_ref(), parts.iv, parts.aad)?;
    // Nothing but Data, and a key without parameters: the key decides (RSA
    // decrypts with OAEP-SHA-256, a symmetric key refuses for want of an IV).
    let bare = params.is_none() && cipher.iv.is_none() && parts.tag.is_none();
    if needs_iv(&cipher) && cipher.iv.is_none() && !bare {
        let m = "IV/Counter/Nonce is required";
        return Err(ItemFailure::new(ResultReason::InvalidMessage, m));
    }
    let (ciphertext, tag) = match (
        tag_len(&cipher).filter(|_| !bare),
        parts.tag,
        parts.tag_field,
    ) {
        (None, Some(_), _) => return Err(invalid("this mode has no tag")),
        (None, None, _) => (parts.data, Vec::new()),
        (Some(_), Some(tag), _) => (parts.data, tag),
        (Some(_), None, true) => {
            return Err(invalid("Authenticated Encryption Tag is required"));
        }
        (Some(len), None, false) => split_tag(parts.data, len)?,
    };
    Ok(DecryptInput {
        cipher,
        ciphertext,
        tag,
    })
}

/// A multi-part Encrypt's answer: the part's ciphertext, the IV the
/// server chose (first part), the Correlation Value for the next part, or
/// the tag (last part; at the end of Data before KMIP 1.4).
fn part_response(
    req: &EncryptRequest,
    id: VersionId,
    version: ProtocolVersion,
    out: PartOutput,
) -> ResponsePayload {
    let (data, tag) = match (out.tag, has_tag_field(version)) {
        (None, _) => (out.ciphertext, None),
        (Some(tag), true) => (out.ciphertext, Some(tag)),
        (Some(tag), false) => ([out.ciphertext, tag].concat(), None),
    };
    ResponsePayload::Encrypt(EncryptResponse {
        unique_identifier: objects::echo(req.unique_identifier.as_ref(), id),
        data: Some(data),
        iv_counter_nonce: out.iv,
        correlation_value: out.correlation,
        tag,
    })
}

impl Dispatcher {
    /// Encrypt under a version: ciphertext, the IV the server chose (if
    /// it chose one) and the tag apart.
    pub(super) async fn encrypt(
        &self,
        req: &EncryptRequest,
        version: ProtocolVersion,
        placeholder: Option<VersionId>,
        request_id: RequestId,
    ) -> Result<ResponsePayload, ItemFailure> {
        let id = objects::version_id(req.unique_identifier.as_ref(), placeholder)?;
        let data = req
            .data
            .as_ref()
            .ok_or_else(|| invalid("Data is required"))?;
        let plaintext = SecretBytes::new(data.expose().to_vec());
        check_tag_length(req.cryptographic_parameters.as_ref())?;
        let build = encrypt_builder(req);
        if req.is_multi_part() {
            let part = encrypt_part(req)?;
            let out = self.on_object(request_id, Action::KeyEncrypt, id, move |ops, caller| {
                ops.kmip_encrypt_part(caller, id, part, build, plaintext.expose())
            });
            return Ok(part_response(req, id, version, out.await?));
        }
        let sealed = self.on_object(request_id, Action::KeyEncrypt, id, move |ops, caller| {
            ops.kmip_encrypt(caller, id, build, plaintext.expose())
        });
        let out = sealed.await?;
        let (data, tag) = match (out.tag.is_empty(), has_tag_field(version)) {
            (true, _) => (out.ciphertext, None),
            (false, true) => (out.ciphertext, Some(out.tag)),
            (false, false) => ([out.ciphertext, out.tag].concat(), None),
        };
        Ok(ResponsePayload::Encrypt(EncryptResponse {
            unique_identifier: objects::echo(req.unique_identifier.as_ref(), id),
            data: Some(data),
            iv_counter_nonce: out.iv,
            correlation_value: None,
            tag,
        }))
    }

    /// Decrypt under a version, given the IV (and the tag of an AEAD mode).
    /// Single-part only: GCM decryption in parts would hand out plaintext
    /// before its tag is checked.
    pub(super) async fn decrypt(
        &self,
        req: &DecryptRequest,
        version: ProtocolVersion,
        placeholder: Option<VersionId>,
        request_id: RequestId,
    ) -> Result<ResponsePayload, ItemFailure> {
        let id = objects::version_id(req.unique_identifier.as_ref(), placeholder)?;
        check_single_part(req)?;
        let data = req
            .data
            .clone()
            .ok_or_else(|| invalid("Data is required"))?;
        check_tag_length(req.cryptographic_parameters.as_ref())?;
        let parts = DecryptParts {
            params: req.cryptographic_parameters.clone(),
            iv: req.iv_counter_nonce.clone(),
            aad: req.aad.clone(),
            data,
            tag: req.tag.clone(),
            tag_field: has_tag_field(version),
        };
        let build = move |key: Option<&CryptoParams>| {
            decrypt_input(parts, key).map_err(ItemFailure::into_server_error)
        };
        let opened = self.on_object(request_id, Action::KeyDecrypt, id, move |ops, caller| {
            ops.kmip_decrypt(caller, id, build)
        });
        let plaintext = opened.await?;
        Ok(ResponsePayload::Decrypt(DecryptResponse {
            unique_identifier: objects::echo(req.unique_identifier.as_ref(), id),
            data: Some(SecretBytes::new(plaintext.expose().to_vec())),
            correlation_value: None,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Parts(bool);

    impl MultiPart for Parts {
        fn is_multi_part(&self) -> bool {
            self.0
        }
    }

    #[test]
    fn streaming_is_refused() {
        assert!(check_single_part(&Parts(true)).is_err());
        assert!(check_single_part(&Parts(false)).is_ok());
    }

    #[test]
    fn before_1_4_the_tag_ends_the_data() {
        assert!(!has_tag_field(ProtocolVersion::new(1, 2)));
        assert!(has_tag_field(ProtocolVersion::V2_0));
        let (ct, tag) = split_tag((0..20).collect(), 16).unwrap();
        assert_eq!((ct.len(), tag.len(), tag[0]), (4, 16, 4));
        let (_, tag) = split_tag((0..20).collect(), 12).unwrap();
        assert_eq!(tag[0], 8);
        assert!(split_tag(vec![0; 15], 16).is_err());
    }
}
