//! The message envelope: Request Message and Response Message with their headers and
//! batch items (KMIP 1.4 sections 6 and 7, KMIP 2.1 sections 8 and 9).

use std::collections::HashSet;

use keyhold_ttlv::Ttlv;

use crate::error::{KmipError, Result};
use crate::fields::{self as f, Reader};
use crate::payload::{RequestPayload, ResponsePayload};
use crate::{
    BatchErrorContinuationOption, Operation, ProtocolVersion, ResultReason, ResultStatus, tags,
};

/// Request Header (KMIP 1.4 section 7.2, KMIP 2.1 section 8.2).
#[derive(Clone, Debug)]
pub struct RequestHeader {
    /// Protocol Version: the form of every other field.
    pub protocol_version: ProtocolVersion,
    /// Maximum Response Size in bytes (KMIP 1.4 section 6.3, KMIP 2.1 section 9.12).
    pub maximum_response_size: Option<i32>,
    /// Client Correlation Value (1.4 and later).
    pub client_correlation_value: Option<String>,
    /// Server Correlation Value (1.4 and later).
    pub server_correlation_value: Option<String>,
    /// Asynchronous Indicator.
    pub asynchronous_indicator: Option<bool>,
    /// Attestation Capable Indicator.
    pub attestation_capable_indicator: Option<bool>,
    /// Attestation Type*.
    pub attestation_types: Vec<u32>,
    /// Authentication (credentials), kept as sent for the server's authenticator.
    pub authentication: Option<Authentication>,
    /// Batch Error Continuation Option (KMIP 1.4 section 6.13, KMIP 2.1 section 9.6); Stop
    /// when absent.
    pub batch_error_continuation: Option<BatchErrorContinuationOption>,
    /// Batch Order Option (KMIP 1.4 section 6.12, KMIP 2.1 section 9.8).
    pub batch_order: Option<bool>,
    /// Time Stamp.
    pub time_stamp: Option<i64>,
    /// Batch Count.
    pub batch_count: i32,
}

/// The Authentication structure of a request header (KMIP 1.4 section 6.6, KMIP 2.1
/// section 9.4), kept as its tree: it holds credentials (passwords are Text Strings), so
/// `Debug` prints nothing of it.
#[derive(Clone)]
pub struct Authentication(pub Ttlv);

impl std::fmt::Debug for Authentication {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Authentication(<redacted>)")
    }
}

/// One operation of a request batch.
#[derive(Clone, Debug)]
pub struct RequestBatchItem {
    /// Operation.
    pub operation: Operation,
    /// Ephemeral (2.x).
    pub ephemeral: Option<bool>,
    /// Unique Batch Item ID (KMIP 1.4 section 6.4, KMIP 2.1 section 9.21).
    pub unique_batch_item_id: Option<Vec<u8>>,
    /// The payload, or why it could not be parsed: the server answers this item with the
    /// error's [`KmipError::reason`] and carries on per the Batch Error Continuation Option.
    pub payload: std::result::Result<RequestPayload, KmipError>,
    /// Message Extension, kept as sent.
    pub message_extension: Option<Ttlv>,
}

/// Request Message (KMIP 1.4 section 7.1, KMIP 2.1 section 8.1).
#[derive(Clone, Debug)]
pub struct RequestMessage {
    /// Request Header.
    pub header: RequestHeader,
    /// Batch Items, in order.
    pub items: Vec<RequestBatchItem>,
}

