//! Text forms of values, shared by the XML and JSON encodings (the "XML Encoding" and
//! "JSON Encoding" sections of the KMIP Profiles 1.4; the same rules are in KMIP Profiles 2.1).
//!
//! - Integer: decimal, `0x` and up to 8 hex digits, or for bit masks the names of the set
//!   bits separated by spaces (XML) or `|` (JSON), each possibly a `0x` hex value.
//! - Long Integer: decimal or `0x` and up to 16 hex digits.
//! - Big Integer: hex digits (optionally after `0x`), sign-extended to a multiple of 8 bytes.
//! - Enumeration: the value's name, `0x` and up to 8 hex digits, or decimal.
//! - Boolean: `true`, `false`, or `0x` hex of 0 or 1.
//! - Byte String: hex digits. Text String: the text.
//! - Date-Time and Date-Time Extended: ISO 8601 (RFC 3339 profile) or `0x` hex.
//! - Interval: decimal or `0x` hex.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

use crate::dictionary::{self, ValueNames};
use crate::tag::{ItemType, Tag};
use crate::value::Value;

/// Resolves the `$NAME` placeholders of the OASIS test vectors (`$NOW`, `$NOW-3600`,
/// `$UNIQUE_IDENTIFIER_0`, `$IV_COUNTER_NONCE`, ...), which stand for values a test runner
/// chooses or learns during the test.
///
/// A value text starting with `$` is offered to the resolver first. When it returns `None`,
/// a Text String keeps the text literally and any other type fails with
/// [`ValueError::UnresolvedPlaceholder`].
pub trait Placeholders {
    /// The value that `text` stands for in an item with this tag and type.
    fn resolve(&self, tag: Tag, ty: ItemType, text: &str) -> Option<Value>;
}

/// A value text that does not fit its type. Texts of Byte Strings and Big Integers are never
/// quoted (they may be key material), other texts at most their first 64 characters.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ValueError {
    /// A tag name that is not in the dictionary, or a malformed `0x` tag.
    #[error("unknown tag {name:?}")]
    UnknownTag {
        /// The name as written.
        name: String,
    },
    /// A `type` that is not one of the item type names.
    #[error("unknown item type {name:?}")]
    UnknownType {
        /// The type as written.
        name: String,
    },
    /// A number that does not parse or does not fit the type.
    #[error("{ty} value {text:?} is not a number in range")]
    InvalidNumber {
        /// The item type.
        ty: ItemType,
        /// The text (shortened).
        text: String,
    },
    /// An enumeration name that the tag's enumeration does not have.
    #[error("{name:?} is not a value name of {tag}")]
    UnknownEnumerationName {
        /// The tag whose names were searched.
        tag: Tag,
        /// The name (shortened).
        name: String,
    },
    /// A mask bit name that the tag's mask does not have, or a name for a tag without one.
    #[error("{name:?} is not a mask bit name of {tag}")]
    UnknownMaskName {
        /// The tag whose names were searched.
        tag: Tag,
        /// The name (shortened).
        name: String,
    },
    /// Hex that is malformed (odd length, bad digit) for a byte-valued type.
    #[error("{ty} value is not valid hex ({length} characters)")]
    InvalidHex {
        /// The item type.
        ty: ItemType,
        /// Length of the text.
        length: usize,
    },
    /// A Boolean other than true, false or hex 0 or 1.
    #[error("invalid boolean {text:?}")]
    InvalidBoolean {
        /// The text (shortened).
        text: String,
    },
    /// A date-time that is neither RFC 3339 nor hex, or has finer precision than its type.
    #[error("invalid date-time {text:?}")]
    InvalidDateTime {
        /// The text (shortened).
        text: String,
    },
    /// A `$` placeholder that no resolver replaced.
    #[error("unresolved placeholder {name:?} for a {ty}")]
    UnresolvedPlaceholder {
        /// The item type.
        ty: ItemType,
        /// The placeholder (shortened).
        name: String,
    },
    /// A resolver returned a value of another type.
    #[error("placeholder resolved to a {actual}, expected a {expected}")]
    PlaceholderType {
        /// The item's type.
        expected: ItemType,
        /// The type of the resolved value.
        actual: ItemType,
    },
    /// A primitive item without a value.
    #[error("missing value")]
    MissingValue,
}

