//! The audit trail on the wire (DESIGN.md section 7): events and signed
//! checkpoints as the REST API shows them, and the JSON-lines export that
//! `keyhold audit verify` checks offline and SIEM sinks receive.
//!
//! An export is one JSON object per line, each an [`ExportLine`]:
//! `{"event": {...}}` or `{"checkpoint": {...}}`. Hashes, MACs, signer
//! fingerprints and signatures are lowercase hex; times are RFC 3339.
//!
//! The views convert losslessly to and from the `keyhold-core` types: a view
//! converted back gives an event with the same canonical bytes, so its hash
//! chain still verifies.

use std::collections::BTreeMap;
use std::net::IpAddr;

use keyhold_core::audit::{
    AuditEvent, AuditRecord, AuthMethod, ChainHash, ChainHead, Checkpoint, Interface, Outcome,
    OutcomeKind,
};
use keyhold_core::{Action, KeyId, PrincipalId, RequestId, TenantId, Timestamp, VersionNumber};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::b64::Base64;

/// One audit event, in its place in the chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditEventView {
    /// Position in the trail, from 1, without gaps.
    #[schema(minimum = 1)]
    pub seq: u64,
    /// When the request arrived.
    #[schema(value_type = String, format = DateTime)]
    pub time: Timestamp,
    /// The request's id.
    #[schema(value_type = String, format = Uuid)]
    pub request_id: RequestId,
    /// The caller's tenant, once known.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub tenant: Option<TenantId>,
    /// The caller, once authenticated.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub principal: Option<PrincipalId>,
    /// How the caller authenticated.
    #[schema(value_type = AuthMethodSchema)]
    pub auth: AuthMethod,
    /// The peer address.
    #[schema(value_type = Option<String>, example = "192.0.2.10")]
    pub source: Option<IpAddr>,
    /// The interface the request came through.
    #[schema(value_type = InterfaceSchema)]
    pub interface: Interface,
    /// What was asked, e.g. `key:encrypt`.
    #[schema(value_type = String, example = "key:encrypt")]
    pub action: Action,
    /// The key concerned.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub key: Option<KeyId>,
    /// The key version concerned.
    #[schema(value_type = Option<u32>, minimum = 1)]
    pub version: Option<VersionNumber>,
    /// How it ended.
    pub outcome: OutcomeView,
    /// Non-secret detail (algorithm, encryption-context entries, ...).
    pub context: BTreeMap<String, String>,
    /// The previous event's link (64 zeros before the first), hex.
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub prev: String,
    /// This event's link, hex.
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub hash: String,
    /// The link's MAC under the audit key, hex.
    #[schema(pattern = "^[0-9a-f]*$")]
    pub mac: String,
}

/// How a request ended: `result` and, unless `ok`, the stable error code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeView {
    /// `ok`, `denied` or `error`.
    #[schema(value_type = OutcomeResultSchema)]
    pub result: OutcomeKind,
    /// The error code (absent when `ok`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// A signed statement that the trail reached `hash` at event `seq`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckpointView {
    /// The event it covers.
    #[schema(minimum = 1)]
    pub seq: u64,
    /// That event's link, hex.
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub hash: String,
    /// When it was made.
    #[schema(value_type = String, format = DateTime)]
    pub time: Timestamp,
    /// SHA-256 fingerprint of the signing public key, hex.
    #[schema(pattern = "^[0-9a-f]*$")]
    pub signer: String,
    /// Ed25519 signature, hex.
    #[schema(pattern = "^[0-9a-f]*$")]
    pub signature: String,
}

/// One line of a JSON-lines export.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExportLine {
    /// `{"event": {...}}`
    Event(AuditEventView),
    /// `{"checkpoint": {...}}`
    Checkpoint(CheckpointView),
}

/// `GET /v1/audit/events`: a page of events in sequence order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditEventsPage {
    /// The events.
    pub events: Vec<AuditEventView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<u64>,
}

