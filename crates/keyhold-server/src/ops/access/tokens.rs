//! Access tokens of the caller's tenant: issue one for a principal (its
//! text answered once, only its hash stored), list them (never the text,
//! never the hash), revoke one; and revoke the root token made at init.
//!
//! Revoking is idempotent: revoking a revoked token answers it as it is,
//! with its first revocation time.

use std::collections::BTreeMap;

use keyhold_api::access::{
    CreateTokenRequest, CreatedToken, ListTokensQuery, MAX_SOURCE_CIDRS, RootTokenRevoked,
    TokenInfo, TokenList,
};
use keyhold_core::{PrincipalId, PrincipalName, TokenId, TokenRecord};
use keyhold_store::{ReadTx, SystemKey};

use super::support::{
    TxResult, abort, check_description, cursor, missing_is, page_limit, principal_named, split_page,
};
use super::token_text::TokenText;
use crate::error::ServerError;
use crate::ops::{Caller, Operations};
use crate::vault::tx_error;

/// A token's time to live when the request names none: one day.
pub const DEFAULT_TOKEN_TTL_SECS: u64 = 86_400;
/// The longest time to live a request may ask for, unless configured: 30
/// days.
pub const DEFAULT_MAX_TOKEN_TTL_SECS: u64 = 30 * 86_400;

impl Operations {
    /// Issues a token for a principal of the tenant (`POST /v1/tokens`).
    pub fn create_token(
        &self,
        caller: &Caller,
        req: CreateTokenRequest,
    ) -> Result<CreatedToken, ServerError> {
        check_description(&req.description)?;
        let ttl = self.token_ttl(req.ttl_secs)?;
        if req.source_cidrs.len() > MAX_SOURCE_CIDRS {
            return Err(ServerError::InvalidRequest {
                detail: format!("a token is bound to at most {MAX_SOURCE_CIDRS} networks"),
            });
        }
        let text = TokenText::generate(&self.crypto)?;
        let now = self.now();
        let tenant = caller.tenant.id;
        let (record, name) = self.write_access(caller, |tx| {
            let p = principal_named(tx, tenant, &req.principal)?;
            let record = TokenRecord {
                id: TokenId::from_uuid(uuid::Uuid::new_v4()),
                tenant,
                principal: p.id,
                hash: *text.hash().as_bytes(),
                description: req.description,
                created_at: now,
                expires_at: Some(now.plus_seconds(i64::try_from(ttl).unwrap_or(i64::MAX))),
                source_cidrs: req.source_cidrs,
                revoked_at: None,
            };
            caller.note("token", record.id.to_string());
            tx.token_insert(&record)?;
            Ok((record, p.name))
        })?;
        Ok(CreatedToken {
            token: text.reveal(),
            info: token_info(record, name),
        })
    }

    /// One page of the tenant's tokens, by id (`GET /v1/tokens`).
    pub fn list_tokens(
        &self,
        caller: &Caller,
        q: ListTokensQuery,
    ) -> Result<TokenList, ServerError> {
        let limit = page_limit(q.limit)?;
        let after: Option<TokenId> = cursor(q.cursor.as_deref())?;
        let tenant = caller.tenant.id;
        let rows = self
            .store
            .read(|tx| {
                let only = match &q.principal {
                    Some(name) => Some(principal_named(tx, tenant, name)?.id),
                    None => None,
                };
                let tokens = tx.tokens(tenant, only, after, limit + 1)?;
                with_names(tx, tenant, tokens)
            })
            .map_err(tx_error)?;
        let (rows, next_cursor) = split_page(rows, limit, |t| t.id.to_string());
        Ok(TokenList {
            tokens: rows,
            next_cursor,
        })
    }

    /// Revokes a token of the tenant (`DELETE /v1/tokens/{id}`).
    pub fn revoke_token(&self, caller: &Caller, id: TokenId) -> Result<TokenInfo, ServerError> {
        caller.note("token", id.to_string());
        let tenant = caller.tenant.id;
        let now = self.now();
        self.write_access(caller, |tx| {
            let found = tx.token_get(tenant, id)?;
            let token = found.ok_or(abort(ServerError::TokenNotFound))?;
            if token.revoked_at.is_none() {
                tx.token_revoke(id, now)
                    .map_err(missing_is(ServerError::TokenNotFound))?;
            }
            let token = tx.token_get(tenant, id)?;
            let token = token.ok_or(abort(ServerError::TokenNotFound))?;
            let mut named = with_names(tx, tenant, vec![token])?;
            named.pop().ok_or(abort(ServerError::TokenNotFound))
        })
    }

    /// Revokes the root token made at init (`DELETE /v1/sys/root-token`):
    /// its hash is deleted with the request's audit event, then forgotten
    /// in memory.
    pub fn revoke_root_token(&self, caller: &Caller) -> Result<RootTokenRevoked, ServerError> {
        let revoked = self.write_access(caller, |tx| {
            if tx.system_get(SystemKey::RootTokenHash)?.is_none() {
                return Ok(false);
            }
            tx.system_delete(SystemKey::RootTokenHash)?;
            Ok(true)
        })?;
        self.vault.forget_root_token();
        Ok(RootTokenRevoked { revoked })
    }

    /// The time to live of a new token, checked against the maximum.
    fn token_ttl(&self, asked: Option<u64>) -> Result<u64, ServerError> {
        let max = self.max_token_ttl_secs;
        let ttl = asked.unwrap_or(DEFAULT_TOKEN_TTL_SECS.min(max));
        if ttl == 0 || ttl > max {
            return Err(ServerError::InvalidTokenTtl { ttl, max });
        }
        Ok(ttl)
    }
}

/// The public views of tokens, with their principals' names.
fn with_names(
    tx: &mut dyn ReadTx,
    tenant: keyhold_core::TenantId,
    tokens: Vec<TokenRecord>,
) -> TxResult<Vec<TokenInfo>> {
    let mut names: BTreeMap<PrincipalId, PrincipalName> = BTreeMap::new();
    let mut out = Vec::with_capacity(tokens.len());
    for t in tokens {
        let name = match names.get(&t.principal) {
            Some(n) => n.clone(),
            None => {
                let p = tx.principal_get(tenant, t.principal)?;
                let p = p.ok_or(abort(ServerError::Internal {
                    what: "token of a missing principal",
                }))?;
                names.insert(p.id, p.name.clone());
                p.name
            }
        };
        out.push(token_info(t, name));
    }
    Ok(out)
}

/// The public view of a token: never its hash.
fn token_info(t: TokenRecord, principal: PrincipalName) -> TokenInfo {
    TokenInfo {
        id: t.id,
        principal_id: t.principal,
        principal,
        description: t.description,
        created_at: t.created_at,
        expires_at: t.expires_at,
        source_cidrs: t.source_cidrs,
        revoked_at: t.revoked_at,
    }
}
