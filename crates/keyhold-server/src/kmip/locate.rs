//! Locate (KMIP 1.4 section 4.9, KMIP 2.1 section 6.1.27): which objects
//! match every attribute a request names. Application Specific
//! Information matches an object that has one of that namespace and data
//! (any data when the request gives none), an Alternative Name or custom
//! attribute one that has it equal. An attribute keyhold does not keep
//! matches no object, as KMIP defines. Key pairs count as two objects.

use keyhold_core::{Key, KeyName, KeyState, KeyVersion, Timestamp};
use keyhold_kmip::payload::LocateRequest;
use keyhold_kmip::{
    AlternativeName, ApplicationSpecificInformation, AttributeValue, CryptographicAlgorithm,
    DateAttribute, ObjectType, ResultReason, State, UniqueIdentifier,
};

use super::errors::ItemFailure;
use super::{app_attrs, attributes, custom_attrs, data_objects, keypairs, objects};
use crate::ops::CustomAttr;

/// Where an object is kept, as the Storage Status Mask names it (KMIP 1.4
/// section 9.1.3.3.2; Destroyed Storage from KMIP 2.1 section 12.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Storage {
    /// On-line: neither archived nor destroyed.
    Online,
    /// Archived (KMIP Archive).
    Archived,
    /// Destroyed: its material erased, or its destruction scheduled by a
    /// Destroy (keyhold waits before erasing; from KMIP's view the object
    /// is destroyed: its material may no longer be fetched).
    Destroyed,
}

impl Storage {
    /// Its bit in the Storage Status Mask.
    fn bit(self) -> i32 {
        match self {
            Storage::Online => 0x1,
            Storage::Archived => 0x2,
            Storage::Destroyed => 0x4,
        }
    }

    /// Where `version` of `key` is kept.
    fn of(key: &Key, version: &KeyVersion) -> Self {
        let destroyed = key.destroy_scheduled_at.is_some()
            || matches!(
                version.state,
                KeyState::Destroyed | KeyState::DestroyedCompromised
            );
        match (destroyed, version.archived) {
            (true, _) => Storage::Destroyed,
            (false, true) => Storage::Archived,
            (false, false) => Storage::Online,
        }
    }
}

/// Why a Locate request cannot be answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum LocateError {
    /// More than two values of one date attribute: one value is a date,
    /// two a range, and nothing else is defined (KMIP 1.4 section 4.9,
    /// KMIP 2.1 section 6.1.27).
    #[error(
        "a Locate gives one value of {attribute:?} Date (that date) or two (a range), not {count}"
    )]
    TooManyDates {
        /// The date attribute.
        attribute: DateAttribute,
        /// How many values it was given.
        count: usize,
    },
}

impl From<LocateError> for ItemFailure {
    fn from(e: LocateError) -> Self {
        match e {
            LocateError::TooManyDates { .. } => {
                ItemFailure::new(ResultReason::InvalidField, e.to_string())
            }
        }
    }
}

/// What a date attribute of a Locate asks (KMIP 1.4 section 4.9): one
/// value, that date; two values, the range between them, both limits
/// included (given in either order). Seconds since the epoch, the
/// precision of a KMIP Date-Time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct DateRange {
    from: i64,
    to: i64,
}

impl DateRange {
    /// The range the `values` of one date attribute ask for.
    fn of(attribute: DateAttribute, values: &[i64]) -> Result<Self, LocateError> {
        match values {
            [one] => Ok(DateRange {
                from: *one,
                to: *one,
            }),
            [a, b] => Ok(DateRange {
                from: (*a).min(*b),
                to: (*a).max(*b),
            }),
            _ => Err(LocateError::TooManyDates {
                attribute,
                count: values.len(),
            }),
        }
    }

    fn contains(self, at: Timestamp) -> bool {
        (self.from..=self.to).contains(&at.unix_seconds())
    }
}

