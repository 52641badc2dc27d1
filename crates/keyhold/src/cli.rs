//! The command line, as clap types.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use keyhold_api::keys::TagFilter;
use keyhold_api::transfer::{ImportTokenId, WrappingAlgorithm, WrappingKeySpec};
use keyhold_core::lifecycle::KeyState;
use keyhold_core::{Algorithm, ApprovalId, KeyName, KeyRef, TenantName, VersionNumber};

mod access;
mod approval;
mod audit;
mod backup;
mod bench;
mod crypto;
mod lifecycle;

pub(crate) use access::{
    CreatePrincipalArgs, CreateTokenArgs, PageArgs, PolicyBody, PolicyCommand, PrincipalArgs,
    PrincipalCommand, RoleCommand, SettingsCommand, TenantCommand, TokenCommand,
    UpdatePrincipalArgs,
};
pub(crate) use approval::{ApprovalCommand, ApprovalRequestArgs, MfaCommand};
pub(crate) use audit::{AuditCommand, AuditExportArgs, AuditListArgs, AuditVerifyArgs};
pub(crate) use backup::{BackupArgs, BackupCommand, BackupFileArgs, PassphraseArg};
pub(crate) use bench::{BenchArgs, BenchOp};
pub(crate) use crypto::{CryptoCommand, InputArg, IoArgs, RandomArgs, SignedArgs};
pub(crate) use lifecycle::{
    KeyArgs, LifecycleCommand, PublicKeyArgs, PublicKeyFormatArg, RevokeArgs, ScheduleDestroyArgs,
    UpdateArgs, reason_name,
};

/// keyhold: centralized key management. Run a server, or manage keys on one.
#[derive(Debug, Parser)]
#[command(name = "keyhold", version, about, long_about = None)]
pub(crate) struct Cli {
    /// Parsed here too, so that they may come before the verb (`keyhold
    /// --mfa CODE approval approve ID`): clap hands the values of these
    /// global flags to the verb's own copy in [`Conn::request`], which is
    /// what the client is built from.
    #[command(flatten)]
    pub(crate) _request: RequestOpts,
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
    /// Manage keys (create, rotate, revoke, destroy, import, export, ...) and
    /// use them (encrypt, decrypt, sign, verify, MAC, data keys, KEM).
    #[command(subcommand)]
    Key(KeyCommand),
    /// Manage tenants and their access settings.
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// Manage principals (users and services) of your tenant: roles,
    /// policies, certificate identities.
    #[command(subcommand)]
    Principal(PrincipalCommand),
    /// Issue, list and revoke principals' access tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Manage policies: statements allowing or denying actions on resources.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// List the built-in roles; manage custom roles (policies under a name).
    #[command(subcommand)]
    Role(RoleCommand),
    /// Read, export and verify the tamper-evident audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Enroll and confirm your own TOTP second factor (authenticator app).
    #[command(subcommand)]
    Mfa(MfaCommand),
    /// Quorum approvals: ask for one, list, show, approve or deny (approvers
    /// vote with --mfa); then run the approved request with --approval ID.
    #[command(subcommand)]
    Approval(ApprovalCommand),
    /// Print random bytes from the server's generator, base64.
    Random(RandomArgs),
    /// Load-test a server (or, with --in-process, the crypto provider alone):
    /// ops/s, latency percentiles and errors.
    Bench(BenchArgs),
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
    pub(crate) dev_root_token: Option<SecretArg>,
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
    pub(crate) token: Option<SecretArg>,
    /// Extra CA certificate (PEM) to trust.
    #[arg(long, global = true, env = "KEYHOLD_CACERT", value_name = "FILE")]
    pub(crate) ca_cert: Option<PathBuf>,
    /// Print JSON instead of tables.
    #[arg(long, global = true)]
    pub(crate) json: bool,
    #[command(flatten)]
    pub(crate) request: RequestOpts,
}

