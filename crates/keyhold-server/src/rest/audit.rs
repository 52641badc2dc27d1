//! `/v1/audit/*` handlers: the audit trail's events, its online
//! verification, its export as JSON lines, and the public key that verifies
//! an export offline (DESIGN.md section 7).
//!
//! Reads need `audit:read` (`audit:verify` to verify), which the auditor
//! and admin roles hold. The export is the whole trail, every tenant's
//! events included (the chain can only be verified whole), so it is for
//! global callers only: the root token and global admins.

use std::io;
use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use keyhold_api::audit::{
    AuditEventsPage, AuditEventsQuery, AuditPublicKey, AuditSinkStatus, AuditSinks, ExportLine,
    VerifyReport,
};
use keyhold_core::Action;
use tokio::sync::mpsc;

use super::AppState;
use super::extract::{ApiQuery, Creds};
use super::keys::perform;
use super::openapi::{AuthErrors, BadRequest, SealedErrors};
use crate::error::ServerError;
use crate::ops::{AUDIT_EXPORT_CHUNK, Operations};

/// Media type of the export: one JSON object per line.
const NDJSON: &str = "application/x-ndjson";
/// Chunks buffered between the reading task and the connection.
const EXPORT_BUFFER: usize = 2;

/// One chunk of the export, or the failure that ends it.
type Chunk = Result<Vec<u8>, io::Error>;

#[utoipa::path(
    get,
    path = "/v1/audit/events",
    tag = "audit",
    params(AuditEventsQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of the caller's tenant's events, in sequence order", body = AuditEventsPage),
        AuthErrors,
        BadRequest,
    )
)]
/// `GET /v1/audit/events`.
pub(super) async fn events(
    State(state): State<AppState>,
    Creds(creds): Creds,
    ApiQuery(q): ApiQuery<AuditEventsQuery>,
) -> Result<Json<AuditEventsPage>, ServerError> {
    perform(state, creds, Action::AuditRead, move |ops, caller| {
        ops.audit_events(caller, q)
    })
    .await
    .map(Json)
}

#[utoipa::path(
    get,
    path = "/v1/audit/verify",
    tag = "audit",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The verification report (`ok: false` names the first break)", body = VerifyReport),
        AuthErrors,
    )
)]
/// `GET /v1/audit/verify`.
pub(super) async fn verify(
    State(state): State<AppState>,
    Creds(creds): Creds,
) -> Result<Json<VerifyReport>, ServerError> {
    perform(state, creds, Action::AuditVerify, |ops, caller| {
        ops.verify_audit(caller)
    })
    .await
    .map(Json)
}

#[utoipa::path(
    get,
    path = "/v1/audit/public-key",
    tag = "audit",
    responses(
        (status = 200, description = "The Ed25519 key that verifies checkpoints", body = AuditPublicKey),
        SealedErrors,
    )
)]
/// `GET /v1/audit/public-key` (no authentication: the key is public).
pub(super) async fn public_key(
    State(state): State<AppState>,
) -> Result<Json<AuditPublicKey>, ServerError> {
    state.ops.audit_public_key().map(Json)
}

#[utoipa::path(
    get,
    path = "/v1/audit/export",
    tag = "audit",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The whole trail as JSON lines, each an `ExportLine`, in sequence order, ending with a checkpoint of the last event", body = ExportLine, content_type = "application/x-ndjson"),
        AuthErrors,
    )
)]
/// `GET /v1/audit/export`: streamed, a chunk of events at a time.
pub(super) async fn export(
    State(state): State<AppState>,
    Creds(creds): Creds,
) -> Result<Response, ServerError> {
    let ops = Arc::clone(&state.ops);
    let head = perform(state, creds, Action::AuditRead, |ops, caller| {
        ops.audit_export_head(caller)
    })
    .await?;
    let (tx, rx) = mpsc::channel::<Chunk>(EXPORT_BUFFER);
    tokio::task::spawn_blocking(move || produce(&ops, head, &tx));
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    });
    Ok(([(CONTENT_TYPE, NDJSON)], Body::from_stream(stream)).into_response())
}

/// Reads events 1 to `head` a chunk at a time and sends their lines. A
/// failure ends the stream with an error, so the client sees a broken
/// transfer rather than a short file; a client that goes away stops it.
fn produce(ops: &Operations, head: u64, tx: &mpsc::Sender<Chunk>) {
    let mut from = 1u64;
    while from <= head {
        let to = head.min(from.saturating_add(AUDIT_EXPORT_CHUNK - 1));
        let chunk = ops.audit_export_chunk(from, to).map_err(|e| {
            tracing::warn!(error = %e, from, to, "audit export failed");
            io::Error::other("audit export failed")
        });
        let failed = chunk.is_err();
        if tx.blocking_send(chunk).is_err() || failed {
            return;
        }
        from = to.saturating_add(1);
    }
}

#[utoipa::path(
    get,
    path = "/v1/audit/sinks",
    tag = "audit",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The configured SIEM sinks and how far each has delivered", body = AuditSinks),
        AuthErrors,
    )
)]
/// `GET /v1/audit/sinks`: each configured sink, the last event it delivered
/// and, while it is failing, why and since when.
pub(super) async fn sinks(
    State(state): State<AppState>,
    Creds(creds): Creds,
) -> Result<Json<AuditSinks>, ServerError> {
    let sinks = Arc::clone(&state.sinks);
    perform(state, creds, Action::AuditRead, |_, caller| {
        caller.authorize_unscoped()
    })
    .await?;
    let sinks = sinks
        .statuses()
        .into_iter()
        .map(|s| AuditSinkStatus {
            name: s.name,
            kind: match s.kind {
                crate::sinks::SinkKind::File => "file".into(),
                crate::sinks::SinkKind::Syslog => "syslog".into(),
            },
            delivered_seq: s.delivered_seq,
            last_error: s.last_error,
            failing_since: s.failing_since,
        })
        .collect();
    Ok(Json(AuditSinks { sinks }))
}
