//! `/v1/keys/{key}` lifecycle handlers: PATCH, versions, public key, and
//! the state-changing POSTs. Each only extracts, calls the operations
//! service and answers with JSON.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use keyhold_api::keys::KeyInfo;
use keyhold_api::lifecycle::{
    EmptyBody, KeyVersions, PublicKeyQuery, PublicKeyResponse, RevokeRequest,
    ScheduleDestroyRequest, UpdateKeyRequest,
};
use keyhold_core::Action;
use keyhold_core::KeyRef;
use serde::de::DeserializeOwned;

use super::AppState;
use super::extract::{ApiJson, ApiQuery, Creds, KeyPath, ObjectOnly};
use super::keys::perform;
use super::openapi::{AuthErrors, BadRequest, BodyErrors, Conflict, Gone, NotFound, Unprocessable};
use crate::error::ServerError;
use crate::ops::{Caller, Credentials, Operations};

/// An optional JSON body: none at all gives `T::default()`; otherwise it must
/// be JSON (`content-type: application/json`) of type `T`, whose unknown
/// fields are refused.
#[derive(Debug)]
pub(super) struct OptionalJson<T>(pub(super) T);

impl<T: DeserializeOwned + Default, S: Send + Sync> FromRequest<S> for OptionalJson<T> {
    type Rejection = ServerError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(is_json_type);
        let bytes = Bytes::from_request(req, state).await.map_err(|r| {
            if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ServerError::PayloadTooLarge
            } else {
                ServerError::InvalidRequest {
                    detail: r.body_text(),
                }
            }
        })?;
        if bytes.is_empty() {
            return Ok(Self(T::default()));
        }
        if !is_json {
            return Err(ServerError::UnsupportedMediaType);
        }
        serde_json::from_slice(&bytes)
            .map(|ObjectOnly(v)| Self(v))
            .map_err(|e| ServerError::InvalidRequest {
                detail: format!("invalid JSON body: {e}"),
            })
    }
}

/// `application/json` or `application/*+json`, with any parameters.
fn is_json_type(value: &str) -> bool {
    let essence = value.split(';').next().unwrap_or("").trim();
    let lower = essence.to_ascii_lowercase();
    lower == "application/json" || (lower.starts_with("application/") && lower.ends_with("+json"))
}

/// A lifecycle operation that takes nothing but the key.
type KeyOp = fn(&Operations, &Caller, &KeyRef) -> Result<KeyInfo, ServerError>;

async fn run(
    state: AppState,
    creds: Credentials,
    key: KeyRef,
    action: Action,
    op: KeyOp,
) -> Result<Json<KeyInfo>, ServerError> {
    perform(state, creds, action, move |ops, caller| {
        op(ops, caller, &key)
    })
    .await
    .map(Json)
}

#[utoipa::path(
    post,
    path = "/v1/keys/{key}/rotate",
    tag = "keys",
    params(("key" = String, Path, description = "The key's id (UUID) or name")),
    request_body(content = Option<EmptyBody>, description = "Optional: may be left out"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Rotated: a new primary version", body = KeyInfo),
        AuthErrors,
        BadRequest,
        BodyErrors,
        NotFound,
        Conflict,
        Gone,
        Unprocessable,
    )
)]
/// `POST /v1/keys/{key}/rotate`.
pub(super) async fn rotate(
    State(state): State<AppState>,
    Creds(creds): Creds,
    KeyPath(key): KeyPath,
    OptionalJson(EmptyBody {}): OptionalJson<EmptyBody>,
) -> Result<Json<KeyInfo>, ServerError> {
    run(state, creds, key, Action::KeyRotate, Operations::rotate_key).await
}

#[utoipa::path(
    post,
    path = "/v1/keys/{key}/activate",
    tag = "keys",
    params(("key" = String, Path, description = "The key's id (UUID) or name")),
    request_body(content = Option<EmptyBody>, description = "Optional: may be left out"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Activated", body = KeyInfo),
        AuthErrors,
        BadRequest,
        BodyErrors,
        NotFound,
        Conflict,
        Gone,
        Unprocessable,
    )
)]
/// `POST /v1/keys/{key}/activate`.
pub(super) async fn activate(
    State(state): State<AppState>,
    Creds(creds): Creds,
    KeyPath(key): KeyPath,
    OptionalJson(EmptyBody {}): OptionalJson<EmptyBody>,
) -> Result<Json<KeyInfo>, ServerError> {
    run(
        state,
        creds,
        key,
        Action::KeyActivate,
        Operations::activate_key,
    )
    .await
}