/// `GET /v1/audit/events` query string. Every filter is optional; they
/// combine with AND.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditEventsQuery {
    /// Only events at or after this time (RFC 3339; encode `+` as `%2B`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub from: Option<Timestamp>,
    /// Only events before this time (RFC 3339, exclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub to: Option<Timestamp>,
    /// Only events of this principal (id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<String>, format = Uuid)]
    pub principal: Option<PrincipalId>,
    /// Only events concerning this key (id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<String>, format = Uuid)]
    pub key: Option<KeyId>,
    /// Only events of this action, e.g. `key:encrypt`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<String>, example = "key:encrypt")]
    pub action: Option<Action>,
    /// Only events that ended this way: `ok`, `denied` or `error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<OutcomeResultSchema>, inline)]
    pub outcome: Option<OutcomeKind>,
    /// The `next_cursor` of the previous page (the last sequence number
    /// it held).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(minimum = 0)]
    pub cursor: Option<u64>,
    /// At most this many events (1 to 1000, default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
}

/// The result of verifying the trail (online, or a copy offline).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyReport {
    /// Whether everything verified.
    pub ok: bool,
    /// Events verified.
    pub events: u64,
    /// Checkpoints verified.
    pub checkpoints: u64,
    /// The last verified event's sequence number.
    pub head_seq: u64,
    /// Its link, hex.
    pub head_hash: String,
    /// Where it breaks.
    pub broken_at: Option<u64>,
    /// How it breaks, one of [`PROBLEM_KINDS`].
    #[schema(example = "hash")]
    pub problem: Option<String>,
}

impl VerifyReport {
    /// A trail that verified up to `head`.
    pub fn verified(head: ChainHead, events: u64, checkpoints: u64) -> Self {
        Self {
            ok: true,
            events,
            checkpoints,
            head_seq: head.seq,
            head_hash: hex::encode(head.hash.0),
            broken_at: None,
            problem: None,
        }
    }

    /// A trail that verified up to `head`, then broke at event `seq` with
    /// `problem` (one of [`PROBLEM_KINDS`]).
    pub fn broken(
        head: ChainHead,
        events: u64,
        checkpoints: u64,
        seq: Option<u64>,
        problem: &str,
    ) -> Self {
        Self {
            ok: false,
            broken_at: seq,
            problem: Some(problem.to_owned()),
            ..Self::verified(head, events, checkpoints)
        }
    }
}

/// The stable names a [`VerifyReport::problem`] takes. `malformed` is a line
/// that does not parse; the others are the chain and checkpoint breaks.
pub const PROBLEM_KINDS: [&str; 8] = [
    "sequence",
    "prev",
    "hash",
    "mac",
    "checkpoint-signature",
    "checkpoint-mismatch",
    "truncated",
    "malformed",
];

/// `GET /v1/audit/public-key`: the key that verifies checkpoints offline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditPublicKey {
    /// Always `ed25519`.
    pub algorithm: AuditKeyAlgorithm,
    /// The raw 32-byte public key (RFC 8032), base64.
    pub public_key: Base64,
    /// SHA-256 of the public key, hex: the `signer` of its checkpoints.
    pub fingerprint: String,
}

/// The audit signing algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum AuditKeyAlgorithm {
    /// Ed25519 (RFC 8032).
    Ed25519,
}

/// Why a view does not convert to its core type.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ViewError {
    /// A hex field does not decode.
    #[error("audit field {field} is not hex")]
    Hex {
        /// The field.
        field: &'static str,
        /// The decoder's error.
        #[source]
        source: hex::FromHexError,
    },
    /// A link is not 32 bytes.
    #[error("audit field {field} is {len} bytes, not 32")]
    LinkLength {
        /// The field.
        field: &'static str,
        /// Its decoded length.
        len: usize,
    },
    /// `ok` with a code, or `denied`/`error` without one.
    #[error("audit outcome {result}: ok takes no code, denied and error need one")]
    OutcomeCode {
        /// The result named.
        result: &'static str,
    },
}

impl From<&AuditEvent> for AuditEventView {
    fn from(e: &AuditEvent) -> Self {
        let r = &e.record;
        Self {
            seq: e.seq,
            time: r.time,
            request_id: r.request_id,
            tenant: r.tenant,
            principal: r.principal,
            auth: r.auth,
            source: r.source,
            interface: r.interface,
            action: r.action,
            key: r.key,
            version: r.version,
            outcome: OutcomeView::from(&r.outcome),
            context: r.context.clone(),
            prev: hex::encode(e.prev.0),
            hash: hex::encode(e.hash.0),
            mac: hex::encode(&e.mac),
        }
    }
}

