//! `keyhold audit ...`: read, export and verify the audit trail.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use keyhold_core::audit::OutcomeKind;
use keyhold_core::{Action, KeyRef, PrincipalId, Timestamp};

use super::Conn;
use super::lifecycle::parse_time;

#[derive(Debug, Subcommand)]
pub(crate) enum AuditCommand {
    /// List audit events of your tenant, oldest first (filters combine).
    List(AuditListArgs),
    /// Export the whole trail as JSON lines (events and signed checkpoints),
    /// ending with a checkpoint of its last event, for offline verification.
    Export(AuditExportArgs),
    /// Verify the trail. Without --file the server checks its stored trail
    /// (chain, MACs, checkpoint signatures, truncation); with --file and
    /// --public-key this command checks an export offline, without the
    /// server. Exits non-zero when the trail is broken, naming the event and
    /// the problem.
    Verify(AuditVerifyArgs),
    /// Print the Ed25519 public key that verifies the trail's checkpoints
    /// (base64, as --public-key of `keyhold audit verify` takes it).
    PublicKey {
        #[command(flatten)]
        conn: Conn,
    },
}

/// `keyhold audit list`.
#[derive(Debug, Args)]
pub(crate) struct AuditListArgs {
    #[command(flatten)]
    pub(crate) conn: Conn,
    /// Only events concerning this key (id, or a name looked up first).
    #[arg(long)]
    pub(crate) key: Option<KeyRef>,
    /// Only events of this principal (id).
    #[arg(long)]
    pub(crate) principal: Option<PrincipalId>,
    /// Only events of this action, e.g. key:encrypt, key:create, audit:read.
    #[arg(long)]
    pub(crate) action: Option<Action>,
    /// Only events that ended this way: ok, denied or error.
    #[arg(long, value_parser = parse_outcome)]
    pub(crate) outcome: Option<OutcomeKind>,
    /// Only events at or after this time (RFC 3339, e.g. 2030-01-31T12:00:00Z).
    #[arg(long, value_parser = parse_time)]
    pub(crate) since: Option<Timestamp>,
    /// Only events before this time (RFC 3339).
    #[arg(long, value_parser = parse_time)]
    pub(crate) until: Option<Timestamp>,
    /// Page size (1 to 1000, default 100).
    #[arg(long)]
    pub(crate) limit: Option<u32>,
    /// Continue after this cursor (printed at the end of a full page).
    #[arg(long)]
    pub(crate) cursor: Option<u64>,
}

/// `keyhold audit export`.
#[derive(Debug, Args)]
pub(crate) struct AuditExportArgs {
    #[command(flatten)]
    pub(crate) conn: Conn,
    /// Write the JSON lines to this file ('-' for standard output).
    #[arg(long = "out", short = 'o', value_name = "FILE")]
    pub(crate) output: PathBuf,
}

/// `keyhold audit verify`.
#[derive(Debug, Args)]
pub(crate) struct AuditVerifyArgs {
    #[command(flatten)]
    pub(crate) conn: Conn,
    /// Verify this export (from `keyhold audit export`) offline instead of
    /// asking the server.
    #[arg(long, value_name = "FILE", requires = "public_key")]
    pub(crate) file: Option<PathBuf>,
    /// The audit public key the export must verify under: base64 (as
    /// `keyhold audit public-key` prints it) or hex. Get it from a trusted
    /// source, not from the copy being checked.
    #[arg(long, value_name = "KEY", requires = "file")]
    pub(crate) public_key: Option<String>,
}

fn parse_outcome(s: &str) -> Result<OutcomeKind, String> {
    OutcomeKind::ALL
        .into_iter()
        .find(|o| o.as_str() == s)
        .ok_or_else(|| format!("unknown outcome {s:?}: ok, denied or error"))
}
