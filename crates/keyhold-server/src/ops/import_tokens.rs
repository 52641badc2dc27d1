//! Import tokens: the key pairs the server makes so a caller can wrap key
//! material for import (as AWS KMS `GetParametersForImport` does).
//!
//! Each token is a fresh key pair (RSA-3072, RSA-4096 or ML-KEM-768) bound
//! to the tenant that asked for it, valid for a configurable time (24 hours
//! by default), and good for one successful import. The private keys live
//! in memory only, in this bounded table: tokens do not survive a restart,
//! and a caller whose token vanished gets `import_token_invalid` and asks
//! for a new one.
//!
//! Bounds: at most `capacity` (1000 in the server) tokens are outstanding;
//! an expired token loses its private key at once and is remembered, key
//! less, for one more validity period (at least an hour) so its use is
//! answered "expired" rather than "unknown". Every call sweeps the table,
//! which holds at most twice the capacity: when it is full, the expired
//! entries go first.
//!
//! An import *leases* its token: the private key leaves the table while the
//! import runs, so two imports cannot use one token at once. A successful
//! import consumes the lease; a failed one (bad material, a name taken)
//! drops it, which puts the key back: like AWS KMS, a failure caused by the
//! caller's input consumes nothing.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use keyhold_api::transfer::ImportTokenId;
use keyhold_core::{TenantId, Timestamp};
use keyhold_crypto::KeyMaterial;

use crate::error::ServerError;

/// How long a token is valid when the configuration says nothing: 24 hours.
pub const DEFAULT_VALIDITY_SECS: u64 = 24 * 60 * 60;
/// The most tokens outstanding at once.
pub(super) const MAX_OUTSTANDING: usize = 1000;
/// The shortest time an expired token is remembered as expired.
const MIN_EXPIRED_MEMORY_SECS: i64 = 60 * 60;

/// The table of outstanding import tokens.
#[derive(Debug)]
pub(super) struct ImportTokens {
    validity_secs: i64,
    capacity: usize,
    entries: Mutex<HashMap<ImportTokenId, Entry>>,
}

#[derive(Debug)]
struct Entry {
    tenant: TenantId,
    expires_at: Timestamp,
    slot: Slot,
}

#[derive(Debug)]
enum Slot {
    /// Waiting for its import.
    Ready(KeyMaterial),
    /// An import holds the key right now.
    Leased,
    /// Past its expiry: the key is gone, the entry answers "expired".
    Expired,
}

impl Slot {
    fn is_live(&self) -> bool {
        matches!(self, Self::Ready(_) | Self::Leased)
    }
}

