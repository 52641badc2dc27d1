//! Online snapshots and restores of the SQLite database.
//!
//! A snapshot is `VACUUM INTO` a new file on a connection of its own: it
//! reads one consistent snapshot (WAL lets the writer carry on meanwhile)
//! and never holds the writer.
//!
//! A restore checks the candidate file first (it must be a keyhold
//! database this build can migrate, pass `PRAGMA integrity_check` and
//! `PRAGMA foreign_key_check`), then copies it over the live database with
//! SQLite's online backup API, on the writer connection, in one step: the
//! writer is held for the copy, and readers see either the old database or
//! the new one, never a mix.

use std::path::Path;

use rusqlite::OptionalExtension as _;
use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};

use super::error::backend;
use super::{SqliteEngine, connection, lock, migrate};
use crate::error::StoreError;

impl SqliteEngine {
    /// Writes a consistent copy of the database to `dest`, which must not
    /// exist.
    pub(super) fn snapshot_to(&self, dest: &Path) -> Result<(), StoreError> {
        let dest = dest.to_str().ok_or(StoreError::PathNotUtf8)?;
        match &self.path {
            Some(path) => {
                let conn = connection::open_snapshot_reader(path)?;
                vacuum_into(&conn, dest)
            }
            None => vacuum_into(&lock(&self.writer), dest),
        }
    }

    /// Replaces the whole database with the one at `src`, after checking
    /// it; on any failure the live database is unchanged.
    pub(super) fn restore_from(&self, src: &Path) -> Result<(), StoreError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut candidate = Connection::open_with_flags(src, flags).map_err(backend)?;
        check(&mut candidate)?;
        let mut writer = self.idle_writer();
        let step = Backup::new(&candidate, &mut writer)
            .and_then(|b| b.step(-1))
            .map_err(backend)?;
        if step != StepResult::Done {
            return Err(StoreError::Busy);
        }
        // Fold the copy into the main file now; a reader in the way only
        // delays that to a later checkpoint (the restore is committed).
        if self.path.is_some() {
            if let Err(e) = super::txn::checkpoint(&writer) {
                tracing::warn!(error = %e, "checkpoint after restore deferred");
            }
        }
        Ok(())
    }
}

fn vacuum_into(conn: &Connection, dest: &str) -> Result<(), StoreError> {
    conn.execute("VACUUM INTO ?1", [dest])
        .map(drop)
        .map_err(backend)
}

/// Brings the candidate's schema up to date and checks it is whole.
fn check(conn: &mut Connection) -> Result<(), StoreError> {
    migrate::migrate(conn)?;
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .map_err(backend)?;
    if integrity != "ok" {
        return Err(StoreError::InvalidDatabase {
            reason: "PRAGMA integrity_check failed",
        });
    }
    let dangling: Option<String> = conn
        .query_row("PRAGMA foreign_key_check", [], |row| row.get(0))
        .optional()
        .map_err(backend)?;
    if dangling.is_some() {
        return Err(StoreError::InvalidDatabase {
            reason: "PRAGMA foreign_key_check failed",
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use crate::{Store, SystemKey, TxError};

    fn put(store: &Store, value: &[u8]) {
        let value = value.to_vec();
        store
            .write(move |tx| -> Result<(), TxError<Infallible>> {
                tx.system_put(SystemKey::RootCanary, &value)?;
                Ok(())
            })
            .unwrap();
    }

    fn get(store: &Store) -> Option<Vec<u8>> {
        store
            .read(|tx| -> Result<_, TxError<Infallible>> {
                Ok(tx.system_get(SystemKey::RootCanary)?)
            })
            .unwrap()
    }

    #[test]
    fn a_snapshot_restores_over_later_changes() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_sqlite(&dir.path().join("live.db")).unwrap();
        put(&store, b"before");
        let snap = dir.path().join("snap.db");
        store.snapshot(&snap).unwrap();
        put(&store, b"after");
        assert_eq!(get(&store).unwrap(), b"after");
        store.restore_file(&snap).unwrap();
        assert_eq!(get(&store).unwrap(), b"before");
        // The store goes on writing after the swap.
        put(&store, b"again");
        assert_eq!(get(&store).unwrap(), b"again");
        // A snapshot never overwrites a file.
        assert!(store.snapshot(&snap).is_err());
    }

    #[test]
    fn a_snapshot_is_consistent_while_the_writer_works() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_sqlite(&dir.path().join("live.db")).unwrap();
        put(&store, &0u32.to_be_bytes());
        let writer = {
            let store = store.clone();
            std::thread::spawn(move || {
                for n in 0..200u32 {
                    put(&store, &n.to_be_bytes());
                }
            })
        };
        for n in 0..5 {
            let snap = dir.path().join(format!("snap{n}.db"));
            store.snapshot(&snap).unwrap();
            let check = rusqlite::Connection::open(&snap).unwrap();
            let verdict: String = check
                .query_row("PRAGMA integrity_check", [], |r| r.get(0))
                .unwrap();
            assert_eq!(verdict, "ok", "snapshot {n}");
            drop(check);
            // It holds one of the values written, whole.
            let copy = Store::open_sqlite(&snap).unwrap();
            let value = get(&copy).expect("the first value was written before");
            let n = u32::from_be_bytes(value.as_slice().try_into().unwrap());
            assert!(n < 200, "{n}");
        }
        writer.join().unwrap();
    }

    #[test]
    fn a_bad_file_is_refused_and_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_sqlite(&dir.path().join("live.db")).unwrap();
        put(&store, b"kept");
        let junk = dir.path().join("junk.db");
        std::fs::write(&junk, vec![0x5a; 8192]).unwrap();
        assert!(store.restore_file(&junk).is_err());
        assert_eq!(get(&store).unwrap(), b"kept");
        let memory = Store::open_sqlite_in_memory().unwrap();
        put(&memory, b"mem");
        let snap = dir.path().join("mem.db");
        memory.snapshot(&snap).unwrap();
        store.restore_file(&snap).unwrap();
        assert_eq!(get(&store).unwrap(), b"mem");
    }
}
