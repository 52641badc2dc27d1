//! `/v1/sys/backup`, `/v1/sys/backup/verify` and `/v1/sys/restore`: the
//! backup file travels as the raw body (`application/octet-stream`), both
//! ways. The operations live in `ops::backup`.

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::IntoResponse;
use keyhold_api::backup::BackupReport;
use keyhold_api::sys::SealStatus;
use keyhold_core::Action;

use super::AppState;
use super::extract::Creds;
use super::keys::{blocking, perform};
use super::openapi::{AuthErrors, BadRequest, BodyErrors, Unprocessable};
use crate::error::ServerError;

/// The largest backup file a server takes in (the body limit of the other
/// routes is far smaller).
const MAX_BACKUP_BYTES: usize = 1 << 30;

/// The media type of a backup file.
const OCTET_STREAM: &str = "application/octet-stream";

#[utoipa::path(
    post,
    path = "/v1/sys/backup",
    tag = "sys",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The encrypted backup file", content_type = "application/octet-stream", body = Vec<u8>),
        AuthErrors,
        BadRequest,
    )
)]
/// `POST /v1/sys/backup`: an online snapshot of the whole store, sealed
/// under the backup key (global administrators only).
pub(super) async fn backup(
    State(state): State<AppState>,
    Creds(creds): Creds,
) -> Result<impl IntoResponse, ServerError> {
    let file = perform(state, creds, Action::SysBackup, |ops, caller| {
        ops.backup(caller)
    })
    .await?;
    Ok(([(header::CONTENT_TYPE, OCTET_STREAM)], file))
}

#[utoipa::path(
    post,
    path = "/v1/sys/backup/verify",
    tag = "sys",
    security(("bearer" = [])),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The backup file"),
    responses(
        (status = 200, description = "The file opened whole; what it holds", body = BackupReport),
        AuthErrors,
        BadRequest,
        BodyErrors,
        Unprocessable,
    )
)]
/// `POST /v1/sys/backup/verify`: opens and checks the whole file with this
/// server's backup key; changes nothing.
pub(super) async fn verify(
    State(state): State<AppState>,
    Creds(creds): Creds,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<BackupReport>, ServerError> {
    let file = backup_body(&headers, body).await?;
    perform(state, creds, Action::SysBackup, move |ops, caller| {
        ops.verify_backup(caller, &file)
    })
    .await
    .map(Json)
}

#[utoipa::path(
    post,
    path = "/v1/sys/restore",
    tag = "sys",
    security(("bearer" = [])),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The backup file"),
    responses(
        (status = 200, description = "Restored; what the backup held", body = BackupReport),
        AuthErrors,
        BadRequest,
        BodyErrors,
        Unprocessable,
    )
)]
/// `POST /v1/sys/restore`: replaces the whole store with the backup's, once
/// it opened and checked (and a quorum approved it, where one is
/// configured). On any failure nothing changes.
pub(super) async fn restore(
    State(state): State<AppState>,
    Creds(creds): Creds,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<BackupReport>, ServerError> {
    let file = backup_body(&headers, body).await?;
    perform(state, creds, Action::SysRestore, move |ops, caller| {
        ops.restore(caller, &file)
    })
    .await
    .map(Json)
}

#[utoipa::path(
    post,
    path = "/v1/sys/init/restore",
    tag = "sys",
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The backup file (root-key layer)"),
    responses(
        (status = 200, description = "Held until the backup's unseal shares are given; the seal status", body = SealStatus),
        BadRequest,
        BodyErrors,
        Unprocessable,
    )
)]
/// `POST /v1/sys/init/restore`: an uninitialized server holds the backup
/// until the unseal shares of the server it came from are given
/// (`POST /v1/sys/unseal`); then it restores it and is unsealed. Like init,
/// it needs no token: the shares are the authority.
pub(super) async fn init_restore(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<SealStatus>, ServerError> {
    let file = backup_body(&headers, body).await?;
    blocking(state, move |ops| ops.stage_restore(file.to_vec()))
        .await
        .map(Json)
}

/// The body, which must be `application/octet-stream` and at most
/// [`MAX_BACKUP_BYTES`].
async fn backup_body(headers: &HeaderMap, body: Body) -> Result<Bytes, ServerError> {
    let octets = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case(OCTET_STREAM));
    if !octets {
        return Err(ServerError::NotOctetStream);
    }
    axum::body::to_bytes(body, MAX_BACKUP_BYTES)
        .await
        .map_err(|_| ServerError::PayloadTooLarge)
}
