//! The access-management commands: `keyhold tenant`, `principal`, `token`,
//! `policy` and `role`, as clap types.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use ipnet::IpNet;
use keyhold_core::{PolicyName, PrincipalKind, PrincipalName, RoleName, TenantName, TokenId};

use super::Conn;
use super::lifecycle::parse_duration_secs;

/// A command that names one tenant.
#[derive(Debug, Args)]
pub(crate) struct TenantArgs {
    #[command(flatten)]
    pub(crate) conn: Conn,
    /// The tenant's name.
    pub(crate) name: TenantName,
}

#[derive(Debug, Subcommand)]
pub(crate) enum TenantCommand {
    /// Create a tenant, with its own key-encryption key.
    Create(TenantArgs),
    /// List every tenant.
    List {
        #[command(flatten)]
        conn: Conn,
    },
    /// Show a tenant.
    Show(TenantArgs),
    /// Show or replace a tenant's access settings (separation-of-duties
    /// rules, MFA actions, quorum rules, key hygiene), as JSON.
    #[command(subcommand)]
    Settings(SettingsCommand),
    /// Rotate the tenant's key-encryption key, online: a new KEK; every key
    /// version's material re-sealed under it in batches (the material and
    /// ciphertexts made with it are unchanged); the old KEK deleted at the
    /// end. Running it again finishes a rotation an error left pending.
    /// Global admins only (action sys:rotate-root; under a quorum, the
    /// approval body is {"tenant": "<name>"}).
    RotateKek(TenantArgs),
}

