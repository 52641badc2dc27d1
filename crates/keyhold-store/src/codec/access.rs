//! Access-control rows to column values and back: principals and their role
//! rows, tokens, certificate bindings, TOTP enrollments, policies, roles,
//! approvals and tenant settings. Column order is the one in
//! [`crate::queries`]; lists and documents are JSON text, enums their stable
//! names. Decoding never panics, and no error carries the stored text.

use std::collections::BTreeSet;

use keyhold_core::approval::{Approval, ApprovalState, Quorum};
use keyhold_core::{
    Action, ApprovalId, ApprovalRecord, CertBinding, CertMatcher, MfaEnrollment, PolicyId,
    PolicyRecord, Principal, PrincipalId, PrincipalKind, RoleRecord, SealedBlob, TenantId,
    TenantSettings, Timestamp, TokenId, TokenRecord,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{id, parse_core, parse_name};
use crate::error::{CorruptReason, StoreError};
use crate::queries;
use crate::value::{Cols, Value};

/// `value` as JSON text; a value serde cannot write is out of range.
fn to_json<T: Serialize>(field: &'static str, value: &T) -> Result<Value, StoreError> {
    serde_json::to_string(value)
        .map(Value::Text)
        .map_err(|_| StoreError::OutOfRange { field })
}

/// JSON text as `T`; serde's message may quote the text, so only "malformed
/// JSON" is kept.
fn from_json<T: DeserializeOwned>(what: &'static str, json: &str) -> Result<T, StoreError> {
    serde_json::from_str(json).map_err(|_| StoreError::corrupt(what, CorruptReason::Json))
}

fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

/// A `u64` the store keeps as an `i64`.
fn to_i64(field: &'static str, n: u64) -> Result<Value, StoreError> {
    i64::try_from(n)
        .map(Value::Int)
        .map_err(|_| StoreError::OutOfRange { field })
}

fn to_u64(what: &'static str, n: i64) -> Result<u64, StoreError> {
    u64::try_from(n).map_err(|_| StoreError::corrupt(what, CorruptReason::OutOfRange))
}

fn hash32(what: &'static str, bytes: &[u8]) -> Result<[u8; 32], StoreError> {
    <[u8; 32]>::try_from(bytes).map_err(|_| StoreError::corrupt(what, CorruptReason::HashLength))
}

/// The principal's columns.
pub(crate) fn principal_values(p: &Principal) -> Result<Vec<Value>, StoreError> {
    Ok(vec![
        id(p.id.as_bytes()),
        id(p.tenant.as_bytes()),
        text(p.name.as_str()),
        text(p.kind.as_str()),
        text(&p.description),
        to_json("principal.roles", &p.roles)?,
        to_json("principal.policies", &p.policies)?,
        Value::Bool(p.global_admin),
        Value::Bool(p.disabled),
        Value::time(p.created_at),
        Value::time(p.updated_at),
    ])
}

/// A principal from its columns.
pub(crate) fn principal_from(row: Vec<Value>) -> Result<Principal, StoreError> {
    let mut c = Cols::new(row);
    Ok(Principal {
        id: PrincipalId::from_bytes(c.id("principal.id")?),
        tenant: TenantId::from_bytes(c.id("principal.tenant_id")?),
        name: parse_core("principal.name", c.text("principal.name")?.try_into())?,
        kind: parse_name(
            "principal.kind",
            &c.text("principal.kind")?,
            &PrincipalKind::ALL,
            PrincipalKind::as_str,
        )?,
        description: c.text("principal.description")?,
        roles: from_json("principal.roles", &c.text("principal.roles")?)?,
        policies: from_json("principal.policies", &c.text("principal.policies")?)?,
        global_admin: c.bool("principal.global_admin")?,
        disabled: c.bool("principal.disabled")?,
        created_at: c.time("principal.created_at")?,
        updated_at: c.time("principal.updated_at")?,
    })
}

/// The `(tenant, principal)` parameters selecting a principal's rows.
pub(crate) fn principal_key(tenant: TenantId, principal: PrincipalId) -> [Value; 2] {
    [id(tenant.as_bytes()), id(principal.as_bytes())]
}

/// The rows of `principal_roles` for a principal: `(tenant, principal, role)`.
pub(crate) fn role_rows(p: &Principal) -> impl Iterator<Item = [Value; 3]> + '_ {
    p.roles.iter().map(|r| {
        [
            id(p.tenant.as_bytes()),
            id(p.id.as_bytes()),
            text(r.as_str()),
        ]
    })
}

