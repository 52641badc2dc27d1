//! `POST /v1/sys/rotate-root`: root-key rotation (DESIGN.md section 4),
//! for global administrators, under a quorum where one is configured for
//! `sys:rotate-root` (the approval binds the empty body `{}`). The vault
//! makes the new root key (`vault/rotate.rs`); this operation spends the
//! approval, re-seals every tenant KEK and writes its audit event in one
//! write transaction, then installs the new key and drops the caches that
//! hold tenants read under the old one. Key versions' material is not
//! touched, and the audit and backup keys stay the same.

use keyhold_api::sys::RotateRootResponse;
use serde_json::Map;

use super::{Caller, Operations};
use crate::error::ServerError;

impl Operations {
    /// Rotates the root key; the server keeps serving.
    pub fn rotate_root(&self, caller: &Caller) -> Result<RotateRootResponse, ServerError> {
        caller.require_global()?;
        let rotation = self.vault.prepare_root_rotation()?;
        let from = self.vault.unlocked()?.generation();
        caller.note("root.previous_generation", from.to_string());
        caller.note("root.generation", rotation.generation().to_string());
        let rotated = self.write_audited(caller, |tx| {
            self.spend_approval(tx, caller, None, &Map::new())?;
            rotation.apply(tx, &self.crypto)
        })?;
        self.vault.finish_root_rotation(rotation)?;
        self.forget_tenants();
        Ok(RotateRootResponse {
            previous_generation: rotated.from,
            generation: rotated.to,
            tenants: rotated.tenants,
        })
    }

    /// Drops every cached tenant (their sealed KEKs changed): the default
    /// tenant and resolved identities.
    pub(crate) fn forget_tenants(&self) {
        if let Ok(mut slot) = self.default_tenant.write() {
            *slot = None;
        }
        self.access_generation.bump();
    }
}

#[cfg(test)]
pub(crate) mod tests;
