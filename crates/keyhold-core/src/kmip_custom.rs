//! Custom attributes of types other than text (KMIP 1.4 section 3.1:
//! `x-…` set by clients, `y-…` by servers; KMIP 2.1 section 4.60: Vendor
//! Attributes of vendor `x` or `y`). Text ones are the key's tags (what
//! REST shows); the others are kept here with their type, one instance
//! per name, reported as given. No decision reads them.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::CoreError;

/// The longest custom attribute name kept (prefix included), in bytes:
/// the bound of a tag name.
pub const MAX_CUSTOM_NAME_BYTES: usize = 128;
/// The longest Byte String value kept, in bytes: the bound of a tag value.
pub const MAX_CUSTOM_BYTES: usize = 256;
/// The most typed custom attributes one key keeps.
pub const MAX_TYPED_CUSTOM: usize = 16;

/// A custom attribute's name in the KMIP 1.x form: `x-` or `y-` and at
/// least one more character, at most [`MAX_CUSTOM_NAME_BYTES`] bytes, no
/// `:` and no control character (the rules of a tag name).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CustomName(String);

impl CustomName {
    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CustomName {
    type Error = CoreError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        let prefixed = (s.starts_with("x-") || s.starts_with("y-")) && s.len() > 2;
        let clean = !s.contains(':') && !s.chars().any(char::is_control);
        if !prefixed || !clean || s.len() > MAX_CUSTOM_NAME_BYTES {
            return Err(CoreError::InvalidValue {
                field: "custom_attribute",
                reason: "a custom attribute's name is x-… or y-…, at most 128 bytes, without ':' or control characters",
            });
        }
        Ok(Self(s))
    }
}

impl From<CustomName> for String {
    fn from(n: CustomName) -> Self {
        n.0
    }
}

impl fmt::Debug for CustomName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

/// A custom attribute's value, of a KMIP item type other than Text String
/// (KMIP 1.4 section 9.1.1.4, KMIP 2.1 section 9.1.1.4). Big Integer and
/// Structure values are not kept.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "kebab-case")]
pub enum CustomValue {
    /// Integer.
    Integer(i32),
    /// Long Integer.
    LongInteger(i64),
    /// Boolean.
    Boolean(bool),
    /// Enumeration.
    Enumeration(u32),
    /// Date-Time, POSIX seconds.
    DateTime(i64),
    /// Interval, seconds.
    Interval(u32),
    /// Byte String, at most [`MAX_CUSTOM_BYTES`] bytes.
    ByteString(Vec<u8>),
}

impl CustomValue {
    /// The KMIP name of its item type.
    pub const fn type_name(&self) -> &'static str {
        match self {
            Self::Integer(_) => "Integer",
            Self::LongInteger(_) => "Long Integer",
            Self::Boolean(_) => "Boolean",
            Self::Enumeration(_) => "Enumeration",
            Self::DateTime(_) => "Date-Time",
            Self::Interval(_) => "Interval",
            Self::ByteString(_) => "Byte String",
        }
    }

    /// Whether `other` is of the same item type.
    pub fn same_type(&self, other: &Self) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
    }
}

/// One typed custom attribute.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomAttribute {
    /// Its name (`x-…`, `y-…`).
    pub name: CustomName,
    /// Its value.
    pub value: CustomValue,
}

/// Checks a key's typed custom attributes: at most [`MAX_TYPED_CUSTOM`],
/// each name once, Byte Strings at most [`MAX_CUSTOM_BYTES`] bytes.
pub fn check_custom(attrs: &[CustomAttribute]) -> Result<(), CoreError> {
    let invalid = |reason| CoreError::InvalidValue {
        field: "custom_attribute",
        reason,
    };
    if attrs.len() > MAX_TYPED_CUSTOM {
        return Err(invalid(
            "a key keeps at most 16 custom attributes of types other than text",
        ));
    }
    let long = |a: &CustomAttribute| matches!(&a.value, CustomValue::ByteString(b) if b.len() > MAX_CUSTOM_BYTES);
    if attrs.iter().any(long) {
        return Err(invalid("a custom Byte String is at most 256 bytes"));
    }
    let twice = attrs
        .iter()
        .enumerate()
        .any(|(i, a)| attrs.iter().skip(i + 1).any(|b| a.name == b.name));
    if twice {
        return Err(invalid("a custom attribute has one instance"));
    }
    Ok(())
}

/// Checks that no typed custom attribute shares its name with one of the
/// key's tags (its text custom attributes): a custom attribute has one
/// instance, of one type, whichever interface set it.
pub fn check_apart_from_tags(
    attrs: &[CustomAttribute],
    tags: &std::collections::BTreeMap<String, String>,
) -> Result<(), CoreError> {
    match attrs.iter().find(|a| tags.contains_key(a.name.as_str())) {
        Some(_) => Err(CoreError::InvalidValue {
            field: "tags",
            reason: "a tag has the name of a custom attribute of another type (KMIP)",
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_never_shares_a_typed_attributes_name() {
        let typed = [attr("x-count", CustomValue::Integer(1))];
        let mut tags = std::collections::BTreeMap::from([("x-other".to_owned(), "a".to_owned())]);
        assert!(check_apart_from_tags(&typed, &tags).is_ok());
        tags.insert("x-count".into(), "1".into());
        assert!(check_apart_from_tags(&typed, &tags).is_err());
    }

    fn attr(name: &str, value: CustomValue) -> CustomAttribute {
        CustomAttribute {
            name: CustomName::try_from(name.to_owned()).unwrap(),
            value,
        }
    }

    #[test]
    fn names_are_custom_and_bounded() {
        for bad in ["", "x-", "z-a", "Name", "x-a:b", "x-\u{7}"] {
            assert!(CustomName::try_from(bad.to_owned()).is_err(), "{bad:?}");
        }
        let long = format!("x-{}", "a".repeat(MAX_CUSTOM_NAME_BYTES));
        assert!(CustomName::try_from(long).is_err());
        assert_eq!(
            CustomName::try_from("y-a".to_owned()).unwrap().as_str(),
            "y-a"
        );
    }

    #[test]
    fn values_keep_their_type_and_are_bounded() {
        let int = attr("x-VendorAttribute2", CustomValue::Integer(0));
        let json = serde_json::to_string(&int).unwrap();
        assert_eq!(
            json,
            r#"{"name":"x-VendorAttribute2","value":{"type":"integer","value":0}}"#
        );
        assert_eq!(serde_json::from_str::<CustomAttribute>(&json).unwrap(), int);
        let at = attr("x-b", CustomValue::DateTime(1_700_000_000));
        check_custom(&[int.clone(), at.clone()]).unwrap();
        assert!(check_custom(&[int.clone(), int.clone()]).is_err());
        let big = attr(
            "x-c",
            CustomValue::ByteString(vec![0; MAX_CUSTOM_BYTES + 1]),
        );
        assert!(check_custom(&[big]).is_err());
        let many: Vec<_> = (0..=MAX_TYPED_CUSTOM)
            .map(|i| attr(&format!("x-{i}"), CustomValue::Boolean(true)))
            .collect();
        assert!(check_custom(&many).is_err());
        assert!(int.value.same_type(&CustomValue::Integer(5)));
        assert!(!int.value.same_type(&CustomValue::LongInteger(0)));
        assert_eq!(at.value.type_name(), "Date-Time");
    }
}
