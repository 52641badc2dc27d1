//! Group commit: one writer thread runs the write bodies of many concurrent
//! callers in one transaction, each between a savepoint and its release, and
//! commits them with one durable commit (one fsync) for the whole batch.
//!
//! A body that fails is rolled back to its savepoint and does not disturb the
//! others. A caller learns its result only once the batch's commit is
//! durable, so an `Ok` always means "durable"; the writer starts the next
//! batch while the disk syncs this one (`crate::durable`). Bodies queue while a commit is in flight,
//! which is what forms batches: the busier the store, the larger the batch
//! and the fewer fsyncs per write.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, TryRecvError};
use std::time::{Duration, Instant};

use keyhold_core::audit::{AuditEvent, ChainHead, Checkpoint};

use crate::engine::{Engine, WriteTxn};
use crate::error::{StoreError, TxError};
use crate::tx::WriteTx;

/// Most bodies in one batch: bounds the time one commit keeps later callers
/// waiting.
const MAX_BATCH: usize = 512;

/// How long a batch waits for more bodies when the store is busy (the
/// previous batch held more than one body): each commit costs an fsync and
/// rewrites the pages it touched, so under load fewer, larger batches cost
/// less per write. An idle store (one body at a time) never waits.
const BUSY_WINDOW: Duration = Duration::from_micros(500);

/// A batch this large commits without waiting out the window.
const ENOUGH: usize = 64;

/// One caller's write, type-erased for the writer thread.
trait Job: Send {
    /// Runs the job in the batch's transaction; a job that fails leaves the
    /// transaction as it found it. An error is the batch's, not the job's.
    fn run_in(&mut self, txn: &mut dyn WriteTxn) -> Result<(), StoreError>;
    /// Delivers the result once the batch's fate is known.
    fn finish(self: Box<Self>, batch: Result<(), Arc<StoreError>>);
}

struct TypedJob<F, T, E> {
    body: Option<F>,
    result: Option<Result<T, TxError<E>>>,
    reply: oneshot::Sender<Result<T, TxError<E>>>,
}

impl<F, T, E> Job for TypedJob<F, T, E>
where
    F: FnOnce(&mut dyn WriteTx) -> Result<T, TxError<E>> + Send,
    T: Send,
    E: Send,
{
    /// Runs the body between a savepoint and its release (or rollback).
    fn run_in(&mut self, txn: &mut dyn WriteTxn) -> Result<(), StoreError> {
        let Some(body) = self.body.take() else {
            return Ok(());
        };
        txn.savepoint()?;
        let tx = txn.as_write();
        let result = catch_unwind(AssertUnwindSafe(|| body(tx)))
            .unwrap_or(Err(TxError::Store(StoreError::Panicked)));
        let keep = result.is_ok();
        self.result = Some(result);
        if keep {
            txn.release_savepoint()
        } else {
            txn.rollback_to_savepoint()
        }
    }

    fn finish(self: Box<Self>, batch: Result<(), Arc<StoreError>>) {
        deliver(self.result, batch, self.reply);
    }
}

/// Sends a job's outcome once its batch's fate is known.
fn deliver<T, E>(
    result: Option<Result<T, TxError<E>>>,
    batch: Result<(), Arc<StoreError>>,
    reply: oneshot::Sender<Result<T, TxError<E>>>,
) {
    let outcome = match (result, batch) {
        (Some(Err(own)), _) => Err(own),
        (Some(Ok(value)), Ok(())) => Ok(value),
        (Some(Ok(_)) | None, Err(cause)) => Err(TxError::Store(StoreError::GroupCommit(cause))),
        (None, Ok(())) => Err(TxError::Store(StoreError::WriterStopped)),
    };
    // The caller may have stopped waiting; its loss.
    let _ = reply.send(outcome);
}

/// The driver's reasons under a store error (`disk I/O error`, `database
/// or disk is full`, ...), for the log only: clients get the store error's
/// own text. SQLite's messages name tables and columns, never values.
fn causes(e: &dyn std::error::Error) -> String {
    let mut out = Vec::new();
    let mut next = e.source();
    while let Some(cause) = next {
        out.push(cause.to_string());
        next = cause.source();
    }
    out.join(": ")
}