/// The token's columns.
pub(crate) fn token_values(t: &TokenRecord) -> Result<Vec<Value>, StoreError> {
    Ok(vec![
        id(t.id.as_bytes()),
        id(t.tenant.as_bytes()),
        id(t.principal.as_bytes()),
        Value::Blob(t.hash.to_vec()),
        text(&t.description),
        Value::time(t.created_at),
        Value::opt(t.expires_at, Value::time),
        to_json("token.source_cidrs", &t.source_cidrs)?,
        Value::opt(t.revoked_at, Value::time),
    ])
}

/// A token from its columns.
pub(crate) fn token_from(row: Vec<Value>) -> Result<TokenRecord, StoreError> {
    let mut c = Cols::new(row);
    Ok(TokenRecord {
        id: TokenId::from_bytes(c.id("token.id")?),
        tenant: TenantId::from_bytes(c.id("token.tenant_id")?),
        principal: PrincipalId::from_bytes(c.id("token.principal_id")?),
        hash: hash32("token.hash", &c.blob("token.hash")?)?,
        description: c.text("token.description")?,
        created_at: c.time("token.created_at")?,
        expires_at: c.opt_time("token.expires_at")?,
        source_cidrs: from_json("token.source_cidrs", &c.text("token.source_cidrs")?)?,
        revoked_at: c.opt_time("token.revoked_at")?,
    })
}

/// The statement and parameters listing a tenant's tokens by id.
pub(crate) fn token_list(
    tenant: TenantId,
    principal: Option<PrincipalId>,
    after: Option<TokenId>,
    limit: u32,
) -> (&'static str, Vec<Value>) {
    let sql = match principal {
        Some(_) => queries::TOKENS_OF_PRINCIPAL,
        None => queries::TOKENS,
    };
    let values = vec![
        id(tenant.as_bytes()),
        Value::opt(principal, |p| id(p.as_bytes())),
        Value::opt(after, |a| id(a.as_bytes())),
        Value::Int(i64::from(limit)),
    ];
    (sql, values)
}

const FINGERPRINT: &str = "fingerprint";
const SUBJECT: &str = "subject";

/// The `(kind, matcher)` columns of a certificate matcher.
pub(crate) fn matcher_values(m: &CertMatcher) -> [Value; 2] {
    match m {
        CertMatcher::Fingerprint(fp) => [text(FINGERPRINT), Value::Text(hex::encode(fp))],
        CertMatcher::Subject(dn) => [text(SUBJECT), text(dn)],
    }
}

/// The binding's columns.
pub(crate) fn cert_values(b: &CertBinding) -> Vec<Value> {
    let [kind, matcher] = matcher_values(&b.matcher);
    vec![
        kind,
        matcher,
        id(b.tenant.as_bytes()),
        id(b.principal.as_bytes()),
    ]
}

/// A binding from its columns.
pub(crate) fn cert_from(row: Vec<Value>) -> Result<CertBinding, StoreError> {
    let mut c = Cols::new(row);
    let kind = c.text("principal_cert.kind")?;
    let matcher = c.text("principal_cert.matcher")?;
    let matcher = match kind.as_str() {
        FINGERPRINT => {
            let mut fp = [0; 32];
            hex::decode_to_slice(&matcher, &mut fp).map_err(|_| {
                StoreError::corrupt("principal_cert.matcher", CorruptReason::HashLength)
            })?;
            CertMatcher::Fingerprint(fp)
        }
        SUBJECT => parse_core("principal_cert.matcher", CertMatcher::subject(&matcher))?,
        _ => {
            return Err(StoreError::corrupt(
                "principal_cert.kind",
                CorruptReason::UnknownName,
            ));
        }
    };
    Ok(CertBinding {
        tenant: TenantId::from_bytes(c.id("principal_cert.tenant_id")?),
        principal: PrincipalId::from_bytes(c.id("principal_cert.principal_id")?),
        matcher,
    })
}

