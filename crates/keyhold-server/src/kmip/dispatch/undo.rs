//! Batches sent with Batch Error Continuation Option Undo (KMIP 1.4
//! section 6.13, KMIP 2.1 sections 9.6 and 11.5): items run in order; when one
//! fails, no later item runs and what the earlier ones changed is undone,
//! last first, each through the operations service (`Operations::undo`).
//! An earlier item answers Operation Undone with its payload; one whose
//! change could not be undone (the object changed since, its material was
//! erased) keeps its Success, so the client sees what stands.
//!
//! What an item may change is known from its operation: the object it
//! names (state, attributes, a new version by Re-key), or the object it
//! makes (Create, Create Key Pair, Register). Other operations change no
//! object: there is nothing of theirs to undo (a cryptographic result
//! already computed is still returned, and a use metered under Usage
//! Limits stays counted).

use keyhold_core::{Action, RequestId, VersionId};
use keyhold_kmip::{
    ProtocolVersion, RequestBatchItem, RequestPayload, ResponseBatchItem, ResponsePayload,
    ResultStatus, UniqueIdentifier,
};

use super::Dispatcher;
use crate::kmip::objects;
use crate::ops::{KeyChange, KeySnapshot};

/// What a batch item may change, with the action its undoing is
/// authorized and audited as.
#[derive(Clone, Copy, Debug)]
enum Reach<'a> {
    /// No object.
    Nothing,
    /// The object it names (`None`: the ID placeholder).
    Names(Option<&'a UniqueIdentifier>, Action),
    /// The object it makes.
    Makes(Action),
}

fn reach(payload: &RequestPayload) -> Reach<'_> {
    use RequestPayload as P;
    let (uid, action) = match payload {
        P::Create(_) | P::CreateKeyPair(_) => return Reach::Makes(Action::KeyCreate),
        P::Register(_) => return Reach::Makes(Action::KeyImport),
        P::Activate(a) => (&a.unique_identifier, Action::KeyActivate),
        P::Revoke(r) => (&r.unique_identifier, Action::KeyRevoke),
        P::Destroy(d) => (&d.unique_identifier, Action::KeyScheduleDestroy),
        P::Archive(a) => (&a.unique_identifier, Action::KeyArchive),
        P::Recover(r) => (&r.unique_identifier, Action::KeyRecover),
        P::ReKey(r) => (&r.unique_identifier, Action::KeyRotate),
        P::ReKeyKeyPair(r) => (&r.private_key_unique_identifier, Action::KeyRotate),
        P::AddAttribute(c) | P::ModifyAttribute(c) | P::SetAttribute(c) => {
            (&c.unique_identifier, Action::KeyUpdate)
        }
        P::DeleteAttribute(d) => (&d.unique_identifier, Action::KeyUpdate),
        _ => return Reach::Nothing,
    };
    Reach::Names(uid.as_ref(), action)
}

/// The object a successful item made, from its response.
fn made(payload: Option<&ResponsePayload>) -> Option<&UniqueIdentifier> {
    match payload? {
        ResponsePayload::Create(c) => Some(&c.unique_identifier),
        ResponsePayload::Register(r) => Some(&r.unique_identifier),
        ResponsePayload::CreateKeyPair(p) => Some(&p.private_key_unique_identifier),
        _ => None,
    }
}

impl Dispatcher {
    /// Runs the items of an Undo batch; the answers of those that ran.
    pub(super) async fn undoable_batch(
        &self,
        items: &[RequestBatchItem],
        version: ProtocolVersion,
        request_id: RequestId,
    ) -> Vec<ResponseBatchItem> {
        let mut answers = Vec::with_capacity(items.len());
        let mut changes = Vec::with_capacity(items.len());
        let mut placeholder = None;
        for (i, item) in items.iter().enumerate() {
            // The last item's change is never undone (it fails and changed
            // nothing, or it ends the batch): no snapshots for it.
            let last = i + 1 == items.len();
            let reach = match item.typed_payload() {
                Ok(payload) if !last => reach(payload),
                _ => Reach::Nothing,
            };
            let named = match reach {
                Reach::Names(uid, _) => objects::version_id(uid, placeholder).ok(),
                Reach::Nothing | Reach::Makes(_) => None,
            };
            let before = self.snapshot(reach, named, request_id).await;
            let answer = self.item(item, version, request_id, &mut placeholder).await;
            if answer.result_status != ResultStatus::Success {
                self.undo_all(&mut answers, changes, request_id).await;
                answers.push(answer);
                return answers;
            }
            let change = match reach {
                Reach::Nothing => Undoing::Nothing,
                // Not read before: nothing known to restore (never a removal).
                Reach::Names(_, action) => match before {
                    Some(before) => self.change(action, Some(before), named, request_id).await,
                    None => Undoing::Unknown,
                },
                Reach::Makes(action) => {
                    let made = made(answer.payload.as_ref())
                        .and_then(|uid| objects::version_id(Some(uid), None).ok());
                    self.change(action, None, made, request_id).await
                }
            };
            changes.push(change);
            answers.push(answer);
        }
        answers
    }

    /// The rows of the key holding object `id` (when the item names one
    /// that exists), before the item runs.
    async fn snapshot(
        &self,
        reach: Reach<'_>,
        id: Option<VersionId>,
        request_id: RequestId,
    ) -> Option<KeySnapshot> {
        let (Reach::Names(_, action), Some(id)) = (reach, id) else {
            return None;
        };
        let creds = self.credentials(request_id);
        self.ops.undo_snapshot(creds, action, id).await
    }

    /// What a successful item authorized as `action` changed of the key
    /// holding object `id`: from `before` (`None`: the item made it) to
    /// now; unknown when the key could not be read after it.
    async fn change(
        &self,
        action: Action,
        before: Option<KeySnapshot>,
        id: Option<VersionId>,
        request_id: RequestId,
    ) -> Undoing {
        let creds = self.credentials(request_id);
        let after = match id {
            Some(id) => self.ops.undo_snapshot(creds, action, id).await,
            None => None,
        };
        match after {
            Some(after) => KeyChange::between(action, before, after)
                .map_or(Undoing::Nothing, |c| Undoing::Change(Box::new(c))),
            None => Undoing::Unknown,
        }
    }

    /// Undoes `changes` (one per answer), last first, and marks each answer
    /// undone unless its change is unknown or its undoing failed.
    async fn undo_all(
        &self,
        answers: &mut [ResponseBatchItem],
        changes: Vec<Undoing>,
        request_id: RequestId,
    ) {
        for (answer, change) in answers.iter_mut().zip(changes).rev() {
            match change {
                Undoing::Nothing => {}
                Undoing::Unknown => {
                    tracing::warn!("a batch item's change is unknown; it stays");
                    continue;
                }
                Undoing::Change(change) => {
                    let undone = self.ops.undo(self.credentials(request_id), *change).await;
                    if let Err(e) = undone {
                        tracing::warn!(error = %e, "a batch item could not be undone; it stays");
                        continue;
                    }
                }
            }
            answer.result_status = ResultStatus::OperationUndone;
        }
    }
}

/// What undoing one successful item takes.
#[derive(Debug)]
enum Undoing {
    /// Nothing: it changed no object.
    Nothing,
    /// Writing back its change.
    Change(Box<KeyChange>),
    /// Its change is not known (the object could not be read around it): it
    /// stays, and keeps its Success.
    Unknown,
}
