//! Unit tests of the shared lifecycle helpers: applying an event to a
//! version, and keeping the next rotation time consistent.

use std::collections::BTreeMap;

use keyhold_core::{
    Algorithm, Key, KeyId, KeyState, KeyVersion, LifecycleEvent, Origin, Protection,
    RevocationReason, TenantId, Timestamp, UsageMask, VersionId, VersionNumber,
};
use keyhold_store::StoredVersion;

use super::{KeyRows, apply};
use crate::error::ServerError;

const NOW: Timestamp = Timestamp::from_unix_seconds(1_800_000_000);
const EARLIER: Timestamp = Timestamp::from_unix_seconds(1_700_000_000);

fn version(n: u32, state: KeyState) -> KeyVersion {
    KeyVersion {
        activation_date: Some(EARLIER),
        ..KeyVersion::new(
            VersionId::from_uuid(uuid::Uuid::new_v4()),
            KeyId::from_uuid(uuid::Uuid::from_u128(1)),
            VersionNumber::new(n).unwrap(),
            state,
            EARLIER,
        )
    }
}

/// A key of one version in state `primary`, rotated every `period` seconds.
pub(in crate::ops) fn rows(primary: KeyState, period: Option<u64>) -> KeyRows {
    KeyRows {
        key: Key {
            id: KeyId::from_uuid(uuid::Uuid::from_u128(1)),
            tenant: TenantId::from_uuid(uuid::Uuid::from_u128(2)),
            name: "k".parse().unwrap(),
            description: String::new(),
            tags: BTreeMap::new(),
            algorithm: Algorithm::Aes256Gcm,
            usage: UsageMask::ENCRYPT,
            protection: Protection::Software,
            origin: Origin::Generated,
            exportable: false,
            owner: None,
            rotation_period_secs: period,
            next_rotation_at: None,
            primary_version: VersionNumber::FIRST,
            destroy_scheduled_at: None,
            created_at: EARLIER,
            updated_at: EARLIER,
            cryptoperiod: keyhold_core::Cryptoperiod::NONE,
            recipient_usage_end: None,
            last_used_at: None,
            idle_warned_at: None,
            crypto_params: None,
            kmip: Default::default(),
        },
        versions: vec![StoredVersion {
            meta: version(1, primary),
            sealed_material: None,
            kek_generation: 1,
        }],
    }
}

#[test]
fn apply_stamps_the_transition_date_and_the_reason() {
    let mut v = version(1, KeyState::Active);
    apply(&mut v, LifecycleEvent::Deactivate, NOW).unwrap();
    assert_eq!(v.state, KeyState::Deactivated);
    assert_eq!(v.deactivation_date, Some(NOW));
    assert_eq!(v.activation_date, Some(EARLIER));
    assert_eq!(v.revocation_reason, None);

    let reason = RevocationReason::KeyCompromise;
    apply(&mut v, LifecycleEvent::Revoke(reason), EARLIER).unwrap();
    assert_eq!(v.state, KeyState::Compromised);
    assert_eq!(v.compromise_date, Some(EARLIER));
    assert_eq!(v.revocation_reason, Some(reason));
    assert_eq!(v.deactivation_date, Some(NOW));

    let mut s = version(1, KeyState::Active);
    apply(&mut s, LifecycleEvent::Suspend, NOW).unwrap();
    assert_eq!(s.state, KeyState::Suspended);
    assert_eq!(s.deactivation_date, None);
}

#[test]
fn an_illegal_event_changes_nothing() {
    let before = version(1, KeyState::Deactivated);
    let mut v = before.clone();
    let err = apply(&mut v, LifecycleEvent::Activate, NOW).unwrap_err();
    assert!(matches!(
        err,
        ServerError::Core(keyhold_core::CoreError::IllegalTransition {
            state: KeyState::Deactivated,
            ..
        })
    ));
    assert_eq!(v, before);
}

