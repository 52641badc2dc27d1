//! `/v1/principals` handlers: principals, their roles and their
//! certificate identities.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use keyhold_api::access::{
    BindCertificateRequest, CertificateInfo, CertificateList, CreatePrincipalRequest,
    GrantRoleRequest, PageQuery, PrincipalInfo, PrincipalList, UpdatePrincipalRequest,
};
use keyhold_core::{Action, PrincipalName, RoleName};

use super::{Segment, SegmentPair};
use crate::error::ServerError;
use crate::rest::AppState;
use crate::rest::extract::{ApiJson, ApiQuery, Creds};
use crate::rest::keys::perform;
use crate::rest::openapi::{AccessConflict, AccessNotFound, AuthErrors, BadRequest, BodyErrors};

#[utoipa::path(
    post,
    path = "/v1/principals",
    tag = "access",
    request_body = CreatePrincipalRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = PrincipalInfo),
        AuthErrors,
        BadRequest,
        BodyErrors,
        AccessNotFound,
        AccessConflict,
    )
)]
/// `POST /v1/principals`.
pub(in crate::rest) async fn create(
    State(state): State<AppState>,
    Creds(creds): Creds,
    ApiJson(req): ApiJson<CreatePrincipalRequest>,
) -> Result<(StatusCode, Json<PrincipalInfo>), ServerError> {
    let info = perform(state, creds, Action::PrincipalWrite, move |ops, caller| {
        ops.create_principal(caller, req)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(info)))
}

#[utoipa::path(
    get,
    path = "/v1/principals",
    tag = "access",
    params(PageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The tenant's principals, by name", body = PrincipalList),
        AuthErrors,
        BadRequest,
    )
)]
/// `GET /v1/principals`.
pub(in crate::rest) async fn list(
    State(state): State<AppState>,
    Creds(creds): Creds,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<PrincipalList>, ServerError> {
    perform(state, creds, Action::PrincipalRead, move |ops, caller| {
        ops.list_principals(caller, q)
    })
    .await
    .map(Json)
}

#[utoipa::path(
    get,
    path = "/v1/principals/{name}",
    tag = "access",
    params(("name" = String, Path, description = "The principal's name")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The principal", body = PrincipalInfo),
        AuthErrors,
        BadRequest,
        AccessNotFound,
    )
)]
/// `GET /v1/principals/{name}`.
pub(in crate::rest) async fn show(
    State(state): State<AppState>,
    Creds(creds): Creds,
    Segment(name): Segment<PrincipalName>,
) -> Result<Json<PrincipalInfo>, ServerError> {
    perform(state, creds, Action::PrincipalRead, move |ops, caller| {
        ops.principal(caller, &name)
    })
    .await
    .map(Json)
}

#[utoipa::path(
    patch,
    path = "/v1/principals/{name}",
    tag = "access",
    params(("name" = String, Path, description = "The principal's name")),
    request_body = UpdatePrincipalRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The principal, changed", body = PrincipalInfo),
        AuthErrors,
        BadRequest,
        BodyErrors,
        AccessNotFound,
        AccessConflict,
    )
)]
/// `PATCH /v1/principals/{name}`.
pub(in crate::rest) async fn update(
    State(state): State<AppState>,
    Creds(creds): Creds,
    Segment(name): Segment<PrincipalName>,
    ApiJson(req): ApiJson<UpdatePrincipalRequest>,
) -> Result<Json<PrincipalInfo>, ServerError> {
    perform(state, creds, Action::PrincipalWrite, move |ops, caller| {
        ops.update_principal(caller, &name, req)
    })
    .await
    .map(Json)
}

#[utoipa::path(
    delete,
    path = "/v1/principals/{name}",
    tag = "access",
    params(("name" = String, Path, description = "The principal's name")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted, with its tokens and certificate bindings"),
        AuthErrors,
        BadRequest,
        AccessNotFound,
    )
)]
/// `DELETE /v1/principals/{name}`.
pub(in crate::rest) async fn delete(
    State(state): State<AppState>,
    Creds(creds): Creds,
    Segment(name): Segment<PrincipalName>,
) -> Result<StatusCode, ServerError> {
    perform(state, creds, Action::PrincipalWrite, move |ops, caller| {
        ops.delete_principal(caller, &name)
    })
    .await
    .map(|()| StatusCode::NO_CONTENT)
}

