//! `POST /v1/keys/import-token`, `POST /v1/keys/import` and
//! `POST /v1/keys/{key}/export` handlers.
//!
//! The two literal routes sit beside `/v1/keys/{key}`: axum's router
//! (matchit) prefers a static segment to a parameter, so `import` and
//! `import-token` reach these handlers. A key *named* `import` or
//! `import-token` is shown and updated by its id (by name, `GET` and
//! `PATCH` answer 405 here); its sub-resources (`/v1/keys/import/encrypt`)
//! work by name.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use keyhold_api::keys::KeyInfo;
use keyhold_api::transfer::{
    ExportKeyRequest, ExportKeyResponse, ImportKeyRequest, ImportTokenRequest, ImportTokenResponse,
};
use keyhold_core::Action;
use serde::de::DeserializeOwned;

use super::AppState;
use super::extract::{ApiJson, Creds, KeyPath};
use super::keys::perform;
use super::openapi::{
    AuthErrors, BadRequest, BodyErrors, Conflict, Gone, NotFound, TooMany, Unprocessable,
};
use crate::error::ServerError;

#[utoipa::path(
    post,
    path = "/v1/keys/import-token",
    tag = "transfer",
    request_body(content = Option<ImportTokenRequest>, description = "Optional: may be left out"),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "A one-time import token", body = ImportTokenResponse),
        AuthErrors,
        BadRequest,
        BodyErrors,
        TooMany,
    )
)]
/// `POST /v1/keys/import-token`; the body may be left out.
pub(super) async fn import_token(
    State(state): State<AppState>,
    Creds(creds): Creds,
    OptionalJson(req): OptionalJson<ImportTokenRequest>,
) -> Result<(StatusCode, Json<ImportTokenResponse>), ServerError> {
    let resp = perform(state, creds, Action::KeyImport, move |ops, caller| {
        ops.import_token(caller, req)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(resp)))
}

#[utoipa::path(
    post,
    path = "/v1/keys/import",
    tag = "transfer",
    request_body = ImportKeyRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Imported", body = KeyInfo),
        AuthErrors,
        BadRequest,
        BodyErrors,
        Conflict,
        Unprocessable,
    )
)]
/// `POST /v1/keys/import`.
pub(super) async fn import(
    State(state): State<AppState>,
    Creds(creds): Creds,
    ApiJson(req): ApiJson<ImportKeyRequest>,
) -> Result<(StatusCode, Json<KeyInfo>), ServerError> {
    let info = perform(state, creds, Action::KeyImport, move |ops, caller| {
        ops.import_key(caller, req)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(info)))
}

#[utoipa::path(
    post,
    path = "/v1/keys/{key}/export",
    tag = "transfer",
    params(("key" = String, Path, description = "The key's id (UUID) or name")),
    request_body = ExportKeyRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The wrapped key material", body = ExportKeyResponse),
        AuthErrors,
        BadRequest,
        BodyErrors,
        NotFound,
        Conflict,
        Gone,
        Unprocessable,
    )
)]
/// `POST /v1/keys/{key}/export`.
pub(super) async fn export(
    State(state): State<AppState>,
    Creds(creds): Creds,
    KeyPath(key): KeyPath,
    ApiJson(req): ApiJson<ExportKeyRequest>,
) -> Result<Json<ExportKeyResponse>, ServerError> {
    perform(state, creds, Action::KeyExport, move |ops, caller| {
        ops.export_key(caller, &key, req)
    })
    .await
    .map(Json)
}

/// A JSON body that may be left out: a request with neither a content type
/// nor a body gets `T::default()`; anything else is read as [`ApiJson`].
#[derive(Debug)]
pub(super) struct OptionalJson<T>(pub(super) T);

impl<T: DeserializeOwned + Default, S: Send + Sync> FromRequest<S> for OptionalJson<T> {
    type Rejection = ServerError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if req.headers().contains_key(CONTENT_TYPE) {
            let ApiJson(value) = ApiJson::<T>::from_request(req, state).await?;
            return Ok(Self(value));
        }
        let body = Bytes::from_request(req, state).await.map_err(|r| {
            if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ServerError::PayloadTooLarge
            } else {
                ServerError::InvalidRequest {
                    detail: r.body_text(),
                }
            }
        })?;
        if body.is_empty() {
            Ok(Self(T::default()))
        } else {
            Err(ServerError::UnsupportedMediaType)
        }
    }
}
