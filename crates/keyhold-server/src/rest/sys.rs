//! `/v1/sys/*` handlers.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use keyhold_api::sys::{
    Health, HealthStatus, InitRequest, InitResponse, RotateRootResponse, SealStatus, UnsealRequest,
};
use keyhold_core::Action;

use super::AppState;
use super::extract::{ApiJson, Creds};
use super::keys::{blocking, perform};
use super::openapi::{
    AuthErrors, BadRequest, BodyErrors, Conflict, ServiceUnavailable, Unprocessable,
};
use crate::error::ServerError;

#[utoipa::path(
    get,
    path = "/v1/sys/health",
    tag = "sys",
    responses(
        (status = 200, description = "Serving", body = Health),
        (status = 503, description = "Sealed or not initialized", body = Health),
    )
)]
/// `GET /v1/sys/health`: 200 when serving, 503 when sealed or uninitialized.
pub(super) async fn health(State(state): State<AppState>) -> impl IntoResponse {
    let s = state.ops.vault().status();
    let status = match (s.initialized, s.sealed) {
        (false, _) => HealthStatus::Uninitialized,
        (true, true) => HealthStatus::Sealed,
        (true, false) => HealthStatus::Ok,
    };
    let code = if status == HealthStatus::Ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = Health {
        status,
        initialized: s.initialized,
        sealed: s.sealed,
        version: env!("CARGO_PKG_VERSION").to_owned(),
    };
    (code, Json(body))
}

#[utoipa::path(
    get,
    path = "/v1/sys/seal-status",
    tag = "sys",
    responses(
        (status = 200, description = "The seal status", body = SealStatus),
    )
)]
/// `GET /v1/sys/seal-status`.
pub(super) async fn seal_status(State(state): State<AppState>) -> Json<SealStatus> {
    Json(state.ops.vault().status())
}

#[utoipa::path(
    post,
    path = "/v1/sys/init",
    tag = "sys",
    request_body = InitRequest,
    responses(
        (status = 200, description = "Initialized; the shares and the root token, shown once", body = InitResponse),
        BadRequest,
        BodyErrors,
        Conflict,
        Unprocessable,
    )
)]
/// `POST /v1/sys/init`.
pub(super) async fn init(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<InitRequest>,
) -> Result<Json<InitResponse>, ServerError> {
    blocking(state, move |ops| {
        ops.vault().init(req.shares, req.threshold, ops.now())
    })
    .await
    .map(Json)
}

#[utoipa::path(
    post,
    path = "/v1/sys/unseal",
    tag = "sys",
    request_body = UnsealRequest,
    responses(
        (status = 200, description = "Share accepted; the seal status", body = SealStatus),
        BadRequest,
        BodyErrors,
        ServiceUnavailable,
    )
)]
/// `POST /v1/sys/unseal`.
pub(super) async fn unseal(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<UnsealRequest>,
) -> Result<Json<SealStatus>, ServerError> {
    blocking(state, move |ops| ops.unseal(&req.share))
        .await
        .map(Json)
}

#[utoipa::path(
    post,
    path = "/v1/sys/seal",
    tag = "sys",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Sealed", body = SealStatus),
        AuthErrors,
        BadRequest,
    )
)]
/// `POST /v1/sys/seal` (root token).
pub(super) async fn seal(
    State(state): State<AppState>,
    Creds(creds): Creds,
) -> Result<Json<SealStatus>, ServerError> {
    perform(state, creds, Action::SysSeal, |ops, caller| {
        ops.seal(caller)
    })
    .await
    .map(Json)
}

#[utoipa::path(
    post,
    path = "/v1/sys/rotate-root",
    tag = "sys",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Rotated; the generations and KEKs re-sealed", body = RotateRootResponse),
        AuthErrors,
        BadRequest,
    )
)]
/// `POST /v1/sys/rotate-root`: a new root key; every tenant KEK re-sealed
/// under it in one transaction (global administrators; quorum-enforced).
/// Shares, key material, audit and backup keys are unchanged.
pub(super) async fn rotate_root(
    State(state): State<AppState>,
    Creds(creds): Creds,
) -> Result<Json<RotateRootResponse>, ServerError> {
    perform(state, creds, Action::SysRotateRoot, |ops, caller| {
        ops.rotate_root(caller)
    })
    .await
    .map(Json)
}
