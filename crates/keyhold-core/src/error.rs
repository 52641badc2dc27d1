//! Errors of the domain layer: each variant names what was wrong, with the
//! values involved, and never carries secret material.

use crate::algorithm::Algorithm;
use crate::lifecycle::{KeyState, LifecycleEvent};
use crate::operation::KeyOperation;
use crate::time::Timestamp;
use crate::usage::UsageMask;

/// What the domain refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CoreError {
    /// A text that should be an identifier of `kind` is not one.
    #[error("invalid {kind} identifier")]
    InvalidId {
        /// Which identifier ("key", "tenant", ...).
        kind: &'static str,
    },
    /// A name breaks the naming rules.
    #[error("invalid {kind} name: {reason}")]
    InvalidName {
        /// Which name ("key", "tenant").
        kind: &'static str,
        /// The rule it breaks.
        reason: &'static str,
    },
    /// An algorithm name nobody knows.
    #[error("unknown algorithm")]
    UnknownAlgorithm,
    /// A usage name nobody knows.
    #[error("unknown key usage")]
    UnknownUsage,
    /// The requested usage does not fit the key's algorithm.
    #[error("usage {requested} is not possible with {algorithm}")]
    UsageNotSupported {
        /// The algorithm of the key.
        algorithm: Algorithm,
        /// The usage asked for.
        requested: UsageMask,
    },
    /// The key was not created for this operation.
    #[error("key usage does not allow {operation}")]
    UsageNotPermitted {
        /// The operation asked for.
        operation: KeyOperation,
    },
    /// The algorithm cannot perform this operation at all.
    #[error("{algorithm} cannot {operation}")]
    OperationNotSupported {
        /// The algorithm of the key.
        algorithm: Algorithm,
        /// The operation asked for.
        operation: KeyOperation,
    },
    /// A legacy key ([`Algorithm::is_legacy`]: RSA under 2048 bits, DSA)
    /// is kept to be inventoried and retired, never used for cryptography.
    #[error(
        "{algorithm} keys are kept, never used: keyhold does not {operation} with RSA under 2048 bits or DSA (disallowed by NIST SP 800-131A Rev. 2 and FIPS 186-5)"
    )]
    LegacyKeyNotUsed {
        /// The algorithm of the key.
        algorithm: Algorithm,
        /// The operation asked for.
        operation: KeyOperation,
    },
    /// The lifecycle forbids this event in this state.
    #[error("illegal state transition: cannot {event} a key that is {state}")]
    IllegalTransition {
        /// The state the key is in.
        state: KeyState,
        /// What was asked of it.
        event: LifecycleEvent,
    },
    /// The key's state does not allow this operation.
    #[error("key is {state}; {operation} is not allowed")]
    StateForbids {
        /// The state the key version is in.
        state: KeyState,
        /// The operation asked for.
        operation: KeyOperation,
    },
    /// A protect operation (encrypt, sign, ...) asked of a version that is not
    /// the key's primary version.
    #[error("only the primary version may {operation}")]
    NotPrimary {
        /// The operation asked for.
        operation: KeyOperation,
    },
    /// The key version is archived (KMIP 2.1 section 6.1.4, Archive): it may
    /// perform no operation until it is recovered (section 6.1.42, Recover).
    #[error("key version is archived; recover it before it can {operation}")]
    Archived {
        /// The operation asked for.
        operation: KeyOperation,
    },
    /// The version's originator-usage period (NIST SP 800-57) is over: it
    /// processes (decrypt, verify) but protects nothing any more.
    #[error(
        "the key version's originator-usage period ended at {at}; {operation} is not allowed (rotate the key for a new cryptoperiod)"
    )]
    CryptoperiodEnded {
        /// The operation asked for.
        operation: KeyOperation,
        /// When the period ended (the version's protect stop date).
        at: Timestamp,
    },
    /// The version's Process Start Date (KMIP 1.4 section 3.25) is still
    /// to come: it may not process protected data yet.
    #[error("the key version may process data from {at}; {operation} is not allowed before")]
    ProcessNotStarted {
        /// The operation asked for.
        operation: KeyOperation,
        /// When processing may start.
        at: Timestamp,
    },
    /// The key's Usage Limits (KMIP 1.4 section 3.21) leave too little for
    /// this protection.
    #[error("the key's usage limit is reached: {remaining} left")]
    UsageLimitReached {
        /// What the limits leave (in their unit).
        remaining: u64,
    },
    /// A field's value is out of its allowed range.
    #[error("invalid {field}: {reason}")]
    InvalidValue {
        /// Which field.
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
}