impl TryFrom<AuditEventView> for AuditEvent {
    type Error = ViewError;
    fn try_from(v: AuditEventView) -> Result<Self, ViewError> {
        Ok(Self {
            seq: v.seq,
            prev: link("prev", &v.prev)?,
            hash: link("hash", &v.hash)?,
            mac: bytes("mac", &v.mac)?,
            record: AuditRecord {
                time: v.time,
                request_id: v.request_id,
                tenant: v.tenant,
                principal: v.principal,
                auth: v.auth,
                source: v.source,
                interface: v.interface,
                action: v.action,
                key: v.key,
                version: v.version,
                outcome: Outcome::try_from(v.outcome)?,
                context: v.context,
            },
        })
    }
}

impl From<&Outcome> for OutcomeView {
    fn from(o: &Outcome) -> Self {
        Self {
            result: o.kind(),
            code: o.code().map(str::to_owned),
        }
    }
}

impl TryFrom<OutcomeView> for Outcome {
    type Error = ViewError;
    fn try_from(v: OutcomeView) -> Result<Self, ViewError> {
        let refused = || ViewError::OutcomeCode {
            result: v.result.as_str(),
        };
        match (v.result, v.code) {
            (OutcomeKind::Ok, None) => Ok(Self::Ok),
            (OutcomeKind::Denied, Some(code)) => Ok(Self::Denied { code }),
            (OutcomeKind::Error, Some(code)) => Ok(Self::Error { code }),
            _ => Err(refused()),
        }
    }
}

impl From<&Checkpoint> for CheckpointView {
    fn from(c: &Checkpoint) -> Self {
        Self {
            seq: c.seq,
            hash: hex::encode(c.hash.0),
            time: c.time,
            signer: hex::encode(&c.signer),
            signature: hex::encode(&c.signature),
        }
    }
}

impl TryFrom<CheckpointView> for Checkpoint {
    type Error = ViewError;
    fn try_from(v: CheckpointView) -> Result<Self, ViewError> {
        Ok(Self {
            seq: v.seq,
            hash: link("hash", &v.hash)?,
            time: v.time,
            signer: bytes("signer", &v.signer)?,
            signature: bytes("signature", &v.signature)?,
        })
    }
}

fn bytes(field: &'static str, text: &str) -> Result<Vec<u8>, ViewError> {
    hex::decode(text).map_err(|source| ViewError::Hex { field, source })
}

fn link(field: &'static str, text: &str) -> Result<ChainHash, ViewError> {
    let raw = bytes(field, text)?;
    let len = raw.len();
    <[u8; 32]>::try_from(raw)
        .map(ChainHash)
        .map_err(|_| ViewError::LinkLength { field, len })
}

/// How a caller authenticated (`keyhold_core::audit::AuthMethod`).
#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
#[schema(as = AuthMethod)]
pub enum AuthMethodSchema {
    /// No valid credentials.
    None,
    /// The root token made at init.
    RootToken,
    /// A principal's bearer token.
    Token,
    /// A TLS client certificate.
    ClientCertificate,
    /// The server itself.
    Internal,
}

/// The interface a request came through (`keyhold_core::audit::Interface`).
#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
#[schema(as = Interface)]
pub enum InterfaceSchema {
    /// The REST API.
    Rest,
    /// The KMIP listener.
    Kmip,
    /// The server's scheduler.
    Scheduler,
}

/// How a request ended (`keyhold_core::audit::OutcomeKind`).
#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
#[schema(as = OutcomeResult)]
pub enum OutcomeResultSchema {
    /// Done.
    Ok,
    /// Refused by authentication or authorization.
    Denied,
    /// Failed.
    Error,
}

#[cfg(test)]
mod tests;

/// One SIEM sink (`GET /v1/audit/sinks`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditSinkStatus {
    /// Its configured name.
    pub name: String,
    /// `file` or `syslog`.
    pub kind: String,
    /// The last event it delivered (the store is the source of truth; a sink
    /// that was down catches up from here).
    pub delivered_seq: u64,
    /// Why delivery fails, while it fails.
    pub last_error: Option<String>,
    /// Since when it fails, while it fails.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub failing_since: Option<Timestamp>,
}

/// `GET /v1/audit/sinks`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditSinks {
    /// Every configured sink, in configuration order.
    pub sinks: Vec<AuditSinkStatus>,
}
