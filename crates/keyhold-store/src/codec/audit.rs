//! Audit events and checkpoints to column values and back. Column order is
//! the one in [`crate::queries`]; enums are their stable names, ids 16-byte
//! blobs, the context a JSON object. Decoding never panics.

use std::net::IpAddr;

use keyhold_core::audit::{
    AuditEvent, AuditRecord, AuthMethod, ChainHash, ChainHead, Checkpoint, Interface, Outcome,
    OutcomeKind,
};
use keyhold_core::{Action, KeyId, PrincipalId, RequestId, TenantId};

use super::{id, parse_name, parse_string_map, string_map_json, to_version};
use crate::audit::AuditQuery;
use crate::error::{CorruptReason, StoreError};
use crate::queries;
use crate::value::{Cols, Value};

/// A sequence number as the store holds it; above `i64::MAX` is out of range.
fn seq(n: u64, field: &'static str) -> Result<Value, StoreError> {
    i64::try_from(n)
        .map(Value::Int)
        .map_err(|_| StoreError::OutOfRange { field })
}

/// The event's columns.
pub(crate) fn event_values(e: &AuditEvent) -> Result<Vec<Value>, StoreError> {
    let r = &e.record;
    Ok(vec![
        seq(e.seq, "audit_event.seq")?,
        Value::time(r.time),
        id(r.request_id.as_bytes()),
        Value::opt(r.tenant, |t| id(t.as_bytes())),
        Value::opt(r.principal, |p| id(p.as_bytes())),
        Value::Text(r.auth.as_str().to_owned()),
        Value::opt(r.source, |s| Value::Text(s.to_string())),
        Value::Text(r.interface.as_str().to_owned()),
        Value::Text(r.action.as_str().to_owned()),
        Value::opt(r.key, |k| id(k.as_bytes())),
        Value::opt(r.version, super::version_number),
        Value::Text(r.outcome.kind().as_str().to_owned()),
        Value::opt(r.outcome.code(), |c| Value::Text(c.to_owned())),
        Value::Text(string_map_json(&r.context)),
        Value::Blob(e.prev.0.to_vec()),
        Value::Blob(e.hash.0.to_vec()),
        Value::Blob(e.mac.clone()),
    ])
}

/// An event from its columns.
pub(crate) fn event_from(row: Vec<Value>) -> Result<AuditEvent, StoreError> {
    let mut c = Cols::new(row);
    let seq = to_seq("audit_event.seq", c.int("audit_event.seq")?)?;
    let record = AuditRecord {
        time: c.time("audit_event.time")?,
        request_id: RequestId::from_bytes(c.id("audit_event.request_id")?),
        tenant: c.opt_id("audit_event.tenant_id")?.map(TenantId::from_bytes),
        principal: c
            .opt_id("audit_event.principal_id")?
            .map(PrincipalId::from_bytes),
        auth: parse_name(
            "audit_event.auth",
            &c.text("audit_event.auth")?,
            &AuthMethod::ALL,
            AuthMethod::as_str,
        )?,
        source: c
            .opt_text("audit_event.source")?
            .map(|s| parse_address("audit_event.source", &s))
            .transpose()?,
        interface: parse_name(
            "audit_event.interface",
            &c.text("audit_event.interface")?,
            &Interface::ALL,
            Interface::as_str,
        )?,
        action: parse_name(
            "audit_event.action",
            &c.text("audit_event.action")?,
            Action::ALL,
            Action::as_str,
        )?,
        key: c.opt_id("audit_event.key_id")?.map(KeyId::from_bytes),
        version: c
            .opt_int("audit_event.version")?
            .map(|n| to_version("audit_event.version", n))
            .transpose()?,
        outcome: outcome_from(&mut c)?,
        context: parse_string_map("audit_event.context", &c.text("audit_event.context")?)?,
    };
    Ok(AuditEvent {
        seq,
        prev: hash(&mut c, "audit_event.prev_hash")?,
        hash: hash(&mut c, "audit_event.hash")?,
        mac: c.blob("audit_event.mac")?,
        record,
    })
}

