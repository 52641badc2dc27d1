//! The value tree: one [`Ttlv`] item is a tag and a typed value.

use std::fmt;

use crate::tag::{ItemType, Tag};

/// One TTLV item: a tag and its value (KMIP 1.4 section 9.1.1 "TTLV Encoding Fields").
///
/// A Structure item holds further items, so a whole request or response message is one
/// `Ttlv` tree.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Ttlv {
    /// What the item is.
    pub tag: Tag,
    /// The item's typed value.
    pub value: Value,
}

impl Ttlv {
    /// An item with this tag and value.
    pub fn new(tag: Tag, value: Value) -> Ttlv {
        Ttlv { tag, value }
    }

    /// A Structure item holding `items`.
    pub fn structure(tag: Tag, items: Vec<Ttlv>) -> Ttlv {
        Ttlv::new(tag, Value::Structure(items))
    }

    /// The items of a Structure, or `None` for any other type.
    pub fn items(&self) -> Option<&[Ttlv]> {
        match &self.value {
            Value::Structure(items) => Some(items),
            _ => None,
        }
    }

    /// The first item with `tag` directly inside this Structure.
    pub fn find(&self, tag: Tag) -> Option<&Ttlv> {
        self.items()?.iter().find(|item| item.tag == tag)
    }
}

/// The value of an item, one variant per Item Type (KMIP 1.4 section 9.1.1.4 "Item Value",
/// KMIP 2.1 adds Date-Time Extended).
///
/// `Debug` prints the length of Byte Strings and Big Integers, never their bytes: they carry
/// key material. The tree does not zeroize its buffers; a layer that extracts key material
/// moves it into its own secret types.
#[derive(Clone, PartialEq, Eq)]
pub enum Value {
    /// The items of a structure, in order.
    Structure(Vec<Ttlv>),
    /// A four-byte signed integer (also used for bit masks).
    Integer(i32),
    /// An eight-byte signed integer.
    LongInteger(i64),
    /// A two's complement big-endian integer. The encoder sign-extends it to a multiple of
    /// eight bytes; the decoder returns the bytes as sent, padding included.
    BigInteger(Vec<u8>),
    /// A four-byte unsigned enumeration value.
    Enumeration(u32),
    /// True or false.
    Boolean(bool),
    /// UTF-8 text.
    TextString(String),
    /// Raw bytes.
    ByteString(Vec<u8>),
    /// POSIX time: seconds since 1970-01-01T00:00:00Z, leap seconds not counted.
    DateTime(i64),
    /// A number of seconds.
    Interval(u32),
    /// POSIX time in microseconds (KMIP 2.0 and later).
    DateTimeExtended(i64),
}

impl Value {
    /// The Item Type this value encodes as.
    pub fn item_type(&self) -> ItemType {
        match self {
            Value::Structure(_) => ItemType::Structure,
            Value::Integer(_) => ItemType::Integer,
            Value::LongInteger(_) => ItemType::LongInteger,
            Value::BigInteger(_) => ItemType::BigInteger,
            Value::Enumeration(_) => ItemType::Enumeration,
            Value::Boolean(_) => ItemType::Boolean,
            Value::TextString(_) => ItemType::TextString,
            Value::ByteString(_) => ItemType::ByteString,
            Value::DateTime(_) => ItemType::DateTime,
            Value::Interval(_) => ItemType::Interval,
            Value::DateTimeExtended(_) => ItemType::DateTimeExtended,
        }
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Structure(items) => f.debug_tuple("Structure").field(items).finish(),
            Value::Integer(v) => f.debug_tuple("Integer").field(v).finish(),
            Value::LongInteger(v) => f.debug_tuple("LongInteger").field(v).finish(),
            Value::BigInteger(v) => write!(f, "BigInteger(<{} bytes>)", v.len()),
            Value::Enumeration(v) => write!(f, "Enumeration({v:#010X})"),
            Value::Boolean(v) => f.debug_tuple("Boolean").field(v).finish(),
            Value::TextString(v) => f.debug_tuple("TextString").field(v).finish(),
            Value::ByteString(v) => write!(f, "ByteString(<{} bytes>)", v.len()),
            Value::DateTime(v) => f.debug_tuple("DateTime").field(v).finish(),
            Value::Interval(v) => f.debug_tuple("Interval").field(v).finish(),
            Value::DateTimeExtended(v) => f.debug_tuple("DateTimeExtended").field(v).finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(v: u32) -> Tag {
        Tag::new(v).unwrap()
    }

    #[test]
    fn debug_redacts_byte_strings_and_big_integers() {
        let secret = Value::ByteString(vec![0xAB; 32]);
        assert_eq!(format!("{secret:?}"), "ByteString(<32 bytes>)");
        let big = Value::BigInteger(vec![0xCD; 16]);
        assert_eq!(format!("{big:?}"), "BigInteger(<16 bytes>)");
        assert!(!format!("{secret:?}").to_lowercase().contains("ab"));
    }

    #[test]
    fn find_returns_first_direct_child() {
        let tree = Ttlv::structure(
            tag(0x42_0078),
            vec![
                Ttlv::new(tag(0x42_000D), Value::Integer(1)),
                Ttlv::new(tag(0x42_000D), Value::Integer(2)),
            ],
        );
        assert_eq!(
            tree.find(tag(0x42_000D)).map(|t| &t.value),
            Some(&Value::Integer(1))
        );
        assert_eq!(tree.find(tag(0x42_000E)), None);
        assert_eq!(Ttlv::new(tag(0x42_000D), Value::Integer(1)).items(), None);
    }
}
