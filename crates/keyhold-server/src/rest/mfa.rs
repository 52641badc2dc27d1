//! `/v1/mfa/*`: the caller's own TOTP second factor.

use axum::Json;
use axum::extract::State;
use keyhold_api::lifecycle::EmptyBody;
use keyhold_api::mfa::{MfaConfirmRequest, MfaEnrollment};
use keyhold_core::Action;

use super::AppState;
use super::extract::{ApiJson, Creds};
use super::keys::perform;
use super::lifecycle::OptionalJson;
use super::openapi::{AuthErrors, BadRequest, BodyErrors};
use crate::error::ServerError;

#[utoipa::path(
    post,
    path = "/v1/mfa/enroll",
    tag = "access",
    request_body(content = Option<EmptyBody>, description = "Optional: may be left out"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Enrolled (unconfirmed); the URL is shown once", body = MfaEnrollment),
        AuthErrors,
        BadRequest,
        BodyErrors,
    )
)]
/// `POST /v1/mfa/enroll`: a fresh TOTP secret for the calling principal.
pub(super) async fn enroll(
    State(state): State<AppState>,
    Creds(creds): Creds,
    OptionalJson(EmptyBody {}): OptionalJson<EmptyBody>,
) -> Result<Json<MfaEnrollment>, ServerError> {
    perform(state, creds, Action::MfaEnroll, |ops, caller| {
        ops.mfa_enroll(caller)
    })
    .await
    .map(Json)
}

#[utoipa::path(
    post,
    path = "/v1/mfa/confirm",
    tag = "access",
    request_body = MfaConfirmRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Confirmed: codes now count as MFA", body = MfaEnrollment),
        AuthErrors,
        BadRequest,
        BodyErrors,
    )
)]
/// `POST /v1/mfa/confirm`: confirms the enrollment with a first code.
pub(super) async fn confirm(
    State(state): State<AppState>,
    Creds(creds): Creds,
    ApiJson(req): ApiJson<MfaConfirmRequest>,
) -> Result<Json<MfaEnrollment>, ServerError> {
    perform(state, creds, Action::MfaEnroll, move |ops, caller| {
        ops.mfa_confirm(caller, req)
    })
    .await
    .map(Json)
}