impl RequestHeader {
    fn parse(item: &Ttlv) -> Result<RequestHeader> {
        let mut r = Reader::new(item)?;
        let h = RequestHeader {
            protocol_version: ProtocolVersion::parse(r.req(tags::PROTOCOL_VERSION)?)?,
            maximum_response_size: r.opt_map(tags::MAXIMUM_RESPONSE_SIZE, f::int)?,
            client_correlation_value: r.opt_map(tags::CLIENT_CORRELATION_VALUE, f::text)?,
            server_correlation_value: r.opt_map(tags::SERVER_CORRELATION_VALUE, f::text)?,
            asynchronous_indicator: r.opt_map(tags::ASYNCHRONOUS_INDICATOR, f::boolean)?,
            attestation_capable_indicator: r
                .opt_map(tags::ATTESTATION_CAPABLE_INDICATOR, f::boolean)?,
            attestation_types: r.many_map(tags::ATTESTATION_TYPE, f::enumeration)?,
            authentication: r.opt(tags::AUTHENTICATION).cloned().map(Authentication),
            batch_error_continuation: r
                .opt_map(tags::BATCH_ERROR_CONTINUATION_OPTION, f::enum_of)?,
            batch_order: r.opt_map(tags::BATCH_ORDER_OPTION, f::boolean)?,
            time_stamp: r.opt_map(tags::TIME_STAMP, f::date_time)?,
            batch_count: r.req_map(tags::BATCH_COUNT, f::int)?,
        };
        r.finish()?;
        Ok(h)
    }

    fn to_ttlv(&self) -> Ttlv {
        let mut v = vec![self.protocol_version.to_ttlv()];
        let size = self.maximum_response_size;
        f::push_opt(&mut v, size, |s| f::integer(tags::MAXIMUM_RESPONSE_SIZE, s));
        push_text(
            &mut v,
            self.client_correlation_value.as_deref(),
            tags::CLIENT_CORRELATION_VALUE,
        );
        push_text(
            &mut v,
            self.server_correlation_value.as_deref(),
            tags::SERVER_CORRELATION_VALUE,
        );
        let ai = self.asynchronous_indicator;
        f::push_opt(&mut v, ai, |b| {
            f::bool_item(tags::ASYNCHRONOUS_INDICATOR, b)
        });
        let ac = self.attestation_capable_indicator;
        f::push_opt(&mut v, ac, |b| {
            f::bool_item(tags::ATTESTATION_CAPABLE_INDICATOR, b)
        });
        for t in &self.attestation_types {
            v.push(f::enum_item(tags::ATTESTATION_TYPE, *t));
        }
        f::push_opt(&mut v, self.authentication.clone(), |a| a.0);
        let bec = self.batch_error_continuation;
        f::push_opt(&mut v, bec, |b| {
            f::enum_item(tags::BATCH_ERROR_CONTINUATION_OPTION, b)
        });
        let bo = self.batch_order;
        f::push_opt(&mut v, bo, |b| f::bool_item(tags::BATCH_ORDER_OPTION, b));
        f::push_opt(&mut v, self.time_stamp, |t| {
            f::date_time_item(tags::TIME_STAMP, t)
        });
        v.push(f::integer(tags::BATCH_COUNT, self.batch_count));
        Ttlv::structure(tags::REQUEST_HEADER, v)
    }
}

fn push_text(v: &mut Vec<Ttlv>, s: Option<&str>, tag: keyhold_ttlv::Tag) {
    f::push_opt(v, s, |s| f::text_item(tag, s));
}

impl RequestBatchItem {
    fn parse(item: &Ttlv, version: ProtocolVersion) -> Result<RequestBatchItem> {
        let mut r = Reader::new(item)?;
        let operation: Operation = r.req_map(tags::OPERATION, f::enum_of)?;
        let ephemeral = match version.is_v2().then(|| r.opt(tags::EPHEMERAL)).flatten() {
            Some(e) => Some(f::boolean(e)?),
            None => None,
        };
        let unique_batch_item_id = r.opt_map(tags::UNIQUE_BATCH_ITEM_ID, f::bytes)?;
        let raw = r.req(tags::REQUEST_PAYLOAD)?;
        let message_extension = r.opt(tags::MESSAGE_EXTENSION).cloned();
        r.finish()?;
        let payload = RequestPayload::parse(operation, raw, version);
        Ok(RequestBatchItem {
            operation,
            ephemeral,
            unique_batch_item_id,
            payload,
            message_extension,
        })
    }