#[derive(Debug, Subcommand)]
pub(crate) enum SettingsCommand {
    /// Print the settings as JSON (the defaults if never set).
    Get(TenantArgs),
    /// Replace the settings with a JSON file ('-' for standard input).
    /// Fields left out take their defaults; unknown fields are refused.
    Set {
        #[command(flatten)]
        tenant: TenantArgs,
        /// The JSON file.
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

/// A command that names one principal.
#[derive(Debug, Args)]
pub(crate) struct PrincipalArgs {
    #[command(flatten)]
    pub(crate) conn: Conn,
    /// The principal's name.
    pub(crate) name: PrincipalName,
}

/// A page of a list.
#[derive(Debug, Args)]
pub(crate) struct PageArgs {
    /// Page size (1 to 1000).
    #[arg(long)]
    pub(crate) limit: Option<u32>,
    /// Continue after this cursor.
    #[arg(long)]
    pub(crate) cursor: Option<String>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum PrincipalCommand {
    /// Create a user or service principal.
    Create(CreatePrincipalArgs),
    /// List the tenant's principals.
    List {
        #[command(flatten)]
        conn: Conn,
        #[command(flatten)]
        page: PageArgs,
    },
    /// Show a principal.
    Show(PrincipalArgs),
    /// Change a principal's description, policies, or disable it.
    Update(UpdatePrincipalArgs),
    /// Delete a principal with its tokens and certificate bindings.
    Delete(PrincipalArgs),
    /// Grant a role (checked against separation-of-duties rules).
    Grant(RoleGrantArgs),
    /// Revoke a role.
    Revoke(RoleGrantArgs),
    /// Bind a client certificate to a principal.
    BindCert(BindCertArgs),
    /// List a principal's certificate bindings.
    Certs(PrincipalArgs),
    /// Remove a certificate binding (its REF as listed by `certs`).
    UnbindCert {
        #[command(flatten)]
        principal: PrincipalArgs,
        /// `sha256:<hex>` or `subject:<DN>`.
        #[arg(value_name = "REF")]
        reference: String,
    },
}

/// `keyhold principal create`.
#[derive(Debug, Args)]
pub(crate) struct CreatePrincipalArgs {
    #[command(flatten)]
    pub(crate) principal: PrincipalArgs,
    /// user or service.
    #[arg(long, default_value = "user", value_parser = parse_kind)]
    pub(crate) kind: PrincipalKind,
    /// Description.
    #[arg(long, default_value = "")]
    pub(crate) description: String,
    /// Role to grant (repeat or comma-separate): admin, key-custodian,
    /// key-user, approver, auditor, or a custom role.
    #[arg(long = "role", value_delimiter = ',')]
    pub(crate) roles: Vec<RoleName>,
    /// Policy to attach (repeat or comma-separate).
    #[arg(long = "policy", value_delimiter = ',')]
    pub(crate) policies: Vec<PolicyName>,
}

fn parse_kind(s: &str) -> Result<PrincipalKind, String> {
    s.parse()
        .map_err(|_| format!("unknown kind {s:?}: user or service"))
}

/// `keyhold principal update`.
#[derive(Debug, Args)]
pub(crate) struct UpdatePrincipalArgs {
    #[command(flatten)]
    pub(crate) principal: PrincipalArgs,
    /// New description.
    #[arg(long)]
    pub(crate) description: Option<String>,
    /// Disable it (it then authenticates as nobody).
    #[arg(long, conflicts_with = "enable")]
    pub(crate) disable: bool,
    /// Enable it again.
    #[arg(long)]
    pub(crate) enable: bool,
    /// Replace its policies with these (repeat or comma-separate).
    #[arg(long = "policy", value_delimiter = ',')]
    pub(crate) policies: Option<Vec<PolicyName>>,
    /// Make it a global admin (true) or take that away (false); only the
    /// root token and global admins may.
    #[arg(long, value_name = "BOOL")]
    pub(crate) global_admin: Option<bool>,
}

/// `keyhold principal grant|revoke`.
#[derive(Debug, Args)]
pub(crate) struct RoleGrantArgs {
    #[command(flatten)]
    pub(crate) principal: PrincipalArgs,
    /// The role.
    pub(crate) role: RoleName,
}

/// `keyhold principal bind-cert`: exactly one of the four.
#[derive(Debug, Args)]
#[group(required = true, multiple = false, id = "certificate")]
pub(crate) struct CertSource {
    /// SHA-256 of the certificate's DER, hex (colons allowed).
    #[arg(long)]
    pub(crate) fingerprint: Option<String>,
    /// Subject distinguished name (RFC 4514): any trusted certificate
    /// carrying it.
    #[arg(long)]
    pub(crate) subject: Option<String>,
    /// A PEM certificate file ('-' for standard input), bound by its
    /// fingerprint.
    #[arg(long, value_name = "FILE")]
    pub(crate) pem: Option<PathBuf>,
    /// A PEM certificate file ('-' for standard input), bound by its
    /// subject as the server renders it: any certificate of the trusted CA
    /// with that subject (a renewed one too) then names the principal.
    #[arg(long, value_name = "FILE")]
    pub(crate) subject_of: Option<PathBuf>,
}

/// `keyhold principal bind-cert`.
#[derive(Debug, Args)]
pub(crate) struct BindCertArgs {
    #[command(flatten)]
    pub(crate) principal: PrincipalArgs,
    #[command(flatten)]
    pub(crate) source: CertSource,
}

#[derive(Debug, Subcommand)]
pub(crate) enum TokenCommand {
    /// Issue a token for a principal. The token is printed once: the server
    /// keeps only its hash.
    Create(CreateTokenArgs),
    /// List the tenant's tokens (never their secrets).
    List {
        #[command(flatten)]
        conn: Conn,
        /// Only this principal's tokens.
        #[arg(long)]
        principal: Option<PrincipalName>,
        #[command(flatten)]
        page: PageArgs,
    },
    /// Revoke a token by id (revoking twice is harmless).
    Revoke {
        #[command(flatten)]
        conn: Conn,
        /// The token's id.
        id: TokenId,
    },
}

/// `keyhold token create`.
#[derive(Debug, Args)]
pub(crate) struct CreateTokenArgs {
    #[command(flatten)]
    pub(crate) conn: Conn,
    /// The principal it authenticates.
    pub(crate) principal: PrincipalName,
    /// Time to live: seconds, or a number with s, m, h, d or w (default
    /// 24h; at most the server's max_token_ttl_secs).
    #[arg(long, value_parser = parse_duration_secs)]
    pub(crate) ttl: Option<u64>,
    /// Network it may be used from (repeat or comma-separate); anywhere
    /// when omitted.
    #[arg(long = "cidr", value_delimiter = ',')]
    pub(crate) cidrs: Vec<IpNet>,
    /// Description.
    #[arg(long, default_value = "")]
    pub(crate) description: String,
}

/// A command that names one policy.
#[derive(Debug, Args)]
pub(crate) struct PolicyArgs {
    #[command(flatten)]
    pub(crate) conn: Conn,
    /// The policy's name.
    pub(crate) name: PolicyName,
}

/// A policy's content.
#[derive(Debug, Args)]
pub(crate) struct PolicyBody {
    /// The statements: a JSON file ('-' for standard input, the default)
    /// holding an array of statements, or an object with "statements"
    /// (and optionally "description").
    #[arg(long, short, value_name = "FILE", default_value = "-")]
    pub(crate) file: PathBuf,
    /// Description (overrides one in the file).
    #[arg(long)]
    pub(crate) description: Option<String>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum PolicyCommand {
    /// Create a policy from JSON statements.
    Create {
        #[command(flatten)]
        policy: PolicyArgs,
        #[command(flatten)]
        body: PolicyBody,
    },
    /// List the tenant's policies.
    List {
        #[command(flatten)]
        conn: Conn,
        #[command(flatten)]
        page: PageArgs,
    },
    /// Show a policy with its statements.
    Show(PolicyArgs),
    /// Replace a policy's statements (and description).
    Update {
        #[command(flatten)]
        policy: PolicyArgs,
        #[command(flatten)]
        body: PolicyBody,
    },
    /// Delete a policy.
    Delete(PolicyArgs),
}

/// A command that names one role.
#[derive(Debug, Args)]
pub(crate) struct RoleArgs {
    #[command(flatten)]
    pub(crate) conn: Conn,
    /// The role's name.
    pub(crate) name: RoleName,
}

#[derive(Debug, Subcommand)]
pub(crate) enum RoleCommand {
    /// List the built-in roles and the tenant's custom roles.
    List {
        #[command(flatten)]
        conn: Conn,
    },
    /// Show a role (a built-in role's actions, a custom role's policies).
    Show(RoleArgs),
    /// Create a custom role bundling policies.
    Create {
        #[command(flatten)]
        role: RoleArgs,
        /// Description.
        #[arg(long, default_value = "")]
        description: String,
        /// Policy it grants (repeat or comma-separate).
        #[arg(long = "policy", value_delimiter = ',')]
        policies: Vec<PolicyName>,
    },
    /// Delete a custom role.
    Delete(RoleArgs),
}
