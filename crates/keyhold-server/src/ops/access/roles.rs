//! Roles: the built-in ones (listed with their actions, never changed) and
//! the caller's tenant's custom roles (policies bundled under a name):
//! list, show, create, replace, delete.

use keyhold_api::access::{CreateRoleRequest, RoleInfo, RoleList, UpdateRoleRequest};
use keyhold_api::approvals::ChangeKind;
use keyhold_core::policy::BuiltinRole;
use keyhold_core::{Action, RoleName, RoleRecord};

use super::guarded::Guarded;
use super::support::{abort, check_description, check_policies_exist, conflict_is, missing_is};
use crate::error::ServerError;
use crate::ops::{Caller, Operations};
use crate::vault::tx_error;

impl Operations {
    /// The built-in roles, then the tenant's custom roles by name
    /// (`GET /v1/roles`).
    pub fn list_roles(&self, caller: &Caller) -> Result<RoleList, ServerError> {
        let tenant = caller.tenant.id;
        let custom = self
            .store
            .read(|tx| Ok::<_, _>(tx.roles(tenant)?))
            .map_err(tx_error)?;
        let roles = BuiltinRole::ALL
            .into_iter()
            .map(builtin_info)
            .chain(custom.into_iter().map(custom_info))
            .collect();
        Ok(RoleList { roles })
    }

    /// One role, built in or custom (`GET /v1/roles/{name}`).
    pub fn role(&self, caller: &Caller, name: &RoleName) -> Result<RoleInfo, ServerError> {
        if let Some(builtin) = name.builtin() {
            return Ok(builtin_info(builtin));
        }
        let tenant = caller.tenant.id;
        self.store
            .read(|tx| {
                tx.role_get(tenant, name)?
                    .ok_or(abort(ServerError::RoleNotFound { name: name.clone() }))
            })
            .map_err(tx_error)
            .map(custom_info)
    }

    /// Creates a custom role (`POST /v1/roles`).
    pub fn create_role(
        &self,
        caller: &Caller,
        req: CreateRoleRequest,
    ) -> Result<RoleInfo, ServerError> {
        refuse_builtin(&req.name)?;
        check_description(&req.description)?;
        caller.note("role", req.name.as_str());
        let change = Guarded::new(ChangeKind::RoleCreate, &req.name, &req)?;
        let now = self.now();
        let record = RoleRecord {
            tenant: caller.tenant.id,
            name: req.name,
            description: req.description,
            policies: req.policies,
            created_at: now,
            updated_at: now,
        };
        self.write_access_for(caller, &change, |tx| {
            check_policies_exist(tx, record.tenant, &record.policies)?;
            tx.role_insert(&record)
                .map_err(conflict_is(ServerError::RoleAlreadyExists))
        })?;
        Ok(custom_info(record))
    }

    /// Replaces a custom role's description and policies
    /// (`PUT /v1/roles/{name}`).
    pub fn update_role(
        &self,
        caller: &Caller,
        name: &RoleName,
        req: UpdateRoleRequest,
    ) -> Result<RoleInfo, ServerError> {
        refuse_builtin(name)?;
        check_description(&req.description)?;
        caller.note("role", name.as_str());
        let change = Guarded::new(ChangeKind::RoleUpdate, name, &req)?;
        let tenant = caller.tenant.id;
        let now = self.now();
        self.write_access_for(caller, &change, |tx| {
            let not_found = || ServerError::RoleNotFound { name: name.clone() };
            let mut record = tx.role_get(tenant, name)?.ok_or(abort(not_found()))?;
            check_policies_exist(tx, tenant, &req.policies)?;
            record.description = req.description;
            record.policies = req.policies;
            record.updated_at = now;
            tx.role_update(&record).map_err(missing_is(not_found()))?;
            Ok(record)
        })
        .map(custom_info)
    }

    /// Deletes a custom role (`DELETE /v1/roles/{name}`). Principals holding
    /// it keep the name, which then grants nothing.
    pub fn delete_role(&self, caller: &Caller, name: &RoleName) -> Result<(), ServerError> {
        refuse_builtin(name)?;
        caller.note("role", name.as_str());
        let change = Guarded::bodiless(ChangeKind::RoleDelete, name);
        let tenant = caller.tenant.id;
        self.write_access_for(caller, &change, |tx| {
            tx.role_delete(tenant, name)
                .map_err(missing_is(ServerError::RoleNotFound { name: name.clone() }))
        })
    }
}

/// Refuses a built-in role's name for a custom role.
fn refuse_builtin(name: &RoleName) -> Result<(), ServerError> {
    RoleRecord::check_name(name).map_err(|_| ServerError::BuiltinRole { name: name.clone() })
}

/// What a built-in role is for, for people.
fn builtin_description(role: BuiltinRole) -> &'static str {
    match role {
        BuiltinRole::Admin => "Everything in the tenant.",
        BuiltinRole::KeyCustodian => {
            "Manages keys (create, rotate, revoke, destroy, import, export); cannot use them."
        }
        BuiltinRole::KeyUser => {
            "Uses keys (encrypt, decrypt, sign, verify, MAC, data keys); cannot manage them."
        }
        BuiltinRole::Approver => "Reads and decides pending approvals.",
        BuiltinRole::Auditor => "Reads the audit trail and reports, nothing else.",
    }
}

/// The public view of a built-in role, with its actions.
fn builtin_info(role: BuiltinRole) -> RoleInfo {
    let set = role.actions();
    RoleInfo {
        name: RoleName::from(role),
        builtin: true,
        description: builtin_description(role).to_owned(),
        actions: Action::ALL
            .iter()
            .copied()
            .filter(|a| set.contains(*a))
            .collect(),
        policies: Default::default(),
        created_at: None,
        updated_at: None,
    }
}

/// The public view of a custom role.
fn custom_info(r: RoleRecord) -> RoleInfo {
    RoleInfo {
        name: r.name,
        builtin: false,
        description: r.description,
        actions: Vec::new(),
        policies: r.policies,
        created_at: Some(r.created_at),
        updated_at: Some(r.updated_at),
    }
}

#[cfg(test)]
mod tests {
    use keyhold_api::ErrorCode;

    use super::*;

    #[test]
    fn builtin_names_are_refused_for_custom_roles() {
        for role in BuiltinRole::ALL {
            let err = refuse_builtin(&RoleName::from(role)).unwrap_err();
            assert_eq!(err.public().0, ErrorCode::BuiltinRole);
        }
        assert!(refuse_builtin(&"payments-operator".parse().unwrap()).is_ok());
    }

    #[test]
    fn builtin_roles_list_their_actions() {
        let user = builtin_info(BuiltinRole::KeyUser);
        assert!(user.actions.contains(&Action::KeyEncrypt));
        assert!(!user.actions.contains(&Action::KeyCreate));
        let custodian = builtin_info(BuiltinRole::KeyCustodian);
        assert!(custodian.actions.contains(&Action::KeyCreate));
        assert!(!custodian.actions.contains(&Action::KeyDecrypt));
        // Every action a wildcard grants (not key:use-compromised).
        assert_eq!(
            builtin_info(BuiltinRole::Admin).actions.len(),
            Action::ALL.iter().filter(|a| a.wildcard_grants()).count()
        );
    }
}
