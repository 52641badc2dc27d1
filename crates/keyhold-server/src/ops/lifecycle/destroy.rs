//! The erasure of a key's material once its scheduled destruction is due
//! (KMIP 2.1 section 6.1.16, Destroy): the scheduler's action, never a
//! request of a client, who schedules (`retire`) and may cancel until then.
//!
//! Every version not yet destroyed takes the Destroy transition (PreActive
//! and Deactivated become Destroyed, Compromised becomes
//! DestroyedCompromised) and loses its sealed material; the key row, every
//! version's metadata and the audit history stay as a tombstone. The store
//! erases the bytes: SQLite's `secure_delete` overwrites the freed space and
//! the commit checkpoints the write-ahead log, so the material is left in no
//! file.

use keyhold_api::keys::KeyInfo;
use keyhold_core::{KeyRef, LifecycleEvent, Timestamp};

use super::{KeyAction, KeyRows, apply, check_due};
use crate::error::ServerError;
use crate::ops::{Caller, Operations};

impl Operations {
    /// Destroys the key's material if its scheduled destruction has come,
    /// as decided inside the write transaction. Refused, changing nothing,
    /// with `not_due` before its time, `destroy_not_scheduled` when none is
    /// scheduled (cancelled, or done already) and `key_destroyed` for a
    /// key already destroyed.
    pub fn destroy_due(&self, caller: &Caller, key: &KeyRef) -> Result<KeyInfo, ServerError> {
        let mut erased = 0_usize;
        let info = self.change_key(caller, key, |rows, now| {
            erased = destroy(rows, now)?;
            caller.note("versions_destroyed", erased.to_string());
            Ok(())
        })?;
        tracing::info!(key = %info.id, versions = erased, "key material destroyed");
        Ok(info)
    }
}

/// Applies the Destroy transition to every version not yet destroyed,
/// erases their material and clears the schedule: how many it destroyed.
fn destroy(rows: &mut KeyRows, now: Timestamp) -> Result<usize, ServerError> {
    if rows.key.destroy_scheduled_at.is_none() {
        return Err(ServerError::DestroyNotScheduled);
    }
    check_due(KeyAction::Destroy, rows.key.destroy_scheduled_at, now)?;
    let mut erased = 0;
    for v in &mut rows.versions {
        if !v.meta.state.is_destroyed() {
            apply(&mut v.meta, LifecycleEvent::Destroy, now)?;
            erased += 1;
        }
        v.sealed_material = None;
    }
    rows.key.destroy_scheduled_at = None;
    Ok(erased)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use keyhold_core::{
        Algorithm, Key, KeyId, KeyState, KeyVersion, Origin, Protection, SealedBlob, TenantId,
        UsageMask, VersionId, VersionNumber,
    };
    use keyhold_store::StoredVersion;

    use super::*;

    const NOW: Timestamp = Timestamp::from_unix_seconds(1_800_000_000);

    fn rows(states: &[KeyState], due: Option<Timestamp>) -> KeyRows {
        let id = KeyId::from_uuid(uuid::Uuid::from_u128(1));
        let versions = states
            .iter()
            .zip(1..)
            .map(|(&state, n)| StoredVersion {
                meta: KeyVersion::new(
                    VersionId::from_uuid(uuid::Uuid::new_v4()),
                    id,
                    VersionNumber::new(n).unwrap(),
                    state,
                    NOW,
                ),
                sealed_material: Some(SealedBlob::new(vec![n as u8; 40])),
                kek_generation: 1,
            })
            .collect();
        let key = Key {
            id,
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
            rotation_period_secs: None,
            next_rotation_at: None,
            primary_version: VersionNumber::new(u32::try_from(states.len()).unwrap()).unwrap(),
            destroy_scheduled_at: due,
            created_at: NOW,
            updated_at: NOW,
            cryptoperiod: keyhold_core::Cryptoperiod::NONE,
            recipient_usage_end: None,
            last_used_at: None,
            idle_warned_at: None,
            crypto_params: None,
            kmip: Default::default(),
        };
        KeyRows { key, versions }
    }

    #[test]
    fn every_version_is_destroyed_and_erased() {
        use KeyState::{Compromised, Deactivated, Destroyed, DestroyedCompromised, PreActive};
        let mut r = rows(&[Deactivated, Compromised, PreActive], Some(NOW));
        assert_eq!(destroy(&mut r, NOW).unwrap(), 3);
        let states: Vec<KeyState> = r.versions.iter().map(|v| v.meta.state).collect();
        assert_eq!(states, [Destroyed, DestroyedCompromised, Destroyed]);
        assert!(r.versions.iter().all(|v| v.sealed_material.is_none()));
        assert!(r.versions.iter().all(|v| v.meta.destroy_date == Some(NOW)));
        assert_eq!(r.key.destroy_scheduled_at, None);
    }

    #[test]
    fn before_its_time_or_unscheduled_nothing_changes() {
        let later = NOW.plus_seconds(1);
        let before = rows(&[KeyState::Deactivated], Some(later));
        let mut r = before.clone();
        let err = destroy(&mut r, NOW).unwrap_err();
        assert!(
            matches!(err, ServerError::NotDue { action: KeyAction::Destroy, due: Some(at) } if at == later),
            "{err:?}"
        );
        assert!(err.to_string().contains("not due to destroy"), "{err}");
        assert_eq!(r, before);
        let mut none = rows(&[KeyState::Deactivated], None);
        assert!(matches!(
            destroy(&mut none, NOW),
            Err(ServerError::DestroyNotScheduled)
        ));
    }

    #[test]
    fn a_version_in_service_refuses_the_whole_destruction() {
        let mut r = rows(&[KeyState::Deactivated, KeyState::Active], Some(NOW));
        let err = destroy(&mut r, NOW).unwrap_err();
        assert!(matches!(err, ServerError::Core(_)), "{err:?}");
    }
}
