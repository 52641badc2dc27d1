//! Principals of the caller's tenant: create, list, show, change, delete,
//! and grant or revoke roles. Every role set written is checked against
//! the tenant's separation-of-duties rules first; nothing is written when a
//! rule is broken.

use std::collections::BTreeSet;

use keyhold_api::access::{
    CreatePrincipalRequest, GrantRoleRequest, PageQuery, PrincipalInfo, PrincipalList,
    UpdatePrincipalRequest,
};
use keyhold_api::approvals::ChangeKind;
use keyhold_core::policy::{SodRule, check_separation};
use keyhold_core::{Principal, PrincipalId, PrincipalName, RoleName};
use keyhold_store::ReadTx;

use super::guarded::Guarded;
use super::support::{
    TxResult, abort, check_description, check_policies_exist, check_roles_exist, conflict_is,
    cursor, missing_is, page_limit, principal_named, settings_of, split_page,
};
use crate::error::ServerError;
use crate::ops::{Caller, Operations};
use crate::vault::tx_error;

impl Operations {
    /// Creates a principal with its roles and policies
    /// (`POST /v1/principals`).
    pub fn create_principal(
        &self,
        caller: &Caller,
        req: CreatePrincipalRequest,
    ) -> Result<PrincipalInfo, ServerError> {
        check_description(&req.description)?;
        caller.note("principal_name", req.name.as_str());
        let change = Guarded::new(ChangeKind::PrincipalCreate, &req.name, &req)?;
        let now = self.now();
        let principal = Principal {
            id: PrincipalId::from_uuid(uuid::Uuid::new_v4()),
            tenant: caller.tenant.id,
            name: req.name,
            kind: req.kind,
            description: req.description,
            roles: req.roles,
            policies: req.policies,
            global_admin: false,
            disabled: false,
            created_at: now,
            updated_at: now,
        };
        self.write_access_for(caller, &change, |tx| {
            check_grants(tx, None, &principal)?;
            tx.principal_insert(&principal)
                .map_err(conflict_is(ServerError::PrincipalAlreadyExists))
        })?;
        Ok(principal_info(principal))
    }

    /// One page of the tenant's principals, by name (`GET /v1/principals`).
    pub fn list_principals(
        &self,
        caller: &Caller,
        q: PageQuery,
    ) -> Result<PrincipalList, ServerError> {
        let limit = page_limit(q.limit)?;
        let after: Option<PrincipalName> = cursor(q.cursor.as_deref())?;
        let tenant = caller.tenant.id;
        let rows = self
            .store
            .read(|tx| Ok::<_, _>(tx.principals(tenant, after.as_ref(), limit + 1)?))
            .map_err(tx_error)?;
        let (rows, next_cursor) = split_page(rows, limit, |p| p.name.to_string());
        Ok(PrincipalList {
            principals: rows.into_iter().map(principal_info).collect(),
            next_cursor,
        })
    }

    /// One principal (`GET /v1/principals/{name}`).
    pub fn principal(
        &self,
        caller: &Caller,
        name: &PrincipalName,
    ) -> Result<PrincipalInfo, ServerError> {
        let tenant = caller.tenant.id;
        self.store
            .read(|tx| principal_named(tx, tenant, name))
            .map_err(tx_error)
            .map(principal_info)
    }

    /// Changes a principal's description, disabled flag, policies or global
    /// admin flag (`PATCH /v1/principals/{name}`). Only a global caller
    /// (the root token or a global admin) may grant or take away the global
    /// admin flag: a tenant admin cannot widen anyone's reach past its
    /// tenant.
    pub fn update_principal(
        &self,
        caller: &Caller,
        name: &PrincipalName,
        req: UpdatePrincipalRequest,
    ) -> Result<PrincipalInfo, ServerError> {
        if let Some(d) = &req.description {
            check_description(d)?;
        }
        if req.global_admin.is_some() {
            caller.require_global()?;
        }
        let change = Guarded::new(ChangeKind::PrincipalUpdate, name, &req)?;
        self.change_principal(caller, name, &change, |p| {
            p.global_admin = req.global_admin.unwrap_or(p.global_admin);
            if let Some(policies) = req.policies {
                p.policies = policies;
            }
            p.description = req
                .description
                .unwrap_or(std::mem::take(&mut p.description));
            p.disabled = req.disabled.unwrap_or(p.disabled);
        })
    }

    /// Deletes a principal with its tokens and certificate bindings
    /// (`DELETE /v1/principals/{name}`).
    pub fn delete_principal(
        &self,
        caller: &Caller,
        name: &PrincipalName,
    ) -> Result<(), ServerError> {
        caller.note("principal_name", name.as_str());
        let change = Guarded::bodiless(ChangeKind::PrincipalDelete, name);
        let tenant = caller.tenant.id;
        self.write_access_for(caller, &change, |tx| {
            let p = principal_named(tx, tenant, name)?;
            tx.principal_delete(tenant, p.id)
                .map_err(missing_is(ServerError::PrincipalNotFound))
        })
    }

