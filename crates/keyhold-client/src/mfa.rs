//! The caller's own TOTP second factor.

use keyhold_api::mfa::{MfaConfirmRequest, MfaEnrollment};
use reqwest::Method;

use crate::{Client, ClientError};

impl Client {
    /// `POST /v1/mfa/enroll`: a fresh TOTP secret for the caller, as an
    /// `otpauth://` URL shown once.
    pub async fn mfa_enroll(&self) -> Result<MfaEnrollment, ClientError> {
        self.call::<(), _>(Method::POST, "/v1/mfa/enroll", None)
            .await
    }

    /// `POST /v1/mfa/confirm`: confirms the enrollment with a first code.
    pub async fn mfa_confirm(&self, code: &str) -> Result<MfaEnrollment, ClientError> {
        let req = MfaConfirmRequest {
            code: code.to_owned(),
        };
        self.call(Method::POST, "/v1/mfa/confirm", Some(&req)).await
    }
}
