//! The JSON-lines file sink: one `{"event": {...}}` object per line (the
//! export format of `keyhold_api::audit::ExportLine`), size-based rotation
//! and an fsync after each batch. Files are created mode 0600.
//!
//! Before a line would take the file past `max_bytes`, the file is rotated:
//! `PATH.keep` is deleted, `PATH.N` becomes `PATH.N+1`, `PATH` becomes
//! `PATH.1` and a new `PATH` is started. A line larger than `max_bytes` goes
//! alone into a file of its own.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};

use keyhold_api::audit::{AuditEventView, ExportLine};
use keyhold_core::audit::AuditEvent;

use super::settings::FileSettings;
use super::{Sink, SinkError};

/// A JSON-lines file with rotation.
#[derive(Debug)]
pub struct FileSink {
    settings: FileSettings,
    /// The open file and its size; opened on first use and after an error.
    open: Option<(File, u64)>,
}

impl FileSink {
    /// A sink writing to `settings.path` (opened on the first delivery).
    pub fn new(settings: FileSettings) -> Self {
        Self {
            settings,
            open: None,
        }
    }

    fn append(&mut self, events: &[AuditEvent]) -> io::Result<()> {
        let (mut file, mut size) = match self.open.take() {
            Some(open) => open,
            None => open_append(&self.settings.path)?,
        };
        for e in events {
            let line = encode_line(e)?;
            let len = u64::try_from(line.len()).unwrap_or(u64::MAX);
            if size > 0 && size.saturating_add(len) > self.settings.max_bytes {
                file.sync_all()?;
                drop(file);
                rotate(&self.settings.path, self.settings.keep)?;
                (file, size) = open_append(&self.settings.path)?;
            }
            file.write_all(&line)?;
            size = size.saturating_add(len);
        }
        file.sync_data()?;
        self.open = Some((file, size));
        Ok(())
    }
}

impl Sink for FileSink {
    fn deliver(&mut self, events: &[AuditEvent]) -> Result<(), SinkError> {
        // On error the file is closed (`open` stays None) and reopened, with
        // its real size, at the next attempt.
        self.append(events).map_err(|source| SinkError::File {
            path: self.settings.path.clone(),
            source,
        })
    }
}

/// `{"event": {...}}\n`
fn encode_line(e: &AuditEvent) -> io::Result<Vec<u8>> {
    let mut line = serde_json::to_vec(&ExportLine::Event(AuditEventView::from(e)))?;
    line.push(b'\n');
    Ok(line)
}

/// Opens `path` for appending (creating it 0600). A file left ending in a
/// partial line (a crash or failure mid-write) gets a newline first, so the
/// lines written now stay whole.
fn open_append(path: &Path) -> io::Result<(File, u64)> {
    let mut file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .mode(0o600)
        .open(path)?;
    let mut size = file.metadata()?.len();
    if size > 0 && !ends_with_newline(&file, size)? {
        file.write_all(b"\n")?;
        size = size.saturating_add(1);
    }
    Ok((file, size))
}

fn ends_with_newline(file: &File, size: u64) -> io::Result<bool> {
    use std::os::unix::fs::FileExt as _;
    let mut last = [0u8; 1];
    file.read_exact_at(&mut last, size.saturating_sub(1))?;
    Ok(last == *b"\n")
}

/// `PATH.N` for N in 1..
fn rotated(path: &Path, n: u32) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{n}"));
    PathBuf::from(name)
}

