//! The seal: whether the root key is in memory, and the init / unseal / seal
//! transitions (DESIGN.md section 4). While sealed, the root key and every
//! tenant KEK are absent from memory, so nothing can be decrypted.

mod fresh_restore;
mod rotate;
mod unlocked;

pub use rotate::{RootRotated, RootRotation, check_generation};
pub use unlocked::{BACKUP_KEY_EPOCH, Unlocked};

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use keyhold_api::sys::{InitResponse, SealKind, SealStatus};
use keyhold_core::{SealedBlob, Tenant, TenantId, TenantName, Timestamp};
use keyhold_crypto::hierarchy::{Kek, KekGenerations, RootKey};
use keyhold_crypto::seal::shamir::{self, ShamirConfig, Share, Unsealer};
use keyhold_crypto::{CryptoError, CryptoProvider, SecretBytes};
use keyhold_store::{Store, SystemKey, TxError};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::auth::{RootToken, TokenHash};
use crate::error::{ServerError, StartError};

/// The name of the tenant created at init.
pub const DEFAULT_TENANT: &str = "default";
/// The root key generation of a new store: its root key is the seal key.
const FIRST_GENERATION: u32 = 1;
/// File holding the dev seal's root key, next to the database.
const DEV_ROOT_FILE: &str = "dev-root.key";

/// The seal configuration, stored in the `system` table at init.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum SealConfig {
    Dev,
    Shamir { shares: u8, threshold: u8 },
}

#[derive(Debug)]
enum State {
    Uninitialized,
    /// Uninitialized, holding a backup until its shares are given.
    Restoring(fresh_restore::Staged),
    Sealed {
        config: SealConfig,
        unsealer: Option<Unsealer>,
    },
    Unsealed {
        config: SealConfig,
        keys: Arc<Unlocked>,
    },
}

/// The seal state machine, shared by every request.
#[derive(Debug)]
pub struct Vault {
    state: RwLock<State>,
    store: Store,
    crypto: CryptoProvider,
    root_token: RwLock<Option<TokenHash>>,
}

impl Vault {
    /// Reads the seal configuration from the store: uninitialized or sealed.
    pub fn load(store: Store, crypto: CryptoProvider) -> Result<Self, StartError> {
        let config = read_system(&store, SystemKey::SealConfig)?
            .map(|bytes| serde_json::from_slice::<SealConfig>(&bytes))
            .transpose()
            .map_err(|_| {
                StartError::Seal(ServerError::Internal {
                    what: "seal configuration unreadable",
                })
            })?;
        let token =
            read_system(&store, SystemKey::RootTokenHash)?.and_then(|b| TokenHash::from_bytes(&b));
        let state = match config {
            None => State::Uninitialized,
            Some(config) => State::Sealed {
                config,
                unsealer: None,
            },
        };
        Ok(Self {
            state: RwLock::new(state),
            store,
            crypto,
            root_token: RwLock::new(token),
        })
    }

    /// The keys, or why they are not available.
    pub fn unlocked(&self) -> Result<Arc<Unlocked>, ServerError> {
        match &*self.read() {
            State::Unsealed { keys, .. } => Ok(Arc::clone(keys)),
            State::Sealed { .. } => Err(ServerError::Sealed),
            State::Uninitialized | State::Restoring(_) => Err(ServerError::NotInitialized),
        }
    }

    /// Whether `token` is the root token (constant time).
    pub fn is_root_token(&self, token: &str) -> bool {
        let Some(stored) = self.root_token.read().ok().and_then(|t| *t) else {
            return false;
        };
        stored.matches(token)
    }

    /// Seal status, for anyone.
    pub fn status(&self) -> SealStatus {
        let (initialized, sealed, config, progress) = match &*self.read() {
            State::Uninitialized => (false, true, None, 0),
            State::Restoring(staged) => (false, true, None, staged.progress()),
            State::Sealed { config, unsealer } => (
                true,
                true,
                Some(*config),
                unsealer.as_ref().map_or(0, |u| u.progress().have),
            ),
            State::Unsealed { config, .. } => (true, false, Some(*config), 0),
        };
        let (seal, shares, threshold) = match config {
            None => (None, None, None),
            Some(SealConfig::Dev) => (Some(SealKind::Dev), None, None),
            Some(SealConfig::Shamir { shares, threshold }) => {
                (Some(SealKind::Shamir), Some(shares), Some(threshold))
            }
        };
        SealStatus {
            restore_pending: self.restore_pending(),
            initialized,
            sealed,
            seal,
            shares,
            threshold,
            progress,
        }
    }