/// What a Locate matches on.
#[derive(Debug, Default)]
pub(crate) struct Filter {
    name: Option<String>,
    description: Option<String>,
    object_type: Option<ObjectType>,
    algorithm: Option<CryptographicAlgorithm>,
    state: Option<State>,
    uid: Option<UniqueIdentifier>,
    custom: Vec<(String, CustomAttr)>,
    app_info: Vec<ApplicationSpecificInformation>,
    alt_names: Vec<AlternativeName>,
    groups: Vec<String>,
    dates: Vec<(DateAttribute, DateRange)>,
    /// An attribute no keyhold object has: nothing matches.
    unmatchable: bool,
    storage: i32,
}

impl Filter {
    /// The filter of `req`; more than two values of one date attribute
    /// are refused.
    pub(crate) fn of(req: &LocateRequest) -> Result<Self, LocateError> {
        let mut f = Filter {
            storage: req.storage_status_mask.unwrap_or(Storage::Online.bit()),
            unmatchable: req.object_group_member.is_some(),
            ..Filter::default()
        };
        let mut dates: Vec<(DateAttribute, Vec<i64>)> = Vec::new();
        for attr in req.attributes.iter().flat_map(|a| a.items.iter()) {
            match &attr.value {
                AttributeValue::Date(which, at) => {
                    match dates.iter_mut().find(|(d, _)| d == which) {
                        Some((_, values)) => values.push(*at),
                        None => dates.push((*which, vec![*at])),
                    }
                }
                other => f.add(other),
            }
        }
        for (which, values) in dates {
            f.dates.push((which, DateRange::of(which, &values)?));
        }
        Ok(f)
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
            AttributeValue::ApplicationSpecificInformation(i) => self.app_info.push(i.clone()),
            AttributeValue::AlternativeName(n) => self.alt_names.push(n.clone()),
            AttributeValue::Vendor {
                vendor,
                name,
                value,
            } => match custom_attrs::kept(value) {
                Ok(v) => self.custom.push((format!("{vendor}-{name}"), v)),
                Err(_) => self.unmatchable = true,
            },
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
        for v in versions.iter().rev() {
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
                if type_fits
                    && self.uid.as_ref().is_none_or(|u| *u == uid)
                    && self.half_matches(key, v, public)
                {
                    out.push(uid);
                }
            }
        }
        out
    }

    fn key_matches(&self, key: &Key) -> bool {
        let algorithm = keypairs::kmip_algorithm(key.algorithm)
            .or_else(|| objects::kmip_algorithm(key.algorithm).map(|(a, _)| a));
        let kmip_name = key.kmip.kmip_name(&key.name).map(KeyName::as_str);
        self.name.as_deref().is_none_or(|n| Some(n) == kmip_name)
            && self
                .description
                .as_deref()
                .is_none_or(|d| !d.is_empty() && d == key.description)
            && self.algorithm.is_none_or(|a| Some(a) == algorithm)
            && self.custom.iter().all(|(n, v)| has_custom(key, n, v))
            && self
                .app_info
                .iter()
                .all(|i| app_attrs::has_app_info(key, i))
            && self
                .alt_names
                .iter()
                .all(|n| app_attrs::has_alt_name(key, n))
            && self
                .groups
                .iter()
                .all(|g| key.kmip.object_groups.iter().any(|have| have.as_str() == g))
    }

    /// [`version_matches`](Self::version_matches) of the Private (or only)
    /// object of `v`, or of its Public Key object, which may keep its own
    /// state and dates ([`KeyVersion::public_view`]).
    fn half_matches(&self, key: &Key, v: &KeyVersion, public: bool) -> bool {
        match (public, &v.public_half) {
            (true, Some(_)) => self.version_matches(key, &v.public_view(), public),
            _ => self.version_matches(key, v, public),
        }
    }

    fn version_matches(&self, key: &Key, v: &KeyVersion, public: bool) -> bool {
        self.storage & Storage::of(key, v).bit() != 0
            && self
                .state
                .is_none_or(|s| s == attributes::kmip_state(key, v, public))
            && self.dates_match(key, v, public)
    }

    /// Whether `v` has every date asked, in its range; a date the version
    /// does not have (or keyhold does not keep) matches nothing.
    fn dates_match(&self, key: &Key, v: &KeyVersion, public: bool) -> bool {
        if self.dates.is_empty() {
            return true;
        }
        let have = attributes::dates(key, v, public);
        self.dates.iter().all(|(which, range)| {
            have.iter()
                .find(|(d, _)| d == which)
                .and_then(|(_, at)| *at)
                .is_some_and(|at| range.contains(at))
        })
    }
}

