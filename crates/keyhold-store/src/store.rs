//! [`Store`]: the one handle callers hold, whatever the engine behind it.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use crate::engine::Engine;
use crate::error::{StoreError, TxError};
use keyhold_core::audit::ChainHead;

use crate::group::{AppendOf, GroupCommitter, Pending};
use crate::model::BackendKind;
use crate::sqlite::SqliteEngine;
use crate::tx::{ReadTx, WriteTx};

/// A handle on the database. Cheap to clone; clones share the connections.
///
/// Transactions are closures. A body returns `Ok` to commit (for
/// [`write`](Self::write)), `Err(TxError::Abort(e))` to roll back with its own
/// error, and store failures inside it propagate with `?` as
/// `TxError::Store`. After a store call fails inside a body, return its error
/// rather than carrying on: some engines (PostgreSQL) accept no further
/// statement in that transaction. Do not open a transaction inside another one on the same
/// store: the single writer (and, in memory, the single connection) would
/// wait for itself.
#[derive(Clone)]
pub struct Store {
    engine: Arc<dyn Engine>,
    committer: Arc<GroupCommitter>,
}

impl Store {
    /// Opens (creating it, mode 0600, if missing) the SQLite database at
    /// `path` and brings its schema up to date.
    pub fn open_sqlite(path: &Path) -> Result<Store, StoreError> {
        Self::from_engine(SqliteEngine::open(path)?)
    }

    /// A fresh SQLite database in memory, for tests. It lives as long as the
    /// store (and its clones).
    pub fn open_sqlite_in_memory() -> Result<Store, StoreError> {
        Self::from_engine(SqliteEngine::open_in_memory()?)
    }

    fn from_engine(engine: impl Engine + 'static) -> Result<Self, StoreError> {
        let engine: Arc<dyn Engine> = Arc::new(engine);
        let committer = Arc::new(GroupCommitter::start(Arc::clone(&engine))?);
        Ok(Self { engine, committer })
    }

    /// Runs `f` in a read transaction: every read sees one consistent
    /// snapshot, whatever commits meanwhile.
    pub fn read<T, E>(
        &self,
        f: impl FnOnce(&mut dyn ReadTx) -> Result<T, TxError<E>>,
    ) -> Result<T, TxError<E>> {
        let mut txn = self.engine.begin_read()?;
        let result = f(txn.as_read());
        let ended = txn.finish();
        let value = result?;
        ended?;
        Ok(value)
    }

    /// Runs `f` in the write transaction: commits (durably) if it returns
    /// `Ok`, rolls back if it returns `Err`. On a commit failure nothing is
    /// written and the error is `TxError::Store`.
    pub fn write<T, E>(
        &self,
        f: impl FnOnce(&mut dyn WriteTx) -> Result<T, TxError<E>>,
    ) -> Result<T, TxError<E>> {
        let mut txn = self.engine.begin_write()?;
        match f(txn.as_write()) {
            Ok(value) => {
                txn.commit()?;
                Ok(value)
            }
            Err(e) => {
                // Nothing was committed whether or not the rollback succeeds
                // (an engine also rolls back an unfinished transaction when it
                // is dropped or next begun), so the body's error is the answer.
                if let Err(rollback) = txn.rollback() {
                    tracing::warn!(error = %rollback, "rolling back a write transaction failed");
                }
                Err(e)
            }
        }
    }

    /// Queues `body` for group commit and returns at once. The writer thread
    /// runs it with the bodies of other callers in one transaction (each
    /// between a savepoint and its release, so a failing body leaves the
    /// others alone) and commits them with one durable commit. Wait on the
    /// [`Pending`] for the result: `Ok` only once the batch is durable.
    ///
    /// Unlike [`write`](Self::write), the body runs on another thread, so it
    /// owns what it needs (`move`) and returns what the caller wants back.
    pub fn submit<T, E, F>(&self, body: F) -> Pending<T, E>
    where
        F: FnOnce(&mut dyn WriteTx) -> Result<T, TxError<E>> + Send + 'static,
        T: Send + 'static,
        E: Send + 'static,
    {
        self.committer.submit(body)
    }

    /// Queues an audit append for group commit: the writer reads the chain's
    /// head, `build` makes the event that follows it (and a signed
    /// checkpoint of it when one is due), and the store appends them. The
    /// result is the event's sequence number, once durable. Cheaper than
    /// [`submit`](Self::submit) of the same work: an event alone needs no
    /// savepoint (see `group.rs`).
    pub fn submit_audit<E, F>(&self, build: F) -> Pending<u64, E>
    where
        F: FnOnce(ChainHead) -> Result<AppendOf, E> + Send + 'static,
        E: Send + 'static,
    {
        self.committer.submit_audit(build)
    }

    /// Which backend this store runs on.
    pub fn backend(&self) -> BackendKind {
        self.engine.kind()
    }

    /// Copies every committed change into the main database file and
    /// empties the write-ahead log, so that bytes erased by
    /// [`WriteTx::version_update`] remain in no file. Commits that erase
    /// material already do this; call it after a backup or before handing
    /// the file over. [`StoreError::Busy`] if long readers kept it from
    /// completing.
    pub fn checkpoint(&self) -> Result<(), StoreError> {
        self.engine.checkpoint()
    }

    /// Writes a consistent copy of the whole database, as of one moment, to
    /// the new file `dest` (an online backup: the writer carries on). The
    /// copy is a database this store can open.
    pub fn snapshot(&self, dest: &Path) -> Result<(), StoreError> {
        self.engine.snapshot(dest)
    }

    /// Replaces the whole database with the one in the file `src` (a
    /// [`snapshot`](Self::snapshot)), after migrating it to this build's
    /// schema and checking its integrity and foreign keys. The swap happens
    /// at once under the writer; on any failure the live database is
    /// unchanged. Callers drop every cache they built from the old
    /// contents.
    pub fn restore_file(&self, src: &Path) -> Result<(), StoreError> {
        self.engine.restore(src)
    }

    /// Where the database file is (`None` in memory).
    pub(crate) fn location(&self) -> Option<&Path> {
        self.engine.location()
    }
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.engine.kind())
            .finish_non_exhaustive()
    }
}
