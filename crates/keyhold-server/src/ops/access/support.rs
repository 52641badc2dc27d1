//! What the access-management operations share: paging, description
//! limits, lookups by name inside a transaction, and the mapping of store
//! conflicts to the caller's error.

use std::collections::BTreeSet;
use std::str::FromStr;

use keyhold_api::access::MAX_DESCRIPTION_BYTES;
use keyhold_core::{PolicyName, Principal, PrincipalName, RoleName, TenantId, TenantSettings};
use keyhold_store::{ReadTx, StoreError, TxError};

use crate::error::ServerError;

/// Page size when the caller names none, and the largest allowed.
const DEFAULT_PAGE: u32 = 100;
const MAX_PAGE: u32 = 1000;

/// A transaction body's result.
pub(super) type TxResult<T> = Result<T, TxError<ServerError>>;

/// Aborts a transaction with `e`.
pub(super) fn abort(e: ServerError) -> TxError<ServerError> {
    TxError::Abort(e)
}

/// A store conflict as `taken`, any other store error as itself.
pub(super) fn conflict_is(taken: ServerError) -> impl FnOnce(StoreError) -> TxError<ServerError> {
    move |e| match e {
        StoreError::Conflict { .. } => TxError::Abort(taken),
        other => TxError::Store(other),
    }
}

/// A store "not found" as `missing`, any other store error as itself.
pub(super) fn missing_is(missing: ServerError) -> impl FnOnce(StoreError) -> TxError<ServerError> {
    move |e| match e {
        StoreError::NotFound { .. } => TxError::Abort(missing),
        other => TxError::Store(other),
    }
}

/// The page size asked for, checked (1 to 1000, default 100).
pub(super) fn page_limit(limit: Option<u32>) -> Result<u32, ServerError> {
    let limit = limit.unwrap_or(DEFAULT_PAGE);
    if limit == 0 || limit > MAX_PAGE {
        return Err(ServerError::InvalidRequest {
            detail: "limit must be 1 to 1000".into(),
        });
    }
    Ok(limit)
}

/// A cursor parsed back into what it names.
pub(super) fn cursor<T: FromStr>(cursor: Option<&str>) -> Result<Option<T>, ServerError> {
    cursor
        .map(str::parse)
        .transpose()
        .map_err(|_| ServerError::InvalidRequest {
            detail: "invalid cursor".into(),
        })
}

/// Cuts a page read with one row more than `limit`: the rows, and the
/// cursor of the next page when that extra row exists.
pub(super) fn split_page<T>(
    mut rows: Vec<T>,
    limit: u32,
    cursor_of: impl Fn(&T) -> String,
) -> (Vec<T>, Option<String>) {
    let page = usize::try_from(limit).unwrap_or(usize::MAX);
    if rows.len() > page {
        rows.truncate(page);
        let next = rows.last().map(cursor_of);
        (rows, next)
    } else {
        (rows, None)
    }
}

/// Refuses a description longer than the API allows.
pub(super) fn check_description(description: &str) -> Result<(), ServerError> {
    if description.len() > MAX_DESCRIPTION_BYTES {
        return Err(ServerError::InvalidRequest {
            detail: format!("description must be at most {MAX_DESCRIPTION_BYTES} bytes"),
        });
    }
    Ok(())
}

/// The principal of this name in the tenant.
pub(super) fn principal_named(
    tx: &mut dyn ReadTx,
    tenant: TenantId,
    name: &PrincipalName,
) -> TxResult<Principal> {
    tx.principal_by_name(tenant, name)?
        .ok_or(abort(ServerError::PrincipalNotFound))
}

/// The tenant's settings, or the defaults when none were stored.
pub(super) fn settings_of(tx: &mut dyn ReadTx, tenant: TenantId) -> TxResult<TenantSettings> {
    Ok(tx.tenant_settings(tenant)?.unwrap_or_default())
}

/// Checks that every policy named exists in the tenant.
pub(super) fn check_policies_exist(
    tx: &mut dyn ReadTx,
    tenant: TenantId,
    policies: &BTreeSet<PolicyName>,
) -> TxResult<()> {
    for name in policies {
        if tx.policy_get(tenant, name)?.is_none() {
            return Err(abort(ServerError::PolicyNotFound { name: name.clone() }));
        }
    }
    Ok(())
}

/// Checks that every role named is built in or a custom role of the tenant.
pub(super) fn check_roles_exist(
    tx: &mut dyn ReadTx,
    tenant: TenantId,
    roles: &BTreeSet<RoleName>,
) -> TxResult<()> {
    for name in roles {
        if name.builtin().is_none() && tx.role_get(tenant, name)?.is_none() {
            return Err(abort(ServerError::RoleNotFound { name: name.clone() }));
        }
    }
    Ok(())
}
