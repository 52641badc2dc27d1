//! Rotation (KMIP 2.1 section 6.1.46, Re-key): a new primary version with
//! fresh material of the same algorithm and usage; the old primary is
//! deactivated, so it still decrypts and verifies what it protected (every
//! ciphertext envelope names its version).

use keyhold_api::keys::KeyInfo;
use keyhold_core::{
    KeyRef, KeyState, KeyVersion, LifecycleEvent, Origin, PublicHalf, Timestamp, VersionId,
    VersionNumber,
};
use keyhold_crypto::KeyMaterial;
use keyhold_crypto::hierarchy::{Kek, MaterialAad};
use keyhold_store::StoredVersion;

use super::{KeyAction, KeyRows, apply, check_due};
use crate::error::ServerError;
use crate::ops::{Caller, Operations};

/// Fresh material for the new version, made before the write transaction
/// (key generation can take a while; the transaction should not).
struct NewMaterial {
    material: KeyMaterial,
    public_key: Option<Vec<u8>>,
}

/// Which rotations a request asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum When {
    /// Now, whatever the schedule (the rotate request).
    Now,
    /// Only if its rotation time has come (the scheduler).
    Due,
}

impl Operations {
    /// Rotates an active key: version N+1 becomes the Active primary, the
    /// old primary becomes Deactivated. Any other state is refused with
    /// `illegal_state_transition`; a destroyed key with `key_destroyed`.
    pub fn rotate_key(&self, caller: &Caller, key: &KeyRef) -> Result<KeyInfo, ServerError> {
        self.rotate(caller, key, When::Now)
    }

    /// Rotates the key as [`rotate_key`](Self::rotate_key) does, but only
    /// if its `next_rotation_at` has come, as decided inside the write
    /// transaction (`not_due` otherwise, and nothing changes): the
    /// scheduler's rotation, safe to repeat.
    pub fn rotate_due(&self, caller: &Caller, key: &KeyRef) -> Result<KeyInfo, ServerError> {
        self.rotate(caller, key, When::Due)
    }

    fn rotate(&self, caller: &Caller, key: &KeyRef, when: When) -> Result<KeyInfo, ServerError> {
        let kek = self.vault.unlocked()?.kek(&caller.tenant)?;
        // Refuse early, before generating material; decided again below.
        let current = self.key_rows(caller, key)?;
        check_rotatable(&current, when, self.now())?;
        let algorithm = current.key.algorithm;
        let material = self
            .crypto
            .keygen
            .generate(algorithm)
            .map_err(ServerError::Crypto)?;
        let public_key = self
            .crypto
            .keygen
            .public_key(&material)
            .map_err(ServerError::Crypto)?;
        let fresh = NewMaterial {
            material,
            public_key,
        };
        self.change_key(caller, key, |rows, now| {
            check_rotatable(rows, when, now)?;
            if rows.key.id != current.key.id || rows.key.algorithm != algorithm {
                return Err(ServerError::Internal {
                    what: "key changed during rotation",
                });
            }
            let sealer = (kek.as_ref(), caller.tenant.kek_generation);
            let version = self.seal_new_version(rows, sealer, fresh, now)?;
            add_primary(rows, version, now)
        })
    }

    /// The next version of `rows`' key, Active from `now`, with `fresh`
    /// sealed under the tenant KEK (of the generation given with it) for
    /// that version number.
    fn seal_new_version(
        &self,
        rows: &KeyRows,
        (kek, kek_generation): (&Kek, u32),
        fresh: NewMaterial,
        now: Timestamp,
    ) -> Result<StoredVersion, ServerError> {
        let number = next_number(rows)?;
        let aad = MaterialAad {
            tenant: rows.key.tenant,
            key: rows.key.id,
            version: number,
            algorithm: rows.key.algorithm,
        };
        let sealed = kek
            .seal_material(&self.crypto, &aad, &fresh.material)
            .map_err(ServerError::Crypto)?;
        let mut meta = KeyVersion {
            activation_date: Some(now),
            public_key: fresh.public_key,
            ..KeyVersion::new(
                VersionId::from_uuid(uuid::Uuid::now_v7()),
                rows.key.id,
                number,
                KeyState::Active,
                now,
            )
        };
        // A pair made over KMIP stays one whose halves are two objects
        // (KMIP Re-key Key Pair answers both).
        if rows.primary()?.public_half.is_some() {
            meta.public_half = Some(PublicHalf::of_new(&meta));
        }
        Ok(StoredVersion {
            meta,
            sealed_material: Some(sealed),
            kek_generation,
        })
    }
}

/// Only a key whose primary version is Active rotates (KMIP Re-key asks for
/// an active key; a suspended one is out of service on purpose), and, when
/// `when` is [`When::Due`], only once its rotation time has come.
fn check_rotatable(rows: &KeyRows, when: When, now: Timestamp) -> Result<(), ServerError> {
    rows.refuse_destroyed()?;
    if rows.key.algorithm.is_legacy() {
        // Never generated: a legacy key is kept until it is retired.
        return Err(ServerError::LegacyKey {
            algorithm: rows.key.algorithm,
        });
    }
    if rows.key.origin == Origin::ImportedPublic {
        // keyhold cannot make the private half of a key it was given.
        return Err(ServerError::PublicKeyOnly);
    }
    if rows.key.algorithm.is_data() {
        // A client's password or opaque bytes have no successor keyhold can make.
        return Err(ServerError::NotAKey {
            algorithm: rows.key.algorithm,
        });
    }
    let state = rows.primary()?.state;
    if state != KeyState::Active {
        return Err(ServerError::LifecycleRefused {
            action: KeyAction::Rotate,
            state,
        });
    }
    match when {
        When::Due => check_due(KeyAction::Rotate, rows.key.next_rotation_at, now),
        When::Now => Ok(()),
    }
}

/// One past the highest version number.
fn next_number(rows: &KeyRows) -> Result<VersionNumber, ServerError> {
    rows.versions
        .iter()
        .map(|v| v.meta.version)
        .max()
        .unwrap_or(rows.key.primary_version)
        .next()
        .ok_or(ServerError::Internal {
            what: "version numbers exhausted",
        })
}

/// Deactivates the old primary and makes `version` the primary; the next
/// rotation is counted from now.
fn add_primary(
    rows: &mut KeyRows,
    version: StoredVersion,
    now: Timestamp,
) -> Result<(), ServerError> {
    apply(rows.primary_mut()?, LifecycleEvent::Deactivate, now)?;
    rows.key.primary_version = version.meta.version;
    rows.key.next_rotation_at = None;
    rows.versions.push(version);
    Ok(())
}
