//! Scheduled backups (`[backup]` in `keyhold.toml`): every `interval_secs`
//! the server takes a backup as itself (interface `scheduler`, action
//! `sys:backup`, audited like a request), writes it to `dir` as
//! `keyhold-<unix micros>.backup` (mode 0600, written to a temporary name
//! and renamed, so a file with the final name is always whole) and deletes
//! the oldest such files beyond `keep`. A sealed server skips its turn.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use crate::error::ServerError;
use crate::ops::Operations;

/// The default time between two backups: one day.
pub const DEFAULT_BACKUP_INTERVAL_SECS: u64 = 24 * 60 * 60;
/// The default number of backups kept.
pub const DEFAULT_BACKUP_KEEP: u32 = 7;
/// The longest interval accepted: 31 days.
pub const MAX_BACKUP_INTERVAL_SECS: u64 = 31 * 24 * 60 * 60;

const PREFIX: &str = "keyhold-";
const SUFFIX: &str = ".backup";

/// The `[backup]` table of `keyhold.toml`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackupSettings {
    /// The directory the backups go to (it must exist).
    pub dir: PathBuf,
    /// Seconds between two backups (1 to 31 days' worth; default one day).
    #[serde(default = "default_interval")]
    pub interval_secs: u64,
    /// How many backups to keep (at least 1; default 7).
    #[serde(default = "default_keep")]
    pub keep: u32,
}

fn default_interval() -> u64 {
    DEFAULT_BACKUP_INTERVAL_SECS
}

fn default_keep() -> u32 {
    DEFAULT_BACKUP_KEEP
}

impl BackupSettings {
    /// The setting that is out of range, if any.
    pub fn invalid(&self) -> Option<(&'static str, &'static str)> {
        if !(1..=MAX_BACKUP_INTERVAL_SECS).contains(&self.interval_secs) {
            return Some(("backup.interval_secs", "must be 1 to 2678400 (31 days)"));
        }
        if self.keep == 0 {
            return Some(("backup.keep", "must be at least 1"));
        }
        None
    }
}

/// Starts the backup task: one backup every `interval_secs` (the first one
/// a full interval after start) until the task is aborted.
pub fn spawn(ops: Arc<Operations>, settings: BackupSettings) -> tokio::task::JoinHandle<()> {
    let settings = Arc::new(settings);
    tokio::spawn(async move {
        let every = Duration::from_secs(settings.interval_secs);
        let mut timer = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            timer.tick().await;
            let (ops, settings) = (Arc::clone(&ops), Arc::clone(&settings));
            match tokio::task::spawn_blocking(move || run_once(&ops, &settings)).await {
                Ok(Ok(path)) => tracing::info!(file = %path.display(), "scheduled backup written"),
                Ok(Err(ServerError::Sealed | ServerError::NotInitialized)) => {
                    tracing::debug!("scheduled backup skipped: the server is sealed");
                }
                Ok(Err(e)) => tracing::error!(error = %e, "scheduled backup failed"),
                Err(e) => tracing::error!(error = %e, "scheduled backup task failed"),
            }
        }
    })
}

/// Takes one backup into `settings.dir` and prunes the oldest beyond
/// `settings.keep`. Returns the new file.
pub fn run_once(ops: &Operations, settings: &BackupSettings) -> Result<PathBuf, ServerError> {
    let file = ops.scheduled_backup()?;
    let name = format!("{PREFIX}{:020}{SUFFIX}", ops.now().unix_micros());
    let path = settings.dir.join(name);
    write_whole(&path, &file).map_err(|source| ServerError::BackupFile { source })?;
    prune(&settings.dir, settings.keep).map_err(|source| ServerError::BackupFile { source })?;
    Ok(path)
}

/// Writes `bytes` to a temporary name in the same directory, syncs, and
/// renames it to `path`. A write that fails (a full disk) removes the
/// temporary file: pruning only knows finished backups.
fn write_whole(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("backup.partial");
    let written = write_new(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// Creates `path` (it must not exist) readable by the owner only, writes
/// `bytes` and syncs them.
fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Deletes the oldest backups in `dir` beyond the newest `keep` (names sort
/// by time). Other files are left alone.
fn prune(dir: &Path, keep: u32) -> std::io::Result<()> {
    let mut backups: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(PREFIX) && n.ends_with(SUFFIX))
        })
        .collect();
    backups.sort();
    let excess = backups.len().saturating_sub(keep as usize);
    for old in backups.into_iter().take(excess) {
        std::fs::remove_file(old)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prune_keeps_the_newest_and_other_files() {
        let dir = tempfile::tempdir().unwrap();
        for n in [5u64, 1, 3, 2, 4] {
            let name = format!("{PREFIX}{n:020}{SUFFIX}");
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        std::fs::write(dir.path().join("notes.txt"), b"x").unwrap();
        prune(dir.path(), 2).unwrap();
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                format!("{PREFIX}{:020}{SUFFIX}", 4),
                format!("{PREFIX}{:020}{SUFFIX}", 5),
                "notes.txt".to_owned()
            ]
        );
    }

    #[test]
    fn a_failed_write_leaves_no_partial_file() {
        let dir = tempfile::tempdir().unwrap();
        // The final name is taken by a directory: the rename fails.
        let path = dir.path().join(format!("{PREFIX}{:020}{SUFFIX}", 1));
        std::fs::create_dir(&path).unwrap();
        assert!(write_whole(&path, b"backup").is_err());
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        // A good write lands under its name, owner-only.
        let good = dir.path().join(format!("{PREFIX}{:020}{SUFFIX}", 2));
        write_whole(&good, b"backup").unwrap();
        assert_eq!(std::fs::read(&good).unwrap(), b"backup");
    }

    #[test]
    fn settings_default_and_bounds() {
        let s: BackupSettings = toml::from_str("dir = \"/b\"").unwrap();
        assert_eq!((s.interval_secs, s.keep), (86400, 7));
        assert!(s.invalid().is_none());
        let s: BackupSettings = toml::from_str("dir = \"/b\"\nkeep = 0").unwrap();
        assert_eq!(s.invalid().unwrap().0, "backup.keep");
        let s: BackupSettings = toml::from_str("dir = \"/b\"\ninterval_secs = 0").unwrap();
        assert_eq!(s.invalid().unwrap().0, "backup.interval_secs");
        assert!(toml::from_str::<BackupSettings>("dir = \"/b\"\nkept = 1").is_err());
    }
}
