//! `keyhold bench`: the load generator's flags, the operations it can run,
//! and the duration syntax (`10s`, `500ms`, `1m`).

use std::time::Duration;

use clap::{Args, ValueEnum};
use keyhold_core::Algorithm;

use super::Conn;

/// `keyhold bench`.
#[derive(Debug, Args)]
pub(crate) struct BenchArgs {
    #[command(flatten)]
    pub(crate) conn: Conn,
    /// The operation to run.
    #[arg(long, value_enum)]
    pub(crate) op: BenchOp,
    /// Key algorithm. Default: aes-256-gcm to encrypt, decrypt, make data
    /// keys and create keys; ecdsa-p256 to sign and verify; hmac-sha256 to MAC.
    #[arg(long, short)]
    pub(crate) algorithm: Option<Algorithm>,
    /// Connections to the server, one task each (HTTP/1.1 keep-alive), or
    /// HTTP/2 connections with --http2.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub(crate) connections: u32,
    /// Use HTTP/2 (prior knowledge on plain HTTP, ALPN h2 on TLS).
    #[arg(long, conflicts_with = "in_process")]
    pub(crate) http2: bool,
    /// Concurrent streams per HTTP/2 connection.
    #[arg(long, default_value_t = 1, requires = "http2", value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub(crate) streams: u32,
    /// How long to measure: a number with ms, s or m (10s, 500ms, 1m).
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub(crate) duration: Duration,
    /// How long to run before measuring; not counted.
    #[arg(long, default_value = "1s", value_parser = parse_duration_or_zero)]
    pub(crate) warmup: Duration,
    /// Bytes of data per operation (plaintext, message or MAC input).
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=1_048_576))]
    pub(crate) payload: u32,
    /// Spread the requests over this many keys.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub(crate) keys: u32,
    /// Reuse keys named `bench-<op>-<algorithm>-<i>` when they exist
    /// (created when not), instead of new run-unique ones.
    #[arg(long, conflicts_with = "in_process")]
    pub(crate) reuse: bool,
    /// Run the operation straight on the crypto provider on every core, with
    /// no server: the ceiling the server is measured against.
    #[arg(long)]
    pub(crate) in_process: bool,
    /// The KMIP listener, HOST:PORT (`--op kmip-encrypt`).
    #[arg(long, value_name = "HOST:PORT")]
    pub(crate) kmip_addr: Option<String>,
    /// The client certificate (PEM) for the KMIP listener; it must be bound
    /// to a principal that may create and use keys.
    #[arg(long, value_name = "FILE")]
    pub(crate) client_cert: Option<std::path::PathBuf>,
    /// The client certificate's private key (PEM).
    #[arg(long, value_name = "FILE")]
    pub(crate) client_key: Option<std::path::PathBuf>,
}

/// What `keyhold bench` measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum BenchOp {
    /// `GET /v1/sys/health`.
    Health,
    /// `POST /v1/keys/{key}/encrypt`.
    Encrypt,
    /// `POST /v1/keys/{key}/decrypt` of one ciphertext made at setup.
    Decrypt,
    /// `POST /v1/keys/{key}/generate-data-key` (32-byte data keys).
    GenerateDataKey,
    /// `POST /v1/keys/{key}/sign`.
    Sign,
    /// `POST /v1/keys/{key}/verify` of one signature made at setup.
    Verify,
    /// `POST /v1/keys/{key}/mac`.
    Mac,
    /// `POST /v1/keys`: a durable write, a new name each time.
    CreateKey,
    /// KMIP Encrypt (AES-256-GCM) in binary TTLV over mutual TLS to
    /// `--kmip-addr`, with `--client-cert` and `--client-key`.
    KmipEncrypt,
}

impl BenchOp {
    /// The name on the command line and in the output.
    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            Self::Health => "health",
            Self::Encrypt => "encrypt",
            Self::Decrypt => "decrypt",
            Self::GenerateDataKey => "generate-data-key",
            Self::Sign => "sign",
            Self::Verify => "verify",
            Self::Mac => "mac",
            Self::CreateKey => "create-key",
            Self::KmipEncrypt => "kmip-encrypt",
        }
    }

    /// The algorithm used when `--algorithm` is not given; `None` for an
    /// operation without a key.
    pub(crate) const fn default_algorithm(self) -> Option<Algorithm> {
        match self {
            Self::Health => None,
            Self::Encrypt
            | Self::Decrypt
            | Self::GenerateDataKey
            | Self::CreateKey
            | Self::KmipEncrypt => Some(Algorithm::Aes256Gcm),
            Self::Sign | Self::Verify => Some(Algorithm::EcdsaP256),
            Self::Mac => Some(Algorithm::HmacSha256),
        }
    }
}

