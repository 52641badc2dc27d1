//! WAL checkpoints off the writer's path: a thread with a connection of its
//! own copies committed WAL frames into the database file every
//! [`INTERVAL`] with a PASSIVE checkpoint, which takes no lock a writer or
//! reader waits for. The writer's automatic checkpoint (every 10,000
//! frames) stays as a backstop; with this thread keeping the WAL short it
//! rarely fires, so a commit seldom carries a whole checkpoint (its copy
//! of every changed page and the database file's fsync) in its latency.

use std::path::Path;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::Connection;

use super::connection;
use crate::error::StoreError;

/// Time between two checkpoints.
pub(super) const INTERVAL: Duration = Duration::from_millis(100);

/// The checkpoint thread; stopped and joined on drop.
pub(super) struct Checkpointer {
    stop: Arc<(Mutex<bool>, Condvar)>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts checkpointing the database at `path`.
    pub(super) fn start(path: &Path) -> Result<Self, StoreError> {
        let conn = connection::open_checkpointer(path)?;
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let flag = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("keyhold-store-checkpoint".into())
            .spawn(move || run(&conn, &flag))
            .map_err(|source| StoreError::Io {
                op: "start the checkpoint thread for",
                source,
            })?;
        Ok(Self {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        let (stopped, wake) = &*self.stop;
        *stopped.lock().unwrap_or_else(PoisonError::into_inner) = true;
        wake.notify_all();
        if let Some(thread) = self.thread.take() {
            // A panicked checkpoint thread has nothing left to clean up.
            let _ = thread.join();
        }
    }
}

/// Checkpoints every [`INTERVAL`] until told to stop.
fn run(conn: &Connection, stop: &(Mutex<bool>, Condvar)) {
    let (stopped, wake) = stop;
    let mut guard = stopped.lock().unwrap_or_else(PoisonError::into_inner);
    while !*guard {
        guard = wake
            .wait_timeout(guard, INTERVAL)
            .unwrap_or_else(PoisonError::into_inner)
            .0;
        if *guard {
            break;
        }
        drop(guard);
        if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::warn!(error = %e, "background WAL checkpoint failed");
        }
        guard = stopped.lock().unwrap_or_else(PoisonError::into_inner);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sqlite::SqliteEngine;

    /// Rows committed reach the database file itself (read with
    /// `immutable=1`, which ignores the WAL) without anyone asking for a
    /// checkpoint.
    #[test]
    fn committed_rows_reach_the_database_file_by_themselves() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keyhold.db");
        let engine = SqliteEngine::open(&path).unwrap();
        {
            let writer = engine.writer.lock().unwrap();
            writer
                .execute_batch("CREATE TABLE t (v INTEGER); INSERT INTO t VALUES (7);")
                .unwrap();
        }
        let uri = format!("file:{}?immutable=1", path.display());
        let flags =
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_URI;
        let mut found = None;
        for _ in 0..50 {
            std::thread::sleep(INTERVAL);
            let file_only = Connection::open_with_flags(&uri, flags).unwrap();
            found = file_only
                .query_row("SELECT v FROM t", [], |r| r.get::<_, i64>(0))
                .ok();
            if found.is_some() {
                break;
            }
        }
        assert_eq!(found, Some(7));
        drop(engine);
    }
}
