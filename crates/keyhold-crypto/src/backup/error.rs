//! What can be wrong with a backup file. Variants say where (chunk number)
//! and what, never why an authentication check failed beyond that, and
//! hold no secret.

use super::header::{BackupKeyId, Layer};

/// A backup file that cannot be made, or that does not open.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BackupError {
    /// The file does not start with the backup magic bytes.
    #[error("not a keyhold backup file")]
    NotABackup,
    /// A format version this build does not know.
    #[error(
        "backup format version {found} is not supported (this build reads version {supported})"
    )]
    UnsupportedVersion {
        /// The version in the file.
        found: u8,
        /// The version this build reads.
        supported: u8,
    },
    /// A header field out of range.
    #[error("malformed backup header: {field}")]
    MalformedHeader {
        /// Which field.
        field: &'static str,
    },
    /// The file ends inside its header.
    #[error("backup truncated: the file ends inside its header")]
    TruncatedHeader,
    /// The file is protected by another layer than the key given.
    #[error("this is a {found} layer, not a {expected} layer")]
    LayerMismatch {
        /// The file's layer.
        found: Layer,
        /// The layer the caller can open.
        expected: Layer,
    },
    /// The backup key named in the header is not the one given: the backup
    /// was made under another root key (or another backup-key epoch).
    #[error(
        "wrong root key: the backup was made under backup key {found} (epoch {found_epoch}), this server has {expected} (epoch {expected_epoch})"
    )]
    WrongRootKey {
        /// The key id in the file.
        found: BackupKeyId,
        /// Its epoch.
        found_epoch: u32,
        /// The key id given.
        expected: BackupKeyId,
        /// Its epoch.
        expected_epoch: u32,
    },
    /// The passphrase does not open the file (or its header was modified).
    #[error("wrong passphrase (or the backup header was modified)")]
    WrongPassphrase,
    /// The key is right but the header's key check fails: the header was
    /// modified.
    #[error("the backup header was modified")]
    HeaderModified,
    /// A chunk failed authentication: modified, reordered or from another
    /// file.
    #[error("backup tampered: chunk {chunk} failed authentication")]
    ChunkModified {
        /// The chunk's number, from 0.
        chunk: u64,
    },
    /// The file ends on a chunk boundary with no final chunk.
    #[error("backup truncated after {chunks} chunks: the final chunk is missing")]
    Truncated {
        /// The chunks that did verify.
        chunks: u64,
    },
    /// The last, short chunk failed authentication: the file was cut inside
    /// a chunk, or that chunk was modified.
    #[error("backup truncated or modified: its last chunk ({chunk}) failed authentication")]
    TruncatedOrModifiedEnd {
        /// The chunk's number, from 0.
        chunk: u64,
    },
    /// The passphrase key derivation (Argon2id) failed.
    #[error("passphrase key derivation failed")]
    Passphrase,
    /// A primitive failed.
    #[error("backup cryptography failed")]
    Crypto(#[source] crate::CryptoError),
}

impl From<crate::CryptoError> for BackupError {
    fn from(e: crate::CryptoError) -> Self {
        Self::Crypto(e)
    }
}
