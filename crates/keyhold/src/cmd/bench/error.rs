//! Why a benchmark could not be set up or run.

use std::path::PathBuf;

use keyhold_core::Algorithm;

/// Why `keyhold bench` failed. Failed requests during the run are not
/// errors: they are counted in the result.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum BenchError {
    /// The operation cannot use keys of this algorithm.
    #[error("--op {op} cannot use key algorithm {algorithm}")]
    AlgorithmMismatch {
        /// The operation.
        op: &'static str,
        /// The algorithm asked for.
        algorithm: Algorithm,
    },
    /// The operation has no in-process form.
    #[error("--op {op} has no --in-process form (no cryptography to measure)")]
    NotInProcess {
        /// The operation.
        op: &'static str,
    },
    /// The operation uses no key of its own (an internal misuse).
    #[error("--op {op} has no per-key request")]
    NotKeyed {
        /// The operation.
        op: &'static str,
    },
    /// `--addr` is not an `http://` or `https://` address with a host.
    #[error("invalid --addr {addr:?}: expected http://HOST:PORT or https://HOST:PORT")]
    Address {
        /// The address given.
        addr: String,
    },
    /// The CA certificate file holds no usable certificate.
    #[error("no usable PEM certificate in {path}")]
    CaCert {
        /// The file.
        path: PathBuf,
    },
    /// Names of keys to create must be letters, digits and dashes.
    #[error("invalid key name prefix {prefix:?}: letters, digits and dashes")]
    KeyPrefix {
        /// The prefix.
        prefix: String,
    },
    /// The token cannot be sent in an HTTP header.
    #[error("the token is not a valid HTTP header value")]
    Token,
    /// The tenant name cannot be sent in an HTTP header.
    #[error("the tenant name is not a valid HTTP header value")]
    Tenant,
    /// `--op kmip-encrypt` lacks a flag it needs.
    #[error("--op kmip-encrypt needs {flag}")]
    KmipFlag {
        /// The flag.
        flag: &'static str,
    },
    /// The client certificate or key file is unusable.
    #[error("no usable PEM client certificate or key in {path}")]
    ClientIdentity {
        /// The file.
        path: std::path::PathBuf,
    },
    /// A KMIP request could not be encoded.
    #[error("cannot encode a KMIP request")]
    KmipEncode,
    /// Creating or activating the benchmark's keys over KMIP failed (is
    /// the client certificate bound to a principal that may create keys?).
    #[error("KMIP setup failed: creating and activating the keys")]
    KmipSetup,
    /// TLS could not be configured.
    #[error("cannot configure TLS")]
    TlsConfig(#[source] rustls::Error),
    /// A connection could not be opened before the run.
    #[error("cannot connect to {addr}")]
    Connect {
        /// The address.
        addr: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The HTTP handshake failed before the run.
    #[error("HTTP handshake with {addr} failed")]
    Handshake {
        /// The address.
        addr: String,
        /// Why.
        #[source]
        source: hyper::Error,
    },
    /// A setup request (creating keys, the ciphertext or signature to
    /// replay) failed.
    #[error("setup failed: {step}")]
    Setup {
        /// What was being prepared.
        step: &'static str,
        /// Why.
        #[source]
        source: keyhold_client::ClientError,
    },
    /// An in-process crypto operation failed at setup.
    #[error("in-process setup failed: {step}")]
    Crypto {
        /// What was being prepared.
        step: &'static str,
        /// Why.
        #[source]
        source: keyhold_crypto::CryptoError,
    },
    /// A request body could not be encoded.
    #[error("cannot encode a request body")]
    Encode(#[source] serde_json::Error),
    /// A worker task died.
    #[error("a benchmark worker failed")]
    Worker(#[source] tokio::task::JoinError),
    /// An in-process worker thread panicked.
    #[error("an in-process benchmark thread panicked")]
    ThreadPanicked,
    /// A latency histogram could not be made.
    #[error("cannot make a latency histogram")]
    Histogram(#[source] hdrhistogram::CreationError),
    /// Two latency histograms could not be merged.
    #[error("cannot merge latency histograms")]
    Merge(#[source] hdrhistogram::AdditionError),
}