/// What an audit append builds from the chain's head: the event that
/// follows it, and a checkpoint of that event when one is due.
pub type AppendOf = (AuditEvent, Option<Checkpoint>);

/// An audit append: see [`crate::Store::submit_audit`].
struct AppendJob<F, E> {
    build: Option<F>,
    result: Option<Result<u64, TxError<E>>>,
    reply: oneshot::Sender<Result<u64, TxError<E>>>,
}

impl<F, E> Job for AppendJob<F, E>
where
    F: FnOnce(ChainHead) -> Result<AppendOf, E> + Send,
    E: Send,
{
    /// Appends without a savepoint when no checkpoint is due: the event is
    /// one single-row `INSERT OR FAIL`, which fails before it writes
    /// anything, so there is nothing to roll back, and no page of the hot
    /// audit B-trees is copied into a savepoint journal for it.
    fn run_in(&mut self, txn: &mut dyn WriteTxn) -> Result<(), StoreError> {
        let Some(build) = self.build.take() else {
            return Ok(());
        };
        let tx = txn.as_write();
        let built = tx.audit_head().map_err(TxError::Store).and_then(|head| {
            match catch_unwind(AssertUnwindSafe(|| build(head))) {
                Ok(built) => built.map_err(TxError::Abort),
                Err(_) => Err(TxError::Store(StoreError::Panicked)),
            }
        });
        let (event, checkpoint) = match built {
            Ok(built) => built,
            Err(e) => {
                self.result = Some(Err(e));
                return Ok(());
            }
        };
        let Some(checkpoint) = checkpoint else {
            self.result = Some(
                tx.audit_append(&event)
                    .map(|()| event.seq)
                    .map_err(TxError::Store),
            );
            return Ok(());
        };
        txn.savepoint()?;
        let tx = txn.as_write();
        let written = tx
            .audit_append(&event)
            .and_then(|()| tx.audit_checkpoint_put(&checkpoint));
        let keep = written.is_ok();
        self.result = Some(written.map(|()| event.seq).map_err(TxError::Store));
        if keep {
            txn.release_savepoint()
        } else {
            txn.rollback_to_savepoint()
        }
    }

    fn finish(self: Box<Self>, batch: Result<(), Arc<StoreError>>) {
        deliver(self.result, batch, self.reply);
    }
}

/// A write submitted to the group committer, not yet known to be durable.
#[must_use = "a submitted write's result says whether it is durable"]
#[derive(Debug)]
pub struct Pending<T, E> {
    reply: Result<oneshot::Receiver<Result<T, TxError<E>>>, ()>,
}

impl<T, E> Pending<T, E> {
    /// Blocks the thread until the write is durable (or failed).
    pub fn wait(self) -> Result<T, TxError<E>> {
        match self.reply {
            Ok(rx) => rx
                .recv()
                .unwrap_or(Err(TxError::Store(StoreError::WriterStopped))),
            Err(()) => Err(TxError::Store(StoreError::WriterStopped)),
        }
    }

    /// Waits without blocking a thread (for async callers).
    pub async fn wait_async(self) -> Result<T, TxError<E>> {
        match self.reply {
            Ok(rx) => rx
                .await
                .unwrap_or(Err(TxError::Store(StoreError::WriterStopped))),
            Err(()) => Err(TxError::Store(StoreError::WriterStopped)),
        }
    }
}

/// The handle on the writer thread; the thread ends when every handle is
/// dropped.
#[derive(Debug)]
pub(crate) struct GroupCommitter {
    jobs: Sender<Box<dyn Job>>,
}

impl GroupCommitter {
    /// Starts the writer thread over `engine`.
    pub(crate) fn start(engine: Arc<dyn Engine>) -> Result<Self, StoreError> {
        let (jobs, queue) = std::sync::mpsc::channel::<Box<dyn Job>>();
        std::thread::Builder::new()
            .name("keyhold-store-writer".into())
            .spawn(move || writer_loop(engine.as_ref(), &queue))
            .map_err(|source| StoreError::Io {
                op: "start the writer thread for",
                source,
            })?;
        Ok(Self { jobs })
    }

