//! Domain types to column values and back, once for every backend. The
//! column order is the one in [`crate::queries`]. Decoding never panics: a
//! value that does not parse is [`StoreError::Corrupt`] naming the column.

use std::collections::BTreeMap;

use keyhold_core::lifecycle::RevocationReason;
use keyhold_core::{
    Algorithm, CryptoParams, Cryptoperiod, Key, KeyId, KeyState, KeyVersion, KmipMeta, Origin,
    PrincipalId, Protection, SealedBlob, Tenant, TenantId, UsageMask, VersionId, VersionNumber,
};

use crate::error::{CorruptReason, StoreError};
use crate::model::{KeyQuery, SealedVersion, StoredVersion};
use crate::queries;
use crate::value::{Cols, Value};

mod access;
mod audit;

pub(crate) use access::{
    approval_from, approval_list, approval_values, cert_from, cert_values, expiring_params,
    matcher_values, mfa_from, mfa_values, policy_from, policy_values, principal_from,
    principal_key, principal_values, role_from, role_rows, role_values, settings_from,
    settings_values, token_from, token_list, token_values,
};
pub(crate) use audit::{
    audit_list, checkpoint_from, checkpoint_values, event_from, event_values, head_from,
};

/// An identifier's 16 bytes.
pub(crate) fn id(bytes: &[u8; 16]) -> Value {
    Value::Blob(bytes.to_vec())
}

/// A version number.
pub(crate) fn version_number(v: VersionNumber) -> Value {
    Value::Int(i64::from(v.get()))
}

/// The tenant's columns.
pub(crate) fn tenant_values(t: &Tenant) -> Vec<Value> {
    vec![
        id(t.id.as_bytes()),
        Value::Text(t.name.as_str().to_owned()),
        Value::Blob(t.sealed_kek.as_bytes().to_vec()),
        Value::Int(i64::from(t.root_generation)),
        Value::time(t.created_at),
        Value::Int(i64::from(t.kek_generation)),
        Value::opt(t.retiring_kek.as_ref(), |s| {
            Value::Blob(s.as_bytes().to_vec())
        }),
    ]
}

/// A tenant from its columns.
pub(crate) fn tenant_from(row: Vec<Value>) -> Result<Tenant, StoreError> {
    let mut c = Cols::new(row);
    Ok(Tenant {
        id: TenantId::from_bytes(c.id("tenant.id")?),
        name: parse_core("tenant.name", c.text("tenant.name")?.try_into())?,
        sealed_kek: SealedBlob::new(c.blob("tenant.sealed_kek")?),
        root_generation: to_u32("tenant.root_generation", c.int("tenant.root_generation")?)?,
        created_at: c.time("tenant.created_at")?,
        kek_generation: to_u32("tenant.kek_generation", c.int("tenant.kek_generation")?)?,
        retiring_kek: c.opt_blob("tenant.retiring_kek")?.map(SealedBlob::new),
    })
}

/// The key's columns.
pub(crate) fn key_values(k: &Key) -> Result<Vec<Value>, StoreError> {
    let rotation = secs_value("key.rotation_period_secs", k.rotation_period_secs)?;
    let oup = secs_value(
        "key.originator_usage_period_secs",
        k.cryptoperiod.originator_usage_secs,
    )?;
    let rup = secs_value(
        "key.recipient_usage_period_secs",
        k.cryptoperiod.recipient_usage_secs,
    )?;
    Ok(vec![
        id(k.id.as_bytes()),
        id(k.tenant.as_bytes()),
        Value::Text(k.name.as_str().to_owned()),
        Value::Text(k.description.clone()),
        Value::Text(tags_json(&k.tags)),
        Value::Text(k.algorithm.as_str().to_owned()),
        Value::Int(i64::from(k.usage.bits())),
        Value::Text(protection_name(k.protection).to_owned()),
        Value::Text(origin_name(k.origin).to_owned()),
        Value::Bool(k.exportable),
        Value::opt(k.owner, |o| id(o.as_bytes())),
        Value::opt(rotation, Value::Int),
        Value::opt(k.next_rotation_at, Value::time),
        version_number(k.primary_version),
        Value::opt(k.destroy_scheduled_at, Value::time),
        Value::time(k.created_at),
        Value::time(k.updated_at),
        Value::opt(oup, Value::Int),
        Value::opt(rup, Value::Int),
        Value::opt(k.recipient_usage_end, Value::time),
        Value::opt(k.last_used_at, Value::time),
        Value::opt(k.idle_warned_at, Value::time),
        Value::opt(crypto_params_json(k.crypto_params.as_ref())?, Value::Text),
        Value::opt(kmip_meta_json(&k.kmip)?, Value::Text),
    ])
}

