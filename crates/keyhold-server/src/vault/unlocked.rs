//! The keys of an unsealed server: the seal key (what the shares or the dev
//! file rebuild), the root key of the current generation, the derivation
//! seed of the audit and backup keys, and the tenant KEKs opened so far.
//!
//! At generation 1 the root key *is* the seal key and so is the seed (the
//! layout of every store made before root rotation existed). A rotation
//! stores the new root key sealed under the seal key and the seed sealed
//! under the new root key (`vault/rotate.rs`), so the shares stay valid and
//! the audit and backup keys stay what they were.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use keyhold_core::{SealedBlob, Tenant, TenantId};
use keyhold_crypto::backup::BackupKey;
use keyhold_crypto::hierarchy::{Kek, KekGenerations, RootKey};
use keyhold_store::{ReadTx, Store, SystemKey, TxError};

use super::tx_error;
use crate::audit::AuditKeys;
use crate::error::ServerError;

/// The epoch of the backup key. The backup key is derived from the
/// derivation seed, which root rotation re-seals but never changes, so
/// every backup so far has this epoch.
pub const BACKUP_KEY_EPOCH: u32 = 1;

/// The root key and the tenant KEKs opened so far.
#[derive(Debug)]
pub struct Unlocked {
    pub(super) seal_key: RootKey,
    pub(super) root: RootKey,
    pub(super) generation: u32,
    pub(super) seed: RootKey,
    pub(super) keks: RwLock<HashMap<(TenantId, u32), Arc<Kek>>>,
    pub(super) audit_keys: Arc<AuditKeys>,
}

/// What the store says about the root key: its generation and, after a
/// rotation, the sealed root key and seed.
pub(super) struct RootState {
    generation: u32,
    sealed_root: Option<SealedBlob>,
    sealed_seed: Option<SealedBlob>,
}

impl RootState {
    /// Reads it in `tx`.
    pub(super) fn read<T: ReadTx + ?Sized>(tx: &mut T) -> Result<Self, TxError<ServerError>> {
        let generation = generation_from(tx.system_get(SystemKey::RootGeneration)?)?;
        Ok(Self {
            generation,
            sealed_root: tx.system_get(SystemKey::SealedRoot)?.map(SealedBlob::new),
            sealed_seed: tx
                .system_get(SystemKey::DerivationSeed)?
                .map(SealedBlob::new),
        })
    }

    /// The stored generation.
    pub(super) fn generation(&self) -> u32 {
        self.generation
    }

    /// The root key and seed these rows hold under `seal_key`.
    fn open(&self, seal_key: &RootKey) -> Result<(RootKey, RootKey), ServerError> {
        match (&self.sealed_root, &self.sealed_seed) {
            (None, None) if self.generation == 1 => {
                Ok((seal_key.duplicate(), seal_key.duplicate()))
            }
            (Some(root), Some(seed)) => {
                let root = seal_key
                    .open_root(self.generation, root)
                    .map_err(ServerError::Crypto)?;
                let seed = root
                    .open_seed(self.generation, seed)
                    .map_err(ServerError::Crypto)?;
                Ok((root, seed))
            }
            _ => Err(ServerError::Internal {
                what: "root key state inconsistent",
            }),
        }
    }
}

/// The generation stored as 4 big-endian bytes; absent means 1.
fn generation_from(bytes: Option<Vec<u8>>) -> Result<u32, TxError<ServerError>> {
    let Some(bytes) = bytes else {
        return Ok(1);
    };
    let array: [u8; 4] = bytes.as_slice().try_into().map_err(|_| {
        TxError::Abort(ServerError::Internal {
            what: "root generation unreadable",
        })
    })?;
    Ok(u32::from_be_bytes(array))
}

impl Unlocked {
    /// The keys `seal_key` opens in `store`: the current root key and seed.
    pub(super) fn open(seal_key: RootKey, store: &Store) -> Result<Arc<Self>, ServerError> {
        let state = store.read(|tx| RootState::read(tx)).map_err(tx_error)?;
        let (root, seed) = state.open(&seal_key)?;
        let audit_keys = Arc::new(AuditKeys::with_root(&seed).map_err(ServerError::Crypto)?);
        Ok(Arc::new(Self {
            seal_key,
            root,
            generation: state.generation,
            seed,
            keks: RwLock::new(HashMap::new()),
            audit_keys,
        }))
    }

