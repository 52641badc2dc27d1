//! `/v1/roles` handlers.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use keyhold_api::access::{CreateRoleRequest, RoleInfo, RoleList, UpdateRoleRequest};
use keyhold_core::{Action, RoleName};

use super::Segment;
use crate::error::ServerError;
use crate::rest::AppState;
use crate::rest::extract::{ApiJson, Creds};
use crate::rest::keys::perform;
use crate::rest::openapi::{AccessConflict, AccessNotFound, AuthErrors, BadRequest, BodyErrors};

#[utoipa::path(
    post,
    path = "/v1/roles",
    tag = "access",
    request_body = CreateRoleRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = RoleInfo),
        AuthErrors,
        BadRequest,
        BodyErrors,
        AccessNotFound,
        AccessConflict,
    )
)]
/// `POST /v1/roles`.
pub(in crate::rest) async fn create(
    State(state): State<AppState>,
    Creds(creds): Creds,
    ApiJson(req): ApiJson<CreateRoleRequest>,
) -> Result<(StatusCode, Json<RoleInfo>), ServerError> {
    let info = perform(state, creds, Action::RoleWrite, move |ops, caller| {
        ops.create_role(caller, req)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(info)))
}

#[utoipa::path(
    get,
    path = "/v1/roles",
    tag = "access",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The built-in roles with their actions, then the tenant's custom roles by name", body = RoleList),
        AuthErrors,
    )
)]
/// `GET /v1/roles`.
pub(in crate::rest) async fn list(
    State(state): State<AppState>,
    Creds(creds): Creds,
) -> Result<Json<RoleList>, ServerError> {
    perform(state, creds, Action::RoleRead, move |ops, caller| {
        ops.list_roles(caller)
    })
    .await
    .map(Json)
}

#[utoipa::path(
    get,
    path = "/v1/roles/{name}",
    tag = "access",
    params(("name" = String, Path, description = "The role's name (built in or custom)")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The role", body = RoleInfo),
        AuthErrors,
        BadRequest,
        AccessNotFound,
    )
)]
/// `GET /v1/roles/{name}`.
pub(in crate::rest) async fn show(
    State(state): State<AppState>,
    Creds(creds): Creds,
    Segment(name): Segment<RoleName>,
) -> Result<Json<RoleInfo>, ServerError> {
    perform(state, creds, Action::RoleRead, move |ops, caller| {
        ops.role(caller, &name)
    })
    .await
    .map(Json)
}

#[utoipa::path(
    put,
    path = "/v1/roles/{name}",
    tag = "access",
    params(("name" = String, Path, description = "The role's name (built in or custom)")),
    request_body = UpdateRoleRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The custom role, replaced", body = RoleInfo),
        AuthErrors,
        BadRequest,
        BodyErrors,
        AccessNotFound,
        AccessConflict,
    )
)]
/// `PUT /v1/roles/{name}`.
pub(in crate::rest) async fn update(
    State(state): State<AppState>,
    Creds(creds): Creds,
    Segment(name): Segment<RoleName>,
    ApiJson(req): ApiJson<UpdateRoleRequest>,
) -> Result<Json<RoleInfo>, ServerError> {
    perform(state, creds, Action::RoleWrite, move |ops, caller| {
        ops.update_role(caller, &name, req)
    })
    .await
    .map(Json)
}

#[utoipa::path(
    delete,
    path = "/v1/roles/{name}",
    tag = "access",
    params(("name" = String, Path, description = "The role's name (built in or custom)")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        AuthErrors,
        BadRequest,
        AccessNotFound,
        AccessConflict,
    )
)]
/// `DELETE /v1/roles/{name}`.
pub(in crate::rest) async fn delete(
    State(state): State<AppState>,
    Creds(creds): Creds,
    Segment(name): Segment<RoleName>,
) -> Result<StatusCode, ServerError> {
    perform(state, creds, Action::RoleWrite, move |ops, caller| {
        ops.delete_role(caller, &name)
    })
    .await
    .map(|()| StatusCode::NO_CONTENT)
}