/// What a request carries besides the token: a second factor, the tenant
/// to act in, an approval to carry out. Global flags of every command that
/// talks to a server.
#[derive(Debug, Default, Args)]
pub(crate) struct RequestOpts {
    /// TOTP code from your authenticator app, sent with requests to the
    /// server (X-Keyhold-MFA): for actions the tenant puts under MFA, and
    /// to approve or deny. Each code is accepted once.
    #[arg(
        long,
        global = true,
        env = "KEYHOLD_MFA",
        hide_env_values = true,
        value_name = "CODE"
    )]
    pub(crate) mfa: Option<SecretArg>,
    /// Make requests to the server in this tenant (X-Keyhold-Tenant): the
    /// root token and global admins only.
    #[arg(long, global = true, env = "KEYHOLD_TENANT", value_name = "NAME")]
    pub(crate) tenant: Option<TenantName>,
    /// Carry out this approved quorum request (X-Keyhold-Approval): send
    /// the very request that was approved to the server; it runs once.
    #[arg(long, global = true, env = "KEYHOLD_APPROVAL", value_name = "ID")]
    pub(crate) approval: Option<ApprovalId>,
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
    /// Revoke the root token made at init, once an admin principal and its
    /// token exist: from then on the root token authenticates nobody.
    RevokeRootToken {
        #[command(flatten)]
        conn: Conn,
    },
    /// Take an encrypted backup of the whole store while the server keeps
    /// serving (`--out FILE`), or check one (`backup verify FILE`). The
    /// file is sealed under a key derived from the server's root key;
    /// `--passphrase-file` adds a passphrase layer. Global admins only.
    Backup(BackupArgs),
    /// Restore a backup: replaces the server's whole store (every key,
    /// version, policy, principal and the audit trail) with the backup's.
    /// The server must hold the same root key (unsealed with the same
    /// shares, or a dev server started with the same dev root key file),
    /// or be a fresh, uninitialized server: it then holds the backup until
    /// the unseal shares of the server it came from are given
    /// (`keyhold operator unseal`), restores it and is unsealed. Backups
    /// taken before a root-key rotation restore too.
    /// A tampered, truncated or foreign backup is refused and nothing
    /// changes. Needs a quorum approval where the tenant requires one for
    /// sys:restore (--approval ID; the approval body is {"sha256": "<file
    /// digest>"}, as `backup verify` prints it).
    Restore(BackupFileArgs),
    /// Rotate the root key, online: a new root key is made and every
    /// tenant KEK is re-sealed under it in one transaction. The unseal
    /// shares (or the dev root key file) stay valid, key material is not
    /// touched, the audit chain keeps verifying and earlier backups still
    /// restore. Global admins only; needs a quorum approval where the
    /// tenant requires one for sys:rotate-root (--approval ID; the approval
    /// body is {}).
    RotateRoot {
        #[command(flatten)]
        conn: Conn,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum KeyCommand {
    /// Create a key.
    Create(CreateArgs),
    /// List keys.
    List(ListArgs),
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
    #[command(flatten)]
    Crypto(CryptoCommand),
    #[command(flatten)]
    Lifecycle(LifecycleCommand),
    /// Get an import token: a public key to wrap key material to, valid for
    /// one import. Only needed to wrap elsewhere (an HSM, another tool).
    ImportToken(ImportTokenArgs),
    /// Import key material (bring your own key). With --material, wraps the
    /// file's key locally to a fresh import token and imports it in one go;
    /// with --wrapped, sends material already wrapped to --import-token.
    Import(ImportArgs),
    /// Export an exportable key, wrapped to your public key (never in the
    /// clear). Writes the wrapped blob; unwrap it with your private key.
    Export(ExportArgs),
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

/// When a new key starts and stops, and how often it rotates.
#[derive(Debug, Args)]
pub(crate) struct CreateSchedule {
    /// Activate on this date (RFC 3339); a future date creates the key pre-active.
    #[arg(long, value_parser = lifecycle::parse_time)]
    pub(crate) activation_date: Option<keyhold_core::Timestamp>,
    /// Planned end of protecting use (RFC 3339).
    #[arg(long, value_parser = lifecycle::parse_time)]
    pub(crate) deactivation_date: Option<keyhold_core::Timestamp>,
    /// Rotate automatically this often: seconds, or a number with s, m, h, d or w.
    #[arg(long, value_parser = lifecycle::parse_duration_secs)]
    pub(crate) rotation_period: Option<u64>,
    /// Originator-usage period (NIST SP 800-57): each version protects for
    /// this long from its activation (seconds, or a number with s, m, h, d or w).
    #[arg(long, value_parser = lifecycle::parse_duration_secs)]
    pub(crate) originator_usage_period: Option<u64>,
    /// Recipient-usage period: each version is deactivated this long after
    /// its activation (at least the originator-usage period).
    #[arg(long, value_parser = lifecycle::parse_duration_secs)]
    pub(crate) recipient_usage_period: Option<u64>,
    /// Create the key pre-active (activate it later with `keyhold key activate`).
    #[arg(long)]
    pub(crate) pre_active: bool,
}

fn parse_tag_filter(s: &str) -> Result<TagFilter, String> {
    match s.split_once('=') {
        Some((name, value)) if !name.is_empty() && !name.contains(':') => Ok(TagFilter {
            name: name.to_owned(),
            value: value.to_owned(),
        }),
        _ => Err(format!("expected KEY=VALUE, got {s:?}")),
    }
}

fn parse_state(s: &str) -> Result<KeyState, String> {
    KeyState::from_name(s).ok_or_else(|| format!("unknown state {s:?}"))
}

/// `keyhold key import-token`.
#[derive(Debug, Args)]
pub(crate) struct ImportTokenArgs {
    #[command(flatten)]
    pub(crate) conn: Conn,
    /// Key pair to wrap to: rsa-3072 (default), rsa-4096 or ml-kem-768.
    #[arg(long, value_parser = parse_key_spec)]
    pub(crate) wrapping_key_spec: Option<WrappingKeySpec>,
    /// Write the public key (RSA: SubjectPublicKeyInfo DER; ML-KEM: raw
    /// encapsulation key) to this file.
    #[arg(long, value_name = "FILE")]
    pub(crate) public_key_out: Option<PathBuf>,
}

/// `keyhold key import`.
#[derive(Debug, Args)]
pub(crate) struct ImportArgs {
    #[command(flatten)]
    pub(crate) conn: Conn,
    /// Unique name within the tenant.
    pub(crate) name: KeyName,
    /// The material's algorithm.
    #[arg(long, short)]
    pub(crate) algorithm: Algorithm,
    /// The key material: raw bytes for symmetric keys; PKCS#8 DER or PEM
    /// ("PRIVATE KEY") for asymmetric ones ('-' for standard input).
    #[arg(long, value_name = "FILE", required_unless_present = "wrapped")]
    pub(crate) material: Option<PathBuf>,
    /// Material already wrapped (raw bytes) to --import-token's public key.
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "material",
        requires = "import_token"
    )]
    pub(crate) wrapped: Option<PathBuf>,
    /// The import token the --wrapped material was wrapped to.
    #[arg(long, value_name = "TOKEN", requires = "wrapped")]
    pub(crate) import_token: Option<ImportTokenId>,
    /// Key pair to wrap --material to: rsa-3072 (default), rsa-4096 or ml-kem-768.
    #[arg(long, value_parser = parse_key_spec, conflicts_with = "wrapped")]
    pub(crate) wrapping_key_spec: Option<WrappingKeySpec>,
    /// Usage (repeat or comma-separate). Default: the algorithm's.
    #[arg(long, value_delimiter = ',')]
    pub(crate) usage: Vec<String>,
    /// Description.
    #[arg(long, default_value = "")]
    pub(crate) description: String,
    /// Tag KEY=VALUE (repeatable).
    #[arg(long = "tag", value_name = "KEY=VALUE")]
    pub(crate) tags: Vec<String>,
    /// Allow export (wrapped) later. Cannot be changed afterwards.
    #[arg(long)]
    pub(crate) exportable: bool,
}

