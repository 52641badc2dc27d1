//! Errors of the store: [`StoreError`] for "storage failed", and
//! [`TxError`] which keeps a transaction body's own reason to abort apart
//! from a storage failure. No variant ever carries row contents.

use std::error::Error;
use std::fmt;

use keyhold_core::CoreError;

use crate::model::BackendKind;

/// A boxed error from a backend driver.
pub type BoxError = Box<dyn Error + Send + Sync + 'static>;

/// Why the store could not do what was asked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A row with the same id or unique name already exists.
    #[error("{entity} already exists")]
    Conflict {
        /// Which kind of row ("tenant", "key", "key version").
        entity: &'static str,
    },
    /// The row to update does not exist (or belongs to another tenant).
    #[error("{entity} not found")]
    NotFound {
        /// Which kind of row.
        entity: &'static str,
    },
    /// The row refers to a parent row that does not exist.
    #[error("{entity} refers to a {parent} that does not exist")]
    MissingParent {
        /// Which kind of row was written.
        entity: &'static str,
        /// Which kind of row it refers to.
        parent: &'static str,
    },
    /// A value cannot be represented in the database (a `u64` above
    /// `i64::MAX`, say). Nothing was written.
    #[error("{field} is out of the range the store can hold")]
    OutOfRange {
        /// Which field.
        field: &'static str,
    },
    /// An audit event that is not the next one of the stored chain: its
    /// sequence number is not the stored head's plus one (a gap, a repeat,
    /// or a second writer that lost the race). Nothing was written.
    #[error("audit event {got} refused: the next sequence number is {expected}")]
    AuditSequence {
        /// The number the next event must carry.
        expected: u64,
        /// The number it carried.
        got: u64,
    },
    /// An audit event with the right sequence number whose previous link is
    /// not the stored head's link (a fork). Nothing was written.
    #[error("audit event {seq} refused: it does not follow the stored chain head")]
    AuditPrev {
        /// The event's sequence number.
        seq: u64,
    },
    /// A stored row no longer parses into its domain type.
    #[error("stored {what} is corrupt")]
    Corrupt {
        /// Which column ("key.algorithm", ...).
        what: &'static str,
        /// What is wrong with it.
        #[source]
        reason: CorruptReason,
    },
    /// The database stayed locked by another connection past the busy timeout.
    #[error("the database is busy")]
    Busy,
    /// The backend driver failed.
    #[error("the {backend} backend failed")]
    Backend {
        /// Which backend.
        backend: BackendKind,
        /// The driver's error.
        #[source]
        source: BoxError,
    },
    /// The database refused a connection setting keyhold depends on.
    #[error("the database refused the setting {setting}")]
    Setting {
        /// Which setting ("journal_mode=WAL", ...).
        setting: &'static str,
    },
    /// A schema migration failed; the database is left at the version before it.
    #[error("schema migration {version} failed")]
    Migration {
        /// The migration's version.
        version: u32,
        /// Why it failed.
        #[source]
        source: BoxError,
    },
    /// The database was written by a newer keyhold with a schema this binary
    /// does not know. It is refused rather than misread.
    #[error(
        "database schema version {found} is newer than this keyhold supports ({supported}); \
         upgrade keyhold"
    )]
    SchemaTooNew {
        /// The highest migration recorded in the database.
        found: i64,
        /// The highest migration this binary knows.
        supported: u32,
    },
    /// The group commit this write was part of failed, so it was not
    /// written (every write of that batch gets the same cause).
    #[error("the group commit failed")]
    GroupCommit(#[source] std::sync::Arc<StoreError>),
    /// The write body panicked; its changes were rolled back.
    #[error("the write body panicked")]
    Panicked,
    /// The store's writer has stopped (the process is shutting down).
    #[error("the store's writer has stopped")]
    WriterStopped,
    /// The database ended the batch's transaction by itself after an error
    /// (as SQLite may on a full disk or an I/O error): nothing of the batch
    /// was written.
    #[error("the database rolled the transaction back after an error")]
    TransactionLost,
    /// A database offered for restore is not usable: it fails SQLite's
    /// integrity or foreign-key check. The live database was not touched.
    #[error("the database to restore is not usable: {reason}")]
    InvalidDatabase {
        /// Which check failed.
        reason: &'static str,
    },
    /// A snapshot or restore path that is not UTF-8.
    #[error("the database file path is not UTF-8")]
    PathNotUtf8,
    /// Syncing the write-ahead log to disk failed, so the write may be lost.
    /// The log's state on disk is unknown after that: every later write is
    /// refused with this error too, until the store is reopened.
    #[error("the write-ahead log could not be made durable")]
    NotDurable {
        /// The OS error of the failed sync (shared by every write it failed).
        #[source]
        source: std::sync::Arc<std::io::Error>,
    },
    /// A file-system operation on the database file failed.
    #[error("could not {op} the database file")]
    Io {
        /// What was attempted ("create", ...).
        op: &'static str,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

/// What is wrong with a corrupt stored value (never the value itself).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CorruptReason {
    /// The row has fewer columns than expected.
    #[error("missing column")]
    MissingColumn,
    /// The value has the wrong SQL type, or text that is not UTF-8.
    #[error("unexpected value type")]
    Type,
    /// A NULL where a value is required.
    #[error("unexpected NULL")]
    Null,
    /// An identifier that is not 16 bytes long.
    #[error("identifier is not 16 bytes")]
    IdLength,
    /// An integer outside the range of its field.
    #[error("integer out of range")]
    OutOfRange,
    /// Enum text that names no known variant.
    #[error("unknown name")]
    UnknownName,
    /// A hash that is not 32 bytes long.
    #[error("hash is not 32 bytes")]
    HashLength,
    /// Text that is not an IP address.
    #[error("malformed address")]
    Address,
    /// Columns that contradict each other (an error code on a success).
    #[error("inconsistent columns")]
    Inconsistent,
    /// JSON that does not have the expected shape.
    #[error("malformed JSON")]
    Json,
    /// The domain type refused the value.
    #[error(transparent)]
    Core(#[from] CoreError),
}

impl StoreError {
    pub(crate) fn corrupt(what: &'static str, reason: impl Into<CorruptReason>) -> Self {
        Self::Corrupt {
            what,
            reason: reason.into(),
        }
    }
}

/// The error of a transaction: either the body chose to abort with its own
/// error `E`, or the store failed. In both cases nothing was committed.
#[derive(Debug)]
pub enum TxError<E> {
    /// The body returned its own error; the transaction was rolled back.
    Abort(E),
    /// The store failed (inside the body, or at begin/commit).
    Store(StoreError),
}

impl<E> TxError<E> {
    /// Maps the body's error, keeping store failures as they are.
    pub fn map_abort<F>(self, f: impl FnOnce(E) -> F) -> TxError<F> {
        match self {
            Self::Abort(e) => TxError::Abort(f(e)),
            Self::Store(e) => TxError::Store(e),
        }
    }
}

impl<E> From<StoreError> for TxError<E> {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

impl<E: fmt::Display> fmt::Display for TxError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Abort(e) => fmt::Display::fmt(e, f),
            Self::Store(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl<E: Error + 'static> Error for TxError<E> {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        // Display is transparent, so the source is the inner error's source.
        match self {
            Self::Abort(e) => e.source(),
            Self::Store(e) => e.source(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, thiserror::Error)]
    #[error("my reason")]
    struct Mine;

    #[test]
    fn tx_error_keeps_abort_and_store_apart() {
        let a: TxError<Mine> = TxError::Abort(Mine);
        assert_eq!(a.to_string(), "my reason");
        assert!(matches!(a.map_abort(|_| 7), TxError::Abort(7)));
        let s: TxError<Mine> = StoreError::Busy.into();
        assert_eq!(s.to_string(), "the database is busy");
        assert!(matches!(
            s.map_abort(|_| 7),
            TxError::Store(StoreError::Busy)
        ));
    }

    #[test]
    fn audit_refusals_name_the_numbers() {
        let e = StoreError::AuditSequence {
            expected: 8,
            got: 10,
        };
        assert_eq!(
            e.to_string(),
            "audit event 10 refused: the next sequence number is 8"
        );
        let e = StoreError::AuditPrev { seq: 8 };
        assert_eq!(
            e.to_string(),
            "audit event 8 refused: it does not follow the stored chain head"
        );
    }

    #[test]
    fn corrupt_names_the_column_and_the_reason_only() {
        let e = StoreError::corrupt("key.algorithm", CorruptReason::UnknownName);
        assert_eq!(e.to_string(), "stored key.algorithm is corrupt");
        let source = e.source().map(ToString::to_string);
        assert_eq!(source.as_deref(), Some("unknown name"));
    }
}
