//! A restore onto a *fresh* Shamir server (`POST /v1/sys/init/restore`,
//! then the backup's unseal shares): an uninitialized server takes a backup
//! file and holds it, unopened, in memory; operators then give the shares
//! of the server the backup came from, one by one as for an unseal. After
//! each share the shares given so far are combined (the threshold is not
//! known: it is inside the backup) and the result is accepted once the
//! backup key derived from it has the id in the file's header. The file is
//! then opened, its database checked like any restore (SQLite integrity,
//! foreign keys, the canary opens under the rebuilt seal key, the root key
//! of its generation opens) and swapped in, and the server is unsealed
//! with the backup's store. Any failure forgets the staged file and leaves
//! the server uninitialized.
//!
//! The backup key of every store is derived from its derivation seed, and
//! the seed of every store is its generation-1 root key, which is its seal
//! key (`vault/unlocked.rs`): so the shares alone find the backup key.

use std::fmt;
use std::sync::Arc;

use keyhold_core::SealedBlob;
use keyhold_crypto::backup::{BackupKey, BackupKeyId, Header, LayerHeader, OpenWith, open_all};
use keyhold_crypto::hierarchy::RootKey;
use keyhold_crypto::seal::shamir::{Share, Unsealer};
use keyhold_store::{SystemKey, TxError};

use super::unlocked::{BACKUP_KEY_EPOCH, Unlocked};
use super::{SealConfig, State, Vault, tx_error};
use crate::error::ServerError;

/// A backup file waiting for the shares that open it.
pub(super) struct Staged {
    file: Vec<u8>,
    key_id: BackupKeyId,
    unsealer: Unsealer,
}

impl fmt::Debug for Staged {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Staged")
            .field("bytes", &self.file.len())
            .field("key_id", &self.key_id.to_string())
            .field("shares", &self.unsealer.progress().have)
            .finish()
    }
}

impl Staged {
    /// Shares given so far.
    pub(super) fn progress(&self) -> u8 {
        self.unsealer.progress().have
    }
}

impl Vault {
    /// Holds `file` until the shares that open it are given. Only an
    /// uninitialized server (or one holding another staged file, which this
    /// one replaces) takes one.
    pub fn stage_restore(&self, file: Vec<u8>) -> Result<(), ServerError> {
        let key_id = root_key_id(&file)?;
        let mut state = self.write();
        if !matches!(*state, State::Uninitialized | State::Restoring(_)) {
            return Err(ServerError::AlreadyInitialized);
        }
        *state = State::Restoring(Staged {
            file,
            key_id,
            unsealer: Unsealer::new(u8::MAX),
        });
        Ok(())
    }

    /// Whether a staged restore waits for shares.
    pub fn restore_pending(&self) -> bool {
        matches!(*self.read(), State::Restoring(_))
    }

    /// One share towards a staged restore; restores and unseals once the
    /// shares given open the file.
    pub(super) fn add_restore_share(&self, share: Share) -> Result<(), ServerError> {
        let mut state = self.write();
        let State::Restoring(staged) = &mut *state else {
            return Err(ServerError::NotInitialized);
        };
        staged.unsealer.add(share).map_err(|e| match e {
            keyhold_crypto::CryptoError::DuplicateShare => ServerError::DuplicateShare,
            _ => ServerError::InvalidShare,
        })?;
        let key_id = staged.key_id;
        let found = staged.unsealer.rebuild_if(|k| {
            BackupKey::with_root(k, BACKUP_KEY_EPOCH).is_ok_and(|b| b.id() == key_id)
        });
        let Some(seal_key) = found else {
            return Ok(());
        };
        let file = std::mem::take(&mut staged.file);
        *state = State::Uninitialized;
        let (config, keys) = self.apply_restore(seal_key, &file)?;
        *state = State::Unsealed { config, keys };
        Ok(())
    }

    /// Opens, checks and swaps in the backup's database; the keys it is
    /// unsealed with.
    fn apply_restore(
        &self,
        seal_key: RootKey,
        file: &[u8],
    ) -> Result<(SealConfig, Arc<Unlocked>), ServerError> {
        let backup_key =
            BackupKey::with_root(&seal_key, BACKUP_KEY_EPOCH).map_err(ServerError::Crypto)?;
        let (database, _) =
            open_all(OpenWith::Root(&backup_key), file).map_err(ServerError::BackupInvalid)?;
        let candidate = self
            .store
            .candidate(&database)
            .map_err(crate::ops::restore_failed)?;
        let (config, canary) = candidate
            .store()
            .read(|tx| {
                let config = tx.system_get(SystemKey::SealConfig)?;
                Ok::<_, TxError<ServerError>>((config, tx.system_get(SystemKey::RootCanary)?))
            })
            .map_err(tx_error)?;
        let config = parse_config(config)?;
        let owned = canary.is_some_and(|c| seal_key.check_canary(&SealedBlob::new(c)).is_ok());
        if !owned || !matches!(config, SealConfig::Shamir { .. }) {
            return Err(ServerError::RestoreRefused {
                reason: "its root-key canary is not the shares' key, or it is not a Shamir store",
            });
        }
        Unlocked::open(seal_key.duplicate(), candidate.store())?;
        self.store
            .restore(candidate)
            .map_err(crate::ops::restore_failed)?;
        self.reload_root_token()?;
        Ok((config, Unlocked::open(seal_key, &self.store)?))
    }
}

/// The backup key id in a root-layer header.
fn root_key_id(file: &[u8]) -> Result<BackupKeyId, ServerError> {
    let incomplete = ServerError::RestoreRefused {
        reason: "it is not a whole keyhold backup header",
    };
    let header = Header::parse(file)
        .map_err(ServerError::BackupInvalid)?
        .ok_or(incomplete)?
        .0;
    match header.layer {
        LayerHeader::Root { key_id, .. } => Ok(key_id),
        LayerHeader::Passphrase { .. } => Err(ServerError::RestoreRefused {
            reason: "it is sealed under a passphrase: open that layer first (the CLI does)",
        }),
    }
}

fn parse_config(bytes: Option<Vec<u8>>) -> Result<SealConfig, ServerError> {
    bytes
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(ServerError::RestoreRefused {
            reason: "it holds no seal configuration",
        })
}
