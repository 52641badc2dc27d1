//! The attributes the server sets on every object and keeps up itself
//! (KMIP 1.4 section 3, KMIP 2.1 section 4): what keyhold answers for
//! Sensitive, Always Sensitive, Extractable, Never Extractable, Fresh,
//! Lease Time and Revocation Reason, and in KMIP 2.x Short Unique
//! Identifier, Key Format Type and Protection Storage Mask.

use keyhold_core::crypto_params::HashAlgorithm;
use keyhold_core::{Key, KeyVersion, Origin, Protection, RevocationReason};
use keyhold_kmip::{AttributeValue, KeyFormatType, ProtocolVersion, RevocationReasonCode, tags};
use keyhold_ttlv::{Tag, Ttlv, Value};

use super::asym_formats::{self, Half};
use super::{attributes, keypairs, objects, usage_limits};

/// The Lease Time of every object (KMIP 1.4 section 3.20, KMIP 2.1
/// section 4.30): a client that holds an object's material or attributes
/// checks back within an hour, so a revocation reaches it within the hour.
pub(crate) const LEASE_TIME_SECS: u32 = 3_600;

/// Protection Storage Mask bits (KMIP 2.1 section 11.38): Software, Hardware.
const STORAGE_SOFTWARE: i32 = 0x1;
const STORAGE_HARDWARE: i32 = 0x2;

/// The server-kept attributes of `version` of `key` (its Public Key object
/// when `public`) in protocol `protocol`:
/// - Sensitive and Always Sensitive: as the client made the object
///   ([`is_sensitive`]; it cannot be changed afterwards, so both are the
///   same).
/// - Extractable: the key's export flag; Never Extractable: its negation
///   (the flag is fixed when the key is made).
/// - Fresh: until the version's secret material is first served.
/// - Lease Time: [`LEASE_TIME_SECS`].
/// - Revocation Reason, once revoked (the code; the message is not kept).
/// - Usage Limits, when the key was made with them: total, left, unit.
/// - 2.x: Short Unique Identifier (the SHA-256 of the Unique Identifier,
///   as KMIP 2.1 section 4.56 advises), Key Format Type (the format Get
///   answers in by default) and Protection Storage Mask (Software, or
///   Hardware for a key in an HSM).
pub(crate) fn of_version(
    key: &Key,
    version: &KeyVersion,
    public: bool,
    protocol: ProtocolVersion,
) -> Vec<AttributeValue> {
    let sensitive = is_sensitive(key, public);
    let mut out = vec![
        other(tags::SENSITIVE, Value::Boolean(sensitive)),
        other(tags::ALWAYS_SENSITIVE, Value::Boolean(sensitive)),
        other(tags::EXTRACTABLE, Value::Boolean(key.exportable)),
        other(tags::NEVER_EXTRACTABLE, Value::Boolean(!key.exportable)),
        other(tags::FRESH, Value::Boolean(version.served_at.is_none())),
        other(tags::LEASE_TIME, Value::Interval(LEASE_TIME_SECS)),
    ];
    if let Some(reason) = version.revocation_reason {
        out.push(revocation_reason(reason));
    }
    if let Some(limits) = &key.kmip.usage_limits {
        out.push(usage_limits::attribute(limits));
    }
    if protocol.is_v2() {
        out.extend(v2_only(key, version, public, protocol));
    }
    out
}

/// Whether the object (the Public Key object of `key` when `public`) is
/// Sensitive (KMIP 1.4 section 3.48, KMIP 2.1 section 4.55): the key's
/// flag belongs to the object the client made, a key pair's Private Key
/// or a public key registered alone; the Public Key keyhold derives for a
/// private key was never asked to be Sensitive, and is not.
pub(crate) fn is_sensitive(key: &Key, public: bool) -> bool {
    key.kmip.sensitive && public == (key.origin == Origin::ImportedPublic)
}

fn v2_only(
    key: &Key,
    version: &KeyVersion,
    public: bool,
    protocol: ProtocolVersion,
) -> Vec<AttributeValue> {
    let own = match public {
        true => format!("{}{}", version.id, objects::PUBLIC_SUFFIX),
        false => version.id.to_string(),
    };
    let short = keyhold_crypto::hash::digest(HashAlgorithm::Sha256, own.as_bytes());
    let mut out = vec![other(
        tags::SHORT_UNIQUE_IDENTIFIER,
        Value::ByteString(short),
    )];
    if let Some(format) = key_format(key, public, protocol) {
        out.push(other(tags::KEY_FORMAT_TYPE, enumeration(format)));
    }
    let storage = match key.protection {
        Protection::Software => STORAGE_SOFTWARE,
        Protection::Hsm => STORAGE_HARDWARE,
    };
    out.push(other(
        tags::PROTECTION_STORAGE_MASK,
        Value::Integer(storage),
    ));
    out
}

/// The Key Format Type Get answers the object in when none is asked for
/// (KMIP 2.1 section 4.26); none for an Opaque Object.
fn key_format(key: &Key, public: bool, protocol: ProtocolVersion) -> Option<KeyFormatType> {
    if keypairs::kmip_algorithm(key.algorithm).is_some() {
        let half = if public { Half::Public } else { Half::Private };
        return Some(asym_formats::default_format(key.algorithm, half, protocol));
    }
    attributes::digest_format(key, false)
}

/// The Revocation Reason attribute (KMIP 1.4 section 3.31): its code.
fn revocation_reason(reason: RevocationReason) -> AttributeValue {
    let code = match reason {
        RevocationReason::Unspecified => RevocationReasonCode::Unspecified,
        RevocationReason::KeyCompromise => RevocationReasonCode::KeyCompromise,
        RevocationReason::CaCompromise => RevocationReasonCode::CACompromise,
        RevocationReason::AffiliationChanged => RevocationReasonCode::AffiliationChanged,
        RevocationReason::Superseded => RevocationReasonCode::Superseded,
        RevocationReason::CessationOfOperation => RevocationReasonCode::CessationOfOperation,
        RevocationReason::PrivilegeWithdrawn => RevocationReasonCode::PrivilegeWithdrawn,
    };
    let item = Ttlv::new(tags::REVOCATION_REASON_CODE, enumeration(code));
    other(tags::REVOCATION_REASON, Value::Structure(vec![item]))
}

fn enumeration(value: impl Into<u32>) -> Value {
    Value::Enumeration(value.into())
}

fn other(tag: Tag, value: Value) -> AttributeValue {
    AttributeValue::Other { tag, value }
}
