//! The crate-private engine interface behind [`Store`](crate::Store). An
//! engine opens transactions; [`Store`](crate::Store) runs the caller's body
//! in them and decides commit or rollback. A second engine is one more
//! adapter module implementing these three traits.

use std::fmt;
use std::path::Path;

use crate::durable::Durable;
use crate::error::StoreError;
use crate::model::BackendKind;
use crate::tx::{ReadTx, WriteTx};

/// A database engine.
pub(crate) trait Engine: Send + Sync + fmt::Debug {
    /// Which engine this is.
    fn kind(&self) -> BackendKind;
    /// Begins a read-only transaction over one consistent snapshot.
    fn begin_read(&self) -> Result<Box<dyn ReadTxn + '_>, StoreError>;
    /// Begins the (single) write transaction.
    fn begin_write(&self) -> Result<Box<dyn WriteTxn + '_>, StoreError>;
    /// Moves everything written so far into the main database and erases the
    /// write-ahead log, so erased material lingers nowhere.
    fn checkpoint(&self) -> Result<(), StoreError>;
    /// Writes a consistent copy of the whole database to the new file
    /// `dest`, without holding the writer.
    fn snapshot(&self, dest: &Path) -> Result<(), StoreError>;
    /// Replaces the whole database with the checked copy at `src`, at once
    /// under the writer; on failure nothing changes.
    fn restore(&self, src: &Path) -> Result<(), StoreError>;
    /// The database file, if it is one.
    fn location(&self) -> Option<&Path>;
}

/// An open read transaction. Dropped unfinished, it ends without effect.
pub(crate) trait ReadTxn: ReadTx {
    /// The transaction as the caller sees it.
    fn as_read(&mut self) -> &mut dyn ReadTx;
    /// Ends the transaction.
    fn finish(self: Box<Self>) -> Result<(), StoreError>;
}

/// An open write transaction. Dropped unfinished, it rolls back.
pub(crate) trait WriteTxn: WriteTx {
    /// The transaction as the caller sees it.
    fn as_write(&mut self) -> &mut dyn WriteTx;
    /// Commits: every change is visible to later transactions at once, and
    /// durable once the returned [`Durable`] says so. An `Err` means
    /// nothing was committed.
    fn commit_deferred(self: Box<Self>) -> Result<Durable, StoreError>;
    /// Commits and waits until every change is durable.
    fn commit(self: Box<Self>) -> Result<(), StoreError> {
        self.commit_deferred()?.wait()
    }
    /// Discards every change.
    fn rollback(self: Box<Self>) -> Result<(), StoreError>;
    /// Marks a point the transaction can roll back to (one level only:
    /// group commit runs each job between a mark and its release).
    fn savepoint(&mut self) -> Result<(), StoreError>;
    /// Keeps the changes since the mark, and forgets the mark.
    fn release_savepoint(&mut self) -> Result<(), StoreError>;
    /// Discards the changes since the mark, and forgets the mark.
    fn rollback_to_savepoint(&mut self) -> Result<(), StoreError>;
    /// Whether the transaction is still open: a database may end it by
    /// itself after some errors (SQLite on a full disk or an I/O error).
    fn is_open(&self) -> bool;
}
