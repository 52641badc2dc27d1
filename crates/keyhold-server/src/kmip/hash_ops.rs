//! Hash (KMIP 1.4 section 4.37, KMIP 2.1 section 6.1.24): the digest of
//! Data under the Hashing Algorithm of the Cryptographic Parameters (SHA-1,
//! SHA-224, SHA-256, SHA-384 or SHA-512), single-part, through the
//! operations service (`hash:compute`, audited) like RNG Retrieve.

use keyhold_core::crypto_params::HashAlgorithm;
use keyhold_core::{Action, RequestId};
use keyhold_kmip::payload::{DigestRequest, DigestResponse};
use keyhold_kmip::{ResponsePayload, ResultReason};

use super::crypto_ops::check_single_part;
use super::errors::ItemFailure;
use super::{Dispatcher, stored_params};

fn invalid(message: &str) -> ItemFailure {
    ItemFailure::new(ResultReason::InvalidField, message)
}

/// The hash a Hash request asks for: its Hashing Algorithm, which KMIP
/// requires; the request names no key.
fn requested(req: &DigestRequest) -> Result<HashAlgorithm, ItemFailure> {
    if req.unique_identifier.is_some() || req.digested_data.is_some() {
        return Err(invalid("Hash takes no Unique Identifier or Digested Data"));
    }
    let hashing = req
        .cryptographic_parameters
        .as_ref()
        .and_then(|p| p.hashing_algorithm)
        .ok_or_else(|| invalid("Hash needs Cryptographic Parameters with a Hashing Algorithm"))?;
    stored_params::hash(hashing)
}

impl Dispatcher {
    /// Hash: the digest of the request's Data.
    pub(super) async fn hash(
        &self,
        req: &DigestRequest,
        request_id: RequestId,
    ) -> Result<ResponsePayload, ItemFailure> {
        let algorithm = requested(req)?;
        check_single_part(req)?;
        let data = req
            .data
            .as_ref()
            .ok_or_else(|| invalid("Data is required"))?
            .expose()
            .to_vec();
        let digest = self.blocking(request_id, Action::HashCompute, move |ops, caller| {
            ops.hash(caller, algorithm, &data)
        });
        Ok(ResponsePayload::Hash(DigestResponse {
            unique_identifier: None,
            signature_data: None,
            mac_data: None,
            data: Some(digest.await?),
            correlation_value: None,
        }))
    }
}

#[cfg(test)]
mod tests {
    use keyhold_kmip::{CryptographicParameters, HashingAlgorithm, UniqueIdentifier};

    use super::*;

    fn request(hashing: Option<HashingAlgorithm>) -> DigestRequest {
        DigestRequest {
            unique_identifier: None,
            cryptographic_parameters: Some(CryptographicParameters {
                hashing_algorithm: hashing,
                ..CryptographicParameters::default()
            }),
            data: None,
            digested_data: None,
            correlation_value: None,
            init_indicator: None,
            final_indicator: None,
        }
    }

    #[test]
    fn the_hashing_algorithm_is_required_and_must_be_sha() {
        let sha = requested(&request(Some(HashingAlgorithm::SHA384))).unwrap();
        assert_eq!(sha, HashAlgorithm::Sha384);
        let refused = |req: DigestRequest| {
            assert_eq!(
                requested(&req).unwrap_err().reason,
                ResultReason::InvalidField
            );
        };
        refused(request(None));
        refused(request(Some(HashingAlgorithm::MD5)));
        refused(request(Some(HashingAlgorithm::SHA3256)));
        refused(request(Some(HashingAlgorithm::Unknown(0x8000_0000))));
        let mut named = request(Some(HashingAlgorithm::SHA256));
        named.unique_identifier = Some(UniqueIdentifier::Text("k".into()));
        refused(named);
        let mut none = request(None);
        none.cryptographic_parameters = None;
        refused(none);
    }
}
