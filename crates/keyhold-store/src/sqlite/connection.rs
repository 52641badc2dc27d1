//! Opening and configuring SQLite connections: the database file (0600 on
//! creation), WAL with commits synced by `crate::durable`, foreign keys,
//! secure delete.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::error::backend;
use crate::error::StoreError;

/// How long a connection waits for a lock before giving up with `Busy`.
pub(super) const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How many reader connections an on-disk store keeps.
pub(super) const READERS: usize = 4;

/// Prepared statements kept per connection (more than the statements in
/// [`crate::queries`], so none is ever re-prepared).
const STATEMENT_CACHE: usize = 256;

/// WAL frames (4 KiB pages) between automatic checkpoints: about 40 MiB.
const WAL_AUTOCHECKPOINT: i64 = 10_000;

/// Creates the database file, readable and writable by its owner only, if
/// it does not exist. SQLite gives its WAL and shared-memory files the same
/// mode.
pub(super) fn create_file(path: &Path) -> Result<(), StoreError> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(source) => Err(StoreError::Io {
            op: "create",
            source,
        }),
    }
}

/// The writer connection of an on-disk database, which must exist.
pub(super) fn open_writer(path: &Path) -> Result<Connection, StoreError> {
    let conn = open_file(path)?;
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
        .map_err(backend)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Setting {
            setting: "journal_mode=WAL",
        });
    }
    Ok(conn)
}

/// A reader connection of an on-disk database: refuses to write.
pub(super) fn open_reader(path: &Path) -> Result<Connection, StoreError> {
    let conn = open_file(path)?;
    conn.pragma_update(None, "query_only", true)
        .map_err(backend)?;
    Ok(conn)
}

/// A connection of its own for `VACUUM INTO` snapshots: it reads, and
/// writes only the snapshot file.
pub(super) fn open_snapshot_reader(path: &Path) -> Result<Connection, StoreError> {
    open_file(path)
}

/// The background checkpointer's connection (`checkpointer.rs`).
pub(super) fn open_checkpointer(path: &Path) -> Result<Connection, StoreError> {
    open_file(path)
}

/// A private in-memory database on one connection.
pub(super) fn open_memory() -> Result<Connection, StoreError> {
    let conn = Connection::open_in_memory().map_err(backend)?;
    configure(&conn)?;
    Ok(conn)
}

fn open_file(path: &Path) -> Result<Connection, StoreError> {
    // No CREATE flag: `create_file` made the file with the right mode.
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(backend)?;
    configure(&conn)?;
    Ok(conn)
}

/// The write-ahead log of the on-disk database at `path`, opened for
/// [`crate::durable::Syncer`] and synced once (the migrations' commits).
/// Created empty (mode 0600) if SQLite has not made it yet, which SQLite
/// accepts as an empty log; SQLite keeps the file in place (emptying it at
/// most) while the writer connection is open.
pub(super) fn open_wal(path: &Path) -> Result<File, StoreError> {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    let io = |op| move |source| StoreError::Io { op, source };
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options
        .open(&wal)
        .map_err(io("open the write-ahead log of"))?;
    file.sync_data()
        .map_err(io("sync the write-ahead log of"))?;
    Ok(file)
}

/// Settings every connection needs. `synchronous=NORMAL`: a commit writes
/// the WAL without syncing it, and keyhold syncs it on a thread of its own
/// before anyone is told the commit happened (`crate::durable`); SQLite
/// still syncs around checkpoints, so the file stays consistent.
/// `secure_delete` overwrites deleted content so erased material does not
/// linger in free space.
fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.busy_timeout(BUSY_TIMEOUT).map_err(backend)?;
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(backend)?;
    conn.pragma_update(None, "foreign_keys", true)
        .map_err(backend)?;
    // Savepoint journals (every group-committed body and every write that
    // joins a shared transaction runs in one) stay in memory: in a temp
    // file, each page a body first touched was written out, a pwrite per
    // page seen in create-key profiles.
    conn.pragma_update(None, "temp_store", "MEMORY")
        .map_err(backend)?;
    check_on(conn, "foreign_keys", "foreign_keys=ON")?;
    conn.pragma_update(None, "secure_delete", true)
        .map_err(backend)?;
    check_on(conn, "secure_delete", "secure_delete=ON")?;
    // Fewer, larger checkpoints: each one runs inside a commit on the single
    // writer and rewrites every page changed since the last, so the default
    // (1000 frames) made the busy audit pages be copied over and over.
    conn.pragma_update(None, "wal_autocheckpoint", WAL_AUTOCHECKPOINT)
        .map_err(backend)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(())
}

fn check_on(conn: &Connection, pragma: &str, setting: &'static str) -> Result<(), StoreError> {
    let value: i64 = conn
        .pragma_query_value(None, pragma, |row| row.get(0))
        .map_err(backend)?;
    if value == 1 {
        Ok(())
    } else {
        Err(StoreError::Setting { setting })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pragma(conn: &Connection, name: &str) -> String {
        conn.pragma_query_value(None, name, |row| {
            let v: rusqlite::types::Value = row.get(0)?;
            Ok(match v {
                rusqlite::types::Value::Integer(i) => i.to_string(),
                rusqlite::types::Value::Text(s) => s,
                _ => String::new(),
            })
        })
        .unwrap()
    }

    #[test]
    fn writer_is_configured_for_durability_and_erasure() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.db");
        create_file(&path).unwrap();
        let conn = open_writer(&path).unwrap();
        assert_eq!(pragma(&conn, "journal_mode"), "wal");
        assert_eq!(pragma(&conn, "synchronous"), "1"); // NORMAL: see durable.rs
        open_wal(&path).unwrap();
        conn.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1)")
            .unwrap();
        assert_eq!(pragma(&conn, "foreign_keys"), "1");
        assert_eq!(pragma(&conn, "secure_delete"), "1");
        assert_eq!(pragma(&conn, "temp_store"), "2"); // MEMORY
        assert_eq!(pragma(&conn, "busy_timeout"), "5000");
    }

    #[test]
    fn every_statement_fits_in_the_cache() {
        assert!(crate::queries::ALL.len() < STATEMENT_CACHE);
    }

    #[test]
    fn readers_cannot_write() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.db");
        create_file(&path).unwrap();
        let _writer = open_writer(&path).unwrap();
        let reader = open_reader(&path).unwrap();
        assert!(reader.execute_batch("CREATE TABLE t (x INTEGER)").is_err());
    }

    #[cfg(unix)]
    #[test]
    fn new_files_are_private_and_existing_ones_kept() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.db");
        create_file(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        std::fs::write(&path, b"kept").unwrap();
        create_file(&path).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"kept");
    }

    #[test]
    fn a_missing_directory_is_an_io_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no/such/dir/k.db");
        assert!(matches!(
            create_file(&path),
            Err(StoreError::Io { op: "create", .. })
        ));
    }

    #[test]
    fn every_statement_fits_the_cache() {
        let statements = crate::queries::ALL.len() + crate::queries::access::ALL.len();
        assert!(statements < STATEMENT_CACHE, "{statements} statements");
    }
}
