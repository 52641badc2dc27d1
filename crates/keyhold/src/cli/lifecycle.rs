//! The lifecycle verbs of `keyhold key` (rotate, activate, deactivate,
//! suspend, resume, revoke, schedule-destroy, cancel-destroy, archive,
//! recover, update, versions, public-key), and the parsers of their values.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use keyhold_core::{KeyRef, RevocationReason, Timestamp, VersionNumber};

use super::{Conn, parse_version};

/// A lifecycle verb with only a key to act on.
#[derive(Debug, Args)]
pub(crate) struct KeyArgs {
    #[command(flatten)]
    pub(crate) conn: Conn,
    /// Key id or name.
    pub(crate) key: KeyRef,
}

#[derive(Debug, Subcommand)]
pub(crate) enum LifecycleCommand {
    /// Rotate an active key: a new primary version; the old one still
    /// decrypts and verifies.
    Rotate(KeyArgs),
    /// Activate a pre-active key.
    Activate(KeyArgs),
    /// Deactivate a key: it no longer encrypts or signs, still decrypts and verifies.
    Deactivate(KeyArgs),
    /// Suspend an active key (no use at all until resumed).
    Suspend(KeyArgs),
    /// Resume a suspended key.
    Resume(KeyArgs),
    /// Revoke a key (every version for a compromise), or one version.
    Revoke(RevokeArgs),
    /// Schedule the erasure of a key's material after a waiting period.
    ScheduleDestroy(ScheduleDestroyArgs),
    /// Cancel a scheduled destruction.
    CancelDestroy(KeyArgs),
    /// Archive a key that is not in service (no use until recovered).
    Archive(KeyArgs),
    /// Recover an archived key.
    Recover(KeyArgs),
    /// Change a key's description, tags or rotation period.
    Update(UpdateArgs),
    /// List a key's versions with their states and dates.
    Versions(KeyArgs),
    /// Print an asymmetric key's public key (PEM by default).
    PublicKey(PublicKeyArgs),
}

/// `keyhold key revoke`.
#[derive(Debug, Args)]
pub(crate) struct RevokeArgs {
    #[command(flatten)]
    pub(crate) conn: Conn,
    /// Key id or name.
    pub(crate) key: KeyRef,
    /// Why: key-compromise, ca-compromise, affiliation-changed, superseded,
    /// cessation-of-operation, privilege-withdrawn or unspecified.
    #[arg(long, value_parser = parse_reason)]
    pub(crate) reason: RevocationReason,
    /// When the compromise happened (RFC 3339; default now).
    #[arg(long, value_parser = parse_time)]
    pub(crate) compromise_date: Option<Timestamp>,
    /// A note for people, kept in the server log.
    #[arg(long)]
    pub(crate) message: Option<String>,
    /// Revoke only this version.
    #[arg(long = "key-version", visible_alias = "version", value_parser = parse_version)]
    pub(crate) version: Option<VersionNumber>,
}

/// `keyhold key schedule-destroy`.
#[derive(Debug, Args)]
pub(crate) struct ScheduleDestroyArgs {
    #[command(flatten)]
    pub(crate) conn: Conn,
    /// Key id or name.
    pub(crate) key: KeyRef,
    /// Days to wait before erasing (default 30; at least the server's minimum).
    #[arg(long)]
    pub(crate) days: Option<u32>,
}

/// `keyhold key update`.
#[derive(Debug, Args)]
pub(crate) struct UpdateArgs {
    #[command(flatten)]
    pub(crate) conn: Conn,
    /// Key id or name.
    pub(crate) key: KeyRef,
    /// New description.
    #[arg(long)]
    pub(crate) description: Option<String>,
    /// Replace every tag with these KEY=VALUE tags (repeatable).
    #[arg(long = "tag", value_name = "KEY=VALUE", conflicts_with = "clear_tags")]
    pub(crate) tags: Vec<String>,
    /// Remove every tag.
    #[arg(long)]
    pub(crate) clear_tags: bool,
    /// Rotate automatically this often: seconds, or a number with s, m, h, d or w.
    #[arg(long, value_parser = parse_duration_secs, conflicts_with = "no_rotation")]
    pub(crate) rotation_period: Option<u64>,
    /// Stop rotating automatically.
    #[arg(long)]
    pub(crate) no_rotation: bool,
    /// Originator-usage period (NIST SP 800-57): seconds, or a number with
    /// s, m, h, d or w.
    #[arg(long, value_parser = parse_duration_secs, conflicts_with = "no_originator_usage_period")]
    pub(crate) originator_usage_period: Option<u64>,
    /// Remove the originator-usage period.
    #[arg(long)]
    pub(crate) no_originator_usage_period: bool,
    /// Recipient-usage period: seconds, or a number with s, m, h, d or w.
    #[arg(long, value_parser = parse_duration_secs, conflicts_with = "no_recipient_usage_period")]
    pub(crate) recipient_usage_period: Option<u64>,
    /// Remove the recipient-usage period.
    #[arg(long)]
    pub(crate) no_recipient_usage_period: bool,
}

