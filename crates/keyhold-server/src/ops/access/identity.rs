//! Who a caller is: the root token, the server itself, or a principal with
//! its compiled policies, resolved from a bearer token or a client
//! certificate. Resolutions are cached in memory (bounded) and dropped
//! whenever access control changes ([`AccessGeneration`]), so a warm
//! request reads no database; the checks that depend on the request (token
//! expiry, revocation time, source address, disabled principal) run on
//! every request against the cached records.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, RwLock};

use keyhold_core::policy::PolicySet;
use keyhold_core::{
    CertMatcher, Principal, PrincipalId, RoleName, Tenant, TenantId, TenantSettings, Timestamp,
    TokenRecord,
};
use keyhold_store::{ReadTx, TxError};

use super::AccessGeneration;
use crate::error::ServerError;
use crate::vault::tx_error;

/// Cached resolutions kept at most; the whole cache is dropped when full.
const CACHE_CAPACITY: usize = 100_000;

/// Who an authenticated caller is.
#[derive(Debug, Clone)]
pub(crate) enum Identity {
    /// The root token made at init: every action, in any tenant.
    Root,
    /// The server itself (the scheduler): every action in its tenant.
    Internal,
    /// A principal and what its roles and policies allow.
    Principal(Arc<Resolved>),
}

/// A principal as resolved for one credential.
#[derive(Debug)]
pub(crate) struct Resolved {
    /// The principal.
    pub(crate) principal: Principal,
    /// Its tenant.
    pub(crate) tenant: Arc<Tenant>,
    /// The statements of its roles and policies, compiled.
    pub(crate) policies: PolicySet,
    /// The token it presented, when it presented one.
    pub(crate) token: Option<TokenRecord>,
    /// Its tenant's settings (MFA and quorum rules, separation of duties).
    pub(crate) settings: Arc<TenantSettings>,
    generation: u64,
}

impl Resolved {
    /// Checks what depends on the moment and the peer: the principal is
    /// enabled, the token unexpired, unrevoked and used from an allowed
    /// network.
    pub(crate) fn admit(&self, now: Timestamp, source: Option<IpAddr>) -> Result<(), ServerError> {
        if self.principal.disabled {
            return Err(ServerError::Unauthenticated);
        }
        if let Some(token) = &self.token {
            token
                .usable(now)
                .map_err(|_| ServerError::Unauthenticated)?;
            if !token.source_allowed(source) {
                return Err(ServerError::Unauthenticated);
            }
        }
        Ok(())
    }

    /// Seconds since the token was issued.
    pub(crate) fn token_age_secs(&self, now: Timestamp) -> Option<u64> {
        let token = self.token.as_ref()?;
        let age = now
            .unix_seconds()
            .saturating_sub(token.created_at.unix_seconds());
        u64::try_from(age).ok()
    }
}

/// What a cache entry is looked up by.
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) enum CacheKey {
    /// The SHA-256 of a bearer token.
    Token([u8; 32]),
    /// A client certificate's fingerprint and subject.
    Certificate([u8; 32], Option<String>),
}

/// Resolutions by credential.
#[derive(Debug, Default)]
pub(crate) struct IdentityCache {
    map: RwLock<HashMap<CacheKey, Arc<Resolved>>>,
}

impl std::fmt::Debug for CacheKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CacheKey(<redacted>)")
    }
}

impl IdentityCache {
    /// A still-valid resolution.
    pub(crate) fn get(&self, key: &CacheKey, generation: u64) -> Option<Arc<Resolved>> {
        let map = self.map.read().ok()?;
        map.get(key)
            .filter(|r| r.generation == generation)
            .map(Arc::clone)
    }

    /// Remembers a resolution.
    pub(crate) fn put(&self, key: CacheKey, resolved: &Arc<Resolved>) {
        if let Ok(mut map) = self.map.write() {
            if map.len() >= CACHE_CAPACITY {
                map.clear();
            }
            map.insert(key, Arc::clone(resolved));
        }
    }
}

/// Resolves the principal a credential names, reading everything in one
/// snapshot. `None` when the credential names nobody.
pub(crate) fn resolve(
    tx: &mut dyn ReadTx,
    key: &CacheKey,
    generation: &AccessGeneration,
) -> Result<Option<Resolved>, TxError<ServerError>> {
    let generation = generation.current();
    let (tenant_id, principal_id, token) = match key {
        CacheKey::Token(hash) => match tx.token_by_hash(hash)? {
            Some(t) => (t.tenant, t.principal, Some(t)),
            None => return Ok(None),
        },
        CacheKey::Certificate(fingerprint, subject) => {
            let mut found = tx.cert_binding(&CertMatcher::Fingerprint(*fingerprint))?;
            if found.is_none() {
                if let Some(Ok(m)) = subject.as_deref().map(CertMatcher::subject) {
                    found = tx.cert_binding(&m)?;
                }
            }
            match found {
                Some(b) => (b.tenant, b.principal, None),
                None => return Ok(None),
            }
        }
    };
    let Some(principal) = tx.principal_get(tenant_id, principal_id)? else {
        return Ok(None);
    };
    let Some(tenant) = tx.tenant_get(tenant_id)? else {
        return Ok(None);
    };
    let policies = compile_policies(tx, &principal)?;
    let settings = tx.tenant_settings(tenant_id)?.unwrap_or_default();
    Ok(Some(Resolved {
        principal,
        tenant: Arc::new(tenant),
        policies,
        token,
        settings: Arc::new(settings),
        generation,
    }))
}

/// Every statement that applies to `principal`: its built-in roles, the
/// policies of its custom roles, and its own policies. A name that no
/// longer resolves (a deleted policy) grants nothing.
fn compile_policies(
    tx: &mut dyn ReadTx,
    principal: &Principal,
) -> Result<PolicySet, TxError<ServerError>> {
    let tenant = principal.tenant;
    let mut set = PolicySet::default();
    let mut names: Vec<_> = principal.policies.iter().cloned().collect();
    for role in &principal.roles {
        match role.builtin() {
            Some(builtin) => set.extend(&builtin.policy()),
            None => names.extend(custom_role_policies(tx, tenant, role)?),
        }
    }
    names.sort();
    names.dedup();
    for name in names {
        if let Some(record) = tx.policy_get(tenant, &name)? {
            let compiled = record.compile().map_err(|e| TxError::Abort(e.into()))?;
            set.extend(&compiled);
        }
    }
    Ok(set)
}

fn custom_role_policies(
    tx: &mut dyn ReadTx,
    tenant: TenantId,
    role: &RoleName,
) -> Result<Vec<keyhold_core::PolicyName>, TxError<ServerError>> {
    Ok(tx
        .role_get(tenant, role)?
        .map(|r| r.policies.into_iter().collect())
        .unwrap_or_default())
}

/// The principal's id, for audit records.
pub(crate) fn principal_id(identity: &Identity) -> Option<PrincipalId> {
    match identity {
        Identity::Principal(r) => Some(r.principal.id),
        Identity::Root | Identity::Internal => None,
    }
}

/// Reads a resolution through the store.
pub(crate) fn resolve_in(
    store: &keyhold_store::Store,
    key: &CacheKey,
    generation: &AccessGeneration,
) -> Result<Option<Resolved>, ServerError> {
    store
        .read(|tx| resolve(tx, key, generation))
        .map_err(tx_error)
}
