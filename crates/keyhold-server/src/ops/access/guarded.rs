//! An access-management change as a quorum approval binds it: its kind
//! ([`ChangeKind`]), its target (the name in its path) and its body in
//! canonical form. The operation builds the binding from the request it is
//! about to carry out; `POST /v1/approvals` builds it from what the
//! requester says it will send. Both pass the body through the same typed
//! request, so defaults and field order cannot make two equal changes
//! differ, and a body that would not parse is refused when asked for.

use keyhold_api::access::{
    BindCertificateRequest, CreatePolicyRequest, CreatePrincipalRequest, CreateRoleRequest,
    CreateTenantRequest, GrantRoleRequest, UpdatePolicyRequest, UpdatePrincipalRequest,
    UpdateRoleRequest,
};
use keyhold_api::approvals::ChangeKind;
use keyhold_core::TenantSettings;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::error::ServerError;

/// One exact access-management change.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Guarded {
    kind: ChangeKind,
    target: String,
    body: Value,
}

impl Guarded {
    /// The change the operation is about to make.
    pub(crate) fn new(
        kind: ChangeKind,
        target: impl std::fmt::Display,
        body: &impl Serialize,
    ) -> Result<Self, ServerError> {
        Ok(Self {
            kind,
            target: target.to_string(),
            body: serde_json::to_value(body).map_err(|_| ServerError::Internal {
                what: "request body not serializable",
            })?,
        })
    }

    /// A change without a body (deletes).
    pub(crate) fn bodiless(kind: ChangeKind, target: impl std::fmt::Display) -> Self {
        Self {
            kind,
            target: target.to_string(),
            body: Value::Null,
        }
    }

    /// The change a requester asks approval for: `body` as the operation
    /// will see it.
    pub(crate) fn asked(
        kind: ChangeKind,
        target: String,
        body: Value,
    ) -> Result<Self, ServerError> {
        let body = canonical(kind, body)?;
        Ok(Self { kind, target, body })
    }

    /// What an approval of it binds.
    pub(crate) fn binding(&self) -> Value {
        json!({ "change": self.kind.as_str(), "target": self.target, "body": self.body })
    }

    /// What it acts on, for people (`policy-update:ops`).
    pub(crate) fn resource(&self) -> String {
        format!("{}:{}", self.kind.as_str(), self.target)
    }
}

/// `body` through the typed request of `kind` and back to JSON.
fn canonical(kind: ChangeKind, body: Value) -> Result<Value, ServerError> {
    match kind {
        ChangeKind::PolicyCreate => through::<CreatePolicyRequest>(body),
        ChangeKind::PolicyUpdate => through::<UpdatePolicyRequest>(body),
        ChangeKind::RoleCreate => through::<CreateRoleRequest>(body),
        ChangeKind::RoleUpdate => through::<UpdateRoleRequest>(body),
        ChangeKind::PrincipalCreate => through::<CreatePrincipalRequest>(body),
        ChangeKind::PrincipalUpdate => through::<UpdatePrincipalRequest>(body),
        ChangeKind::RoleGrant | ChangeKind::RoleRevoke => through::<GrantRoleRequest>(body),
        ChangeKind::CertificateBind => through::<BindCertificateRequest>(body),
        ChangeKind::CertificateUnbind => through::<UnbindBody>(body),
        ChangeKind::TenantCreate => through::<CreateTenantRequest>(body),
        ChangeKind::SettingsUpdate => through::<TenantSettings>(body),
        ChangeKind::PolicyDelete | ChangeKind::RoleDelete | ChangeKind::PrincipalDelete => {
            match body {
                Value::Null => Ok(Value::Null),
                Value::Object(map) if map.is_empty() => Ok(Value::Null),
                _ => Err(ServerError::InvalidRequest {
                    detail: format!("a {} change has no body", kind.as_str()),
                }),
            }
        }
    }
}

/// The body an unbind binds: the reference in its path.
#[derive(Debug, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UnbindBody {
    /// `sha256:<hex>` or `subject:<DN>`.
    pub(crate) reference: String,
}

fn through<T: DeserializeOwned + Serialize>(body: Value) -> Result<Value, ServerError> {
    let typed: T = serde_json::from_value(body).map_err(|e| ServerError::InvalidRequest {
        detail: format!("body: {e}"),
    })?;
    serde_json::to_value(typed).map_err(|_| ServerError::Internal {
        what: "request body not serializable",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_change_binds_the_same_way_whoever_spells_it() {
        let asked = Guarded::asked(
            ChangeKind::PolicyUpdate,
            "ops".into(),
            json!({"statements": [{"actions": ["key:read"], "resources": ["*"], "effect": "allow"}]}),
        )
        .unwrap();
        let req: UpdatePolicyRequest = serde_json::from_value(json!({
            "statements": [{"effect": "allow", "actions": ["key:read"], "resources": ["*"]}]
        }))
        .unwrap();
        let made = Guarded::new(ChangeKind::PolicyUpdate, "ops", &req).unwrap();
        assert_eq!(asked.binding(), made.binding());
        let other = Guarded::new(ChangeKind::PolicyUpdate, "dev", &req).unwrap();
        assert_ne!(asked.binding(), other.binding());
        assert_eq!(asked.resource(), "policy-update:ops");
    }

    #[test]
    fn deletes_have_no_body_and_bad_bodies_are_refused_when_asked() {
        let asked = Guarded::asked(ChangeKind::RoleDelete, "r".into(), json!({})).unwrap();
        assert_eq!(
            asked.binding(),
            Guarded::bodiless(ChangeKind::RoleDelete, "r").binding()
        );
        for (kind, body) in [
            (ChangeKind::RoleDelete, json!({"x": 1})),
            (ChangeKind::PolicyCreate, json!({"name": "p"})),
            (ChangeKind::RoleGrant, json!({"role": "a", "extra": 1})),
            (ChangeKind::SettingsUpdate, json!([1])),
        ] {
            assert!(Guarded::asked(kind, "t".into(), body).is_err(), "{kind:?}");
        }
    }
}
