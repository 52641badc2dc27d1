//! Durability off the writer's path: commits write their log records
//! without waiting for the disk, and a syncer thread makes the log durable
//! (`fdatasync`) for every commit made before the sync began. One sync
//! covers all the commits that queued behind the previous one, so
//! concurrent writers share fsyncs, and the single writer never waits for
//! the disk while holding the write lock.
//!
//! A commit is visible to readers before it is durable. Nothing answers a
//! client from it sooner: every request waits for its own audit event,
//! committed after everything the request read, and the log is written in
//! order, so the sync that makes the event durable also covers what the
//! request saw (DESIGN.md section 7, "durable before the response").
//!
//! A failed sync leaves the log's state on disk unknown (the kernel may
//! have dropped the dirty pages), so it is final: every commit not yet
//! durable fails, and the store refuses writes until it is reopened.

use std::fs::File;
use std::io;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;

use crate::error::StoreError;

/// What to run once a commit's fate is known.
pub(crate) type OnDurable = Box<dyn FnOnce(Result<(), Arc<StoreError>>) + Send>;

/// Where a commit stands on its way to the disk.
#[must_use = "a commit is only acknowledged once durable"]
#[derive(Clone)]
pub(crate) enum Durable {
    /// Durable already (the engine synced at commit, or keeps nothing on
    /// disk).
    Now,
    /// Durable once the syncer has synced past `ticket`.
    Later {
        /// The syncer's shared state.
        shared: Arc<Shared>,
        /// The commit's number.
        ticket: u64,
    },
}

impl Durable {
    /// Blocks until the commit is durable, or the sync failed.
    pub(crate) fn wait(self) -> Result<(), StoreError> {
        match self {
            Durable::Now => Ok(()),
            Durable::Later { shared, ticket } => shared.wait(ticket),
        }
    }

    /// Runs `then` once the commit is durable (or its sync failed): at once
    /// on this thread if it is already known, else on the syncer's thread.
    pub(crate) fn then(self, then: OnDurable) {
        match self {
            Durable::Now => then(Ok(())),
            Durable::Later { shared, ticket } => shared.then(ticket, then),
        }
    }
}

/// The syncer's state, shared by its thread, the engine and the commits
/// waiting on it.
pub(crate) struct Shared {
    state: Mutex<State>,
    /// Wakes the syncer thread: a commit to sync, or stop.
    work: Condvar,
    /// Wakes blocked waiters: a sync finished.
    done: Condvar,
}

#[derive(Default)]
struct State {
    /// Commits made so far (the last ticket handed out).
    committed: u64,
    /// Commits known durable.
    synced: u64,
    /// The first failed sync; final.
    failed: Option<Arc<io::Error>>,
    /// Callbacks by ticket, in ticket order.
    waiting: Vec<(u64, OnDurable)>,
    stop: bool,
}

impl State {
    /// Nothing to sync: every commit is durable, or a sync failed (after
    /// which none is tried again).
    fn idle(&self) -> bool {
        self.committed == self.synced || self.failed.is_some()
    }

    /// The answer for `ticket`, if known yet.
    fn outcome(&self, ticket: u64) -> Option<Result<(), StoreError>> {
        if ticket <= self.synced {
            Some(Ok(()))
        } else {
            self.failed.as_ref().map(|e| Err(not_durable(e)))
        }
    }
}

