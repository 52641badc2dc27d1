//! A key version's KMIP attributes (KMIP 1.4 section 3, KMIP 2.1 section
//! 4): what Get Attributes and Get Attribute List answer.

use super::{app_attrs, custom_attrs, data_objects, keypairs, objects, stored_params};
use keyhold_core::{Key, KeyState, KeyVersion, Origin, Timestamp, UsageMask};
use keyhold_kmip::{
    Attribute, AttributeRef, AttributeValue, Attributes, CryptographicAlgorithm, DateAttribute,
    HashingAlgorithm, KeyFormatType, Link, LinkType, Name, NameType, ObjectType, State,
    UniqueIdentifier, tags,
};
use keyhold_ttlv::{Ttlv, Value};

/// The attributes keyhold keeps for `version` of `key`, in a fixed order:
/// Unique Identifier, Name (none when keyhold chose the key's name:
/// [`keyhold_core::NameSource`]), Object Type, Cryptographic Algorithm and Length,
/// Cryptographic Usage Mask (for a key pair, the half's share of the
/// key's usage), Cryptographic Parameters (KMIP 1.4 section 3.6) when the
/// key was made with them, the Link to the other half of a key pair, State
/// and the dates set, the Description, Object Groups, Application Specific
/// Information, Alternative Names and custom attributes. `public` picks
/// the Public Key object of a key pair.
pub(crate) fn of_version(key: &Key, version: &KeyVersion, public: bool) -> Attributes {
    use AttributeValue as A;
    let view;
    let version = match public {
        true => {
            view = version.public_view();
            &view
        }
        false => version,
    };
    let mut out = Attributes::default();
    let own = if public {
        objects::public_uid(version.id)
    } else {
        objects::version_uid(version.id)
    };
    out.push(A::UniqueIdentifier(own));
    let own_name = match (&version.public_half, public) {
        (Some(half), true) => half.name.as_ref(),
        _ => None,
    };
    if let Some(name) = own_name.or(key.kmip.kmip_name(&key.name)) {
        out.push(A::Name(Name {
            value: name.to_string(),
            name_type: NameType::UninterpretedTextString,
        }));
    }
    let pair = keypairs::kmip_algorithm(key.algorithm);
    let (object_type, usage) = match (pair, public) {
        (None, _) => (
            data_objects::object_type(key.algorithm).unwrap_or(ObjectType::SymmetricKey),
            key.usage,
        ),
        (Some(_), false) => (ObjectType::PrivateKey, private_usage(key.usage)),
        (Some(_), true) => (ObjectType::PublicKey, public_usage(key.usage)),
    };
    out.push(A::ObjectType(object_type));
    let spki = version.public_key.as_deref();
    let pair_kind = pair.map(|a| (a, keypairs::kmip_length(key.algorithm, spki)));
    let symmetric = || objects::kmip_algorithm(key.algorithm).map(|(a, b)| (a, Some(b)));
    if let Some((algorithm, bits)) = pair_kind.or_else(symmetric) {
        out.push(A::CryptographicAlgorithm(algorithm));
        if let Some(bits) = bits {
            out.push(A::CryptographicLength(bits));
        }
    }
    // A data object registered without a usage mask has none.
    if !(key.algorithm.is_data() && usage.is_empty()) {
        out.push(A::CryptographicUsageMask(
            i32::try_from(usage.bits()).unwrap_or(0),
        ));
    }
    if let Some(params) = &key.crypto_params {
        out.push(A::CryptographicParameters(stored_params::to_kmip(params)));
    }
    if pair.is_some() {
        let (link_type, other) = if public {
            (LinkType::PrivateKeyLink, objects::version_uid(version.id))
        } else {
            (LinkType::PublicKeyLink, objects::public_uid(version.id))
        };
        out.push(A::Link(Link {
            link_type,
            linked_object_identifier: other,
        }));
    }
    for link in &key.kmip.links {
        out.push(A::Link(Link {
            link_type: LinkType::from(link.link_type),
            linked_object_identifier: UniqueIdentifier::Text(link.target.as_str().to_owned()),
        }));
    }
    out.push(A::State(kmip_state(key, version, public)));
    push_dates(&mut out, key, version, public);
    if !key.description.is_empty() {
        out.push(A::Description(key.description.clone()));
    }
    for group in &key.kmip.object_groups {
        out.push(A::ObjectGroup(group.as_str().to_owned()));
    }
    app_attrs::report(key, &mut out);
    custom_attrs::report(key, &mut out);
    out
}

/// The dates the version has (the date attributes of KMIP 1.4 section 3);
/// its Protect Stop Date is the one the use checks enforce: its own, or
/// the end of the key's originator-usage period if that comes first.
fn push_dates(out: &mut Attributes, key: &Key, version: &KeyVersion, public: bool) {
    for (which, at) in dates(key, version, public) {
        if let Some(at) = at {
            out.push(AttributeValue::Date(which, Timestamp::unix_seconds(at)));
        }
    }
}

