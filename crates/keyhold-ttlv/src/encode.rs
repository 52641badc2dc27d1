//! The binary encoder: tree in, bytes out (KMIP 1.4 section 9.1 "TTLV Encoding").

use crate::error::EncodeError;
use crate::tag::Tag;
use crate::value::{Ttlv, Value};

/// Encodes one item (with everything inside it) as TTLV bytes.
///
/// Values are padded with zeros to a multiple of eight bytes (KMIP 1.4 section 9.1.1.3);
/// Big Integers are sign-extended to a multiple of eight bytes (section 9.1.1.4). The encoder
/// recurses once per level of nesting; trees from the decoders are depth-limited.
///
/// # Errors
/// [`EncodeError::TooLong`] if a value or structure is longer than `u32::MAX` bytes.
pub fn encode(item: &Ttlv) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::new();
    encode_into(item, &mut out)?;
    Ok(out)
}

/// Appends the encoding of `item` to `out`. On error `out` is left as it was.
///
/// # Errors
/// [`EncodeError::TooLong`] if a value or structure is longer than `u32::MAX` bytes.
pub fn encode_into(item: &Ttlv, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let start = out.len();
    let result = write_item(item, out);
    if result.is_err() {
        out.truncate(start);
    }
    result
}

fn write_item(item: &Ttlv, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let header = out.len();
    out.extend_from_slice(&item.tag.to_bytes());
    out.push(item.value.item_type().code());
    out.extend_from_slice(&[0; 4]);
    let length = match &item.value {
        Value::Structure(items) => {
            for child in items {
                write_item(child, out)?;
            }
            out.len() - header - 8
        }
        Value::Integer(v) => fixed(out, &v.to_be_bytes()),
        Value::LongInteger(v) | Value::DateTime(v) | Value::DateTimeExtended(v) => {
            fixed(out, &v.to_be_bytes())
        }
        Value::BigInteger(bytes) => big_integer(out, bytes),
        Value::Enumeration(v) | Value::Interval(v) => fixed(out, &v.to_be_bytes()),
        Value::Boolean(v) => fixed(out, &u64::from(*v).to_be_bytes()),
        Value::TextString(text) => fixed(out, text.as_bytes()),
        Value::ByteString(bytes) => fixed(out, bytes),
    };
    patch_length(out, header, item.tag, length)
}

/// Writes `value` and zero padding to the next multiple of eight; returns the value length.
fn fixed(out: &mut Vec<u8>, value: &[u8]) -> usize {
    out.extend_from_slice(value);
    out.resize(out.len() + padding(value.len()), 0);
    value.len()
}

/// Writes a two's complement integer sign-extended to a multiple of eight bytes; returns
/// the length, which includes the sign extension (KMIP 1.4 section 9.1.1.4).
fn big_integer(out: &mut Vec<u8>, bytes: &[u8]) -> usize {
    let negative = bytes.first().is_some_and(|b| b & 0x80 != 0);
    let extension = padding(bytes.len());
    out.resize(out.len() + extension, if negative { 0xFF } else { 0x00 });
    out.extend_from_slice(bytes);
    extension + bytes.len()
}

fn patch_length(out: &mut [u8], header: usize, tag: Tag, length: usize) -> Result<(), EncodeError> {
    let length32 = u32::try_from(length).map_err(|_| EncodeError::TooLong { tag, length })?;
    if let Some(field) = out.get_mut(header + 4..header + 8) {
        field.copy_from_slice(&length32.to_be_bytes());
    }
    Ok(())
}

/// Bytes of padding after a value of `len` bytes.
pub(crate) fn padding(len: usize) -> usize {
    (8 - len % 8) % 8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_integer_is_sign_extended() {
        let tag = Tag::new(0x42_0020).unwrap();
        let negative = encode(&Ttlv::new(tag, Value::BigInteger(vec![0x80, 0x01]))).unwrap();
        assert_eq!(&negative[4..8], &[0, 0, 0, 8]);
        assert_eq!(
            &negative[8..],
            &[0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x80, 0x01]
        );
        let positive = encode(&Ttlv::new(tag, Value::BigInteger(vec![0x7F]))).unwrap();
        assert_eq!(&positive[8..], &[0, 0, 0, 0, 0, 0, 0, 0x7F]);
        let empty = encode(&Ttlv::new(tag, Value::BigInteger(Vec::new()))).unwrap();
        assert_eq!(empty, vec![0x42, 0x00, 0x20, 0x04, 0, 0, 0, 0]);
    }

    #[test]
    fn encode_into_appends() {
        let tag = Tag::new(0x42_0020).unwrap();
        let mut out = vec![0xAA];
        encode_into(&Ttlv::new(tag, Value::Boolean(false)), &mut out).unwrap();
        assert_eq!(out.len(), 17);
        assert_eq!(out[0], 0xAA);
    }

    #[test]
    fn padding_rounds_up_to_eight() {
        assert_eq!(padding(0), 0);
        assert_eq!(padding(1), 7);
        assert_eq!(padding(8), 0);
        assert_eq!(padding(11), 5);
    }
}