/// A key's KMIP-only attributes as a JSON object; `None` when it has none.
fn kmip_meta_json(meta: &KmipMeta) -> Result<Option<String>, StoreError> {
    let field = "key.kmip_meta";
    if meta.is_empty() {
        return Ok(None);
    }
    serde_json::to_string(meta)
        .map(Some)
        .map_err(|_| StoreError::OutOfRange { field })
}

/// The `key.kmip_meta` column, checked against the key's algorithm (a data
/// object's kind is its algorithm's; a key has none).
fn parse_kmip_meta(json: Option<String>, algorithm: Algorithm) -> Result<KmipMeta, StoreError> {
    let what = "key.kmip_meta";
    let meta: KmipMeta = match json {
        Some(text) => serde_json::from_str(&text)
            .map_err(|_| StoreError::corrupt(what, CorruptReason::Json))?,
        None => KmipMeta::default(),
    };
    parse_core(what, meta.check(algorithm))?;
    Ok(meta)
}

/// A key's default Cryptographic Parameters as a JSON object; `None` when
/// it has none.
fn crypto_params_json(params: Option<&CryptoParams>) -> Result<Option<String>, StoreError> {
    let field = "key.crypto_params";
    params
        .map(|p| serde_json::to_string(p).map_err(|_| StoreError::OutOfRange { field }))
        .transpose()
}

/// The `key.crypto_params` column: a JSON object of the fields set.
fn parse_crypto_params(json: Option<String>) -> Result<Option<CryptoParams>, StoreError> {
    json.map(|text| {
        serde_json::from_str(&text)
            .map_err(|_| StoreError::corrupt("key.crypto_params", CorruptReason::Json))
    })
    .transpose()
}

/// A number of seconds as a column, refused when the column cannot hold it.
fn secs_value(field: &'static str, secs: Option<u64>) -> Result<Option<i64>, StoreError> {
    secs.map(|s| i64::try_from(s).map_err(|_| StoreError::OutOfRange { field }))
        .transpose()
}

/// A column of seconds, if set.
fn opt_secs(c: &mut Cols, what: &'static str) -> Result<Option<u64>, StoreError> {
    c.opt_int(what)?
        .map(|s| u64::try_from(s).map_err(|_| out_of_range(what)))
        .transpose()
}