/// At most 64 characters of `text`, for error messages.
pub(crate) fn excerpt(text: &str) -> String {
    text.chars().take(64).collect()
}

/// The tag named by a KMIP 1.x Attribute Name text ("Cryptographic Usage Mask"), whose
/// enumeration or mask names apply to the sibling Attribute Value.
pub(crate) fn attribute_tag(attribute_name: &str) -> Option<Tag> {
    dictionary::tag_by_name(&dictionary::normalize_name(attribute_name))
}

/// Parses a tag written as a name or as `0x` and hex digits.
pub(crate) fn parse_tag(text: &str) -> Result<Tag, ValueError> {
    let unknown = || ValueError::UnknownTag {
        name: excerpt(text),
    };
    match text.strip_prefix("0x") {
        Some(digits) => hex_number(digits, 6)
            .and_then(|v| Tag::new(v as u32))
            .ok_or_else(unknown),
        None => Tag::from_name(text).ok_or_else(unknown),
    }
}

/// Parses `text` as a value of type `ty` (not Structure) for an item with `tag`, offering
/// `$` placeholders to `placeholders` first. `names` is the tag whose enumeration or mask
/// names apply (the attribute's tag for a 1.x Attribute Value).
pub(crate) fn parse_value(
    ty: ItemType,
    text: &str,
    tag: Tag,
    names: Tag,
    placeholders: Option<&dyn Placeholders>,
) -> Result<Value, ValueError> {
    if text.starts_with('$') {
        if let Some(value) = placeholders.and_then(|p| p.resolve(tag, ty, text)) {
            return match value.item_type() {
                actual if actual == ty => Ok(value),
                actual => Err(ValueError::PlaceholderType {
                    expected: ty,
                    actual,
                }),
            };
        }
        if ty != ItemType::TextString {
            return Err(ValueError::UnresolvedPlaceholder {
                ty,
                name: excerpt(text),
            });
        }
    }
    parse_text(ty, text, names)
}

fn parse_text(ty: ItemType, text: &str, names: Tag) -> Result<Value, ValueError> {
    let number = || ValueError::InvalidNumber {
        ty,
        text: excerpt(text),
    };
    Ok(match ty {
        ItemType::Integer => Value::Integer(parse_integer(text, names)?),
        ItemType::LongInteger => Value::LongInteger(
            decimal::<i64>(text)
                .or_else(|| hex_prefixed(text, 16).map(|v| v as i64))
                .ok_or_else(number)?,
        ),
        ItemType::BigInteger => Value::BigInteger(sign_extend(hex_bytes(ty, text)?)),
        ItemType::Enumeration => Value::Enumeration(parse_enumeration(text, names)?),
        ItemType::Boolean => Value::Boolean(parse_boolean(text)?),
        ItemType::TextString => Value::TextString(text.to_owned()),
        ItemType::ByteString => Value::ByteString(hex_bytes(ty, text)?),
        ItemType::DateTime => Value::DateTime(parse_date_time(text, false)?),
        ItemType::Interval => Value::Interval(unsigned(text).ok_or_else(number)?),
        ItemType::DateTimeExtended => Value::DateTimeExtended(parse_date_time(text, true)?),
        ItemType::Structure => return Err(ValueError::MissingValue),
    })
}

fn decimal<T: std::str::FromStr>(text: &str) -> Option<T> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// `0x` and 1 to `max_digits` hex digits.
fn hex_prefixed(text: &str, max_digits: usize) -> Option<u64> {
    hex_number(text.strip_prefix("0x")?, max_digits)
}

fn hex_number(digits: &str, max_digits: usize) -> Option<u64> {
    if digits.is_empty()
        || digits.len() > max_digits
        || !digits.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return None;
    }
    u64::from_str_radix(digits, 16).ok()
}

/// A 32-bit unsigned value written in decimal or hex.
fn unsigned(text: &str) -> Option<u32> {
    decimal::<u32>(text).or_else(|| hex_prefixed(text, 8).map(|v| v as u32))
}