    fn to_ttlv(&self, version: ProtocolVersion) -> Result<Ttlv> {
        let mut v = vec![f::enum_item(tags::OPERATION, self.operation)];
        if let Some(e) = self.ephemeral {
            if !version.is_v2() {
                let field = tags::EPHEMERAL;
                return Err(KmipError::NotInVersion { field, version });
            }
            v.push(f::bool_item(tags::EPHEMERAL, e));
        }
        let id = self.unique_batch_item_id.as_deref();
        f::push_opt(&mut v, id, |b| f::bytes_item(tags::UNIQUE_BATCH_ITEM_ID, b));
        let payload = self.payload.as_ref().map_err(Clone::clone)?;
        v.push(payload.to_ttlv(tags::REQUEST_PAYLOAD, version)?);
        f::push_opt(&mut v, self.message_extension.clone(), |m| m);
        Ok(Ttlv::structure(tags::BATCH_ITEM, v))
    }
}

impl RequestBatchItem {
    /// The typed payload, or the error to answer this item with: the parse error, or
    /// Operation Not Supported for an operation without a typed model (KMIP 1.4 section
    /// 9.1.3.2.29, KMIP 2.1 section 11.46).
    ///
    /// # Errors
    /// The [`KmipError`] whose [`KmipError::reason`] goes in the item's response.
    pub fn typed_payload(&self) -> Result<&RequestPayload> {
        match &self.payload {
            Ok(RequestPayload::Other(_)) => Err(KmipError::OperationNotSupported {
                operation: self.operation,
            }),
            Ok(p) => Ok(p),
            Err(e) => Err(e.clone()),
        }
    }
}

impl RequestMessage {
    /// Parses a decoded Request Message. Envelope errors (header, batch structure) fail the
    /// whole message; a payload error stays in its batch item.
    ///
    /// # Errors
    /// A [`KmipError`]; its reason is the message-level Result Reason.
    pub fn from_ttlv(tree: &Ttlv) -> Result<RequestMessage> {
        expect_tag(tree, tags::REQUEST_MESSAGE)?;
        let mut r = Reader::new(tree)?;
        let header = RequestHeader::parse(r.req(tags::REQUEST_HEADER)?)?;
        let version = header.protocol_version;
        let items = r
            .many(tags::BATCH_ITEM)
            .into_iter()
            .map(|i| RequestBatchItem::parse(i, version))
            .collect::<Result<Vec<_>>>()?;
        r.finish()?;
        check_batch(
            header.batch_count,
            items.iter().map(|i| i.unique_batch_item_id.as_deref()),
        )?;
        Ok(RequestMessage { header, items })
    }

    /// The message tree, every part in the form of the header's protocol version.
    ///
    /// # Errors
    /// When an item failed to parse or a field cannot be expressed in the version.
    pub fn to_ttlv(&self) -> Result<Ttlv> {
        let mut v = vec![self.header.to_ttlv()];
        for item in &self.items {
            v.push(item.to_ttlv(self.header.protocol_version)?);
        }
        Ok(Ttlv::structure(tags::REQUEST_MESSAGE, v))
    }
}

fn expect_tag(tree: &Ttlv, tag: keyhold_ttlv::Tag) -> Result<()> {
    if tree.tag == tag {
        Ok(())
    } else {
        Err(KmipError::Unexpected {
            field: tree.tag,
            within: tag,
        })
    }
}

/// Batch Count must match, and Unique Batch Item IDs must be unique (KMIP 1.4 sections 6.4
/// and 6.14, KMIP 2.1 sections 9.5 and 9.21).
fn check_batch<'a>(
    declared: i32,
    ids: impl ExactSizeIterator<Item = Option<&'a [u8]>>,
) -> Result<()> {
    let actual = ids.len();
    if usize::try_from(declared).ok() != Some(actual) {
        return Err(KmipError::BatchCount { declared, actual });
    }
    let mut seen = HashSet::new();
    for id in ids.flatten() {
        if !seen.insert(id) {
            return Err(KmipError::DuplicateBatchItemId);
        }
    }
    Ok(())
}

