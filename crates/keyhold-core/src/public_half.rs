//! The Public Key of a key pair made over KMIP, as the managed object of
//! its own that KMIP makes it (KMIP 1.4 section 2.2, KMIP 2.1 section 2.2):
//! one keyhold key version holds both halves (DESIGN.md section 3), but a
//! pair made by KMIP Create Key Pair gives its Public Key its own state and
//! dates, which change only by operations on the Public Key's Unique
//! Identifier, through the same state machine ([`crate::lifecycle`]). The
//! profiles' test cases AKLC-M-2 and AKLC-M-3 activate and revoke the
//! Private Key and find the Public Key still Pre-Active.
//!
//! Pairs made over REST, and imported pairs, have none: their public key
//! shares the version's state.

use serde::{Deserialize, Serialize};

use crate::lifecycle::{DateField, KeyState, Lifecycle};
use crate::model::KeyVersion;
use crate::name::KeyName;
use crate::time::Timestamp;

/// The Public Key object's own state and dates.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicHalf {
    /// Its lifecycle state.
    pub state: KeyState,
    /// Activation Date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activation_date: Option<Timestamp>,
    /// Deactivation Date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deactivation_date: Option<Timestamp>,
    /// Compromise Date (when the compromise was recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compromise_date: Option<Timestamp>,
    /// Destroy Date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destroy_date: Option<Timestamp>,
    /// Its own KMIP Name, when Create Key Pair gave the Public Key one
    /// (the key's name is the Private Key's). Shown by Get Attributes;
    /// Locate by name finds the key's name only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<KeyName>,
}

impl PublicHalf {
    /// The Public Key of a pair just made as `version`: in its state, with
    /// its activation date.
    pub fn of_new(version: &KeyVersion) -> Self {
        Self {
            state: version.state,
            activation_date: version.activation_date,
            deactivation_date: None,
            compromise_date: None,
            destroy_date: None,
            name: None,
        }
    }
}

/// Both kinds of lifecycle object name their state and dates alike.
macro_rules! lifecycle_by_fields {
    ($($t:ty),*) => {$(
        impl Lifecycle for $t {
            fn state(&self) -> KeyState {
                self.state
            }

            fn set_state(&mut self, state: KeyState) {
                self.state = state;
            }

            fn date_mut(&mut self, field: DateField) -> &mut Option<Timestamp> {
                match field {
                    DateField::Activation => &mut self.activation_date,
                    DateField::Deactivation => &mut self.deactivation_date,
                    DateField::Compromise => &mut self.compromise_date,
                    DateField::Destroy => &mut self.destroy_date,
                }
            }
        }
    )*};
}

lifecycle_by_fields!(PublicHalf, KeyVersion);

impl KeyVersion {
    /// The version as its Public Key object shows it: with the public
    /// half's own state and dates, when it has them (else as it is).
    pub fn public_view(&self) -> KeyVersion {
        let mut view = self.clone();
        if let Some(half) = &self.public_half {
            view.state = half.state;
            view.activation_date = half.activation_date;
            view.deactivation_date = half.deactivation_date;
            view.compromise_date = half.compromise_date;
            view.compromise_recorded_at = half.compromise_date;
            view.destroy_date = half.destroy_date;
            view.revocation_reason = None;
        }
        view
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{KeyId, VersionId, VersionNumber};
    use crate::lifecycle::{LifecycleEvent, RevocationReason};

    const T0: Timestamp = Timestamp::from_unix_seconds(1_800_000_000);
    const T1: Timestamp = Timestamp::from_unix_seconds(1_800_000_100);

    fn pair() -> KeyVersion {
        let id = VersionId::from_uuid(uuid::Uuid::from_u128(1));
        let key = KeyId::from_uuid(uuid::Uuid::from_u128(2));
        KeyVersion::new(id, key, VersionNumber::FIRST, KeyState::PreActive, T0)
    }

    #[test]
    fn the_halves_move_apart() {
        let mut v = pair();
        v.public_half = Some(PublicHalf::of_new(&v));
        // The private half is activated and compromised; the public stays.
        v.state = KeyState::Compromised;
        v.compromise_date = Some(T1);
        assert_eq!(v.public_view().state, KeyState::PreActive);
        assert_eq!(v.public_view().compromise_date, None);
        let mut half = v.public_half.unwrap();
        half.apply(LifecycleEvent::Activate, T1).unwrap();
        assert_eq!(
            (half.state, half.activation_date),
            (KeyState::Active, Some(T1))
        );
        let compromise = LifecycleEvent::Revoke(RevocationReason::KeyCompromise);
        half.apply(compromise, T1).unwrap();
        assert_eq!(
            (half.state, half.compromise_date),
            (KeyState::Compromised, Some(T1))
        );
        let before = half.clone();
        assert!(half.apply(LifecycleEvent::Activate, T1).is_err());
        assert_eq!(half, before, "an illegal event changes nothing");
        half.apply(LifecycleEvent::Destroy, T1).unwrap();
        assert_eq!(half.state, KeyState::DestroyedCompromised);
    }

    #[test]
    fn a_version_without_a_half_shows_itself() {
        let v = pair();
        assert_eq!(v.public_view(), v);
    }
}