/// The encodings `keyhold key public-key` can print.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum PublicKeyFormatArg {
    /// SubjectPublicKeyInfo in PEM.
    Pem,
    /// SubjectPublicKeyInfo DER (raw bytes with --out, base64 otherwise).
    Der,
}

/// `keyhold key public-key`.
#[derive(Debug, Args)]
pub(crate) struct PublicKeyArgs {
    #[command(flatten)]
    pub(crate) conn: Conn,
    /// Key id or name.
    pub(crate) key: KeyRef,
    /// Encoding (ML-KEM keys are always their raw encapsulation key).
    #[arg(long, value_enum, default_value = "pem")]
    pub(crate) format: PublicKeyFormatArg,
    /// This version instead of the primary.
    #[arg(long = "key-version", visible_alias = "version", value_parser = parse_version)]
    pub(crate) version: Option<VersionNumber>,
    /// Write the key here (DER and raw keys as bytes) instead of printing it.
    #[arg(long = "out", short = 'o', value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
}

/// An RFC 3339 date-time.
pub(crate) fn parse_time(s: &str) -> Result<Timestamp, String> {
    Timestamp::parse_rfc3339(s)
        .map_err(|_| format!("invalid date {s:?}: expected RFC 3339, e.g. 2030-01-31T12:00:00Z"))
}

fn parse_reason(s: &str) -> Result<RevocationReason, String> {
    RevocationReason::ALL
        .into_iter()
        .find(|r| reason_name(*r) == s)
        .ok_or_else(|| {
            let names: Vec<&str> = RevocationReason::ALL.into_iter().map(reason_name).collect();
            format!("unknown reason {s:?}: one of {}", names.join(", "))
        })
}

/// The wire name of a reason (KMIP's, kebab-case).
pub(crate) fn reason_name(r: RevocationReason) -> &'static str {
    match r {
        RevocationReason::Unspecified => "unspecified",
        RevocationReason::KeyCompromise => "key-compromise",
        RevocationReason::CaCompromise => "ca-compromise",
        RevocationReason::AffiliationChanged => "affiliation-changed",
        RevocationReason::Superseded => "superseded",
        RevocationReason::CessationOfOperation => "cessation-of-operation",
        RevocationReason::PrivilegeWithdrawn => "privilege-withdrawn",
    }
}

/// Seconds, or a whole number followed by `s`, `m`, `h`, `d` or `w`.
pub(crate) fn parse_duration_secs(s: &str) -> Result<u64, String> {
    let bad = || format!("invalid duration {s:?}: e.g. 3600, 12h, 90d or 1w");
    let (digits, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => s.split_at(at),
        None => (s, "s"),
    };
    let scale: u64 = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return Err(bad()),
    };
    let n: u64 = digits.parse().map_err(|_| bad())?;
    n.checked_mul(scale).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        for (text, secs) in [
            ("3600", 3600),
            ("90s", 90),
            ("30m", 1800),
            ("12h", 43_200),
            ("90d", 7_776_000),
            ("2w", 1_209_600),
        ] {
            assert_eq!(parse_duration_secs(text), Ok(secs), "{text}");
        }
        for bad in ["", "d", "1y", "1.5d", "-1", "12 h", "99999999999999999999w"] {
            assert!(parse_duration_secs(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn reasons_match_the_wire_names() {
        for r in RevocationReason::ALL {
            let wire = serde_json::to_string(&r).unwrap();
            assert_eq!(wire, format!("\"{}\"", reason_name(r)));
            assert_eq!(parse_reason(reason_name(r)), Ok(r));
        }
        assert!(parse_reason("compromised").is_err());
    }
}
