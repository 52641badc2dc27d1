//! Access-management handlers (`/v1/tenants`, `/v1/principals`,
//! `/v1/tokens`, `/v1/policies`, `/v1/roles`, `DELETE /v1/sys/root-token`),
//! one file per resource, and the path extractors they share. Each handler
//! only extracts, calls the operations service with the request's
//! [`Action`](keyhold_core::Action) and answers.

pub(super) mod policies;
pub(super) mod principals;
pub(super) mod roles;
pub(super) mod tenants;
pub(super) mod tokens;

use std::str::FromStr;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use keyhold_core::CoreError;

use crate::error::ServerError;

/// One path segment parsed as `T` (a name or an id); a malformed one is
/// `invalid_request`.
#[derive(Debug)]
pub(super) struct Segment<T>(pub(super) T);

impl<T, S> FromRequestParts<S> for Segment<T>
where
    T: FromStr<Err = CoreError> + Send,
    S: Send + Sync,
{
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

/// Two path segments: a parsed `T`, then the second as text.
#[derive(Debug)]
pub(super) struct SegmentPair<T>(pub(super) T, pub(super) String);

impl<T, S> FromRequestParts<S> for SegmentPair<T>
where
    T: FromStr<Err = CoreError> + Send,
    S: Send + Sync,
{
    type Rejection = ServerError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path((first, second)) =
            axum::extract::Path::<(String, String)>::from_request_parts(parts, state)
                .await
                .map_err(|r| ServerError::InvalidRequest {
                    detail: r.body_text(),
                })?;
        let first = first.parse().map_err(ServerError::Core)?;
        Ok(Self(first, second))
    }
}
