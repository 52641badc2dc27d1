//! Undoing what earlier items of a KMIP batch did when a later one fails
//! and the batch asked for it (Batch Error Continuation Option Undo, KMIP
//! 1.4 section 6.13, KMIP 2.1 sections 9.6 and 11.5).
//!
//! A batch item's change of a key is known by two snapshots of the key's
//! rows, taken around the item: [`KeySnapshot`]s. Undoing it writes the
//! rows back as they were before, in one write transaction that is
//! authorized and audited as the item's own action (context
//! `undo: batch`), only if the key still stands as the item left it; a key
//! the item made is removed. What cannot be undone is refused and stays:
//! - a key that changed since the item (another request, a later item that
//!   is not undone such as a metered use under Usage Limits): `undo_conflict`
//!   (what the server records by itself, a use or a first serving of the
//!   material, is no change: it stays as it is);
//! - material that was erased (a public key's or a due destruction): undoing
//!   never brings erased material back.
//!
//! Taking a snapshot is bookkeeping, not a request: it reads the key as the
//! caller's tenant, records no audit event, and shows nothing to the client.

use std::sync::Arc;

use keyhold_core::{Action, KeyRef, Timestamp, VersionId};
use keyhold_store::{TxError, WriteTx};

use super::lifecycle::KeyRows;
use super::{Caller, Credentials, Operations};
use crate::error::ServerError;

/// A key's rows as they stood at one moment of a batch.
#[derive(Clone, Debug)]
pub struct KeySnapshot(KeyRows);

impl KeySnapshot {
    /// The rows with what the server records by itself set from `like`:
    /// the last use, the idle warning, when material was first served (so
    /// a use, or a Get, between two snapshots is no change, and a restored
    /// key stays used and served), and the time of the last change (which
    /// an undoing moves too).
    fn bookkeeping_as(&self, like: &KeyRows) -> KeyRows {
        let mut rows = self.0.clone();
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
            .is_some_and(|b| b.bookkeeping_as(&after.0) == after.0);
        (!same).then_some(Self {
            action,
            before,
            after,
        })
    }
}

impl Operations {
    /// The rows of the key holding KMIP object `id`, as the caller
    /// `creds` authenticate as for `action` sees them; `None` when the
    /// caller or the object is not found (the item then fails by itself).
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
            let rows = ops.store.read(|tx| {
                let missing = || TxError::Abort(ServerError::KeyNotFound);
                let version = tx.version_by_id(id)?.ok_or_else(missing)?;
                KeyRows::load(tx, tenant, &KeyRef::Id(version.meta.key))
            });
            rows.ok().map(KeySnapshot)
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
        let KeyChange { before, after, .. } = change;
        let (tenant, id, now) = (caller.tenant.id, after.0.key.id, self.now());
        self.write_audited(caller, |tx| {
            let current = KeyRows::load(tx, tenant, &KeyRef::Id(id))?;
            caller
                .admit_key(&current.key, None)
                .map_err(TxError::Abort)?;
            if after.bookkeeping_as(&current) != current {
                return Err(conflict("the object changed since"));
            }
            match before {
                None => Ok(tx.key_remove(tenant, id)?),
                Some(before) => restore(tx, &current, before.bookkeeping_as(&current), now),
            }
        })
    }
}

/// Writes `before` over `current`: versions added since are removed, the
/// others and the key written back as they were (`updated_at` now: the
/// undoing is a change too).
fn restore(
    tx: &mut dyn WriteTx,
    current: &KeyRows,
    mut before: KeyRows,
    now: Timestamp,
) -> Result<(), TxError<ServerError>> {
    if before.versions.len() > current.versions.len() {
        return Err(conflict("a version is gone"));
    }
    for v in &current.versions {
        match before.version(v.meta.version) {
            Err(_) => tx.version_remove(current.key.id, v.meta.version)?,
            Ok(old) if old.sealed_material.is_some() && v.sealed_material.is_none() => {
                return Err(conflict("its material was erased"));
            }
            Ok(old) if old != v => tx.version_update(old)?,
            Ok(_) => {}
        }
    }
    before.key.updated_at = now;
    Ok(tx.key_update(&before.key)?)
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
        let snap = |r: &KeyRows| KeySnapshot(r.clone());
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
}
