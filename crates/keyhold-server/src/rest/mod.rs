//! The REST API v1 (DESIGN.md section 5): routes, the request-id and error
//! rendering middleware, and extractors that turn every malformed input into
//! a [`ServerError`]. Handlers only translate between HTTP and the
//! operations service.

mod access;
mod approvals;
mod audit;
mod backup;
mod crypto;
mod extract;
mod keys;
mod lifecycle;
mod mfa;
mod openapi;
mod sys;
mod transfer;

pub use self::extract::PeerAddr;

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Router};
use keyhold_api::{ErrorBody, ErrorCode, ErrorDetail};
use keyhold_core::RequestId;
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::ServerError;
use crate::ops::Operations;

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The operations service.
    pub ops: Arc<Operations>,
    /// The SIEM sinks, for their status.
    pub sinks: Arc<crate::sinks::SinkHandles>,
}

/// The whole REST router, with `GET /v1/openapi.json` serving its
/// document.
pub fn router(state: AppState, max_body_bytes: usize) -> Router {
    let (router, doc) = routes().split_for_parts();
    let doc = Arc::new(openapi::finish(doc));
    router
        .fallback(|| async { ServerError::NotFound })
        .method_not_allowed_fallback(|| async { ServerError::MethodNotAllowed })
        .layer(Extension(doc))
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .layer(middleware::from_fn(request_context))
        .with_state(state)
}

/// Every route with its OpenAPI entry: `routes!` takes the method and path
/// from each handler's `#[utoipa::path]`, so the two cannot disagree.
fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(openapi::openapi_json))
        .routes(routes!(sys::health))
        .routes(routes!(sys::seal_status))
        .routes(routes!(sys::init))
        .routes(routes!(sys::unseal))
        .routes(routes!(sys::seal))
        .routes(routes!(sys::rotate_root))
        .routes(routes!(backup::backup))
        .routes(routes!(backup::verify))
        .routes(routes!(backup::restore))
        .routes(routes!(backup::init_restore))
        .routes(routes!(keys::create, keys::list))
        .routes(routes!(transfer::import_token))
        .routes(routes!(transfer::import))
        .routes(routes!(keys::show, lifecycle::update))
        .routes(routes!(lifecycle::versions))
        .routes(routes!(lifecycle::public_key))
        .routes(routes!(lifecycle::rotate))
        .routes(routes!(lifecycle::activate))
        .routes(routes!(lifecycle::deactivate))
        .routes(routes!(lifecycle::suspend))
        .routes(routes!(lifecycle::resume))
        .routes(routes!(lifecycle::revoke))
        .routes(routes!(lifecycle::schedule_destroy))
        .routes(routes!(lifecycle::cancel_destroy))
        .routes(routes!(lifecycle::archive))
        .routes(routes!(lifecycle::recover))
        .routes(routes!(transfer::export))
        .routes(routes!(keys::encrypt))
        .routes(routes!(keys::decrypt))
        .routes(routes!(crypto::decrypt_any))
        .routes(routes!(crypto::random))
        .routes(routes!(crypto::reencrypt))
        .routes(routes!(crypto::generate_data_key))
        .routes(routes!(crypto::sign))
        .routes(routes!(crypto::verify))
        .routes(routes!(crypto::mac))
        .routes(routes!(crypto::mac_verify))
        .routes(routes!(crypto::encapsulate))
        .routes(routes!(crypto::decapsulate))
        .routes(routes!(crypto::encrypt_batch))
        .routes(routes!(crypto::decrypt_batch))
        .routes(routes!(mfa::enroll))
        .routes(routes!(mfa::confirm))
        .routes(routes!(approvals::create, approvals::list))
        .routes(routes!(approvals::show))
        .routes(routes!(approvals::approve))
        .routes(routes!(approvals::deny))
        .routes(routes!(access::tenants::create, access::tenants::list))
        .routes(routes!(access::tenants::show))
        .routes(routes!(access::tenants::rotate_kek))
        .routes(routes!(
            access::tenants::settings,
            access::tenants::set_settings
        ))
        .routes(routes!(
            access::principals::create,
            access::principals::list
        ))
        .routes(routes!(
            access::principals::show,
            access::principals::update,
            access::principals::delete
        ))
        .routes(routes!(access::principals::grant))
        .routes(routes!(access::principals::revoke))
        .routes(routes!(
            access::principals::bind_certificate,
            access::principals::certificates
        ))
        .routes(routes!(access::principals::unbind_certificate))
        .routes(routes!(access::tokens::create, access::tokens::list))
        .routes(routes!(access::tokens::revoke))
        .routes(routes!(access::tokens::revoke_root))
        .routes(routes!(access::policies::create, access::policies::list))
        .routes(routes!(
            access::policies::show,
            access::policies::update,
            access::policies::delete
        ))
        .routes(routes!(access::roles::create, access::roles::list))
        .routes(routes!(
            access::roles::show,
            access::roles::update,
            access::roles::delete
        ))
        .routes(routes!(audit::events))
        .routes(routes!(audit::verify))
        .routes(routes!(audit::public_key))
        .routes(routes!(audit::export))
        .routes(routes!(audit::sinks))
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
    let started = std::time::Instant::now();
    // The route template (`/v1/keys/{key}/encrypt`), never the body, the
    // query or a header: nothing secret reaches the log.
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or_else(|| "-".to_owned(), |m| m.as_str().to_owned());
    let method = req.method().clone();
    let mut resp = next.run(req).await;
    let code = resp
        .extensions()
        .get::<PendingError>()
        .map(|e| e.code.as_str());
    tracing::debug!(
        request_id = %id,
        %method,
        route,
        status = resp.status().as_u16(),
        code = code.unwrap_or("-"),
        micros = started.elapsed().as_micros(),
        "request"
    );
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
