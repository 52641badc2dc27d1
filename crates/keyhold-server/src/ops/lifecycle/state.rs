//! State changes of the version state machine: activate, deactivate,
//! suspend, resume (on the primary version) and revoke (KMIP 2.1 sections
//! 6.1.1 Activate and 6.1.44 Revoke).

use keyhold_api::keys::KeyInfo;
use keyhold_api::lifecycle::{MAX_REVOCATION_MESSAGE_BYTES, RevokeRequest};
use keyhold_core::{CoreError, KeyRef, KeyState, LifecycleEvent, Timestamp, VersionNumber};

use super::{KeyAction, KeyRows, Tombstone, apply, check_due};
use crate::error::ServerError;
use crate::ops::{Caller, Operations};

impl Operations {
    /// Activates a pre-active key now (KMIP Activate). Refused for an
    /// archived key and for one scheduled for destruction.
    pub fn activate_key(&self, caller: &Caller, key: &KeyRef) -> Result<KeyInfo, ServerError> {
        self.change_key(caller, key, |rows, now| {
            in_service_check(rows, KeyAction::Activate)?;
            apply(rows.primary_mut()?, LifecycleEvent::Activate, now)
        })
    }

    /// Activates a pre-active key whose primary version's activation date
    /// has come, as decided inside the write transaction (`not_due`
    /// otherwise, and nothing changes): the scheduler's activation.
    pub fn activate_due(&self, caller: &Caller, key: &KeyRef) -> Result<KeyInfo, ServerError> {
        self.change_key(caller, key, |rows, now| {
            in_service_check(rows, KeyAction::Activate)?;
            let planned = rows.primary()?.activation_date;
            check_due(KeyAction::Activate, planned, now)?;
            apply(rows.primary_mut()?, LifecycleEvent::Activate, now)
        })
    }

    /// Deactivates a key whose primary version's deactivation date has
    /// come, as decided inside the write transaction (`not_due` otherwise,
    /// and nothing changes): the scheduler's deactivation. Its deactivation
    /// date becomes the time it was done.
    pub fn deactivate_due(&self, caller: &Caller, key: &KeyRef) -> Result<KeyInfo, ServerError> {
        self.change_key(caller, key, |rows, now| {
            let planned = rows.primary()?.deactivation_date;
            check_due(KeyAction::Deactivate, planned, now)?;
            apply(rows.primary_mut()?, LifecycleEvent::Deactivate, now)
        })
    }

    /// Ends the primary version's protecting use: it still decrypts and
    /// verifies.
    pub fn deactivate_key(&self, caller: &Caller, key: &KeyRef) -> Result<KeyInfo, ServerError> {
        self.primary_event(caller, key, LifecycleEvent::Deactivate)
    }

    /// Takes an active key out of service until it is resumed.
    pub fn suspend_key(&self, caller: &Caller, key: &KeyRef) -> Result<KeyInfo, ServerError> {
        self.primary_event(caller, key, LifecycleEvent::Suspend)
    }

    /// Returns a suspended key to service.
    pub fn resume_key(&self, caller: &Caller, key: &KeyRef) -> Result<KeyInfo, ServerError> {
        self.change_key(caller, key, |rows, now| {
            in_service_check(rows, KeyAction::Resume)?;
            apply(rows.primary_mut()?, LifecycleEvent::Resume, now)
        })
    }

    /// Revokes the key (or one version) for a KMIP revocation reason; see
    /// the module documentation of `lifecycle` for which versions change.
    pub fn revoke_key(
        &self,
        caller: &Caller,
        key: &KeyRef,
        req: RevokeRequest,
    ) -> Result<KeyInfo, ServerError> {
        check_revocation(&req, self.now())?;
        // A compromise may still be recorded on a destroyed key (KMIP
        // transition 10); any other revocation of one is `key_destroyed`.
        let info = self.change_key_rows(caller, key, Tombstone::Reach, &req, |rows, now| {
            if !req.reason.is_compromise() {
                rows.refuse_destroyed()?;
            }
            revoke(rows, &req, now)
        })?;
        tracing::info!(
            key = %info.id,
            reason = ?req.reason,
            version = ?req.version,
            message = req.message.as_deref().unwrap_or(""),
            "key revoked"
        );
        Ok(info)
    }

    fn primary_event(
        &self,
        caller: &Caller,
        key: &KeyRef,
        event: LifecycleEvent,
    ) -> Result<KeyInfo, ServerError> {
        self.change_key(caller, key, |rows, now| {
            apply(rows.primary_mut()?, event, now)
        })
    }
}

/// Refuses to put an archived key, or one scheduled for destruction, back
/// into service.
fn in_service_check(rows: &KeyRows, action: KeyAction) -> Result<(), ServerError> {
    if rows.primary()?.archived {
        return Err(ServerError::KeyArchived { action });
    }
    match rows.key.destroy_scheduled_at {
        Some(at) => Err(ServerError::DestroyScheduled { at, action }),
        None => Ok(()),
    }
}

/// Checks what a revocation request carries besides the reason.
fn check_revocation(req: &RevokeRequest, now: Timestamp) -> Result<(), ServerError> {
    let invalid = |field, reason| ServerError::Core(CoreError::InvalidValue { field, reason });
    if let Some(date) = req.compromise_date {
        if !req.reason.is_compromise() {
            return Err(invalid(
                "compromise_date",
                "only key-compromise and ca-compromise take a compromise date",
            ));
        }
        if date > now {
            return Err(invalid("compromise_date", "must not be in the future"));
        }
    }
    match &req.message {
        Some(m) if m.len() > MAX_REVOCATION_MESSAGE_BYTES => {
            Err(invalid("message", "must be at most 1024 bytes"))
        }
        Some(m) if m.chars().any(char::is_control) => {
            Err(invalid("message", "must not hold control characters"))
        }
        _ => Ok(()),
    }
}

/// Applies the revocation to the versions it concerns, the primary first
/// (so a refusal names the key's state).
fn revoke(rows: &mut KeyRows, req: &RevokeRequest, now: Timestamp) -> Result<(), ServerError> {
    let event = LifecycleEvent::Revoke(req.reason);
    let at = match req.compromise_date {
        Some(date) if req.reason.is_compromise() => date,
        _ => now,
    };
    for number in revocation_targets(rows, req)? {
        let version = rows.version_mut(number)?;
        apply(version, event, at)?;
        if req.reason.is_compromise() {
            version.compromise_recorded_at = Some(now);
        }
    }
    Ok(())
}

/// The versions a revocation changes, the primary (or the named version)
/// first: for a compromise of the whole key, every other version that is
/// neither compromised nor destroyed too.
pub(super) fn revocation_targets(
    rows: &KeyRows,
    req: &RevokeRequest,
) -> Result<Vec<VersionNumber>, ServerError> {
    if let Some(number) = req.version {
        rows.version(number)?;
        return Ok(vec![number]);
    }
    let primary = rows.key.primary_version;
    let mut targets = vec![primary];
    if req.reason.is_compromise() {
        targets.extend(
            rows.versions
                .iter()
                .map(|v| &v.meta)
                .filter(|v| v.version != primary)
                .filter(|v| !v.state.is_destroyed() && v.state != KeyState::Compromised)
                .map(|v| v.version),
        );
    }
    Ok(targets)
}