/// `keyhold key export`.
#[derive(Debug, Args)]
pub(crate) struct ExportArgs {
    #[command(flatten)]
    pub(crate) conn: Conn,
    /// Key id or name.
    pub(crate) key: KeyRef,
    /// Your public key: RSA SubjectPublicKeyInfo (DER or PEM "PUBLIC KEY",
    /// 2048 to 4096 bits), or a raw 1184-byte ML-KEM-768 encapsulation key.
    #[arg(long, value_name = "FILE")]
    pub(crate) wrapping_key: PathBuf,
    /// rsa-oaep-sha256+aes-kwp (default) or ml-kem-768+aes-kwp.
    #[arg(long, value_parser = parse_wrapping_algorithm, default_value = "rsa-oaep-sha256+aes-kwp")]
    pub(crate) wrapping_algorithm: WrappingAlgorithm,
    /// Which version (default: the primary).
    #[arg(long, value_parser = parse_version)]
    pub(crate) version: Option<VersionNumber>,
    /// Write the wrapped blob (raw bytes) here; printed as base64 otherwise.
    #[arg(long = "out", short = 'o', value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
}

fn parse_version(s: &str) -> Result<VersionNumber, String> {
    s.parse::<u32>()
        .ok()
        .and_then(|n| VersionNumber::new(n).ok())
        .ok_or_else(|| format!("invalid version {s:?}: a number from 1"))
}

fn parse_key_spec(s: &str) -> Result<WrappingKeySpec, String> {
    s.parse()
        .map_err(|_| format!("unknown key spec {s:?}: rsa-3072, rsa-4096 or ml-kem-768"))
}

fn parse_wrapping_algorithm(s: &str) -> Result<WrappingAlgorithm, String> {
    s.parse().map_err(|_| {
        format!("unknown wrapping algorithm {s:?}: rsa-oaep-sha256+aes-kwp or ml-kem-768+aes-kwp")
    })
}