impl ImportTokens {
    /// An empty table whose tokens are valid `validity_secs` and of which at
    /// most `capacity` are outstanding.
    pub(super) fn new(validity_secs: u64, capacity: usize) -> Self {
        Self {
            validity_secs: i64::try_from(validity_secs).unwrap_or(i64::MAX),
            capacity,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// Stores `key` under a new token of `tenant`; returns the token and
    /// its expiry. Refused when `capacity` tokens are outstanding.
    pub(super) fn issue(
        &self,
        tenant: TenantId,
        key: KeyMaterial,
        now: Timestamp,
    ) -> Result<(ImportTokenId, Timestamp), ServerError> {
        let mut entries = self.lock();
        self.sweep(&mut entries, now);
        if entries.values().filter(|e| e.slot.is_live()).count() >= self.capacity {
            return Err(ServerError::TooManyImportTokens { max: self.capacity });
        }
        let id = ImportTokenId(uuid::Uuid::new_v4());
        let expires_at = now.plus_seconds(self.validity_secs);
        entries.insert(
            id,
            Entry {
                tenant,
                expires_at,
                slot: Slot::Ready(key),
            },
        );
        Ok((id, expires_at))
    }

    /// Takes the token's key for one import by `tenant`. Another tenant's
    /// token, an unknown, used or leased one is
    /// [`ServerError::ImportTokenInvalid`]; an expired one
    /// [`ServerError::ImportTokenExpired`].
    pub(super) fn lease(
        &self,
        id: ImportTokenId,
        tenant: TenantId,
        now: Timestamp,
    ) -> Result<Lease<'_>, ServerError> {
        let mut entries = self.lock();
        self.sweep(&mut entries, now);
        let entry = entries
            .get_mut(&id)
            .filter(|e| e.tenant == tenant)
            .ok_or(ServerError::ImportTokenInvalid)?;
        match std::mem::replace(&mut entry.slot, Slot::Leased) {
            Slot::Ready(key) => Ok(Lease {
                tokens: self,
                id,
                key,
                consumed: false,
            }),
            other => {
                let expired = matches!(other, Slot::Expired);
                entry.slot = other;
                Err(if expired {
                    ServerError::ImportTokenExpired
                } else {
                    ServerError::ImportTokenInvalid
                })
            }
        }
    }

    /// Expires live tokens past their time (dropping their keys, which
    /// zeroizes them) and forgets expired ones after one more validity
    /// period (at least [`MIN_EXPIRED_MEMORY_SECS`]), or all of them when
    /// the table reaches twice its capacity.
    fn sweep(&self, entries: &mut HashMap<ImportTokenId, Entry>, now: Timestamp) {
        for entry in entries.values_mut() {
            if now >= entry.expires_at && matches!(entry.slot, Slot::Ready(_)) {
                entry.slot = Slot::Expired;
            }
        }
        let forget_after = self.validity_secs.max(MIN_EXPIRED_MEMORY_SECS);
        entries.retain(|_, e| e.slot.is_live() || now < e.expires_at.plus_seconds(forget_after));
        if entries.len() >= self.capacity.saturating_mul(2) {
            entries.retain(|_, e| e.slot.is_live());
        }
    }

    fn restore(&self, id: ImportTokenId, key: KeyMaterial) {
        if let Some(entry) = self.lock().get_mut(&id) {
            entry.slot = Slot::Ready(key);
        }
    }

    fn consume(&self, id: ImportTokenId) {
        self.lock().remove(&id);
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<ImportTokenId, Entry>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A token's private key, out of the table while one import uses it.
/// Dropped without [`Lease::consume`], it goes back to the table.
#[derive(Debug)]
pub(super) struct Lease<'a> {
    tokens: &'a ImportTokens,
    id: ImportTokenId,
    key: KeyMaterial,
    consumed: bool,
}

impl Lease<'_> {
    /// The token's private key.
    pub(super) fn key(&self) -> &KeyMaterial {
        &self.key
    }

    /// The import succeeded: the token is used up.
    pub(super) fn consume(mut self) {
        self.consumed = true;
        self.tokens.consume(self.id);
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        if !self.consumed {
            self.tokens.restore(self.id, self.key.duplicate());
        }
    }
}

#[cfg(test)]
mod tests {
    use keyhold_core::Algorithm;
    use keyhold_crypto::SecretBytes;

    use super::*;

    const HOUR: u64 = 3600;

    fn key(byte: u8) -> KeyMaterial {
        KeyMaterial::from_parts(Algorithm::Aes256KeyWrap, SecretBytes::new(vec![byte; 32])).unwrap()
    }

    fn tenant(n: u8) -> TenantId {
        TenantId::from_uuid(uuid::Uuid::from_bytes([n; 16]))
    }

    fn at(secs: u64) -> Timestamp {
        Timestamp::from_unix_seconds(1_000_000 + i64::try_from(secs).unwrap())
    }

    fn is_invalid<T: std::fmt::Debug>(r: Result<T, ServerError>) -> bool {
        matches!(r, Err(ServerError::ImportTokenInvalid))
    }

    #[test]
    fn a_token_serves_one_successful_import() {
        let t = ImportTokens::new(HOUR, 10);
        let (id, expires) = t.issue(tenant(1), key(7), at(0)).unwrap();
        assert_eq!(expires, at(HOUR));
        let lease = t.lease(id, tenant(1), at(10)).unwrap();
        assert_eq!(lease.key().secret().expose(), &[7; 32]);
        lease.consume();
        assert!(is_invalid(t.lease(id, tenant(1), at(11))));
    }

    #[test]
    fn a_failed_import_gives_the_key_back_and_a_lease_is_exclusive() {
        let t = ImportTokens::new(HOUR, 10);
        let (id, _) = t.issue(tenant(1), key(7), at(0)).unwrap();
        let lease = t.lease(id, tenant(1), at(1)).unwrap();
        assert!(is_invalid(t.lease(id, tenant(1), at(2))), "in use");
        drop(lease);
        let again = t.lease(id, tenant(1), at(3)).unwrap();
        assert_eq!(again.key().secret().expose(), &[7; 32]);
    }