/// The outcome from its two columns: a kind, and a code exactly when the
/// kind is not `ok`.
fn outcome_from(c: &mut Cols) -> Result<Outcome, StoreError> {
    const WHAT: &str = "audit_event.outcome";
    let kind = parse_name(WHAT, &c.text(WHAT)?, &OutcomeKind::ALL, OutcomeKind::as_str)?;
    let code = c.opt_text("audit_event.outcome_code")?;
    match (kind, code) {
        (OutcomeKind::Ok, None) => Ok(Outcome::Ok),
        (OutcomeKind::Denied, Some(code)) => Ok(Outcome::Denied { code }),
        (OutcomeKind::Error, Some(code)) => Ok(Outcome::Error { code }),
        (OutcomeKind::Ok, Some(_)) | (OutcomeKind::Denied | OutcomeKind::Error, None) => Err(
            StoreError::corrupt("audit_event.outcome_code", CorruptReason::Inconsistent),
        ),
    }
}

/// The chain head from the `seq, hash` of the last event; the genesis head
/// when there is none.
pub(crate) fn head_from(row: Option<Vec<Value>>) -> Result<ChainHead, StoreError> {
    let Some(row) = row else {
        return Ok(ChainHead::GENESIS);
    };
    let mut c = Cols::new(row);
    Ok(ChainHead {
        seq: to_seq("audit_event.seq", c.int("audit_event.seq")?)?,
        hash: hash(&mut c, "audit_event.hash")?,
    })
}

/// The checkpoint's columns.
pub(crate) fn checkpoint_values(cp: &Checkpoint) -> Result<Vec<Value>, StoreError> {
    Ok(vec![
        seq(cp.seq, "audit_checkpoint.seq")?,
        Value::Blob(cp.hash.0.to_vec()),
        Value::time(cp.time),
        Value::Blob(cp.signer.clone()),
        Value::Blob(cp.signature.clone()),
    ])
}

/// A checkpoint from its columns.
pub(crate) fn checkpoint_from(row: Vec<Value>) -> Result<Checkpoint, StoreError> {
    let mut c = Cols::new(row);
    Ok(Checkpoint {
        seq: to_seq("audit_checkpoint.seq", c.int("audit_checkpoint.seq")?)?,
        hash: hash(&mut c, "audit_checkpoint.hash")?,
        time: c.time("audit_checkpoint.time")?,
        signer: c.blob("audit_checkpoint.signer")?,
        signature: c.blob("audit_checkpoint.signature")?,
    })
}

/// The statement and parameters of an event query. The statement walks the
/// index of the most selective filter given (key, principal, tenant, action,
/// start time), else the sequence order.
pub(crate) fn audit_list(q: &AuditQuery) -> (&'static str, Vec<Value>) {
    let sql = if q.key.is_some() {
        queries::AUDIT_EVENTS_BY_KEY
    } else if q.principal.is_some() {
        queries::AUDIT_EVENTS_BY_PRINCIPAL
    } else if q.tenant.is_some() {
        queries::AUDIT_EVENTS_BY_TENANT
    } else if q.action.is_some() {
        queries::AUDIT_EVENTS_BY_ACTION
    } else if q.time_from.is_some() {
        queries::AUDIT_EVENTS_BY_TIME
    } else {
        queries::AUDIT_EVENTS
    };
    let values = vec![
        // Nothing is stored above i64::MAX: a cursor past it finds nothing.
        Value::Int(i64::try_from(q.after).unwrap_or(i64::MAX)),
        Value::opt(q.time_from, Value::time),
        Value::opt(q.time_to, Value::time),
        Value::opt(q.tenant, |t| id(t.as_bytes())),
        Value::opt(q.principal, |p| id(p.as_bytes())),
        Value::opt(q.key, |k| id(k.as_bytes())),
        Value::opt(q.action, |a| Value::Text(a.as_str().to_owned())),
        Value::opt(q.outcome, |o| Value::Text(o.as_str().to_owned())),
        Value::Int(i64::from(q.limit)),
    ];
    (sql, values)
}

fn to_seq(what: &'static str, n: i64) -> Result<u64, StoreError> {
    u64::try_from(n).map_err(|_| StoreError::corrupt(what, CorruptReason::OutOfRange))
}

fn hash(c: &mut Cols, what: &'static str) -> Result<ChainHash, StoreError> {
    let bytes = c.blob(what)?;
    <[u8; 32]>::try_from(bytes.as_slice())
        .map(ChainHash)
        .map_err(|_| StoreError::corrupt(what, CorruptReason::HashLength))
}

fn parse_address(what: &'static str, s: &str) -> Result<IpAddr, StoreError> {
    s.parse()
        .map_err(|_| StoreError::corrupt(what, CorruptReason::Address))
}

#[cfg(test)]
mod tests;