    /// Queues `body`; see [`crate::Store::submit`].
    pub(crate) fn submit<T, E, F>(&self, body: F) -> Pending<T, E>
    where
        F: FnOnce(&mut dyn WriteTx) -> Result<T, TxError<E>> + Send + 'static,
        T: Send + 'static,
        E: Send + 'static,
    {
        let (reply, rx) = oneshot::channel();
        let job = Box::new(TypedJob {
            body: Some(body),
            result: None,
            reply,
        });
        self.queue(job, rx)
    }

    /// Queues an audit append; see [`crate::Store::submit_audit`].
    pub(crate) fn submit_audit<E, F>(&self, build: F) -> Pending<u64, E>
    where
        F: FnOnce(ChainHead) -> Result<AppendOf, E> + Send + 'static,
        E: Send + 'static,
    {
        let (reply, rx) = oneshot::channel();
        let job = Box::new(AppendJob {
            build: Some(build),
            result: None,
            reply,
        });
        self.queue(job, rx)
    }

    fn queue<T, E>(
        &self,
        job: Box<dyn Job>,
        rx: oneshot::Receiver<Result<T, TxError<E>>>,
    ) -> Pending<T, E> {
        match self.jobs.send(job) {
            Ok(()) => Pending { reply: Ok(rx) },
            Err(_) => Pending { reply: Err(()) },
        }
    }
}

fn writer_loop(engine: &dyn Engine, queue: &Receiver<Box<dyn Job>>) {
    let mut busy = false;
    while let Ok(first) = queue.recv() {
        let deadline = Instant::now() + BUSY_WINDOW;
        let mut batch = vec![first];
        drain(queue, &mut batch);
        if busy && batch.len() < ENOUGH {
            // Sleep out the window once and take what came meanwhile: the
            // writer wakes once per batch, not once per body (a wake-up on
            // every arrival cost the writer more than the bodies did).
            std::thread::sleep(deadline.saturating_duration_since(Instant::now()));
            drain(queue, &mut batch);
        }
        busy = batch.len() > 1;
        run_batch(engine, batch);
    }
}

/// Takes every body already queued, up to [`MAX_BATCH`].
fn drain(queue: &Receiver<Box<dyn Job>>, batch: &mut Vec<Box<dyn Job>>) {
    while batch.len() < MAX_BATCH {
        match queue.try_recv() {
            Ok(job) => batch.push(job),
            Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
        }
    }
}

/// Runs every job of the batch in one transaction and commits once. The
/// jobs learn their results when the commit is durable: the writer moves on
/// to the next batch meanwhile (`crate::durable`).
fn run_batch(engine: &dyn Engine, mut batch: Vec<Box<dyn Job>>) {
    let committed = engine.begin_write().and_then(|mut txn| {
        for job in &mut batch {
            job.run_in(txn.as_mut())?;
            if !txn.is_open() {
                return Err(StoreError::TransactionLost);
            }
        }
        txn.commit_deferred()
    });
    let finish = move |outcome: Result<(), Arc<StoreError>>| {
        if let Err(e) = &outcome {
            let cause = causes(e.as_ref());
            tracing::error!(error = %e, %cause, jobs = batch.len(), "group commit failed");
        }
        for job in batch {
            job.finish(outcome.clone());
        }
    };
    match committed {
        Ok(durable) => durable.then(Box::new(finish)),
        Err(e) => finish(Err(Arc::new(e))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_gets_the_drivers_reason() {
        let io = std::io::Error::other("database or disk is full");
        let inner = StoreError::Io {
            op: "write",
            source: io,
        };
        let e = StoreError::GroupCommit(Arc::new(inner));
        assert_eq!(
            causes(&e),
            "could not write the database file: database or disk is full"
        );
        assert_eq!(causes(&StoreError::Busy), "");
    }
}
