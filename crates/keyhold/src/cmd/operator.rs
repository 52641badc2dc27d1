//! `keyhold operator ...`.

use std::io::{BufRead as _, IsTerminal as _};

use keyhold_api::sys::{InitRequest, SealStatus};
use zeroize::Zeroizing;

use super::{CliError, client};
use crate::cli::OperatorCommand;
use crate::output;

/// Runs an operator command.
pub(crate) async fn run(cmd: OperatorCommand) -> Result<(), CliError> {
    match cmd {
        OperatorCommand::Init {
            conn,
            shares,
            threshold,
        } => {
            let resp = client(&conn)?
                .init(&InitRequest { shares, threshold })
                .await?;
            if conn.json {
                return output::json(&serde_json::json!({
                    "shares": resp.shares, "root_token": resp.root_token,
                }));
            }
            let mut text = String::new();
            for (i, share) in resp.shares.iter().enumerate() {
                text.push_str(&format!("Unseal share {}: {share}\n", i + 1));
            }
            text.push_str(&format!("\nRoot token: {}\n\n", resp.root_token));
            text.push_str(&format!(
                "Give each share to a different operator. {threshold} of {shares} unseal the server after a restart.\n\
                 These are shown once. Use the root token to set up access, then revoke it.\n"
            ));
            output::text(&text)
        }
        OperatorCommand::Unseal { conn, share } => {
            let share = match share {
                Some(s) => Zeroizing::new(s),
                None => read_share()?,
            };
            let status = client(&conn)?.unseal(share.trim()).await?;
            print_status(&status, conn.json)
        }
        OperatorCommand::Seal { conn } => {
            let status = client(&conn)?.seal().await?;
            print_status(&status, conn.json)
        }
        OperatorCommand::RevokeRootToken { conn } => {
            let answer = client(&conn)?.revoke_root_token().await?;
            if conn.json {
                return output::json(&answer);
            }
            output::text(if answer.revoked {
                "The root token is revoked: it no longer authenticates.\n"
            } else {
                "There was no root token to revoke.\n"
            })
        }
        OperatorCommand::Status { conn } => {
            let status = client(&conn)?.seal_status().await?;
            print_status(&status, conn.json)
        }
        OperatorCommand::Backup(args) => super::backup::backup(args).await,
        OperatorCommand::Restore(args) => super::backup::restore(args).await,
        OperatorCommand::RotateRoot { conn } => {
            let rotated = client(&conn)?.rotate_root().await?;
            if conn.json {
                return output::json(&rotated);
            }
            output::text(&format!(
                "Root key rotated: generation {} -> {}; {} tenant KEK(s) re-sealed.\n\
                 The unseal shares are unchanged; earlier backups still restore.\n",
                rotated.previous_generation, rotated.generation, rotated.tenants
            ))
        }
    }
}

fn read_share() -> Result<Zeroizing<String>, CliError> {
    if std::io::stdin().is_terminal() {
        eprint!("Unseal share: ");
    }
    let mut line = Zeroizing::new(String::new());
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|source| CliError::File {
            what: "cannot read",
            path: "-".into(),
            source,
        })?;
    Ok(line)
}

fn print_status(s: &SealStatus, json: bool) -> Result<(), CliError> {
    if json {
        return output::json(s);
    }
    let opt = |v: Option<u8>| v.map_or_else(|| "-".to_owned(), |n| n.to_string());
    let seal = s.seal.map_or("-", |k| match k {
        keyhold_api::sys::SealKind::Dev => "dev",
        keyhold_api::sys::SealKind::Shamir => "shamir",
    });
    output::table(
        &[
            "INITIALIZED",
            "SEALED",
            "SEAL",
            "SHARES",
            "THRESHOLD",
            "PROGRESS",
        ],
        &[vec![
            s.initialized.to_string(),
            s.sealed.to_string(),
            seal.to_owned(),
            opt(s.shares),
            opt(s.threshold),
            s.progress.to_string(),
        ]],
    )
}