/// The enrollment's columns.
pub(crate) fn mfa_values(m: &MfaEnrollment) -> Result<Vec<Value>, StoreError> {
    Ok(vec![
        id(m.principal.as_bytes()),
        Value::Blob(m.sealed_secret.as_bytes().to_vec()),
        Value::Bool(m.confirmed),
        m.last_used_step
            .map(|s| to_i64("mfa.last_used_step", s))
            .transpose()?
            .unwrap_or(Value::Null),
        Value::time(m.created_at),
    ])
}

/// An enrollment from its columns.
pub(crate) fn mfa_from(row: Vec<Value>) -> Result<MfaEnrollment, StoreError> {
    let mut c = Cols::new(row);
    Ok(MfaEnrollment {
        principal: PrincipalId::from_bytes(c.id("mfa.principal_id")?),
        sealed_secret: SealedBlob::new(c.blob("mfa.sealed_secret")?),
        confirmed: c.bool("mfa.confirmed")?,
        last_used_step: c
            .opt_int("mfa.last_used_step")?
            .map(|n| to_u64("mfa.last_used_step", n))
            .transpose()?,
        created_at: c.time("mfa.created_at")?,
    })
}

/// The policy's columns.
pub(crate) fn policy_values(p: &PolicyRecord) -> Result<Vec<Value>, StoreError> {
    Ok(vec![
        id(p.id.as_bytes()),
        id(p.tenant.as_bytes()),
        text(p.name.as_str()),
        text(&p.description),
        to_json("policy.statements", &p.statements)?,
        Value::time(p.created_at),
        Value::time(p.updated_at),
    ])
}

/// A policy from its columns.
pub(crate) fn policy_from(row: Vec<Value>) -> Result<PolicyRecord, StoreError> {
    let mut c = Cols::new(row);
    Ok(PolicyRecord {
        id: PolicyId::from_bytes(c.id("policy.id")?),
        tenant: TenantId::from_bytes(c.id("policy.tenant_id")?),
        name: parse_core("policy.name", c.text("policy.name")?.try_into())?,
        description: c.text("policy.description")?,
        statements: from_json("policy.statements", &c.text("policy.statements")?)?,
        created_at: c.time("policy.created_at")?,
        updated_at: c.time("policy.updated_at")?,
    })
}

/// The role's columns.
pub(crate) fn role_values(r: &RoleRecord) -> Result<Vec<Value>, StoreError> {
    Ok(vec![
        id(r.tenant.as_bytes()),
        text(r.name.as_str()),
        text(&r.description),
        to_json("role.policies", &r.policies)?,
        Value::time(r.created_at),
        Value::time(r.updated_at),
    ])
}

/// A role from its columns.
pub(crate) fn role_from(row: Vec<Value>) -> Result<RoleRecord, StoreError> {
    let mut c = Cols::new(row);
    Ok(RoleRecord {
        tenant: TenantId::from_bytes(c.id("role.tenant_id")?),
        name: parse_core("role.name", c.text("role.name")?.try_into())?,
        description: c.text("role.description")?,
        policies: from_json("role.policies", &c.text("role.policies")?)?,
        created_at: c.time("role.created_at")?,
        updated_at: c.time("role.updated_at")?,
    })
}

