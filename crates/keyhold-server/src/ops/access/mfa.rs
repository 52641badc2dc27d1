//! TOTP second factor (RFC 6238, DESIGN.md section 6): a principal enrolls
//! itself (the secret is sealed under its tenant's KEK, bound to the
//! principal), confirms with a first code, and from then on a fresh code in
//! `X-Keyhold-MFA` counts as MFA. Every accepted code moves the stored last
//! step forward in the same write transaction that checked it, so a code is
//! accepted once, even by two concurrent requests.

use keyhold_api::mfa::{MfaConfirmRequest, MfaEnrollment as MfaEnrollmentView};
use std::sync::Arc;

use keyhold_core::{MfaEnrollment, PrincipalId, TenantId};
use keyhold_crypto::hierarchy::Kek;
use keyhold_crypto::totp::{TotpSecret, TotpStep};
use keyhold_store::{TxError, WriteTx};

use super::identity::{Identity, Resolved};
use crate::error::ServerError;
use crate::ops::rotate_kek::check_kek_current;
use crate::ops::{Caller, Operations};
use crate::vault::tx_error;

/// What the TOTP secret is sealed for (part of its AAD).
pub(crate) const PURPOSE: &str = "totp";
/// The issuer an authenticator app shows.
const ISSUER: &str = "keyhold";

impl Operations {
    /// Checks a TOTP code of `r`'s confirmed enrollment and uses it up.
    pub(super) fn check_totp(&self, r: &Resolved, code: &str) -> Result<(), ServerError> {
        let code = self.code_check(r, code, true)?;
        self.store.write(|tx| code.consume(tx)).map_err(tx_error)
    }

    /// Starts (or restarts) the caller's own TOTP enrollment: a fresh
    /// secret, shown once as an `otpauth://` URL; it counts once confirmed.
    pub fn mfa_enroll(&self, caller: &Caller) -> Result<MfaEnrollmentView, ServerError> {
        let r = principal_of(caller)?;
        let secret = TotpSecret::generate(&self.crypto).map_err(ServerError::Crypto)?;
        let kek = self.vault.unlocked()?.kek(&r.tenant)?;
        let sealed = kek
            .seal_principal_secret(
                &self.crypto,
                r.tenant.id,
                r.principal.id,
                PURPOSE,
                secret.expose(),
            )
            .map_err(ServerError::Crypto)?;
        let url = secret
            .enrollment_url(ISSUER, r.principal.name.as_str())
            .map_err(ServerError::Crypto)?;
        let record = MfaEnrollment {
            principal: r.principal.id,
            sealed_secret: sealed,
            confirmed: false,
            last_used_step: None,
            created_at: self.now(),
        };
        self.write_access(caller, |tx| {
            check_kek_current(tx, r.tenant.id, r.tenant.kek_generation)?;
            Ok(tx.mfa_put(&record)?)
        })?;
        Ok(MfaEnrollmentView {
            otpauth_url: url,
            confirmed: false,
        })
    }

    /// Confirms the caller's enrollment with a first code.
    pub fn mfa_confirm(
        &self,
        caller: &Caller,
        req: MfaConfirmRequest,
    ) -> Result<MfaEnrollmentView, ServerError> {
        let r = principal_of(caller)?;
        let code = self.code_check(r, &req.code, false)?;
        self.write_access(caller, |tx| code.consume(tx))?;
        Ok(MfaEnrollmentView {
            otpauth_url: String::new(),
            confirmed: true,
        })
    }

    /// What checking `code` for `r` needs: the tenant KEK and the time.
    fn code_check<'a>(
        &self,
        r: &'a Resolved,
        code: &'a str,
        confirmed: bool,
    ) -> Result<CodeCheck<'a>, ServerError> {
        Ok(CodeCheck {
            kek: self.vault.unlocked()?.kek(&r.tenant)?,
            tenant: r.tenant.id,
            principal: r.principal.id,
            code,
            now: self.now_unix()?,
            confirmed,
        })
    }

    fn now_unix(&self) -> Result<u64, ServerError> {
        u64::try_from(self.now().unix_seconds()).map_err(|_| ServerError::Internal {
            what: "clock before 1970",
        })
    }
}

/// One TOTP code to check against a principal's stored enrollment.
struct CodeCheck<'a> {
    kek: Arc<Kek>,
    tenant: TenantId,
    principal: PrincipalId,
    code: &'a str,
    now: u64,
    /// Whether the enrollment must already be confirmed (a first code
    /// confirms it).
    confirmed: bool,
}

impl CodeCheck<'_> {
    /// Checks the code and records its step (which also confirms the
    /// enrollment), in the caller's write transaction: a replayed or older
    /// code is refused.
    fn consume(&self, tx: &mut dyn WriteTx) -> Result<(), TxError<ServerError>> {
        let invalid = || TxError::Abort(ServerError::MfaInvalid);
        let mut stored = tx.mfa_get(self.principal)?.ok_or_else(invalid)?;
        if stored.confirmed != self.confirmed {
            return Err(invalid());
        }
        let secret = self
            .kek
            .open_principal_secret(self.tenant, self.principal, PURPOSE, &stored.sealed_secret)
            .map_err(|e| TxError::Abort(ServerError::Crypto(e)))?;
        let totp =
            TotpSecret::from_secret(secret).map_err(|e| TxError::Abort(ServerError::Crypto(e)))?;
        let step = totp
            .check(self.code, self.now, stored.last_used_step.map(TotpStep))
            .map_err(|_| invalid())?;
        stored.last_used_step = Some(step.0);
        stored.confirmed = true;
        tx.mfa_put(&stored)?;
        Ok(())
    }
}

/// The caller's own principal; the root token and the server have none.
fn principal_of(caller: &Caller) -> Result<&Resolved, ServerError> {
    match &caller.identity {
        Identity::Principal(r) => Ok(r),
        Identity::Root | Identity::Internal => Err(ServerError::InvalidRequest {
            detail: "only principals enroll a second factor; the root token cannot".into(),
        }),
    }
}
