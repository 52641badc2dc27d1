//! Encrypted backup, verification and restore of the whole store
//! (`/v1/sys/backup`, `/v1/sys/backup/verify`, `/v1/sys/restore`; see
//! `docs/backup.md`).
//!
//! - **Backup**: an online snapshot of the store (SQLite `VACUUM INTO` on a
//!   connection of its own: the writer carries on), sealed whole under the
//!   backup key derived from the root key ([`keyhold_crypto::backup`]).
//! - **Verify**: the file opened chunk by chunk with this server's backup
//!   key, its database opened in a private temporary directory, checked
//!   (SQLite integrity, foreign keys), its root-key canary matched against
//!   this server's seal key and its root key (of whatever generation)
//!   opened with it. Nothing changes.
//! - **Restore**: the same checks, then the quorum gate (the approval binds
//!   the file's SHA-256), then the live database is replaced in one step
//!   under the writer, and every cache built from the old contents is
//!   dropped. Any failure before the swap changes nothing.
//!
//! All three are for global administrators only: a backup holds every
//! tenant.

use aws_lc_rs::digest;
use keyhold_api::backup::{BackupReport, RestoreApproval};
use keyhold_core::Action;
use keyhold_core::audit::Interface;
use keyhold_crypto::backup::{BackupError, OpenWith, SealWith, open_all, seal_all};
use keyhold_store::{Candidate, TxError};

use super::{Caller, Credentials, Operations};
use crate::error::ServerError;
use crate::vault::tx_error;

/// A backup that opened and checked, ready to restore.
struct Checked {
    candidate: Candidate,
    report: BackupReport,
}

impl Operations {
    /// `POST /v1/sys/backup`: the whole store, sealed under the backup key.
    pub fn backup(&self, caller: &Caller) -> Result<Vec<u8>, ServerError> {
        caller.require_global()?;
        let key = self.vault.unlocked()?.backup_key()?;
        let snapshot = self.store.snapshot_bytes().map_err(ServerError::Store)?;
        let file = seal_all(&self.crypto, SealWith::Root(&key), &snapshot).map_err(sealing)?;
        caller.note("backup.key_epoch", key.epoch().to_string());
        caller.note("backup.key_id", key.id().to_string());
        caller.note("backup.sha256", sha256_hex(&file));
        caller.note("backup.bytes", file.len().to_string());
        Ok(file)
    }

    /// A backup taken by the server itself (the backup schedule): audited
    /// as `sys:backup` with interface `scheduler`, in the default tenant.
    pub fn scheduled_backup(&self) -> Result<Vec<u8>, ServerError> {
        // A sealed or uninitialized server has nothing to take a backup with.
        self.vault.unlocked()?;
        let tenant = self.default_tenant()?.id;
        let creds = Credentials::internal(tenant, Interface::Scheduler);
        self.perform_blocking(creds, Action::SysBackup, |ops, caller| ops.backup(caller))
    }

    /// `POST /v1/sys/backup/verify`: opens and checks the whole file;
    /// changes nothing.
    pub fn verify_backup(&self, caller: &Caller, file: &[u8]) -> Result<BackupReport, ServerError> {
        caller.require_global()?;
        caller.note("backup.sha256", sha256_hex(file));
        Ok(self.check_backup(file)?.report)
    }

    /// `POST /v1/sys/restore`: replaces the whole store with the backup's
    /// database, once it opened and checked, and the quorum (if any)
    /// approved this very file.
    pub fn restore(&self, caller: &Caller, file: &[u8]) -> Result<BackupReport, ServerError> {
        caller.require_global()?;
        let sha256 = sha256_hex(file);
        caller.note("backup.sha256", sha256.clone());
        let Checked { candidate, report } = self.check_backup(file)?;
        self.spend_approval_alone(caller, None, &RestoreApproval { sha256 })?;
        let restored = self.store.restore(candidate).map_err(restore_failed);
        // Whatever the outcome: a failed swap may have changed something.
        self.key_cache.clear();
        restored?;
        self.after_restore()?;
        caller.note_tenant(self.default_tenant()?.id);
        caller.note("backup.audit_head", report.audit_head.to_string());
        Ok(report)
    }

    /// Opens `file` with this server's backup key into a candidate database
    /// and checks it.
    fn check_backup(&self, file: &[u8]) -> Result<Checked, ServerError> {
        let unlocked = self.vault.unlocked()?;
        let key = unlocked.backup_key()?;
        let (database, summary) = open_all(OpenWith::Root(&key), file).map_err(opening)?;
        let candidate = self.store.candidate(&database).map_err(restore_failed)?;
        let (tenants, head) = candidate
            .store()
            .read(|tx| {
                let tenants = tx.tenants()?.len();
                Ok::<_, TxError<ServerError>>((tenants, tx.audit_head()?))
            })
            .map_err(tx_error)?;
        if !unlocked.recognises(candidate.store()) {
            return Err(ServerError::RestoreRefused {
                reason: "its root-key canary or root key is not this server's seal key's",
            });
        }
        let report = BackupReport {
            format_version: keyhold_crypto::backup::VERSION,
            key_epoch: key.epoch(),
            key_id: key.id().to_string(),
            sha256: sha256_hex(file),
            chunks: summary.chunks,
            bytes: summary.bytes,
            tenants: tenants as u64,
            audit_head: head.seq,
        };
        Ok(Checked { candidate, report })
    }

    /// Drops every cache built from the replaced store: the key cache, the
    /// vault's root token and KEKs, the default tenant, resolved
    /// identities, and the audit head announced to the sinks and the
    /// verifier.
    pub(super) fn after_restore(&self) -> Result<(), ServerError> {
        self.key_cache.clear();
        self.vault.reload_after_restore()?;
        self.forget_tenants();
        let head = self
            .store
            .read(|tx| Ok::<_, TxError<ServerError>>(tx.audit_head()?))
            .map_err(tx_error)?;
        self.audit.restarted(head.seq);
        Ok(())
    }
}

/// The error of a file that did not open: a wrong key apart from damage.
fn opening(e: BackupError) -> ServerError {
    match e {
        BackupError::WrongRootKey { .. } => ServerError::BackupWrongKey(e),
        BackupError::Crypto(c) => ServerError::Crypto(c),
        other => ServerError::BackupInvalid(other),
    }
}

/// Sealing a backup fails only if a primitive does.
fn sealing(e: BackupError) -> ServerError {
    match e {
        BackupError::Crypto(c) => ServerError::Crypto(c),
        _ => ServerError::Internal {
            what: "sealing the backup failed",
        },
    }
}

/// A candidate refused by the store's checks is the file's fault; any other
/// store failure is the server's.
pub(crate) fn restore_failed(e: keyhold_store::StoreError) -> ServerError {
    use keyhold_store::StoreError as S;
    match e {
        S::InvalidDatabase { reason } => ServerError::RestoreRefused { reason },
        S::SchemaTooNew { .. } => ServerError::RestoreRefused {
            reason: "its database schema is newer than this keyhold",
        },
        S::Backend { .. } | S::Migration { .. } => ServerError::RestoreRefused {
            reason: "it does not hold a keyhold database",
        },
        other => ServerError::Store(other),
    }
}

/// SHA-256 of `bytes`, in hex.
fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(digest::digest(&digest::SHA256, bytes))
}
