//! Rows to store: distinct ids, a minimal and a fully populated form of each,
//! audit records with the chain that links them, and the access-control rows.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};

use keyhold_core::approval::{Approval, Quorum};
use keyhold_core::audit::{
    AuditEvent, AuditRecord, AuthMethod, ChainCrypto, ChainHead, Interface, Outcome,
};
use keyhold_core::crypto_params::{
    BlockMode, HashAlgorithm, PaddingMethod, ParamAlgorithm, SignatureAlgorithm,
};
use keyhold_core::lifecycle::RevocationReason;
use keyhold_core::{
    Action, Algorithm, ApprovalId, ApprovalRecord, CryptoParams, Cryptoperiod, Key, KeyId,
    KeyState, KeyVersion, MfaEnrollment, Origin, PolicyId, PolicyRecord, Principal, PrincipalId,
    PrincipalKind, Protection, RequestId, RoleRecord, SealedBlob, Tenant, TenantId, Timestamp,
    TokenId, TokenRecord, VersionId, VersionNumber,
};
use keyhold_crypto::SecretBytes;
use keyhold_crypto::audit_chain::AuditChain;
use keyhold_crypto::hierarchy::RootKey;
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
        kek_generation: 1,
        retiring_kek: None,
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
        cryptoperiod: Cryptoperiod::NONE,
        recipient_usage_end: None,
        last_used_at: None,
        idle_warned_at: None,
        crypto_params: None,
        kmip: keyhold_core::KmipMeta {
            data: data_object(algorithm),
            object_groups: Vec::new(),
            name_source: keyhold_core::NameSource::Client,
            symmetric_format: keyhold_core::SymmetricFormat::Raw,
            usage_limits: None,
            links: Vec::new(),
            sensitive: false,
            destroy_requested_at: None,
            app_info: Vec::new(),
            alt_names: Vec::new(),
            custom: Vec::new(),
        },
    }
}

/// What a data object of `algorithm` is (a Password, an extension type);
/// `None` for a key.
fn data_object(algorithm: Algorithm) -> Option<keyhold_core::DataObject> {
    use keyhold_core::{DataObject, DataType, SecretFormat};
    match algorithm {
        Algorithm::SecretData => Some(DataObject::Secret {
            data_type: DataType::new(1),
            format: SecretFormat::Raw,
        }),
        Algorithm::OpaqueData => Some(DataObject::Opaque {
            data_type: DataType::new(0x8000_0001),
        }),
        Algorithm::Certificate => Some(DataObject::Certificate {
            certificate_type: DataType::new(1),
        }),
        _ => None,
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
        cryptoperiod: Cryptoperiod {
            originator_usage_secs: Some(30 * 86_400),
            recipient_usage_secs: Some(365 * 86_400),
        },
        recipient_usage_end: Some(at(1_731_536_100)),
        last_used_at: Some(Timestamp::from_unix_micros(1_700_000_150_000_001)),
        idle_warned_at: Some(at(1_700_000_160)),
        crypto_params: Some(CryptoParams {
            mode: Some(BlockMode::Gcm),
            padding: Some(PaddingMethod::None),
            hash: Some(HashAlgorithm::Sha384),
            signature: Some(SignatureAlgorithm::RsassaPss),
            algorithm: Some(ParamAlgorithm::Aes),
            random_iv: Some(true),
            iv_length: Some(96),
            tag_length: Some(12),
            counter_length: Some(128),
            salt_length: Some(32),
            mgf1: Some(true),
            mgf1_hash: Some(HashAlgorithm::Sha256),
            oaep_label: Some(b"Kilroy was here".to_vec()),
        }),
        kmip: keyhold_core::KmipMeta {
            data: data_object(algorithm),
            object_groups: vec![keyhold_core::ObjectGroup::try_from("tapes".to_owned()).unwrap()],
            name_source: keyhold_core::NameSource::Client,
            symmetric_format: keyhold_core::SymmetricFormat::Raw,
            usage_limits: None,
            links: Vec::new(),
            sensitive: true,
            destroy_requested_at: Some(keyhold_core::Timestamp::from_unix_seconds(42)),
            app_info: Vec::new(),
            alt_names: Vec::new(),
            custom: Vec::new(),
        },
        ..key(tenant, name, algorithm)
    }
}

