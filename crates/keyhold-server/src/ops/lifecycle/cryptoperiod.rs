//! Cryptoperiods (NIST SP 800-57) on the server: the end of a primary
//! version's recipient-usage period, kept with the key for the scheduler's
//! work list, and the scheduler's deactivation when it comes. The end of
//! the originator-usage period needs no action: every protect operation
//! compares it with the clock ([`keyhold_core::check_use`]).

use keyhold_api::keys::KeyInfo;
use keyhold_core::{Key, KeyRef, KeyState, KeyVersion, LifecycleEvent, Timestamp};

use super::{KeyAction, KeyRows, apply, check_due};
use crate::error::ServerError;
use crate::ops::{Caller, Operations};

impl Operations {
    /// Deactivates a key whose primary version's recipient-usage period has
    /// ended, as decided inside the write transaction (`not_due` otherwise,
    /// and nothing changes): the scheduler's end of a cryptoperiod. The
    /// version's deactivation date becomes the time it was done.
    pub fn deactivate_cryptoperiod_ended(
        &self,
        caller: &Caller,
        key: &KeyRef,
    ) -> Result<KeyInfo, ServerError> {
        self.change_key(caller, key, |rows, now| {
            let primary = rows.primary()?;
            let end = rows.key.cryptoperiod.recipient_end(primary.activation_date);
            check_due(KeyAction::Deactivate, end, now)?;
            apply(rows.primary_mut()?, LifecycleEvent::Deactivate, now)
        })
    }
}

impl KeyRows {
    /// Sets the key's `recipient_usage_end` from its periods and its
    /// primary version, after any change.
    pub(super) fn reschedule_cryptoperiod(&mut self) -> Result<(), ServerError> {
        self.key.recipient_usage_end = recipient_usage_end(&self.key, self.primary()?);
        Ok(())
    }
}

/// When the scheduler is to deactivate `primary`: the end of its
/// recipient-usage period while it is Active or Suspended (a pre-active
/// version's period has not started; other states are past it).
pub(in crate::ops) fn recipient_usage_end(key: &Key, primary: &KeyVersion) -> Option<Timestamp> {
    match primary.state {
        KeyState::Active | KeyState::Suspended => {
            key.cryptoperiod.recipient_end(primary.activation_date)
        }
        KeyState::PreActive
        | KeyState::Deactivated
        | KeyState::Compromised
        | KeyState::Destroyed
        | KeyState::DestroyedCompromised => None,
    }
}