    /// Production init: makes the root key, splits it into shares, creates
    /// the default tenant and a root token. Leaves the server unsealed.
    pub fn init(
        &self,
        shares: u8,
        threshold: u8,
        now: Timestamp,
    ) -> Result<InitResponse, ServerError> {
        let cfg =
            ShamirConfig::new(shares, threshold).map_err(|e| ServerError::InvalidSealConfig {
                reason: shamir_reason(&e),
            })?;
        let mut state = self.write();
        match *state {
            State::Uninitialized => {}
            State::Restoring(_) => {
                return Err(ServerError::InvalidRequest {
                    detail: "a backup is held for restore: give its unseal shares, or restart \
                             the server to drop it"
                        .into(),
                });
            }
            _ => return Err(ServerError::AlreadyInitialized),
        }
        let root = RootKey::generate(&self.crypto).map_err(ServerError::Crypto)?;
        let parts = shamir::split(&root, cfg, &self.crypto).map_err(ServerError::Crypto)?;
        let token = RootToken::generate(&self.crypto)?;
        let config = SealConfig::Shamir { shares, threshold };
        self.bootstrap(&root, config, &token.hash(), now)?;
        let shares = parts.iter().map(|s| s.to_text().to_string()).collect();
        *state = State::Unsealed {
            config,
            keys: Unlocked::open(root, &self.store)?,
        };
        Ok(InitResponse {
            shares,
            root_token: token.expose().to_owned(),
        })
    }

    /// Adds one share; unseals once the threshold is reached and the shares
    /// rebuild the root key. A duplicate or malformed share changes nothing;
    /// shares that fail the canary reset the attempt.
    pub fn unseal(&self, share_text: &str) -> Result<SealStatus, ServerError> {
        let share = Share::parse(share_text).map_err(|_| ServerError::InvalidShare)?;
        self.add_share(share)?;
        Ok(self.status())
    }

    fn add_share(&self, share: Share) -> Result<(), ServerError> {
        if self.restore_pending() {
            return self.add_restore_share(share);
        }
        let mut state = self.write();
        let (config, unsealer) = match &mut *state {
            State::Sealed { config, unsealer } => (*config, unsealer),
            State::Unsealed { .. } => return Ok(()),
            State::Uninitialized | State::Restoring(_) => {
                return Err(ServerError::NotInitialized);
            }
        };
        let SealConfig::Shamir { threshold, .. } = config else {
            return Err(ServerError::InvalidRequest {
                detail: "a dev seal takes no shares".into(),
            });
        };
        let attempt = unsealer.get_or_insert_with(|| Unsealer::new(threshold));
        attempt.add(share).map_err(|e| match e {
            CryptoError::DuplicateShare => ServerError::DuplicateShare,
            _ => ServerError::InvalidShare,
        })?;
        if attempt.progress().have < threshold {
            return Ok(());
        }
        match attempt.finish(&self.canary()?) {
            Ok(root) => {
                *state = State::Unsealed {
                    config,
                    keys: Unlocked::open(root, &self.store)?,
                };
                Ok(())
            }
            Err(_) => {
                *unsealer = None;
                Err(ServerError::UnsealFailed)
            }
        }
    }

    /// Drops the root key and every KEK from memory.
    pub fn seal(&self) -> Result<SealStatus, ServerError> {
        {
            let mut state = self.write();
            match &*state {
                State::Unsealed {
                    config: SealConfig::Shamir { .. },
                    ..
                } => {}
                State::Unsealed {
                    config: SealConfig::Dev,
                    ..
                } => {
                    return Err(ServerError::InvalidRequest {
                        detail: "a dev server cannot be sealed (nothing could unseal it)".into(),
                    });
                }
                State::Sealed { .. } => return Err(ServerError::Sealed),
                State::Uninitialized | State::Restoring(_) => {
                    return Err(ServerError::NotInitialized);
                }
            }
            if let State::Unsealed { config, .. } = &*state {
                *state = State::Sealed {
                    config: *config,
                    unsealer: None,
                };
            }
        }
        Ok(self.status())
    }

