//! The encoding examples of KMIP 1.4 section 9.1.2 "Examples", byte for byte: each value
//! encodes to the bytes the specification lists and those bytes decode to the value.
//! (The examples use tag 420020 throughout.)
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use keyhold_ttlv::{Limits, Tag, Ttlv, Value, decode, encode};

fn tag(value: u32) -> Tag {
    Tag::new(value).unwrap()
}

/// The specification's notation: hex bytes, with `|` between the fields.
fn bytes(spec: &str) -> Vec<u8> {
    let digits: String = spec.chars().filter(char::is_ascii_hexdigit).collect();
    hex::decode(digits).unwrap()
}

fn check(value: Value, spec: &str) {
    let item = Ttlv::new(tag(0x42_0020), value);
    let expected = bytes(spec);
    assert_eq!(encode(&item).unwrap(), expected, "encoding of {item:?}");
    assert_eq!(
        decode(&expected, &Limits::DEFAULT).unwrap(),
        item,
        "decoding of {spec}"
    );
}

#[test]
fn integer_8() {
    check(
        Value::Integer(8),
        "42 00 20 | 02 | 00 00 00 04 | 00 00 00 08 00 00 00 00",
    );
}

#[test]
fn long_integer_123456789000000000() {
    check(
        Value::LongInteger(123_456_789_000_000_000),
        "42 00 20 | 03 | 00 00 00 08 | 01 B6 9B 4B A5 74 92 00",
    );
}

#[test]
fn big_integer_1234567890000000000000000000() {
    // 1234567890000000000000000000 = 0x03FD35EB6BC2DF4618080000, padded to 16 bytes.
    let spec = "42 00 20 | 04 | 00 00 00 10 | 00 00 00 00 03 FD 35 EB 6B C2 DF 46 18 08 00 00";
    check(
        Value::BigInteger(bytes("00 00 00 00 03 FD 35 EB 6B C2 DF 46 18 08 00 00")),
        spec,
    );
    // The minimal two's complement form encodes to the same bytes.
    let minimal = Ttlv::new(
        tag(0x42_0020),
        Value::BigInteger(bytes("03 FD 35 EB 6B C2 DF 46 18 08 00 00")),
    );
    assert_eq!(encode(&minimal).unwrap(), bytes(spec));
}

#[test]
fn enumeration_255() {
    check(
        Value::Enumeration(255),
        "42 00 20 | 05 | 00 00 00 04 | 00 00 00 FF 00 00 00 00",
    );
}

#[test]
fn boolean_true() {
    check(
        Value::Boolean(true),
        "42 00 20 | 06 | 00 00 00 08 | 00 00 00 00 00 00 00 01",
    );
}

#[test]
fn text_string_hello_world() {
    check(
        Value::TextString("Hello World".into()),
        "42 00 20 | 07 | 00 00 00 0B | 48 65 6C 6C 6F 20 57 6F 72 6C 64 00 00 00 00 00",
    );
}

#[test]
fn byte_string_010203() {
    check(
        Value::ByteString(vec![1, 2, 3]),
        "42 00 20 | 08 | 00 00 00 03 | 01 02 03 00 00 00 00 00",
    );
}

#[test]
fn date_time_friday_march_14_2008_11_56_40_gmt() {
    check(
        Value::DateTime(1_205_495_800),
        "42 00 20 | 09 | 00 00 00 08 | 00 00 00 00 47 DA 67 F8",
    );
}

#[test]
fn interval_10_days() {
    check(
        Value::Interval(864_000),
        "42 00 20 | 0A | 00 00 00 04 | 00 0D 2F 00 00 00 00 00",
    );
}

#[test]
fn structure_with_enumeration_254_and_integer_255() {
    let value = Value::Structure(vec![
        Ttlv::new(tag(0x42_0004), Value::Enumeration(254)),
        Ttlv::new(tag(0x42_0005), Value::Integer(255)),
    ]);
    check(
        value,
        "42 00 20 | 01 | 00 00 00 20 | 42 00 04 | 05 | 00 00 00 04 | 00 00 00 FE 00 00 00 00 | \
         42 00 05 | 02 | 00 00 00 04 | 00 00 00 FF 00 00 00 00",
    );
}

#[test]
fn date_time_extended_is_eight_bytes_of_microseconds() {
    // KMIP 2.1 section 9.1 adds Date-Time Extended (type 0x0B): a Long Integer of microseconds.
    check(
        Value::DateTimeExtended(1_205_495_800_000_001),
        "42 00 20 | 0B | 00 00 00 08 | 00 04 48 64 5C EF EE 01",
    );
}
