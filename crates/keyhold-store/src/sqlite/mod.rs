//! The SQLite engine: one database file in WAL mode, one writer connection
//! (behind a mutex, `BEGIN IMMEDIATE`) and a small pool of reader connections
//! that read concurrently with it. In memory, one connection does both.

mod connection;
mod error;
mod migrate;
mod txn;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError, TryLockError};

use rusqlite::Connection;

use crate::engine::{Engine, ReadTxn, WriteTxn};
use crate::error::StoreError;
use crate::model::BackendKind;
use txn::SqliteTxn;

/// The SQLite engine.
pub(crate) struct SqliteEngine {
    /// Where the database lives (`None` in memory).
    path: Option<PathBuf>,
    writer: Mutex<Connection>,
    /// Reader connections; empty in memory, where reads use the writer.
    readers: Vec<Mutex<Connection>>,
    /// Where the next reader search starts, to spread the load.
    next_reader: AtomicUsize,
}

impl SqliteEngine {
    /// Opens (creating it if missing) the database at `path` and migrates it.
    pub(crate) fn open(path: &Path) -> Result<Self, StoreError> {
        connection::create_file(path)?;
        let mut writer = connection::open_writer(path)?;
        migrate::migrate(&mut writer)?;
        let readers = (0..connection::READERS)
            .map(|_| connection::open_reader(path).map(Mutex::new))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            path: Some(path.to_owned()),
            writer: Mutex::new(writer),
            readers,
            next_reader: AtomicUsize::new(0),
        })
    }

    /// A private in-memory database.
    pub(crate) fn open_in_memory() -> Result<Self, StoreError> {
        let mut conn = connection::open_memory()?;
        migrate::migrate(&mut conn)?;
        Ok(Self {
            path: None,
            writer: Mutex::new(conn),
            readers: Vec::new(),
            next_reader: AtomicUsize::new(0),
        })
    }

    /// A free reader connection, waiting for one if all are in use; the
    /// writer in memory.
    fn reader(&self) -> MutexGuard<'_, Connection> {
        let n = self.readers.len();
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed) % n.max(1);
        let ring = self.readers.iter().cycle().skip(start).take(n);
        for slot in ring {
            match slot.try_lock() {
                Ok(guard) => return guard,
                Err(TryLockError::Poisoned(p)) => return p.into_inner(),
                Err(TryLockError::WouldBlock) => {}
            }
        }
        lock(self.readers.get(start).unwrap_or(&self.writer))
    }
}

/// Locks a connection. A panic while it was held left no transaction open
/// (the transaction's drop rolled back), so poisoning is recovered from.
fn lock(m: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Engine for SqliteEngine {
    fn kind(&self) -> BackendKind {
        BackendKind::Sqlite
    }

    fn begin_read(&self) -> Result<Box<dyn ReadTxn + '_>, StoreError> {
        Ok(Box::new(SqliteTxn::begin(self.reader(), "BEGIN")?))
    }

    fn begin_write(&self) -> Result<Box<dyn WriteTxn + '_>, StoreError> {
        Ok(Box::new(SqliteTxn::begin(
            lock(&self.writer),
            "BEGIN IMMEDIATE",
        )?))
    }

    fn checkpoint(&self) -> Result<(), StoreError> {
        txn::checkpoint(&lock(&self.writer))
    }
}

impl std::fmt::Debug for SqliteEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteEngine")
            .field("path", &self.path)
            .field("readers", &self.readers.len())
            .finish_non_exhaustive()
    }
}
