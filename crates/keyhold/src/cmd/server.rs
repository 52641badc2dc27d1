//! `keyhold server`.

use std::io::Write as _;

use keyhold_server::Started;
use keyhold_server::config::{
    DEFAULT_IMPORT_TOKEN_VALIDITY_SECS, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_TOKEN_TTL_SECS,
    DEFAULT_MIN_DESTROY_WAITING_DAYS, Mode, ServerConfig,
};
use zeroize::Zeroizing;

use super::CliError;
use crate::cli::ServerArgs;

/// Runs the server until SIGINT or SIGTERM.
pub(crate) async fn run(args: ServerArgs) -> Result<(), CliError> {
    init_logging(&args.log);
    let given_token = args
        .dev_root_token
        .as_ref()
        .map(|t| Zeroizing::new(t.expose().to_owned()));
    // Held until the server stops: a dev server without --data-dir keeps its
    // data in a temporary directory, removed at exit.
    let mut _temp_dir = None;
    let config = match &args.config {
        Some(path) => ServerConfig::from_file(path)?,
        None => {
            let data_dir = match &args.data_dir {
                Some(dir) => dir.clone(),
                None => {
                    let dir = tempfile::Builder::new()
                        .prefix("keyhold-dev-")
                        .tempdir()
                        .map_err(|source| CliError::File {
                            what: "cannot create a temporary directory",
                            path: "/tmp".into(),
                            source,
                        })?;
                    let path = dir.path().to_owned();
                    _temp_dir = Some(dir);
                    path
                }
            };
            ServerConfig {
                listen: args.listen,
                data_dir,
                tls: None,
                mode: Mode::Dev {
                    root_token: given_token.clone(),
                },
                max_body_bytes: DEFAULT_MAX_BODY_BYTES,
                plain_http_on_loopback: true,
                min_destroy_waiting_days: DEFAULT_MIN_DESTROY_WAITING_DAYS,
                import_token_validity_secs: DEFAULT_IMPORT_TOKEN_VALIDITY_SECS,
                max_token_ttl_secs: DEFAULT_MAX_TOKEN_TTL_SECS,
                kmip: None,
                audit: Default::default(),
                scheduler: Default::default(),
                backup: None,
                cache: Default::default(),
            }
        }
    };
    let data_dir = config.data_dir.clone();
    let announce = |s: &Started| announce(s, given_token.as_deref().map(String::as_str), &data_dir);
    keyhold_server::run(config, announce, shutdown_signal()).await?;
    Ok(())
}

/// Prints where the server listens (and, in dev mode, the root token) on
/// standard output, as `KEY=value` lines a shell or a test can read.
fn announce(s: &Started, given_token: Option<&str>, data_dir: &std::path::Path) {
    let mut out = std::io::stdout().lock();
    let mut lines = vec![format!("KEYHOLD_ADDR={}", s.url)];
    // Before KEYHOLD_ADDR: a reader may stop at the address line.
    if let Some(kmip) = s.kmip_addr {
        lines.insert(0, format!("KEYHOLD_KMIP_ADDR={kmip}"));
    }
    if s.dev {
        lines.insert(0, "WARNING: dev mode. The root key is stored unprotected next to the data; never use this in production.".into());
        lines.push(format!("KEYHOLD_DATA_DIR={}", data_dir.display()));
        match (&s.new_root_token, given_token) {
            (Some(t), _) => lines.push(format!("KEYHOLD_TOKEN={}", t.expose())),
            (None, Some(t)) => lines.push(format!("KEYHOLD_TOKEN={t}")),
            (None, None) => {
                lines.push("# root token unchanged since this data directory was created".into())
            }
        }
    } else if s.sealed {
        lines.push(
            "# sealed: run `keyhold operator init` (first start) or `keyhold operator unseal`"
                .into(),
        );
    }
    for line in lines {
        let _ = writeln!(out, "{line}");
    }
    let _ = out.flush();
}

fn init_logging(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colour only on a terminal: a log file or journal gets plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr)
        .try_init();
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