/// A key from its columns.
pub(crate) fn key_from(row: Vec<Value>) -> Result<Key, StoreError> {
    let mut c = Cols::new(row);
    let mut key = Key {
        id: KeyId::from_bytes(c.id("key.id")?),
        tenant: TenantId::from_bytes(c.id("key.tenant_id")?),
        name: parse_core("key.name", c.text("key.name")?.try_into())?,
        description: c.text("key.description")?,
        tags: parse_tags(&c.text("key.tags")?)?,
        algorithm: parse_core(
            "key.algorithm",
            c.text("key.algorithm")?.parse::<Algorithm>(),
        )?,
        usage: parse_core(
            "key.usage",
            UsageMask::from_bits(to_u32("key.usage", c.int("key.usage")?)?),
        )?,
        protection: parse_name(
            "key.protection",
            &c.text("key.protection")?,
            &PROTECTIONS,
            protection_name,
        )?,
        origin: parse_name("key.origin", &c.text("key.origin")?, &ORIGINS, origin_name)?,
        exportable: c.bool("key.exportable")?,
        owner: c.opt_id("key.owner")?.map(PrincipalId::from_bytes),
        rotation_period_secs: opt_secs(&mut c, "key.rotation_period_secs")?,
        next_rotation_at: c.opt_time("key.next_rotation_at")?,
        primary_version: to_version("key.primary_version", c.int("key.primary_version")?)?,
        destroy_scheduled_at: c.opt_time("key.destroy_scheduled_at")?,
        created_at: c.time("key.created_at")?,
        updated_at: c.time("key.updated_at")?,
        cryptoperiod: Cryptoperiod {
            originator_usage_secs: opt_secs(&mut c, "key.originator_usage_period_secs")?,
            recipient_usage_secs: opt_secs(&mut c, "key.recipient_usage_period_secs")?,
        },
        recipient_usage_end: c.opt_time("key.recipient_usage_end")?,
        last_used_at: c.opt_time("key.last_used_at")?,
        idle_warned_at: c.opt_time("key.idle_warned_at")?,
        crypto_params: parse_crypto_params(c.opt_text("key.crypto_params")?)?,
        kmip: KmipMeta::default(),
    };
    key.kmip = parse_kmip_meta(c.opt_text("key.kmip_meta")?, key.algorithm)?;
    Ok(key)
}

/// The version's columns.
pub(crate) fn version_values(v: &StoredVersion) -> Result<Vec<Value>, StoreError> {
    let m = &v.meta;
    let public_half = m
        .public_half
        .as_ref()
        .map(|h| {
            serde_json::to_string(h).map_err(|_| StoreError::OutOfRange {
                field: "key_version.public_half",
            })
        })
        .transpose()?;
    Ok(vec![
        id(m.id.as_bytes()),
        id(m.key.as_bytes()),
        version_number(m.version),
        Value::Text(m.state.as_str().to_owned()),
        Value::Bool(m.archived),
        Value::time(m.created_at),
        Value::opt(m.activation_date, Value::time),
        Value::opt(m.deactivation_date, Value::time),
        Value::opt(m.compromise_date, Value::time),
        Value::opt(m.destroy_date, Value::time),
        Value::opt(m.revocation_reason, |r| {
            Value::Text(revocation_name(r).to_owned())
        }),
        Value::opt(m.public_key.clone(), Value::Blob),
        Value::opt(v.sealed_material.as_ref(), |s| {
            Value::Blob(s.as_bytes().to_vec())
        }),
        Value::Int(i64::from(v.kek_generation)),
        Value::opt(m.process_start_date, Value::time),
        Value::opt(m.protect_stop_date, Value::time),
        Value::opt(m.compromise_recorded_at, Value::time),
        Value::opt(m.served_at, Value::time),
        Value::opt(public_half, Value::Text),
    ])
}

/// A version from its columns.
pub(crate) fn version_from(row: Vec<Value>) -> Result<StoredVersion, StoreError> {
    let mut c = Cols::new(row);
    let meta = KeyVersion {
        id: VersionId::from_bytes(c.id("key_version.id")?),
        key: KeyId::from_bytes(c.id("key_version.key_id")?),
        version: to_version("key_version.version", c.int("key_version.version")?)?,
        state: parse_state("key_version.state", &c.text("key_version.state")?)?,
        archived: c.bool("key_version.archived")?,
        created_at: c.time("key_version.created_at")?,
        activation_date: c.opt_time("key_version.activation_date")?,
        deactivation_date: c.opt_time("key_version.deactivation_date")?,
        compromise_date: c.opt_time("key_version.compromise_date")?,
        destroy_date: c.opt_time("key_version.destroy_date")?,
        revocation_reason: c
            .opt_text("key_version.revocation_reason")?
            .map(|s| {
                parse_name(
                    "key_version.revocation_reason",
                    &s,
                    &REVOCATION_REASONS,
                    revocation_name,
                )
            })
            .transpose()?,
        public_key: c.opt_blob("key_version.public_key")?,
        process_start_date: None,
        protect_stop_date: None,
        compromise_recorded_at: None,
        served_at: None,
        public_half: None,
    };
    let sealed_material = c
        .opt_blob("key_version.sealed_material")?
        .map(SealedBlob::new);
    let kek_generation = to_u32(
        "key_version.kek_generation",
        c.int("key_version.kek_generation")?,
    )?;
    let mut meta = meta;
    meta.process_start_date = c.opt_time("key_version.process_start_date")?;
    meta.protect_stop_date = c.opt_time("key_version.protect_stop_date")?;
    meta.compromise_recorded_at = c.opt_time("key_version.compromise_recorded_at")?;
    meta.served_at = c.opt_time("key_version.served_at")?;
    meta.public_half = c
        .opt_text("key_version.public_half")?
        .map(|text| {
            serde_json::from_str(&text)
                .map_err(|_| StoreError::corrupt("key_version.public_half", CorruptReason::Json))
        })
        .transpose()?;
    Ok(StoredVersion {
        meta,
        sealed_material,
        kek_generation,
    })
}

