//! `keyhold mfa` (your own TOTP second factor) and `keyhold approval`
//! (quorum approvals), as clap types.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use keyhold_api::approvals::ChangeKind;
use keyhold_core::approval::ApprovalState;
use keyhold_core::{Action, ApprovalId, KeyRef};

use super::access::PageArgs;
use super::{Conn, SecretArg};

#[derive(Debug, Subcommand)]
pub(crate) enum MfaCommand {
    /// Start (or restart) your TOTP enrollment: prints an otpauth:// URL,
    /// once, to load into an authenticator app. It counts once confirmed.
    Enroll {
        #[command(flatten)]
        conn: Conn,
    },
    /// Confirm your enrollment with a first code from the app.
    Confirm {
        #[command(flatten)]
        conn: Conn,
        /// The six-digit code the app shows.
        code: SecretArg,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum ApprovalCommand {
    /// Ask for approval of one request (an action under a quorum rule of
    /// your tenant). Prints its id: once approved, send the same request
    /// again with --approval ID.
    Request(ApprovalRequestArgs),
    /// List your tenant's approvals, oldest first.
    List {
        #[command(flatten)]
        conn: Conn,
        /// Only approvals in this state: pending, approved, denied, expired
        /// or executed.
        #[arg(long, value_parser = parse_state)]
        state: Option<ApprovalState>,
        #[command(flatten)]
        page: PageArgs,
    },
    /// Show one approval, with the exact request it approves.
    Show(ApprovalIdArgs),
    /// Approve a request (approvers; not your own). Needs --mfa CODE.
    Approve(ApprovalIdArgs),
    /// Deny a request: one denial ends it. Needs --mfa CODE.
    Deny(ApprovalIdArgs),
}

/// `keyhold approval request`.
#[derive(Debug, Args)]
pub(crate) struct ApprovalRequestArgs {
    #[command(flatten)]
    pub(crate) conn: Conn,
    /// The action, e.g. key:schedule-destroy or key:export.
    #[arg(value_parser = parse_action)]
    pub(crate) action: Action,
    /// The key it acts on (id or name), for key actions.
    #[arg(long, conflicts_with_all = ["change", "target"])]
    pub(crate) key: Option<KeyRef>,
    /// For access-management actions, the change: policy-create,
    /// policy-update, policy-delete, role-create, role-update, role-delete,
    /// principal-create, principal-update, principal-delete, role-grant,
    /// role-revoke, certificate-bind, certificate-unbind, tenant-create or
    /// settings-update.
    #[arg(long, requires = "target")]
    pub(crate) change: Option<ChangeKind>,
    /// For access-management actions, what the change acts on: the policy,
    /// role, principal or tenant name.
    #[arg(long, requires = "change")]
    pub(crate) target: Option<String>,
    /// The JSON body the request will be sent with ('-' for standard
    /// input); `{}` when omitted. It must match the request you send later.
    #[arg(long, value_name = "FILE")]
    pub(crate) body: Option<PathBuf>,
}

/// A command that names one approval.
#[derive(Debug, Args)]
pub(crate) struct ApprovalIdArgs {
    #[command(flatten)]
    pub(crate) conn: Conn,
    /// The approval's id.
    #[arg(value_parser = parse_id)]
    pub(crate) id: ApprovalId,
}

fn parse_action(s: &str) -> Result<Action, String> {
    s.parse().map_err(|_| {
        format!("unknown action {s:?} (actions look like key:schedule-destroy or key:export)")
    })
}

fn parse_state(s: &str) -> Result<ApprovalState, String> {
    s.parse()
        .map_err(|_| format!("unknown state {s:?}: pending, approved, denied, expired or executed"))
}

fn parse_id(s: &str) -> Result<ApprovalId, String> {
    s.parse()
        .map_err(|_| format!("invalid approval id {s:?}: a UUID as `approval list` shows"))
}
