//! `/v1/approvals/*`: quorum approvals (M of N, DESIGN.md section 6). A
//! principal asks for approval of one exact request (action, key, body);
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
    /// The exact request approved: `{"key": id or null, "body": {...}}`.
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