/// Response Header (KMIP 1.4 section 7.2, KMIP 2.1 section 8.5).
#[derive(Clone, Debug)]
pub struct ResponseHeader {
    /// Protocol Version (the version the response speaks).
    pub protocol_version: ProtocolVersion,
    /// Time Stamp (POSIX seconds).
    pub time_stamp: i64,
    /// Nonce, kept as sent.
    pub nonce: Option<Ttlv>,
    /// Server Hashed Password (2.x).
    pub server_hashed_password: Option<Vec<u8>>,
    /// Attestation Type*.
    pub attestation_types: Vec<u32>,
    /// Client Correlation Value.
    pub client_correlation_value: Option<String>,
    /// Server Correlation Value.
    pub server_correlation_value: Option<String>,
    /// Batch Count.
    pub batch_count: i32,
}

/// One result of a response batch.
#[derive(Clone, Debug)]
pub struct ResponseBatchItem {
    /// Operation (required when the request had it).
    pub operation: Option<Operation>,
    /// Unique Batch Item ID copied from the request.
    pub unique_batch_item_id: Option<Vec<u8>>,
    /// Result Status.
    pub result_status: ResultStatus,
    /// Result Reason (required when the status is not Success).
    pub result_reason: Option<ResultReason>,
    /// Result Message.
    pub result_message: Option<String>,
    /// Asynchronous Correlation Value.
    pub asynchronous_correlation_value: Option<Vec<u8>>,
    /// Response Payload.
    pub payload: Option<ResponsePayload>,
    /// Message Extension, kept as sent.
    pub message_extension: Option<Ttlv>,
}

/// Response Message (KMIP 1.4 section 7.1, KMIP 2.1 section 8.4).
#[derive(Clone, Debug)]
pub struct ResponseMessage {
    /// Response Header.
    pub header: ResponseHeader,
    /// Batch Items, in order.
    pub items: Vec<ResponseBatchItem>,
}

impl ResponseHeader {
    fn parse(item: &Ttlv) -> Result<ResponseHeader> {
        let mut r = Reader::new(item)?;
        let h = ResponseHeader {
            protocol_version: ProtocolVersion::parse(r.req(tags::PROTOCOL_VERSION)?)?,
            time_stamp: r.req_map(tags::TIME_STAMP, f::date_time)?,
            nonce: r.opt(tags::NONCE).cloned(),
            server_hashed_password: r.opt_map(tags::SERVER_HASHED_PASSWORD, f::bytes)?,
            attestation_types: r.many_map(tags::ATTESTATION_TYPE, f::enumeration)?,
            client_correlation_value: r.opt_map(tags::CLIENT_CORRELATION_VALUE, f::text)?,
            server_correlation_value: r.opt_map(tags::SERVER_CORRELATION_VALUE, f::text)?,
            batch_count: r.req_map(tags::BATCH_COUNT, f::int)?,
        };
        r.finish()?;
        Ok(h)
    }

    fn to_ttlv(&self) -> Ttlv {
        let mut v = vec![self.protocol_version.to_ttlv()];
        v.push(f::date_time_item(tags::TIME_STAMP, self.time_stamp));
        f::push_opt(&mut v, self.nonce.clone(), |n| n);
        let shp = self.server_hashed_password.as_deref();
        f::push_opt(&mut v, shp, |b| {
            f::bytes_item(tags::SERVER_HASHED_PASSWORD, b)
        });
        for t in &self.attestation_types {
            v.push(f::enum_item(tags::ATTESTATION_TYPE, *t));
        }
        push_text(
            &mut v,
            self.client_correlation_value.as_deref(),
            tags::CLIENT_CORRELATION_VALUE,
        );
        push_text(
            &mut v,
            self.server_correlation_value.as_deref(),
            tags::SERVER_CORRELATION_VALUE,
        );
        v.push(f::integer(tags::BATCH_COUNT, self.batch_count));
        Ttlv::structure(tags::RESPONSE_HEADER, v)
    }
}

