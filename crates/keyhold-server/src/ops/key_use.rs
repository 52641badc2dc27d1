//! When keys were last used, for the unused-key rule: recorded in memory
//! on the request path and written to the store in batches, never with a
//! store write per request.
//!
//! A use is recorded only when the key's stored last use is older than
//! [`GRANULARITY_SECS`] (one hour): a key in steady use costs its requests
//! one comparison, and a stale one a lock on one of [`SHARDS`] small maps
//! (chosen by key id, so requests for different keys rarely meet) until the
//! next flush. [`Operations::flush_key_use`] writes what was recorded
//! through the store's group-commit writer; the scheduler calls it on every
//! tick, and the server once more when it shuts down. A failed write puts
//! the uses back to be written next time.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use keyhold_core::{KeyId, Timestamp};
use keyhold_store::TxError;

use super::Operations;
use crate::error::ServerError;

/// How stale a key's stored last use may be before a use is recorded again.
pub const GRANULARITY_SECS: i64 = 3_600;

/// The number of maps uses are spread over.
const SHARDS: usize = 16;

/// Uses recorded since the last flush: the latest per key.
#[derive(Debug, Default)]
pub(super) struct KeyUse {
    shards: [Mutex<HashMap<KeyId, Timestamp>>; SHARDS],
}

impl KeyUse {
    /// Records that `key`, whose stored last use is `stored`, was used at
    /// `now`; nothing when the stored time is recent enough.
    pub(super) fn note(&self, key: KeyId, stored: Option<Timestamp>, now: Timestamp) {
        if stored.is_some_and(|at| at > now.plus_seconds(-GRANULARITY_SECS)) {
            return;
        }
        self.put(key, now);
    }

    /// Keeps `at` as the key's last use unless a later one is kept.
    fn put(&self, key: KeyId, at: Timestamp) {
        let Some(shard) = self.shards.get(shard_of(key)) else {
            return;
        };
        let mut map = shard.lock().unwrap_or_else(PoisonError::into_inner);
        map.entry(key)
            .and_modify(|kept| *kept = (*kept).max(at))
            .or_insert(at);
    }

    /// Takes every recorded use.
    fn drain(&self) -> Vec<(KeyId, Timestamp)> {
        let mut out = Vec::new();
        for shard in &self.shards {
            let mut map = shard.lock().unwrap_or_else(PoisonError::into_inner);
            out.extend(map.drain());
        }
        out
    }
}

/// The shard of a key: from its id's last byte (ids are random UUIDs).
fn shard_of(key: KeyId) -> usize {
    let last = key.as_bytes().last().copied().unwrap_or(0);
    usize::from(last) % SHARDS
}

impl Operations {
    /// Writes the recorded key uses to the store in one group-committed
    /// transaction (a key's stored time never moves back, and a key deleted
    /// meanwhile is skipped), and answers how many were written. On a store
    /// failure the uses are kept for the next flush. The keys written are
    /// dropped from the key cache, so their next use sees the stored time.
    pub fn flush_key_use(&self) -> Result<usize, ServerError> {
        let batch = self.key_use.drain();
        if batch.is_empty() {
            return Ok(0);
        }
        let rows = batch.clone();
        let written = self
            .store
            .submit(move |tx| {
                for (key, at) in &rows {
                    tx.key_mark_used(*key, *at)?;
                }
                Ok::<_, TxError<ServerError>>(rows.len())
            })
            .wait();
        for (key, _) in &batch {
            self.key_cache.invalidate(*key);
        }
        written.map_err(|e| {
            for (key, at) in batch {
                self.key_use.put(key, at);
            }
            crate::vault::tx_error(e)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Timestamp = Timestamp::from_unix_seconds(1_800_000_000);

    fn key(byte: u8) -> KeyId {
        KeyId::from_bytes([byte; 16])
    }

    #[test]
    fn a_recent_stored_use_records_nothing() {
        let uses = KeyUse::default();
        uses.note(key(1), Some(NOW.plus_seconds(-GRANULARITY_SECS + 1)), NOW);
        assert_eq!(uses.drain(), vec![]);
        uses.note(key(1), Some(NOW.plus_seconds(-GRANULARITY_SECS)), NOW);
        uses.note(key(2), None, NOW);
        let mut got = uses.drain();
        got.sort_by_key(|(k, _)| *k.as_bytes());
        assert_eq!(got, vec![(key(1), NOW), (key(2), NOW)]);
        assert_eq!(uses.drain(), vec![], "drained");
    }

    #[test]
    fn the_latest_use_of_a_key_is_kept() {
        let uses = KeyUse::default();
        let later = NOW.plus_seconds(5);
        uses.note(key(3), None, later);
        uses.note(key(3), None, NOW);
        assert_eq!(uses.drain(), vec![(key(3), later)]);
    }

    #[test]
    fn keys_spread_over_every_shard() {
        let mut seen = [false; SHARDS];
        for byte in 0..=u8::MAX {
            if let Some(slot) = seen.get_mut(shard_of(key(byte))) {
                *slot = true;
            }
        }
        assert!(seen.iter().all(|s| *s));
    }
}