#[test]
fn next_rotation_is_set_only_while_active_with_a_period() {
    let day = 86_400;
    let mut active = rows(KeyState::Active, Some(day));
    active.reschedule_rotation(NOW).unwrap();
    assert_eq!(active.key.next_rotation_at, Some(NOW.plus_seconds(86_400)));
    // Kept once set.
    active.reschedule_rotation(NOW.plus_seconds(10)).unwrap();
    assert_eq!(active.key.next_rotation_at, Some(NOW.plus_seconds(86_400)));
    // Cleared when the key leaves Active, or has no period.
    active.versions[0].meta.state = KeyState::Suspended;
    active.reschedule_rotation(NOW).unwrap();
    assert_eq!(active.key.next_rotation_at, None);
    let mut none = rows(KeyState::Active, None);
    none.reschedule_rotation(NOW).unwrap();
    assert_eq!(none.key.next_rotation_at, None);
    let mut pre = rows(KeyState::PreActive, Some(day));
    pre.reschedule_rotation(NOW).unwrap();
    assert_eq!(pre.key.next_rotation_at, None);
}

#[test]
fn versions_are_found_by_number() {
    let r = rows(KeyState::Active, None);
    assert!(r.version(VersionNumber::FIRST).is_ok());
    let two = VersionNumber::new(2).unwrap();
    assert!(matches!(
        r.version(two),
        Err(ServerError::VersionNotFound { version }) if version == two
    ));
    assert_eq!(r.primary().unwrap().version, VersionNumber::FIRST);
}

#[test]
fn a_compromise_reaches_every_version_not_yet_compromised_or_destroyed() {
    use keyhold_api::lifecycle::RevokeRequest;
    let mut r = rows(KeyState::Active, None);
    r.versions = [
        KeyState::Deactivated,
        KeyState::Compromised,
        KeyState::Destroyed,
        KeyState::Deactivated,
        KeyState::Active,
    ]
    .into_iter()
    .zip(1..)
    .map(|(state, n)| StoredVersion {
        meta: version(n, state),
        sealed_material: None,
        kek_generation: 1,
    })
    .collect();
    r.key.primary_version = VersionNumber::new(5).unwrap();
    let numbers = |req: &RevokeRequest| -> Vec<u32> {
        super::state::revocation_targets(&r, req)
            .unwrap()
            .into_iter()
            .map(VersionNumber::get)
            .collect()
    };
    let compromise = RevokeRequest::new(RevocationReason::KeyCompromise);
    assert_eq!(numbers(&compromise), [5, 1, 4]);
    let superseded = RevokeRequest::new(RevocationReason::Superseded);
    assert_eq!(numbers(&superseded), [5]);
    let one = RevokeRequest {
        version: Some(VersionNumber::new(2).unwrap()),
        ..compromise.clone()
    };
    assert_eq!(numbers(&one), [2]);
    let missing = RevokeRequest {
        version: Some(VersionNumber::new(9).unwrap()),
        ..compromise
    };
    assert!(matches!(
        super::state::revocation_targets(&r, &missing),
        Err(ServerError::VersionNotFound { .. })
    ));
}

#[test]
fn the_end_of_the_recipient_usage_period_is_kept_while_the_primary_is_in_service() {
    let rup = 30 * 86_400;
    for state in KeyState::ALL {
        let mut r = rows(state, None);
        r.key.cryptoperiod.recipient_usage_secs = Some(rup);
        r.key.recipient_usage_end = Some(NOW);
        r.reschedule_cryptoperiod().unwrap();
        let want = match state {
            KeyState::Active | KeyState::Suspended => Some(EARLIER.plus_seconds(30 * 86_400)),
            _ => None,
        };
        assert_eq!(r.key.recipient_usage_end, want, "{state}");
    }
    let mut none = rows(KeyState::Active, None);
    none.key.recipient_usage_end = Some(NOW);
    none.reschedule_cryptoperiod().unwrap();
    assert_eq!(none.key.recipient_usage_end, None, "no period, no end");
}
