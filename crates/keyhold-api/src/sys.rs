//! `/v1/sys/*`: health, seal status, init, unseal, seal, root-key rotation.

use serde::{Deserialize, Serialize};

/// `GET /v1/sys/health`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Health {
    /// `ok` when serving, `sealed` or `uninitialized` otherwise.
    pub status: HealthStatus,
    /// Whether init has run.
    pub initialized: bool,
    /// Whether the root key is locked away.
    pub sealed: bool,
    /// Server version.
    pub version: String,
}

/// The server's serving status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    /// Unsealed and serving.
    Ok,
    /// Initialized but sealed.
    Sealed,
    /// Not initialized yet.
    Uninitialized,
}

/// How the root key is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SealKind {
    /// Development: the root key sits in a file next to the data. Never in production.
    Dev,
    /// Shamir shares held by operators.
    Shamir,
}

/// `GET /v1/sys/seal-status`, and the answer to unseal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SealStatus {
    /// Whether init has run.
    pub initialized: bool,
    /// Whether the root key is locked away.
    pub sealed: bool,
    /// The seal, once initialized.
    pub seal: Option<SealKind>,
    /// Shares made at init (Shamir).
    pub shares: Option<u8>,
    /// Shares needed to unseal (Shamir).
    pub threshold: Option<u8>,
    /// Distinct shares given so far in this unseal attempt.
    pub progress: u8,
    /// Whether an uninitialized server holds a backup
    /// (`POST /v1/sys/init/restore`) until the shares that open it are given.
    #[serde(default)]
    pub restore_pending: bool,
}

/// `POST /v1/sys/init`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InitRequest {
    /// How many shares to make (1 to 255).
    #[schema(minimum = 1, maximum = 255)]
    pub shares: u8,
    /// How many shares unseal (1 to `shares`).
    #[schema(minimum = 1, maximum = 255)]
    pub threshold: u8,
}

/// The answer to init: shown once, never again.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InitResponse {
    /// The unseal shares, one per operator.
    pub shares: Vec<String>,
    /// A root token with full access: create an admin with it, then revoke it.
    pub root_token: String,
}

impl std::fmt::Debug for InitResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "InitResponse(<{} shares and a root token, redacted>)",
            self.shares.len()
        )
    }
}

/// `POST /v1/sys/unseal`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnsealRequest {
    /// One share, as printed by init.
    pub share: String,
}

impl std::fmt::Debug for UnsealRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UnsealRequest(<redacted>)")
    }
}

/// `POST /v1/sys/rotate-root`: what the root-key rotation changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateRootResponse {
    /// The root key generation before the rotation.
    pub previous_generation: u32,
    /// The new root key generation.
    pub generation: u32,
    /// Tenant KEKs re-sealed under the new root key.
    pub tenants: u64,
}
