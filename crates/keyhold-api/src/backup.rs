//! `/v1/sys/backup` and `/v1/sys/restore`: what a verified or restored
//! backup was. The backup file itself travels as
//! `application/octet-stream`.

use serde::{Deserialize, Serialize};

/// A backup that opened whole and holds a database this server can use.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BackupReport {
    /// The file format version.
    pub format_version: u8,
    /// The backup key's epoch (the root key generation).
    pub key_epoch: u32,
    /// The backup key's id (hex; not secret).
    pub key_id: String,
    /// SHA-256 of the whole file (hex): what a quorum approval of a
    /// restore names.
    pub sha256: String,
    /// Chunks in the file.
    pub chunks: u64,
    /// Bytes of the database inside.
    pub bytes: u64,
    /// Tenants in the database.
    pub tenants: u64,
    /// Sequence number of its last audit event.
    pub audit_head: u64,
}

/// The body a quorum approval of `sys:restore` binds: the file's digest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RestoreApproval {
    /// SHA-256 of the backup file (hex), as [`BackupReport::sha256`].
    pub sha256: String,
}
