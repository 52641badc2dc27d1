//! Item tags and item types: the first four bytes of every TTLV item.

use std::fmt;

use crate::dictionary;

/// An Item Tag: a three-byte number naming the field an item carries.
///
/// KMIP 1.4 section 9.1.1.1 "Item Tag": "all tags SHALL contain either the value 42 in hex
/// or the value 54 in hex as the high order (first) byte". Tags defined by the specification
/// start with 0x42; extensions start with 0x54. A `Tag` holds only such values, so a tree
/// built from `Tag`s always encodes to valid tags.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag(u32);

impl Tag {
    /// Request Message (KMIP 1.4 section 7.1), the top item of every request.
    pub const REQUEST_MESSAGE: Tag = Tag(0x42_0078);
    /// Response Message (KMIP 1.4 section 7.1), the top item of every response.
    pub const RESPONSE_MESSAGE: Tag = Tag(0x42_007B);
    /// Attribute Name (KMIP 1.4 section 2.1.1): names the attribute an Attribute carries.
    pub const ATTRIBUTE_NAME: Tag = Tag(0x42_000A);
    /// Attribute Value (KMIP 1.4 section 2.1.1): its meaning depends on the Attribute Name.
    pub const ATTRIBUTE_VALUE: Tag = Tag(0x42_000B);

    /// The tag with this number, if its first byte is 0x42 (KMIP) or 0x54 (extension).
    pub const fn new(value: u32) -> Option<Tag> {
        match value >> 16 {
            0x42 | 0x54 => Some(Tag(value)),
            _ => None,
        }
    }

    /// The tag's number, for example `0x42000A`.
    pub const fn value(self) -> u32 {
        self.0
    }

    /// Whether this is an extension tag (first byte 0x54), which the specification leaves
    /// to parties with a pre-agreed understanding.
    pub const fn is_extension(self) -> bool {
        self.0 >> 16 == 0x54
    }

    /// The canonical name of the tag in the XML and JSON encodings (for example
    /// `"AttributeName"`), if the KMIP 1.0–2.1 dictionary knows it.
    pub fn name(self) -> Option<&'static str> {
        dictionary::tag_name(self)
    }

    /// The tag with this XML/JSON name, in any KMIP version from 1.0 to 2.1.
    pub fn from_name(name: &str) -> Option<Tag> {
        dictionary::tag_by_name(name)
    }

    pub(crate) fn from_bytes(bytes: [u8; 3]) -> Result<Tag, u32> {
        let value = u32::from_be_bytes([0, bytes[0], bytes[1], bytes[2]]);
        Tag::new(value).ok_or(value)
    }

    pub(crate) fn to_bytes(self) -> [u8; 3] {
        let [_, a, b, c] = self.0.to_be_bytes();
        [a, b, c]
    }
}

impl fmt::Display for Tag {
    /// The canonical name, or `0x` and six hex digits for a tag the dictionary does not know
    /// (the form the XML and JSON encodings use for unknown tags).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "0x{:06X}", self.0),
        }
    }
}

impl fmt::Debug for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "Tag(0x{:06X} {name})", self.0),
            None => write!(f, "Tag(0x{:06X})", self.0),
        }
    }
}

/// An Item Type: the fourth byte of a TTLV item.
///
/// KMIP 1.4 section 9.1.1.2 "Item Type" (Table 286) and KMIP 2.1 section 11.23 "Item Type
/// Enumeration", which adds Date-Time Extended.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[repr(u8)]
pub enum ItemType {
    /// A sequence of items.
    Structure = 0x01,
    /// 32-bit signed integer.
    Integer = 0x02,
    /// 64-bit signed integer.
    LongInteger = 0x03,
    /// Two's complement big-endian integer of any size.
    BigInteger = 0x04,
    /// 32-bit unsigned value from an enumeration.
    Enumeration = 0x05,
    /// True or false, encoded in eight bytes.
    Boolean = 0x06,
    /// UTF-8 text.
    TextString = 0x07,
    /// Raw bytes.
    ByteString = 0x08,
    /// POSIX time in seconds.
    DateTime = 0x09,
    /// 32-bit unsigned number of seconds.
    Interval = 0x0A,
    /// POSIX time in microseconds (KMIP 2.0 and later).
    DateTimeExtended = 0x0B,
}

