//! Key use: the last-use times the server writes in batches, and the
//! unused-key scan of one tenant. The store answers "which active keys have
//! neither changed nor been used since a time"; whether to warn or suspend
//! is the server's decision.

use keyhold_core::{KeyId, TenantId, Timestamp};

use crate::value::Value;

/// One tenant's unused-key scan: active keys (primary version Active, not
/// archived, no destruction scheduled) neither changed nor used since
/// `warn_before`, and either not warned since then or also idle since
/// `suspend_before`; by key id, after `after`, at most `limit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IdleQuery {
    /// The tenant.
    pub tenant: TenantId,
    /// Keys idle since at least this time enter their warning window.
    pub warn_before: Timestamp,
    /// Keys idle since at least this time are due for suspension.
    pub suspend_before: Timestamp,
    /// The last key of the previous page.
    pub after: Option<KeyId>,
    /// The most keys to return.
    pub limit: u32,
}

/// The scan's parameters.
pub(crate) fn params(q: &IdleQuery) -> [Value; 5] {
    [
        Value::Blob(q.tenant.as_bytes().to_vec()),
        Value::time(q.warn_before),
        Value::time(q.suspend_before),
        Value::Blob(q.after.map(|k| k.as_bytes().to_vec()).unwrap_or_default()),
        Value::Int(i64::from(q.limit)),
    ]
}

/// The parameters of `KEY_MARK_USED`.
pub(crate) fn used_params(key: KeyId, at: Timestamp) -> [Value; 2] {
    [Value::Blob(key.as_bytes().to_vec()), Value::time(at)]
}

/// The parameters of `KEY_MARK_IDLE_WARNED`.
pub(crate) fn warned_params(tenant: TenantId, key: KeyId, at: Timestamp) -> [Value; 3] {
    [
        Value::Blob(key.as_bytes().to_vec()),
        Value::Blob(tenant.as_bytes().to_vec()),
        Value::time(at),
    ]
}