fn parse_integer(text: &str, names: Tag) -> Result<i32, ValueError> {
    if let Some(v) = decimal::<i32>(text) {
        return Ok(v);
    }
    if let Some(v) = hex_prefixed(text, 8) {
        return Ok(v as u32 as i32);
    }
    let mask = dictionary::value_names(names).filter(|n| n.is_mask());
    let mut bits = 0u32;
    for token in text.split([' ', '|']).filter(|t| !t.is_empty()) {
        bits |= match (hex_prefixed(token, 8), mask) {
            (Some(v), _) => Some(v as u32),
            (None, Some(mask)) => mask.value(token),
            (None, None) => None,
        }
        .ok_or_else(|| ValueError::UnknownMaskName {
            tag: names,
            name: excerpt(token),
        })?;
    }
    if text.trim_matches([' ', '|']).is_empty() {
        return Err(ValueError::InvalidNumber {
            ty: ItemType::Integer,
            text: excerpt(text),
        });
    }
    Ok(bits as i32)
}

fn parse_enumeration(text: &str, names: Tag) -> Result<u32, ValueError> {
    if let Some(v) = unsigned(text) {
        return Ok(v);
    }
    dictionary::value_names(names)
        .and_then(|n| n.value(text))
        .ok_or_else(|| ValueError::UnknownEnumerationName {
            tag: names,
            name: excerpt(text),
        })
}

fn parse_boolean(text: &str) -> Result<bool, ValueError> {
    match (text, hex_prefixed(text, 16)) {
        ("true", _) | (_, Some(1)) => Ok(true),
        ("false", _) | (_, Some(0)) => Ok(false),
        _ => Err(ValueError::InvalidBoolean {
            text: excerpt(text),
        }),
    }
}

fn hex_bytes(ty: ItemType, text: &str) -> Result<Vec<u8>, ValueError> {
    let digits = text.strip_prefix("0x").unwrap_or(text);
    hex::decode(digits).map_err(|_| ValueError::InvalidHex {
        ty,
        length: text.len(),
    })
}

/// Sign-extends a two's complement big-endian integer to a multiple of eight bytes, the
/// form the binary encoding carries (KMIP 1.4 section 9.1.1.4).
pub(crate) fn sign_extend(bytes: Vec<u8>) -> Vec<u8> {
    let extension = crate::encode::padding(bytes.len());
    if extension == 0 {
        return bytes;
    }
    let fill = if bytes.first().is_some_and(|b| b & 0x80 != 0) {
        0xFF
    } else {
        0x00
    };
    let mut out = vec![fill; extension];
    out.extend_from_slice(&bytes);
    out
}

/// Seconds (or microseconds, when `extended`) since the epoch.
fn parse_date_time(text: &str, extended: bool) -> Result<i64, ValueError> {
    let invalid = || ValueError::InvalidDateTime {
        text: excerpt(text),
    };
    if text.starts_with("0x") {
        return hex_prefixed(text, 16).map(|v| v as i64).ok_or_else(invalid);
    }
    let time = OffsetDateTime::parse(text, &Rfc3339).map_err(|_| invalid())?;
    let nanos = time.unix_timestamp_nanos();
    let unit = if extended { 1_000 } else { 1_000_000_000 };
    if nanos % unit != 0 {
        return Err(invalid());
    }
    i64::try_from(nanos / unit).map_err(|_| invalid())
}

/// A date-time as RFC 3339 in UTC (`2008-03-14T11:56:40+00:00`, with six fraction digits
/// when `extended`), or as `0x` hex when the year is outside 0000–9999.
pub(crate) fn format_date_time(value: i64, extended: bool) -> String {
    let nanos = i128::from(value) * if extended { 1_000 } else { 1_000_000_000 };
    let text = OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()
        .filter(|t| (0..=9999).contains(&t.year()))
        .and_then(|t| match extended {
            false => t
                .format(format_description!(
                    "[year]-[month]-[day]T[hour]:[minute]:[second]+00:00"
                ))
                .ok(),
            true => t
                .format(format_description!(
                    "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]+00:00"
                ))
                .ok(),
        });
    text.unwrap_or_else(|| format!("0x{value:016X}"))
}

/// An enumeration value's canonical name, or `0x` and eight hex digits.
pub(crate) fn format_enumeration(value: u32, names: Tag) -> String {
    dictionary::value_names(names)
        .and_then(|n| n.name(value))
        .map_or_else(|| format!("0x{value:08X}"), str::to_owned)
}

/// The mask names of the tag whose values `names` names, if it is a mask.
pub(crate) fn mask_of(names: Tag) -> Option<ValueNames> {
    dictionary::value_names(names).filter(|n| n.is_mask())
}