/// Each date attribute keyhold keeps for `version` of `key`, with its
/// value if the version has one: what Get Attributes reports and Locate
/// (KMIP 1.4 section 4.9) matches. The Compromise Occurrence Date is when
/// the compromise happened, as the revoker said; the Compromise Date when
/// keyhold recorded it (the former for versions compromised before
/// keyhold kept both). Archive Date is not kept.
///
/// `public`: the dates of `version`'s Public Key object (`version` is then
/// its [`KeyVersion::public_view`]).
pub(crate) fn dates(
    key: &Key,
    version: &KeyVersion,
    public: bool,
) -> [(DateAttribute, Option<Timestamp>); 10] {
    let generated = key.origin == Origin::Generated;
    [
        (DateAttribute::Initial, Some(version.created_at)),
        (
            DateAttribute::OriginalCreation,
            generated.then_some(version.created_at),
        ),
        (DateAttribute::LastChange, Some(key.updated_at)),
        (DateAttribute::Activation, version.activation_date),
        (DateAttribute::ProcessStart, version.process_start_date),
        (
            DateAttribute::ProtectStop,
            version.protect_stop(&key.cryptoperiod),
        ),
        (DateAttribute::Deactivation, version.deactivation_date),
        (
            DateAttribute::Compromise,
            version.compromise_recorded_at.or(version.compromise_date),
        ),
        (DateAttribute::CompromiseOccurrence, version.compromise_date),
        (DateAttribute::Destroy, destroy_date(key, version, public)),
    ]
}

/// The KMIP Destroy Date: when the key's destruction was asked, since KMIP
/// sees it Destroyed from then on ([`kmip_state`]); else the version's own
/// (a Public Key object with its own state has only its own).
fn destroy_date(key: &Key, version: &KeyVersion, public: bool) -> Option<Timestamp> {
    if has_own_state(version, public) {
        return version.destroy_date;
    }
    key.kmip.destroy_requested_at.or(version.destroy_date)
}

/// Whether the object is a Public Key that keeps its own state
/// ([`keyhold_core::PublicHalf`]): the key's scheduled destruction is not
/// its own.
fn has_own_state(version: &KeyVersion, public: bool) -> bool {
    public && version.public_half.is_some()
}

/// The uses of a private key: those of the key that need the secret.
fn private_usage(usage: UsageMask) -> UsageMask {
    let secret = UsageMask::SIGN
        .union(UsageMask::DECRYPT)
        .union(UsageMask::UNWRAP_KEY)
        .union(UsageMask::DERIVE_KEY);
    intersect(usage, secret)
}

/// The uses of a public key: those of the key that need only the public half.
fn public_usage(usage: UsageMask) -> UsageMask {
    let public = UsageMask::VERIFY
        .union(UsageMask::ENCRYPT)
        .union(UsageMask::WRAP_KEY);
    intersect(usage, public)
}

fn intersect(a: UsageMask, b: UsageMask) -> UsageMask {
    UsageMask::from_bits(a.bits() & b.bits()).unwrap_or(UsageMask::EMPTY)
}

/// The Digest attribute (KMIP 1.4 section 3.17, KMIP 2.1 section 4.16):
/// a SHA-256 `value` computed over the key in `format` (none for an Opaque
/// Object, whose digest is over its value).
pub(crate) fn digest(value: Vec<u8>, format: Option<KeyFormatType>) -> AttributeValue {
    let mut items = vec![
        Ttlv::new(
            tags::HASHING_ALGORITHM,
            Value::Enumeration(u32::from(HashingAlgorithm::SHA256)),
        ),
        Ttlv::new(tags::DIGEST_VALUE, Value::ByteString(value)),
    ];
    if let Some(format) = format {
        items.push(Ttlv::new(
            tags::KEY_FORMAT_TYPE,
            Value::Enumeration(u32::from(format)),
        ));
    }
    AttributeValue::Other {
        tag: tags::DIGEST,
        value: Value::Structure(items),
    }
}

/// The Random Number Generator attribute of a key keyhold generated (KMIP
/// 1.4 section 3.44, KMIP 2.1 section 4.48): AWS-LC's CTR-DRBG with
/// AES-256 (NIST SP 800-90A), which aws-lc-rs draws from. It exists from
/// KMIP 1.3 on.
pub(crate) fn random_number_generator() -> AttributeValue {
    let enumeration = |tag, v: u32| Ttlv::new(tag, Value::Enumeration(v));
    let items = vec![
        enumeration(tags::RNG_ALGORITHM, RNG_ALGORITHM_DRBG),
        enumeration(
            tags::CRYPTOGRAPHIC_ALGORITHM,
            u32::from(CryptographicAlgorithm::AES),
        ),
        Ttlv::new(tags::CRYPTOGRAPHIC_LENGTH, Value::Integer(256)),
        enumeration(tags::DRBG_ALGORITHM, DRBG_ALGORITHM_CTR),
    ];
    AttributeValue::Other {
        tag: tags::RANDOM_NUMBER_GENERATOR,
        value: Value::Structure(items),
    }
}

