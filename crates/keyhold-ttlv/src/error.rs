//! Errors of the binary codec: where (byte offset, tag path) and what (kind, with the
//! expected and actual values).

use std::fmt;

use crate::tag::{ItemType, Tag};

/// The tags of the items enclosing a point in a message, outermost first, ending with the
/// item at fault when its tag could be read.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct TagPath(Vec<Tag>);

impl TagPath {
    /// An empty path (the top of the message).
    pub fn new() -> TagPath {
        TagPath(Vec::new())
    }

    /// The tags, outermost first.
    pub fn tags(&self) -> &[Tag] {
        &self.0
    }

    pub(crate) fn push(&mut self, tag: Tag) {
        self.0.push(tag);
    }

    pub(crate) fn pop(&mut self) {
        self.0.pop();
    }
}

impl From<Vec<Tag>> for TagPath {
    fn from(tags: Vec<Tag>) -> Self {
        TagPath(tags)
    }
}

impl fmt::Display for TagPath {
    /// Tag names (or hex for unknown tags) joined by `/`, or `(top)` when empty.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(top)");
        }
        for (i, tag) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("/")?;
            }
            write!(f, "{tag}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for TagPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TagPath({self})")
    }
}

/// A message that could not be decoded.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[error("invalid TTLV at byte {offset} ({path}): {kind}")]
pub struct DecodeError {
    /// Where: the offset of the first byte of the item at fault (its tag), or of the first
    /// trailing byte for [`ErrorKind::TrailingBytes`].
    pub offset: usize,
    /// Where: the tags enclosing the fault, ending with the item at fault when its header
    /// was readable.
    pub path: TagPath,
    /// What went wrong.
    pub kind: ErrorKind,
}

/// The length an item type requires (KMIP 1.4 section 9.1.1.3, Table 287).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ExpectedLength {
    /// Exactly this many bytes.
    Exactly(u32),
    /// Any multiple of eight bytes (Structure, Big Integer).
    MultipleOfEight,
}

impl fmt::Display for ExpectedLength {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExpectedLength::Exactly(n) => write!(f, "{n}"),
            ExpectedLength::MultipleOfEight => f.write_str("a multiple of 8"),
        }
    }
}

/// What was wrong with a message.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input ended inside an item.
    #[error("truncated: the item needs {needed} bytes, {available} remain")]
    Truncated {
        /// Bytes the item needs (header, value and padding).
        needed: usize,
        /// Bytes left in the input.
        available: usize,
    },
    /// An item runs past the end its enclosing Structure declares.
    #[error(
        "item overruns its structure: needs {needed} bytes, the structure has {available} left"
    )]
    ItemExceedsStructure {
        /// Bytes the item needs (header, value and padding).
        needed: usize,
        /// Bytes left in the enclosing structure.
        available: usize,
    },
    /// A tag whose first byte is neither 0x42 nor 0x54 (KMIP 1.4 section 9.1.1.1).
    #[error("invalid tag 0x{tag:06X}: the first byte must be 0x42 or 0x54")]
    InvalidTag {
        /// The three tag bytes as a number.
        tag: u32,
    },
    /// A type byte that is not one of the defined Item Types (KMIP 1.4 section 9.1.1.2).
    #[error("invalid item type 0x{0:02X}")]
    InvalidType(u8),
    /// A length that the item type does not allow (KMIP 1.4 section 9.1.1.3).
    #[error("invalid length {actual} for {ty}: expected {expected}")]
    InvalidLength {
        /// The item's type.
        ty: ItemType,
        /// What the type requires.
        expected: ExpectedLength,
        /// The length on the wire.
        actual: u32,
    },
    /// A padding byte that is not zero. The specification says values are padded but does
    /// not say with what; this decoder requires zeros so that every message has exactly
    /// one encoding and hidden data cannot ride in the padding.
    #[error("non-zero padding byte")]
    NonZeroPadding,
    /// A Boolean other than 0 or 1 (KMIP 1.4 section 9.1.1.4).
    #[error("invalid boolean value 0x{0:016X}: must be 0 or 1")]
    InvalidBoolean(u64),
    /// A Text String that is not UTF-8 (KMIP 1.4 section 9.1.1.4).
    #[error("text string is not UTF-8 (valid up to byte {valid_up_to})")]
    InvalidUtf8 {
        /// Length of the longest valid UTF-8 prefix of the value.
        valid_up_to: usize,
    },
    /// Structures nested deeper than [`Limits::max_depth`](crate::Limits::max_depth).
    #[error("structures nested deeper than the limit of {limit}")]
    TooDeep {
        /// The configured limit.
        limit: usize,
    },
    /// More items than [`Limits::max_items`](crate::Limits::max_items).
    #[error("more items than the limit of {limit}")]
    TooManyItems {
        /// The configured limit.
        limit: usize,
    },
    /// A message longer than [`Limits::max_message_bytes`](crate::Limits::max_message_bytes).
    #[error("message of {actual} bytes exceeds the limit of {limit}")]
    TooLarge {
        /// The configured limit.
        limit: usize,
        /// The message's (declared or actual) size.
        actual: usize,
    },
    /// Bytes after the one item the input should hold.
    #[error("{count} bytes after the end of the item")]
    TrailingBytes {
        /// How many bytes follow the item.
        count: usize,
    },
    /// A message whose top item is not a Structure (only [`message_length`] checks this:
    /// every KMIP message is a Request Message or Response Message structure).
    ///
    /// [`message_length`]: crate::message_length
    #[error("a message must be a Structure, found {actual}")]
    NotAStructure {
        /// The top item's type.
        actual: ItemType,
    },
}

/// A tree that cannot be encoded.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// A value or structure longer than the four-byte Item Length can express.
    #[error("item {tag} is {length} bytes long, more than a TTLV length can express")]
    TooLong {
        /// The item's tag.
        tag: Tag,
        /// Its length in bytes.
        length: usize,
    },
}
