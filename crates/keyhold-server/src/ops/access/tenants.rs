//! Tenants: create (a fresh KEK sealed under the root key), list, show.
//! Tenants are global: creating and listing them is for global callers
//! (the root token, global admins); a tenant's own principals may read it.

use keyhold_api::access::{CreateTenantRequest, TenantInfo, TenantList};
use keyhold_api::approvals::ChangeKind;
use keyhold_core::{Tenant, TenantName};

use super::guarded::Guarded;
use super::support::{TxResult, abort, conflict_is};
use crate::error::ServerError;
use crate::ops::{Caller, Operations};
use crate::vault::{check_generation, tx_error};

impl Operations {
    /// Creates a tenant with its own KEK (`POST /v1/tenants`).
    pub fn create_tenant(
        &self,
        caller: &Caller,
        req: CreateTenantRequest,
    ) -> Result<TenantInfo, ServerError> {
        caller.require_global()?;
        caller.note("tenant_name", req.name.as_str());
        let change = Guarded::new(ChangeKind::TenantCreate, &req.name, &req)?;
        let tenant = self.vault.new_tenant(req.name, self.now())?;
        self.write_access_for(caller, &change, |tx| {
            check_generation(tx, tenant.root_generation)?;
            tx.tenant_insert(&tenant)
                .map_err(conflict_is(ServerError::TenantAlreadyExists))
        })?;
        Ok(tenant_info(&tenant))
    }

    /// Every tenant, by name (`GET /v1/tenants`).
    pub fn list_tenants(&self, caller: &Caller) -> Result<TenantList, ServerError> {
        caller.require_global()?;
        let tenants = self
            .store
            .read(|tx| Ok::<_, _>(tx.tenants()?))
            .map_err(tx_error)?;
        Ok(TenantList {
            tenants: tenants.iter().map(tenant_info).collect(),
        })
    }

    /// One tenant (`GET /v1/tenants/{name}`).
    pub fn tenant_named(
        &self,
        caller: &Caller,
        name: &TenantName,
    ) -> Result<TenantInfo, ServerError> {
        caller.reach_tenant(name)?;
        let tenant = self
            .store
            .read(|tx| find_tenant(tx, name))
            .map_err(tx_error)?;
        Ok(tenant_info(&tenant))
    }
}

/// The tenant of this name.
pub(crate) fn find_tenant(
    tx: &mut dyn keyhold_store::ReadTx,
    name: &TenantName,
) -> TxResult<Tenant> {
    tx.tenant_by_name(name)?
        .ok_or(abort(ServerError::TenantNotFound))
}

/// The public view of a tenant (never its sealed KEK).
fn tenant_info(t: &Tenant) -> TenantInfo {
    TenantInfo {
        id: t.id,
        name: t.name.clone(),
        created_at: t.created_at,
    }
}