/// The rows of `key_tags` for a key: `(key id, name, value)` each.
pub(crate) fn tag_rows(k: &Key) -> impl Iterator<Item = [Value; 3]> + '_ {
    k.tags.iter().map(|(name, value)| {
        [
            id(k.id.as_bytes()),
            Value::Text(name.clone()),
            Value::Text(value.clone()),
        ]
    })
}

/// The statement and parameters listing a tenant's keys. The name range is
/// one index range scan: from the prefix (or just after the cursor, whichever
/// is later) up to the first name past the prefix; of the keys with the tag
/// asked for, or of the algorithm's, when there is such a filter.
pub(crate) fn key_list(tenant: TenantId, q: &KeyQuery) -> (&'static str, Vec<Value>) {
    let prefix = q.name_prefix.as_deref().unwrap_or("");
    let (from, after) = match (&q.tag, q.algorithm) {
        (Some(_), _) => (queries::KEYS_BY_TAG_FROM, queries::KEYS_BY_TAG_AFTER),
        (None, Some(_)) => (
            queries::KEYS_BY_ALGORITHM_FROM,
            queries::KEYS_BY_ALGORITHM_AFTER,
        ),
        (None, None) => (queries::KEYS_FROM, queries::KEYS_AFTER),
    };
    let (sql, lower) = match &q.after {
        Some(cursor) if cursor.as_str() >= prefix => (after, cursor.as_str()),
        _ => (from, prefix),
    };
    let upper = prefix_end(prefix).unwrap_or_else(|| NAME_CEILING.to_owned());
    let values = vec![
        id(tenant.as_bytes()),
        Value::Text(lower.to_owned()),
        Value::Text(upper),
        Value::opt(q.algorithm, |a| Value::Text(a.as_str().to_owned())),
        Value::opt(q.state, |s| Value::Text(s.as_str().to_owned())),
        Value::Int(i64::from(q.limit)),
        Value::opt(q.tag.as_ref(), |(name, _)| Value::Text(name.clone())),
        Value::opt(q.tag.as_ref(), |(_, value)| Value::Text(value.clone())),
    ];
    (sql, values)
}

/// Greater than every key name: names are ASCII ([`keyhold_core::KeyName`]),
/// so the last code point is above all of them in byte (and code point) order.
const NAME_CEILING: &str = "\u{10FFFF}";

/// The least string greater than every string starting with `prefix`, if
/// any (`None` for the empty prefix). Byte order of UTF-8 is code point order,
/// so incrementing the last code point that can be incremented is enough.
fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = match last {
            '\u{D7FF}' => Some('\u{E000}'),
            c => char::from_u32(u32::from(c) + 1),
        };
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

fn tags_json(tags: &BTreeMap<String, String>) -> String {
    string_map_json(tags)
}

fn parse_tags(json: &str) -> Result<BTreeMap<String, String>, StoreError> {
    parse_string_map("key.tags", json)
}

/// A map of strings as a JSON object.
fn string_map_json(map: &BTreeMap<String, String>) -> String {
    let map = map
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
        .collect();
    serde_json::Value::Object(map).to_string()
}

