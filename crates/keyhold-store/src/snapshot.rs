//! Whole-database snapshots as bytes, and restore candidates: what an
//! online backup and a restore need from the store, with their temporary
//! files kept in a private directory next to the database (0700, removed
//! when done), never in a shared temporary directory.

use std::fmt;
use std::path::Path;

use tempfile::TempDir;
use zeroize::Zeroizing;

use crate::error::StoreError;
use crate::store::Store;

/// A database offered for restore, opened (and so migrated) in a private
/// temporary directory. Read it through [`store`](Self::store) to check it;
/// hand it to [`Store::restore`] to swap it in. Dropped, it is deleted.
pub struct Candidate {
    // Declared first: its connections close before the directory goes.
    store: Store,
    dir: TempDir,
}

impl fmt::Debug for Candidate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Candidate").finish_non_exhaustive()
    }
}

impl Candidate {
    /// The candidate database, to read before restoring it.
    pub fn store(&self) -> &Store {
        &self.store
    }
}

const SNAPSHOT_FILE: &str = "snapshot.db";
const CANDIDATE_FILE: &str = "candidate.db";

impl Store {
    /// A consistent copy of the whole database, as the bytes of a SQLite
    /// file ([`snapshot`](Self::snapshot) into a private temporary file,
    /// read back and removed). Zeroized when dropped.
    pub fn snapshot_bytes(&self) -> Result<Zeroizing<Vec<u8>>, StoreError> {
        let dir = self.scratch_dir()?;
        let path = dir.path().join(SNAPSHOT_FILE);
        self.snapshot(&path)?;
        let bytes = std::fs::read(&path).map_err(|source| StoreError::Io {
            op: "read the snapshot of",
            source,
        })?;
        Ok(Zeroizing::new(bytes))
    }

    /// Opens `bytes` (a [`snapshot_bytes`](Self::snapshot_bytes)) as a
    /// candidate for [`restore`](Self::restore): written to a private
    /// temporary file and opened as a store, which migrates it to this
    /// build's schema (and refuses a newer one).
    pub fn candidate(&self, bytes: &[u8]) -> Result<Candidate, StoreError> {
        let dir = self.scratch_dir()?;
        let path = dir.path().join(CANDIDATE_FILE);
        write_private(&path, bytes)?;
        let store = Store::open_sqlite(&path)?;
        Ok(Candidate { store, dir })
    }

    /// Replaces the whole database with `candidate`, after SQLite's
    /// integrity and foreign-key checks, in one step under the writer
    /// ([`restore_file`](Self::restore_file)).
    pub fn restore(&self, candidate: Candidate) -> Result<(), StoreError> {
        let Candidate { store, dir } = candidate;
        // Settle the candidate's write-ahead log into its file first.
        store.checkpoint()?;
        drop(store);
        self.restore_file(&dir.path().join(CANDIDATE_FILE))
    }

    /// A private directory next to the database (the system's temporary
    /// directory for an in-memory store).
    fn scratch_dir(&self) -> Result<TempDir, StoreError> {
        let parent = self.location().and_then(Path::parent);
        let made = match parent {
            Some(p) => tempfile::Builder::new().prefix(".keyhold-").tempdir_in(p),
            None => tempfile::Builder::new().prefix("keyhold-").tempdir(),
        };
        made.map_err(|source| StoreError::Io {
            op: "make a temporary directory next to",
            source,
        })
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
        .map_err(|source| StoreError::Io {
            op: "write the restore candidate of",
            source,
        })
}