    /// Dev mode: loads the dev root key from `data_dir`, or initializes a dev
    /// server there. Sets the root token when one is given. Returns the root
    /// token when a new one was made.
    pub fn start_dev(
        &self,
        data_dir: &Path,
        token: Option<&str>,
        now: Timestamp,
    ) -> Result<Option<RootToken>, StartError> {
        let path = data_dir.join(DEV_ROOT_FILE);
        let mut state = self.write();
        let (root, new_token) = match &*state {
            State::Uninitialized => self.init_dev(&path, token, now)?,
            State::Sealed {
                config: SealConfig::Dev,
                ..
            } => {
                if let Some(t) = token {
                    self.set_root_token(&RootToken::from_text(t).hash())
                        .map_err(StartError::Seal)?;
                }
                (load_dev_root(&path)?, None)
            }
            State::Sealed { .. } | State::Unsealed { .. } | State::Restoring(_) => {
                return Err(StartError::SealMismatch {
                    found: "production",
                    wanted: "dev",
                });
            }
        };
        let canary = self.canary().map_err(StartError::Seal)?;
        root.check_canary(&canary).map_err(|_| {
            StartError::Seal(ServerError::Internal {
                what: "dev root key does not match the store",
            })
        })?;
        *state = State::Unsealed {
            config: SealConfig::Dev,
            keys: Unlocked::open(root, &self.store).map_err(StartError::Seal)?,
        };
        Ok(new_token)
    }

    /// Refuses to run production mode on a dev data directory.
    pub fn check_production(&self) -> Result<(), StartError> {
        match &*self.read() {
            State::Sealed {
                config: SealConfig::Dev,
                ..
            } => Err(StartError::SealMismatch {
                found: "dev",
                wanted: "production",
            }),
            _ => Ok(()),
        }
    }

    fn init_dev(
        &self,
        path: &Path,
        token: Option<&str>,
        now: Timestamp,
    ) -> Result<(RootKey, Option<RootToken>), StartError> {
        let root = if path.exists() {
            // A fresh data directory seeded with an existing dev root key:
            // the way to restore a dev server's backup onto a new one.
            tracing::warn!(path = %path.display(), "initializing with the existing dev root key file");
            load_dev_root(&path.to_path_buf())?
        } else {
            let root = RootKey::generate(&self.crypto)
                .map_err(|e| StartError::Seal(ServerError::Crypto(e)))?;
            write_dev_root(path, &root)?;
            root
        };
        let made = match token {
            Some(t) => (RootToken::from_text(t), false),
            None => (
                RootToken::generate(&self.crypto).map_err(StartError::Seal)?,
                true,
            ),
        };
        self.bootstrap(&root, SealConfig::Dev, &made.0.hash(), now)
            .map_err(StartError::Seal)?;
        Ok((root, made.1.then_some(made.0)))
    }

    /// Writes everything init creates in one transaction: seal config,
    /// canary, root token hash and the default tenant with its sealed KEK.
    fn bootstrap(
        &self,
        root: &RootKey,
        config: SealConfig,
        token: &TokenHash,
        now: Timestamp,
    ) -> Result<(), ServerError> {
        let canary = root.canary(&self.crypto).map_err(ServerError::Crypto)?;
        let tenant = self.sealed_tenant(root, FIRST_GENERATION, DEFAULT_TENANT.parse()?, now)?;
        let config_json = serde_json::to_vec(&config).map_err(|_| ServerError::Internal {
            what: "seal configuration encoding",
        })?;
        self.store
            .write(|tx| {
                tx.system_put(SystemKey::SealConfig, &config_json)?;
                tx.system_put(SystemKey::RootCanary, canary.as_bytes())?;
                tx.system_put(SystemKey::RootTokenHash, token.as_bytes())?;
                tx.tenant_insert(&tenant)?;
                Ok::<_, TxError<ServerError>>(())
            })
            .map_err(tx_error)?;
        if let Ok(mut t) = self.root_token.write() {
            *t = Some(*token);
        }
        Ok(())
    }

    /// A new tenant named `name` with a fresh KEK sealed under the root key
    /// (not stored: the caller inserts it). Needs the server unsealed.
    pub fn new_tenant(&self, name: TenantName, now: Timestamp) -> Result<Tenant, ServerError> {
        let unlocked = self.unlocked()?;
        self.sealed_tenant(&unlocked.root, unlocked.generation, name, now)
    }