    /// Whether `store` (a restore candidate) belongs to this seal key: its
    /// canary opens and its root key and seed open.
    pub fn recognises(&self, store: &Store) -> bool {
        let canary = store
            .read(|tx| Ok::<_, TxError<ServerError>>(tx.system_get(SystemKey::RootCanary)?))
            .ok()
            .flatten()
            .map(SealedBlob::new);
        let owned = canary.is_some_and(|c| self.seal_key.check_canary(&c).is_ok());
        owned
            && store
                .read(|tx| RootState::read(tx))
                .ok()
                .is_some_and(|s| s.open(&self.seal_key).is_ok())
    }

    /// The audit trail's MAC and signing keys, derived from the seed.
    pub fn audit_keys(&self) -> Arc<AuditKeys> {
        Arc::clone(&self.audit_keys)
    }

    /// The backup key, derived from the seed ([`BACKUP_KEY_EPOCH`]).
    pub fn backup_key(&self) -> Result<BackupKey, ServerError> {
        BackupKey::with_root(&self.seed, BACKUP_KEY_EPOCH).map_err(ServerError::Crypto)
    }

    /// The current root key generation.
    pub fn generation(&self) -> u32 {
        self.generation
    }

    /// Forgets every opened KEK (the store was replaced by a restore).
    pub(super) fn forget_keks(&self) {
        if let Ok(mut map) = self.keks.write() {
            map.clear();
        }
    }

    /// The KEKs opened so far, for the keys of the next generation.
    pub(super) fn opened_keks(&self) -> HashMap<(TenantId, u32), Arc<Kek>> {
        self.keks.read().map(|m| m.clone()).unwrap_or_default()
    }

    /// The tenant's current KEK (generation `tenant.kek_generation`),
    /// opened once and then served from memory.
    pub fn kek(&self, tenant: &Tenant) -> Result<Arc<Kek>, ServerError> {
        self.kek_for(tenant, tenant.kek_generation)
    }

    /// The tenant's KEK of `generation`: its current one or, while a KEK
    /// rotation runs, the retiring one.
    pub fn kek_for(&self, tenant: &Tenant, generation: u32) -> Result<Arc<Kek>, ServerError> {
        let id = (tenant.id, generation);
        if let Some(kek) = self.keks.read().ok().and_then(|m| m.get(&id).cloned()) {
            return Ok(kek);
        }
        if tenant.root_generation != self.generation {
            return Err(ServerError::RotationConflict {
                what: "the tenant was read before the root key rotation",
            });
        }
        let kek = Arc::new(self.open_kek(tenant, generation)?);
        self.remember_kek(tenant.id, generation, Arc::clone(&kek));
        Ok(kek)
    }

    /// Keeps a KEK in memory (one a KEK rotation just made).
    pub fn remember_kek(&self, tenant: TenantId, generation: u32, kek: Arc<Kek>) {
        if let Ok(mut map) = self.keks.write() {
            map.insert((tenant, generation), kek);
        }
    }

    /// Drops a KEK from memory (a KEK rotation retired it).
    pub fn forget_kek(&self, tenant: TenantId, generation: u32) {
        if let Ok(mut map) = self.keks.write() {
            map.remove(&(tenant, generation));
        }
    }

    /// The current root key, to seal a new KEK under.
    pub(crate) fn root(&self) -> &RootKey {
        &self.root
    }

    /// Opens the tenant's KEK of `generation` with the current root key.
    pub(super) fn open_kek(&self, tenant: &Tenant, generation: u32) -> Result<Kek, ServerError> {
        let gone = ServerError::Internal {
            what: "material sealed under a KEK generation the tenant no longer has",
        };
        let blob = if generation == tenant.kek_generation {
            &tenant.sealed_kek
        } else if generation.checked_add(1) == Some(tenant.kek_generation) {
            tenant.retiring_kek.as_ref().ok_or(gone)?
        } else {
            return Err(gone);
        };
        let generations = KekGenerations {
            root: tenant.root_generation,
            kek: generation,
        };
        self.root
            .open_kek(tenant.id, generations, blob)
            .map_err(ServerError::Crypto)
    }
}
