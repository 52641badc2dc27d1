//! The binary decoder: bytes in, tree out (KMIP 1.4 section 9.1 "TTLV Encoding").
//!
//! Every length read from the wire is checked against the bytes that remain before it is
//! used, and nothing is allocated from a length alone: a structure's items are pushed one
//! by one as they decode, and strings are copied from slices that already exist.

use crate::encode::padding;
use crate::error::{DecodeError, ErrorKind, ExpectedLength, TagPath};
use crate::limits::Limits;
use crate::tag::{ItemType, Tag};
use crate::value::{Ttlv, Value};

/// Bytes in an item header: tag (3), type (1), length (4).
pub const HEADER_LEN: usize = 8;

/// Decodes exactly one item from `input`.
///
/// # Errors
/// A [`DecodeError`] with the offset and tag path of the fault; in particular
/// [`ErrorKind::TrailingBytes`] if `input` holds more than one item and
/// [`ErrorKind::TooLarge`] if `input` is longer than `limits.max_message_bytes`.
pub fn decode(input: &[u8], limits: &Limits) -> Result<Ttlv, DecodeError> {
    if input.len() > limits.max_message_bytes {
        let kind = ErrorKind::TooLarge {
            limit: limits.max_message_bytes,
            actual: input.len(),
        };
        return Err(DecodeError {
            offset: 0,
            path: TagPath::new(),
            kind,
        });
    }
    let mut decoder = Decoder {
        input,
        limits,
        items: 0,
        path: TagPath::new(),
    };
    let (item, end) = decoder.item(0, input.len(), 1)?;
    if end < input.len() {
        let kind = ErrorKind::TrailingBytes {
            count: input.len() - end,
        };
        return Err(DecodeError {
            offset: end,
            path: TagPath::new(),
            kind,
        });
    }
    Ok(item)
}

/// The total length (header included) of the message whose first eight bytes are `header`,
/// for framing a byte stream: read 8 bytes, call this, read the rest, then [`decode`].
///
/// # Errors
/// [`ErrorKind::InvalidTag`], [`ErrorKind::InvalidType`], [`ErrorKind::NotAStructure`] (a
/// KMIP message is always a Structure), [`ErrorKind::InvalidLength`] (not a multiple of
/// eight) or [`ErrorKind::TooLarge`] (over `limits.max_message_bytes`), all at offset 0.
pub fn message_length(header: &[u8; 8], limits: &Limits) -> Result<usize, DecodeError> {
    let (tag, ty, length) = parse_header(header).map_err(|kind| at_top(kind, None))?;
    let fail = |kind| at_top(kind, Some(tag));
    if ty != ItemType::Structure {
        return Err(fail(ErrorKind::NotAStructure { actual: ty }));
    }
    check_length(ty, length).map_err(fail)?;
    let total = usize::try_from(length)
        .ok()
        .and_then(|n| n.checked_add(HEADER_LEN))
        .unwrap_or(usize::MAX);
    if total > limits.max_message_bytes {
        return Err(fail(ErrorKind::TooLarge {
            limit: limits.max_message_bytes,
            actual: total,
        }));
    }
    Ok(total)
}

fn at_top(kind: ErrorKind, tag: Option<Tag>) -> DecodeError {
    DecodeError {
        offset: 0,
        path: TagPath::from(tag.into_iter().collect::<Vec<_>>()),
        kind,
    }
}

/// Tag, type and length from a header, checking tag and type (not the length).
fn parse_header(header: &[u8; 8]) -> Result<(Tag, ItemType, u32), ErrorKind> {
    let [t0, t1, t2, ty, l0, l1, l2, l3] = *header;
    let tag = Tag::from_bytes([t0, t1, t2]).map_err(|tag| ErrorKind::InvalidTag { tag })?;
    let ty = ItemType::from_code(ty).ok_or(ErrorKind::InvalidType(ty))?;
    Ok((tag, ty, u32::from_be_bytes([l0, l1, l2, l3])))
}