/// A duration: a whole number followed by `ms`, `s` or `m`; never zero.
pub(crate) fn parse_duration(s: &str) -> Result<Duration, String> {
    match parse_duration_or_zero(s)? {
        d if d.is_zero() => Err(format!("duration {s:?} must be more than zero")),
        d => Ok(d),
    }
}

/// A duration as [`parse_duration`], where zero is allowed (no warm-up).
pub(crate) fn parse_duration_or_zero(s: &str) -> Result<Duration, String> {
    let bad = || format!("invalid duration {s:?}: a number with ms, s or m (10s, 500ms, 1m)");
    let split = s.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (number, unit) = s.split_at(split);
    let n: u64 = number.parse().map_err(|_| bad())?;
    let millis = match unit {
        "ms" => Some(n),
        "s" => n.checked_mul(1_000),
        "m" => n.checked_mul(60_000),
        _ => None,
    }
    .ok_or_else(bad)?;
    Ok(Duration::from_millis(millis))
}

#[cfg(test)]
mod tests {
    use clap::Parser as _;

    use super::*;
    use crate::cli::{Cli, Command};

    #[test]
    fn durations_parse_in_ms_s_and_m() {
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("1m"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_duration_or_zero("0s"), Ok(Duration::ZERO));
    }

    #[test]
    fn bad_durations_are_refused_with_the_input_named() {
        for bad in ["", "10", "s", "10h", "1.5s", "-1s", "10 s", "0s", "0ms"] {
            let err = parse_duration(bad).unwrap_err();
            assert!(err.contains(&format!("{bad:?}")), "{bad:?}: {err}");
        }
        assert!(parse_duration_or_zero("99999999999999999999m").is_err());
        assert!(parse_duration_or_zero("307445734561825861m").is_err());
    }

    fn bench(args: &[&str]) -> Result<BenchArgs, clap::Error> {
        let argv = ["keyhold", "bench"].iter().chain(args);
        match Cli::try_parse_from(argv)?.command {
            Command::Bench(b) => Ok(b),
            other => panic!("not bench: {other:?}"),
        }
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        let b = bench(&["--op", "encrypt"]).unwrap();
        assert_eq!(b.op, BenchOp::Encrypt);
        assert_eq!(b.connections, 64);
        assert_eq!(b.duration, Duration::from_secs(10));
        assert_eq!(b.warmup, Duration::from_secs(1));
        assert_eq!(b.payload, 64);
        assert_eq!(b.keys, 1);
        assert!(!b.http2 && !b.in_process && !b.reuse && !b.conn.json);
        assert_eq!(b.algorithm, None);
    }

    #[test]
    fn every_flag_parses() {
        let b = bench(&[
            "--op",
            "generate-data-key",
            "--connections",
            "8",
            "--http2",
            "--streams",
            "4",
            "--duration",
            "500ms",
            "--warmup",
            "0s",
            "--payload",
            "1024",
            "--keys",
            "3",
            "--algorithm",
            "chacha20-poly1305",
            "--json",
        ])
        .unwrap();
        assert_eq!(b.op, BenchOp::GenerateDataKey);
        assert_eq!(
            (b.connections, b.streams, b.payload, b.keys),
            (8, 4, 1024, 3)
        );
        assert_eq!(b.duration, Duration::from_millis(500));
        assert_eq!(b.warmup, Duration::ZERO);
        assert_eq!(b.algorithm, Some(Algorithm::ChaCha20Poly1305));
        assert!(b.http2 && b.conn.json);
    }

    #[test]
    fn bad_flags_are_refused() {
        for args in [
            &["--op", "nope"][..],
            &[][..],
            &["--op", "encrypt", "--connections", "0"][..],
            &["--op", "encrypt", "--keys", "0"][..],
            &["--op", "encrypt", "--payload", "0"][..],
            &["--op", "encrypt", "--duration", "0s"][..],
            &["--op", "encrypt", "--duration", "10"][..],
            &["--op", "encrypt", "--streams", "4"][..],
            &["--op", "encrypt", "--in-process", "--http2"][..],
            &["--op", "encrypt", "--in-process", "--reuse"][..],
            &["--op", "sign", "--algorithm", "rsa-1024"][..],
        ] {
            assert!(bench(args).is_err(), "{args:?} was accepted");
        }
    }

    #[test]
    fn every_op_has_a_name_and_keyed_ops_an_algorithm() {
        for op in BenchOp::value_variants() {
            let name = op.to_possible_value().unwrap();
            assert_eq!(name.get_name(), op.as_str());
            assert_eq!(op.default_algorithm().is_none(), *op == BenchOp::Health);
        }
    }
}
