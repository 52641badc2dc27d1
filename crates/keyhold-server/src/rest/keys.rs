//! `/v1/keys/*` handlers.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use keyhold_api::keys::{
    CreateKeyRequest, DecryptRequest, DecryptResponse, EncryptRequest, EncryptResponse, KeyInfo,
    KeyList, ListKeysQuery,
};

use super::AppState;
use super::extract::{ApiJson, ApiQuery, Authed, KeyPath};
use crate::error::ServerError;
use crate::ops::Operations;

/// Runs an operation on the blocking pool (it touches the store and does
/// CPU-bound crypto).
pub(super) async fn blocking<T, F>(state: AppState, f: F) -> Result<T, ServerError>
where
    T: Send + 'static,
    F: FnOnce(&Operations) -> Result<T, ServerError> + Send + 'static,
{
    tokio::task::spawn_blocking(move || f(&state.ops))
        .await
        .map_err(|_| ServerError::Internal {
            what: "operation task failed",
        })?
}

/// `POST /v1/keys`.
pub(super) async fn create(
    State(state): State<AppState>,
    Authed(caller): Authed,
    ApiJson(req): ApiJson<CreateKeyRequest>,
) -> Result<(StatusCode, Json<KeyInfo>), ServerError> {
    let info = blocking(state, move |ops| ops.create_key(&caller, req)).await?;
    Ok((StatusCode::CREATED, Json(info)))
}

/// `GET /v1/keys`.
pub(super) async fn list(
    State(state): State<AppState>,
    Authed(caller): Authed,
    ApiQuery(q): ApiQuery<ListKeysQuery>,
) -> Result<Json<KeyList>, ServerError> {
    blocking(state, move |ops| ops.list_keys(&caller, q))
        .await
        .map(Json)
}

/// `GET /v1/keys/{key}`.
pub(super) async fn show(
    State(state): State<AppState>,
    Authed(caller): Authed,
    KeyPath(key): KeyPath,
) -> Result<Json<KeyInfo>, ServerError> {
    blocking(state, move |ops| ops.key(&caller, &key))
        .await
        .map(Json)
}

/// `POST /v1/keys/{key}/encrypt`.
pub(super) async fn encrypt(
    State(state): State<AppState>,
    Authed(caller): Authed,
    KeyPath(key): KeyPath,
    ApiJson(req): ApiJson<EncryptRequest>,
) -> Result<Json<EncryptResponse>, ServerError> {
    blocking(state, move |ops| ops.encrypt(&caller, &key, req))
        .await
        .map(Json)
}

/// `POST /v1/keys/{key}/decrypt`.
pub(super) async fn decrypt(
    State(state): State<AppState>,
    Authed(caller): Authed,
    KeyPath(key): KeyPath,
    ApiJson(req): ApiJson<DecryptRequest>,
) -> Result<Json<DecryptResponse>, ServerError> {
    blocking(state, move |ops| ops.decrypt(&caller, &key, req))
        .await
        .map(Json)
}
