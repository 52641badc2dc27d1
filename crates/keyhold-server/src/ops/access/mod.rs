//! Access control in the operations service (DESIGN.md section 6): who a
//! caller is (tokens, client certificates, the root token), what it may do
//! (compiled policies of its roles), and the writes that change either.
//!
//! Every write to principals, tokens, certificate bindings, policies, roles
//! or tenant settings goes through [`Operations::write_access`], which
//! records the request's audit event in the same transaction and then
//! invalidates the in-memory cache of resolved callers, so the next request
//! sees the change.

mod approval_expiry;
mod approvals;
mod authenticate;
mod certificates;
pub(crate) mod guarded;
pub(crate) mod identity;
mod mfa;
mod policies;
mod principals;
mod roles;
mod settings;
mod support;
pub(crate) mod tenants;
#[cfg(test)]
mod tests;
mod token_text;
pub(crate) mod tokens;

pub(crate) use mfa::PURPOSE as MFA_PURPOSE;

use std::sync::atomic::{AtomicU64, Ordering};

use keyhold_store::{TxError, WriteTx};

use self::guarded::Guarded;
use super::{Caller, Operations};
use crate::error::ServerError;

/// A counter bumped by every access-control change: cached identities
/// resolved under an older value are stale.
#[derive(Debug, Default)]
pub(crate) struct AccessGeneration(AtomicU64);

impl AccessGeneration {
    /// The current value.
    pub(crate) fn current(&self) -> u64 {
        self.0.load(Ordering::Acquire)
    }

    /// Marks every cached identity stale.
    pub(crate) fn bump(&self) {
        self.0.fetch_add(1, Ordering::AcqRel);
    }
}

impl Operations {
    /// Runs an access-control change in one write transaction with its
    /// audit event, then marks every cached identity stale.
    pub(crate) fn write_access<T>(
        &self,
        caller: &Caller,
        body: impl FnOnce(&mut dyn WriteTx) -> Result<T, TxError<ServerError>>,
    ) -> Result<T, ServerError> {
        self.write_guarded(caller, None, body)
    }

    /// [`write_access`](Self::write_access) for a change a quorum rule may
    /// guard: an approval of exactly `change` is spent in the same
    /// transaction when the caller's action is under a quorum.
    pub(crate) fn write_access_for<T>(
        &self,
        caller: &Caller,
        change: &Guarded,
        body: impl FnOnce(&mut dyn WriteTx) -> Result<T, TxError<ServerError>>,
    ) -> Result<T, ServerError> {
        self.write_guarded(caller, Some(change), body)
    }

    fn write_guarded<T>(
        &self,
        caller: &Caller,
        change: Option<&Guarded>,
        body: impl FnOnce(&mut dyn WriteTx) -> Result<T, TxError<ServerError>>,
    ) -> Result<T, ServerError> {
        let result = self.write_audited(caller, |tx| {
            self.spend_change_approval(tx, caller, change)?;
            body(tx)
        });
        self.access_generation.bump();
        result
    }
}
