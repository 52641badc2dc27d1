//! Offline verification of an exported audit trail (`keyhold audit verify`,
//! DESIGN.md section 7): pure, over core types, with the audit public key
//! only (no MAC key, no server).
//!
//! Without the MAC key anyone can recompute links, so the chain alone only
//! proves the copy is self-consistent; the signed checkpoints pin it to what
//! the server stored. An export ends with a checkpoint of the head made at
//! export time, so a verified copy is also complete: a deleted tail leaves
//! the last event uncovered, or a checkpoint beyond it. (A tail cut exactly
//! at a checkpoint, with every later checkpoint deleted too, cannot be told
//! from a shorter export: compare the head with the server or a later copy.)

use std::collections::BTreeMap;

use keyhold_core::audit::{AuditEvent, BreakKind, ChainHash, ChainHead, Checkpoint, verify_chain};

use crate::audit_chain::AuditChain;
use crate::audit_signing::verify_checkpoint;

/// The end of a verified copy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OfflineHead {
    /// The last event's sequence number and link.
    pub head: ChainHead,
    /// Events verified.
    pub events: u64,
    /// Checkpoints verified.
    pub checkpoints: u64,
}

/// What is wrong with a copy. Each kind has a stable name ([`Self::as_str`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OfflineBreakKind {
    /// A sequence number is missing (deleted event), repeated (inserted) or
    /// out of order (reordered).
    Sequence {
        /// The number that should have come.
        expected: u64,
    },
    /// The event does not follow the one before it (reordered or inserted).
    Prev,
    /// The event's content does not match its link (edited).
    Hash,
    /// The link's MAC is wrong (only when verified with the MAC key).
    Mac,
    /// A checkpoint's signature or signer does not verify under the key.
    CheckpointSignature,
    /// A validly signed checkpoint names a link the copy does not have at
    /// that sequence number (the chain was rewritten).
    CheckpointMismatch,
    /// Events are missing at the end: the last event is not covered by a
    /// checkpoint, or a checkpoint covers an event past the last one.
    Truncated,
    /// An event cannot be read as one (a damaged stored row, or a line of
    /// an export that does not parse).
    Malformed,
}

impl OfflineBreakKind {
    /// The kind's stable name: `sequence`, `prev`, `hash`, `mac`,
    /// `checkpoint-signature`, `checkpoint-mismatch`, `truncated` or
    /// `malformed`.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::Sequence { .. } => "sequence",
            Self::Prev => "prev",
            Self::Hash => "hash",
            Self::Mac => "mac",
            Self::CheckpointSignature => "checkpoint-signature",
            Self::CheckpointMismatch => "checkpoint-mismatch",
            Self::Truncated => "truncated",
            Self::Malformed => "malformed",
        }
    }
}

impl From<BreakKind> for OfflineBreakKind {
    fn from(kind: BreakKind) -> Self {
        match kind {
            BreakKind::Sequence { expected } => Self::Sequence { expected },
            BreakKind::Prev => Self::Prev,
            BreakKind::Hash => Self::Hash,
            BreakKind::Mac => Self::Mac,
            BreakKind::Malformed => Self::Malformed,
        }
    }
}

/// Where a copy fails verification, and how.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("audit trail broken at event {seq}: {}", kind.as_str())]
pub struct OfflineBreak {
    /// The sequence number where it breaks (for a checkpoint, the event it
    /// covers; for a truncation, the first missing event).
    pub seq: u64,
    /// What is wrong there.
    pub kind: OfflineBreakKind,
}

/// Verifies an exported copy: `events` link from sequence number 1, every
/// checkpoint is signed by `public_key` and names the link the copy has at
/// its sequence number, and the last event is covered by a checkpoint.
/// Returns the head, or the first break found (chain first, then
/// checkpoints in the order given). [`OfflineVerifier`] does the same
/// with the events read one at a time.
pub fn verify_offline(
    events: &[AuditEvent],
    checkpoints: &[Checkpoint],
    public_key: &[u8],
) -> Result<OfflineHead, OfflineBreak> {
    let mut verifier = OfflineVerifier::new(checkpoints.to_vec(), public_key);
    for event in events {
        verifier.push(event)?;
    }
    verifier.finish()
}

/// [`verify_offline`] over a stream of events: memory for the checkpoints
/// (one per thousand events by default) and their links, not the events.
/// Give it the copy's checkpoints, [`push`](Self::push) each event in file
/// order, then [`finish`](Self::finish); same answers as
/// [`verify_offline`].
#[derive(Debug)]
pub struct OfflineVerifier<'k> {
    chain: AuditChain,
    public_key: &'k [u8],
    checkpoints: Vec<Checkpoint>,
    /// The links of the events at the checkpoints' sequence numbers, once
    /// pushed.
    links: BTreeMap<u64, Option<ChainHash>>,
    head: ChainHead,
    events: u64,
}

impl<'k> OfflineVerifier<'k> {
    /// A verifier of a copy holding `checkpoints`, signed by `public_key`.
    pub fn new(checkpoints: Vec<Checkpoint>, public_key: &'k [u8]) -> Self {
        let links = checkpoints.iter().map(|c| (c.seq, None)).collect();
        Self {
            chain: AuditChain::offline(),
            public_key,
            checkpoints,
            links,
            head: ChainHead::GENESIS,
            events: 0,
        }
    }

    /// Checks the next event's link; the first break ends the copy.
    pub fn push(&mut self, event: &AuditEvent) -> Result<(), OfflineBreak> {
        self.head = verify_chain(std::iter::once(event), &self.chain, self.head).map_err(|b| {
            OfflineBreak {
                seq: b.seq,
                kind: b.kind.into(),
            }
        })?;
        self.events = self.events.saturating_add(1);
        if let Some(link) = self.links.get_mut(&event.seq) {
            *link = Some(event.hash);
        }
        Ok(())
    }

    /// The end of the events verified so far, and how many.
    pub fn verified(&self) -> (ChainHead, u64) {
        (self.head, self.events)
    }

    /// Checks the checkpoints against the chain pushed, and that its last
    /// event is covered.
    pub fn finish(self) -> Result<OfflineHead, OfflineBreak> {
        for checkpoint in &self.checkpoints {
            self.check_checkpoint(checkpoint)?;
        }
        let covered = self.checkpoints.iter().any(|c| c.seq == self.head.seq);
        if self.head.seq > 0 && !covered {
            return Err(OfflineBreak {
                seq: self.head.seq.saturating_add(1),
                kind: OfflineBreakKind::Truncated,
            });
        }
        Ok(OfflineHead {
            head: self.head,
            events: self.events,
            checkpoints: count(self.checkpoints.len()),
        })
    }

    /// One checkpoint against the verified chain.
    fn check_checkpoint(&self, checkpoint: &Checkpoint) -> Result<(), OfflineBreak> {
        let broken = |kind| {
            Err(OfflineBreak {
                seq: checkpoint.seq,
                kind,
            })
        };
        if !verify_checkpoint(self.public_key, checkpoint) {
            return broken(OfflineBreakKind::CheckpointSignature);
        }
        if checkpoint.seq > self.head.seq {
            return Err(OfflineBreak {
                seq: self.head.seq.saturating_add(1),
                kind: OfflineBreakKind::Truncated,
            });
        }
        if self.links.get(&checkpoint.seq) != Some(&Some(checkpoint.hash)) {
            return broken(OfflineBreakKind::CheckpointMismatch);
        }
        Ok(())
    }
}

fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests;