/// A bit mask as bit names (and `0x` hex for bits without a name) joined by `separator`;
/// `0` when no bit is set.
pub(crate) fn format_mask(bits: i32, mask: ValueNames, separator: &str) -> String {
    let (names, rest) = mask.mask_names(bits as u32);
    let mut parts: Vec<String> = names.into_iter().map(str::to_owned).collect();
    if rest != 0 {
        parts.push(format!("0x{rest:08X}"));
    }
    if parts.is_empty() {
        "0".to_owned()
    } else {
        parts.join(separator)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(v: u32) -> Tag {
        Tag::new(v).unwrap()
    }

    const USAGE: u32 = 0x42_002C;
    const ALGORITHM: u32 = 0x42_0028;

    fn parse(ty: ItemType, text: &str, t: u32) -> Result<Value, ValueError> {
        parse_value(ty, text, tag(t), tag(t), None)
    }

    #[test]
    fn integers_in_every_form() {
        assert_eq!(
            parse(ItemType::Integer, "-5", USAGE),
            Ok(Value::Integer(-5))
        );
        assert_eq!(
            parse(ItemType::Integer, "0xFFFFFFFF", USAGE),
            Ok(Value::Integer(-1))
        );
        assert_eq!(
            parse(ItemType::Integer, "Encrypt Decrypt", USAGE),
            Ok(Value::Integer(12))
        );
        assert_eq!(
            parse(ItemType::Integer, "Encrypt|0x00000100", USAGE),
            Ok(Value::Integer(0x104))
        );
        assert!(matches!(
            parse(ItemType::Integer, "Encrypt Nonsense", USAGE),
            Err(ValueError::UnknownMaskName { name, .. }) if name == "Nonsense"
        ));
        assert!(matches!(
            parse(ItemType::Integer, "Encrypt", ALGORITHM),
            Err(ValueError::UnknownMaskName { .. })
        ));
        assert!(matches!(
            parse(ItemType::Integer, "", USAGE),
            Err(ValueError::InvalidNumber { .. })
        ));
        assert!(parse(ItemType::Integer, "2147483648", USAGE).is_err());
    }

    #[test]
    fn enumerations_by_name_hex_and_decimal() {
        assert_eq!(
            parse(ItemType::Enumeration, "AES", ALGORITHM),
            Ok(Value::Enumeration(3))
        );
        assert_eq!(
            parse(ItemType::Enumeration, "0x80000001", ALGORITHM),
            Ok(Value::Enumeration(0x8000_0001))
        );
        assert_eq!(
            parse(ItemType::Enumeration, "3", ALGORITHM),
            Ok(Value::Enumeration(3))
        );
        assert!(matches!(
            parse(ItemType::Enumeration, "Rot13", ALGORITHM),
            Err(ValueError::UnknownEnumerationName { .. })
        ));
        assert!(parse(ItemType::Enumeration, "0x123456789", ALGORITHM).is_err());
    }

    #[test]
    fn other_scalars() {
        assert_eq!(
            parse(ItemType::LongInteger, "-16", ALGORITHM),
            Ok(Value::LongInteger(-16))
        );
        assert_eq!(
            parse(ItemType::LongInteger, "0xFFFFFFFFFFFFFFFF", ALGORITHM),
            Ok(Value::LongInteger(-1))
        );
        assert_eq!(
            parse(ItemType::Boolean, "true", ALGORITHM),
            Ok(Value::Boolean(true))
        );
        assert_eq!(
            parse(ItemType::Boolean, "0x0000000000000000", ALGORITHM),
            Ok(Value::Boolean(false))
        );
        assert!(matches!(
            parse(ItemType::Boolean, "yes", ALGORITHM),
            Err(ValueError::InvalidBoolean { .. })
        ));
        assert_eq!(
            parse(ItemType::Interval, "864000", ALGORITHM),
            Ok(Value::Interval(864_000))
        );
        assert!(parse(ItemType::Interval, "-1", ALGORITHM).is_err());
        assert_eq!(
            parse(ItemType::ByteString, "010203", ALGORITHM),
            Ok(Value::ByteString(vec![1, 2, 3]))
        );
        assert_eq!(
            parse(ItemType::ByteString, "0102x", ALGORITHM),
            Err(ValueError::InvalidHex {
                ty: ItemType::ByteString,
                length: 5
            })
        );
    }

    #[test]
    fn big_integers_are_sign_extended() {
        assert_eq!(
            parse(ItemType::BigInteger, "010001", ALGORITHM),
            Ok(Value::BigInteger(vec![0, 0, 0, 0, 0, 1, 0, 1]))
        );
        assert_eq!(
            parse(ItemType::BigInteger, "0x80", ALGORITHM),
            Ok(Value::BigInteger(vec![
                0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x80
            ]))
        );
    }

    #[test]
    fn date_times() {
        // KMIP 1.4 section 9.1.2: Friday, March 14, 2008, 11:56:40 GMT is 0x47DA67F8.
        assert_eq!(
            parse(ItemType::DateTime, "2008-03-14T11:56:40+00:00", ALGORITHM),
            Ok(Value::DateTime(0x47DA_67F8))
        );
        assert_eq!(
            parse(ItemType::DateTime, "2000-02-02T00:00:00+10:00", ALGORITHM),
            Ok(Value::DateTime(949_413_600))
        );
        assert_eq!(
            parse(ItemType::DateTime, "0x0000000047DA67F8", ALGORITHM),
            Ok(Value::DateTime(0x47DA_67F8))
        );
        assert!(matches!(
            parse(ItemType::DateTime, "2008-03-14T11:56:40.5+00:00", ALGORITHM),
            Err(ValueError::InvalidDateTime { .. })
        ));
        assert_eq!(
            parse(
                ItemType::DateTimeExtended,
                "2008-03-14T11:56:40.000001+00:00",
                ALGORITHM
            ),
            Ok(Value::DateTimeExtended(0x47DA_67F8 * 1_000_000 + 1))
        );
        assert_eq!(
            format_date_time(0x47DA_67F8, false),
            "2008-03-14T11:56:40+00:00"
        );
        assert_eq!(
            format_date_time(1, true),
            "1970-01-01T00:00:00.000001+00:00"
        );
        assert_eq!(format_date_time(i64::MAX, false), "0x7FFFFFFFFFFFFFFF");
    }

    struct Now;

    impl Placeholders for Now {
        fn resolve(&self, _: Tag, ty: ItemType, text: &str) -> Option<Value> {
            match (ty, text) {
                (ItemType::DateTime, "$NOW") => Some(Value::DateTime(7)),
                (_, "$WRONG") => Some(Value::Boolean(true)),
                _ => None,
            }
        }
    }

    #[test]
    fn placeholders_are_resolved_or_refused() {
        let t = tag(0x42_0092);
        let now = Some(&Now as &dyn Placeholders);
        assert_eq!(
            parse_value(ItemType::DateTime, "$NOW", t, t, now),
            Ok(Value::DateTime(7))
        );
        assert!(matches!(
            parse_value(ItemType::DateTime, "$THEN", t, t, now),
            Err(ValueError::UnresolvedPlaceholder { .. })
        ));
        assert!(matches!(
            parse_value(ItemType::DateTime, "$NOW", t, t, None),
            Err(ValueError::UnresolvedPlaceholder { .. })
        ));
        assert_eq!(
            parse_value(ItemType::TextString, "$UNIQUE_IDENTIFIER_0", t, t, now),
            Ok(Value::TextString("$UNIQUE_IDENTIFIER_0".into()))
        );
        assert_eq!(
            parse_value(ItemType::Integer, "$WRONG", t, t, now),
            Err(ValueError::PlaceholderType {
                expected: ItemType::Integer,
                actual: ItemType::Boolean
            })
        );
    }

    #[test]
    fn masks_format_with_leftover_bits() {
        let mask = mask_of(tag(USAGE)).unwrap();
        assert_eq!(format_mask(12, mask, " "), "Encrypt Decrypt");
        assert_eq!(format_mask(0x4000_0004, mask, "|"), "Encrypt|0x40000000");
        assert_eq!(format_mask(0, mask, " "), "0");
        assert!(mask_of(tag(ALGORITHM)).is_none());
    }

    #[test]
    fn tags_by_name_or_hex() {
        assert_eq!(parse_tag("Operation"), Ok(tag(0x42_005C)));
        assert_eq!(parse_tag("0x540001"), Ok(tag(0x54_0001)));
        assert!(parse_tag("0x100001").is_err());
        assert!(parse_tag("0x42000001").is_err());
        assert!(parse_tag("Nope").is_err());
    }
}
