//! Handlers of the cryptographic endpoints (encrypt and decrypt with a key
//! in the path are in `keys`): each extracts, calls the operations service
//! on the blocking pool and returns its answer as JSON.

use axum::Json;
use axum::extract::State;
use keyhold_api::crypto::{
    BatchDecryptRequest, BatchEncryptRequest, BatchResponse, DecapsulateRequest,
    DecapsulateResponse, DecryptedItem, EncapsulateRequest, EncapsulateResponse, EncryptedItem,
    GenerateDataKeyRequest, GenerateDataKeyResponse, MacRequest, MacResponse, MacVerifyRequest,
    MacVerifyResponse, RandomRequest, RandomResponse, ReencryptRequest, ReencryptResponse,
    SignRequest, SignResponse, VerifyRequest, VerifyResponse,
};
use keyhold_api::keys::{DecryptRequest, DecryptResponse};
use keyhold_core::Action;

use super::AppState;
use super::extract::{ApiJson, Creds, KeyPath};
use super::keys::{perform, perform_on};
use super::lifecycle::OptionalJson;
use super::openapi::{AuthErrors, BadRequest, BodyErrors, Conflict, Gone, NotFound, Unprocessable};
use crate::error::ServerError;

#[utoipa::path(
    post,
    path = "/v1/decrypt",
    tag = "crypto",
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
/// `POST /v1/decrypt`: the envelope names the key.
pub(super) async fn decrypt_any(
    State(state): State<AppState>,
    Creds(creds): Creds,
    ApiJson(req): ApiJson<DecryptRequest>,
) -> Result<Json<DecryptResponse>, ServerError> {
    perform(state, creds, Action::KeyDecrypt, move |ops, caller| {
        ops.decrypt_any(caller, req)
    })
    .await
    .map(Json)
}

#[utoipa::path(
    post,
    path = "/v1/keys/{key}/reencrypt",
    tag = "crypto",
    params(("key" = String, Path, description = "The key's id (UUID) or name")),
    request_body = ReencryptRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Done", body = ReencryptResponse),
        AuthErrors,
        BadRequest,
        BodyErrors,
        NotFound,
        Conflict,
        Gone,
        Unprocessable,
    )
)]
/// `POST /v1/keys/{key}/reencrypt`.
pub(super) async fn reencrypt(
    State(state): State<AppState>,
    Creds(creds): Creds,
    KeyPath(key): KeyPath,
    ApiJson(req): ApiJson<ReencryptRequest>,
) -> Result<Json<ReencryptResponse>, ServerError> {
    perform(state, creds, Action::KeyReencrypt, move |ops, caller| {
        ops.reencrypt(caller, &key, req)
    })
    .await
    .map(Json)
}

#[utoipa::path(
    post,
    path = "/v1/keys/{key}/generate-data-key",
    tag = "crypto",
    params(("key" = String, Path, description = "The key's id (UUID) or name")),
    request_body = GenerateDataKeyRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Done", body = GenerateDataKeyResponse),
        AuthErrors,
        BadRequest,
        BodyErrors,
        NotFound,
        Conflict,
        Gone,
        Unprocessable,
    )
)]
/// `POST /v1/keys/{key}/generate-data-key`.
pub(super) async fn generate_data_key(
    State(state): State<AppState>,
    Creds(creds): Creds,
    KeyPath(key): KeyPath,
    ApiJson(req): ApiJson<GenerateDataKeyRequest>,
) -> Result<Json<GenerateDataKeyResponse>, ServerError> {
    perform_on(
        state,
        creds,
        Action::KeyGenerateDataKey,
        key,
        move |ops, caller, key| ops.generate_data_key(caller, key, req),
    )
    .await
    .map(Json)
}

