//! `/v1/keys/*` handlers.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use keyhold_api::keys::{
    CreateKeyRequest, DecryptRequest, DecryptResponse, EncryptRequest, EncryptResponse, KeyInfo,
    KeyList, ListKeysQuery,
};
use keyhold_core::{Action, KeyRef};

use super::AppState;
use super::extract::{ApiJson, ApiQuery, Creds, KeyPath};
use super::openapi::{AuthErrors, BadRequest, BodyErrors, Conflict, Gone, NotFound, Unprocessable};
use crate::error::ServerError;
use crate::ops::{Caller, Credentials, Operations};

/// Runs one request through the operations service: authentication, the
/// operation on the blocking pool, and its audit event.
pub(super) async fn perform<T, F>(
    state: AppState,
    creds: Credentials,
    action: Action,
    f: F,
) -> Result<T, ServerError>
where
    T: Send + 'static,
    F: FnOnce(&Operations, &Caller) -> Result<T, ServerError> + Send + 'static,
{
    state.ops.perform(creds, action, f).await
}

/// Runs a request on `key` through the operations service, inline when it
/// is warm (see `Operations::perform_on`).
pub(super) async fn perform_on<T, F>(
    state: AppState,
    creds: Credentials,
    action: Action,
    key: KeyRef,
    f: F,
) -> Result<T, ServerError>
where
    T: Send + 'static,
    F: FnOnce(&Operations, &Caller, &KeyRef) -> Result<T, ServerError> + Send + 'static,
{
    state.ops.perform_on(creds, action, key, f).await
}

/// Runs an unauthenticated operation (init, unseal) on the blocking pool.
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

#[utoipa::path(
    post,
    path = "/v1/keys",
    tag = "keys",
    request_body = CreateKeyRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = KeyInfo),
        AuthErrors,
        BadRequest,
        BodyErrors,
        Conflict,
        Unprocessable,
    )
)]
/// `POST /v1/keys`.
pub(super) async fn create(
    State(state): State<AppState>,
    Creds(creds): Creds,
    ApiJson(req): ApiJson<CreateKeyRequest>,
) -> Result<(StatusCode, Json<KeyInfo>), ServerError> {
    let info = perform(state, creds, Action::KeyCreate, move |ops, caller| {
        ops.create_key(caller, req)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(info)))
}

#[utoipa::path(
    get,
    path = "/v1/keys",
    tag = "keys",
    params(ListKeysQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The keys, by name", body = KeyList),
        AuthErrors,
        BadRequest,
    )
)]
/// `GET /v1/keys`.
pub(super) async fn list(
    State(state): State<AppState>,
    Creds(creds): Creds,
    ApiQuery(q): ApiQuery<ListKeysQuery>,
) -> Result<Json<KeyList>, ServerError> {
    perform(state, creds, Action::KeyList, move |ops, caller| {
        ops.list_keys(caller, q)
    })
    .await
    .map(Json)
}

#[utoipa::path(
    get,
    path = "/v1/keys/{key}",
    tag = "keys",
    params(("key" = String, Path, description = "The key's id (UUID) or name")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The key", body = KeyInfo),
        AuthErrors,
        BadRequest,
        NotFound,
    )
)]
/// `GET /v1/keys/{key}`.
pub(super) async fn show(
    State(state): State<AppState>,
    Creds(creds): Creds,
    KeyPath(key): KeyPath,
) -> Result<Json<KeyInfo>, ServerError> {
    perform(state, creds, Action::KeyRead, move |ops, caller| {
        ops.key(caller, &key)
    })
    .await
    .map(Json)
}

#[utoipa::path(
    post,
    path = "/v1/keys/{key}/encrypt",
    tag = "crypto",
    params(("key" = String, Path, description = "The key's id (UUID) or name")),
    request_body = EncryptRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Encrypted", body = EncryptResponse),
        AuthErrors,
        BadRequest,
        BodyErrors,
        NotFound,
        Conflict,
        Gone,
        Unprocessable,
    )
)]
/// `POST /v1/keys/{key}/encrypt`.
pub(super) async fn encrypt(
    State(state): State<AppState>,
    Creds(creds): Creds,
    KeyPath(key): KeyPath,
    ApiJson(req): ApiJson<EncryptRequest>,
) -> Result<Json<EncryptResponse>, ServerError> {
    perform_on(
        state,
        creds,
        Action::KeyEncrypt,
        key,
        move |ops, caller, key| ops.encrypt(caller, key, req),
    )
    .await
    .map(Json)
}

#[utoipa::path(
    post,
    path = "/v1/keys/{key}/decrypt",
    tag = "crypto",
    params(("key" = String, Path, description = "The key's id (UUID) or name")),
    request_body = DecryptRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Decrypted", body = DecryptResponse),
        AuthErrors,
        BadRequest,
        BodyErrors,
        NotFound,
        Conflict,
        Gone,
        Unprocessable,
    )
)]
/// `POST /v1/keys/{key}/decrypt`.
pub(super) async fn decrypt(
    State(state): State<AppState>,
    Creds(creds): Creds,
    KeyPath(key): KeyPath,
    ApiJson(req): ApiJson<DecryptRequest>,
) -> Result<Json<DecryptResponse>, ServerError> {
    perform_on(
        state,
        creds,
        Action::KeyDecrypt,
        key,
        move |ops, caller, key| ops.decrypt(caller, key, req),
    )
    .await
    .map(Json)
}