/// The length rules of KMIP 1.4 section 9.1.1.3, Table 287.
fn check_length(ty: ItemType, actual: u32) -> Result<(), ErrorKind> {
    let expected = match ty {
        ItemType::Structure | ItemType::BigInteger => ExpectedLength::MultipleOfEight,
        ItemType::Integer | ItemType::Enumeration | ItemType::Interval => {
            ExpectedLength::Exactly(4)
        }
        ItemType::LongInteger
        | ItemType::Boolean
        | ItemType::DateTime
        | ItemType::DateTimeExtended => ExpectedLength::Exactly(8),
        ItemType::TextString | ItemType::ByteString => return Ok(()),
    };
    let ok = match expected {
        ExpectedLength::Exactly(n) => actual == n,
        ExpectedLength::MultipleOfEight => actual % 8 == 0,
    };
    if ok {
        Ok(())
    } else {
        Err(ErrorKind::InvalidLength {
            ty,
            expected,
            actual,
        })
    }
}

struct Decoder<'a> {
    input: &'a [u8],
    limits: &'a Limits,
    items: usize,
    path: TagPath,
}

impl Decoder<'_> {
    fn fail(&self, offset: usize, kind: ErrorKind) -> DecodeError {
        DecodeError {
            offset,
            path: self.path.clone(),
            kind,
        }
    }

    /// Decodes the item at `pos`, which must end by `end`; returns it and where it ends.
    fn item(&mut self, pos: usize, end: usize, depth: usize) -> Result<(Ttlv, usize), DecodeError> {
        self.items += 1;
        if self.items > self.limits.max_items {
            return Err(self.fail(
                pos,
                ErrorKind::TooManyItems {
                    limit: self.limits.max_items,
                },
            ));
        }
        if depth > self.limits.max_depth {
            return Err(self.fail(
                pos,
                ErrorKind::TooDeep {
                    limit: self.limits.max_depth,
                },
            ));
        }
        let header = self.bytes(pos, end, HEADER_LEN)?;
        let header: [u8; 8] = header.try_into().unwrap_or_default();
        let (tag, ty, length) = parse_header(&header).map_err(|kind| self.fail(pos, kind))?;
        self.path.push(tag);
        let result = self.value(pos, end, ty, length, depth);
        self.path.pop();
        let (value, next) = result?;
        Ok((Ttlv::new(tag, value), next))
    }

    /// The value of the item at `pos` whose header says `ty` and `length`.
    fn value(
        &mut self,
        pos: usize,
        end: usize,
        ty: ItemType,
        length: u32,
        depth: usize,
    ) -> Result<(Value, usize), DecodeError> {
        check_length(ty, length).map_err(|kind| self.fail(pos, kind))?;
        // On 16-bit targets a length may not fit: treat it as "more than there is".
        let length = usize::try_from(length).unwrap_or(usize::MAX);
        let padded = length.saturating_add(padding(length));
        let whole = self.bytes(pos, end, HEADER_LEN.saturating_add(padded))?;
        let (body, pad) = whole
            .get(HEADER_LEN..)
            .and_then(|rest| Some((rest.get(..length)?, rest.get(length..)?)))
            .unwrap_or_default();
        if pad.iter().any(|&b| b != 0) {
            return Err(self.fail(pos, ErrorKind::NonZeroPadding));
        }
        let next = pos + whole.len();
        let value = match ty {
            ItemType::Structure => {
                Value::Structure(self.items_of(pos + HEADER_LEN, next, depth)?)
            }
            _ => primitive(ty, body).map_err(|kind| self.fail(pos, kind))?,
        };
        Ok((value, next))
    }

    /// The items of a structure whose value spans `start..end`.
    fn items_of(
        &mut self,
        start: usize,
        end: usize,
        depth: usize,
    ) -> Result<Vec<Ttlv>, DecodeError> {
        let mut items = Vec::new();
        let mut pos = start;
        while pos < end {
            let (item, next) = self.item(pos, end, depth + 1)?;
            items.push(item);
            pos = next;
        }
        Ok(items)
    }

    /// `count` bytes at `pos`, which must all lie before `end` (the end of the enclosing
    /// structure, or of the input).
    fn bytes(&self, pos: usize, end: usize, count: usize) -> Result<&[u8], DecodeError> {
        let available = end.saturating_sub(pos);
        if count > available {
            let kind = if end == self.input.len() {
                ErrorKind::Truncated {
                    needed: count,
                    available,
                }
            } else {
                ErrorKind::ItemExceedsStructure {
                    needed: count,
                    available,
                }
            };
            return Err(self.fail(pos, kind));
        }
        self.input.get(pos..pos + count).ok_or_else(|| {
            let available = self.input.len().saturating_sub(pos);
            self.fail(
                pos,
                ErrorKind::Truncated {
                    needed: count,
                    available,
                },
            )
        })
    }
}

