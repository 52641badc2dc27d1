//! The REST API v1 (DESIGN.md section 5): routes, the request-id and error
//! rendering middleware, and extractors that turn every malformed input into
//! a [`ServerError`]. Handlers only translate between HTTP and the
//! operations service.

mod crypto;
mod extract;
mod keys;
mod lifecycle;
mod sys;
mod transfer;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use keyhold_api::{ErrorBody, ErrorCode, ErrorDetail};
use keyhold_core::RequestId;

use crate::error::ServerError;
use crate::ops::Operations;

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The operations service.
    pub ops: Arc<Operations>,
}

/// The whole REST router.
pub fn router(state: AppState, max_body_bytes: usize) -> Router {
    Router::new()
        .route("/v1/sys/health", get(sys::health))
        .route("/v1/sys/seal-status", get(sys::seal_status))
        .route("/v1/sys/init", post(sys::init))
        .route("/v1/sys/unseal", post(sys::unseal))
        .route("/v1/sys/seal", post(sys::seal))
        .route("/v1/keys", post(keys::create).get(keys::list))
        .route("/v1/keys/import-token", post(transfer::import_token))
        .route("/v1/keys/import", post(transfer::import))
        .route("/v1/keys/{key}", get(keys::show).patch(lifecycle::update))
        .route("/v1/keys/{key}/versions", get(lifecycle::versions))
        .route("/v1/keys/{key}/public-key", get(lifecycle::public_key))
        .route("/v1/keys/{key}/rotate", post(lifecycle::rotate))
        .route("/v1/keys/{key}/activate", post(lifecycle::activate))
        .route("/v1/keys/{key}/deactivate", post(lifecycle::deactivate))
        .route("/v1/keys/{key}/suspend", post(lifecycle::suspend))
        .route("/v1/keys/{key}/resume", post(lifecycle::resume))
        .route("/v1/keys/{key}/revoke", post(lifecycle::revoke))
        .route(
            "/v1/keys/{key}/schedule-destroy",
            post(lifecycle::schedule_destroy),
        )
        .route(
            "/v1/keys/{key}/cancel-destroy",
            post(lifecycle::cancel_destroy),
        )
        .route("/v1/keys/{key}/archive", post(lifecycle::archive))
        .route("/v1/keys/{key}/recover", post(lifecycle::recover))
        .route("/v1/keys/{key}/export", post(transfer::export))
        .route("/v1/keys/{key}/encrypt", post(keys::encrypt))
        .route("/v1/keys/{key}/decrypt", post(keys::decrypt))
        .route("/v1/decrypt", post(crypto::decrypt_any))
        .route("/v1/random", post(crypto::random))
        .route("/v1/keys/{key}/reencrypt", post(crypto::reencrypt))
        .route(
            "/v1/keys/{key}/generate-data-key",
            post(crypto::generate_data_key),
        )
        .route("/v1/keys/{key}/sign", post(crypto::sign))
        .route("/v1/keys/{key}/verify", post(crypto::verify))
        .route("/v1/keys/{key}/mac", post(crypto::mac))
        .route("/v1/keys/{key}/mac-verify", post(crypto::mac_verify))
        .route("/v1/keys/{key}/encapsulate", post(crypto::encapsulate))
        .route("/v1/keys/{key}/decapsulate", post(crypto::decapsulate))
        .route("/v1/keys/{key}/encrypt/batch", post(crypto::encrypt_batch))
        .route("/v1/keys/{key}/decrypt/batch", post(crypto::decrypt_batch))
        .fallback(|| async { ServerError::NotFound })
        .method_not_allowed_fallback(|| async { ServerError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .layer(middleware::from_fn(request_context))
        .with_state(state)
}

/// The public part of an error, left on the response for [`request_context`]
/// to render with the request id.
#[derive(Debug, Clone)]
struct PendingError {
    code: ErrorCode,
    message: String,
}

impl IntoResponse for ServerError {
    fn into_response(self) -> Response {
        let (code, message) = self.public();
        if code == ErrorCode::InternalError {
            tracing::error!(error = ?self, "request failed");
        }
        let status =
            StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut resp = status.into_response();
        resp.extensions_mut().insert(PendingError {
            code,
            message: message.into_owned(),
        });
        resp
    }
}

/// Gives each request an id (in the `x-request-id` response header and in
/// error bodies) and renders errors as `{"error": {...}}`.
async fn request_context(mut req: Request, next: Next) -> Response {
    let id = RequestId::from_uuid(uuid::Uuid::new_v4());
    req.extensions_mut().insert(id);
    let mut resp = next.run(req).await;
    if let Some(err) = resp.extensions_mut().remove::<PendingError>() {
        let status = resp.status();
        let body = ErrorBody {
            error: ErrorDetail {
                code: err.code,
                message: err.message,
                request_id: id.to_string(),
            },
        };
        resp = (status, axum::Json(body)).into_response();
    }
    if let Ok(v) = HeaderValue::from_str(&id.to_string()) {
        resp.headers_mut().insert("x-request-id", v);
    }
    resp
}
