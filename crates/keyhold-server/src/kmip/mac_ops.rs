//! MAC and MAC Verify (KMIP 1.4 sections 4.33 and 4.34, KMIP 2.1 sections
//! 6.1.30 and 6.1.31) with keyhold's HMAC-SHA-2 keys, single-part.

use keyhold_core::{Action, Algorithm, RequestId, VersionId};
use keyhold_kmip::payload::{
    DigestRequest, DigestResponse, MultiPart, VerifyRequest, VerifyResponse,
};
use keyhold_kmip::{
    CryptographicAlgorithm, CryptographicParameters, ResponsePayload, ResultReason,
    UniqueIdentifier, ValidityIndicator,
};

use super::crypto_ops::check_single_part;
use super::errors::ItemFailure;
use super::{Dispatcher, objects};

type Answer = Result<ResponsePayload, ItemFailure>;

fn invalid(message: &str) -> ItemFailure {
    ItemFailure::new(ResultReason::InvalidField, message)
}

/// The keyhold algorithm the Cryptographic Parameters name, if any: an
/// HMAC-SHA-2 one (the key must be of it).
fn named_mac(p: Option<&CryptographicParameters>) -> Result<Option<Algorithm>, ItemFailure> {
    use CryptographicAlgorithm as K;
    match p.and_then(|p| p.cryptographic_algorithm) {
        None => Ok(None),
        Some(K::HMACSHA256) => Ok(Some(Algorithm::HmacSha256)),
        Some(K::HMACSHA384) => Ok(Some(Algorithm::HmacSha384)),
        Some(K::HMACSHA512) => Ok(Some(Algorithm::HmacSha512)),
        Some(_) => Err(invalid("MAC supports HMAC-SHA256, -SHA384 and -SHA512")),
    }
}

/// What MAC and MAC Verify share: the version, the algorithm the
/// parameters name (if any), and the data, single-part.
struct MacInput {
    id: VersionId,
    expected: Option<Algorithm>,
    data: Vec<u8>,
}

impl MacInput {
    fn of(
        (uid, placeholder): (Option<&UniqueIdentifier>, Option<VersionId>),
        params: Option<&CryptographicParameters>,
        parts: &impl MultiPart,
        data: Option<&keyhold_kmip::SecretBytes>,
    ) -> Result<Self, ItemFailure> {
        let id = objects::version_id(uid, placeholder)?;
        let expected = named_mac(params)?;
        check_single_part(parts)?;
        let data = data.ok_or_else(|| invalid("Data is required"))?;
        Ok(Self {
            id,
            expected,
            data: data.expose().to_vec(),
        })
    }
}

impl Dispatcher {
    /// MAC under a version (its key's primary one).
    pub(super) async fn mac(
        &self,
        req: &DigestRequest,
        placeholder: Option<VersionId>,
        request_id: RequestId,
    ) -> Answer {
        let MacInput { id, expected, data } = MacInput::of(
            (req.unique_identifier.as_ref(), placeholder),
            req.cryptographic_parameters.as_ref(),
            req,
            req.data.as_ref(),
        )?;
        let tag = self.on_object(request_id, Action::KeyMac, id, move |ops, caller| {
            ops.mac_version(caller, id, expected, data)
        });
        Ok(ResponsePayload::MAC(DigestResponse {
            unique_identifier: Some(objects::version_uid(id)),
            signature_data: None,
            mac_data: Some(tag.await?),
            data: None,
            correlation_value: None,
        }))
    }

    /// MAC Verify under a version: Valid or Invalid.
    pub(super) async fn mac_verify(
        &self,
        req: &VerifyRequest,
        placeholder: Option<VersionId>,
        request_id: RequestId,
    ) -> Answer {
        let MacInput { id, expected, data } = MacInput::of(
            (req.unique_identifier.as_ref(), placeholder),
            req.cryptographic_parameters.as_ref(),
            req,
            req.data.as_ref(),
        )?;
        let mac = req
            .mac_data
            .clone()
            .ok_or_else(|| invalid("MAC Data is required"))?;
        let valid = self.on_object(request_id, Action::KeyMacVerify, id, move |ops, caller| {
            ops.mac_verify_version(caller, id, expected, data, mac)
        });
        let indicator = if valid.await? {
            ValidityIndicator::Valid
        } else {
            ValidityIndicator::Invalid
        };
        Ok(ResponsePayload::MACVerify(VerifyResponse {
            unique_identifier: objects::version_uid(id),
            validity_indicator: Some(indicator),
            data: None,
            correlation_value: None,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hmac_sha2_is_named() {
        assert_eq!(named_mac(None).unwrap(), None);
        let p = |a| CryptographicParameters {
            cryptographic_algorithm: Some(a),
            ..CryptographicParameters::default()
        };
        assert_eq!(
            named_mac(Some(&p(CryptographicAlgorithm::HMACSHA384))).unwrap(),
            Some(Algorithm::HmacSha384)
        );
        assert!(named_mac(Some(&p(CryptographicAlgorithm::HMACSHA1))).is_err());
    }
}
