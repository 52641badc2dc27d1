//! How a write transaction ends when concurrent writes share it
//! (`super::super::combine`): hand it over, or commit for every member.

use std::sync::Arc;

use super::{After, SqliteTxn, checkpoint};
use crate::durable::{Durable, Syncer};
use crate::error::StoreError;
use crate::sqlite::combine::Handed;

impl<'a> SqliteTxn<'a> {
    /// Keeps this write's changes in the shared transaction it joined.
    pub(super) fn release_member(&mut self) -> Result<(), StoreError> {
        if self.member.is_some() {
            self.run_cached("RELEASE member")?;
        }
        Ok(())
    }

    /// Discards this write's changes from the shared transaction it
    /// joined (best effort: if SQLite ended the transaction, the commit
    /// that follows fails for everyone).
    pub(super) fn discard_member(&mut self) {
        if self.member.is_some() {
            let _ = self
                .run_cached("ROLLBACK TO member")
                .and_then(|()| self.run_cached("RELEASE member"));
            self.head = self.head_at_member;
        }
    }

    /// Ends this write with its changes kept: hands the transaction over
    /// when another write waits for the connection (and `may_hand_over`),
    /// else commits for this write and every member before it.
    pub(super) fn settle(&mut self, may_hand_over: bool) -> Result<After<'a>, StoreError> {
        let joined = self.member.take();
        let waiting = joined.map_or(0, |h| h.waiting);
        let combine = self
            .combine
            .filter(|c| may_hand_over && c.someone_waits(waiting + 1));
        if let Some(c) = combine.filter(|_| !self.conn.is_autocommit()) {
            let id = joined.map_or_else(|| c.new_id(), |h| h.id);
            c.hand_over(Handed {
                id,
                waiting: waiting + 1,
                head: self.head,
                erased: self.erased,
            });
            self.open = false;
            return Ok(After::Shared(c, id));
        }
        self.commit_for(joined).map(After::Durable)
    }

    /// Commits now, for this write and the members of `joined`, and
    /// publishes the outcome to them.
    pub(super) fn commit_for(&mut self, joined: Option<Handed>) -> Result<Durable, StoreError> {
        let committed = self.end("COMMIT").map(|()| {
            if self.erased {
                // Push the erased row into the main file and empty the WAL,
                // which still holds page images with the material. The
                // commit stands either way; `Store::checkpoint` can finish
                // the job later.
                if let Err(e) = checkpoint(&self.conn) {
                    tracing::warn!(error = %e, "checkpoint after erasing key material did not complete");
                }
            }
            self.syncer.map_or(Durable::Now, Syncer::committed)
        });
        let (Some(combine), Some(joined)) = (self.combine, joined) else {
            return committed;
        };
        match committed {
            Ok(durable) => {
                combine.finish(joined.id, joined.waiting, Ok(durable.clone()));
                Ok(durable)
            }
            Err(e) => {
                let e = Arc::new(e);
                combine.finish(joined.id, joined.waiting, Err(Arc::clone(&e)));
                Err(StoreError::GroupCommit(e))
            }
        }
    }
}
