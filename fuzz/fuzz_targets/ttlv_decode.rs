//! Fuzzes the KMIP TTLV decoder, which faces the network (every KMIP request is one TTLV
//! message). Arbitrary bytes must never panic the decoder, and whatever decodes must encode
//! back to exactly the same bytes (the decoder accepts only the one canonical encoding:
//! exact lengths, zero padding, Booleans 0 or 1).
#![no_main]

use keyhold_ttlv::{Limits, decode, encode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(tree) = decode(data, &Limits::default()) {
        let bytes = encode(&tree).expect("a decoded tree always encodes");
        assert_eq!(bytes, data, "decode then encode changed the bytes");
    }
});
