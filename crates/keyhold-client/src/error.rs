//! What can go wrong talking to keyhold.

use keyhold_api::ErrorCode;

/// A failed call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The server answered with a keyhold error.
    #[error("{message} ({code}, HTTP {status}, request {request_id})")]
    Api {
        /// HTTP status.
        status: u16,
        /// The stable error code.
        code: ErrorCode,
        /// The server's message.
        message: String,
        /// The request id, to find it in the server's log.
        request_id: String,
    },
    /// The server answered an error without a keyhold error body.
    #[error("unexpected HTTP status {status}")]
    UnexpectedStatus {
        /// HTTP status.
        status: u16,
    },
    /// The address is not an http:// or https:// URL.
    #[error("invalid server address {addr:?}: expected http://host:port or https://host:port")]
    InvalidAddress {
        /// The address given.
        addr: String,
    },
    /// The request did not reach the server, or the answer did not arrive.
    #[error("could not reach the server")]
    Transport(#[from] reqwest::Error),
    /// TLS set-up failed (bad CA certificate).
    #[error("TLS set-up failed")]
    Tls(#[source] reqwest::Error),
    /// The answer was not the expected JSON.
    #[error("could not read the server's answer")]
    Decode(#[source] serde_json::Error),
    /// A streamed answer (an audit export) could not be written out.
    #[error("could not write the server's answer")]
    Write(#[source] std::io::Error),
    /// The request could not be encoded.
    #[error("could not encode the request")]
    Encode(#[source] serde_json::Error),
}

impl ClientError {
    /// The server's error code, when the server gave one.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Self::Api { code, .. } => Some(*code),
            _ => None,
        }
    }
}
