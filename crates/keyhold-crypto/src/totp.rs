//! TOTP second factor (RFC 6238 over HOTP, RFC 4226) for step-up MFA: a
//! 160-bit secret per principal (sealed like key material by the server),
//! 6 digits, 30-second steps, one step of clock skew either way, SHA-1 as
//! every authenticator app expects. Codes come from `totp-rs`; this module
//! adds replay refusal: a code is accepted only for a time step later than
//! the last one accepted for the same principal.

use std::fmt;

use totp_rs::{Algorithm as TotpAlgorithm, Builder, Secret, Totp};

use crate::error::CryptoError;
use crate::provider::CryptoProvider;
use crate::secret::SecretBytes;

/// Secret length in bytes (RFC 4226 section 4 recommends 160 bits).
pub const SECRET_LEN: usize = 20;
const STEP_SECS: u64 = 30;
const DIGITS: u8 = 6;
const SKEW_STEPS: u16 = 1;

/// A principal's TOTP secret.
pub struct TotpSecret(SecretBytes);

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret(<redacted>)")
    }
}

/// The result of a successful check: the time step of the code, to store
/// as the principal's last used step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct TotpStep(pub u64);

impl TotpSecret {
    /// A fresh random secret.
    pub fn generate(provider: &CryptoProvider) -> Result<Self, CryptoError> {
        let mut bytes = vec![0u8; SECRET_LEN];
        provider.random.fill(&mut bytes)?;
        Ok(Self(SecretBytes::new(bytes)))
    }

    /// A stored secret (after the server unsealed it).
    pub fn from_secret(secret: SecretBytes) -> Result<Self, CryptoError> {
        if secret.len() != SECRET_LEN {
            return Err(CryptoError::InvalidInput {
                what: "TOTP secret",
                reason: "must be 20 bytes",
            });
        }
        Ok(Self(secret))
    }

    /// The raw secret, for sealing.
    pub fn expose(&self) -> &SecretBytes {
        &self.0
    }

    fn totp(&self, issuer: Option<&str>, account: &str) -> Result<Totp, CryptoError> {
        Builder::new()
            .with_algorithm(TotpAlgorithm::SHA1)
            .with_digits(DIGITS)
            .with_skew(SKEW_STEPS)
            .with_step_duration(STEP_SECS)
            .with_secret(Secret::from(self.0.expose().to_vec()))
            .with_account_name(account)
            .with_issuer(issuer)
            .build()
            .map_err(|_| CryptoError::InvalidInput {
                what: "TOTP settings",
                reason: "refused by RFC 6238 rules",
            })
    }

    /// The `otpauth://` URL an authenticator app enrolls from (shown once).
    pub fn enrollment_url(&self, issuer: &str, account: &str) -> Result<String, CryptoError> {
        self.totp(Some(issuer), account)?
            .to_url()
            .map_err(|_| CryptoError::InvalidInput {
                what: "TOTP account",
                reason: "not a valid otpauth label",
            })
    }

    /// Checks `code` at `unix_time`: valid for this secret within one step of
    /// skew, and of a step later than `last_used` (a replayed or older code
    /// is refused). Returns the step to record.
    pub fn check(
        &self,
        code: &str,
        unix_time: u64,
        last_used: Option<TotpStep>,
    ) -> Result<TotpStep, CryptoError> {
        if code.len() != usize::from(DIGITS) || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CryptoError::InvalidInput {
                what: "TOTP code",
                reason: "must be 6 digits",
            });
        }
        let step = self
            .totp(None, "")?
            .check(code, unix_time)
            .ok_or(CryptoError::BadMac)?;
        let step = TotpStep(step);
        if last_used.is_some_and(|last| step <= last) {
            return Err(CryptoError::TotpReplay);
        }
        Ok(step)
    }

    /// The code for `unix_time` (tests and the CLI's enrollment check).
    pub fn code_at(&self, unix_time: u64) -> Result<String, CryptoError> {
        Ok(self.totp(None, "")?.generate(unix_time).to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B: the SHA-1 secret "12345678901234567890".
    fn rfc_secret() -> TotpSecret {
        TotpSecret::from_secret(SecretBytes::new(b"12345678901234567890".to_vec())).unwrap()
    }

    #[test]
    fn rfc_6238_appendix_b_sha1_vectors() {
        // The appendix lists 8-digit codes; the 6-digit code is their last six digits.
        let vectors = [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ];
        let s = rfc_secret();
        for (time, eight) in vectors {
            assert_eq!(s.code_at(time).unwrap(), eight[2..], "t={time}");
        }
    }

    #[test]
    fn skew_replay_and_bad_codes() {
        let s = rfc_secret();
        let t = 1_234_567_890;
        let code = s.code_at(t).unwrap();
        let step = s.check(&code, t, None).unwrap();
        assert_eq!(step, TotpStep(t / 30));
        assert!(matches!(
            s.check(&code, t, Some(step)),
            Err(CryptoError::TotpReplay)
        ));
        // One step of skew either way, not two.
        assert!(s.check(&code, t + 30, None).is_ok());
        assert!(s.check(&code, t - 30, None).is_ok());
        assert!(s.check(&code, t + 90, None).is_err());
        // An older code after a newer one was used.
        let newer = s.check(&s.code_at(t + 30).unwrap(), t + 30, None).unwrap();
        assert!(s.check(&code, t + 30, Some(newer)).is_err());
        for bad in ["", "12345", "1234567", "12a456"] {
            assert!(s.check(bad, t, None).is_err(), "{bad}");
        }
        let wrong = if code == "000000" { "000001" } else { "000000" };
        assert!(matches!(s.check(wrong, t, None), Err(CryptoError::BadMac)));
    }

    #[test]
    fn enrollment_and_secrets() {
        let s = TotpSecret::generate(&crate::software::SOFTWARE).unwrap();
        let url = s.enrollment_url("keyhold", "alice").unwrap();
        assert!(url.starts_with("otpauth://totp/keyhold:alice?"), "{url}");
        assert!(!format!("{s:?}").contains(&url));
        assert!(TotpSecret::from_secret(SecretBytes::new(vec![1; 10])).is_err());
    }
}