/// `keyhold key create`.
#[derive(Debug, Args)]
pub(crate) struct CreateArgs {
    #[command(flatten)]
    pub(crate) conn: Conn,
    /// Unique name within the tenant.
    pub(crate) name: KeyName,
    /// Algorithm.
    #[arg(long, short, default_value = "aes-256-gcm")]
    pub(crate) algorithm: Algorithm,
    /// Usage (repeat or comma-separate): encrypt, decrypt, sign, verify,
    /// wrap-key, unwrap-key, mac-generate, mac-verify. Default: the algorithm's.
    #[arg(long, value_delimiter = ',')]
    pub(crate) usage: Vec<String>,
    /// Description.
    #[arg(long, default_value = "")]
    pub(crate) description: String,
    /// Tag KEY=VALUE (repeatable).
    #[arg(long = "tag", value_name = "KEY=VALUE")]
    pub(crate) tags: Vec<String>,
    /// Allow export (wrapped) later. Cannot be changed afterwards.
    #[arg(long)]
    pub(crate) exportable: bool,
    #[command(flatten)]
    pub(crate) schedule: CreateSchedule,
}

/// `keyhold key list`.
#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    #[command(flatten)]
    pub(crate) conn: Conn,
    /// Only names starting with this.
    #[arg(long)]
    pub(crate) prefix: Option<String>,
    /// Only this algorithm.
    #[arg(long)]
    pub(crate) algorithm: Option<Algorithm>,
    /// Only this state (pre-active, active, suspended, deactivated, compromised, ...).
    #[arg(long, value_parser = parse_state)]
    pub(crate) state: Option<KeyState>,
    /// Only keys with this tag, KEY=VALUE.
    #[arg(long, value_name = "KEY=VALUE", value_parser = parse_tag_filter)]
    pub(crate) tag: Option<TagFilter>,
    /// Page size.
    #[arg(long)]
    pub(crate) limit: Option<u32>,
    /// Continue after this cursor.
    #[arg(long)]
    pub(crate) cursor: Option<String>,
}

/// A secret given on the command line or in the environment (a token): its
/// `Debug` is redacted and it is wiped when dropped.
#[derive(Clone)]
pub(crate) struct SecretArg(zeroize::Zeroizing<String>);

impl SecretArg {
    /// The secret text.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SecretArg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretArg(<redacted>)")
    }
}

impl std::str::FromStr for SecretArg {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(zeroize::Zeroizing::new(s.to_owned())))
    }
}

#[cfg(test)]
mod secret_arg_tests {
    use clap::Parser as _;

    use super::*;

    #[test]
    fn tokens_never_show_in_debug_output() {
        let cli =
            Cli::try_parse_from(["keyhold", "key", "list", "--token", "s3cret-token"]).unwrap();
        assert!(!format!("{cli:?}").contains("s3cret-token"));
        let dev = Cli::try_parse_from([
            "keyhold",
            "server",
            "--dev",
            "--dev-root-token",
            "r00t-token",
        ])
        .unwrap();
        assert!(!format!("{dev:?}").contains("r00t-token"));
        let vote = Cli::try_parse_from([
            "keyhold",
            "approval",
            "approve",
            "0b9e3c5e-2f4f-4d39-9a57-5a0f3b0c8d11",
            "--mfa",
            "731904",
        ])
        .unwrap();
        assert!(!format!("{vote:?}").contains("731904"));
        let confirm = Cli::try_parse_from(["keyhold", "mfa", "confirm", "480213"]).unwrap();
        assert!(!format!("{confirm:?}").contains("480213"));
    }

    /// The request flags of the verb, wherever they were given.
    fn request_opts(args: &[&str]) -> (Option<String>, Option<String>, Option<String>) {
        let cli = Cli::try_parse_from(args).unwrap();
        let Command::Key(KeyCommand::List(list)) = cli.command else {
            panic!("not key list");
        };
        let r = list.conn.request;
        (
            r.mfa.map(|c| c.expose().to_owned()),
            r.tenant.map(|t| t.to_string()),
            r.approval.map(|a| a.to_string()),
        )
    }

    #[test]
    fn request_flags_reach_the_verb_before_or_after_it() {
        let id = "0b9e3c5e-2f4f-4d39-9a57-5a0f3b0c8d11";
        let want = (
            Some("123456".to_owned()),
            Some("payments".to_owned()),
            Some(id.to_owned()),
        );
        let flags = ["--mfa", "123456", "--tenant", "payments", "--approval", id];
        let before: Vec<&str> = ["keyhold"]
            .into_iter()
            .chain(flags)
            .chain(["key", "list"])
            .collect();
        let after: Vec<&str> = ["keyhold", "key", "list"]
            .into_iter()
            .chain(flags)
            .collect();
        assert_eq!(request_opts(&before), want);
        assert_eq!(request_opts(&after), want);
        assert_eq!(
            request_opts(&["keyhold", "key", "list"]),
            (None, None, None)
        );
        assert!(Cli::try_parse_from(["keyhold", "key", "list", "--approval", "nope"]).is_err());
        assert!(Cli::try_parse_from(["keyhold", "key", "list", "--tenant", "no spaces"]).is_err());
    }

    #[test]
    fn the_command_line_is_well_formed() {
        <Cli as clap::CommandFactory>::command().debug_assert();
    }
}
