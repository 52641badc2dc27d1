//! A bounded map split into shards, each behind its own `RwLock` and evicting
//! with CLOCK (second chance): a hit sets the entry's reference bit under
//! the shard's *read* lock (an atomic store), so concurrent hits never
//! wait for each other; an insert into a full shard sweeps its ring, clearing
//! bits, and evicts the first entry not referenced since the last sweep.
//!
//! Inserts are conditional on a *generation* ([`Shards::generation`]): a
//! caller reads it before it reads the store, and its insert is refused if
//! any [`remove`](Shards::remove) or [`clear`](Shards::clear) ran since.
//! Removes bump the generation under the shard's write lock and inserts
//! check it under the same lock, so a value read from the store before a
//! write committed can never land in the map after the write's removal.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, RandomState};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Shards of a map of `capacity` entries or more: one below this size.
const SMALL: usize = 64;

/// Shards of a larger map: enough that two cores rarely meet on one lock.
const SHARDS: usize = 16;

/// A bounded, sharded map with CLOCK eviction and insert generations.
#[derive(Debug)]
pub(super) struct Shards<K, V> {
    shards: Vec<RwLock<Clock<K, V>>>,
    hasher: RandomState,
    generation: AtomicU64,
}

impl<K: Hash + Eq + Clone, V: Clone> Shards<K, V> {
    /// A map holding at most `capacity` entries, rounded up to a multiple
    /// of its shard count (16 from 64 entries on, else 1).
    pub(super) fn new(capacity: usize) -> Self {
        let count = if capacity < SMALL { 1 } else { SHARDS };
        let each = capacity.div_ceil(count).max(1);
        Self {
            shards: (0..count).map(|_| RwLock::new(Clock::new(each))).collect(),
            hasher: RandomState::new(),
            generation: AtomicU64::new(0),
        }
    }

    /// The value of `key`, marking it recently used.
    pub(super) fn get(&self, key: &K) -> Option<V> {
        self.read(key).and_then(|shard| shard.get(key))
    }

    /// The generation to pass to [`insert`](Self::insert): read it before
    /// reading what will be inserted.
    pub(super) fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Inserts (or replaces) `key` unless a removal or a clear ran since
    /// `generation` was read; answers whether it did.
    pub(super) fn insert(&self, key: K, value: V, generation: u64) -> bool {
        let Some(mut shard) = self.write(&key) else {
            return false;
        };
        if self.generation.load(Ordering::SeqCst) != generation {
            return false;
        }
        shard.insert(key, value);
        true
    }

    /// Removes `key` and refuses every insert based on an earlier read.
    pub(super) fn remove(&self, key: &K) {
        if let Some(mut shard) = self.write(key) {
            shard.remove(key);
            self.generation.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// Removes everything and refuses every insert based on an earlier
    /// read. The generation moves first: an insert that checks it before
    /// then lands in a shard not yet cleared, and is cleared with it.
    pub(super) fn clear(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        for shard in &self.shards {
            shard
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .clear();
        }
    }

    /// How many entries the map holds.
    pub(super) fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.read().unwrap_or_else(PoisonError::into_inner).len())
            .sum()
    }

    fn shard(&self, key: &K) -> Option<&RwLock<Clock<K, V>>> {
        let hash = self.hasher.hash_one(key);
        let count = self.shards.len().max(1);
        let index = usize::try_from(hash % count as u64).unwrap_or(0);
        self.shards.get(index)
    }

    fn read(&self, key: &K) -> Option<RwLockReadGuard<'_, Clock<K, V>>> {
        self.shard(key)
            .map(|s| s.read().unwrap_or_else(PoisonError::into_inner))
    }

    fn write(&self, key: &K) -> Option<RwLockWriteGuard<'_, Clock<K, V>>> {
        self.shard(key)
            .map(|s| s.write().unwrap_or_else(PoisonError::into_inner))
    }
}

/// One shard: a map, and a ring of its keys swept by the clock hand.
#[derive(Debug)]
struct Clock<K, V> {
    map: HashMap<K, Slot<V>>,
    /// The keys in insertion slots; `None` where an entry was removed.
    ring: Vec<Option<K>>,
    hand: usize,
    capacity: usize,
}

#[derive(Debug)]
struct Slot<V> {
    value: V,
    referenced: AtomicBool,
    /// Where the key sits in the ring.
    at: usize,
}

impl<K: Hash + Eq + Clone, V: Clone> Clock<K, V> {
    fn new(capacity: usize) -> Self {
        Self {
            map: HashMap::with_capacity(capacity.min(1024)),
            ring: Vec::new(),
            hand: 0,
            capacity,
        }
    }

    fn get(&self, key: &K) -> Option<V> {
        self.map.get(key).map(|slot| {
            slot.referenced.store(true, Ordering::Relaxed);
            slot.value.clone()
        })
    }