impl ItemType {
    const ALL: [ItemType; 11] = [
        ItemType::Structure,
        ItemType::Integer,
        ItemType::LongInteger,
        ItemType::BigInteger,
        ItemType::Enumeration,
        ItemType::Boolean,
        ItemType::TextString,
        ItemType::ByteString,
        ItemType::DateTime,
        ItemType::Interval,
        ItemType::DateTimeExtended,
    ];

    /// The type byte on the wire.
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// The item type with this type byte, if it is one of the eleven defined ones.
    pub const fn from_code(code: u8) -> Option<ItemType> {
        match code {
            0x01 => Some(ItemType::Structure),
            0x02 => Some(ItemType::Integer),
            0x03 => Some(ItemType::LongInteger),
            0x04 => Some(ItemType::BigInteger),
            0x05 => Some(ItemType::Enumeration),
            0x06 => Some(ItemType::Boolean),
            0x07 => Some(ItemType::TextString),
            0x08 => Some(ItemType::ByteString),
            0x09 => Some(ItemType::DateTime),
            0x0A => Some(ItemType::Interval),
            0x0B => Some(ItemType::DateTimeExtended),
            _ => None,
        }
    }

    /// The name of the type in the XML and JSON encodings (`type="LongInteger"`).
    pub const fn name(self) -> &'static str {
        match self {
            ItemType::Structure => "Structure",
            ItemType::Integer => "Integer",
            ItemType::LongInteger => "LongInteger",
            ItemType::BigInteger => "BigInteger",
            ItemType::Enumeration => "Enumeration",
            ItemType::Boolean => "Boolean",
            ItemType::TextString => "TextString",
            ItemType::ByteString => "ByteString",
            ItemType::DateTime => "DateTime",
            ItemType::Interval => "Interval",
            ItemType::DateTimeExtended => "DateTimeExtended",
        }
    }

    /// The item type with this XML/JSON name.
    pub fn from_name(name: &str) -> Option<ItemType> {
        ItemType::ALL.into_iter().find(|ty| ty.name() == name)
    }
}

impl fmt::Display for ItemType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_accepts_only_kmip_and_extension_ranges() {
        assert_eq!(Tag::new(0x42_0001).map(Tag::value), Some(0x42_0001));
        assert_eq!(Tag::new(0x54_FFFF).map(Tag::is_extension), Some(true));
        assert_eq!(Tag::new(0x42_0001).map(Tag::is_extension), Some(false));
        for bad in [
            0,
            0x41_FFFF,
            0x43_0000,
            0x53_FFFF,
            0x55_0000,
            0x0142_0001,
            u32::MAX,
        ] {
            assert_eq!(Tag::new(bad), None, "{bad:#x}");
        }
    }

    #[test]
    fn tag_bytes_round_trip() {
        let tag = Tag::new(0x42_0123).unwrap();
        assert_eq!(tag.to_bytes(), [0x42, 0x01, 0x23]);
        assert_eq!(Tag::from_bytes([0x42, 0x01, 0x23]), Ok(tag));
        assert_eq!(Tag::from_bytes([0x00, 0x01, 0x23]), Err(0x00_0123));
    }

    #[test]
    fn tag_display_uses_name_or_hex() {
        assert_eq!(Tag::ATTRIBUTE_NAME.to_string(), "AttributeName");
        assert_eq!(Tag::new(0x54_0001).unwrap().to_string(), "0x540001");
        assert_eq!(
            format!("{:?}", Tag::REQUEST_MESSAGE),
            "Tag(0x420078 RequestMessage)"
        );
    }

    #[test]
    fn item_type_codes_and_names_round_trip() {
        for ty in ItemType::ALL {
            assert_eq!(ItemType::from_code(ty.code()), Some(ty));
            assert_eq!(ItemType::from_name(ty.name()), Some(ty));
        }
        assert_eq!(ItemType::from_code(0), None);
        assert_eq!(ItemType::from_code(0x0C), None);
        assert_eq!(ItemType::from_name("integer"), None);
    }
}