    #[test]
    fn another_tenant_and_unknown_tokens_are_invalid_and_change_nothing() {
        let t = ImportTokens::new(HOUR, 10);
        let (id, _) = t.issue(tenant(1), key(7), at(0)).unwrap();
        assert!(is_invalid(t.lease(id, tenant(2), at(1))));
        let unknown = ImportTokenId(uuid::Uuid::from_bytes([9; 16]));
        assert!(is_invalid(t.lease(unknown, tenant(1), at(1))));
        t.lease(id, tenant(1), at(2)).unwrap().consume();
    }

    #[test]
    fn expired_tokens_answer_expired_then_are_forgotten() {
        let t = ImportTokens::new(HOUR, 10);
        let (id, _) = t.issue(tenant(1), key(7), at(0)).unwrap();
        assert!(t.lease(id, tenant(1), at(HOUR - 1)).is_ok());
        for when in [HOUR, HOUR + 5, 2 * HOUR - 1] {
            assert!(
                matches!(
                    t.lease(id, tenant(1), at(when)),
                    Err(ServerError::ImportTokenExpired)
                ),
                "{when}"
            );
        }
        assert!(matches!(
            t.lock().get(&id).map(|e| &e.slot),
            Some(Slot::Expired)
        ));
        assert!(is_invalid(t.lease(id, tenant(1), at(2 * HOUR))));
        assert!(t.lock().is_empty());
    }

    #[test]
    fn short_lived_tokens_are_remembered_as_expired_for_an_hour() {
        let t = ImportTokens::new(1, 10);
        let (id, _) = t.issue(tenant(1), key(7), at(0)).unwrap();
        for when in [1, 2, HOUR] {
            assert!(
                matches!(
                    t.lease(id, tenant(1), at(when)),
                    Err(ServerError::ImportTokenExpired)
                ),
                "{when}"
            );
        }
        assert!(is_invalid(t.lease(id, tenant(1), at(HOUR + 1))));
    }

    #[test]
    fn a_lease_outliving_the_expiry_is_expired_once_returned() {
        let t = ImportTokens::new(HOUR, 10);
        let (id, _) = t.issue(tenant(1), key(7), at(0)).unwrap();
        let lease = t.lease(id, tenant(1), at(HOUR - 1)).unwrap();
        t.issue(tenant(1), key(8), at(HOUR + 1)).unwrap();
        drop(lease);
        assert!(matches!(
            t.lease(id, tenant(1), at(HOUR + 2)),
            Err(ServerError::ImportTokenExpired)
        ));
    }

    #[test]
    fn at_most_capacity_tokens_are_outstanding() {
        let t = ImportTokens::new(HOUR, 3);
        let ids: Vec<_> = (0..3)
            .map(|i| t.issue(tenant(1), key(i), at(u64::from(i))).unwrap().0)
            .collect();
        assert!(matches!(
            t.issue(tenant(2), key(9), at(10)),
            Err(ServerError::TooManyImportTokens { max: 3 })
        ));
        // A leased token still counts; a consumed one frees its place.
        let lease = t.lease(ids[0], tenant(1), at(11)).unwrap();
        assert!(t.issue(tenant(2), key(9), at(12)).is_err());
        lease.consume();
        t.issue(tenant(2), key(9), at(13)).unwrap();
        assert!(t.issue(tenant(2), key(9), at(14)).is_err());
        // Expired tokens free their places too.
        t.issue(tenant(2), key(9), at(HOUR + 2)).unwrap();
        assert!(t.lock().len() <= 6);
    }

    #[test]
    fn the_table_never_holds_more_than_twice_its_capacity() {
        let t = ImportTokens::new(HOUR, 2);
        for round in 0..20u64 {
            let now = at(round * HOUR + round);
            t.issue(tenant(1), key(1), now).unwrap();
            t.issue(tenant(1), key(2), now).unwrap();
            assert!(t.lock().len() <= 4, "round {round}");
        }
    }
}
