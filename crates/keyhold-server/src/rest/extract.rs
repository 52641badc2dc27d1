//! Extractors that turn HTTP input into typed values, mapping every axum
//! rejection to a [`ServerError`] with a stable code.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use keyhold_core::{KeyRef, RequestId};
use serde::de::DeserializeOwned;

use super::AppState;
use crate::auth::bearer;
use crate::error::ServerError;
use crate::ops::Caller;

/// A JSON body of type `T` (unknown fields refused by `T` itself).
#[derive(Debug)]
pub(super) struct ApiJson<T>(pub(super) T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ServerError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Self(v)),
            Err(rejection) => Err(json_rejection(&rejection)),
        }
    }
}

fn json_rejection(r: &JsonRejection) -> ServerError {
    match r {
        JsonRejection::MissingJsonContentType(_) => ServerError::UnsupportedMediaType,
        JsonRejection::BytesRejection(b) if b.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ServerError::PayloadTooLarge
        }
        other => ServerError::InvalidRequest {
            detail: other.body_text(),
        },
    }
}

/// A query string of type `T`.
#[derive(Debug)]
pub(super) struct ApiQuery<T>(pub(super) T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ServerError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Self(q.0))
            .map_err(|r: QueryRejection| ServerError::InvalidRequest {
                detail: r.body_text(),
            })
    }
}

/// The `{key}` path segment: a key id or name.
#[derive(Debug)]
pub(super) struct KeyPath(pub(super) KeyRef);

impl<S: Send + Sync> FromRequestParts<S> for KeyPath {
    type Rejection = ServerError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(raw) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|r| ServerError::InvalidRequest {
                    detail: r.body_text(),
                })?;
        raw.parse().map(Self).map_err(ServerError::Core)
    }
}

/// The request id given by the middleware.
pub(super) fn request_id(parts: &Parts) -> Result<RequestId, ServerError> {
    parts
        .extensions
        .get::<RequestId>()
        .copied()
        .ok_or(ServerError::Internal {
            what: "request id missing",
        })
}

/// An authenticated caller.
#[derive(Debug)]
pub(super) struct Authed(pub(super) Caller);

impl FromRequestParts<AppState> for Authed {
    type Rejection = ServerError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let id = request_id(parts)?;
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        state.ops.authenticate(bearer(header), id).map(Self)
    }
}
