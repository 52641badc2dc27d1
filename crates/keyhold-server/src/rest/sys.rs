//! `/v1/sys/*` handlers.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use keyhold_api::sys::{
    Health, HealthStatus, InitRequest, InitResponse, SealStatus, UnsealRequest,
};

use super::AppState;
use super::extract::{ApiJson, Authed};
use super::keys::blocking;
use crate::error::ServerError;

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

/// `GET /v1/sys/seal-status`.
pub(super) async fn seal_status(State(state): State<AppState>) -> Json<SealStatus> {
    Json(state.ops.vault().status())
}

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

/// `POST /v1/sys/unseal`.
pub(super) async fn unseal(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<UnsealRequest>,
) -> Result<Json<SealStatus>, ServerError> {
    blocking(state, move |ops| ops.vault().unseal(&req.share))
        .await
        .map(Json)
}

/// `POST /v1/sys/seal` (root token).
pub(super) async fn seal(
    State(state): State<AppState>,
    Authed(_caller): Authed,
) -> Result<Json<SealStatus>, ServerError> {
    state.ops.vault().seal().map(Json)
}
