//! Policies of the caller's tenant: create, list, show, replace, delete.
//! Statements are compiled before anything is stored, so a policy that is
//! stored always compiles; a bad statement is refused with its position
//! and the problem.

use keyhold_api::access::{
    CreatePolicyRequest, MAX_STATEMENTS, PageQuery, PolicyInfo, PolicyList, UpdatePolicyRequest,
};
use keyhold_api::approvals::ChangeKind;
use keyhold_core::policy::{Statement, StatementSpec};
use keyhold_core::{PolicyId, PolicyName, PolicyRecord};

use super::guarded::Guarded;
use super::support::{
    abort, check_description, conflict_is, cursor, missing_is, page_limit, split_page,
};
use crate::error::ServerError;
use crate::ops::{Caller, Operations};
use crate::vault::tx_error;

impl Operations {
    /// Creates a policy (`POST /v1/policies`).
    pub fn create_policy(
        &self,
        caller: &Caller,
        req: CreatePolicyRequest,
    ) -> Result<PolicyInfo, ServerError> {
        check_description(&req.description)?;
        check_statements(&req.statements)?;
        caller.note("policy", req.name.as_str());
        let change = Guarded::new(ChangeKind::PolicyCreate, &req.name, &req)?;
        let now = self.now();
        let record = PolicyRecord {
            id: PolicyId::from_uuid(uuid::Uuid::new_v4()),
            tenant: caller.tenant.id,
            name: req.name,
            description: req.description,
            statements: req.statements,
            created_at: now,
            updated_at: now,
        };
        self.write_access_for(caller, &change, |tx| {
            tx.policy_insert(&record)
                .map_err(conflict_is(ServerError::PolicyAlreadyExists))
        })?;
        Ok(policy_info(record))
    }

    /// One page of the tenant's policies, by name (`GET /v1/policies`).
    pub fn list_policies(&self, caller: &Caller, q: PageQuery) -> Result<PolicyList, ServerError> {
        let limit = page_limit(q.limit)?;
        let after: Option<PolicyName> = cursor(q.cursor.as_deref())?;
        let tenant = caller.tenant.id;
        let rows = self
            .store
            .read(|tx| Ok::<_, _>(tx.policies(tenant, after.as_ref(), limit + 1)?))
            .map_err(tx_error)?;
        let (rows, next_cursor) = split_page(rows, limit, |p| p.name.to_string());
        Ok(PolicyList {
            policies: rows.into_iter().map(policy_info).collect(),
            next_cursor,
        })
    }

    /// One policy (`GET /v1/policies/{name}`).
    pub fn policy(&self, caller: &Caller, name: &PolicyName) -> Result<PolicyInfo, ServerError> {
        let tenant = caller.tenant.id;
        self.store
            .read(|tx| {
                tx.policy_get(tenant, name)?
                    .ok_or(abort(ServerError::PolicyNotFound { name: name.clone() }))
            })
            .map_err(tx_error)
            .map(policy_info)
    }

    /// Replaces a policy's description and statements
    /// (`PUT /v1/policies/{name}`).
    pub fn update_policy(
        &self,
        caller: &Caller,
        name: &PolicyName,
        req: UpdatePolicyRequest,
    ) -> Result<PolicyInfo, ServerError> {
        check_description(&req.description)?;
        check_statements(&req.statements)?;
        caller.note("policy", name.as_str());
        let change = Guarded::new(ChangeKind::PolicyUpdate, name, &req)?;
        let tenant = caller.tenant.id;
        let now = self.now();
        self.write_access_for(caller, &change, |tx| {
            let not_found = || ServerError::PolicyNotFound { name: name.clone() };
            let mut record = tx.policy_get(tenant, name)?.ok_or(abort(not_found()))?;
            record.description = req.description;
            record.statements = req.statements;
            record.updated_at = now;
            tx.policy_update(&record).map_err(missing_is(not_found()))?;
            Ok(record)
        })
        .map(policy_info)
    }

