//! `/v1/policies` handlers.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use keyhold_api::access::{
    CreatePolicyRequest, PageQuery, PolicyInfo, PolicyList, UpdatePolicyRequest,
};
use keyhold_core::{Action, PolicyName};

use super::Segment;
use crate::error::ServerError;
use crate::rest::AppState;
use crate::rest::extract::{ApiJson, ApiQuery, Creds};
use crate::rest::keys::perform;
use crate::rest::openapi::{
    AccessConflict, AccessNotFound, AccessUnprocessable, AuthErrors, BadRequest, BodyErrors,
};

#[utoipa::path(
    post,
    path = "/v1/policies",
    tag = "access",
    request_body = CreatePolicyRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = PolicyInfo),
        AuthErrors,
        BadRequest,
        BodyErrors,
        AccessConflict,
        AccessUnprocessable,
    )
)]
/// `POST /v1/policies`.
pub(in crate::rest) async fn create(
    State(state): State<AppState>,
    Creds(creds): Creds,
    ApiJson(req): ApiJson<CreatePolicyRequest>,
) -> Result<(StatusCode, Json<PolicyInfo>), ServerError> {
    let info = perform(state, creds, Action::PolicyWrite, move |ops, caller| {
        ops.create_policy(caller, req)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(info)))
}

#[utoipa::path(
    get,
    path = "/v1/policies",
    tag = "access",
    params(PageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The tenant's policies, by name", body = PolicyList),
        AuthErrors,
        BadRequest,
    )
)]
/// `GET /v1/policies`.
pub(in crate::rest) async fn list(
    State(state): State<AppState>,
    Creds(creds): Creds,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<PolicyList>, ServerError> {
    perform(state, creds, Action::PolicyRead, move |ops, caller| {
        ops.list_policies(caller, q)
    })
    .await
    .map(Json)
}

#[utoipa::path(
    get,
    path = "/v1/policies/{name}",
    tag = "access",
    params(("name" = String, Path, description = "The policy's name")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The policy", body = PolicyInfo),
        AuthErrors,
        BadRequest,
        AccessNotFound,
    )
)]
/// `GET /v1/policies/{name}`.
pub(in crate::rest) async fn show(
    State(state): State<AppState>,
    Creds(creds): Creds,
    Segment(name): Segment<PolicyName>,
) -> Result<Json<PolicyInfo>, ServerError> {
    perform(state, creds, Action::PolicyRead, move |ops, caller| {
        ops.policy(caller, &name)
    })
    .await
    .map(Json)
}

#[utoipa::path(
    put,
    path = "/v1/policies/{name}",
    tag = "access",
    params(("name" = String, Path, description = "The policy's name")),
    request_body = UpdatePolicyRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The policy, replaced", body = PolicyInfo),
        AuthErrors,
        BadRequest,
        BodyErrors,
        AccessNotFound,
        AccessUnprocessable,
    )
)]
/// `PUT /v1/policies/{name}`.
pub(in crate::rest) async fn update(
    State(state): State<AppState>,
    Creds(creds): Creds,
    Segment(name): Segment<PolicyName>,
    ApiJson(req): ApiJson<UpdatePolicyRequest>,
) -> Result<Json<PolicyInfo>, ServerError> {
    perform(state, creds, Action::PolicyWrite, move |ops, caller| {
        ops.update_policy(caller, &name, req)
    })
    .await
    .map(Json)
}

#[utoipa::path(
    delete,
    path = "/v1/policies/{name}",
    tag = "access",
    params(("name" = String, Path, description = "The policy's name")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        AuthErrors,
        BadRequest,
        AccessNotFound,
    )
)]
/// `DELETE /v1/policies/{name}`.
pub(in crate::rest) async fn delete(
    State(state): State<AppState>,
    Creds(creds): Creds,
    Segment(name): Segment<PolicyName>,
) -> Result<StatusCode, ServerError> {
    perform(state, creds, Action::PolicyWrite, move |ops, caller| {
        ops.delete_policy(caller, &name)
    })
    .await
    .map(|()| StatusCode::NO_CONTENT)
}