/// The approval's columns.
pub(crate) fn approval_values(r: &ApprovalRecord) -> Result<Vec<Value>, StoreError> {
    let a = &r.approval;
    Ok(vec![
        id(r.id.as_bytes()),
        id(r.tenant.as_bytes()),
        text(a.action.as_str()),
        id(a.requester.as_bytes()),
        Value::Int(i64::from(a.quorum.required())),
        to_json("approval.approvers", &a.approvers)?,
        Value::opt(a.denied_by, |d| id(d.as_bytes())),
        text(a.state.as_str()),
        Value::time(a.created_at),
        Value::time(a.expires_at),
        text(&r.resource),
        Value::Text(r.request.to_string()),
        Value::opt(r.executed_result.as_ref(), |v| Value::Text(v.to_string())),
    ])
}

/// An approval from its columns.
pub(crate) fn approval_from(row: Vec<Value>) -> Result<ApprovalRecord, StoreError> {
    let mut c = Cols::new(row);
    let id = ApprovalId::from_bytes(c.id("approval.id")?);
    let tenant = TenantId::from_bytes(c.id("approval.tenant_id")?);
    let approval = Approval {
        action: parse_name(
            "approval.action",
            &c.text("approval.action")?,
            Action::ALL,
            Action::as_str,
        )?,
        requester: PrincipalId::from_bytes(c.id("approval.requester")?),
        quorum: quorum_from(c.int("approval.required")?)?,
        approvers: from_json::<BTreeSet<PrincipalId>>(
            "approval.approvers",
            &c.text("approval.approvers")?,
        )?,
        denied_by: c.opt_id("approval.denied_by")?.map(PrincipalId::from_bytes),
        state: parse_name(
            "approval.state",
            &c.text("approval.state")?,
            &ApprovalState::ALL,
            ApprovalState::as_str,
        )?,
        created_at: c.time("approval.created_at")?,
        expires_at: c.time("approval.expires_at")?,
    };
    Ok(ApprovalRecord {
        id,
        tenant,
        approval,
        resource: c.text("approval.resource")?,
        request: from_json("approval.request", &c.text("approval.request")?)?,
        executed_result: c
            .opt_text("approval.executed_result")?
            .map(|j| from_json("approval.executed_result", &j))
            .transpose()?,
    })
}

/// A stored quorum: the eligible approvers were counted when it was made,
/// so only a non-zero count that fits a `u8` is checked here.
fn quorum_from(n: i64) -> Result<Quorum, StoreError> {
    const WHAT: &str = "approval.required";
    let required =
        u8::try_from(n).map_err(|_| StoreError::corrupt(WHAT, CorruptReason::OutOfRange))?;
    Quorum::new(required, usize::from(required))
        .map_err(|_| StoreError::corrupt(WHAT, CorruptReason::OutOfRange))
}

/// The statement and parameters listing a tenant's approvals.
pub(crate) fn approval_list(
    tenant: TenantId,
    state: Option<ApprovalState>,
    after: Option<ApprovalId>,
    limit: u32,
) -> (&'static str, Vec<Value>) {
    let sql = match state {
        Some(_) => queries::APPROVALS_IN_STATE,
        None => queries::APPROVALS,
    };
    let values = vec![
        id(tenant.as_bytes()),
        Value::opt(state, |s| text(s.as_str())),
        Value::opt(after, |a| id(a.as_bytes())),
        Value::Int(i64::from(limit)),
    ];
    (sql, values)
}

/// The parameters of the expiry sweep.
pub(crate) fn expiring_params(now: Timestamp, limit: u32) -> [Value; 3] {
    [
        text(ApprovalState::Pending.as_str()),
        Value::time(now),
        Value::Int(i64::from(limit)),
    ]
}

/// The tenant settings' columns.
pub(crate) fn settings_values(
    tenant: TenantId,
    s: &TenantSettings,
) -> Result<Vec<Value>, StoreError> {
    Ok(vec![
        id(tenant.as_bytes()),
        to_json("tenant_settings.settings", s)?,
    ])
}

/// Tenant settings from their one column.
pub(crate) fn settings_from(row: Vec<Value>) -> Result<TenantSettings, StoreError> {
    let mut c = Cols::new(row);
    from_json(
        "tenant_settings.settings",
        &c.text("tenant_settings.settings")?,
    )
}

#[cfg(test)]
mod tests;
