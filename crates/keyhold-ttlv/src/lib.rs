//! KMIP TTLV codec: bytes in, tree out, and back.
//!
//! KMIP messages are trees of TTLV items: a three-byte tag, a one-byte type, a four-byte
//! length and a value padded to a multiple of eight bytes (KMIP 1.4 section 9.1 / KMIP 2.1
//! section 9.1 "TTLV Encoding"). This crate converts between such messages and a [`Ttlv`]
//! tree, in three encodings:
//!
//! - binary TTLV: [`decode`], [`encode`], and [`message_length`] to frame a byte stream;
//! - the KMIP XML encoding of the OASIS test vectors: [`xml`];
//! - the KMIP JSON encoding: [`json`].
//!
//! Decoding is strict and bounded. Every rule of the specification is checked (tag range,
//! type byte, length per type, zero padding, Boolean 0 or 1, UTF-8 text), the whole input
//! must be exactly one item, and [`Limits`] cap the message size, nesting depth and item
//! count. A [`DecodeError`] says where (byte offset and tag path) and what (an [`ErrorKind`]
//! with the expected and actual values). Decoding never panics and never allocates from a
//! length read off the wire before checking it against the bytes that are really there.
//!
//! ```
//! use keyhold_ttlv::{Limits, decode, encode, xml};
//!
//! let tree = xml::to_ttlv(r#"<Operation type="Enumeration" value="Create"/>"#)?;
//! let bytes = encode(&tree)?;
//! assert_eq!(bytes, [0x42, 0x00, 0x5C, 0x05, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0, 0]);
//! assert_eq!(decode(&bytes, &Limits::default())?, tree);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The [`dictionary`] names tags, enumeration values and mask bits of KMIP 1.0 to 2.1; it is
//! generated from the specifications by `tools/gen_dictionary.py`.
//!
//! What this crate does not do:
//! - no I/O: the caller reads and writes the bytes (see [`message_length`] for framing);
//! - no KMIP semantics beyond the names of tags and enumerations: which items a Request
//!   Message must hold, what an operation means, which version a peer speaks, all belong to
//!   `keyhold-kmip`;
//! - no zeroizing: key material in a tree is plain bytes; `Debug` hides Byte Strings and Big
//!   Integers, and the layer above moves key material into its secret types.

mod decode;
pub mod dictionary;
#[rustfmt::skip]
mod dictionary_generated;
mod encode;
mod error;
pub mod json;
mod limits;
mod tag;
pub mod text;
mod value;
pub mod xml;

pub use decode::{HEADER_LEN, decode, message_length};
pub use encode::{encode, encode_into};
pub use error::{DecodeError, EncodeError, ErrorKind, ExpectedLength, TagPath};
pub use limits::Limits;
pub use tag::{ItemType, Tag};
pub use text::{Placeholders, ValueError};
pub use value::{Ttlv, Value};
