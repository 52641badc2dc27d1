//! Undoing what earlier items of a KMIP batch did when a later one fails
//! and the batch asked for it (Batch Error Continuation Option Undo, KMIP
//! 1.4 section 6.13, KMIP 2.1 sections 9.6 and 11.5).
//!
//! A batch item's change of a key is known by two snapshots of the key's
//! rows, taken around the item: [`KeySnapshot`]s, each with the audit
//! trail's head when it was read. Undoing it writes the rows back as they
//! were before, in one write transaction that is authorized and audited as
//! the item's own action (context `undo: batch`); a key the item made is
//! removed. What cannot be undone is refused with `undo_conflict` and
//! stays:
//! - a key another request used or changed since the first snapshot: the
//!   audit trail records every use and change of a key with its request,
//!   so any event on the key from another request since then refuses the
//!   undoing (a version a concurrent encryption may have used is never
//!   removed, a concurrent revocation never reverted). Only a request still
//!   in flight when the undoing commits, its event not yet written, escapes
//!   the check;
//! - a key that no longer stands as the item left it (a later item that is
//!   not undone, such as a use metered under Usage Limits);
//! - a compromise or a destruction: a version or Public Key that is
//!   Compromised or Destroyed now, and was not before, stays so;
//! - erased material is never brought back.
//!
//! What the server records by itself (a use, the first serving of the
//! material, the time of the last change) is no change: it stays as it is.
//!
//! Taking a snapshot is bookkeeping, not a request: it reads the key as the
//! caller's tenant, records no audit event, and shows nothing to the client.

use std::sync::Arc;

use keyhold_core::audit::OutcomeKind;
use keyhold_core::{Action, KeyRef, KeyState, RequestId, Timestamp, VersionId};
use keyhold_store::{AuditQuery, TxError, WriteTx};

use super::lifecycle::KeyRows;
use super::{Caller, Credentials, Operations};
use crate::error::ServerError;

/// Audit events read per step when looking for another request's.
const EVENTS_PER_STEP: u32 = 256;

/// A key's rows as they stood at one moment of a batch, and the sequence
/// number of the last audit event then.
#[derive(Clone, Debug)]
pub struct KeySnapshot {
    rows: KeyRows,
    seq: u64,
}

impl KeySnapshot {
    /// The rows with what the server records by itself set from `like`:
    /// the last use, the idle warning, when material was first served (so
    /// a use, or a Get, between two snapshots is no change, and a restored
    /// key stays used and served), and the time of the last change (which
    /// an undoing moves too).
    fn bookkeeping_as(&self, like: &KeyRows) -> KeyRows {
        let mut rows = self.rows.clone();
        rows.key.last_used_at = like.key.last_used_at;
        rows.key.idle_warned_at = like.key.idle_warned_at;
        rows.key.updated_at = like.key.updated_at;
        for v in &mut rows.versions {
            if let Ok(same) = like.version(v.meta.version) {
                v.meta.served_at = same.meta.served_at;
            }
        }
        rows
    }
}

/// What one batch item changed of one key.
#[derive(Debug)]
pub struct KeyChange {
    action: Action,
    before: Option<KeySnapshot>,
    after: KeySnapshot,
}

impl KeyChange {
    /// The change an item authorized as `action` made, from the key's rows
    /// `before` it (`None`: the item made the key) to `after`; `None` when
    /// it changed nothing.
    pub fn between(
        action: Action,
        before: Option<KeySnapshot>,
        after: KeySnapshot,
    ) -> Option<Self> {
        let same = before
            .as_ref()
            .is_some_and(|b| b.bookkeeping_as(&after.rows) == after.rows);
        (!same).then_some(Self {
            action,
            before,
            after,
        })
    }

    /// Events after this sequence number are the ones that came since the
    /// item began (all of a key the item made).
    fn since(&self) -> u64 {
        self.before.as_ref().map_or(0, |b| b.seq)
    }
}

