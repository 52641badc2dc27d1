//! Fuzzes the ciphertext envelope parser, which faces the network (every
//! decrypt request carries one). Arbitrary bytes must never panic the
//! parser, and whatever parses must encode back to exactly the same bytes
//! (the format has one encoding per envelope).
#![no_main]

use keyhold_crypto::envelope::Envelope;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(envelope) = Envelope::parse(data) {
        assert_eq!(
            envelope.encode(),
            data,
            "parse then encode changed the bytes"
        );
    }
});
