//! Request Message in, Response Message out: each batch item runs through
//! the operations service; batch semantics follow KMIP 1.4 section 6 /
//! KMIP 2.1 section 9 (Batch Error Continuation Option, Unique Batch Item
//! ID, Maximum Response Size).

use keyhold_core::Action;
use keyhold_core::audit::Interface;
use std::sync::Arc;

use keyhold_core::{RequestId, VersionId};
use keyhold_kmip::payload::RngRetrieveResponse;
use keyhold_kmip::{
    BatchErrorContinuationOption, Operation, ProtocolVersion, RequestBatchItem, RequestMessage,
    RequestPayload, ResponseBatchItem, ResponseHeader, ResponseMessage, ResponsePayload,
    ResultReason, ResultStatus, SecretBytes,
};
use keyhold_ttlv::Limits;

use super::errors::ItemFailure;
use super::server_ops;
use crate::error::ServerError;
use crate::ops::{Caller, CertIdentity, Credentials, Operations, Proof};

/// The most batch items one request may hold.
pub const MAX_BATCH_ITEMS: usize = 64;

/// Runs KMIP requests against the operations service.
#[derive(Debug, Clone)]
pub struct Dispatcher {
    pub(super) ops: Arc<Operations>,
    limits: Limits,
    peer: Option<CertIdentity>,
}

impl Dispatcher {
    /// A dispatcher over `ops`, decoding messages within `limits`.
    pub fn new(ops: Arc<Operations>, limits: Limits) -> Self {
        Self {
            ops,
            limits,
            peer: None,
        }
    }

    /// The dispatcher of one connection, whose client presented `peer`:
    /// its requests act as the principal the certificate is bound to.
    #[must_use]
    pub fn with_peer(&self, peer: Option<CertIdentity>) -> Self {
        Self {
            peer,
            ..self.clone()
        }
    }

    /// Answers one framed request message (header included) with the bytes
    /// of its response. `None` only when not even an error response can be
    /// encoded: the listener then closes the connection.
    pub async fn respond(&self, message: &[u8]) -> Option<Vec<u8>> {
        let response = match keyhold_ttlv::decode(message, &self.limits) {
            Ok(tree) => match RequestMessage::from_ttlv(&tree) {
                Ok(request) => self.batch(&request).await,
                Err(e) => self.message_error(ProtocolVersion::V1_0, e.reason(), &e.to_string()),
            },
            Err(e) => self.message_error(
                ProtocolVersion::V1_0,
                ResultReason::InvalidMessage,
                &e.to_string(),
            ),
        };
        encode(&response)
    }

    /// The response to a message whose header was read but which cannot be
    /// answered item by item (a bad frame, an undecodable message).
    pub fn framing_error(&self, problem: &str) -> Option<Vec<u8>> {
        let response =
            self.message_error(ProtocolVersion::V1_0, ResultReason::InvalidMessage, problem);
        encode(&response)
    }

    async fn batch(&self, request: &RequestMessage) -> ResponseMessage {
        let version = request.header.protocol_version;
        if !version.is_supported() {
            let answer = ProtocolVersion::SUPPORTED
                .into_iter()
                .find(|v| *v < version)
                .unwrap_or(ProtocolVersion::V1_0);
            let problem = format!("protocol version {version} is not supported");
            return self.message_error(answer, ResultReason::InvalidMessage, &problem);
        }
        if request.items.len() > MAX_BATCH_ITEMS {
            let problem = format!(
                "a batch holds at most {MAX_BATCH_ITEMS} items, not {}",
                request.items.len()
            );
            return self.message_error(version, ResultReason::InvalidMessage, &problem);
        }
        let request_id = RequestId::from_uuid(uuid::Uuid::new_v4());
        let stop_on_error = match request.header.batch_error_continuation {
            Some(BatchErrorContinuationOption::Continue) => false,
            Some(BatchErrorContinuationOption::Undo) => {
                let items = self.undoable_batch(&request.items, version, request_id);
                let response = self.response(version, items.await);
                return limit_size(response, request);
            }
            _ => true,
        };
        let mut items = Vec::with_capacity(request.items.len());
        let mut placeholder = None;
        for item in &request.items {
            let answer = self.item(item, version, request_id, &mut placeholder).await;
            let failed = answer.result_status != ResultStatus::Success;
            items.push(answer);
            if failed && stop_on_error {
                break;
            }
        }
        let response = self.response(version, items);
        limit_size(response, request)
    }

