//! A tenant's access settings (`/v1/tenants/{name}/settings`): read them,
//! replace them. New settings must pass [`TenantSettings::check`], and
//! every quorum rule must be reachable: the tenant must have at least as
//! many eligible approvers (principals holding `approver` or `admin`, not
//! disabled) as the rule requires. A quorum nobody can reach would lock
//! the action away; zero approvals would be an open door.

use std::collections::BTreeSet;

use keyhold_api::approvals::ChangeKind;
use keyhold_core::approval::Quorum;
use keyhold_core::policy::BuiltinRole;
use keyhold_core::{QuorumRule, RoleName, TenantId, TenantName, TenantSettings};
use keyhold_store::ReadTx;

use super::guarded::Guarded;
use super::support::{TxResult, settings_of};
use super::tenants::find_tenant;
use crate::error::ServerError;
use crate::ops::{Caller, Operations};
use crate::vault::tx_error;

/// The roles whose holders may approve.
const APPROVER_ROLES: [BuiltinRole; 2] = [BuiltinRole::Approver, BuiltinRole::Admin];

impl Operations {
    /// The settings of the tenant `name` (its defaults if never set).
    pub fn tenant_settings(
        &self,
        caller: &Caller,
        name: &TenantName,
    ) -> Result<TenantSettings, ServerError> {
        caller.reach_tenant(name)?;
        self.store
            .read(|tx| {
                let tenant = find_tenant(tx, name)?;
                settings_of(tx, tenant.id)
            })
            .map_err(tx_error)
    }

    /// Replaces the settings of the tenant `name`, once checked.
    pub fn set_tenant_settings(
        &self,
        caller: &Caller,
        name: &TenantName,
        settings: TenantSettings,
    ) -> Result<TenantSettings, ServerError> {
        caller.reach_tenant(name)?;
        settings.check().map_err(ServerError::InvalidSettings)?;
        caller.note("tenant_name", name.as_str());
        let change = Guarded::new(ChangeKind::SettingsUpdate, name, &settings)?;
        self.write_access_for(caller, &change, |tx| {
            let tenant = find_tenant(tx, name)?;
            let eligible = eligible_approvers(tx, tenant.id, None)?;
            check_reachable(&settings.quorum_rules, eligible).map_err(super::support::abort)?;
            tx.tenant_settings_put(tenant.id, &settings)?;
            Ok(())
        })?;
        Ok(settings)
    }
}

/// How many distinct principals of the tenant may approve: holders of
/// `approver` or `admin` that are not disabled, other than `except` (a
/// request's requester, who never counts).
pub(super) fn eligible_approvers(
    tx: &mut dyn ReadTx,
    tenant: TenantId,
    except: Option<keyhold_core::PrincipalId>,
) -> TxResult<usize> {
    let mut ids = BTreeSet::new();
    for role in APPROVER_ROLES {
        for p in tx.principals_with_role(tenant, &RoleName::from(role))? {
            if !p.disabled && Some(p.id) != except {
                ids.insert(p.id);
            }
        }
    }
    Ok(ids.len())
}

/// Checks that `eligible` approvers can satisfy every rule.
fn check_reachable(rules: &[QuorumRule], eligible: usize) -> Result<(), ServerError> {
    for (i, rule) in rules.iter().enumerate() {
        Quorum::new(rule.required, eligible).map_err(|reason| ServerError::InvalidQuorum {
            rule: i + 1,
            reason,
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use keyhold_api::ErrorCode;
    use keyhold_core::Action;

    use super::*;

    fn rule(required: u8) -> QuorumRule {
        QuorumRule {
            actions: vec![Action::KeyExport],
            required,
            ttl_secs: 60,
        }
    }

    #[test]
    fn a_quorum_needs_enough_eligible_approvers() {
        assert!(check_reachable(&[], 0).is_ok());
        assert!(check_reachable(&[rule(2)], 2).is_ok());
        assert!(check_reachable(&[rule(2)], 3).is_ok());
        let err = check_reachable(&[rule(1), rule(3)], 2).unwrap_err();
        assert!(matches!(err, ServerError::InvalidQuorum { rule: 2, .. }));
        assert_eq!(err.public().0, ErrorCode::InvalidQuorum);
        let text = err.to_string();
        assert!(
            text.contains("3 approvals") && text.contains("only 2"),
            "{text}"
        );
    }

    #[test]
    fn zero_is_never_a_quorum() {
        let err = check_reachable(&[rule(0)], 5).unwrap_err();
        assert!(matches!(err, ServerError::InvalidQuorum { rule: 1, .. }));
    }
}
