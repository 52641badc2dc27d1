//! Property tests: arbitrary trees survive binary, XML and JSON round trips, and arbitrary
//! (or damaged) bytes never panic the decoder and re-encode to themselves when accepted.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use keyhold_ttlv::{Limits, Tag, Ttlv, Value, decode, encode, json, xml};
use proptest::prelude::*;

fn tag() -> impl Strategy<Value = Tag> {
    prop_oneof![
        4 => 0x42_0001u32..=0x42_0176,
        1 => 0x54_0000u32..=0x54_FFFF,
    ]
    .prop_map(|v| Tag::new(v).unwrap())
}

/// Text that XML 1.0 can carry in an attribute (no other control characters).
fn xml_text() -> impl Strategy<Value = String> {
    "[\\t\\n\\r -~\u{00A0}-\u{D7FF}\u{E000}-\u{FFFD}]{0,24}"
}

fn leaf(text: BoxedStrategy<String>) -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i32>().prop_map(Value::Integer),
        any::<i64>().prop_map(Value::LongInteger),
        // the binary form holds big integers as a multiple of eight bytes
        prop::collection::vec(any::<[u8; 8]>(), 0..4).prop_map(|w| Value::BigInteger(w.concat())),
        any::<u32>().prop_map(Value::Enumeration),
        any::<bool>().prop_map(Value::Boolean),
        text.prop_map(Value::TextString),
        prop::collection::vec(any::<u8>(), 0..20).prop_map(Value::ByteString),
        any::<i64>().prop_map(Value::DateTime),
        any::<u32>().prop_map(Value::Interval),
        any::<i64>().prop_map(Value::DateTimeExtended),
    ]
}

fn tree(text: BoxedStrategy<String>) -> impl Strategy<Value = Ttlv> {
    let leaf = (tag(), leaf(text)).prop_map(|(t, v)| Ttlv::new(t, v));
    leaf.prop_recursive(5, 64, 8, |inner| {
        (tag(), prop::collection::vec(inner, 0..8)).prop_map(|(t, items)| Ttlv::structure(t, items))
    })
}

fn any_tree() -> impl Strategy<Value = Ttlv> {
    tree(any::<String>().boxed())
}

fn xml_tree() -> impl Strategy<Value = Ttlv> {
    tree(xml_text().boxed())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn binary_round_trip(t in any_tree()) {
        let bytes = encode(&t).unwrap();
        prop_assert_eq!(bytes.len() % 8, 0);
        prop_assert_eq!(decode(&bytes, &Limits::DEFAULT).unwrap(), t);
    }

    #[test]
    fn xml_round_trip(t in xml_tree()) {
        let text = xml::from_ttlv(&t);
        prop_assert_eq!(xml::to_ttlv(&text).unwrap(), t, "{}", text);
    }

    #[test]
    fn json_round_trip(t in any_tree()) {
        let text = json::from_ttlv(&t);
        prop_assert_eq!(json::to_ttlv(&text).unwrap(), t, "{}", text);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        if let Ok(t) = decode(&bytes, &Limits::DEFAULT) {
            prop_assert_eq!(encode(&t).unwrap(), bytes);
        }
    }

    #[test]
    fn damaged_messages_never_panic(t in any_tree(), at in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let mut bytes = encode(&t).unwrap();
        let i = at.index(bytes.len());
        bytes[i] = byte;
        if let Ok(t) = decode(&bytes, &Limits::DEFAULT) {
            prop_assert_eq!(encode(&t).unwrap(), bytes);
        }
    }

    #[test]
    fn truncated_messages_are_refused(t in any_tree(), at in any::<prop::sample::Index>()) {
        let bytes = encode(&t).unwrap();
        let cut = at.index(bytes.len());
        prop_assert!(decode(&bytes[..cut], &Limits::DEFAULT).is_err());
    }
}