    fn sealed_tenant(
        &self,
        root: &RootKey,
        generation: u32,
        name: TenantName,
        now: Timestamp,
    ) -> Result<Tenant, ServerError> {
        let id = TenantId::from_uuid(uuid::Uuid::new_v4());
        let kek = Kek::generate(&self.crypto).map_err(ServerError::Crypto)?;
        let sealed_kek = root
            .seal_kek(
                &self.crypto,
                id,
                KekGenerations {
                    root: generation,
                    kek: 1,
                },
                &kek,
            )
            .map_err(ServerError::Crypto)?;
        Ok(Tenant {
            id,
            name,
            sealed_kek,
            root_generation: generation,
            created_at: now,
            kek_generation: 1,
            retiring_kek: None,
        })
    }

    /// Forgets the root token in memory, once its stored hash is deleted
    /// (`DELETE /v1/sys/root-token`): from now on it authenticates nobody.
    pub fn forget_root_token(&self) {
        let mut token = self
            .root_token
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *token = None;
    }

    /// Reloads what the vault keeps from the store after a restore replaced
    /// it: the root key of the restored store's generation (opened with the
    /// same seal key), no KEK opened from the old tenants, and the root
    /// token's hash.
    pub fn reload_after_restore(&self) -> Result<(), ServerError> {
        {
            let mut state = self.write();
            if let State::Unsealed { keys, .. } = &mut *state {
                keys.forget_keks();
                *keys = Unlocked::open(keys.seal_key.duplicate(), &self.store)?;
            }
        }
        self.reload_root_token()
    }

    /// Reads the root token's hash from the store again.
    fn reload_root_token(&self) -> Result<(), ServerError> {
        let token = self
            .store
            .read(|tx| Ok::<_, TxError<ServerError>>(tx.system_get(SystemKey::RootTokenHash)?))
            .map_err(tx_error)?
            .and_then(|b| TokenHash::from_bytes(&b));
        let mut slot = self
            .root_token
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *slot = token;
        Ok(())
    }

    fn set_root_token(&self, token: &TokenHash) -> Result<(), ServerError> {
        self.store
            .write(|tx| {
                tx.system_put(SystemKey::RootTokenHash, token.as_bytes())?;
                Ok::<_, TxError<ServerError>>(())
            })
            .map_err(tx_error)?;
        if let Ok(mut t) = self.root_token.write() {
            *t = Some(*token);
        }
        Ok(())
    }

    fn canary(&self) -> Result<SealedBlob, ServerError> {
        self.store
            .read(|tx| Ok::<_, TxError<ServerError>>(tx.system_get(SystemKey::RootCanary)?))
            .map_err(tx_error)?
            .map(SealedBlob::new)
            .ok_or(ServerError::Internal {
                what: "root canary missing",
            })
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        self.state
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Turns a store transaction error into a server error.
pub fn tx_error(e: TxError<ServerError>) -> ServerError {
    match e {
        TxError::Abort(e) => e,
        TxError::Store(e) => ServerError::Store(e),
    }
}

fn read_system(store: &Store, key: SystemKey) -> Result<Option<Vec<u8>>, StartError> {
    store
        .read(|tx| Ok::<_, TxError<ServerError>>(tx.system_get(key)?))
        .map_err(|e| match e {
            TxError::Store(s) => StartError::Store(s),
            TxError::Abort(a) => StartError::Seal(a),
        })
}

fn shamir_reason(e: &CryptoError) -> &'static str {
    match e {
        CryptoError::Shamir { reason } => reason,
        _ => "shares must be 1 to 255 and threshold 1 to shares",
    }
}

fn write_dev_root(path: &Path, root: &RootKey) -> Result<(), StartError> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let io = |what, source| StartError::Io {
        what,
        path: path.to_owned(),
        source,
    };
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| io("cannot create dev root key file", e))?;
    file.write_all(root.expose_for_seal())
        .map_err(|e| io("cannot write dev root key file", e))?;
    file.sync_all()
        .map_err(|e| io("cannot sync dev root key file", e))
}

fn load_dev_root(path: &PathBuf) -> Result<RootKey, StartError> {
    let bytes = std::fs::read(path)
        .map(Zeroizing::new)
        .map_err(|source| StartError::Io {
            what: "cannot read dev root key file",
            path: path.clone(),
            source,
        })?;
    RootKey::from_secret(SecretBytes::new(bytes.to_vec()))
        .map_err(|e| StartError::Seal(ServerError::Crypto(e)))
}