    fn insert(&mut self, key: K, value: V) {
        if let Some(slot) = self.map.get_mut(&key) {
            slot.value = value;
            slot.referenced.store(true, Ordering::Relaxed);
            return;
        }
        let at = self.free_slot();
        if let Some(place) = self.ring.get_mut(at) {
            *place = Some(key.clone());
        } else {
            self.ring.push(Some(key.clone()));
        }
        let slot = Slot {
            value,
            referenced: AtomicBool::new(false),
            at,
        };
        self.map.insert(key, slot);
    }

    /// A ring position for a new entry: a new one while the ring is short
    /// of the capacity, else the first hole or unreferenced entry (evicted)
    /// the hand finds, giving referenced entries a second chance.
    fn free_slot(&mut self) -> usize {
        if self.ring.len() < self.capacity {
            return self.ring.len();
        }
        // Two turns at most: the first clears every bit it passes.
        for _ in 0..self.ring.len().saturating_mul(2) {
            let at = self.hand;
            self.hand = (self.hand + 1) % self.ring.len().max(1);
            let Some(Some(key)) = self.ring.get(at) else {
                return at;
            };
            let Some(slot) = self.map.get(key) else {
                return at;
            };
            if !slot.referenced.swap(false, Ordering::Relaxed) {
                let victim = key.clone();
                self.map.remove(&victim);
                return at;
            }
        }
        // Unreachable (the first turn cleared every bit and nothing sets
        // one under the write lock), but never leave a key without a slot.
        let at = self.hand;
        if let Some(Some(key)) = self.ring.get(at) {
            let victim = key.clone();
            self.map.remove(&victim);
        }
        at
    }

    fn remove(&mut self, key: &K) {
        let Some(slot) = self.map.remove(key) else {
            return;
        };
        if let Some(place) = self.ring.get_mut(slot.at) {
            *place = None;
        }
    }

    fn clear(&mut self) {
        self.map.clear();
        self.ring.clear();
        self.hand = 0;
    }

    fn len(&self) -> usize {
        self.map.len()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn the_map_never_holds_more_than_its_capacity() {
        for capacity in [1, 3, 63, 64, 100, 1000] {
            let map = Shards::new(capacity);
            for i in 0..capacity * 5 {
                assert!(map.insert(i, i, map.generation()));
            }
            let bound = capacity.div_ceil(map.shards.len()) * map.shards.len();
            assert!(map.len() <= bound, "{capacity}: {}", map.len());
            assert!(map.len() >= capacity / 2, "{capacity}: {}", map.len());
        }
    }

    #[test]
    fn a_referenced_entry_gets_a_second_chance() {
        let map = Shards::new(3);
        for i in 0..3 {
            map.insert(i, i, map.generation());
        }
        assert_eq!(map.get(&0), Some(0));
        map.insert(3, 3, map.generation());
        assert_eq!(map.get(&0), Some(0), "referenced: kept");
        assert_eq!(map.get(&1), None, "the oldest unreferenced: evicted");
        assert_eq!(map.len(), 3);
    }

    #[test]
    fn evicted_and_removed_values_are_dropped() {
        let map = Shards::new(1);
        let first = Arc::new(7);
        let watch = Arc::downgrade(&first);
        map.insert(1, first, map.generation());
        map.insert(2, Arc::new(8), map.generation());
        assert!(watch.upgrade().is_none(), "evicted");
        let second = Arc::new(9);
        let watch = Arc::downgrade(&second);
        map.insert(3, second, map.generation());
        map.remove(&3);
        assert!(watch.upgrade().is_none(), "removed");
        assert_eq!(map.len(), 0);
    }

    #[test]
    fn an_insert_read_before_a_removal_or_a_clear_is_refused() {
        let map = Shards::new(10);
        let before = map.generation();
        map.remove(&1);
        assert!(!map.insert(1, 1, before));
        assert_eq!(map.get(&1), None);
        let before = map.generation();
        map.clear();
        assert!(!map.insert(1, 1, before));
        assert!(map.insert(1, 1, map.generation()));
        assert_eq!(map.get(&1), Some(1));
    }

    #[test]
    fn a_removed_slot_is_reused() {
        let map = Shards::new(2);
        map.insert(1, 1, map.generation());
        map.insert(2, 2, map.generation());
        map.get(&2);
        map.remove(&1);
        map.insert(3, 3, map.generation());
        assert_eq!((map.get(&2), map.get(&3)), (Some(2), Some(3)));
        assert_eq!(map.len(), 2);
    }

    #[test]
    fn replacing_a_value_keeps_one_entry() {
        let map = Shards::new(4);
        map.insert(1, 1, map.generation());
        map.insert(1, 2, map.generation());
        assert_eq!((map.get(&1), map.len()), (Some(2), 1));
    }
}
