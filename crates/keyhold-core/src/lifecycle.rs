//! The key lifecycle of NIST SP 800-57 Part 1 (section 7) and KMIP 2.1
//! (section 3.22 of KMIP 1.4, "State" attribute, 4.57 of KMIP 2.1), as one pure
//! function [`transition`], and the usage rule [`check_use`] deciding what a
//! state permits.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::time::Timestamp;

/// The state of one key version.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyState {
    /// Generated but not yet usable (KMIP Pre-Active).
    PreActive,
    /// In service: protects (primary version only) and processes.
    Active,
    /// Temporarily out of service (keyhold's own state, not KMIP's); resumes to Active.
    Suspended,
    /// Past its originator-usage period: processes only (decrypt, verify).
    Deactivated,
    /// Known or suspected compromised: processes only with `use-compromised`.
    Compromised,
    /// Material erased; metadata kept as a tombstone.
    Destroyed,
    /// Material erased, and known to have been compromised.
    DestroyedCompromised,
}

impl KeyState {
    /// Every state, in lifecycle order.
    pub const ALL: [Self; 7] = [
        Self::PreActive,
        Self::Active,
        Self::Suspended,
        Self::Deactivated,
        Self::Compromised,
        Self::Destroyed,
        Self::DestroyedCompromised,
    ];

    /// The state's name on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::PreActive => "pre-active",
            Self::Active => "active",
            Self::Suspended => "suspended",
            Self::Deactivated => "deactivated",
            Self::Compromised => "compromised",
            Self::Destroyed => "destroyed",
            Self::DestroyedCompromised => "destroyed-compromised",
        }
    }

    /// The state with this wire name.
    pub fn from_name(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Whether the material is gone.
    pub const fn is_destroyed(self) -> bool {
        matches!(self, Self::Destroyed | Self::DestroyedCompromised)
    }
}

impl fmt::Display for KeyState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for KeyState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a key is revoked: KMIP Revocation Reason Code (KMIP 2.1 section 11.29).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RevocationReason {
    /// No reason given.
    Unspecified,
    /// The key itself is (suspected) compromised.
    KeyCompromise,
    /// The issuing CA is compromised.
    CaCompromise,
    /// The owner's affiliation changed.
    AffiliationChanged,
    /// Replaced by another key.
    Superseded,
    /// No longer needed.
    CessationOfOperation,
    /// The owner's privilege was withdrawn.
    PrivilegeWithdrawn,
}

impl RevocationReason {
    /// Whether this reason moves the key to Compromised.
    pub const fn is_compromise(self) -> bool {
        matches!(self, Self::KeyCompromise | Self::CaCompromise)
    }
}

/// Something that happens to a key version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LifecycleEvent {
    /// Put into service (explicitly, or its activation date was reached).
    Activate,
    /// Take out of service for a while.
    Suspend,
    /// Return a suspended version to service.
    Resume,
    /// End its originator usage (explicitly, superseded by a rotation, its
    /// deactivation date or its cryptoperiod's end).
    Deactivate,
    /// Revoke it for a reason; a compromise reason moves it to Compromised.
    Revoke(RevocationReason),
    /// Erase its material.
    Destroy,
}

impl LifecycleEvent {
    /// The event's name, as used in messages.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Activate => "activate",
            Self::Suspend => "suspend",
            Self::Resume => "resume",
            Self::Deactivate => "deactivate",
            Self::Revoke(_) => "revoke",
            Self::Destroy => "destroy",
        }
    }
}

impl fmt::Display for LifecycleEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A date attribute a transition stamps (KMIP date attributes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DateField {
    /// Activation Date.
    Activation,
    /// Deactivation Date.
    Deactivation,
    /// Compromise Date.
    Compromise,
    /// Destroy Date.
    Destroy,
}

/// The result of a legal transition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transition {
    /// The state after the event.
    pub to: KeyState,
    /// The date attribute to record, and its value.
    pub stamp: Option<(DateField, Timestamp)>,
}
