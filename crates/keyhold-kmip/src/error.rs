//! Why a message could not be turned into (or out of) the typed model, and which Result
//! Reason the server answers with (KMIP 1.4 section 9.1.3.2.29, KMIP 2.1 section 11.46).

use keyhold_ttlv::{ItemType, Tag};

use crate::{Operation, ProtocolVersion, ResultReason};

/// A field-level error in a KMIP message. Each variant names the field; none carries a
/// field's value (it could be key material).
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KmipError {
    /// A required field is absent.
    #[error("{within} lacks the required field {field}")]
    Missing {
        /// The absent field.
        field: Tag,
        /// The structure that should hold it.
        within: Tag,
    },
    /// A field that this structure does not define (or not at this position).
    #[error("{within} holds the unexpected field {field}")]
    Unexpected {
        /// The field found.
        field: Tag,
        /// The structure holding it.
        within: Tag,
    },
    /// A field of the wrong item type.
    #[error("{field} is a {actual}, expected a {expected}")]
    WrongType {
        /// The field.
        field: Tag,
        /// The type the specification gives it.
        expected: ItemType,
        /// The type sent.
        actual: ItemType,
    },
    /// A field whose value is out of range or inconsistent.
    #[error("{field} is invalid: {problem}")]
    InvalidValue {
        /// The field.
        field: Tag,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// A 1.x Attribute Name that names no attribute known to the version.
    #[error("unknown attribute name {name:?}")]
    UnknownAttribute {
        /// The name as sent (at most 64 characters).
        name: String,
    },
    /// An operation this crate has no payload model for.
    #[error("operation {operation:?} is not supported")]
    OperationNotSupported {
        /// The operation requested.
        operation: Operation,
    },
    /// A field that the negotiated protocol version does not have.
    #[error("{field} does not exist in KMIP {version}")]
    NotInVersion {
        /// The field.
        field: Tag,
        /// The version of the message.
        version: ProtocolVersion,
    },
    /// The Batch Count disagrees with the number of Batch Items.
    #[error("Batch Count is {declared} but the message holds {actual} batch items")]
    BatchCount {
        /// The Batch Count sent.
        declared: i32,
        /// The number of Batch Items.
        actual: usize,
    },
    /// Two batch items share a Unique Batch Item ID (KMIP 1.4 section 6.4).
    #[error("Unique Batch Item ID is not unique in the batch")]
    DuplicateBatchItemId,
}

impl KmipError {
    /// The Result Reason a server puts in the batch item's response for this error.
    pub fn reason(&self) -> ResultReason {
        match self {
            KmipError::Missing { .. }
            | KmipError::WrongType { .. }
            | KmipError::BatchCount { .. }
            | KmipError::DuplicateBatchItemId => ResultReason::InvalidMessage,
            KmipError::Unexpected { .. }
            | KmipError::InvalidValue { .. }
            | KmipError::UnknownAttribute { .. }
            | KmipError::NotInVersion { .. } => ResultReason::InvalidField,
            KmipError::OperationNotSupported { .. } => ResultReason::OperationNotSupported,
        }
    }

    pub(crate) fn unknown_attribute(name: &str) -> KmipError {
        KmipError::UnknownAttribute {
            name: name.chars().take(64).collect(),
        }
    }
}

/// The result of parsing or writing a KMIP message.
pub type Result<T> = std::result::Result<T, KmipError>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tags;

    #[test]
    fn reasons_follow_the_kind_of_error() {
        let missing = KmipError::Missing {
            field: tags::OPERATION,
            within: tags::BATCH_ITEM,
        };
        assert_eq!(missing.reason(), ResultReason::InvalidMessage);
        assert_eq!(
            missing.to_string(),
            "BatchItem lacks the required field Operation"
        );
        let op = KmipError::OperationNotSupported {
            operation: Operation::Unknown(0x99),
        };
        assert_eq!(op.reason(), ResultReason::OperationNotSupported);
        assert_eq!(
            KmipError::unknown_attribute(&"a".repeat(100)),
            KmipError::UnknownAttribute {
                name: "a".repeat(64)
            }
        );
    }
}