    async fn item(
        &self,
        item: &RequestBatchItem,
        version: ProtocolVersion,
        request_id: RequestId,
        placeholder: &mut Option<VersionId>,
    ) -> ResponseBatchItem {
        let payload = match item.typed_payload() {
            Ok(p) => p,
            Err(e) => return ResponseBatchItem::failure(item, &e),
        };
        match self.run(payload, version, request_id, placeholder).await {
            Ok(payload) => ResponseBatchItem {
                operation: Some(item.operation),
                unique_batch_item_id: item.unique_batch_item_id.clone(),
                result_status: ResultStatus::Success,
                result_reason: None,
                result_message: None,
                asynchronous_correlation_value: None,
                payload: Some(payload),
                message_extension: None,
            },
            Err(f) => failed_item(Some(item), f.reason_in(version), &f.message),
        }
    }

    /// Runs one item of a message in `version`. `placeholder` is the
    /// batch's ID placeholder: the last object created, used by later items
    /// that name no object.
    async fn run(
        &self,
        payload: &RequestPayload,
        version: ProtocolVersion,
        request_id: RequestId,
        placeholder: &mut Option<VersionId>,
    ) -> Result<ResponsePayload, ItemFailure> {
        match payload {
            RequestPayload::DiscoverVersions(p) => Ok(ResponsePayload::DiscoverVersions(
                server_ops::discover_versions(p),
            )),
            RequestPayload::Query(q) => Ok(ResponsePayload::Query(server_ops::query(q))),
            RequestPayload::Interop(_) => Ok(ResponsePayload::Interop(server_ops::interop())),
            RequestPayload::Log(l) => self.log(l, request_id).await,
            RequestPayload::RNGRetrieve(r) => {
                let len = u32::try_from(r.data_length).map_err(|_| {
                    ItemFailure::new(ResultReason::InvalidField, "Data Length is negative")
                })?;
                let out = self.blocking(request_id, Action::RandomGenerate, move |ops, caller| {
                    rng(ops, caller, len)
                });
                Ok(ResponsePayload::RNGRetrieve(out.await?))
            }
            RequestPayload::RNGSeed(s) => self.rng_seed(s, request_id).await,
            RequestPayload::Create(c) => self.create(c, request_id, placeholder).await,
            RequestPayload::Activate(a) => {
                let uid = a.unique_identifier.as_ref();
                self.activate(uid, *placeholder, request_id).await
            }
            RequestPayload::GetAttributes(g) => {
                self.get_attributes(g, version, *placeholder, request_id)
                    .await
            }
            RequestPayload::GetAttributeList(g) => {
                let uid = g.unique_identifier.as_ref();
                self.get_attribute_list(uid, version, *placeholder, request_id)
                    .await
            }
            RequestPayload::Locate(l) => self.locate(l, request_id, placeholder).await,
            RequestPayload::Revoke(r) => self.revoke(r, *placeholder, request_id).await,
            RequestPayload::Encrypt(e) => self.encrypt(e, version, *placeholder, request_id).await,
            RequestPayload::Decrypt(d) => self.decrypt(d, version, *placeholder, request_id).await,
            RequestPayload::Get(g) => self.get(g, version, *placeholder, request_id).await,
            RequestPayload::Register(r) => self.register(r, request_id, placeholder).await,
            RequestPayload::Destroy(d) => {
                let uid = d.unique_identifier.as_ref();
                self.destroy(uid, version, *placeholder, request_id).await
            }
            RequestPayload::Archive(a) => {
                let uid = a.unique_identifier.as_ref();
                let op = Operation::Archive;
                self.archive_or_recover(op, uid, *placeholder, request_id)
                    .await
            }
            RequestPayload::Recover(r) => {
                let uid = r.unique_identifier.as_ref();
                let op = Operation::Recover;
                self.archive_or_recover(op, uid, *placeholder, request_id)
                    .await
            }
            RequestPayload::ReKey(r) => self.rekey(r, request_id, placeholder).await,
            RequestPayload::ReKeyKeyPair(r) => {
                self.rekey_key_pair(r, request_id, placeholder).await
            }
            RequestPayload::AddAttribute(c) => {
                let op = Operation::AddAttribute;
                self.change_attribute(op, c, version, *placeholder, request_id)
                    .await
            }
            RequestPayload::ModifyAttribute(c) => {
                let op = Operation::ModifyAttribute;
                self.change_attribute(op, c, version, *placeholder, request_id)
                    .await
            }
            RequestPayload::SetAttribute(c) => {
                let op = Operation::SetAttribute;
                self.change_attribute(op, c, version, *placeholder, request_id)
                    .await
            }
            RequestPayload::DeleteAttribute(d) => {
                self.delete_attribute(d, version, *placeholder, request_id)
                    .await
            }
            RequestPayload::CreateKeyPair(c) => {
                self.create_key_pair(c, request_id, placeholder).await
            }
            RequestPayload::Sign(s) => self.sign(s, *placeholder, request_id).await,
            RequestPayload::SignatureVerify(v) => {
                self.signature_verify(v, *placeholder, request_id).await
            }
            RequestPayload::MAC(m) => self.mac(m, *placeholder, request_id).await,
            RequestPayload::MACVerify(v) => self.mac_verify(v, *placeholder, request_id).await,
            RequestPayload::Hash(h) => self.hash(h, request_id).await,
            RequestPayload::Check(c) => self.check(c, placeholder, request_id).await,
            _ => Err(ItemFailure::new(
                ResultReason::OperationNotSupported,
                "operation not supported by keyhold",
            )),
        }
    }

