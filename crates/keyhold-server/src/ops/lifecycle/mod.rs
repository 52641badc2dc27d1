//! The key lifecycle endpoints: state changes (`state`), rotation
//! (`rotate`), destruction scheduling and archival (`retire`), metadata,
//! versions and public keys (`metadata`), and the checks on what a caller
//! may set (`validate`).
//!
//! Semantics, the same whatever the interface:
//! - A key's state is its primary version's state. Activate, suspend,
//!   resume and deactivate act on the primary version.
//! - Revoke for a compromise reason acts on the primary version and on every
//!   other version not yet compromised or destroyed (a compromise of a key is
//!   a compromise of all its material), each stamped with the same
//!   compromise date; revoke for any other reason acts on the primary only.
//!   A request naming a `version` acts on that version only.
//! - Every state change is [`keyhold_core::transition`]; an illegal one
//!   fails the whole request with `illegal_state_transition` naming the
//!   state, and nothing changes: each request reads, decides and writes in
//!   one write transaction ([`Operations::change_key`]).
//! - An archived key cannot be activated or resumed; a key scheduled for
//!   destruction cannot be activated. Both refuse every cryptographic use
//!   that their versions' states refuse; a key scheduled for destruction has
//!   no Active version, so it protects nothing, and its Deactivated versions
//!   still process (decrypt, verify) until the material is erased.
//! - A key whose material is destroyed (its primary version Destroyed or
//!   DestroyedCompromised) takes no change: `key_destroyed`, whatever was
//!   asked, but a compromise revocation (KMIP transition 10, Destroyed →
//!   DestroyedCompromised, which records that erased material had been
//!   compromised). Its cryptographic uses answer the same
//!   ([`Operations::check_usable`]).
//! - Every change (and only a change) moves the key's `updated_at`.

mod cryptoperiod;
mod destroy;
mod metadata;
mod retire;
mod rotate;
mod state;
mod unused;
pub(super) mod validate;

pub(super) use cryptoperiod::recipient_usage_end;

use std::fmt;

use keyhold_api::keys::KeyInfo;
use keyhold_core::lifecycle::Lifecycle;
use keyhold_core::{
    Key, KeyRef, KeyState, KeyVersion, LifecycleEvent, TenantId, Timestamp, VersionNumber,
};
use keyhold_store::{ReadTx, StoredVersion, TxError, WriteTx};

use super::keys::key_info;
use super::{Caller, Operations};
use crate::error::ServerError;
use crate::vault::tx_error;

/// The shortest destruction waiting period the server accepts unless
/// configured otherwise, in days.
pub const DEFAULT_MIN_DESTROY_WAITING_DAYS: u32 = 7;

/// Server-wide lifecycle settings, from the configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LifecycleSettings {
    /// The shortest destruction waiting period accepted, in days.
    pub min_destroy_waiting_days: u32,
}

impl Default for LifecycleSettings {
    fn default() -> Self {
        Self {
            min_destroy_waiting_days: DEFAULT_MIN_DESTROY_WAITING_DAYS,
        }
    }
}

/// A lifecycle request, as named in refusals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyAction {
    /// Put a pre-active key into service.
    Activate,
    /// End an active key's protecting use.
    Deactivate,
    /// Return a suspended key to service.
    Resume,
    /// Make a new primary version.
    Rotate,
    /// Take a non-active key out of service.
    Archive,
    /// Schedule the erasure of the key's material.
    ScheduleDestroy,
    /// Erase the key's material (the scheduler, when it is due).
    Destroy,
    /// Warn that an unused key will be suspended (the scheduler).
    WarnUnused,
    /// Suspend a key unused for its tenant's period (the scheduler).
    SuspendUnused,
}

impl KeyAction {
    /// The action's name, as in messages and paths.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Activate => "activate",
            Self::Deactivate => "deactivate",
            Self::Resume => "resume",
            Self::Rotate => "rotate",
            Self::Archive => "archive",
            Self::ScheduleDestroy => "schedule the destruction of",
            Self::Destroy => "destroy",
            Self::WarnUnused => "warn as unused",
            Self::SuspendUnused => "suspend as unused",
        }
    }
}