impl Operations {
    /// The rows of the key holding KMIP object `id`, as the caller
    /// `creds` authenticate as for `action` sees them; `None` when the
    /// caller or the object is not found.
    pub async fn undo_snapshot(
        self: &Arc<Self>,
        creds: Credentials,
        action: Action,
        id: VersionId,
    ) -> Option<KeySnapshot> {
        let ops = Arc::clone(self);
        let read = move || {
            let caller = ops.authenticate(&creds, action).ok()?;
            let tenant = caller.tenant.id;
            let snapshot = ops.store.read(|tx| {
                let missing = || TxError::Abort(ServerError::KeyNotFound);
                let version = tx.version_by_id(id)?.ok_or_else(missing)?;
                let rows = KeyRows::load(tx, tenant, &KeyRef::Id(version.meta.key))?;
                let seq = tx.audit_head()?.seq;
                Ok::<_, TxError<ServerError>>(KeySnapshot { rows, seq })
            });
            snapshot.ok()
        };
        tokio::task::spawn_blocking(read).await.ok().flatten()
    }

    /// Undoes `change` as the caller `creds` authenticate as, audited as the
    /// change's action.
    pub async fn undo(
        self: &Arc<Self>,
        creds: Credentials,
        change: KeyChange,
    ) -> Result<(), ServerError> {
        let action = change.action;
        self.perform(creds, action, move |ops, caller| {
            ops.undo_change(caller, change)
        })
        .await
    }

    fn undo_change(&self, caller: &Caller, change: KeyChange) -> Result<(), ServerError> {
        self.vault.unlocked()?;
        caller.note("undo", "batch");
        let since = change.since();
        let KeyChange { before, after, .. } = change;
        let (tenant, id, now) = (caller.tenant.id, after.rows.key.id, self.now());
        self.write_audited(caller, |tx| {
            let current = KeyRows::load(tx, tenant, &KeyRef::Id(id))?;
            caller
                .admit_key(&current.key, None)
                .map_err(TxError::Abort)?;
            if after.bookkeeping_as(&current) != current {
                return Err(conflict("the object changed since"));
            }
            if touched_by_another(tx, &current, since, caller.request_id)? {
                return Err(conflict("another request used or changed the object since"));
            }
            match before {
                None => Ok(tx.key_remove(tenant, id)?),
                Some(before) => restore(tx, &current, before.bookkeeping_as(&current), now),
            }
        })
    }
}

/// Whether an audit event after `since` records a use or change of the key
/// by a request other than `own`.
fn touched_by_another(
    tx: &mut dyn WriteTx,
    current: &KeyRows,
    since: u64,
    own: RequestId,
) -> Result<bool, TxError<ServerError>> {
    let mut query = AuditQuery::after(since, EVENTS_PER_STEP);
    query.key = Some(current.key.id);
    query.outcome = Some(OutcomeKind::Ok);
    loop {
        let events = tx.audit_events(&query)?;
        if events.iter().any(|e| e.record.request_id != own) {
            return Ok(true);
        }
        match events.last() {
            Some(last) => query.after = last.seq,
            None => return Ok(false),
        }
    }
}

/// Writes `before` over `current` (through [`KeyRows::save`], so
/// `updated_at` moves to now: the undoing is a change too) after removing
/// the versions added since. Refused, changing nothing: a version gone
/// since, erased material, a compromise or destruction since.
fn restore(
    tx: &mut dyn WriteTx,
    current: &KeyRows,
    before: KeyRows,
    now: Timestamp,
) -> Result<(), TxError<ServerError>> {
    if before.versions.len() > current.versions.len() {
        return Err(conflict("a version is gone"));
    }
    for v in &current.versions {
        let Ok(old) = before.version(v.meta.version) else {
            continue;
        };
        if old.sealed_material.is_some() && v.sealed_material.is_none() {
            return Err(conflict("its material was erased"));
        }
        let half = |s: &keyhold_store::StoredVersion| s.meta.public_half.as_ref().map(|h| h.state);
        if settled_since(Some(old.meta.state), Some(v.meta.state))
            || settled_since(half(old), half(v))
        {
            return Err(conflict("a compromise or destruction is never undone"));
        }
    }
    for v in &current.versions {
        if before.version(v.meta.version).is_err() {
            tx.version_remove(current.key.id, v.meta.version)?;
        }
    }
    let mut kept = current.clone();
    kept.versions
        .retain(|v| before.version(v.meta.version).is_ok());
    before.save(tx, &kept, now).map(drop)
}