/// A non-structure value from its (length-checked) bytes (KMIP 1.4 section 9.1.1.4).
fn primitive(ty: ItemType, body: &[u8]) -> Result<Value, ErrorKind> {
    Ok(match ty {
        ItemType::Integer => Value::Integer(i32::from_be_bytes(array(body))),
        ItemType::LongInteger => Value::LongInteger(i64::from_be_bytes(array(body))),
        ItemType::BigInteger => Value::BigInteger(body.to_vec()),
        ItemType::Enumeration => Value::Enumeration(u32::from_be_bytes(array(body))),
        ItemType::Boolean => match u64::from_be_bytes(array(body)) {
            0 => Value::Boolean(false),
            1 => Value::Boolean(true),
            other => return Err(ErrorKind::InvalidBoolean(other)),
        },
        ItemType::TextString => match std::str::from_utf8(body) {
            Ok(text) => Value::TextString(text.to_owned()),
            Err(e) => {
                return Err(ErrorKind::InvalidUtf8 {
                    valid_up_to: e.valid_up_to(),
                });
            }
        },
        ItemType::ByteString => Value::ByteString(body.to_vec()),
        ItemType::DateTime => Value::DateTime(i64::from_be_bytes(array(body))),
        ItemType::Interval => Value::Interval(u32::from_be_bytes(array(body))),
        ItemType::DateTimeExtended => Value::DateTimeExtended(i64::from_be_bytes(array(body))),
        // Not reached: `Decoder::value` decodes structures itself.
        ItemType::Structure => Value::Structure(Vec::new()),
    })
}