#[utoipa::path(
    post,
    path = "/v1/keys/{key}/deactivate",
    tag = "keys",
    params(("key" = String, Path, description = "The key's id (UUID) or name")),
    request_body(content = Option<EmptyBody>, description = "Optional: may be left out"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Deactivated", body = KeyInfo),
        AuthErrors,
        BadRequest,
        BodyErrors,
        NotFound,
        Conflict,
        Gone,
        Unprocessable,
    )
)]
/// `POST /v1/keys/{key}/deactivate`.
pub(super) async fn deactivate(
    State(state): State<AppState>,
    Creds(creds): Creds,
    KeyPath(key): KeyPath,
    OptionalJson(EmptyBody {}): OptionalJson<EmptyBody>,
) -> Result<Json<KeyInfo>, ServerError> {
    run(
        state,
        creds,
        key,
        Action::KeyDeactivate,
        Operations::deactivate_key,
    )
    .await
}

#[utoipa::path(
    post,
    path = "/v1/keys/{key}/suspend",
    tag = "keys",
    params(("key" = String, Path, description = "The key's id (UUID) or name")),
    request_body(content = Option<EmptyBody>, description = "Optional: may be left out"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Suspended", body = KeyInfo),
        AuthErrors,
        BadRequest,
        BodyErrors,
        NotFound,
        Conflict,
        Gone,
        Unprocessable,
    )
)]
/// `POST /v1/keys/{key}/suspend`.
pub(super) async fn suspend(
    State(state): State<AppState>,
    Creds(creds): Creds,
    KeyPath(key): KeyPath,
    OptionalJson(EmptyBody {}): OptionalJson<EmptyBody>,
) -> Result<Json<KeyInfo>, ServerError> {
    run(
        state,
        creds,
        key,
        Action::KeySuspend,
        Operations::suspend_key,
    )
    .await
}

#[utoipa::path(
    post,
    path = "/v1/keys/{key}/resume",
    tag = "keys",
    params(("key" = String, Path, description = "The key's id (UUID) or name")),
    request_body(content = Option<EmptyBody>, description = "Optional: may be left out"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Resumed", body = KeyInfo),
        AuthErrors,
        BadRequest,
        BodyErrors,
        NotFound,
        Conflict,
        Gone,
        Unprocessable,
    )
)]
/// `POST /v1/keys/{key}/resume`.
pub(super) async fn resume(
    State(state): State<AppState>,
    Creds(creds): Creds,
    KeyPath(key): KeyPath,
    OptionalJson(EmptyBody {}): OptionalJson<EmptyBody>,
) -> Result<Json<KeyInfo>, ServerError> {
    run(state, creds, key, Action::KeyResume, Operations::resume_key).await
}

#[utoipa::path(
    post,
    path = "/v1/keys/{key}/cancel-destroy",
    tag = "keys",
    params(("key" = String, Path, description = "The key's id (UUID) or name")),
    request_body(content = Option<EmptyBody>, description = "Optional: may be left out"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Destruction cancelled", body = KeyInfo),
        AuthErrors,
        BadRequest,
        BodyErrors,
        NotFound,
        Conflict,
        Gone,
        Unprocessable,
    )
)]
/// `POST /v1/keys/{key}/cancel-destroy`.
pub(super) async fn cancel_destroy(
    State(state): State<AppState>,
    Creds(creds): Creds,
    KeyPath(key): KeyPath,
    OptionalJson(EmptyBody {}): OptionalJson<EmptyBody>,
) -> Result<Json<KeyInfo>, ServerError> {
    run(
        state,
        creds,
        key,
        Action::KeyCancelDestroy,
        Operations::cancel_key_destroy,
    )
    .await
}

#[utoipa::path(
    post,
    path = "/v1/keys/{key}/archive",
    tag = "keys",
    params(("key" = String, Path, description = "The key's id (UUID) or name")),
    request_body(content = Option<EmptyBody>, description = "Optional: may be left out"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Archived", body = KeyInfo),
        AuthErrors,
        BadRequest,
        BodyErrors,
        NotFound,
        Conflict,
        Gone,
        Unprocessable,
    )
)]
/// `POST /v1/keys/{key}/archive`.
pub(super) async fn archive(
    State(state): State<AppState>,
    Creds(creds): Creds,
    KeyPath(key): KeyPath,
    OptionalJson(EmptyBody {}): OptionalJson<EmptyBody>,
) -> Result<Json<KeyInfo>, ServerError> {
    run(
        state,
        creds,
        key,
        Action::KeyArchive,
        Operations::archive_key,
    )
    .await
}

#[utoipa::path(
    post,
    path = "/v1/keys/{key}/recover",
    tag = "keys",
    params(("key" = String, Path, description = "The key's id (UUID) or name")),
    request_body(content = Option<EmptyBody>, description = "Optional: may be left out"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Recovered", body = KeyInfo),
        AuthErrors,
        BadRequest,
        BodyErrors,
        NotFound,
        Conflict,
        Gone,
        Unprocessable,
    )
)]
/// `POST /v1/keys/{key}/recover`.
pub(super) async fn recover(
    State(state): State<AppState>,
    Creds(creds): Creds,
    KeyPath(key): KeyPath,
    OptionalJson(EmptyBody {}): OptionalJson<EmptyBody>,
) -> Result<Json<KeyInfo>, ServerError> {
    run(
        state,
        creds,
        key,
        Action::KeyRecover,
        Operations::recover_key,
    )
    .await
}

