//! `keyhold operator backup`, `backup verify` and `restore`, as clap types.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::Conn;

/// `keyhold operator backup`: take a backup, or verify one.
#[derive(Debug, Args)]
#[command(subcommand_negates_reqs = true)]
pub(crate) struct BackupArgs {
    #[command(subcommand)]
    pub(crate) verify: Option<BackupCommand>,
    #[command(flatten)]
    pub(crate) conn: Conn,
    /// Where to write the backup file (refuses to overwrite a file).
    #[arg(long, short = 'o', value_name = "FILE", required = true)]
    pub(crate) out: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) passphrase: PassphraseArg,
}

/// `keyhold operator backup verify`.
#[derive(Debug, Subcommand)]
pub(crate) enum BackupCommand {
    /// Check a whole backup file with the server's backup key (it opens
    /// with the root key, whose backup key only the server holds): says
    /// which chunk was tampered with, whether it is truncated, or whether
    /// the passphrase or the root key is wrong. Changes nothing.
    Verify {
        /// The backup file.
        file: PathBuf,
        #[command(flatten)]
        passphrase: PassphraseArg,
    },
}

/// A backup file to send to the server.
#[derive(Debug, Args)]
pub(crate) struct BackupFileArgs {
    #[command(flatten)]
    pub(crate) conn: Conn,
    /// The backup file.
    pub(crate) file: PathBuf,
    #[command(flatten)]
    pub(crate) passphrase: PassphraseArg,
}

/// The optional passphrase layer.
#[derive(Debug, Default, Args)]
pub(crate) struct PassphraseArg {
    /// File holding a passphrase (one trailing newline is ignored). On
    /// backup, the server's file is wrapped whole under it (Argon2id +
    /// AES-256-GCM, here, on this machine): opening it then needs both the
    /// passphrase and the server's root key. On verify and restore, the
    /// passphrase layer is opened here and the inner file sent.
    #[arg(long, value_name = "FILE")]
    pub(crate) passphrase_file: Option<PathBuf>,
}