#[utoipa::path(
    post,
    path = "/v1/principals/{name}/roles",
    tag = "access",
    params(("name" = String, Path, description = "The principal's name")),
    request_body = GrantRoleRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The principal, with the role", body = PrincipalInfo),
        AuthErrors,
        BadRequest,
        BodyErrors,
        AccessNotFound,
        AccessConflict,
    )
)]
/// `POST /v1/principals/{name}/roles`.
pub(in crate::rest) async fn grant(
    State(state): State<AppState>,
    Creds(creds): Creds,
    Segment(name): Segment<PrincipalName>,
    ApiJson(req): ApiJson<GrantRoleRequest>,
) -> Result<Json<PrincipalInfo>, ServerError> {
    perform(state, creds, Action::PrincipalWrite, move |ops, caller| {
        ops.grant_role(caller, &name, req.role)
    })
    .await
    .map(Json)
}

#[utoipa::path(
    delete,
    path = "/v1/principals/{name}/roles/{role}",
    tag = "access",
    params(
        ("name" = String, Path, description = "The principal's name"),
        ("role" = String, Path, description = "The role to revoke"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The principal, without the role (unchanged if it did not hold it)", body = PrincipalInfo),
        AuthErrors,
        BadRequest,
        AccessNotFound,
        AccessConflict,
    )
)]
/// `DELETE /v1/principals/{name}/roles/{role}`.
pub(in crate::rest) async fn revoke(
    State(state): State<AppState>,
    Creds(creds): Creds,
    SegmentPair(name, role): SegmentPair<PrincipalName>,
) -> Result<Json<PrincipalInfo>, ServerError> {
    let role: RoleName = role.parse()?;
    perform(state, creds, Action::PrincipalWrite, move |ops, caller| {
        ops.revoke_role(caller, &name, &role)
    })
    .await
    .map(Json)
}

#[utoipa::path(
    post,
    path = "/v1/principals/{name}/certificates",
    tag = "access",
    params(("name" = String, Path, description = "The principal's name")),
    request_body = BindCertificateRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Bound", body = CertificateInfo),
        AuthErrors,
        BadRequest,
        BodyErrors,
        AccessNotFound,
        AccessConflict,
    )
)]
/// `POST /v1/principals/{name}/certificates`.
pub(in crate::rest) async fn bind_certificate(
    State(state): State<AppState>,
    Creds(creds): Creds,
    Segment(name): Segment<PrincipalName>,
    ApiJson(req): ApiJson<BindCertificateRequest>,
) -> Result<(StatusCode, Json<CertificateInfo>), ServerError> {
    let info = perform(state, creds, Action::PrincipalWrite, move |ops, caller| {
        ops.bind_certificate(caller, &name, req)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(info)))
}

#[utoipa::path(
    get,
    path = "/v1/principals/{name}/certificates",
    tag = "access",
    params(("name" = String, Path, description = "The principal's name")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The principal's certificate bindings", body = CertificateList),
        AuthErrors,
        BadRequest,
        AccessNotFound,
    )
)]
/// `GET /v1/principals/{name}/certificates`.
pub(in crate::rest) async fn certificates(
    State(state): State<AppState>,
    Creds(creds): Creds,
    Segment(name): Segment<PrincipalName>,
) -> Result<Json<CertificateList>, ServerError> {
    perform(state, creds, Action::PrincipalRead, move |ops, caller| {
        ops.certificates(caller, &name)
    })
    .await
    .map(Json)
}

#[utoipa::path(
    delete,
    path = "/v1/principals/{name}/certificates/{certificate}",
    tag = "access",
    params(
        ("name" = String, Path, description = "The principal's name"),
        ("certificate" = String, Path, description = "The binding's `ref`: `sha256:<hex>` or `subject:<DN>`"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Unbound"),
        AuthErrors,
        BadRequest,
        AccessNotFound,
    )
)]
/// `DELETE /v1/principals/{name}/certificates/{certificate}`.
pub(in crate::rest) async fn unbind_certificate(
    State(state): State<AppState>,
    Creds(creds): Creds,
    SegmentPair(name, reference): SegmentPair<PrincipalName>,
) -> Result<StatusCode, ServerError> {
    perform(state, creds, Action::PrincipalWrite, move |ops, caller| {
        ops.unbind_certificate(caller, &name, &reference)
    })
    .await
    .map(|()| StatusCode::NO_CONTENT)
}