#[utoipa::path(
    post,
    path = "/v1/keys/{key}/sign",
    tag = "crypto",
    params(("key" = String, Path, description = "The key's id (UUID) or name")),
    request_body = SignRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Done", body = SignResponse),
        AuthErrors,
        BadRequest,
        BodyErrors,
        NotFound,
        Conflict,
        Gone,
        Unprocessable,
    )
)]
/// `POST /v1/keys/{key}/sign`.
pub(super) async fn sign(
    State(state): State<AppState>,
    Creds(creds): Creds,
    KeyPath(key): KeyPath,
    ApiJson(req): ApiJson<SignRequest>,
) -> Result<Json<SignResponse>, ServerError> {
    perform_on(
        state,
        creds,
        Action::KeySign,
        key,
        move |ops, caller, key| ops.sign(caller, key, req),
    )
    .await
    .map(Json)
}

#[utoipa::path(
    post,
    path = "/v1/keys/{key}/verify",
    tag = "crypto",
    params(("key" = String, Path, description = "The key's id (UUID) or name")),
    request_body = VerifyRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Done", body = VerifyResponse),
        AuthErrors,
        BadRequest,
        BodyErrors,
        NotFound,
        Conflict,
        Gone,
        Unprocessable,
    )
)]
/// `POST /v1/keys/{key}/verify`.
pub(super) async fn verify(
    State(state): State<AppState>,
    Creds(creds): Creds,
    KeyPath(key): KeyPath,
    ApiJson(req): ApiJson<VerifyRequest>,
) -> Result<Json<VerifyResponse>, ServerError> {
    perform_on(
        state,
        creds,
        Action::KeyVerify,
        key,
        move |ops, caller, key| ops.verify(caller, key, req),
    )
    .await
    .map(Json)
}

#[utoipa::path(
    post,
    path = "/v1/keys/{key}/mac",
    tag = "crypto",
    params(("key" = String, Path, description = "The key's id (UUID) or name")),
    request_body = MacRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Done", body = MacResponse),
        AuthErrors,
        BadRequest,
        BodyErrors,
        NotFound,
        Conflict,
        Gone,
        Unprocessable,
    )
)]
/// `POST /v1/keys/{key}/mac`.
pub(super) async fn mac(
    State(state): State<AppState>,
    Creds(creds): Creds,
    KeyPath(key): KeyPath,
    ApiJson(req): ApiJson<MacRequest>,
) -> Result<Json<MacResponse>, ServerError> {
    perform_on(
        state,
        creds,
        Action::KeyMac,
        key,
        move |ops, caller, key| ops.mac(caller, key, req),
    )
    .await
    .map(Json)
}

#[utoipa::path(
    post,
    path = "/v1/keys/{key}/mac-verify",
    tag = "crypto",
    params(("key" = String, Path, description = "The key's id (UUID) or name")),
    request_body = MacVerifyRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Done", body = MacVerifyResponse),
        AuthErrors,
        BadRequest,
        BodyErrors,
        NotFound,
        Conflict,
        Gone,
        Unprocessable,
    )
)]
/// `POST /v1/keys/{key}/mac-verify`.
pub(super) async fn mac_verify(
    State(state): State<AppState>,
    Creds(creds): Creds,
    KeyPath(key): KeyPath,
    ApiJson(req): ApiJson<MacVerifyRequest>,
) -> Result<Json<MacVerifyResponse>, ServerError> {
    perform_on(
        state,
        creds,
        Action::KeyMacVerify,
        key,
        move |ops, caller, key| ops.mac_verify(caller, key, req),
    )
    .await
    .map(Json)
}

#[utoipa::path(
    post,
    path = "/v1/keys/{key}/encapsulate",
    tag = "crypto",
    params(("key" = String, Path, description = "The key's id (UUID) or name")),
    request_body(content = Option<EncapsulateRequest>, description = "Optional: may be left out"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Done", body = EncapsulateResponse),
        AuthErrors,
        BadRequest,
        BodyErrors,
        NotFound,
        Conflict,
        Gone,
        Unprocessable,
    )
)]
/// `POST /v1/keys/{key}/encapsulate` (no body, or `{}`).
pub(super) async fn encapsulate(
    State(state): State<AppState>,
    Creds(creds): Creds,
    KeyPath(key): KeyPath,
    OptionalJson(req): OptionalJson<EncapsulateRequest>,
) -> Result<Json<EncapsulateResponse>, ServerError> {
    perform_on(
        state,
        creds,
        Action::KeyEncapsulate,
        key,
        move |ops, caller, key| ops.encapsulate(caller, key, req),
    )
    .await
    .map(Json)
}

