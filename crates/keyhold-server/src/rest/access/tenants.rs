//! `/v1/tenants` handlers.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use keyhold_api::access::{
    CreateTenantRequest, RotateKekResponse, TenantInfo, TenantList, TenantSettingsSchema,
};
use keyhold_core::{Action, TenantName, TenantSettings};

use super::Segment;
use crate::error::ServerError;
use crate::rest::AppState;
use crate::rest::extract::{ApiJson, Creds};
use crate::rest::keys::perform;
use crate::rest::openapi::{
    AccessConflict, AccessNotFound, AccessUnprocessable, AuthErrors, BadRequest, BodyErrors,
};

#[utoipa::path(
    post,
    path = "/v1/tenants",
    tag = "access",
    request_body = CreateTenantRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created, with its own KEK", body = TenantInfo),
        AuthErrors,
        BadRequest,
        BodyErrors,
        AccessConflict,
    )
)]
/// `POST /v1/tenants`.
pub(in crate::rest) async fn create(
    State(state): State<AppState>,
    Creds(creds): Creds,
    ApiJson(req): ApiJson<CreateTenantRequest>,
) -> Result<(StatusCode, Json<TenantInfo>), ServerError> {
    let info = perform(state, creds, Action::TenantWrite, move |ops, caller| {
        ops.create_tenant(caller, req)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(info)))
}

#[utoipa::path(
    get,
    path = "/v1/tenants",
    tag = "access",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every tenant, by name", body = TenantList),
        AuthErrors,
    )
)]
/// `GET /v1/tenants`.
pub(in crate::rest) async fn list(
    State(state): State<AppState>,
    Creds(creds): Creds,
) -> Result<Json<TenantList>, ServerError> {
    perform(state, creds, Action::TenantRead, move |ops, caller| {
        ops.list_tenants(caller)
    })
    .await
    .map(Json)
}

#[utoipa::path(
    get,
    path = "/v1/tenants/{name}",
    tag = "access",
    params(("name" = String, Path, description = "The tenant's name")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The tenant", body = TenantInfo),
        AuthErrors,
        BadRequest,
        AccessNotFound,
    )
)]
/// `GET /v1/tenants/{name}`.
pub(in crate::rest) async fn show(
    State(state): State<AppState>,
    Creds(creds): Creds,
    Segment(name): Segment<TenantName>,
) -> Result<Json<TenantInfo>, ServerError> {
    perform(state, creds, Action::TenantRead, move |ops, caller| {
        ops.tenant_named(caller, &name)
    })
    .await
    .map(Json)
}

#[utoipa::path(
    get,
    path = "/v1/tenants/{name}/settings",
    tag = "access",
    params(("name" = String, Path, description = "The tenant's name")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The tenant's access settings (defaults if never set)", body = TenantSettingsSchema),
        AuthErrors,
        BadRequest,
        AccessNotFound,
    )
)]
/// `GET /v1/tenants/{name}/settings`.
pub(in crate::rest) async fn settings(
    State(state): State<AppState>,
    Creds(creds): Creds,
    Segment(name): Segment<TenantName>,
) -> Result<Json<TenantSettings>, ServerError> {
    perform(state, creds, Action::TenantRead, move |ops, caller| {
        ops.tenant_settings(caller, &name)
    })
    .await
    .map(Json)
}

#[utoipa::path(
    put,
    path = "/v1/tenants/{name}/settings",
    tag = "access",
    params(("name" = String, Path, description = "The tenant's name")),
    request_body = TenantSettingsSchema,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The settings, replaced whole", body = TenantSettingsSchema),
        AuthErrors,
        BadRequest,
        BodyErrors,
        AccessNotFound,
        AccessUnprocessable,
    )
)]
/// `PUT /v1/tenants/{name}/settings`.
pub(in crate::rest) async fn set_settings(
    State(state): State<AppState>,
    Creds(creds): Creds,
    Segment(name): Segment<TenantName>,
    ApiJson(settings): ApiJson<TenantSettings>,
) -> Result<Json<TenantSettings>, ServerError> {
    perform(state, creds, Action::TenantWrite, move |ops, caller| {
        ops.set_tenant_settings(caller, &name, settings)
    })
    .await
    .map(Json)
}

#[utoipa::path(
    post,
    path = "/v1/tenants/{name}/rotate-kek",
    tag = "access",
    params(("name" = String, Path, description = "The tenant's name")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Rotated: every version's material re-sealed under the new KEK, the old KEK deleted", body = RotateKekResponse),
        AuthErrors,
        BadRequest,
        AccessNotFound,
        AccessConflict,
    )
)]
/// `POST /v1/tenants/{name}/rotate-kek`: a new KEK for the tenant; its key
/// versions' material re-sealed under it in batches, online; the old KEK
/// deleted at the end. Finishes a rotation left pending. Global admins
/// only; action `sys:rotate-root` (quorum-enforced; the approval binds
/// `{"tenant": "<name>"}`).
pub(in crate::rest) async fn rotate_kek(
    State(state): State<AppState>,
    Creds(creds): Creds,
    Segment(name): Segment<TenantName>,
) -> Result<Json<RotateKekResponse>, ServerError> {
    perform(state, creds, Action::SysRotateRoot, move |ops, caller| {
        ops.rotate_kek(caller, &name)
    })
    .await
    .map(Json)
}
