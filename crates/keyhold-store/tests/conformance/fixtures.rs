//! Rows to store: distinct ids, a minimal and a fully populated form of each.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use keyhold_core::lifecycle::RevocationReason;
use keyhold_core::{
    Algorithm, Key, KeyId, KeyState, KeyVersion, Origin, PrincipalId, Protection, SealedBlob,
    Tenant, TenantId, Timestamp, VersionId, VersionNumber,
};
use keyhold_store::StoredVersion;
use uuid::Uuid;

/// Every revocation reason.
pub(crate) const REASONS: [RevocationReason; 7] = [
    RevocationReason::Unspecified,
    RevocationReason::KeyCompromise,
    RevocationReason::CaCompromise,
    RevocationReason::AffiliationChanged,
    RevocationReason::Superseded,
    RevocationReason::CessationOfOperation,
    RevocationReason::PrivilegeWithdrawn,
];

static NEXT: AtomicU64 = AtomicU64::new(1);

/// A UUID no other call returns.
pub(crate) fn uuid() -> Uuid {
    Uuid::from_u128((0x6b68 << 64) | u128::from(NEXT.fetch_add(1, Ordering::Relaxed)))
}

/// A time, in seconds after the epoch.
pub(crate) fn at(secs: i64) -> Timestamp {
    Timestamp::from_unix_seconds(secs)
}

/// A tenant named `name`.
pub(crate) fn tenant(name: &str) -> Tenant {
    Tenant {
        id: TenantId::from_uuid(uuid()),
        name: name.parse().unwrap(),
        sealed_kek: SealedBlob::new(vec![0x4b; 60]),
        root_generation: 1,
        created_at: at(1_700_000_000),
    }
}

/// A key with every optional field empty.
pub(crate) fn key(tenant: &Tenant, name: &str, algorithm: Algorithm) -> Key {
    Key {
        id: KeyId::from_uuid(uuid()),
        tenant: tenant.id,
        name: name.parse().unwrap(),
        description: String::new(),
        tags: BTreeMap::new(),
        algorithm,
        usage: algorithm.default_usage(),
        protection: Protection::Software,
        origin: Origin::Generated,
        exportable: false,
        owner: None,
        rotation_period_secs: None,
        next_rotation_at: None,
        primary_version: VersionNumber::FIRST,
        destroy_scheduled_at: None,
        created_at: at(1_700_000_100),
        updated_at: at(1_700_000_100),
    }
}

/// A key with every field set.
pub(crate) fn full_key(tenant: &Tenant, name: &str, algorithm: Algorithm) -> Key {
    Key {
        description: "orders database, \"primary\" — ünïcode".into(),
        tags: BTreeMap::from([
            ("env".into(), "prod".into()),
            ("team".into(), "pay{ments}\"".into()),
        ]),
        usage: algorithm.possible_usage(),
        protection: Protection::Hsm,
        origin: Origin::Imported,
        exportable: true,
        owner: Some(PrincipalId::from_uuid(uuid())),
        rotation_period_secs: Some(90 * 86_400),
        next_rotation_at: Some(Timestamp::from_unix_micros(1_707_776_100_123_456)),
        primary_version: VersionNumber::new(7).unwrap(),
        destroy_scheduled_at: Some(at(1_800_000_000)),
        updated_at: at(1_700_000_200),
        ..key(tenant, name, algorithm)
    }
}

/// Version `n` of `key` in `state`, with material and no optional field.
pub(crate) fn version(key: &Key, n: u32, state: KeyState) -> StoredVersion {
    StoredVersion {
        meta: KeyVersion {
            id: VersionId::from_uuid(uuid()),
            key: key.id,
            version: VersionNumber::new(n).unwrap(),
            state,
            archived: false,
            created_at: at(1_700_000_300),
            activation_date: None,
            deactivation_date: None,
            compromise_date: None,
            destroy_date: None,
            revocation_reason: None,
            public_key: None,
        },
        sealed_material: Some(SealedBlob::new(vec![n as u8; 44])),
    }
}

/// Version `n` of `key` in `state` with every field set.
pub(crate) fn full_version(
    key: &Key,
    n: u32,
    state: KeyState,
    reason: RevocationReason,
) -> StoredVersion {
    let mut v = version(key, n, state);
    v.meta.archived = true;
    v.meta.activation_date = Some(at(1_700_000_400));
    v.meta.deactivation_date = Some(at(1_700_000_500));
    v.meta.compromise_date = Some(Timestamp::from_unix_micros(-1));
    v.meta.destroy_date = Some(at(1_700_000_600));
    v.meta.revocation_reason = Some(reason);
    v.meta.public_key = Some(vec![0x30, 0x2a, 0x30, 0x05, n as u8]);
    v
}