    /// Grants a role (`POST /v1/principals/{name}/roles`): it must exist and
    /// keep the principal within the separation-of-duties rules.
    pub fn grant_role(
        &self,
        caller: &Caller,
        name: &PrincipalName,
        role: RoleName,
    ) -> Result<PrincipalInfo, ServerError> {
        caller.note("role", role.as_str());
        let body = GrantRoleRequest { role };
        let change = Guarded::new(ChangeKind::RoleGrant, name, &body)?;
        self.change_principal(caller, name, &change, |p| {
            p.roles.insert(body.role);
        })
    }

    /// Revokes a role (`DELETE /v1/principals/{name}/roles/{role}`); revoking
    /// a role the principal does not hold changes nothing.
    pub fn revoke_role(
        &self,
        caller: &Caller,
        name: &PrincipalName,
        role: &RoleName,
    ) -> Result<PrincipalInfo, ServerError> {
        caller.note("role", role.as_str());
        let body = GrantRoleRequest { role: role.clone() };
        let change = Guarded::new(ChangeKind::RoleRevoke, name, &body)?;
        self.change_principal(caller, name, &change, |p| {
            p.roles.remove(role);
        })
    }

    /// Reads a principal, lets `change` edit it, checks its grants and
    /// writes it back, in one audited transaction.
    fn change_principal(
        &self,
        caller: &Caller,
        name: &PrincipalName,
        guarded: &Guarded,
        change: impl FnOnce(&mut Principal),
    ) -> Result<PrincipalInfo, ServerError> {
        caller.note("principal_name", name.as_str());
        let tenant = caller.tenant.id;
        let now = self.now();
        self.write_access_for(caller, guarded, |tx| {
            let mut p = principal_named(tx, tenant, name)?;
            let before = p.clone();
            change(&mut p);
            if p == before {
                return Ok(p);
            }
            check_grants(tx, Some(&before), &p)?;
            p.updated_at = now;
            tx.principal_update(&p)
                .map_err(missing_is(ServerError::PrincipalNotFound))?;
            Ok(p)
        })
        .map(principal_info)
    }
}

/// Checks a principal's grants: every role and policy added since `before`
/// exists (one deleted since it was granted does not block other changes),
/// and the roles keep to the tenant's separation-of-duties rules.
fn check_grants(tx: &mut dyn ReadTx, before: Option<&Principal>, p: &Principal) -> TxResult<()> {
    let empty = (BTreeSet::new(), BTreeSet::new());
    let (old_roles, old_policies) =
        before.map_or((&empty.0, &empty.1), |b| (&b.roles, &b.policies));
    let new_roles = p.roles.difference(old_roles).cloned().collect();
    check_roles_exist(tx, p.tenant, &new_roles)?;
    let new_policies = p.policies.difference(old_policies).cloned().collect();
    check_policies_exist(tx, p.tenant, &new_policies)?;
    let settings = settings_of(tx, p.tenant)?;
    check_sod(&p.roles, &settings.sod_rules).map_err(abort)
}

/// Refuses a role set that holds both roles of a rule, naming them.
fn check_sod(roles: &BTreeSet<RoleName>, rules: &[SodRule]) -> Result<(), ServerError> {
    let names: Vec<&str> = roles.iter().map(RoleName::as_str).collect();
    check_separation(&names, rules).map_err(|(a, b)| ServerError::SeparationOfDuties {
        a: a.to_owned(),
        b: b.to_owned(),
    })
}

/// The public view of a principal.
pub(super) fn principal_info(p: Principal) -> PrincipalInfo {
    PrincipalInfo {
        id: p.id,
        tenant: p.tenant,
        name: p.name,
        kind: p.kind,
        description: p.description,
        roles: p.roles,
        policies: p.policies,
        global_admin: p.global_admin,
        disabled: p.disabled,
        created_at: p.created_at,
        updated_at: p.updated_at,
    }
}

#[cfg(test)]
mod tests {
    use keyhold_api::ErrorCode;

    use super::*;

    fn roles(names: &[&str]) -> BTreeSet<RoleName> {
        names.iter().map(|n| n.parse().unwrap()).collect()
    }

    #[test]
    fn custodians_do_not_use_keys_by_default() {
        let rules = SodRule::default_rules();
        assert!(check_sod(&roles(&["key-custodian", "auditor"]), &rules).is_ok());
        assert!(check_sod(&roles(&["key-user", "approver"]), &rules).is_ok());
        let err = check_sod(&roles(&["key-user", "key-custodian"]), &rules).unwrap_err();
        assert_eq!(err.public().0, ErrorCode::SeparationOfDuties);
        let text = err.to_string();
        assert!(
            text.contains("key-custodian") && text.contains("key-user"),
            "{text}"
        );
    }

    #[test]
    fn custom_rules_apply_to_custom_roles_and_none_means_none() {
        let rules = vec![SodRule {
            a: "payments-operator".into(),
            b: "auditor".into(),
        }];
        assert!(check_sod(&roles(&["payments-operator", "auditor"]), &rules).is_err());
        assert!(check_sod(&roles(&["key-custodian", "key-user"]), &rules).is_ok());
        assert!(check_sod(&roles(&["key-custodian", "key-user"]), &[]).is_ok());
    }
}