/// The fixed-size array the length check guarantees `body` to be.
fn array<const N: usize>(body: &[u8]) -> [u8; N] {
    body.try_into().unwrap_or([0; N])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::encode;

    fn tag(v: u32) -> Tag {
        Tag::new(v).unwrap()
    }

    const REQUEST: u32 = 0x42_0078;
    const BATCH_COUNT: u32 = 0x42_000D;
    const BATCH_ITEM: u32 = 0x42_000F;
    const OPERATION: u32 = 0x42_005C;
    const UNIQUE_ID: u32 = 0x42_0094;

    /// 64 bytes: RequestMessage @0 { BatchCount @8, BatchItem @24 { Operation @32,
    /// UniqueIdentifier "abc" @48 } }.
    fn message() -> Vec<u8> {
        let tree = Ttlv::structure(
            tag(REQUEST),
            vec![
                Ttlv::new(tag(BATCH_COUNT), Value::Integer(1)),
                Ttlv::structure(
                    tag(BATCH_ITEM),
                    vec![
                        Ttlv::new(tag(OPERATION), Value::Enumeration(1)),
                        Ttlv::new(tag(UNIQUE_ID), Value::TextString("abc".into())),
                    ],
                ),
            ],
        );
        let bytes = encode(&tree).unwrap();
        assert_eq!(bytes.len(), 64);
        assert_eq!(decode(&bytes, &Limits::DEFAULT).unwrap(), tree);
        bytes
    }

    fn error(input: &[u8], limits: &Limits) -> DecodeError {
        decode(input, limits).unwrap_err()
    }

    fn path(tags: &[u32]) -> TagPath {
        TagPath::from(tags.iter().map(|&t| tag(t)).collect::<Vec<_>>())
    }

    fn set_length(bytes: &mut [u8], item: usize, length: u32) {
        bytes[item + 4..item + 8].copy_from_slice(&length.to_be_bytes());
    }

    #[test]
    fn truncated_item() {
        let e = error(&message()[..60], &Limits::DEFAULT);
        assert_eq!(
            e.kind,
            ErrorKind::Truncated {
                needed: 64,
                available: 60
            }
        );
        assert_eq!((e.offset, e.path), (0, path(&[REQUEST])));
    }

    #[test]
    fn truncated_header() {
        let e = error(&message()[..5], &Limits::DEFAULT);
        assert_eq!(
            e.kind,
            ErrorKind::Truncated {
                needed: 8,
                available: 5
            }
        );
        assert_eq!((e.offset, e.path), (0, path(&[])));
        let e = error(&[], &Limits::DEFAULT);
        assert_eq!(
            e.kind,
            ErrorKind::Truncated {
                needed: 8,
                available: 0
            }
        );
    }

    #[test]
    fn huge_length_is_checked_before_use() {
        let mut bytes = message();
        set_length(&mut bytes, 48, 0xFFFF_FFF0);
        let e = error(&bytes, &Limits::DEFAULT);
        // The item is the last of the input: the input, not a structure, is too short.
        assert_eq!(
            e.kind,
            ErrorKind::Truncated {
                needed: 0xFFFF_FFF8,
                available: 16
            }
        );
        assert_eq!(
            (e.offset, e.path),
            (48, path(&[REQUEST, BATCH_ITEM, UNIQUE_ID]))
        );
    }

    #[test]
    fn item_exceeding_its_structure() {
        let mut bytes = message();
        set_length(&mut bytes, 24, 24);
        let e = error(&bytes, &Limits::DEFAULT);
        assert_eq!(
            e.kind,
            ErrorKind::ItemExceedsStructure {
                needed: 16,
                available: 8
            }
        );
        assert_eq!(
            (e.offset, e.path),
            (48, path(&[REQUEST, BATCH_ITEM, UNIQUE_ID]))
        );
    }

    #[test]
    fn invalid_tag() {
        let mut bytes = message();
        bytes[8] = 0x43;
        let e = error(&bytes, &Limits::DEFAULT);
        assert_eq!(e.kind, ErrorKind::InvalidTag { tag: 0x43_000D });
        assert_eq!((e.offset, e.path), (8, path(&[REQUEST])));
    }

    #[test]
    fn invalid_type() {
        let mut bytes = message();
        bytes[35] = 0x0C;
        let e = error(&bytes, &Limits::DEFAULT);
        assert_eq!(e.kind, ErrorKind::InvalidType(0x0C));
        assert_eq!((e.offset, e.path), (32, path(&[REQUEST, BATCH_ITEM])));
        bytes[35] = 0x00;
        assert_eq!(
            error(&bytes, &Limits::DEFAULT).kind,
            ErrorKind::InvalidType(0)
        );
    }

    #[test]
    fn invalid_lengths() {
        let mut bytes = message();
        set_length(&mut bytes, 8, 8);
        let e = error(&bytes, &Limits::DEFAULT);
        let expected = ExpectedLength::Exactly(4);
        assert_eq!(
            e.kind,
            ErrorKind::InvalidLength {
                ty: ItemType::Integer,
                expected,
                actual: 8
            }
        );
        assert_eq!((e.offset, e.path), (8, path(&[REQUEST, BATCH_COUNT])));

        let mut bytes = message();
        set_length(&mut bytes, 0, 57);
        let e = error(&bytes, &Limits::DEFAULT);
        let expected = ExpectedLength::MultipleOfEight;
        assert_eq!(
            e.kind,
            ErrorKind::InvalidLength {
                ty: ItemType::Structure,
                expected,
                actual: 57
            }
        );
        assert_eq!((e.offset, e.path), (0, path(&[REQUEST])));

        let cases: [(u8, u32, ExpectedLength); 6] = [
            (0x03, 4, ExpectedLength::Exactly(8)),
            (0x04, 12, ExpectedLength::MultipleOfEight),
            (0x05, 8, ExpectedLength::Exactly(4)),
            (0x06, 4, ExpectedLength::Exactly(8)),
            (0x09, 7, ExpectedLength::Exactly(8)),
            (0x0A, 0, ExpectedLength::Exactly(4)),
        ];
        for (code, actual, expected) in cases {
            let mut bytes = vec![0x42, 0x00, 0x20, code];
            bytes.extend_from_slice(&actual.to_be_bytes());
            bytes.extend_from_slice(&[0; 16]);
            let ty = ItemType::from_code(code).unwrap();
            let e = error(&bytes, &Limits::DEFAULT);
            assert_eq!(
                e.kind,
                ErrorKind::InvalidLength {
                    ty,
                    expected,
                    actual
                },
                "{ty}"
            );
        }
    }

    #[test]
    fn non_zero_padding() {
        let mut bytes = message();
        bytes[20] = 1;
        let e = error(&bytes, &Limits::DEFAULT);
        assert_eq!(e.kind, ErrorKind::NonZeroPadding);
        assert_eq!((e.offset, e.path), (8, path(&[REQUEST, BATCH_COUNT])));
        let mut bytes = message();
        bytes[63] = b' ';
        let e = error(&bytes, &Limits::DEFAULT);
        assert_eq!(e.kind, ErrorKind::NonZeroPadding);
        assert_eq!(
            (e.offset, e.path),
            (48, path(&[REQUEST, BATCH_ITEM, UNIQUE_ID]))
        );
    }

    #[test]
    fn invalid_boolean() {
        let bytes = [0x42, 0x00, 0x20, 0x06, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 2];
        let e = error(&bytes, &Limits::DEFAULT);
        assert_eq!(e.kind, ErrorKind::InvalidBoolean(2));
        assert_eq!((e.offset, e.path), (0, path(&[0x42_0020])));
    }

    #[test]
    fn invalid_utf8() {
        let mut bytes = message();
        bytes[57] = 0xFF;
        let e = error(&bytes, &Limits::DEFAULT);
        assert_eq!(e.kind, ErrorKind::InvalidUtf8 { valid_up_to: 1 });
        assert_eq!(
            (e.offset, e.path),
            (48, path(&[REQUEST, BATCH_ITEM, UNIQUE_ID]))
        );
    }

    #[test]
    fn too_deep() {
        let limits = Limits {
            max_depth: 2,
            ..Limits::DEFAULT
        };
        let e = error(&message(), &limits);
        assert_eq!(e.kind, ErrorKind::TooDeep { limit: 2 });
        assert_eq!((e.offset, e.path), (32, path(&[REQUEST, BATCH_ITEM])));
        assert!(
            decode(
                &message(),
                &Limits {
                    max_depth: 3,
                    ..Limits::DEFAULT
                }
            )
            .is_ok()
        );
    }

    #[test]
    fn too_many_items() {
        let limits = Limits {
            max_items: 3,
            ..Limits::DEFAULT
        };
        let e = error(&message(), &limits);
        assert_eq!(e.kind, ErrorKind::TooManyItems { limit: 3 });
        assert_eq!((e.offset, e.path), (32, path(&[REQUEST, BATCH_ITEM])));
        assert!(
            decode(
                &message(),
                &Limits {
                    max_items: 5,
                    ..Limits::DEFAULT
                }
            )
            .is_ok()
        );
    }

    #[test]
    fn too_large() {
        let limits = Limits {
            max_message_bytes: 63,
            ..Limits::DEFAULT
        };
        let e = error(&message(), &limits);
        assert_eq!(
            e.kind,
            ErrorKind::TooLarge {
                limit: 63,
                actual: 64
            }
        );
        assert_eq!((e.offset, e.path), (0, path(&[])));
    }

    #[test]
    fn trailing_bytes() {
        let mut bytes = message();
        bytes.extend_from_slice(&[0; 8]);
        let e = error(&bytes, &Limits::DEFAULT);
        assert_eq!(e.kind, ErrorKind::TrailingBytes { count: 8 });
        assert_eq!((e.offset, e.path), (64, path(&[])));
    }

    #[test]
    fn error_display_names_the_place() {
        let mut bytes = message();
        bytes[57] = 0xFF;
        assert_eq!(
            error(&bytes, &Limits::DEFAULT).to_string(),
            "invalid TTLV at byte 48 (RequestMessage/BatchItem/UniqueIdentifier): \
             text string is not UTF-8 (valid up to byte 1)"
        );
    }

    fn header(bytes: &[u8]) -> [u8; 8] {
        bytes[..8].try_into().unwrap()
    }

    #[test]
    fn message_length_frames_a_stream() {
        let bytes = message();
        assert_eq!(message_length(&header(&bytes), &Limits::DEFAULT), Ok(64));
    }

    #[test]
    fn message_length_refuses_bad_headers() {
        let limits = Limits {
            max_message_bytes: 63,
            ..Limits::DEFAULT
        };
        let e = message_length(&header(&message()), &limits).unwrap_err();
        assert_eq!(
            e.kind,
            ErrorKind::TooLarge {
                limit: 63,
                actual: 64
            }
        );
        assert_eq!((e.offset, e.path), (0, path(&[REQUEST])));

        let mut bytes = message();
        set_length(&mut bytes, 0, 0xFFFF_FFF8);
        let e = message_length(&header(&bytes), &Limits::DEFAULT).unwrap_err();
        let limit = Limits::DEFAULT.max_message_bytes;
        assert_eq!(
            e.kind,
            ErrorKind::TooLarge {
                limit,
                actual: 0xFFFF_FFF8 + 8
            }
        );

        let integer = [0x42, 0x00, 0x0D, 0x02, 0, 0, 0, 4];
        let e = message_length(&integer, &Limits::DEFAULT).unwrap_err();
        assert_eq!(
            e.kind,
            ErrorKind::NotAStructure {
                actual: ItemType::Integer
            }
        );

        let unaligned = [0x42, 0x00, 0x78, 0x01, 0, 0, 0, 9];
        let e = message_length(&unaligned, &Limits::DEFAULT).unwrap_err();
        let expected = ExpectedLength::MultipleOfEight;
        assert_eq!(
            e.kind,
            ErrorKind::InvalidLength {
                ty: ItemType::Structure,
                expected,
                actual: 9
            }
        );

        let bad_tag = [0x00, 0x00, 0x78, 0x01, 0, 0, 0, 8];
        let e = message_length(&bad_tag, &Limits::DEFAULT).unwrap_err();
        assert_eq!(
            (e.kind, e.path),
            (ErrorKind::InvalidTag { tag: 0x78 }, path(&[]))
        );

        let bad_type = [0x42, 0x00, 0x78, 0x20, 0, 0, 0, 8];
        let e = message_length(&bad_type, &Limits::DEFAULT).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidType(0x20));
    }

    #[test]
    fn empty_structure_and_empty_strings_decode() {
        let bytes = [0x42, 0x00, 0x78, 0x01, 0, 0, 0, 0];
        let tree = decode(&bytes, &Limits::DEFAULT).unwrap();
        assert_eq!(tree, Ttlv::structure(tag(REQUEST), Vec::new()));
        let bytes = [0x42, 0x00, 0x94, 0x07, 0, 0, 0, 0];
        let tree = decode(&bytes, &Limits::DEFAULT).unwrap();
        assert_eq!(tree.value, Value::TextString(String::new()));
    }
}