fn not_durable(e: &Arc<io::Error>) -> StoreError {
    StoreError::NotDurable {
        source: Arc::clone(e),
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn wait(&self, ticket: u64) -> Result<(), StoreError> {
        let mut state = self.lock();
        loop {
            if let Some(outcome) = state.outcome(ticket) {
                return outcome;
            }
            state = self
                .done
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    fn then(&self, ticket: u64, then: OnDurable) {
        let mut state = self.lock();
        match state.outcome(ticket) {
            Some(outcome) => {
                drop(state);
                then(outcome.map_err(Arc::new));
            }
            None => state.waiting.push((ticket, then)),
        }
    }
}

/// The syncer: a thread that syncs one log file whenever commits are
/// waiting. Stopped and joined on drop, after a last sync of anything
/// committed.
pub(crate) struct Syncer {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Syncer {
    /// Starts the thread that syncs `log` after commits.
    pub(crate) fn start(log: File) -> Result<Self, StoreError> {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            work: Condvar::new(),
            done: Condvar::new(),
        });
        let for_thread = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("keyhold-store-sync".into())
            .spawn(move || run(&for_thread, &log))
            .map_err(|source| StoreError::Io {
                op: "start the sync thread for",
                source,
            })?;
        Ok(Self {
            shared,
            thread: Some(thread),
        })
    }

    /// Records a commit whose log records are written (not yet synced):
    /// call it after the commit returns.
    pub(crate) fn committed(&self) -> Durable {
        let mut state = self.shared.lock();
        state.committed = state.committed.saturating_add(1);
        let ticket = state.committed;
        drop(state);
        self.shared.work.notify_one();
        Durable::Later {
            shared: Arc::clone(&self.shared),
            ticket,
        }
    }

    /// Refuses new writes once a sync has failed.
    pub(crate) fn check(&self) -> Result<(), StoreError> {
        match &self.shared.lock().failed {
            Some(e) => Err(not_durable(e)),
            None => Ok(()),
        }
    }
}

impl Drop for Syncer {
    fn drop(&mut self) {
        self.shared.lock().stop = true;
        self.shared.work.notify_all();
        if let Some(thread) = self.thread.take() {
            // A panicked sync thread has nothing left to clean up.
            let _ = thread.join();
        }
    }
}

/// Syncs `log` whenever a commit is waiting, until told to stop. After a
/// failed sync it syncs no more: it only answers.
fn run(shared: &Shared, log: &File) {
    let mut state = shared.lock();
    loop {
        while state.idle() && !state.stop {
            state = shared
                .work
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        if state.idle() {
            return; // stopped, nothing left to sync
        }
        let target = state.committed;
        drop(state);
        let synced = log.sync_data();
        state = shared.lock();
        match synced {
            Ok(()) => state.synced = target,
            Err(e) => {
                tracing::error!(error = %e, "syncing the write-ahead log failed; the store refuses writes until reopened");
                state.failed = Some(Arc::new(e));
            }
        }
        let ready = take_ready(&mut state);
        drop(state);
        shared.done.notify_all();
        for (then, outcome) in ready {
            then(outcome.map_err(Arc::new));
        }
        state = shared.lock();
    }
}

/// The callbacks whose fate is now known, with it.
fn take_ready(state: &mut State) -> Vec<(OnDurable, Result<(), StoreError>)> {
    let mut ready = Vec::new();
    for (ticket, then) in std::mem::take(&mut state.waiting) {
        match state.outcome(ticket) {
            Some(outcome) => ready.push((then, outcome)),
            None => state.waiting.push((ticket, then)),
        }
    }
    ready
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::mpsc;

    use super::*;

    fn file() -> File {
        tempfile::tempfile().unwrap()
    }

    #[test]
    fn commits_become_durable_in_order_waited_or_called_back() {
        let syncer = Syncer::start(file()).unwrap();
        let (tx, rx) = mpsc::channel();
        for n in 0..100u32 {
            let tx = tx.clone();
            syncer
                .committed()
                .then(Box::new(move |r| tx.send((n, r.is_ok())).unwrap()));
        }
        syncer.committed().wait().unwrap();
        let mut answered: Vec<_> = (0..100).map(|_| rx.recv().unwrap()).collect();
        answered.sort_unstable();
        assert_eq!(answered, (0..100).map(|n| (n, true)).collect::<Vec<_>>());
        // Known durable already: the callback runs at once, here.
        let durable = syncer.committed();
        syncer.committed().wait().unwrap();
        let here = std::thread::current().id();
        durable.then(Box::new(move |r| {
            assert!(r.is_ok());
            assert_eq!(std::thread::current().id(), here);
        }));
        syncer.check().unwrap();
    }

    #[test]
    fn a_failed_sync_fails_every_pending_commit_and_later_writes() {
        // fsync of a pipe fails (EINVAL), as a dying disk's would.
        let (reader, _writer) = std::io::pipe().unwrap();
        let syncer = Syncer::start(File::from(std::os::fd::OwnedFd::from(reader))).unwrap();
        let (tx, rx) = mpsc::channel();
        syncer
            .committed()
            .then(Box::new(move |r| tx.send(r.is_err()).unwrap()));
        assert!(rx.recv().unwrap());
        let err = syncer.committed().wait().unwrap_err();
        assert!(matches!(err, StoreError::NotDurable { .. }), "{err:?}");
        assert!(matches!(syncer.check(), Err(StoreError::NotDurable { .. })));
    }

    #[test]
    fn dropping_the_syncer_syncs_what_was_committed() {
        let syncer = Syncer::start(file()).unwrap();
        let durable = syncer.committed();
        drop(syncer);
        durable.wait().unwrap();
    }
}
