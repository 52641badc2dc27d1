//! A key version's KMIP attributes (KMIP 1.4 section 3, KMIP 2.1 section
//! 4): what Get Attributes and Get Attribute List answer.

use keyhold_core::{Key, KeyState, KeyVersion, Timestamp};
use keyhold_kmip::{
    Attribute, AttributeRef, AttributeValue, Attributes, DateAttribute, Name, NameType, ObjectType,
    State, UniqueIdentifier,
};

/// The attributes keyhold keeps for `version` of `key`, in a fixed order:
/// Unique Identifier, Name, Object Type, Cryptographic Algorithm and Length
/// (symmetric algorithms: asymmetric keys have no KMIP object yet),
/// Cryptographic Usage Mask, State and the dates set.
pub(crate) fn of_version(key: &Key, version: &KeyVersion) -> Attributes {
    use AttributeValue as A;
    let mut out = Attributes::default();
    out.push(A::UniqueIdentifier(UniqueIdentifier::Text(
        version.id.to_string(),
    )));
    out.push(A::Name(Name {
        value: key.name.to_string(),
        name_type: NameType::UninterpretedTextString,
    }));
    out.push(A::ObjectType(ObjectType::SymmetricKey));
    if let Some((algorithm, bits)) = super::objects::kmip_algorithm(key.algorithm) {
        out.push(A::CryptographicAlgorithm(algorithm));
        out.push(A::CryptographicLength(bits));
    }
    let usage = i32::try_from(key.usage.bits()).unwrap_or(0);
    out.push(A::CryptographicUsageMask(usage));
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
