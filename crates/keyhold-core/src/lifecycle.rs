//! The key lifecycle of NIST SP 800-57 Part 1 (section 7) and KMIP 2.1
//! (section 3.22 of KMIP 1.4, "State" attribute, 4.57 of KMIP 2.1), as one pure
//! function [`transition`]. What each state permits is the usage rule,
//! [`check_use`](crate::usage_rule::check_use).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::CoreError;
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
    /// Every reason, in KMIP enumeration order.
    pub const ALL: [Self; 7] = [
        Self::Unspecified,
        Self::KeyCompromise,
        Self::CaCompromise,
        Self::AffiliationChanged,
        Self::Superseded,
        Self::CessationOfOperation,
        Self::PrivilegeWithdrawn,
    ];

    /// Whether this reason moves the key to Compromised: "key compromise" or
    /// "CA compromise" (KMIP 2.1 section 6.1.44, Revoke).
    pub const fn is_compromise(self) -> bool {
        match self {
            Self::KeyCompromise | Self::CaCompromise => true,
            Self::Unspecified
            | Self::AffiliationChanged
            | Self::Superseded
            | Self::CessationOfOperation
            | Self::PrivilegeWithdrawn => false,
        }
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

/// Applies `event` to a key version in `state` at `now`: the new state and the
/// date attribute to stamp with `now`, or
/// [`CoreError::IllegalTransition`] naming the state and the event. Pure: the
/// caller stores the result.
///
/// The legal transitions, numbered as in KMIP 1.4 section 3.22 and KMIP 2.1
/// section 4.57 ("State"), which add that "only the transitions described
/// above are permitted":
///
/// | from | event | to | stamps |
/// |---|---|---|---|
/// | PreActive | activate (4) | Active | Activation Date |
/// | PreActive | revoke, compromise (3) | Compromised | Compromise Date |
/// | PreActive | destroy (2) | Destroyed | Destroy Date |
/// | Active | suspend | Suspended | — |
/// | Active | deactivate, or revoke for another reason (6) | Deactivated | Deactivation Date |
/// | Active | revoke, compromise (5) | Compromised | Compromise Date |
/// | Suspended | resume | Active | — |
/// | Suspended | deactivate, or revoke for another reason | Deactivated | Deactivation Date |
/// | Suspended | revoke, compromise | Compromised | Compromise Date |
/// | Deactivated | revoke, compromise (8) | Compromised | Compromise Date |
/// | Deactivated | destroy (7) | Destroyed | Destroy Date |
/// | Compromised | destroy (9) | DestroyedCompromised | Destroy Date |
/// | Destroyed | revoke, compromise (10) | DestroyedCompromised | Compromise Date |
///
/// Readings of the spec, for the cases it leaves open:
/// - Suspended is keyhold's own state (not in KMIP): a version taken out of
///   service for a while. It leaves exactly as Active does, except that it
///   resumes to Active instead of being suspended, and, like Active, it cannot
///   be destroyed. Suspend and resume stamp no date: KMIP has none for them.
/// - PreActive cannot be deactivated, by deactivate or by a non-compromise
///   revoke: KMIP 1.4 and 2.1 list no Pre-Active → Deactivated transition,
///   although the Revoke operation says a non-compromise reason "places the
///   object in the deactivated state". A never-used version is destroyed
///   instead (transition 2).
/// - A non-compromise revoke of a Deactivated, Compromised or destroyed
///   version is illegal: it would be Deactivated → Deactivated (no such
///   transition, and the Deactivation Date "SHALL NOT be changed" once past
///   Active) or a step back out of Compromised.
/// - Revoking a Compromised or DestroyedCompromised version for a compromise
///   again is illegal, not idempotent: KMIP lists no such transition, and
///   re-stamping would overwrite the recorded Compromise Date.
/// - A Compromised version can be destroyed (transition 9), although the
///   Destroy operation text says objects are destroyed only from Pre-Active or
///   Deactivated; the State attribute's list is the more specific rule.
/// - Activate is legal only from PreActive (KMIP 2.1 section 6.1.1).
pub fn transition(
    state: KeyState,
    event: LifecycleEvent,
    now: Timestamp,
) -> Result<Transition, CoreError> {
    match target(state, Step::of(event)) {
        Some((to, field)) => Ok(Transition {
            to,
            stamp: field.map(|field| (field, now)),
        }),
        None => Err(CoreError::IllegalTransition { state, event }),
    }
}

/// What moves through the state machine: a key version, or the Public Key
/// object of a pair that keeps its own state
/// ([`PublicHalf`](crate::PublicHalf)).
pub trait Lifecycle {
    /// Its state.
    fn state(&self) -> KeyState;
    /// Sets its state.
    fn set_state(&mut self, state: KeyState);
    /// The date attribute `field` names.
    fn date_mut(&mut self, field: DateField) -> &mut Option<Timestamp>;

    /// Applies `event` at `now`: the [`transition`], and the date it
    /// stamps. An illegal one changes nothing.
    fn apply(&mut self, event: LifecycleEvent, now: Timestamp) -> Result<(), CoreError> {
        let t = transition(self.state(), event, now)?;
        self.set_state(t.to);
        if let Some((field, at)) = t.stamp {
            *self.date_mut(field) = Some(at);
        }
        Ok(())
    }
}

/// An event as the state machine tells events apart: a revocation either is a
/// compromise (KMIP transitions 3, 5, 8, 10) or is not (transition 6).
#[derive(Clone, Copy)]
enum Step {
    Activate,
    Suspend,
    Resume,
    Deactivate,
    RevokeCompromise,
    RevokeOther,
    Destroy,
}

impl Step {
    const fn of(event: LifecycleEvent) -> Self {
        match event {
            LifecycleEvent::Activate => Self::Activate,
            LifecycleEvent::Suspend => Self::Suspend,
            LifecycleEvent::Resume => Self::Resume,
            LifecycleEvent::Deactivate => Self::Deactivate,
            LifecycleEvent::Revoke(reason) if reason.is_compromise() => Self::RevokeCompromise,
            LifecycleEvent::Revoke(_) => Self::RevokeOther,
            LifecycleEvent::Destroy => Self::Destroy,
        }
    }
}

/// The whole state table: every (state, step) pair is spelled out, so a new
/// state or event does not compile until it is placed here.
const fn target(state: KeyState, step: Step) -> Option<(KeyState, Option<DateField>)> {
    use DateField as D;
    use KeyState as S;
    use Step as E;
    match (state, step) {
        (S::PreActive, E::Activate) => Some((S::Active, Some(D::Activation))),
        (S::PreActive, E::RevokeCompromise) => Some((S::Compromised, Some(D::Compromise))),
        (S::PreActive, E::Destroy) => Some((S::Destroyed, Some(D::Destroy))),
        (S::PreActive, E::Suspend | E::Resume | E::Deactivate | E::RevokeOther) => None,

        (S::Active, E::Suspend) => Some((S::Suspended, None)),
        (S::Active, E::Deactivate | E::RevokeOther) => {
            Some((S::Deactivated, Some(D::Deactivation)))
        }
        (S::Active, E::RevokeCompromise) => Some((S::Compromised, Some(D::Compromise))),
        (S::Active, E::Activate | E::Resume | E::Destroy) => None,

        (S::Suspended, E::Resume) => Some((S::Active, None)),
        (S::Suspended, E::Deactivate | E::RevokeOther) => {
            Some((S::Deactivated, Some(D::Deactivation)))
        }
        (S::Suspended, E::RevokeCompromise) => Some((S::Compromised, Some(D::Compromise))),
        (S::Suspended, E::Activate | E::Suspend | E::Destroy) => None,

        (S::Deactivated, E::RevokeCompromise) => Some((S::Compromised, Some(D::Compromise))),
        (S::Deactivated, E::Destroy) => Some((S::Destroyed, Some(D::Destroy))),
        (S::Deactivated, E::Activate | E::Suspend | E::Resume | E::Deactivate | E::RevokeOther) => {
            None
        }

        (S::Compromised, E::Destroy) => Some((S::DestroyedCompromised, Some(D::Destroy))),
        (
            S::Compromised,
            E::Activate
            | E::Suspend
            | E::Resume
            | E::Deactivate
            | E::RevokeCompromise
            | E::RevokeOther,
        ) => None,

        (S::Destroyed, E::RevokeCompromise) => Some((S::DestroyedCompromised, Some(D::Compromise))),
        (
            S::Destroyed,
            E::Activate | E::Suspend | E::Resume | E::Deactivate | E::RevokeOther | E::Destroy,
        ) => None,

        (
            S::DestroyedCompromised,
            E::Activate
            | E::Suspend
            | E::Resume
            | E::Deactivate
            | E::RevokeCompromise
            | E::RevokeOther
            | E::Destroy,
        ) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use DateField as D;
    use KeyState as S;
    use LifecycleEvent as E;
    use RevocationReason as R;

    const NOW: Timestamp = Timestamp::from_unix_seconds(1_800_000_000);

    /// The expected outcome: `Some((to, stamped date))` when legal, `None`
    /// when illegal.
    type Expected = Option<(KeyState, Option<DateField>)>;

    const fn to(state: KeyState, field: DateField) -> Expected {
        Some((state, Some(field)))
    }

    const fn to_unstamped(state: KeyState) -> Expected {
        Some((state, None))
    }

    const ILLEGAL: Expected = None;

    /// Every state against every event (each revocation reason counted as its
    /// own event), written out by hand.
    #[rustfmt::skip]
    const TABLE: [(KeyState, LifecycleEvent, Expected); 84] = [
        (S::PreActive, E::Activate, to(S::Active, D::Activation)),
        (S::PreActive, E::Suspend, ILLEGAL),
        (S::PreActive, E::Resume, ILLEGAL),
        (S::PreActive, E::Deactivate, ILLEGAL),
        (S::PreActive, E::Revoke(R::Unspecified), ILLEGAL),
        (S::PreActive, E::Revoke(R::KeyCompromise), to(S::Compromised, D::Compromise)),
        (S::PreActive, E::Revoke(R::CaCompromise), to(S::Compromised, D::Compromise)),
        (S::PreActive, E::Revoke(R::AffiliationChanged), ILLEGAL),
        (S::PreActive, E::Revoke(R::Superseded), ILLEGAL),
        (S::PreActive, E::Revoke(R::CessationOfOperation), ILLEGAL),
        (S::PreActive, E::Revoke(R::PrivilegeWithdrawn), ILLEGAL),
        (S::PreActive, E::Destroy, to(S::Destroyed, D::Destroy)),
        //
        (S::Active, E::Activate, ILLEGAL),
        (S::Active, E::Suspend, to_unstamped(S::Suspended)),
        (S::Active, E::Resume, ILLEGAL),
        (S::Active, E::Deactivate, to(S::Deactivated, D::Deactivation)),
        (S::Active, E::Revoke(R::Unspecified), to(S::Deactivated, D::Deactivation)),
        (S::Active, E::Revoke(R::KeyCompromise), to(S::Compromised, D::Compromise)),
        (S::Active, E::Revoke(R::CaCompromise), to(S::Compromised, D::Compromise)),
        (S::Active, E::Revoke(R::AffiliationChanged), to(S::Deactivated, D::Deactivation)),
        (S::Active, E::Revoke(R::Superseded), to(S::Deactivated, D::Deactivation)),
        (S::Active, E::Revoke(R::CessationOfOperation), to(S::Deactivated, D::Deactivation)),
        (S::Active, E::Revoke(R::PrivilegeWithdrawn), to(S::Deactivated, D::Deactivation)),
        (S::Active, E::Destroy, ILLEGAL),
        //
        (S::Suspended, E::Activate, ILLEGAL),
        (S::Suspended, E::Suspend, ILLEGAL),
        (S::Suspended, E::Resume, to_unstamped(S::Active)),
        (S::Suspended, E::Deactivate, to(S::Deactivated, D::Deactivation)),
        (S::Suspended, E::Revoke(R::Unspecified), to(S::Deactivated, D::Deactivation)),
        (S::Suspended, E::Revoke(R::KeyCompromise), to(S::Compromised, D::Compromise)),
        (S::Suspended, E::Revoke(R::CaCompromise), to(S::Compromised, D::Compromise)),
        (S::Suspended, E::Revoke(R::AffiliationChanged), to(S::Deactivated, D::Deactivation)),
        (S::Suspended, E::Revoke(R::Superseded), to(S::Deactivated, D::Deactivation)),
        (S::Suspended, E::Revoke(R::CessationOfOperation), to(S::Deactivated, D::Deactivation)),
        (S::Suspended, E::Revoke(R::PrivilegeWithdrawn), to(S::Deactivated, D::Deactivation)),
        (S::Suspended, E::Destroy, ILLEGAL),
        //
        (S::Deactivated, E::Activate, ILLEGAL),
        (S::Deactivated, E::Suspend, ILLEGAL),
        (S::Deactivated, E::Resume, ILLEGAL),
        (S::Deactivated, E::Deactivate, ILLEGAL),
        (S::Deactivated, E::Revoke(R::Unspecified), ILLEGAL),
        (S::Deactivated, E::Revoke(R::KeyCompromise), to(S::Compromised, D::Compromise)),
        (S::Deactivated, E::Revoke(R::CaCompromise), to(S::Compromised, D::Compromise)),
        (S::Deactivated, E::Revoke(R::AffiliationChanged), ILLEGAL),
        (S::Deactivated, E::Revoke(R::Superseded), ILLEGAL),
        (S::Deactivated, E::Revoke(R::CessationOfOperation), ILLEGAL),
        (S::Deactivated, E::Revoke(R::PrivilegeWithdrawn), ILLEGAL),
        (S::Deactivated, E::Destroy, to(S::Destroyed, D::Destroy)),
        //
        (S::Compromised, E::Activate, ILLEGAL),
        (S::Compromised, E::Suspend, ILLEGAL),
        (S::Compromised, E::Resume, ILLEGAL),
        (S::Compromised, E::Deactivate, ILLEGAL),
        (S::Compromised, E::Revoke(R::Unspecified), ILLEGAL),
        (S::Compromised, E::Revoke(R::KeyCompromise), ILLEGAL),
        (S::Compromised, E::Revoke(R::CaCompromise), ILLEGAL),
        (S::Compromised, E::Revoke(R::AffiliationChanged), ILLEGAL),
        (S::Compromised, E::Revoke(R::Superseded), ILLEGAL),
        (S::Compromised, E::Revoke(R::CessationOfOperation), ILLEGAL),
        (S::Compromised, E::Revoke(R::PrivilegeWithdrawn), ILLEGAL),
        (S::Compromised, E::Destroy, to(S::DestroyedCompromised, D::Destroy)),
        //
        (S::Destroyed, E::Activate, ILLEGAL),
        (S::Destroyed, E::Suspend, ILLEGAL),
        (S::Destroyed, E::Resume, ILLEGAL),
        (S::Destroyed, E::Deactivate, ILLEGAL),
        (S::Destroyed, E::Revoke(R::Unspecified), ILLEGAL),
        (S::Destroyed, E::Revoke(R::KeyCompromise), to(S::DestroyedCompromised, D::Compromise)),
        (S::Destroyed, E::Revoke(R::CaCompromise), to(S::DestroyedCompromised, D::Compromise)),
        (S::Destroyed, E::Revoke(R::AffiliationChanged), ILLEGAL),
        (S::Destroyed, E::Revoke(R::Superseded), ILLEGAL),
        (S::Destroyed, E::Revoke(R::CessationOfOperation), ILLEGAL),
        (S::Destroyed, E::Revoke(R::PrivilegeWithdrawn), ILLEGAL),
        (S::Destroyed, E::Destroy, ILLEGAL),
        //
        (S::DestroyedCompromised, E::Activate, ILLEGAL),
        (S::DestroyedCompromised, E::Suspend, ILLEGAL),
        (S::DestroyedCompromised, E::Resume, ILLEGAL),
        (S::DestroyedCompromised, E::Deactivate, ILLEGAL),
        (S::DestroyedCompromised, E::Revoke(R::Unspecified), ILLEGAL),
        (S::DestroyedCompromised, E::Revoke(R::KeyCompromise), ILLEGAL),
        (S::DestroyedCompromised, E::Revoke(R::CaCompromise), ILLEGAL),
        (S::DestroyedCompromised, E::Revoke(R::AffiliationChanged), ILLEGAL),
        (S::DestroyedCompromised, E::Revoke(R::Superseded), ILLEGAL),
        (S::DestroyedCompromised, E::Revoke(R::CessationOfOperation), ILLEGAL),
        (S::DestroyedCompromised, E::Revoke(R::PrivilegeWithdrawn), ILLEGAL),
        (S::DestroyedCompromised, E::Destroy, ILLEGAL),
    ];

    /// A number per event variant; the exhaustive match stops compiling when
    /// an event is added, until [`all_events`] lists it.
    fn event_variant(event: LifecycleEvent) -> usize {
        match event {
            E::Activate => 0,
            E::Suspend => 1,
            E::Resume => 2,
            E::Deactivate => 3,
            E::Revoke(_) => 4,
            E::Destroy => 5,
        }
    }
    const EVENT_VARIANTS: usize = 6;

    /// A number per reason; stops compiling when a reason is added.
    fn reason_variant(reason: RevocationReason) -> usize {
        match reason {
            R::Unspecified => 0,
            R::KeyCompromise => 1,
            R::CaCompromise => 2,
            R::AffiliationChanged => 3,
            R::Superseded => 4,
            R::CessationOfOperation => 5,
            R::PrivilegeWithdrawn => 6,
        }
    }
    const REASON_VARIANTS: usize = 7;

    fn all_events() -> Vec<LifecycleEvent> {
        let mut events = vec![E::Activate, E::Suspend, E::Resume, E::Deactivate];
        events.extend(R::ALL.map(E::Revoke));
        events.push(E::Destroy);
        events
    }

    fn case_name(state: KeyState, event: LifecycleEvent) -> String {
        format!("{state} --{event:?}-->")
    }

    #[test]
    fn transition_matches_the_table() {
        for (state, event, expected) in TABLE {
            let name = case_name(state, event);
            let got = transition(state, event, NOW);
            match expected {
                Some((to, field)) => {
                    let want = Transition {
                        to,
                        stamp: field.map(|f| (f, NOW)),
                    };
                    assert_eq!(got, Ok(want), "{name}");
                }
                None => {
                    assert_eq!(
                        got,
                        Err(CoreError::IllegalTransition { state, event }),
                        "{name}"
                    );
                }
            }
        }
    }

    #[test]
    fn event_and_reason_lists_are_complete() {
        let mut seen = [false; EVENT_VARIANTS];
        for event in all_events() {
            seen[event_variant(event)] = true;
        }
        assert!(
            seen.iter().all(|s| *s),
            "an event variant is missing: {seen:?}"
        );

        let mut seen = [false; REASON_VARIANTS];
        for reason in R::ALL {
            assert!(!seen[reason_variant(reason)], "{reason:?} listed twice");
            seen[reason_variant(reason)] = true;
        }
        assert!(seen.iter().all(|s| *s), "a reason is missing: {seen:?}");
    }

    #[test]
    fn table_covers_every_state_and_event_exactly_once() {
        let events = all_events();
        assert_eq!(TABLE.len(), KeyState::ALL.len() * events.len());
        for state in KeyState::ALL {
            for &event in &events {
                let rows = TABLE
                    .iter()
                    .filter(|(s, e, _)| *s == state && *e == event)
                    .count();
                assert_eq!(rows, 1, "{}: {rows} rows", case_name(state, event));
            }
        }
    }

    /// Every (state, event) pair with its outcome.
    fn every_outcome() -> Vec<(KeyState, LifecycleEvent, Result<Transition, CoreError>)> {
        let events = all_events();
        KeyState::ALL
            .into_iter()
            .flat_map(|s| events.iter().map(move |&e| (s, e, transition(s, e, NOW))))
            .collect()
    }

    #[test]
    fn nothing_leaves_a_destroyed_state_but_destroyed_to_destroyed_compromised() {
        for (state, event, got) in every_outcome() {
            if let (true, Ok(t)) = (state.is_destroyed(), got) {
                assert_eq!(
                    (state, t.to),
                    (S::Destroyed, S::DestroyedCompromised),
                    "{}",
                    case_name(state, event)
                );
            }
        }
    }

    #[test]
    fn an_active_or_suspended_version_is_never_destroyed() {
        for (state, event, got) in every_outcome() {
            if let (S::Active | S::Suspended, Ok(t)) = (state, got) {
                assert!(!t.to.is_destroyed(), "{}", case_name(state, event));
            }
        }
        for state in [S::Active, S::Suspended] {
            assert!(transition(state, E::Destroy, NOW).is_err());
        }
    }

    #[test]
    fn only_activate_and_resume_enter_active() {
        for (state, event, got) in every_outcome() {
            if let Ok(Transition { to: S::Active, .. }) = got {
                assert!(
                    matches!(
                        (state, event),
                        (S::PreActive, E::Activate) | (S::Suspended, E::Resume)
                    ),
                    "{}",
                    case_name(state, event)
                );
            }
        }
    }

    #[test]
    fn every_stamp_carries_now_and_names_the_date_of_the_new_state() {
        for (state, event, got) in every_outcome() {
            let Ok(t) = got else { continue };
            let name = case_name(state, event);
            match t.stamp {
                Some((field, at)) => {
                    assert_eq!(at, NOW, "{name}");
                    let expected_field = match t.to {
                        S::Active => D::Activation,
                        S::Deactivated => D::Deactivation,
                        S::Compromised => D::Compromise,
                        S::Destroyed => D::Destroy,
                        S::DestroyedCompromised if state == S::Destroyed => D::Compromise,
                        S::DestroyedCompromised => D::Destroy,
                        S::PreActive | S::Suspended => panic!("{name} stamps {field:?}"),
                    };
                    assert_eq!(field, expected_field, "{name}");
                }
                None => assert!(
                    matches!(event, E::Suspend | E::Resume),
                    "{name} stamps no date"
                ),
            }
        }
    }

    #[test]
    fn an_illegal_event_names_state_and_event_in_its_message() {
        let err = transition(S::Active, E::Destroy, NOW).unwrap_err();
        assert_eq!(
            err.to_string(),
            "illegal state transition: cannot destroy a key that is active"
        );
    }
}