/// RNG Algorithm DRBG (KMIP 1.4 section 9.1.3.2.47).
const RNG_ALGORITHM_DRBG: u32 = 0x3;
/// DRBG Algorithm CTR (KMIP 1.4 section 9.1.3.2.48).
const DRBG_ALGORITHM_CTR: u32 = 0x5;

/// The Key Format Type a digest of `key` is computed over: Raw for a
/// symmetric key, PKCS#8 for a private key, X.509 for a public key, the
/// registered format for Secret Data, none for an Opaque Object.
pub(crate) fn digest_format(key: &Key, public: bool) -> Option<KeyFormatType> {
    if let Some(data) = &key.kmip.data {
        return data_objects::digest_format(data);
    }
    Some(match (keypairs::kmip_algorithm(key.algorithm), public) {
        (None, _) => KeyFormatType::Raw,
        (Some(_), false) => KeyFormatType::PKCS8,
        (Some(_), true) => KeyFormatType::X509,
    })
}

/// Only the attributes `wanted` names; all of them when `wanted` is empty
/// (KMIP 1.4 section 4.11).
pub(crate) fn select(all: Attributes, wanted: &[AttributeRef]) -> Attributes {
    if wanted.is_empty() {
        return all;
    }
    let items = all
        .items
        .into_iter()
        .filter(|a| wanted.contains(&a.reference()))
        .collect();
    Attributes { items }
}

/// The references of `all` (Get Attribute List).
pub(crate) fn references(all: &Attributes) -> Vec<AttributeRef> {
    all.items.iter().map(Attribute::reference).collect()
}

/// The State KMIP sees for `version` of `key`: its own
/// ([`state`]), except that a key a Destroy has scheduled for destruction
/// is Destroyed (Destroyed Compromised when compromised) at once, as KMIP
/// 1.4 section 4.21 has it: its material may not be served any more, and
/// Locate files it under destroyed storage. keyhold erases the material
/// when the scheduler's waiting period ends; until then a REST
/// `cancel-destroy` brings the object back in its state before.
///
/// A Public Key object (`public`) that keeps its own state (`version` is
/// then its [`KeyVersion::public_view`]) shows that state: the private
/// key's scheduled destruction is not its own.
pub(crate) fn kmip_state(key: &Key, version: &KeyVersion, public: bool) -> State {
    let scheduled = key
        .destroy_scheduled_at
        .filter(|_| !has_own_state(version, public));
    match (scheduled, version.state) {
        (Some(_), KeyState::Compromised) => State::DestroyedCompromised,
        (Some(_), KeyState::Destroyed | KeyState::DestroyedCompromised) | (None, _) => {
            state(version.state)
        }
        (Some(_), _) => State::Destroyed,
    }
}

/// keyhold's version state as a KMIP State. Suspended has no KMIP
/// counterpart: a suspended version is reported Deactivated (it protects
/// nothing and still processes).
pub(crate) fn state(s: KeyState) -> State {
    match s {
        KeyState::PreActive => State::PreActive,
        KeyState::Active => State::Active,
        KeyState::Suspended | KeyState::Deactivated => State::Deactivated,
        KeyState::Compromised => State::Compromised,
        KeyState::Destroyed => State::Destroyed,
        KeyState::DestroyedCompromised => State::DestroyedCompromised,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keyhold_kmip::tags;

    fn attrs() -> Attributes {
        let mut a = Attributes::default();
        a.push(AttributeValue::ObjectType(ObjectType::SymmetricKey));
        a.push(AttributeValue::State(State::Active));
        a
    }

    #[test]
    fn selection_keeps_what_is_asked_or_everything() {
        assert_eq!(select(attrs(), &[]).items.len(), 2);
        let only = select(attrs(), &[AttributeRef::Standard(tags::STATE)]);
        assert_eq!(only.items.len(), 1);
        assert_eq!(only.state(), Some(State::Active));
        assert_eq!(
            references(&attrs()),
            vec![
                AttributeRef::Standard(tags::OBJECT_TYPE),
                AttributeRef::Standard(tags::STATE)
            ]
        );
    }

    #[test]
    fn suspended_is_reported_deactivated() {
        assert_eq!(state(KeyState::Suspended), State::Deactivated);
        assert_eq!(state(KeyState::PreActive), State::PreActive);
    }
}
