//! The REST API v1 of keyhold, as data: request and response bodies, the
//! error body and the stable error codes. The server and the client both use
//! these types, so the two can never disagree about a field.
//!
//! This crate does not send or receive anything, and decides nothing: it
//! holds no handlers, no HTTP client and no business rules. Request bodies
//! refuse unknown fields (`deny_unknown_fields`) so a misspelt field is an
//! error, not a silently ignored option. Binary fields are standard base64.

pub mod access;
pub mod approvals;
pub mod audit;
pub mod b64;
pub mod backup;
pub mod crypto;
pub mod error;
pub mod keys;
pub mod lifecycle;
pub mod mfa;
pub mod schema;
pub mod sys;
pub mod transfer;

pub use error::{ErrorBody, ErrorCode, ErrorDetail};
