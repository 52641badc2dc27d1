//! The SQLite engine: one database file in WAL mode, one writer connection
//! (behind a mutex, `BEGIN IMMEDIATE`) and a small pool of reader connections
//! that read concurrently with it. In memory, one connection does both.

mod checkpointer;
mod combine;
mod connection;
mod error;
mod migrate;
#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod plans;
mod snapshot;
mod txn;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError, TryLockError};

use rusqlite::Connection;

use crate::durable::Syncer;
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
    /// Concurrent writes sharing one transaction (on disk only).
    combiner: Option<combine::Combiner>,
    /// Makes commits durable by syncing the WAL (on disk only); declared
    /// before the connections so that it stops (after a last sync) first.
    syncer: Option<Syncer>,
    /// Background WAL checkpoints (on disk only); stops when dropped.
    _checkpointer: Option<checkpointer::Checkpointer>,
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
        let syncer = Syncer::start(connection::open_wal(path)?)?;
        Ok(Self {
            path: Some(path.to_owned()),
            syncer: Some(syncer),
            combiner: Some(combine::Combiner::default()),
            writer: Mutex::new(writer),
            readers,
            next_reader: AtomicUsize::new(0),
            _checkpointer: Some(checkpointer::Checkpointer::start(path)?),
        })
    }

    /// A private in-memory database.
    pub(crate) fn open_in_memory() -> Result<Self, StoreError> {
        let mut conn = connection::open_memory()?;
        migrate::migrate(&mut conn)?;
        Ok(Self {
            path: None,
            syncer: None,
            combiner: None,
            writer: Mutex::new(conn),
            readers: Vec::new(),
            next_reader: AtomicUsize::new(0),
            _checkpointer: None,
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

impl SqliteEngine {
    /// The writer connection with no write transaction handed over on it:
    /// for its uses outside a write (checkpoint, restore).
    fn idle_writer(&self) -> MutexGuard<'_, Connection> {
        loop {
            let conn = lock(&self.writer);
            match &self.combiner {
                Some(c) if !c.is_idle() => {
                    drop(conn);
                    c.wait_change();
                }
                _ => return conn,
            }
        }
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
        Ok(Box::new(SqliteTxn::begin(self.reader(), "BEGIN", None)?))
    }

    fn begin_write(&self) -> Result<Box<dyn WriteTxn + '_>, StoreError> {
        if let Some(syncer) = &self.syncer {
            syncer.check()?;
        }
        let combine = self.combiner.as_ref();
        if let Some(c) = combine {
            c.want();
        }
        let conn = lock(&self.writer);
        if let Some(c) = combine {
            c.got();
        }
        Ok(Box::new(SqliteTxn::begin_write(
            conn,
            self.syncer.as_ref(),
            combine,
        )?))
    }

    fn checkpoint(&self) -> Result<(), StoreError> {
        txn::checkpoint(&self.idle_writer())
    }

    fn snapshot(&self, dest: &Path) -> Result<(), StoreError> {
        self.snapshot_to(dest)
    }

    fn restore(&self, src: &Path) -> Result<(), StoreError> {
        self.restore_from(src)
    }

    fn location(&self) -> Option<&Path> {
        self.path.as_deref()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queries;

    /// SQLite's plan for `sql`, one detail line per step.
    fn plan(conn: &Connection, sql: &str) -> String {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        // Unbound parameters are NULL; the plan does not depend on them.
        let mut rows = stmt.raw_query();
        let mut lines = Vec::new();
        while let Some(row) = rows.next().unwrap() {
            lines.push(row.get::<_, String>(3).unwrap());
        }
        lines.join("; ")
    }

    #[test]
    fn audit_queries_walk_their_index_in_sequence_order() {
        let mut conn = connection::open_memory().unwrap();
        migrate::migrate(&mut conn).unwrap();
        let cases = [
            (queries::AUDIT_EVENTS_BY_KEY, "audit_events_by_key"),
            (
                queries::AUDIT_EVENTS_BY_PRINCIPAL,
                "audit_events_by_principal",
            ),
            (queries::AUDIT_EVENTS_BY_TENANT, "audit_events_by_tenant"),
            (queries::AUDIT_EVENTS_BY_ACTION, "audit_events_by_action"),
        ];
        for (sql, index) in cases {
            let plan = plan(&conn, sql);
            assert!(plan.contains(index), "{index}: {plan}");
            assert!(!plan.contains("TEMP B-TREE"), "{index} sorts: {plan}");
        }
        for sql in [queries::AUDIT_EVENTS, queries::AUDIT_RANGE] {
            let plan = plan(&conn, sql);
            assert!(plan.contains("USING INTEGER PRIMARY KEY"), "{sql}: {plan}");
            assert!(!plan.contains("TEMP B-TREE"), "{sql}: {plan}");
        }
        // The head reads the primary key backwards and stops at one row.
        let plan = plan(&conn, queries::AUDIT_HEAD);
        assert!(!plan.contains("TEMP B-TREE"), "{plan}");
    }

    /// Each branch of the scheduler's work list seeks its partial index of
    /// migrations 5 and 6 and scans no table whole.
    #[test]
    fn keys_due_seeks_its_indexes() {
        let mut conn = connection::open_memory().unwrap();
        migrate::migrate(&mut conn).unwrap();
        let plan = plan(&conn, crate::due::KEYS_DUE);
        for index in [
            "keys_by_destroy_due",
            "keys_by_rotation_due",
            "key_versions_by_deactivation_due",
            "key_versions_by_activation_due",
            "keys_by_recipient_usage_end",
        ] {
            assert!(plan.contains(index), "{index}: {plan}");
        }
        for table in ["SCAN k", "SCAN v", "SCAN keys", "SCAN key_versions"] {
            assert!(!plan.contains(table), "{table}: {plan}");
        }
    }

    #[test]
    fn access_queries_walk_their_index() {
        let mut conn = connection::open_memory().unwrap();
        migrate::migrate(&mut conn).unwrap();
        let cases = [
            (queries::PRINCIPALS, "principals_by_tenant_name"),
            (queries::PRINCIPALS_WITH_ROLE, "principal_roles_by_role"),
            (queries::TOKENS, "tokens_by_tenant"),
            (queries::TOKENS_OF_PRINCIPAL, "tokens_by_principal"),
            (queries::POLICIES, "policies_by_tenant_name"),
            (queries::APPROVALS, "approvals_by_tenant"),
            (queries::APPROVALS_IN_STATE, "approvals_by_tenant_state"),
            (queries::APPROVALS_EXPIRING, "approvals_by_expiry"),
        ];
        for (sql, index) in cases {
            let plan = plan(&conn, sql);
            assert!(plan.contains(index), "{index}: {plan}");
        }
        for sql in [queries::TOKEN_BY_HASH, queries::CERT_BINDING] {
            let plan = plan(&conn, sql);
            assert!(!plan.contains("SCAN"), "{sql}: {plan}");
        }
    }
}