/// Version `n` of `key` in `state`, with material and no optional field.
pub(crate) fn version(key: &Key, n: u32, state: KeyState) -> StoredVersion {
    StoredVersion {
        meta: KeyVersion::new(
            VersionId::from_uuid(uuid()),
            key.id,
            VersionNumber::new(n).unwrap(),
            state,
            at(1_700_000_300),
        ),
        sealed_material: Some(SealedBlob::new(vec![n as u8; 44])),
        kek_generation: 1,
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

/// The audit chain's hashing and MACs under a fixed test root key.
pub(crate) fn audit_chain() -> AuditChain {
    let root = RootKey::from_secret(SecretBytes::new(vec![0x5a; 32])).unwrap();
    AuditChain::with_root(&root).unwrap()
}

/// The event after `head` recording `record`, linked and MACed by `chain`.
pub(crate) fn next_event(chain: &AuditChain, head: ChainHead, record: AuditRecord) -> AuditEvent {
    let seq = head.seq + 1;
    let hash = chain.link(&head.hash, seq, &record.canonical_bytes());
    AuditEvent {
        seq,
        prev: head.hash,
        hash,
        mac: chain.mac(&hash).unwrap(),
        record,
    }
}

/// One of `n` fixed ids, the same on every call.
fn fixed(tag: u8, n: usize) -> [u8; 16] {
    [tag.wrapping_add(n as u8); 16]
}

/// Tenant `n` (0 or 1) of the audit records.
pub(crate) fn audit_tenant(n: usize) -> TenantId {
    TenantId::from_bytes(fixed(0xa0, n))
}

/// Principal `n` (0 to 2) of the audit records.
pub(crate) fn audit_principal(n: usize) -> PrincipalId {
    PrincipalId::from_bytes(fixed(0xb0, n))
}

/// Key `n` (0 to 3) of the audit records.
pub(crate) fn audit_key(n: usize) -> KeyId {
    KeyId::from_bytes(fixed(0xc0, n))
}

/// Audit record `i`: every field varies with `i` at its own period, so a
/// run of records covers every action, interface, auth method and outcome,
/// with and without each optional field.
pub(crate) fn audit_record(i: usize) -> AuditRecord {
    let outcome = match i % 3 {
        0 => Outcome::Ok,
        1 => Outcome::Denied {
            code: "forbidden".into(),
        },
        _ => Outcome::Error {
            code: format!("error-{i}"),
        },
    };
    let source = match i % 3 {
        0 => None,
        1 => Some("192.0.2.7".parse().unwrap()),
        _ => Some("2001:db8::7".parse().unwrap()),
    };
    let mut context = BTreeMap::from([("n".to_owned(), i.to_string())]);
    if i % 2 == 1 {
        context.insert("purpose".into(), "ünïcode \"quoted\" {json}".into());
    }
    AuditRecord {
        time: at(1_800_000_000 + i as i64),
        request_id: RequestId::from_uuid(uuid()),
        tenant: (i % 7 != 0).then(|| audit_tenant(i % 2)),
        principal: (i % 5 != 0).then(|| audit_principal(i % 3)),
        auth: AuthMethod::ALL[i % AuthMethod::ALL.len()],
        source,
        interface: Interface::ALL[i % Interface::ALL.len()],
        action: Action::ALL[i % Action::ALL.len()],
        key: (i % 6 != 0).then(|| audit_key(i % 4)),
        version: (i % 4 != 0).then(|| VersionNumber::new((i % 3 + 1) as u32).unwrap()),
        outcome,
        context,
    }
}

/// A principal of `tenant` with no role, policy or flag.
pub(crate) fn principal(tenant: &Tenant, name: &str) -> Principal {
    Principal {
        id: PrincipalId::from_uuid(uuid()),
        tenant: tenant.id,
        name: name.parse().unwrap(),
        kind: PrincipalKind::User,
        description: String::new(),
        roles: BTreeSet::new(),
        policies: BTreeSet::new(),
        global_admin: false,
        disabled: false,
        created_at: at(1_700_001_000),
        updated_at: at(1_700_001_000),
    }
}

/// A principal with every field set, holding `roles`.
pub(crate) fn full_principal(tenant: &Tenant, name: &str, roles: &[&str]) -> Principal {
    Principal {
        kind: PrincipalKind::Service,
        description: "deploys \"payments\" — ünïcode".into(),
        roles: roles.iter().map(|r| r.parse().unwrap()).collect(),
        policies: BTreeSet::from(["read-only".parse().unwrap(), "ops/x".parse().unwrap()]),
        global_admin: true,
        disabled: true,
        updated_at: at(1_700_001_500),
        ..principal(tenant, name)
    }
}

/// A token of `p` with a distinct hash and no optional field.
pub(crate) fn token(p: &Principal) -> TokenRecord {
    let id = uuid();
    let mut hash = [0x7e; 32];
    hash[..16].copy_from_slice(id.as_bytes());
    TokenRecord {
        id: TokenId::from_uuid(id),
        tenant: p.tenant,
        principal: p.id,
        hash,
        description: String::new(),
        created_at: at(1_700_002_000),
        expires_at: None,
        source_cidrs: Vec::new(),
        revoked_at: None,
    }
}

/// A token of `p` with every field set.
pub(crate) fn full_token(p: &Principal) -> TokenRecord {
    TokenRecord {
        description: "ci pipeline".into(),
        expires_at: Some(at(1_700_090_000)),
        source_cidrs: vec![
            "10.0.0.0/8".parse().unwrap(),
            "2001:db8::/32".parse().unwrap(),
        ],
        revoked_at: Some(Timestamp::from_unix_micros(1_700_003_000_000_001)),
        ..token(p)
    }
}

/// A policy of `tenant` with two statements.
pub(crate) fn policy(tenant: &Tenant, name: &str) -> PolicyRecord {
    let statements = serde_json::from_str(
        r#"[{"effect": "allow", "actions": ["key:encrypt", "key:decrypt"],
             "resources": ["key/pay-*"],
             "conditions": {"source_cidrs": ["10.0.0.0/8"], "mfa_required": true,
                            "context_equals": {"app": "ü"}}},
            {"effect": "deny", "actions": ["key:*"], "resources": ["tag/env=prod"]}]"#,
    )
    .unwrap();
    PolicyRecord {
        id: PolicyId::from_uuid(uuid()),
        tenant: tenant.id,
        name: name.parse().unwrap(),
        description: "payments".into(),
        statements,
        created_at: at(1_700_004_000),
        updated_at: at(1_700_004_000),
    }
}