#[utoipa::path(
    post,
    path = "/v1/keys/{key}/decapsulate",
    tag = "crypto",
    params(("key" = String, Path, description = "The key's id (UUID) or name")),
    request_body = DecapsulateRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Done", body = DecapsulateResponse),
        AuthErrors,
        BadRequest,
        BodyErrors,
        NotFound,
        Conflict,
        Gone,
        Unprocessable,
    )
)]
/// `POST /v1/keys/{key}/decapsulate`.
pub(super) async fn decapsulate(
    State(state): State<AppState>,
    Creds(creds): Creds,
    KeyPath(key): KeyPath,
    ApiJson(req): ApiJson<DecapsulateRequest>,
) -> Result<Json<DecapsulateResponse>, ServerError> {
    perform_on(
        state,
        creds,
        Action::KeyDecapsulate,
        key,
        move |ops, caller, key| ops.decapsulate(caller, key, req),
    )
    .await
    .map(Json)
}

#[utoipa::path(
    post,
    path = "/v1/random",
    tag = "crypto",
    request_body = RandomRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Random bytes", body = RandomResponse),
        AuthErrors,
        BadRequest,
        BodyErrors,
    )
)]
/// `POST /v1/random`.
pub(super) async fn random(
    State(state): State<AppState>,
    Creds(creds): Creds,
    ApiJson(req): ApiJson<RandomRequest>,
) -> Result<Json<RandomResponse>, ServerError> {
    perform(state, creds, Action::RandomGenerate, move |ops, caller| {
        ops.random(caller, req)
    })
    .await
    .map(Json)
}

#[utoipa::path(
    post,
    path = "/v1/keys/{key}/encrypt/batch",
    tag = "crypto",
    params(("key" = String, Path, description = "The key's id (UUID) or name")),
    request_body = BatchEncryptRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Done", body = BatchResponse<EncryptedItem>),
        AuthErrors,
        BadRequest,
        BodyErrors,
        NotFound,
        Conflict,
        Gone,
        Unprocessable,
    )
)]
/// `POST /v1/keys/{key}/encrypt/batch`.
pub(super) async fn encrypt_batch(
    State(state): State<AppState>,
    Creds(creds): Creds,
    KeyPath(key): KeyPath,
    ApiJson(req): ApiJson<BatchEncryptRequest>,
) -> Result<Json<BatchResponse<EncryptedItem>>, ServerError> {
    perform(state, creds, Action::KeyEncrypt, move |ops, caller| {
        ops.encrypt_batch(caller, &key, req)
    })
    .await
    .map(Json)
}

#[utoipa::path(
    post,
    path = "/v1/keys/{key}/decrypt/batch",
    tag = "crypto",
    params(("key" = String, Path, description = "The key's id (UUID) or name")),
    request_body = BatchDecryptRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Done", body = BatchResponse<DecryptedItem>),
        AuthErrors,
        BadRequest,
        BodyErrors,
        NotFound,
        Conflict,
        Gone,
        Unprocessable,
    )
)]
/// `POST /v1/keys/{key}/decrypt/batch`.
pub(super) async fn decrypt_batch(
    State(state): State<AppState>,
    Creds(creds): Creds,
    KeyPath(key): KeyPath,
    ApiJson(req): ApiJson<BatchDecryptRequest>,
) -> Result<Json<BatchResponse<DecryptedItem>>, ServerError> {
    perform(state, creds, Action::KeyDecrypt, move |ops, caller| {
        ops.decrypt_batch(caller, &key, req)
    })
    .await
    .map(Json)
}
