//! `/v1/mfa/*`: a principal's own TOTP second factor (RFC 6238).

use serde::{Deserialize, Serialize};

/// The answer to `POST /v1/mfa/enroll` and `POST /v1/mfa/confirm`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MfaEnrollment {
    /// The `otpauth://` URL to load into an authenticator app; it holds the
    /// secret, so it is shown once, at enrollment (empty afterwards).
    pub otpauth_url: String,
    /// Whether a first code confirmed the enrollment.
    pub confirmed: bool,
}

impl std::fmt::Debug for MfaEnrollment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MfaEnrollment")
            .field("otpauth_url", &"<redacted>")
            .field("confirmed", &self.confirmed)
            .finish()
    }
}

/// `POST /v1/mfa/confirm`: the first code from the authenticator app.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MfaConfirmRequest {
    /// Six digits.
    pub code: String,
}

impl std::fmt::Debug for MfaConfirmRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MfaConfirmRequest(<redacted>)")
    }
}