/// A custom role of `tenant` granting `policies`.
pub(crate) fn role(tenant: &Tenant, name: &str, policies: &[&str]) -> RoleRecord {
    RoleRecord {
        tenant: tenant.id,
        name: name.parse().unwrap(),
        description: String::new(),
        policies: policies.iter().map(|p| p.parse().unwrap()).collect(),
        created_at: at(1_700_005_000),
        updated_at: at(1_700_005_000),
    }
}

/// An unconfirmed TOTP enrollment of `p`.
pub(crate) fn mfa(p: &Principal) -> MfaEnrollment {
    MfaEnrollment {
        principal: p.id,
        sealed_secret: SealedBlob::new(vec![0x5e; 48]),
        confirmed: false,
        last_used_step: None,
        created_at: at(1_700_006_000),
    }
}

/// A pending approval in `tenant` asked by `requester` at `created`
/// (seconds), expiring `ttl` seconds later.
pub(crate) fn approval(
    tenant: &Tenant,
    requester: PrincipalId,
    created: i64,
    ttl: i64,
) -> ApprovalRecord {
    ApprovalRecord {
        id: ApprovalId::from_uuid(uuid()),
        tenant: tenant.id,
        approval: Approval::new(
            Action::KeyScheduleDestroy,
            requester,
            Quorum::new(2, 3).unwrap(),
            at(created),
            ttl,
        ),
        resource: "key/orders".into(),
        request: serde_json::json!({"days": 30, "note": "ünïcode \"q\""}),
        executed_result: None,
    }
}