/// Whether a state is Compromised or Destroyed now (`now`) and was not
/// (`then`).
fn settled_since(then: Option<KeyState>, now: Option<KeyState>) -> bool {
    let settled = |s: Option<KeyState>| {
        matches!(
            s,
            Some(KeyState::Compromised | KeyState::Destroyed | KeyState::DestroyedCompromised)
        )
    };
    settled(now) && then != now
}

fn conflict(reason: &'static str) -> TxError<ServerError> {
    TxError::Abort(ServerError::UndoConflict { reason })
}

#[cfg(test)]
mod tests {
    use keyhold_core::{KeyState, SealedBlob, Tenant, VersionNumber};
    use keyhold_store::Store;

    use super::*;
    use crate::ops::lifecycle::tests::rows;

    const NOW: Timestamp = Timestamp::from_unix_seconds(1_900_000_000);

    fn sealed(rows: &mut KeyRows) {
        for v in &mut rows.versions {
            v.sealed_material = Some(SealedBlob::new(vec![7; 40]));
        }
    }

    #[test]
    fn what_the_server_records_by_itself_is_no_change() {
        let before = rows(KeyState::Active, None);
        let mut after = before.clone();
        after.key.last_used_at = Some(NOW);
        after.key.updated_at = NOW;
        after.versions[0].meta.served_at = Some(NOW);
        let action = Action::KeyRead;
        let snap = |r: &KeyRows| KeySnapshot {
            rows: r.clone(),
            seq: 0,
        };
        assert!(KeyChange::between(action, Some(snap(&before)), snap(&after)).is_none());
        after.key.description = "changed".into();
        assert!(KeyChange::between(action, Some(snap(&before)), snap(&after)).is_some());
        assert!(KeyChange::between(action, None, snap(&before)).is_some());
    }

    /// Stores `rows` in a new in-memory store.
    fn stored(rows: &KeyRows) -> Store {
        let store = Store::open_sqlite_in_memory().unwrap();
        let tenant = Tenant {
            id: rows.key.tenant,
            name: "t".parse().unwrap(),
            sealed_kek: SealedBlob::new(vec![1; 40]),
            root_generation: 1,
            created_at: NOW,
            kek_generation: 1,
            retiring_kek: None,
        };
        store
            .write(|tx| -> Result<(), TxError<ServerError>> {
                tx.tenant_insert(&tenant)?;
                tx.key_insert(&rows.key)?;
                for v in &rows.versions {
                    tx.version_insert(v)?;
                }
                Ok(())
            })
            .unwrap();
        store
    }

    fn load(store: &Store, rows: &KeyRows) -> KeyRows {
        let (tenant, id) = (rows.key.tenant, KeyRef::Id(rows.key.id));
        store.read(|tx| KeyRows::load(tx, tenant, &id)).unwrap()
    }

    #[test]
    fn restoring_removes_added_versions_and_writes_the_rest_back() {
        let mut before = rows(KeyState::Active, None);
        sealed(&mut before);
        let mut current = before.clone();
        current.versions[0].meta.state = KeyState::Deactivated;
        let mut added = current.versions[0].clone();
        added.meta.id = VersionId::from_uuid(uuid::Uuid::now_v7());
        added.meta.version = VersionNumber::new(2).unwrap();
        added.meta.state = KeyState::Active;
        current.versions.push(added);
        current.key.primary_version = VersionNumber::new(2).unwrap();
        let store = stored(&current);
        store
            .write(|tx| restore(tx, &current, before.clone(), NOW))
            .unwrap();
        let mut expected = before.clone();
        expected.key.updated_at = NOW;
        assert_eq!(load(&store, &before), expected);
    }