#[utoipa::path(
    post,
    path = "/v1/keys/{key}/revoke",
    tag = "keys",
    params(("key" = String, Path, description = "The key's id (UUID) or name")),
    request_body = RevokeRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Revoked", body = KeyInfo),
        AuthErrors,
        BadRequest,
        BodyErrors,
        NotFound,
        Conflict,
        Gone,
        Unprocessable,
    )
)]
/// `POST /v1/keys/{key}/revoke`.
pub(super) async fn revoke(
    State(state): State<AppState>,
    Creds(creds): Creds,
    KeyPath(key): KeyPath,
    ApiJson(req): ApiJson<RevokeRequest>,
) -> Result<Json<KeyInfo>, ServerError> {
    perform(state, creds, Action::KeyRevoke, move |ops, caller| {
        ops.revoke_key(caller, &key, req)
    })
    .await
    .map(Json)
}

#[utoipa::path(
    post,
    path = "/v1/keys/{key}/schedule-destroy",
    tag = "keys",
    params(("key" = String, Path, description = "The key's id (UUID) or name")),
    request_body(content = Option<ScheduleDestroyRequest>, description = "Optional: may be left out"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Destruction scheduled", body = KeyInfo),
        AuthErrors,
        BadRequest,
        BodyErrors,
        NotFound,
        Conflict,
        Gone,
        Unprocessable,
    )
)]
/// `POST /v1/keys/{key}/schedule-destroy`.
pub(super) async fn schedule_destroy(
    State(state): State<AppState>,
    Creds(creds): Creds,
    KeyPath(key): KeyPath,
    OptionalJson(req): OptionalJson<ScheduleDestroyRequest>,
) -> Result<Json<KeyInfo>, ServerError> {
    perform(
        state,
        creds,
        Action::KeyScheduleDestroy,
        move |ops, caller| ops.schedule_key_destroy(caller, &key, req),
    )
    .await
    .map(Json)
}

#[utoipa::path(
    patch,
    path = "/v1/keys/{key}",
    tag = "keys",
    params(("key" = String, Path, description = "The key's id (UUID) or name")),
    request_body = UpdateKeyRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = KeyInfo),
        AuthErrors,
        BadRequest,
        BodyErrors,
        NotFound,
        Conflict,
        Gone,
        Unprocessable,
    )
)]
/// `PATCH /v1/keys/{key}`.
pub(super) async fn update(
    State(state): State<AppState>,
    Creds(creds): Creds,
    KeyPath(key): KeyPath,
    ApiJson(req): ApiJson<UpdateKeyRequest>,
) -> Result<Json<KeyInfo>, ServerError> {
    perform(state, creds, Action::KeyUpdate, move |ops, caller| {
        ops.update_key(caller, &key, req)
    })
    .await
    .map(Json)
}

#[utoipa::path(
    get,
    path = "/v1/keys/{key}/versions",
    tag = "keys",
    params(("key" = String, Path, description = "The key's id (UUID) or name")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The key's versions", body = KeyVersions),
        AuthErrors,
        BadRequest,
        NotFound,
    )
)]
/// `GET /v1/keys/{key}/versions`.
pub(super) async fn versions(
    State(state): State<AppState>,
    Creds(creds): Creds,
    KeyPath(key): KeyPath,
) -> Result<Json<KeyVersions>, ServerError> {
    perform(state, creds, Action::KeyRead, move |ops, caller| {
        ops.key_versions(caller, &key)
    })
    .await
    .map(Json)
}

#[utoipa::path(
    get,
    path = "/v1/keys/{key}/public-key",
    tag = "keys",
    params(("key" = String, Path, description = "The key's id (UUID) or name"), PublicKeyQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The public key", body = PublicKeyResponse),
        AuthErrors,
        BadRequest,
        NotFound,
        Conflict,
        Unprocessable,
    )
)]
/// `GET /v1/keys/{key}/public-key?format=pem|der&version=N`.
pub(super) async fn public_key(
    State(state): State<AppState>,
    Creds(creds): Creds,
    KeyPath(key): KeyPath,
    ApiQuery(q): ApiQuery<PublicKeyQuery>,
) -> Result<Json<PublicKeyResponse>, ServerError> {
    perform(state, creds, Action::KeyRead, move |ops, caller| {
        ops.public_key(caller, &key, q)
    })
    .await
    .map(Json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_content_types() {
        for ok in [
            "application/json",
            "Application/JSON; charset=utf-8",
            "application/merge-patch+json",
        ] {
            assert!(is_json_type(ok), "{ok}");
        }
        for bad in ["text/plain", "application/jsonx", "json", ""] {
            assert!(!is_json_type(bad), "{bad}");
        }
    }
}