/// A JSON object of strings.
fn parse_string_map(
    what: &'static str,
    json: &str,
) -> Result<BTreeMap<String, String>, StoreError> {
    // serde_json's message may quote the text: keep only "malformed JSON".
    serde_json::from_str(json).map_err(|_| StoreError::corrupt(what, CorruptReason::Json))
}

fn parse_core<T>(
    what: &'static str,
    parsed: Result<T, keyhold_core::CoreError>,
) -> Result<T, StoreError> {
    parsed.map_err(|e| StoreError::corrupt(what, e))
}

fn parse_state(what: &'static str, s: &str) -> Result<KeyState, StoreError> {
    KeyState::from_name(s).ok_or(StoreError::corrupt(what, CorruptReason::UnknownName))
}

fn out_of_range(what: &'static str) -> StoreError {
    StoreError::corrupt(what, CorruptReason::OutOfRange)
}

fn to_u32(what: &'static str, n: i64) -> Result<u32, StoreError> {
    u32::try_from(n).map_err(|_| out_of_range(what))
}

fn to_version(what: &'static str, n: i64) -> Result<VersionNumber, StoreError> {
    parse_core(what, VersionNumber::new(to_u32(what, n)?))
}

fn parse_name<T: Copy>(
    what: &'static str,
    s: &str,
    all: &[T],
    name: fn(T) -> &'static str,
) -> Result<T, StoreError> {
    all.iter()
        .copied()
        .find(|v| name(*v) == s)
        .ok_or(StoreError::corrupt(what, CorruptReason::UnknownName))
}

// keyhold-core names these enums only through serde (kebab-case); the tables
// below use the same names, and a test holds them equal.

const PROTECTIONS: [Protection; 2] = [Protection::Software, Protection::Hsm];

fn protection_name(p: Protection) -> &'static str {
    match p {
        Protection::Software => "software",
        Protection::Hsm => "hsm",
    }
}

const ORIGINS: [Origin; 3] = [Origin::Generated, Origin::Imported, Origin::ImportedPublic];

fn origin_name(o: Origin) -> &'static str {
    match o {
        Origin::Generated => "generated",
        Origin::Imported => "imported",
        Origin::ImportedPublic => "imported-public",
    }
}

const REVOCATION_REASONS: [RevocationReason; 7] = [
    RevocationReason::Unspecified,
    RevocationReason::KeyCompromise,
    RevocationReason::CaCompromise,
    RevocationReason::AffiliationChanged,
    RevocationReason::Superseded,
    RevocationReason::CessationOfOperation,
    RevocationReason::PrivilegeWithdrawn,
];

fn revocation_name(r: RevocationReason) -> &'static str {
    match r {
        RevocationReason::Unspecified => "unspecified",
        RevocationReason::KeyCompromise => "key-compromise",
        RevocationReason::CaCompromise => "ca-compromise",
        RevocationReason::AffiliationChanged => "affiliation-changed",
        RevocationReason::Superseded => "superseded",
        RevocationReason::CessationOfOperation => "cessation-of-operation",
        RevocationReason::PrivilegeWithdrawn => "privilege-withdrawn",
    }
}

#[cfg(test)]
mod tests;

/// A version's sealed material and identity, from
/// `VERSIONS_SEALED_BEFORE`'s columns.
pub(crate) fn sealed_version_from(row: Vec<Value>) -> Result<SealedVersion, StoreError> {
    let mut c = Cols::new(row);
    Ok(SealedVersion {
        key: KeyId::from_bytes(c.id("key_version.key_id")?),
        version: to_version("key_version.version", c.int("key_version.version")?)?,
        algorithm: parse_core(
            "key.algorithm",
            c.text("key.algorithm")?.parse::<Algorithm>(),
        )?,
        kek_generation: to_u32(
            "key_version.kek_generation",
            c.int("key_version.kek_generation")?,
        )?,
        sealed_material: SealedBlob::new(c.blob("key_version.sealed_material")?),
    })
}
