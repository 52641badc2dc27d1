//! The cryptographic verbs of `keyhold key` (sign, verify, mac, mac-verify,
//! generate-data-key, reencrypt, encapsulate, decapsulate) and
//! `keyhold random`, as clap types.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use keyhold_api::crypto::SignatureScheme;
use keyhold_core::{KeyRef, VersionNumber};

use super::Conn;

#[derive(Debug, Subcommand)]
pub(crate) enum CryptoCommand {
    /// Sign data (or, with --digest, a pre-computed digest); prints the
    /// signature as base64.
    Sign {
        #[command(flatten)]
        conn: Conn,
        #[command(flatten)]
        io: IoArgs,
        #[command(flatten)]
        signed: SignedArgs,
        /// Key id or name.
        key: KeyRef,
    },
    /// Verify a signature over data (or a digest); prints "valid", or
    /// "invalid" and fails.
    Verify {
        #[command(flatten)]
        conn: Conn,
        #[command(flatten)]
        input: InputArg,
        #[command(flatten)]
        signed: SignedArgs,
        /// The signature, base64 (as printed by `keyhold key sign`).
        #[arg(long)]
        signature: String,
        /// The key version that signed (default: the primary).
        #[arg(long = "key-version", value_parser = parse_version)]
        version: Option<VersionNumber>,
        /// Key id or name.
        key: KeyRef,
    },
    /// Compute an HMAC over data; prints the tag as base64.
    Mac {
        #[command(flatten)]
        conn: Conn,
        #[command(flatten)]
        io: IoArgs,
        /// Key id or name.
        key: KeyRef,
    },
    /// Check an HMAC tag over data; prints "valid", or "invalid" and fails.
    MacVerify {
        #[command(flatten)]
        conn: Conn,
        #[command(flatten)]
        input: InputArg,
        /// The tag, base64 (as printed by `keyhold key mac`).
        #[arg(long)]
        mac: String,
        /// The key version that computed it (default: the primary).
        #[arg(long = "key-version", value_parser = parse_version)]
        version: Option<VersionNumber>,
        /// Key id or name.
        key: KeyRef,
    },
    /// Make a data key wrapped under a key; prints the wrapped key (and the
    /// data key itself unless --no-plaintext), base64.
    GenerateDataKey {
        #[command(flatten)]
        conn: Conn,
        /// Data key length in bytes (16 to 64).
        #[arg(long, default_value_t = 32)]
        bytes: u32,
        /// Encryption context KEY=VALUE (repeatable), bound to the wrapped key.
        #[arg(long = "context", short = 'c', value_name = "KEY=VALUE")]
        context: Vec<String>,
        /// Return only the wrapped data key.
        #[arg(long)]
        no_plaintext: bool,
        /// Key id or name.
        key: KeyRef,
    },
    /// Re-encrypt a base64 ciphertext under the key's primary version (or
    /// another key) without revealing the plaintext; prints the new one.
    Reencrypt {
        #[command(flatten)]
        conn: Conn,
        #[command(flatten)]
        data: crate::cli::DataArgs,
        /// Encrypt under this key instead (id or name).
        #[arg(long = "to", value_name = "KEY")]
        to: Option<KeyRef>,
        /// Context KEY=VALUE for the new ciphertext (repeatable; default: --context).
        #[arg(long = "to-context", value_name = "KEY=VALUE")]
        to_context: Vec<String>,
        /// Key id or name (the key of the ciphertext).
        key: KeyRef,
    },
    /// ML-KEM-768: make a shared secret for the key; prints the KEM
    /// ciphertext and the shared secret, base64.
    Encapsulate {
        #[command(flatten)]
        conn: Conn,
        /// Key id or name.
        key: KeyRef,
    },
    /// ML-KEM-768: recover the shared secret from a base64 KEM ciphertext;
    /// prints it, base64.
    Decapsulate {
        #[command(flatten)]
        conn: Conn,
        #[command(flatten)]
        io: IoArgs,
        /// The key version encapsulated to (default: the primary).
        #[arg(long = "key-version", value_parser = parse_version)]
        version: Option<VersionNumber>,
        /// Key id or name.
        key: KeyRef,
    },
}

/// `keyhold random`.
#[derive(Debug, Args)]
pub(crate) struct RandomArgs {
    #[command(flatten)]
    pub(crate) conn: Conn,
    /// How many bytes (1 to 1024).
    #[arg(long, default_value_t = 32)]
    pub(crate) bytes: u32,
}

/// Where input comes from and output goes to.
#[derive(Debug, Args)]
pub(crate) struct IoArgs {
    /// Read input from this file ('-' for standard input, the default).
    #[arg(long = "in", short = 'i', value_name = "FILE", default_value = "-")]
    pub(crate) input: PathBuf,
    /// Write output to this file (standard output by default).
    #[arg(long = "out", short = 'o', value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
}

/// Where input comes from (for verbs whose answer is a verdict).
#[derive(Debug, Args)]
pub(crate) struct InputArg {
    /// Read input from this file ('-' for standard input, the default).
    #[arg(long = "in", short = 'i', value_name = "FILE", default_value = "-")]
    pub(crate) input: PathBuf,
}

/// What a signature covers, and how.
#[derive(Debug, Args)]
pub(crate) struct SignedArgs {
    /// The input is a digest under the scheme's hash (raw bytes), not the
    /// message (RSA and ECDSA only).
    #[arg(long)]
    pub(crate) digest: bool,
    /// Signature scheme (default: the algorithm's; rsa-pss-sha256 for RSA).
    #[arg(long)]
    pub(crate) scheme: Option<SignatureScheme>,
}

fn parse_version(s: &str) -> Result<VersionNumber, String> {
    s.parse::<u32>()
        .ok()
        .and_then(|n| VersionNumber::new(n).ok())
        .ok_or_else(|| format!("expected a version number from 1, got {s:?}"))
}
