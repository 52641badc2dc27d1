//! `keyhold approval request|list|show|approve|deny`: quorum approvals.

use keyhold_api::approvals::{ApprovalInfo, CreateApprovalRequest, ListApprovalsQuery};

use super::principal::more;
use super::tenant::read_json;
use super::{CliError, client};
use crate::cli::{ApprovalCommand, ApprovalRequestArgs, Conn};
use crate::output;

/// Runs an approval command.
pub(crate) async fn run(cmd: ApprovalCommand) -> Result<(), CliError> {
    match cmd {
        ApprovalCommand::Request(args) => request(args).await,
        ApprovalCommand::List { conn, state, page } => {
            let q = ListApprovalsQuery {
                state,
                cursor: page.cursor,
                limit: page.limit,
            };
            let list = client(&conn)?.approvals(&q).await?;
            if conn.json {
                return output::json(&list);
            }
            table(&list.approvals)?;
            more(list.next_cursor)
        }
        ApprovalCommand::Show(a) => {
            let info = client(&a.conn)?.approval(a.id).await?;
            show(&info, a.conn.json)
        }
        ApprovalCommand::Approve(a) => {
            let info = voter(&a.conn)?.approve(a.id).await?;
            show(&info, a.conn.json)
        }
        ApprovalCommand::Deny(a) => {
            let info = voter(&a.conn)?.deny(a.id).await?;
            show(&info, a.conn.json)
        }
    }
}

async fn request(args: ApprovalRequestArgs) -> Result<(), CliError> {
    let body = match &args.body {
        Some(path) => read_json(path)?,
        None => serde_json::Value::Object(serde_json::Map::new()),
    };
    let req = CreateApprovalRequest {
        action: args.action,
        key: args.key.map(|k| k.to_string()),
        body,
        change: args.change,
        target: args.target,
    };
    let info = client(&args.conn)?.request_approval(&req).await?;
    if args.conn.json {
        return output::json(&info);
    }
    show(&info, false)?;
    output::text(&format!(
        "\nOnce approved, send the same request again with --approval {}\n",
        info.id
    ))
}

/// A client for an approver's vote, which needs a TOTP code.
fn voter(conn: &Conn) -> Result<keyhold_client::Client, CliError> {
    if conn.request.mfa.is_none() {
        return Err(CliError::InvalidArg {
            arg: "--mfa",
            reason: "approvers vote with a fresh TOTP code: give --mfa CODE (or KEYHOLD_MFA)"
                .into(),
        });
    }
    client(conn)
}

fn show(a: &ApprovalInfo, json: bool) -> Result<(), CliError> {
    if json {
        return output::json(a);
    }
    let denied = a
        .denied_by
        .map_or_else(|| "-".to_owned(), |p| p.to_string());
    output::text(&format!(
        "Id: {}\nAction: {}\nState: {}\nResource: {}\nRequester: {}\n\
         Approvals: {}\nApproved by: {}\nDenied by: {denied}\n\
         Created: {}\nExpires: {}\nRequest: {}\n",
        a.id,
        a.action,
        a.state,
        a.resource,
        a.requester,
        votes(a),
        joined(a.approvers.iter()),
        a.created_at,
        a.expires_at,
        a.request,
    ))
}

fn table(approvals: &[ApprovalInfo]) -> Result<(), CliError> {
    let rows: Vec<Vec<String>> = approvals
        .iter()
        .map(|a| {
            vec![
                a.id.to_string(),
                a.action.to_string(),
                a.state.to_string(),
                a.resource.clone(),
                votes(a),
                a.requester.to_string(),
                a.expires_at.to_string(),
            ]
        })
        .collect();
    output::table(
        &[
            "ID",
            "ACTION",
            "STATE",
            "RESOURCE",
            "APPROVALS",
            "REQUESTER",
            "EXPIRES",
        ],
        &rows,
    )
}

/// `approved/required`.
fn votes(a: &ApprovalInfo) -> String {
    format!("{}/{}", a.approvers.len(), a.required)
}

fn joined<T: ToString>(items: impl Iterator<Item = T>) -> String {
    let all: Vec<String> = items.map(|i| i.to_string()).collect();
    if all.is_empty() {
        "-".to_owned()
    } else {
        all.join(", ")
    }
}