    #[test]
    fn erased_material_is_never_brought_back() {
        let mut before = rows(KeyState::Active, None);
        sealed(&mut before);
        let mut current = before.clone();
        current.versions[0].meta.state = KeyState::Destroyed;
        current.versions[0].sealed_material = None;
        let store = stored(&current);
        let refused = store.write(|tx| restore(tx, &current, before.clone(), NOW));
        assert!(
            matches!(
                refused,
                Err(TxError::Abort(ServerError::UndoConflict { .. }))
            ),
            "{refused:?}"
        );
        assert_eq!(load(&store, &before), current, "nothing changed");
    }

    #[test]
    fn a_compromise_is_never_undone() {
        let mut before = rows(KeyState::Active, None);
        sealed(&mut before);
        let mut current = before.clone();
        current.versions[0].meta.state = KeyState::Compromised;
        let store = stored(&current);
        let refused = store.write(|tx| restore(tx, &current, before.clone(), NOW));
        assert!(
            matches!(
                refused,
                Err(TxError::Abort(ServerError::UndoConflict { .. }))
            ),
            "{refused:?}"
        );
        assert_eq!(load(&store, &before), current, "nothing changed");
        assert!(settled_since(
            Some(KeyState::Active),
            Some(KeyState::Destroyed)
        ));
        assert!(!settled_since(
            Some(KeyState::Compromised),
            Some(KeyState::Compromised)
        ));
        assert!(!settled_since(
            Some(KeyState::PreActive),
            Some(KeyState::Active)
        ));
    }

    /// An event of another request on the key since the snapshot refuses
    /// the undoing; the batch's own events, failed requests and events
    /// before the snapshot do not.
    #[test]
    fn another_requests_use_since_the_snapshot_is_seen() {
        use std::collections::BTreeMap;

        use keyhold_core::audit::{AuditRecord, AuthMethod, Interface, Outcome};
        use keyhold_crypto::SecretBytes;
        use keyhold_crypto::hierarchy::RootKey;

        let current = rows(KeyState::Active, None);
        let store = stored(&current);
        let root = RootKey::from_secret(SecretBytes::new(vec![9; 32])).unwrap();
        let keys = crate::audit::AuditKeys::with_root(&root).unwrap();
        let (own, other) = (
            RequestId::from_bytes([1; 16]),
            RequestId::from_bytes([2; 16]),
        );
        let event = |request_id, outcome| AuditRecord {
            time: NOW,
            request_id,
            tenant: Some(current.key.tenant),
            principal: None,
            auth: AuthMethod::RootToken,
            source: None,
            interface: Interface::Kmip,
            action: Action::KeyEncrypt,
            key: Some(current.key.id),
            version: None,
            outcome,
            context: BTreeMap::new(),
        };
        let failed = Outcome::Error {
            code: "internal".into(),
        };
        for record in [
            event(other, Outcome::Ok),
            event(own, Outcome::Ok),
            event(other, failed),
        ] {
            store
                .write(|tx| -> Result<_, TxError<ServerError>> {
                    Ok(crate::audit::append_in(tx, &keys, record, 0)?)
                })
                .unwrap();
        }
        let seen = |since, own| {
            store
                .write(|tx| touched_by_another(tx, &current, since, own))
                .unwrap()
        };
        assert!(seen(0, own), "another request's use at seq 1");
        assert!(
            !seen(1, own),
            "only the batch's own and a failed request since"
        );
        assert!(
            seen(1, other),
            "the batch's event is another request's to others"
        );
    }
}
