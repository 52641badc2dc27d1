//! The audit trail (`keyhold_api::audit`): a page of events, the server's
//! online verification, the checkpoint public key and the JSON-lines
//! export. Offline verification of an export is the caller's
//! (`keyhold_crypto::audit_verify`), with the public key alone.

use std::io::Write;
use std::time::Duration;

use keyhold_api::audit::{AuditEventsPage, AuditEventsQuery, AuditPublicKey, VerifyReport};
use reqwest::Method;

use crate::{Client, ClientError, error_from, serde_urlencoded_query};

/// How long an export may take in all (the default per-request timeout is
/// meant for small answers, not for a whole trail).
const EXPORT_TIMEOUT: Duration = Duration::from_secs(3600);

impl Client {
    /// `GET /v1/audit/events`, one page.
    pub async fn audit_events(
        &self,
        query: &AuditEventsQuery,
    ) -> Result<AuditEventsPage, ClientError> {
        let qs = serde_urlencoded_query(query)?;
        self.call(Method::GET, &format!("/v1/audit/events{qs}"), None::<&()>)
            .await
    }

    /// `GET /v1/audit/verify`: the server checks its whole stored trail.
    /// A broken trail is a report with `ok: false`, not an error.
    pub async fn audit_verify(&self) -> Result<VerifyReport, ClientError> {
        self.call(Method::GET, "/v1/audit/verify", None::<&()>)
            .await
    }

    /// `GET /v1/audit/public-key` (no token needed).
    pub async fn audit_public_key(&self) -> Result<AuditPublicKey, ClientError> {
        self.call(Method::GET, "/v1/audit/public-key", None::<&()>)
            .await
    }

    /// `GET /v1/audit/sinks`: how far each SIEM sink has delivered.
    pub async fn audit_sinks(&self) -> Result<keyhold_api::audit::AuditSinks, ClientError> {
        self.call(Method::GET, "/v1/audit/sinks", None::<&()>).await
    }

    /// `GET /v1/audit/export`, whole, in memory. For a large trail prefer
    /// [`audit_export_to`](Self::audit_export_to).
    pub async fn audit_export(&self) -> Result<Vec<u8>, ClientError> {
        let mut out = Vec::new();
        self.audit_export_to(&mut out).await?;
        Ok(out)
    }

    /// `GET /v1/audit/export`, written to `out` as it arrives. Returns the
    /// number of bytes written. A transfer the server breaks off is an
    /// error (what was written so far does not verify: its last checkpoint
    /// is missing).
    pub async fn audit_export_to<W: Write + Send>(&self, out: &mut W) -> Result<u64, ClientError> {
        let mut resp = self
            .request(Method::GET, "/v1/audit/export")
            .timeout(EXPORT_TIMEOUT)
            .send()
            .await?;
        let status = resp.status();
        if !status.is_success() {
            let body = resp.bytes().await?;
            return Err(error_from(status.as_u16(), &body));
        }
        let mut written = 0u64;
        while let Some(chunk) = resp.chunk().await? {
            out.write_all(&chunk).map_err(ClientError::Write)?;
            written = written.saturating_add(u64::try_from(chunk.len()).unwrap_or(u64::MAX));
        }
        out.flush().map_err(ClientError::Write)?;
        Ok(written)
    }
}
