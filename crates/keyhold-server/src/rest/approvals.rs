//! `/v1/approvals/*`: quorum approvals.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use keyhold_api::approvals::{
    ApprovalInfo, ApprovalList, CreateApprovalRequest, ListApprovalsQuery,
};
use keyhold_api::lifecycle::EmptyBody;
use keyhold_core::{Action, ApprovalId};

use super::AppState;
use super::extract::{ApiJson, ApiQuery, Creds};
use super::keys::perform;
use super::lifecycle::OptionalJson;
use super::openapi::{AuthErrors, BadRequest, BodyErrors, Conflict, NotFound, Unprocessable};
use crate::error::ServerError;

fn approval_id(raw: &str) -> Result<ApprovalId, ServerError> {
    raw.parse().map_err(ServerError::Core)
}

#[utoipa::path(
    post,
    path = "/v1/approvals",
    tag = "access",
    request_body = CreateApprovalRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Pending approval", body = ApprovalInfo),
        AuthErrors,
        BadRequest,
        BodyErrors,
        NotFound,
        Unprocessable,
    )
)]
/// `POST /v1/approvals`: asks for a quorum approval of one request.
pub(super) async fn create(
    State(state): State<AppState>,
    Creds(creds): Creds,
    ApiJson(req): ApiJson<CreateApprovalRequest>,
) -> Result<(StatusCode, Json<ApprovalInfo>), ServerError> {
    let info = perform(state, creds, Action::ApprovalRequest, move |ops, caller| {
        ops.request_approval(caller, req)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(info)))
}

#[utoipa::path(
    get,
    path = "/v1/approvals",
    tag = "access",
    params(ListApprovalsQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Approvals, oldest first", body = ApprovalList),
        AuthErrors,
        BadRequest,
    )
)]
/// `GET /v1/approvals`.
pub(super) async fn list(
    State(state): State<AppState>,
    Creds(creds): Creds,
    ApiQuery(q): ApiQuery<ListApprovalsQuery>,
) -> Result<Json<ApprovalList>, ServerError> {
    perform(state, creds, Action::ApprovalRead, move |ops, caller| {
        ops.approvals(caller, q)
    })
    .await
    .map(Json)
}

#[utoipa::path(
    get,
    path = "/v1/approvals/{id}",
    tag = "access",
    params(("id" = String, Path, description = "The approval's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The approval", body = ApprovalInfo),
        AuthErrors,
        BadRequest,
        NotFound,
    )
)]
/// `GET /v1/approvals/{id}`.
pub(super) async fn show(
    State(state): State<AppState>,
    Creds(creds): Creds,
    Path(id): Path<String>,
) -> Result<Json<ApprovalInfo>, ServerError> {
    let id = approval_id(&id)?;
    perform(state, creds, Action::ApprovalRead, move |ops, caller| {
        ops.approval(caller, id)
    })
    .await
    .map(Json)
}

#[utoipa::path(
    post,
    path = "/v1/approvals/{id}/approve",
    tag = "access",
    params(("id" = String, Path, description = "The approval's id")),
    request_body(content = Option<EmptyBody>, description = "Optional: may be left out"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Vote counted (or ignored as a repeat)", body = ApprovalInfo),
        AuthErrors,
        BadRequest,
        BodyErrors,
        NotFound,
        Conflict,
    )
)]
/// `POST /v1/approvals/{id}/approve` (with `X-Keyhold-MFA`).
pub(super) async fn approve(
    State(state): State<AppState>,
    Creds(creds): Creds,
    Path(id): Path<String>,
    OptionalJson(EmptyBody {}): OptionalJson<EmptyBody>,
) -> Result<Json<ApprovalInfo>, ServerError> {
    decide(state, creds, &id, true).await
}

#[utoipa::path(
    post,
    path = "/v1/approvals/{id}/deny",
    tag = "access",
    params(("id" = String, Path, description = "The approval's id")),
    request_body(content = Option<EmptyBody>, description = "Optional: may be left out"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Denied", body = ApprovalInfo),
        AuthErrors,
        BadRequest,
        BodyErrors,
        NotFound,
        Conflict,
    )
)]
/// `POST /v1/approvals/{id}/deny` (with `X-Keyhold-MFA`).
pub(super) async fn deny(
    State(state): State<AppState>,
    Creds(creds): Creds,
    Path(id): Path<String>,
    OptionalJson(EmptyBody {}): OptionalJson<EmptyBody>,
) -> Result<Json<ApprovalInfo>, ServerError> {
    decide(state, creds, &id, false).await
}

async fn decide(
    state: AppState,
    creds: crate::ops::Credentials,
    id: &str,
    approve: bool,
) -> Result<Json<ApprovalInfo>, ServerError> {
    let id = approval_id(id)?;
    perform(state, creds, Action::ApprovalDecide, move |ops, caller| {
        ops.decide_approval(caller, id, approve)
    })
    .await
    .map(Json)
}
