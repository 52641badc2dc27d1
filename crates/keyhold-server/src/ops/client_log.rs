//! A client's own message in the audit trail (KMIP Log, KMIP 2.1 section
//! 6.1.29): the request's audit event records the caller and the message,
//! so what a client logs sits in the same tamper-evident chain as what it
//! did. Nothing else is read or changed.

use super::{Caller, Operations};
use crate::error::ServerError;

/// The longest message a client may log, in bytes: a line for people, not
/// a document (the audit trail is not a store for data).
pub const MAX_LOG_MESSAGE_BYTES: usize = 1024;

/// A message a client asks the server to log: 1 to
/// [`MAX_LOG_MESSAGE_BYTES`] bytes of text without control characters
/// (which would let a message forge lines in a log sink).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogMessage(String);

impl LogMessage {
    /// Parses a client's message.
    pub fn parse(text: &str) -> Result<LogMessage, ServerError> {
        let refuse = |why: &str| ServerError::InvalidRequest {
            detail: format!("a Log Message is {why}"),
        };
        if text.is_empty() || text.len() > MAX_LOG_MESSAGE_BYTES {
            return Err(refuse(&format!("1 to {MAX_LOG_MESSAGE_BYTES} bytes")));
        }
        if text.chars().any(char::is_control) {
            return Err(refuse("text without control characters"));
        }
        Ok(LogMessage(text.to_owned()))
    }
}

impl Operations {
    /// Records `message` in the caller's audit event (context
    /// `log_message`); answers once the event is durable, as every request.
    pub fn log_message(&self, caller: &Caller, message: &LogMessage) -> Result<(), ServerError> {
        caller.note("log_message", message.0.clone());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_message_is_one_bounded_line() {
        assert!(LogMessage::parse("Registered a symmetric key.").is_ok());
        let longest = "a".repeat(MAX_LOG_MESSAGE_BYTES);
        assert!(LogMessage::parse(&longest).is_ok());
        for bad in [
            String::new(),
            format!("{longest}a"),
            "two\nlines".to_owned(),
            "bell\u{7}".to_owned(),
        ] {
            assert!(
                matches!(
                    LogMessage::parse(&bad),
                    Err(ServerError::InvalidRequest { .. })
                ),
                "{bad:?}"
            );
        }
    }
}