/// Shifts `PATH.1..PATH.keep-1` up by one (dropping `PATH.keep`) and moves
/// `PATH` to `PATH.1`.
fn rotate(path: &Path, keep: u32) -> io::Result<()> {
    match fs::remove_file(rotated(path, keep)) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    for n in (1..keep).rev() {
        match fs::rename(rotated(path, n), rotated(path, n.saturating_add(1))) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    fs::rename(path, rotated(path, 1))?;
    sync_parent(path)
}

fn sync_parent(path: &Path) -> io::Result<()> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => File::open(dir)?.sync_all(),
        _ => File::open(".")?.sync_all(),
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;
    use crate::sinks::tests::chain;

    fn sink(dir: &Path, max_bytes: u64, keep: u32) -> FileSink {
        FileSink::new(FileSettings {
            path: dir.join("audit.jsonl"),
            max_bytes,
            keep,
        })
    }

    fn seqs(path: &Path) -> Vec<u64> {
        let text = fs::read_to_string(path).unwrap_or_default();
        text.lines()
            .map(|l| match serde_json::from_str::<ExportLine>(l).unwrap() {
                ExportLine::Event(e) => e.seq,
                ExportLine::Checkpoint(_) => panic!("checkpoint in a sink file"),
            })
            .collect()
    }

    #[test]
    fn lines_parse_back_and_the_file_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let events = chain(5);
        let mut s = sink(dir.path(), 1 << 20, 2);
        s.deliver(&events[..2]).unwrap();
        s.deliver(&events[2..]).unwrap();
        let path = dir.path().join("audit.jsonl");
        assert_eq!(seqs(&path), [1, 2, 3, 4, 5]);
        let first = fs::read_to_string(&path).unwrap();
        let ExportLine::Event(view) = serde_json::from_str(first.lines().next().unwrap()).unwrap()
        else {
            panic!("event");
        };
        assert_eq!(AuditEvent::try_from(view).unwrap(), events[0]);
        let mode = fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        // A new sink (a restart) appends.
        sink(dir.path(), 1 << 20, 2)
            .deliver(&chain(6)[5..])
            .unwrap();
        assert_eq!(seqs(&path), [1, 2, 3, 4, 5, 6]);
    }

    /// Writes 200 events in batches of 7 into files of about 10 lines;
    /// returns the sequence numbers found, oldest file first.
    fn rotate_200(dir: &Path, keep: u32) -> Vec<u64> {
        let events = chain(200);
        let line = encode_line(&events[0]).unwrap().len() as u64;
        let max = (line + 8) * 10;
        let mut s = sink(dir, max, keep);
        for batch in events.chunks(7) {
            s.deliver(batch).unwrap();
        }
        let path = dir.join("audit.jsonl");
        let mut files = vec![path.clone()];
        files.extend((1..=keep).map(|n| rotated(&path, n)).filter(|p| p.exists()));
        assert!(files.len() <= keep as usize + 1);
        assert!(!rotated(&path, keep + 1).exists(), "only {keep} old files");
        assert_eq!(fs::read_dir(dir).unwrap().count(), files.len());
        let mut all = Vec::new();
        for f in files.iter().rev() {
            assert!(fs::metadata(f).unwrap().len() <= max, "{f:?} too big");
            all.extend(seqs(f));
        }
        all
    }

    #[test]
    fn rotation_keeps_keep_files_and_every_event_once() {
        // Room for everything: each event exactly once, in order.
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(rotate_200(dir.path(), 40), (1..=200).collect::<Vec<u64>>());
        // Three old files: the newest events, each once, the oldest dropped.
        let dir = tempfile::tempdir().unwrap();
        let kept = rotate_200(dir.path(), 3);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 4);
        assert_eq!(kept, (kept[0]..=200).collect::<Vec<u64>>());
        assert!(kept[0] > 150, "older files were dropped");
    }

    #[test]
    fn a_partial_last_line_is_closed_before_appending() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        fs::write(&path, b"{\"event\":{\"seq\":1,").unwrap();
        sink(dir.path(), 1 << 20, 1).deliver(&chain(1)).unwrap();
        let text = fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(serde_json::from_str::<ExportLine>(lines[1]).is_ok());
    }

    #[test]
    fn an_unwritable_path_is_an_error_that_names_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = FileSink::new(FileSettings {
            path: dir.path().join("missing/audit.jsonl"),
            max_bytes: 1 << 20,
            keep: 1,
        });
        let err = s.deliver(&chain(1)).unwrap_err();
        assert!(
            matches!(err, SinkError::File { ref path, .. } if path.ends_with("missing/audit.jsonl"))
        );
    }
}