impl fmt::Display for KeyAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A key and every one of its versions, as read in one transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct KeyRows {
    pub(super) key: Key,
    /// By version number, oldest first.
    pub(super) versions: Vec<StoredVersion>,
}

impl KeyRows {
    /// Reads the key `key_ref` names in `tenant`, with its versions.
    pub(super) fn load<T: ReadTx + ?Sized>(
        tx: &mut T,
        tenant: TenantId,
        key_ref: &KeyRef,
    ) -> Result<Self, TxError<ServerError>> {
        let found = match key_ref {
            KeyRef::Id(id) => tx.key_get(tenant, *id)?,
            KeyRef::Name(name) => tx.key_by_name(tenant, name)?,
        };
        let key = found.ok_or(TxError::Abort(ServerError::KeyNotFound))?;
        let versions = tx.versions(key.id)?;
        Ok(Self { key, versions })
    }

    /// The primary version.
    pub(super) fn primary(&self) -> Result<&KeyVersion, ServerError> {
        self.version(self.key.primary_version)
            .map(|v| &v.meta)
            .map_err(|_| missing_primary())
    }

    /// The primary version, to change.
    pub(super) fn primary_mut(&mut self) -> Result<&mut KeyVersion, ServerError> {
        let number = self.key.primary_version;
        self.version_mut(number).map_err(|_| missing_primary())
    }

    /// Version `number`.
    pub(super) fn version(&self, number: VersionNumber) -> Result<&StoredVersion, ServerError> {
        self.versions
            .iter()
            .find(|v| v.meta.version == number)
            .ok_or(ServerError::VersionNotFound { version: number })
    }

    /// Version `number`, to change.
    pub(super) fn version_mut(
        &mut self,
        number: VersionNumber,
    ) -> Result<&mut KeyVersion, ServerError> {
        self.versions
            .iter_mut()
            .find(|v| v.meta.version == number)
            .map(|v| &mut v.meta)
            .ok_or(ServerError::VersionNotFound { version: number })
    }

    /// Refuses a change of a key whose material is destroyed.
    pub(super) fn refuse_destroyed(&self) -> Result<(), ServerError> {
        if self.primary()?.state.is_destroyed() {
            return Err(ServerError::KeyDestroyed);
        }
        Ok(())
    }

    /// The public view of the key.
    pub(super) fn info(&self) -> Result<KeyInfo, ServerError> {
        Ok(key_info(self.key.clone(), self.primary()?))
    }

    /// Sets `next_rotation_at`: kept while the primary is Active and a
    /// rotation period is set (now + period when unset), cleared otherwise.
    fn reschedule_rotation(&mut self, now: Timestamp) -> Result<(), ServerError> {
        let active = self.primary()?.state == KeyState::Active;
        self.key.next_rotation_at =
            match self.key.rotation_period_secs {
                Some(period) if active => Some(self.key.next_rotation_at.unwrap_or_else(|| {
                    now.plus_seconds(i64::try_from(period).unwrap_or(i64::MAX))
                })),
                _ => None,
            };
        Ok(())
    }

    /// Writes every row that differs from `before`, and the key with
    /// `updated_at` moved to `now` if anything changed.
    pub(super) fn save(
        mut self,
        tx: &mut dyn WriteTx,
        before: &Self,
        now: Timestamp,
    ) -> Result<Self, TxError<ServerError>> {
        if self == *before {
            return Ok(self);
        }
        for v in &self.versions {
            match before.version(v.meta.version) {
                Ok(old) if old == v => {}
                Ok(_) => tx.version_update(v)?,
                Err(_) => tx.version_insert(v)?,
            }
        }
        self.key.updated_at = now;
        tx.key_update(&self.key)?;
        Ok(self)
    }
}

fn missing_primary() -> ServerError {
    ServerError::Internal {
        what: "primary version missing",
    }
}

/// Whether a change may reach a key whose material is destroyed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Tombstone {
    /// No: `key_destroyed` (every change but a compromise revocation).
    Refuse,
    /// Yes: the change decides for itself.
    Reach,
}

