//! One write transaction shared by concurrent callers of `Store::write`
//! (a group commit on the callers' own threads). Their bodies borrow the
//! caller's state, so they cannot be handed to the group committer's
//! thread; instead the transaction is handed from caller to caller.
//!
//! A caller that finishes its body while others wait for the writer
//! connection keeps the transaction open and hands it over: it releases the
//! connection and waits for the shared transaction's outcome. The next
//! caller continues the transaction, its body between a savepoint and its
//! release (a body that fails rolls back to its savepoint and leaves the
//! others' work alone). The caller that finds nobody waiting, or that
//! reaches [`MAX_MEMBERS`], commits once for all of them and publishes the
//! outcome. Each caller is still answered only once the commit is durable
//! (`crate::durable`). The commit writes each page the members share (the
//! indexes' pages, the audit trail's) once instead of once per caller.
//!
//! Only an on-disk store hands over: in memory, reads use the writer
//! connection and must never find someone else's transaction open on it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use keyhold_core::audit::ChainHead;

use crate::durable::Durable;
use crate::error::StoreError;

/// Most callers in one shared transaction: bounds the wait of the first.
pub(super) const MAX_MEMBERS: usize = 64;

/// The outcome of a shared transaction's commit, for its members.
pub(super) type Outcome = Result<Durable, Arc<StoreError>>;

/// A transaction left open for the next caller.
#[derive(Clone, Copy, Debug)]
pub(super) struct Handed {
    /// Which shared transaction.
    pub(super) id: u64,
    /// Callers waiting for its outcome.
    pub(super) waiting: usize,
    /// The audit chain's head as the transaction last wrote it.
    pub(super) head: Option<ChainHead>,
    /// Whether a member erased material (the commit then checkpoints).
    pub(super) erased: bool,
}

#[derive(Default)]
struct State {
    /// The transaction handed over and not yet taken up.
    open: Option<Handed>,
    next_id: u64,
    /// Outcomes not yet collected by every member: id → (members left,
    /// outcome).
    finished: HashMap<u64, (usize, Outcome)>,
}

/// The shared state of handed-over transactions (one per on-disk engine).
#[derive(Default)]
pub(super) struct Combiner {
    /// Callers waiting for the writer connection to begin a write.
    wanting: AtomicUsize,
    state: Mutex<State>,
    changed: Condvar,
}

impl Combiner {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts a caller about to wait for the writer connection.
    pub(super) fn want(&self) {
        self.wanting.fetch_add(1, Ordering::SeqCst);
    }

    /// The caller counted by [`want`](Self::want) has the connection.
    pub(super) fn got(&self) {
        self.wanting.fetch_sub(1, Ordering::SeqCst);
    }

    /// Whether a member ending now should hand the transaction over.
    pub(super) fn someone_waits(&self, members: usize) -> bool {
        members < MAX_MEMBERS && self.wanting.load(Ordering::SeqCst) > 0
    }

    /// Takes up the transaction handed over, if any (the caller holds the
    /// writer connection).
    pub(super) fn take_open(&self) -> Option<Handed> {
        self.lock().open.take()
    }

    /// A fresh id for a transaction about to be handed over first.
    pub(super) fn new_id(&self) -> u64 {
        let mut state = self.lock();
        state.next_id = state.next_id.wrapping_add(1);
        state.next_id
    }

    /// Leaves the transaction for the next caller (the caller still holds
    /// the connection, and releases it next).
    pub(super) fn hand_over(&self, handed: Handed) {
        self.lock().open = Some(handed);
    }

    /// Publishes the outcome of shared transaction `id` to its `waiting`
    /// members.
    pub(super) fn finish(&self, id: u64, waiting: usize, outcome: Outcome) {
        if waiting == 0 {
            return;
        }
        self.lock().finished.insert(id, (waiting, outcome));
        self.changed.notify_all();
    }

    /// Waits for the outcome of shared transaction `id`.
    pub(super) fn outcome(&self, id: u64) -> Outcome {
        let mut state = self.lock();
        loop {
            if let Some((left, outcome)) = state.finished.get_mut(&id) {
                let outcome = outcome.clone();
                *left = left.saturating_sub(1);
                if *left == 0 {
                    state.finished.remove(&id);
                }
                return outcome;
            }
            state = self
                .changed
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Whether no transaction is handed over: the writer connection may be
    /// used outside a write (restore, checkpoint). The caller asks while it
    /// holds the connection.
    pub(super) fn is_idle(&self) -> bool {
        self.lock().open.is_none()
    }

    /// Waits (at most 10 ms) for the next published outcome while a
    /// transaction is handed over (see [`is_idle`](Self::is_idle)).
    pub(super) fn wait_change(&self) {
        let state = self.lock();
        if state.open.is_none() {
            return;
        }
        let _ = self
            .changed
            .wait_timeout(state, std::time::Duration::from_millis(10))
            .unwrap_or_else(PoisonError::into_inner);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_member_collects_the_outcome_once() {
        let c = Arc::new(Combiner::default());
        let id = c.new_id();
        let waiters: Vec<_> = (0..3)
            .map(|_| {
                let c = Arc::clone(&c);
                std::thread::spawn(move || c.outcome(id).is_ok())
            })
            .collect();
        c.finish(id, 3, Ok(Durable::Now));
        for w in waiters {
            assert!(w.join().unwrap());
        }
        assert!(c.lock().finished.is_empty());
    }

    #[test]
    fn a_handed_transaction_is_taken_once() {
        let c = Combiner::default();
        assert!(c.is_idle());
        let handed = Handed {
            id: c.new_id(),
            waiting: 1,
            head: None,
            erased: false,
        };
        c.hand_over(handed);
        assert!(!c.is_idle());
        assert_eq!(c.take_open().map(|h| h.id), Some(handed.id));
        assert!(c.take_open().is_none());
        c.want();
        assert!(c.someone_waits(1));
        assert!(!c.someone_waits(MAX_MEMBERS));
        c.got();
        assert!(!c.someone_waits(1));
    }
}
