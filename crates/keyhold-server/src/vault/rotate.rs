//! Root-key rotation: a new root key, every tenant KEK re-sealed under it
//! in one store transaction, the new root key sealed under the unchanged
//! seal key (so the operators' shares stay valid) and the derivation seed
//! re-sealed under it (so the audit and backup keys stay the same). Key
//! versions' material, sealed under the KEKs, is not touched.
//!
//! The rotation is prepared in memory ([`Vault::prepare_root_rotation`]),
//! applied inside the caller's write transaction ([`RootRotation::apply`],
//! so its audit event commits with it) and then installed
//! ([`Vault::finish_root_rotation`]). The server keeps serving throughout:
//! the KEKs themselves do not change, so requests in flight keep working.

use std::sync::{Arc, RwLock};

use keyhold_core::{SealedBlob, Tenant};
use keyhold_crypto::CryptoProvider;
use keyhold_crypto::hierarchy::{Kek, KekGenerations, RootKey};
use keyhold_store::{SystemKey, TxError, WriteTx};

use super::unlocked::{RootState, Unlocked};
use super::{State, Vault};
use crate::error::ServerError;

/// A root rotation made in memory, not yet stored.
#[derive(Debug)]
pub struct RootRotation {
    from: Arc<Unlocked>,
    next: RootKey,
    generation: u32,
    sealed_root: SealedBlob,
    sealed_seed: SealedBlob,
}

/// What a rotation changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RootRotated {
    /// The generation before.
    pub from: u32,
    /// The new generation.
    pub to: u32,
    /// Tenant KEKs re-sealed.
    pub tenants: u64,
}

impl Vault {
    /// A new root key of the next generation, sealed under the seal key,
    /// with the derivation seed sealed under it. Changes nothing yet.
    pub fn prepare_root_rotation(&self) -> Result<RootRotation, ServerError> {
        let from = self.unlocked()?;
        let generation = from
            .generation
            .checked_add(1)
            .ok_or(ServerError::Internal {
                what: "root key generation exhausted",
            })?;
        let next = RootKey::generate(&self.crypto).map_err(ServerError::Crypto)?;
        let sealed_root = from
            .seal_key
            .seal_root(&self.crypto, generation, &next)
            .map_err(ServerError::Crypto)?;
        let sealed_seed = next
            .seal_seed(&self.crypto, generation, &from.seed)
            .map_err(ServerError::Crypto)?;
        Ok(RootRotation {
            from,
            next,
            generation,
            sealed_root,
            sealed_seed,
        })
    }

    /// Installs a rotation once its transaction committed: from now on
    /// the new root key opens the tenant KEKs. A server sealed or restored
    /// meanwhile is left alone (it reads the store when it next unseals).
    pub fn finish_root_rotation(&self, rotation: RootRotation) -> Result<(), ServerError> {
        let mut state = self.write();
        if let State::Unsealed { keys, .. } = &mut *state {
            if Arc::ptr_eq(keys, &rotation.from) {
                *keys = Arc::new(rotation.into_unlocked()?);
            }
        }
        Ok(())
    }
}

impl RootRotation {
    /// The new generation.
    pub fn generation(&self) -> u32 {
        self.generation
    }

    /// Re-seals every tenant KEK under the new root key and stores the new
    /// root state, in `tx`. Refused if the stored generation is no longer
    /// the one this rotation started from (a concurrent rotation).
    pub fn apply(
        &self,
        tx: &mut dyn WriteTx,
        crypto: &CryptoProvider,
    ) -> Result<RootRotated, TxError<ServerError>> {
        let abort = TxError::Abort;
        if RootState::read(tx)?.generation() != self.from.generation {
            return Err(abort(ServerError::RotationConflict {
                what: "another root key rotation committed first",
            }));
        }
        let mut tenants = 0u64;
        for tenant in tx.tenants()? {
            tx.tenant_update(&self.reseal(crypto, tenant).map_err(abort)?)?;
            tenants += 1;
        }
        tx.system_put(SystemKey::RootGeneration, &self.generation.to_be_bytes())?;
        tx.system_put(SystemKey::SealedRoot, self.sealed_root.as_bytes())?;
        tx.system_put(SystemKey::DerivationSeed, self.sealed_seed.as_bytes())?;
        Ok(RootRotated {
            from: self.from.generation,
            to: self.generation,
            tenants,
        })
    }

    /// The tenant with its KEK (and retiring KEK, during a KEK rotation)
    /// sealed under the new root key.
    fn reseal(&self, crypto: &CryptoProvider, mut tenant: Tenant) -> Result<Tenant, ServerError> {
        let current = self.from.open_kek(&tenant, tenant.kek_generation)?;
        let retiring = match (&tenant.retiring_kek, tenant.kek_generation.checked_sub(1)) {
            (Some(_), Some(g)) => Some((g, self.from.open_kek(&tenant, g)?)),
            _ => None,
        };
        let seal = |kek_generation, kek: &Kek| {
            let generations = KekGenerations {
                root: self.generation,
                kek: kek_generation,
            };
            self.next
                .seal_kek(crypto, tenant.id, generations, kek)
                .map_err(ServerError::Crypto)
        };
        tenant.sealed_kek = seal(tenant.kek_generation, &current)?;
        tenant.retiring_kek = retiring.map(|(g, kek)| seal(g, &kek)).transpose()?;
        tenant.root_generation = self.generation;
        Ok(tenant)
    }

    fn into_unlocked(self) -> Result<Unlocked, ServerError> {
        Ok(Unlocked {
            seal_key: self.from.seal_key.duplicate(),
            root: self.next,
            generation: self.generation,
            seed: self.from.seed.duplicate(),
            keks: RwLock::new(self.from.opened_keks()),
            audit_keys: self.from.audit_keys(),
        })
    }
}

/// Refuses a tenant sealed under another root key generation than the
/// stored one (it was made while a rotation committed), inside the
/// transaction that would store it.
pub fn check_generation(tx: &mut dyn WriteTx, generation: u32) -> Result<(), TxError<ServerError>> {
    if RootState::read(tx)?.generation() == generation {
        return Ok(());
    }
    Err(TxError::Abort(ServerError::RotationConflict {
        what: "the tenant's KEK was sealed under the previous root key",
    }))
}