impl Operations {
    /// Reads the key and its versions, lets `change` decide and modify them,
    /// and writes what changed: all in one write transaction, so a refusal
    /// anywhere leaves everything as it was. Answers with the updated key.
    /// A key whose material is destroyed is refused (`key_destroyed`).
    pub(super) fn change_key(
        &self,
        caller: &Caller,
        key: &KeyRef,
        change: impl FnOnce(&mut KeyRows, Timestamp) -> Result<(), ServerError>,
    ) -> Result<KeyInfo, ServerError> {
        self.change_key_rows(
            caller,
            key,
            Tombstone::Refuse,
            &serde_json::json!({}),
            change,
        )
    }

    /// [`change_key`](Self::change_key) for a request with a body: when a
    /// quorum rule guards the action, the approval must bind this key and
    /// `request`, and is spent in the same transaction.
    pub(super) fn change_key_for(
        &self,
        caller: &Caller,
        key: &KeyRef,
        request: &impl serde::Serialize,
        change: impl FnOnce(&mut KeyRows, Timestamp) -> Result<(), ServerError>,
    ) -> Result<KeyInfo, ServerError> {
        self.change_key_rows(caller, key, Tombstone::Refuse, request, change)
    }

    /// [`change_key_for`](Self::change_key_for), saying whether a destroyed
    /// key may be reached.
    pub(super) fn change_key_rows(
        &self,
        caller: &Caller,
        key: &KeyRef,
        tombstone: Tombstone,
        request: &impl serde::Serialize,
        change: impl FnOnce(&mut KeyRows, Timestamp) -> Result<(), ServerError>,
    ) -> Result<KeyInfo, ServerError> {
        self.vault.unlocked()?;
        let now = self.now();
        let tenant = caller.tenant.id;
        self.write_audited(caller, |tx| {
            let before = KeyRows::load(tx, tenant, key)?;
            caller
                .admit_key(&before.key, None)
                .map_err(TxError::Abort)?;
            if tombstone == Tombstone::Refuse {
                before.refuse_destroyed().map_err(TxError::Abort)?;
            }
            self.spend_approval(tx, caller, Some(before.key.id), request)?;
            let mut after = before.clone();
            change(&mut after, now).map_err(TxError::Abort)?;
            for added in after.versions.iter().skip(before.versions.len()) {
                crate::ops::rotate_kek::check_kek_current(tx, tenant, added.kek_generation)?;
            }
            after.reschedule_rotation(now).map_err(TxError::Abort)?;
            after.reschedule_cryptoperiod().map_err(TxError::Abort)?;
            let saved = after.save(tx, &before, now)?;
            saved.info().map_err(TxError::Abort)
        })
    }

    /// Reads the key and its versions in one snapshot.
    pub(super) fn key_rows(&self, caller: &Caller, key: &KeyRef) -> Result<KeyRows, ServerError> {
        self.vault.unlocked()?;
        let tenant = caller.tenant.id;
        self.store
            .read(|tx| KeyRows::load(tx, tenant, key))
            .map_err(tx_error)
            .and_then(|rows| caller.admit_key(&rows.key, None).map(|()| rows))
    }
}

/// Refuses a scheduled `action` whose time (`due`) has not come, or that is
/// not scheduled at all, with `not_due`.
pub(super) fn check_due(
    action: KeyAction,
    due: Option<Timestamp>,
    now: Timestamp,
) -> Result<(), ServerError> {
    match due {
        Some(at) if at <= now => Ok(()),
        _ => Err(ServerError::NotDue { action, due }),
    }
}

/// Applies `event` to a version through the state machine, stamping the
/// date the transition names with `at`, and recording a revocation's reason.
pub(super) fn apply(
    version: &mut KeyVersion,
    event: LifecycleEvent,
    at: Timestamp,
) -> Result<(), ServerError> {
    Lifecycle::apply(version, event, at)?;
    if let LifecycleEvent::Revoke(reason) = event {
        version.revocation_reason = Some(reason);
    }
    Ok(())
}

#[cfg(test)]
pub(super) mod tests;
