//! `keyhold mfa enroll|confirm`: the caller's own TOTP second factor.

use super::{CliError, client};
use crate::cli::MfaCommand;
use crate::output;

/// Runs an MFA command.
pub(crate) async fn run(cmd: MfaCommand) -> Result<(), CliError> {
    match cmd {
        MfaCommand::Enroll { conn } => {
            let enrollment = client(&conn)?.mfa_enroll().await?;
            if conn.json {
                return output::json(&enrollment);
            }
            output::text(&format!(
                "{}\n\nLoad this URL into an authenticator app (most scan it as a QR code, \
                 or take the secret= part by hand), then confirm with a first code: \
                 keyhold mfa confirm CODE\n\n\
                 This is the only time it is shown: it holds the TOTP secret.\n",
                enrollment.otpauth_url
            ))
        }
        MfaCommand::Confirm { conn, code } => {
            let enrollment = client(&conn)?.mfa_confirm(code.expose()).await?;
            if conn.json {
                return output::json(&enrollment);
            }
            output::text(
                "MFA confirmed: a fresh code in --mfa (X-Keyhold-MFA) now counts as your \
                 second factor.\n",
            )
        }
    }
}
