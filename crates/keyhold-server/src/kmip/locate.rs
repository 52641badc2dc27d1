//! Locate (KMIP 1.4 section 4.9, KMIP 2.1 section 6.1.27): which objects
//! match every attribute a request names. An attribute keyhold does not
//! keep (Application Specific Information, ...) matches no object, as KMIP
//! defines. Key pairs count as two objects.

use keyhold_core::{Key, KeyName, KeyVersion};
use keyhold_kmip::payload::LocateRequest;
use keyhold_kmip::{AttributeValue, CryptographicAlgorithm, ObjectType, State, UniqueIdentifier};
use keyhold_ttlv::Value;

use super::{attributes, data_objects, keypairs, objects};

/// Storage Status Mask bits (KMIP 1.4 section 9.1.3.3.2).
const ONLINE: i32 = 0x1;
const ARCHIVED: i32 = 0x2;

/// What a Locate matches on.
#[derive(Debug, Default)]
pub(crate) struct Filter {
    name: Option<String>,
    description: Option<String>,
    object_type: Option<ObjectType>,
    algorithm: Option<CryptographicAlgorithm>,
    state: Option<State>,
    uid: Option<UniqueIdentifier>,
    custom: Vec<(String, String)>,
    groups: Vec<String>,
    /// An attribute no keyhold object has: nothing matches.
    unmatchable: bool,
    storage: i32,
}

impl Filter {
    /// The filter of `req`.
    pub(crate) fn of(req: &LocateRequest) -> Self {
        let mut f = Filter {
            storage: req.storage_status_mask.unwrap_or(ONLINE),
            unmatchable: req.object_group_member.is_some(),
            ..Filter::default()
        };
        for attr in req.attributes.iter().flat_map(|a| a.items.iter()) {
            f.add(&attr.value);
        }
        f
    }

    fn add(&mut self, value: &AttributeValue) {
        match value {
            AttributeValue::Name(n) => self.name = Some(n.value.clone()),
            AttributeValue::Description(d) => self.description = Some(d.clone()),
            AttributeValue::ObjectType(t) => self.object_type = Some(*t),
            AttributeValue::CryptographicAlgorithm(a) => self.algorithm = Some(*a),
            AttributeValue::State(s) => self.state = Some(*s),
            AttributeValue::UniqueIdentifier(u) => self.uid = Some(u.clone()),
            AttributeValue::ObjectGroup(g) => self.groups.push(g.clone()),
            AttributeValue::Vendor {
                vendor,
                name,
                value: Value::TextString(text),
            } => self.custom.push((format!("{vendor}-{name}"), text.clone())),
            _ => self.unmatchable = true,
        }
    }

    /// The key name the request narrows to, if it names one.
    pub(crate) fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The objects of `key`'s versions that match, newest version first.
    pub(crate) fn matches(&self, key: &Key, versions: &[KeyVersion]) -> Vec<UniqueIdentifier> {
        if self.unmatchable || !self.key_matches(key) {
            return Vec::new();
        }
        let pair = keypairs::kmip_algorithm(key.algorithm);
        let single = [(
            data_objects::object_type(key.algorithm).unwrap_or(ObjectType::SymmetricKey),
            false,
        )];
        let mut out = Vec::new();
        for v in versions.iter().rev().filter(|v| self.version_matches(v)) {
            let halves: &[(ObjectType, bool)] = match pair {
                Some(_) => &[
                    (ObjectType::PrivateKey, false),
                    (ObjectType::PublicKey, true),
                ],
                None => &single,
            };
            for &(object_type, public) in halves {
                let uid = match public {
                    true => objects::public_uid(v.id),
                    false => objects::version_uid(v.id),
                };
                let type_fits = self.object_type.is_none_or(|t| t == object_type);
                if type_fits && self.uid.as_ref().is_none_or(|u| *u == uid) {
                    out.push(uid);
                }
            }
        }
        out
    }

    fn key_matches(&self, key: &Key) -> bool {
        let algorithm = keypairs::kmip_algorithm(key.algorithm)
            .or_else(|| objects::kmip_algorithm(key.algorithm))
            .map(|(a, _)| a);
        let kmip_name = key.kmip.kmip_name(&key.name).map(KeyName::as_str);
        self.name.as_deref().is_none_or(|n| Some(n) == kmip_name)
            && self
                .description
                .as_deref()
                .is_none_or(|d| !d.is_empty() && d == key.description)
            && self.algorithm.is_none_or(|a| Some(a) == algorithm)
            && self
                .custom
                .iter()
                .all(|(n, v)| key.tags.get(n).is_some_and(|have| have == v))
            && self
                .groups
                .iter()
                .all(|g| key.kmip.object_groups.iter().any(|have| have.as_str() == g))
    }

    fn version_matches(&self, v: &KeyVersion) -> bool {
        let stored = if v.archived { ARCHIVED } else { ONLINE };
        self.storage & stored != 0 && self.state.is_none_or(|s| s == attributes::state(v.state))
    }
}

/// The page Maximum Items and Offset Items ask for.
pub(crate) fn page(
    found: Vec<UniqueIdentifier>,
    offset: Option<i32>,
    maximum: Option<i32>,
) -> Vec<UniqueIdentifier> {
    let skip = offset.and_then(|o| usize::try_from(o).ok()).unwrap_or(0);
    let take = maximum
        .and_then(|m| usize::try_from(m).ok())
        .unwrap_or(usize::MAX);
    found.into_iter().skip(skip).take(take).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use keyhold_kmip::{Attributes, Name, NameType};

    fn request(values: Vec<AttributeValue>) -> LocateRequest {
        let mut attrs = Attributes::default();
        for v in values {
            attrs.push(v);
        }
        LocateRequest {
            maximum_items: None,
            offset_items: None,
            storage_status_mask: None,
            object_group_member: None,
            attributes: Some(attrs),
        }
    }

    #[test]
    fn an_attribute_keyhold_does_not_keep_matches_nothing() {
        let asi = AttributeValue::Other {
            tag: keyhold_kmip::tags::APPLICATION_SPECIFIC_INFORMATION,
            value: Value::Structure(Vec::new()),
        };
        assert!(Filter::of(&request(vec![asi])).unmatchable);
        let group = AttributeValue::ObjectGroup("g".into());
        assert!(!Filter::of(&request(vec![group])).unmatchable);
        let name = AttributeValue::Name(Name {
            value: "k".into(),
            name_type: NameType::UninterpretedTextString,
        });
        let f = Filter::of(&request(vec![
            name,
            AttributeValue::ObjectType(ObjectType::SymmetricKey),
        ]));
        assert!(!f.unmatchable);
        assert_eq!(f.name(), Some("k"));
    }

    #[test]
    fn pages_skip_then_take() {
        let ids: Vec<_> = (0..5)
            .map(|i| UniqueIdentifier::Text(i.to_string()))
            .collect();
        let got = page(ids.clone(), Some(1), Some(2));
        assert_eq!(got, ids[1..3].to_vec());
        assert_eq!(page(ids.clone(), None, Some(0)).len(), 0);
        assert_eq!(page(ids, Some(9), None).len(), 0);
    }
}