impl ResponseBatchItem {
    fn parse(item: &Ttlv, version: ProtocolVersion) -> Result<ResponseBatchItem> {
        let mut r = Reader::new(item)?;
        let operation: Option<Operation> = r.opt_map(tags::OPERATION, f::enum_of)?;
        let unique_batch_item_id = r.opt_map(tags::UNIQUE_BATCH_ITEM_ID, f::bytes)?;
        let result_status = r.req_map(tags::RESULT_STATUS, f::enum_of)?;
        let result_reason = r.opt_map(tags::RESULT_REASON, f::enum_of)?;
        let result_message = r.opt_map(tags::RESULT_MESSAGE, f::text)?;
        let asynchronous_correlation_value =
            r.opt_map(tags::ASYNCHRONOUS_CORRELATION_VALUE, f::bytes)?;
        let payload = match (r.opt(tags::RESPONSE_PAYLOAD), operation) {
            (Some(p), Some(op)) => Some(ResponsePayload::parse(op, p, version)?),
            (Some(p), None) => Some(ResponsePayload::Other(p.clone())),
            (None, _) => None,
        };
        let message_extension = r.opt(tags::MESSAGE_EXTENSION).cloned();
        r.finish()?;
        Ok(ResponseBatchItem {
            operation,
            unique_batch_item_id,
            result_status,
            result_reason,
            result_message,
            asynchronous_correlation_value,
            payload,
            message_extension,
        })
    }

    fn to_ttlv(&self, version: ProtocolVersion) -> Result<Ttlv> {
        let mut v = Vec::new();
        f::push_opt(&mut v, self.operation, |o| f::enum_item(tags::OPERATION, o));
        let id = self.unique_batch_item_id.as_deref();
        f::push_opt(&mut v, id, |b| f::bytes_item(tags::UNIQUE_BATCH_ITEM_ID, b));
        v.push(f::enum_item(tags::RESULT_STATUS, self.result_status));
        f::push_opt(&mut v, self.result_reason, |r| {
            f::enum_item(tags::RESULT_REASON, r)
        });
        push_text(&mut v, self.result_message.as_deref(), tags::RESULT_MESSAGE);
        let acv = self.asynchronous_correlation_value.as_deref();
        f::push_opt(&mut v, acv, |b| {
            f::bytes_item(tags::ASYNCHRONOUS_CORRELATION_VALUE, b)
        });
        if let Some(p) = &self.payload {
            v.push(p.to_ttlv(tags::RESPONSE_PAYLOAD, version)?);
        }
        f::push_opt(&mut v, self.message_extension.clone(), |m| m);
        Ok(Ttlv::structure(tags::BATCH_ITEM, v))
    }

    /// The failure answer for a request item that could not be parsed or is not supported:
    /// Operation Failed with the error's reason (KMIP 1.4 sections 6.9–6.11, KMIP 2.1
    /// sections 9.17–9.19).
    pub fn failure(request: &RequestBatchItem, error: &KmipError) -> ResponseBatchItem {
        ResponseBatchItem {
            operation: Some(request.operation),
            unique_batch_item_id: request.unique_batch_item_id.clone(),
            result_status: ResultStatus::OperationFailed,
            result_reason: Some(error.reason()),
            result_message: Some(error.to_string()),
            asynchronous_correlation_value: None,
            payload: None,
            message_extension: None,
        }
    }
}

impl ResponseMessage {
    /// Parses a decoded Response Message.
    ///
    /// # Errors
    /// A [`KmipError`] naming the field.
    pub fn from_ttlv(tree: &Ttlv) -> Result<ResponseMessage> {
        expect_tag(tree, tags::RESPONSE_MESSAGE)?;
        let mut r = Reader::new(tree)?;
        let header = ResponseHeader::parse(r.req(tags::RESPONSE_HEADER)?)?;
        let version = header.protocol_version;
        let items = r
            .many(tags::BATCH_ITEM)
            .into_iter()
            .map(|i| ResponseBatchItem::parse(i, version))
            .collect::<Result<Vec<_>>>()?;
        r.finish()?;
        check_batch(
            header.batch_count,
            items.iter().map(|i| i.unique_batch_item_id.as_deref()),
        )?;
        Ok(ResponseMessage { header, items })
    }

    /// The message tree in the form of the header's protocol version.
    ///
    /// # Errors
    /// When a field cannot be expressed in the version.
    pub fn to_ttlv(&self) -> Result<Ttlv> {
        let mut v = vec![self.header.to_ttlv()];
        for item in &self.items {
            v.push(item.to_ttlv(self.header.protocol_version)?);
        }
        Ok(Ttlv::structure(tags::RESPONSE_MESSAGE, v))
    }
}
