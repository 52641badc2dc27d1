//! `/v1/approvals/*`: quorum approvals (M of N, DESIGN.md section 6). A
//! principal asks for approval of one exact request (action, key or
//! access-management change and target, body);
//! distinct approvers, never the requester, approve with MFA or deny; once
//! approved, the requester sends the request again with
//! `X-Keyhold-Approval: <id>` and it runs, once.

use keyhold_core::approval::ApprovalState;
use keyhold_core::{Action, ApprovalId, PrincipalId, Timestamp};
use serde::{Deserialize, Serialize};

/// `POST /v1/approvals`: the request to be approved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApprovalRequest {
    /// The action, e.g. `key:schedule-destroy`.
    #[schema(value_type = String, example = "key:schedule-destroy")]
    pub action: Action,
    /// The key it acts on (id or name), for key actions.
    #[serde(default)]
    pub key: Option<String>,
    /// The body the request will be sent with (`{}` when it has none).
    #[serde(default = "empty_object")]
    #[schema(value_type = Object)]
    pub body: serde_json::Value,
    /// For access-management actions (`policy:write`, `role:write`,
    /// `principal:write`, `tenant:write`): which change is asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<ChangeKind>,
    /// For access-management actions: what the change acts on, the name
    /// in its path (the policy, role, principal or tenant).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

/// An access-management change a quorum rule can guard, named so that an
/// approval binds one exact change: its kind, its target and its body.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// `POST /v1/policies` (body: the create request; target: its name).
    PolicyCreate,
    /// `PUT /v1/policies/{name}`.
    PolicyUpdate,
    /// `DELETE /v1/policies/{name}` (no body).
    PolicyDelete,
    /// `POST /v1/roles` (target: its name).
    RoleCreate,
    /// `PUT /v1/roles/{name}`.
    RoleUpdate,
    /// `DELETE /v1/roles/{name}` (no body).
    RoleDelete,
    /// `POST /v1/principals` (target: its name).
    PrincipalCreate,
    /// `PATCH /v1/principals/{name}`.
    PrincipalUpdate,
    /// `DELETE /v1/principals/{name}` (no body).
    PrincipalDelete,
    /// `POST /v1/principals/{name}/roles` (body: `{"role": ...}`).
    RoleGrant,
    /// `DELETE /v1/principals/{name}/roles/{role}` (body: `{"role": ...}`).
    RoleRevoke,
    /// `POST /v1/principals/{name}/certificates`.
    CertificateBind,
    /// `DELETE /v1/principals/{name}/certificates/{reference}` (body:
    /// `{"reference": ...}`).
    CertificateUnbind,
    /// `POST /v1/tenants` (target: its name).
    TenantCreate,
    /// `PUT /v1/tenants/{name}/settings` (body: the settings).
    SettingsUpdate,
}

impl ChangeKind {
    /// Every kind.
    pub const ALL: [Self; 15] = [
        Self::PolicyCreate,
        Self::PolicyUpdate,
        Self::PolicyDelete,
        Self::RoleCreate,
        Self::RoleUpdate,
        Self::RoleDelete,
        Self::PrincipalCreate,
        Self::PrincipalUpdate,
        Self::PrincipalDelete,
        Self::RoleGrant,
        Self::RoleRevoke,
        Self::CertificateBind,
        Self::CertificateUnbind,
        Self::TenantCreate,
        Self::SettingsUpdate,
    ];

    /// The action the change is done under.
    pub const fn action(self) -> Action {
        match self {
            Self::PolicyCreate | Self::PolicyUpdate | Self::PolicyDelete => Action::PolicyWrite,
            Self::RoleCreate | Self::RoleUpdate | Self::RoleDelete => Action::RoleWrite,
            Self::PrincipalCreate
            | Self::PrincipalUpdate
            | Self::PrincipalDelete
            | Self::RoleGrant
            | Self::RoleRevoke
            | Self::CertificateBind
            | Self::CertificateUnbind => Action::PrincipalWrite,
            Self::TenantCreate | Self::SettingsUpdate => Action::TenantWrite,
        }
    }

    /// The stable name (the serde name).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::PolicyCreate => "policy-create",
            Self::PolicyUpdate => "policy-update",
            Self::PolicyDelete => "policy-delete",
            Self::RoleCreate => "role-create",
            Self::RoleUpdate => "role-update",
            Self::RoleDelete => "role-delete",
            Self::PrincipalCreate => "principal-create",
            Self::PrincipalUpdate => "principal-update",
            Self::PrincipalDelete => "principal-delete",
            Self::RoleGrant => "role-grant",
            Self::RoleRevoke => "role-revoke",
            Self::CertificateBind => "certificate-bind",
            Self::CertificateUnbind => "certificate-unbind",
            Self::TenantCreate => "tenant-create",
            Self::SettingsUpdate => "settings-update",
        }
    }
}

impl std::str::FromStr for ChangeKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown change {s:?}"))
    }
}

fn empty_object() -> serde_json::Value {
    serde_json::Value::Object(serde_json::Map::new())
}

/// An approval request and where it stands.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApprovalInfo {
    /// Its id: send it as `X-Keyhold-Approval` once approved.
    #[schema(value_type = String, format = Uuid)]
    pub id: ApprovalId,
    /// The action approved.
    #[schema(value_type = String)]
    pub action: Action,
    /// `pending`, `approved`, `denied`, `expired` or `executed`.
    #[schema(value_type = String)]
    pub state: ApprovalState,
    /// Who asked.
    #[schema(value_type = String, format = Uuid)]
    pub requester: PrincipalId,
    /// What it acts on, for people.
    pub resource: String,
    /// The exact request approved: `{"key": id or null, "body": {...}}`
    /// for key actions, `{"change": kind, "target": name, "body": ...}`
    /// for access-management changes.
    #[schema(value_type = Object)]
    pub request: serde_json::Value,
    /// Approvals needed.
    pub required: u8,
    /// Who approved so far.
    #[schema(value_type = Vec<String>)]
    pub approvers: Vec<PrincipalId>,
    /// Who denied it, if anyone.
    #[schema(value_type = Option<String>)]
    pub denied_by: Option<PrincipalId>,
    /// When it was asked.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// When it expires unless decided.
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: Timestamp,
}

/// `GET /v1/approvals`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListApprovalsQuery {
    /// Only approvals in this state.
    #[param(value_type = Option<String>)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<ApprovalState>,
    /// The `next_cursor` of the previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Page size, 1 to 1000 (100 by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// A page of approvals, oldest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApprovalList {
    /// The approvals.
    pub approvals: Vec<ApprovalInfo>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}
