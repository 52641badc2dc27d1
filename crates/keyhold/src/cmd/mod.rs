//! Runs a parsed command.

mod approval;
mod audit;
mod audit_offline;
mod backup;
mod bench;
mod crypto;
mod key;
mod lifecycle;
mod mfa;
mod operator;
mod policy;
mod principal;
mod server;
mod tenant;
mod token;
mod transfer;

use std::collections::BTreeMap;
use std::path::PathBuf;

use keyhold_client::{Client, ClientError, ClientOptions};

use crate::cli::{Cli, Command, Conn};

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum CliError {
    /// The server refused or could not be reached.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The server failed to start.
    #[error(transparent)]
    Start(#[from] keyhold_server::error::StartError),
    /// A file could not be read or written.
    #[error("{what} {path}")]
    File {
        /// Reading or writing.
        what: &'static str,
        /// The path ('-' for stdio).
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// An argument is malformed.
    #[error("invalid {arg}: {reason}")]
    InvalidArg {
        /// Which argument.
        arg: &'static str,
        /// Why.
        reason: String,
    },
    /// A signature or MAC did not verify.
    #[error("{what} is not valid")]
    NotValid {
        /// What was checked.
        what: &'static str,
    },
    /// The audit trail (on the server, or an export) does not verify.
    #[error("audit trail broken at {at}: {problem}")]
    AuditBroken {
        /// Where: an event's sequence number, or a line of the file.
        at: String,
        /// The stable problem name (`hash`, `sequence`, `truncated`, ...).
        problem: String,
    },
    /// Key material could not be wrapped for import.
    #[error("cannot wrap the key material")]
    Wrap(#[source] keyhold_crypto::CryptoError),
    /// A JSON input file is not what the command expects.
    #[error("invalid JSON in {path}")]
    Json {
        /// The file ('-' for standard input).
        path: PathBuf,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
    /// A backup file's passphrase layer did not open (wrong passphrase,
    /// tampered, truncated), or could not be sealed.
    #[error("backup: {0}")]
    Backup(#[source] keyhold_crypto::backup::BackupError),
    /// Output could not be encoded.
    #[error("cannot encode output")]
    Encode(#[source] serde_json::Error),
    /// A benchmark could not be set up or run.
    #[error(transparent)]
    Bench(#[from] bench::BenchError),
}

/// Runs the command.
pub(crate) async fn dispatch(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Server(args) => server::run(args).await,
        Command::Operator(cmd) => operator::run(cmd).await,
        Command::Key(cmd) => key::run(cmd).await,
        Command::Tenant(cmd) => tenant::run(cmd).await,
        Command::Principal(cmd) => principal::run(cmd).await,
        Command::Token(cmd) => token::run(cmd).await,
        Command::Policy(cmd) => policy::run(cmd).await,
        Command::Role(cmd) => policy::run_role(cmd).await,
        Command::Audit(cmd) => audit::run(cmd).await,
        Command::Mfa(cmd) => mfa::run(cmd).await,
        Command::Approval(cmd) => approval::run(cmd).await,
        Command::Random(args) => crypto::random(args).await,
        Command::Bench(args) => bench::run(args).await,
    }
}

/// A client for the connection flags, sending what they ask every request
/// to carry (`--mfa`, `--tenant`, `--approval`).
fn client(conn: &Conn) -> Result<Client, CliError> {
    let mut client = connect(conn)?;
    let request = &conn.request;
    if let Some(code) = &request.mfa {
        client = client.with_mfa(code.expose());
    }
    if let Some(tenant) = &request.tenant {
        client = client.in_tenant(tenant.as_str());
    }
    if let Some(id) = request.approval {
        client = client.with_approval(id);
    }
    Ok(client)
}

/// A client for the address, token and CA certificate flags.
fn connect(conn: &Conn) -> Result<Client, CliError> {
    let ca_cert_pem = conn
        .ca_cert
        .as_ref()
        .map(|p| {
            std::fs::read(p).map_err(|source| CliError::File {
                what: "cannot read",
                path: p.clone(),
                source,
            })
        })
        .transpose()?;
    let options = ClientOptions {
        ca_cert_pem,
        timeout: None,
    };
    Ok(Client::with_options(
        &conn.addr,
        conn.token.as_ref().map(|t| t.expose().to_owned()),
        options,
    )?)
}

/// Parses repeated `KEY=VALUE` arguments.
fn pairs(arg: &'static str, items: &[String]) -> Result<BTreeMap<String, String>, CliError> {
    items
        .iter()
        .map(|item| {
            item.split_once('=')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .ok_or_else(|| CliError::InvalidArg {
                    arg,
                    reason: format!("expected KEY=VALUE, got {item:?}"),
                })
        })
        .collect()
}