    /// Deletes a policy (`DELETE /v1/policies/{name}`). Roles and principals
    /// naming it keep the name, which then grants nothing.
    pub fn delete_policy(&self, caller: &Caller, name: &PolicyName) -> Result<(), ServerError> {
        caller.note("policy", name.as_str());
        let change = Guarded::bodiless(ChangeKind::PolicyDelete, name);
        let tenant = caller.tenant.id;
        self.write_access_for(caller, &change, |tx| {
            tx.policy_delete(tenant, name)
                .map_err(missing_is(ServerError::PolicyNotFound {
                    name: name.clone(),
                }))
        })
    }
}

/// Compiles every statement: 1 to [`MAX_STATEMENTS`] of them, each valid.
fn check_statements(statements: &[StatementSpec]) -> Result<(), ServerError> {
    if statements.is_empty() || statements.len() > MAX_STATEMENTS {
        return Err(ServerError::PolicySize {
            count: statements.len(),
            max: MAX_STATEMENTS,
        });
    }
    for (i, spec) in statements.iter().enumerate() {
        Statement::compile(spec).map_err(|reason| ServerError::InvalidPolicy {
            statement: i + 1,
            reason,
        })?;
    }
    Ok(())
}

/// The public view of a policy.
fn policy_info(p: PolicyRecord) -> PolicyInfo {
    PolicyInfo {
        id: p.id,
        name: p.name,
        description: p.description,
        statements: p.statements,
        created_at: p.created_at,
        updated_at: p.updated_at,
    }
}

#[cfg(test)]
mod tests {
    use keyhold_api::ErrorCode;

    use super::*;

    fn spec(json: serde_json::Value) -> StatementSpec {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn good_statements_compile() {
        let ok = spec(serde_json::json!({
            "effect": "allow", "actions": ["key:encrypt", "key:*"], "resources": ["key/pay-*"],
            "conditions": {"source_cidrs": ["10.0.0.0/8"], "mfa_required": true}
        }));
        assert!(check_statements(&[ok]).is_ok());
    }

    #[test]
    fn bad_statements_are_refused_with_position_and_reason() {
        let good =
            spec(serde_json::json!({"effect": "allow", "actions": ["*"], "resources": ["*"]}));
        let cases = [
            (
                serde_json::json!({"effect": "allow", "actions": ["key:fly"], "resources": ["*"]}),
                "unknown action",
            ),
            (
                serde_json::json!({"effect": "deny", "actions": [], "resources": ["*"]}),
                "at least one action",
            ),
            (
                serde_json::json!({"effect": "allow", "actions": ["*"], "resources": []}),
                "at least one resource",
            ),
            (
                serde_json::json!({"effect": "allow", "actions": ["*"], "resources": ["db/x"]}),
                "expected *",
            ),
            (
                serde_json::json!({"effect": "allow", "actions": ["*"], "resources": ["*"],
                "conditions": {"time_window": {"start_minute": 5, "end_minute": 5}}}),
                "never opens",
            ),
        ];
        for (bad, reason) in cases {
            let err = check_statements(&[good.clone(), spec(bad)]).unwrap_err();
            assert_eq!(err.public().0, ErrorCode::InvalidPolicy);
            let text = err.to_string();
            assert!(
                text.contains("statement 2") && text.contains(reason),
                "{text}"
            );
        }
    }

    #[test]
    fn a_policy_holds_one_to_a_hundred_statements() {
        let good =
            spec(serde_json::json!({"effect": "allow", "actions": ["*"], "resources": ["*"]}));
        assert!(check_statements(&[]).is_err());
        assert!(check_statements(&vec![good.clone(); MAX_STATEMENTS]).is_ok());
        let err = check_statements(&vec![good; MAX_STATEMENTS + 1]).unwrap_err();
        assert_eq!(err.public().0, ErrorCode::InvalidPolicy);
    }
}
