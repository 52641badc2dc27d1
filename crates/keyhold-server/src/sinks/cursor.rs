//! A sink's cursor: the last sequence number it delivered, kept in
//! `DATA_DIR/audit-sinks/<name>.cursor` as JSON and replaced atomically
//! (temporary file, fsync, rename, fsync of the directory), so a crash
//! leaves either the old cursor or the new one, never a torn file.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::SinkError;

/// The directory under the data directory holding every sink's cursor.
pub const CURSOR_DIR: &str = "audit-sinks";

/// The file's content.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CursorState {
    sink: String,
    delivered_seq: u64,
}

/// One sink's cursor file.
#[derive(Debug, Clone)]
pub struct Cursor {
    sink: String,
    dir: PathBuf,
    path: PathBuf,
}

impl Cursor {
    /// The cursor of sink `name` under `data_dir`.
    pub fn new(data_dir: &Path, name: &str) -> Self {
        let dir = data_dir.join(CURSOR_DIR);
        Self {
            sink: name.to_owned(),
            path: dir.join(format!("{name}.cursor")),
            dir,
        }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The last delivered sequence number; 0 when the file does not exist
    /// yet (nothing delivered).
    pub fn load(&self) -> Result<u64, SinkError> {
        let text = match fs::read(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
            Err(source) => return Err(self.io_error(source)),
        };
        let state: CursorState =
            serde_json::from_slice(&text).map_err(|source| SinkError::CorruptCursor {
                path: self.path.clone(),
                source,
            })?;
        Ok(state.delivered_seq)
    }

    /// Records `seq` as delivered, atomically and durably.
    pub fn store(&self, seq: u64) -> Result<(), SinkError> {
        self.write(seq).map_err(|source| self.io_error(source))
    }

    fn write(&self, seq: u64) -> io::Result<()> {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.dir)?;
        let state = CursorState {
            sink: self.sink.clone(),
            delivered_seq: seq,
        };
        let text = serde_json::to_vec(&state).map_err(io::Error::other)?;
        let tmp = self.path.with_extension("cursor.tmp");
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        file.write_all(&text)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, &self.path)?;
        File::open(&self.dir)?.sync_all()
    }

    fn io_error(&self, source: io::Error) -> SinkError {
        SinkError::Cursor {
            path: self.path.clone(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    #[test]
    fn a_cursor_starts_at_zero_and_survives_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let c = Cursor::new(dir.path(), "siem");
        assert_eq!(c.load().unwrap(), 0);
        c.store(41).unwrap();
        c.store(42).unwrap();
        assert_eq!(Cursor::new(dir.path(), "siem").load().unwrap(), 42);
        assert_eq!(c.path(), dir.path().join("audit-sinks/siem.cursor"));
        let mode = fs::metadata(c.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let names: Vec<_> = fs::read_dir(dir.path().join(CURSOR_DIR))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["siem.cursor"], "no temporary file left");
    }

    #[test]
    fn a_corrupt_cursor_is_an_error_not_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let c = Cursor::new(dir.path(), "siem");
        c.store(1).unwrap();
        fs::write(c.path(), b"{\"delivered_seq\":").unwrap();
        assert!(matches!(c.load(), Err(SinkError::CorruptCursor { .. })));
    }
}