    /// Runs `f` through the operations service as the connection's caller
    /// (a verified client certificate), recorded in the audit trail as a
    /// KMIP request for `action`.
    pub(super) async fn blocking<T: Send + 'static>(
        &self,
        request_id: RequestId,
        action: Action,
        f: impl FnOnce(&Operations, &Caller) -> Result<T, ServerError> + Send + 'static,
    ) -> Result<T, ItemFailure> {
        self.ops
            .perform(self.credentials(request_id), action, f)
            .await
            .map_err(ItemFailure::from)
    }

    /// [`blocking`](Self::blocking) for a request on one object: on the
    /// connection's worker when the object and the caller are warm (see
    /// `Operations::perform_on_version`).
    pub(super) async fn on_object<T: Send + 'static>(
        &self,
        request_id: RequestId,
        action: Action,
        object: VersionId,
        f: impl FnOnce(&Operations, &Caller) -> Result<T, ServerError> + Send + 'static,
    ) -> Result<T, ItemFailure> {
        self.ops
            .perform_on_version(self.credentials(request_id), action, object, f)
            .await
            .map_err(ItemFailure::from)
    }

    /// The connection's credentials for one batch item: its verified
    /// client certificate, on the KMIP interface.
    pub(super) fn credentials(&self, request_id: RequestId) -> Credentials {
        Credentials {
            request_id,
            interface: Interface::Kmip,
            source: None,
            proof: self.peer.clone().map_or(Proof::None, Proof::Certificate),
            tenant: None,
            mfa: None,
            approval: None,
        }
    }

    fn response(&self, version: ProtocolVersion, items: Vec<ResponseBatchItem>) -> ResponseMessage {
        ResponseMessage {
            header: ResponseHeader {
                protocol_version: version,
                time_stamp: self.ops.now().unix_seconds(),
                nonce: None,
                server_hashed_password: None,
                attestation_types: Vec::new(),
                client_correlation_value: None,
                server_correlation_value: None,
                batch_count: i32::try_from(items.len()).unwrap_or(i32::MAX),
            },
            items,
        }
    }

    fn message_error(
        &self,
        version: ProtocolVersion,
        reason: ResultReason,
        problem: &str,
    ) -> ResponseMessage {
        self.response(version, vec![failed_item(None, reason, problem)])
    }
}

/// RNG Retrieve (KMIP 1.4 section 4.35) through the same service as REST's
/// random endpoint, with its bounds (1 to 1024 bytes).
fn rng(ops: &Operations, caller: &Caller, len: u32) -> Result<RngRetrieveResponse, ServerError> {
    let req = keyhold_api::crypto::RandomRequest { bytes: len };
    let mut out = ops.random(caller, req)?;
    Ok(RngRetrieveResponse {
        data: SecretBytes::new(std::mem::take(&mut out.random.0)),
    })
}

fn failed_item(
    item: Option<&RequestBatchItem>,
    reason: ResultReason,
    problem: &str,
) -> ResponseBatchItem {
    ResponseBatchItem {
        operation: item.map(|i| i.operation),
        unique_batch_item_id: item.and_then(|i| i.unique_batch_item_id.clone()),
        result_status: ResultStatus::OperationFailed,
        result_reason: Some(reason),
        result_message: Some(problem.to_owned()),
        asynchronous_correlation_value: None,
        payload: None,
        message_extension: None,
    }
}

/// Maximum Response Size (KMIP 1.4 section 6.3): a response larger than the
/// client allows becomes Response Too Large for every item it answered.
fn limit_size(response: ResponseMessage, request: &RequestMessage) -> ResponseMessage {
    let Some(max) = request.header.maximum_response_size else {
        return response;
    };
    let len = encode(&response).map_or(usize::MAX, |b| b.len());
    if usize::try_from(max).is_ok_and(|max| len <= max) {
        return response;
    }
    let items = request
        .items
        .iter()
        .take(response.items.len())
        .map(|i| {
            failed_item(
                Some(i),
                ResultReason::ResponseTooLarge,
                "response too large",
            )
        })
        .collect();
    ResponseMessage { items, ..response }
}

fn encode(response: &ResponseMessage) -> Option<Vec<u8>> {
    let tree = response.to_ttlv().ok()?;
    keyhold_ttlv::encode(&tree).ok()
}

#[cfg(test)]
mod tests;
mod undo;
