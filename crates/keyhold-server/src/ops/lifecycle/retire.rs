//! Taking a key out of service for good or for a while: scheduling (and
//! cancelling) the destruction of its material, and archiving (and
//! recovering) it (KMIP 2.1 sections 6.1.4 Archive, 6.1.16 Destroy and
//! 6.1.42 Recover).
//!
//! Scheduling records when the material is due to be erased; the erasure
//! itself is the scheduler's (a later issue), which will apply the Destroy
//! transition to each version then.

use keyhold_api::keys::KeyInfo;
use keyhold_api::lifecycle::{
    DEFAULT_WAITING_PERIOD_DAYS, MAX_WAITING_PERIOD_DAYS, ScheduleDestroyRequest,
};
use keyhold_core::{KeyRef, KeyState, LifecycleEvent, Timestamp, transition};

use super::{KeyAction, KeyRows};
use crate::error::ServerError;
use crate::ops::{Caller, Operations};

/// Seconds in a day.
const DAY_SECS: i64 = 86_400;

impl Operations {
    /// Schedules the destruction of the key's material after a waiting
    /// period. Every version not yet destroyed must be in a state the
    /// Destroy transition leaves (PreActive, Deactivated, Compromised): an
    /// active or suspended key is refused with `illegal_state_transition`.
    pub fn schedule_key_destroy(
        &self,
        caller: &Caller,
        key: &KeyRef,
        req: ScheduleDestroyRequest,
    ) -> Result<KeyInfo, ServerError> {
        let days = self.waiting_period(req.waiting_period_days)?;
        self.change_key_for(caller, key, &req, |rows, now| {
            if let Some(at) = rows.key.destroy_scheduled_at {
                return Err(ServerError::DestroyScheduled {
                    at,
                    action: KeyAction::ScheduleDestroy,
                });
            }
            check_destroyable(rows, now)?;
            rows.key.destroy_scheduled_at = Some(now.plus_seconds(i64::from(days) * DAY_SECS));
            rows.key.kmip.destroy_requested_at = Some(now);
            Ok(())
        })
    }

    /// Cancels a scheduled destruction.
    pub fn cancel_key_destroy(
        &self,
        caller: &Caller,
        key: &KeyRef,
    ) -> Result<KeyInfo, ServerError> {
        self.change_key(caller, key, |rows, _| {
            rows.key.kmip.destroy_requested_at = None;
            rows.key
                .destroy_scheduled_at
                .take()
                .map(drop)
                .ok_or(ServerError::DestroyNotScheduled)
        })
    }

    /// Archives a key that is not in service (its primary version neither
    /// Active nor Suspended): every version is archived and refuses every
    /// cryptographic operation until the key is recovered.
    pub fn archive_key(&self, caller: &Caller, key: &KeyRef) -> Result<KeyInfo, ServerError> {
        self.change_key(caller, key, |rows, _| {
            let primary = rows.primary()?;
            if primary.archived {
                return Err(ServerError::KeyArchived {
                    action: KeyAction::Archive,
                });
            }
            if matches!(primary.state, KeyState::Active | KeyState::Suspended) {
                return Err(ServerError::LifecycleRefused {
                    action: KeyAction::Archive,
                    state: primary.state,
                });
            }
            set_archived(rows, true);
            Ok(())
        })
    }

    /// Recovers an archived key: its versions are usable again as their
    /// states allow.
    pub fn recover_key(&self, caller: &Caller, key: &KeyRef) -> Result<KeyInfo, ServerError> {
        self.change_key(caller, key, |rows, _| {
            if !rows.primary()?.archived {
                return Err(ServerError::KeyNotArchived);
            }
            set_archived(rows, false);
            Ok(())
        })
    }

    /// The waiting period a request asks for, checked against the bounds:
    /// the configured minimum to [`MAX_WAITING_PERIOD_DAYS`]; by default
    /// [`DEFAULT_WAITING_PERIOD_DAYS`], or the minimum when that is longer.
    fn waiting_period(&self, asked: Option<u32>) -> Result<u32, ServerError> {
        let min = self.lifecycle.min_destroy_waiting_days;
        let days = asked.unwrap_or(DEFAULT_WAITING_PERIOD_DAYS.max(min));
        if days < min || days > MAX_WAITING_PERIOD_DAYS {
            return Err(ServerError::InvalidWaitingPeriod {
                days,
                min,
                max: MAX_WAITING_PERIOD_DAYS,
            });
        }
        Ok(days)
    }
}

/// Checks that the Destroy transition is legal for every version not yet
/// destroyed, the primary first (so a refusal names the key's state), and
/// that there is one.
fn check_destroyable(rows: &KeyRows, now: Timestamp) -> Result<(), ServerError> {
    let primary = rows.primary()?;
    let others = rows
        .versions
        .iter()
        .map(|v| &v.meta)
        .filter(|v| v.version != primary.version);
    let mut left = 0;
    for v in std::iter::once(primary).chain(others) {
        if !v.state.is_destroyed() {
            transition(v.state, LifecycleEvent::Destroy, now)?;
            left += 1;
        }
    }
    if left == 0 {
        // Nothing left to destroy: the state machine says why.
        transition(primary.state, LifecycleEvent::Destroy, now)?;
    }
    Ok(())
}

fn set_archived(rows: &mut KeyRows, archived: bool) {
    for v in &mut rows.versions {
        v.meta.archived = archived;
    }
}
