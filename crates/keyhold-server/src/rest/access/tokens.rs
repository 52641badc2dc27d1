//! `/v1/tokens` handlers and `DELETE /v1/sys/root-token`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use keyhold_api::access::{
    CreateTokenRequest, CreatedToken, ListTokensQuery, RootTokenRevoked, TokenInfo, TokenList,
};
use keyhold_core::{Action, TokenId};

use super::Segment;
use crate::error::ServerError;
use crate::rest::AppState;
use crate::rest::extract::{ApiJson, ApiQuery, Creds};
use crate::rest::keys::perform;
use crate::rest::openapi::{
    AccessNotFound, AccessUnprocessable, AuthErrors, BadRequest, BodyErrors,
};

#[utoipa::path(
    post,
    path = "/v1/tokens",
    tag = "access",
    request_body = CreateTokenRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Issued: the token text is in this answer only", body = CreatedToken),
        AuthErrors,
        BadRequest,
        BodyErrors,
        AccessNotFound,
        AccessUnprocessable,
    )
)]
/// `POST /v1/tokens`.
pub(in crate::rest) async fn create(
    State(state): State<AppState>,
    Creds(creds): Creds,
    ApiJson(req): ApiJson<CreateTokenRequest>,
) -> Result<(StatusCode, Json<CreatedToken>), ServerError> {
    let created = perform(state, creds, Action::TokenCreate, move |ops, caller| {
        ops.create_token(caller, req)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(
    get,
    path = "/v1/tokens",
    tag = "access",
    params(ListTokensQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The tenant's tokens, by id (never their text or hash)", body = TokenList),
        AuthErrors,
        BadRequest,
        AccessNotFound,
    )
)]
/// `GET /v1/tokens`.
pub(in crate::rest) async fn list(
    State(state): State<AppState>,
    Creds(creds): Creds,
    ApiQuery(q): ApiQuery<ListTokensQuery>,
) -> Result<Json<TokenList>, ServerError> {
    perform(state, creds, Action::TokenRead, move |ops, caller| {
        ops.list_tokens(caller, q)
    })
    .await
    .map(Json)
}

#[utoipa::path(
    delete,
    path = "/v1/tokens/{id}",
    tag = "access",
    params(("id" = String, Path, format = Uuid, description = "The token's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Revoked (revoking again answers the token as revoked the first time)", body = TokenInfo),
        AuthErrors,
        BadRequest,
        AccessNotFound,
    )
)]
/// `DELETE /v1/tokens/{id}`.
pub(in crate::rest) async fn revoke(
    State(state): State<AppState>,
    Creds(creds): Creds,
    Segment(id): Segment<TokenId>,
) -> Result<Json<TokenInfo>, ServerError> {
    perform(state, creds, Action::TokenRevoke, move |ops, caller| {
        ops.revoke_token(caller, id)
    })
    .await
    .map(Json)
}

#[utoipa::path(
    delete,
    path = "/v1/sys/root-token",
    tag = "access",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The root token made at init no longer authenticates", body = RootTokenRevoked),
        AuthErrors,
    )
)]
/// `DELETE /v1/sys/root-token`.
pub(in crate::rest) async fn revoke_root(
    State(state): State<AppState>,
    Creds(creds): Creds,
) -> Result<Json<RootTokenRevoked>, ServerError> {
    perform(state, creds, Action::TokenRevoke, move |ops, caller| {
        ops.revoke_root_token(caller)
    })
    .await
    .map(Json)
}
