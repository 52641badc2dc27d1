//! Encrypted backups (DESIGN.md section 4: the backup key is derived from
//! the root key).
//!
//! A backup file is a [`Header`] followed by STREAM chunks ([`stream`]).
//! The server seals the database snapshot under its root-derived
//! [`BackupKey`] (layer "root"); an operator may wrap that file whole in a
//! second file sealed under a [`Passphrase`] (layer "passphrase"), so that
//! opening it needs both the passphrase and the root key. The header names
//! the backup key's epoch and id, so a wrong key is reported as such rather
//! than as tampering. The backup key comes from the derivation seed, which
//! root-key rotation keeps (epoch 1 so far), so old backups keep opening.

mod error;
mod header;
mod keys;
pub mod stream;

pub use error::BackupError;
pub use header::{
    Argon2Params, BackupKeyId, DEFAULT_CHUNK_SIZE, Header, Layer, LayerHeader, VERSION,
};
pub use keys::{BackupKey, Passphrase};
pub use stream::{OpenSummary, OpenWith, SealWith, StreamOpener, StreamSealer, open_all, seal_all};

#[cfg(test)]
mod tests;
