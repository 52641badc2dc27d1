//! rusqlite errors to [`StoreError`]: lock contention is `Busy`, a
//! constraint violation of an insert or update is `Conflict` or
//! `MissingParent` for the entity written, anything else `Backend`.

use rusqlite::ErrorCode;
use rusqlite::ffi;

use crate::error::StoreError;
use crate::model::BackendKind;

/// The kind of row a statement writes, for naming it in errors.
#[derive(Clone, Copy, Debug)]
pub(super) struct Target {
    /// The row's kind ("tenant", "key", ...).
    pub(super) entity: &'static str,
    /// The kind of row its foreign key refers to, if any.
    pub(super) parent: Option<&'static str>,
}

/// Any failure outside a constraint check.
pub(super) fn backend(e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Busy,
        _ => StoreError::Backend {
            backend: BackendKind::Sqlite,
            source: Box::new(e),
        },
    }
}

/// A failure of a statement writing a `target` row.
pub(super) fn write(e: rusqlite::Error, target: Target) -> StoreError {
    let extended = match &e {
        rusqlite::Error::SqliteFailure(f, _) if f.code == ErrorCode::ConstraintViolation => {
            f.extended_code
        }
        _ => return backend(e),
    };
    match (extended, target.parent) {
        (ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY, _) => {
            StoreError::Conflict {
                entity: target.entity,
            }
        }
        (ffi::SQLITE_CONSTRAINT_FOREIGNKEY, Some(parent)) => StoreError::MissingParent {
            entity: target.entity,
            parent,
        },
        _ => backend(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(extended_code: i32) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(ffi::Error::new(extended_code), None)
    }

    const KEY: Target = Target {
        entity: "key",
        parent: Some("tenant"),
    };

    #[test]
    fn constraint_failures_name_the_entity() {
        assert!(matches!(
            write(failure(ffi::SQLITE_CONSTRAINT_UNIQUE), KEY),
            StoreError::Conflict { entity: "key" }
        ));
        assert!(matches!(
            write(failure(ffi::SQLITE_CONSTRAINT_PRIMARYKEY), KEY),
            StoreError::Conflict { entity: "key" }
        ));
        assert!(matches!(
            write(failure(ffi::SQLITE_CONSTRAINT_FOREIGNKEY), KEY),
            StoreError::MissingParent {
                entity: "key",
                parent: "tenant"
            }
        ));
        assert!(matches!(
            write(failure(ffi::SQLITE_CONSTRAINT_NOTNULL), KEY),
            StoreError::Backend { .. }
        ));
    }

    #[test]
    fn locks_are_busy() {
        assert!(matches!(
            backend(failure(ffi::SQLITE_BUSY)),
            StoreError::Busy
        ));
        assert!(matches!(
            write(failure(ffi::SQLITE_LOCKED), KEY),
            StoreError::Busy
        ));
    }
}
