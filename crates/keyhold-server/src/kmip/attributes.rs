//! A key version's KMIP attributes (KMIP 1.4 section 3, KMIP 2.1 section
//! 4): what Get Attributes and Get Attribute List answer.

use super::{keypairs, objects};
use keyhold_core::{Key, KeyState, KeyVersion, Timestamp, UsageMask};
use keyhold_kmip::{
    Attribute, AttributeRef, AttributeValue, Attributes, DateAttribute, Link, LinkType, Name,
    NameType, ObjectType, State, UniqueIdentifier,
};

/// The attributes keyhold keeps for `version` of `key`, in a fixed order:
/// Unique Identifier, Name, Object Type, Cryptographic Algorithm and Length,
/// Cryptographic Usage Mask (for a key pair, the half's share of the
/// key's usage), the Link to the other half of a key pair, State and the
/// dates set. `public` picks the Public Key object of a key pair.
pub(crate) fn of_version(key: &Key, version: &KeyVersion, public: bool) -> Attributes {
    use AttributeValue as A;
    let mut out = Attributes::default();
    let own = if public {
        objects::public_uid(version.id)
    } else {
        UniqueIdentifier::Text(version.id.to_string())
    };
    out.push(A::UniqueIdentifier(own));
    out.push(A::Name(Name {
        value: key.name.to_string(),
        name_type: NameType::UninterpretedTextString,
    }));
    let pair = keypairs::kmip_algorithm(key.algorithm);
    let (object_type, usage) = match (pair, public) {
        (None, _) => (ObjectType::SymmetricKey, key.usage),
        (Some(_), false) => (ObjectType::PrivateKey, private_usage(key.usage)),
        (Some(_), true) => (ObjectType::PublicKey, public_usage(key.usage)),
    };
    out.push(A::ObjectType(object_type));
    if let Some((algorithm, bits)) = pair.or_else(|| objects::kmip_algorithm(key.algorithm)) {
        out.push(A::CryptographicAlgorithm(algorithm));
        out.push(A::CryptographicLength(bits));
    }
    out.push(A::CryptographicUsageMask(
        i32::try_from(usage.bits()).unwrap_or(0),
    ));
    if pair.is_some() {
        let (link_type, other) = if public {
            (
                LinkType::PrivateKeyLink,
                UniqueIdentifier::Text(version.id.to_string()),
            )
        } else {
            (LinkType::PublicKeyLink, objects::public_uid(version.id))
        };
        out.push(A::Link(Link {
            link_type,
            linked_object_identifier: other,
        }));
    }
    out.push(A::State(state(version.state)));
    let dates = [
        (DateAttribute::Initial, Some(version.created_at)),
        (DateAttribute::Activation, version.activation_date),
        (DateAttribute::Deactivation, version.deactivation_date),
        (DateAttribute::Compromise, version.compromise_date),
        (DateAttribute::Destroy, version.destroy_date),
    ];
    for (which, at) in dates {
        if let Some(at) = at {
            out.push(A::Date(which, Timestamp::unix_seconds(at)));
        }
    }
    out
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
