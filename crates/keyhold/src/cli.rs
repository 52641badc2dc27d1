//! The command line, as clap types.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use keyhold_core::lifecycle::KeyState;
use keyhold_core::{Algorithm, KeyName, KeyRef};

/// keyhold: centralized key management. Run a server, or manage keys on one.
#[derive(Debug, Parser)]
#[command(name = "keyhold", version, about, long_about = None)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run the keyhold server.
    Server(ServerArgs),
    /// Initialize, unseal, seal a server; show its seal status.
    #[command(subcommand)]
    Operator(OperatorCommand),
    /// Create, list and show keys; encrypt and decrypt with them.
    #[command(subcommand)]
    Key(KeyCommand),
}

#[derive(Debug, Args)]
pub(crate) struct ServerArgs {
    /// Development mode: embedded SQLite, unsealed at start, root token printed,
    /// plain HTTP on loopback. Never for production.
    #[arg(long, conflicts_with = "config")]
    pub(crate) dev: bool,
    /// Production configuration file (TOML). The server starts sealed.
    #[arg(long, value_name = "FILE", required_unless_present = "dev")]
    pub(crate) config: Option<PathBuf>,
    /// Address to listen on (dev mode).
    #[arg(long, default_value = "127.0.0.1:8200", requires = "dev")]
    pub(crate) listen: SocketAddr,
    /// Data directory (dev mode); a temporary directory, deleted at exit, when omitted.
    #[arg(long, value_name = "DIR", requires = "dev")]
    pub(crate) data_dir: Option<PathBuf>,
    /// Use this root token instead of a random one (dev mode).
    #[arg(
        long,
        value_name = "TOKEN",
        requires = "dev",
        env = "KEYHOLD_DEV_ROOT_TOKEN"
    )]
    pub(crate) dev_root_token: Option<String>,
    /// Log filter (tracing EnvFilter syntax).
    #[arg(long, default_value = "info", env = "KEYHOLD_LOG")]
    pub(crate) log: String,
}

/// How to reach the server (every client command).
#[derive(Debug, Args)]
pub(crate) struct Conn {
    /// Server address.
    #[arg(
        long,
        global = true,
        env = "KEYHOLD_ADDR",
        default_value = "http://127.0.0.1:8200"
    )]
    pub(crate) addr: String,
    /// Bearer token.
    #[arg(long, global = true, env = "KEYHOLD_TOKEN", hide_env_values = true)]
    pub(crate) token: Option<String>,
    /// Extra CA certificate (PEM) to trust.
    #[arg(long, global = true, env = "KEYHOLD_CACERT", value_name = "FILE")]
    pub(crate) ca_cert: Option<PathBuf>,
    /// Print JSON instead of tables.
    #[arg(long, global = true)]
    pub(crate) json: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum OperatorCommand {
    /// Initialize a new server: make the root key and split it into shares.
    /// Prints the shares and a root token once.
    Init {
        #[command(flatten)]
        conn: Conn,
        /// Number of shares to make.
        #[arg(long, default_value_t = 5)]
        shares: u8,
        /// Number of shares needed to unseal.
        #[arg(long, default_value_t = 3)]
        threshold: u8,
    },
    /// Give one unseal share (read from standard input when omitted).
    Unseal {
        #[command(flatten)]
        conn: Conn,
        /// The share.
        share: Option<String>,
    },
    /// Seal the server: drop the root key from memory.
    Seal {
        #[command(flatten)]
        conn: Conn,
    },
    /// Show the seal status.
    Status {
        #[command(flatten)]
        conn: Conn,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum KeyCommand {
    /// Create a key.
    Create {
        #[command(flatten)]
        conn: Conn,
        /// Unique name within the tenant.
        name: KeyName,
        /// Algorithm.
        #[arg(long, short, default_value = "aes-256-gcm")]
        algorithm: Algorithm,
        /// Usage (repeat or comma-separate): encrypt, decrypt, sign, verify,
        /// wrap-key, unwrap-key, mac-generate, mac-verify. Default: the algorithm's.
        #[arg(long, value_delimiter = ',')]
        usage: Vec<String>,
        /// Description.
        #[arg(long, default_value = "")]
        description: String,
        /// Tag KEY=VALUE (repeatable).
        #[arg(long = "tag", value_name = "KEY=VALUE")]
        tags: Vec<String>,
        /// Allow export (wrapped) later. Cannot be changed afterwards.
        #[arg(long)]
        exportable: bool,
    },
    /// List keys.
    List {
        #[command(flatten)]
        conn: Conn,
        /// Only names starting with this.
        #[arg(long)]
        prefix: Option<String>,
        /// Only this algorithm.
        #[arg(long)]
        algorithm: Option<Algorithm>,
        /// Only this state (pre-active, active, suspended, deactivated, compromised, ...).
        #[arg(long, value_parser = parse_state)]
        state: Option<KeyState>,
        /// Page size.
        #[arg(long)]
        limit: Option<u32>,
        /// Continue after this cursor.
        #[arg(long)]
        cursor: Option<String>,
    },
    /// Show a key.
    Show {
        #[command(flatten)]
        conn: Conn,
        /// Key id or name.
        key: KeyRef,
    },
    /// Encrypt data; prints the ciphertext as base64.
    Encrypt {
        #[command(flatten)]
        conn: Conn,
        #[command(flatten)]
        data: DataArgs,
        /// Key id or name.
        key: KeyRef,
    },
    /// Decrypt a base64 ciphertext; writes the plaintext bytes.
    Decrypt {
        #[command(flatten)]
        conn: Conn,
        #[command(flatten)]
        data: DataArgs,
        /// Key id or name.
        key: KeyRef,
    },
}

/// Where data comes from and goes to.
#[derive(Debug, Args)]
pub(crate) struct DataArgs {
    /// Read input from this file ('-' for standard input, the default).
    #[arg(long = "in", short = 'i', value_name = "FILE", default_value = "-")]
    pub(crate) input: PathBuf,
    /// Write output to this file (standard output by default).
    #[arg(long = "out", short = 'o', value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// Encryption context KEY=VALUE (repeatable), bound to the ciphertext.
    #[arg(long = "context", short = 'c', value_name = "KEY=VALUE")]
    pub(crate) context: Vec<String>,
}

fn parse_state(s: &str) -> Result<KeyState, String> {
    KeyState::from_name(s).ok_or_else(|| format!("unknown state {s:?}"))
}