/// Whether `key` has the custom attribute `name` equal to `value`.
fn has_custom(key: &Key, name: &str, value: &CustomAttr) -> bool {
    match value {
        CustomAttr::Text(text) => key.tags.get(name) == Some(text),
        CustomAttr::Typed(v) => key
            .kmip
            .custom
            .iter()
            .any(|c| c.name.as_str() == name && c.value == *v),
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
    use keyhold_ttlv::Value;

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
        let rng = AttributeValue::Other {
            tag: keyhold_kmip::tags::RANDOM_NUMBER_GENERATOR,
            value: Value::Structure(Vec::new()),
        };
        assert!(Filter::of(&request(vec![rng])).unwrap().unmatchable);
        let big = AttributeValue::Vendor {
            vendor: "x".into(),
            name: "n".into(),
            value: Value::BigInteger(vec![1]),
        };
        assert!(Filter::of(&request(vec![big])).unwrap().unmatchable);
        let asi = AttributeValue::ApplicationSpecificInformation(ApplicationSpecificInformation {
            namespace: "LIBRARY-LTO".into(),
            data: None,
        });
        let typed = AttributeValue::Vendor {
            vendor: "x".into(),
            name: "n".into(),
            value: Value::Integer(1),
        };
        let f = Filter::of(&request(vec![asi, typed])).unwrap();
        assert!(!f.unmatchable);
        assert_eq!(f.app_info.len(), 1);
        assert_eq!(f.custom.len(), 1);
        let group = AttributeValue::ObjectGroup("g".into());
        assert!(!Filter::of(&request(vec![group])).unwrap().unmatchable);
        let name = AttributeValue::Name(Name {
            value: "k".into(),
            name_type: NameType::UninterpretedTextString,
        });
        let f = Filter::of(&request(vec![
            name,
            AttributeValue::ObjectType(ObjectType::SymmetricKey),
        ]))
        .unwrap();
        assert!(!f.unmatchable);
        assert_eq!(f.name(), Some("k"));
    }

    #[test]
    fn one_date_is_that_date_two_are_a_range_three_are_refused() {
        let d = |secs| AttributeValue::Date(DateAttribute::ProtectStop, secs);
        let one = Filter::of(&request(vec![d(100)])).unwrap();
        assert_eq!(
            one.dates,
            vec![(DateAttribute::ProtectStop, DateRange { from: 100, to: 100 })]
        );
        // Either order: the range between the two values.
        let two = Filter::of(&request(vec![d(300), d(100)])).unwrap();
        let (_, range) = two.dates[0];
        assert!(range.contains(Timestamp::from_unix_seconds(100)));
        assert!(range.contains(Timestamp::from_unix_seconds(300)));
        assert!(!range.contains(Timestamp::from_unix_seconds(301)));
        assert!(!range.contains(Timestamp::from_unix_seconds(99)));
        let three = Filter::of(&request(vec![d(1), d(2), d(3)])).unwrap_err();
        assert_eq!(
            three,
            LocateError::TooManyDates {
                attribute: DateAttribute::ProtectStop,
                count: 3
            }
        );
        assert_eq!(ItemFailure::from(three).reason, ResultReason::InvalidField);
        // Two different date attributes are two criteria, not a range.
        let both = Filter::of(&request(vec![
            d(1),
            AttributeValue::Date(DateAttribute::Activation, 2),
        ]))
        .unwrap();
        assert_eq!(both.dates.len(), 2);
    }

    #[test]
    fn storage_bits_are_kmips() {
        assert_eq!(Storage::Online.bit(), 1);
        assert_eq!(Storage::Archived.bit(), 2);
        assert_eq!(Storage::Destroyed.bit(), 4);
        let f = Filter::of(&request(Vec::new())).unwrap();
        assert_eq!(f.storage, 1, "on-line objects only by default");
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
