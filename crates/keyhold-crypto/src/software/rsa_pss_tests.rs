use super::*;
use crate::test_support::{material, public_key};

/// The public key of the profiles' CS-AC-M-2 (KMIP 1.4 and 2.1), as a
/// SubjectPublicKeyInfo.
const M2_SPKI: &str = "30820122300d06092a864886f70d01010105000382010f003082010a0282010100ab7f161c00\
     42496ccd6c6d4dadb919973435357776003acf54b7af1e440afb80b64a8755f8002cfeba6b18\
     4540a2d66086d74648346d75b8d71812b205387c0f6583bc4d7dc7ec114f3b176b7957c422e7\
     d03fc6267fa2a6f89b9bee9e60a1d7c2d833e5a5f4bb0b1434f4e795a41100f8aa214900df8b\
     65089f98135b1c67b701675abdbc7d5721aac9d14a7f081fcec80b64e8a0ecc8295353c79532\
     8abf70e1b42e7bb8b7f4e8ac8c810cdb66e3d21126eba8da7d0ca34142cb76f91f013da809e9\
     c1b7ae64c54130fbc21d80e9c2cb06c5c8d7cce8946a9ac99b1c2815c3612a29a82d73a1f993\
     74fe30e54951662a6eda29c6fc411335d5dc7426b0f6050203010001";

/// CS-AC-M-2's RSA-PSS signature of its Data with SHA-256, MGF1-SHA-256
/// and the longest salt the key holds (222 bytes).
const M2_SIGNATURE: &str = "2925ebf8c6c9d0585c36a44491dd28f8ffd1098d2275a505a0eba7af452e9496472fd5c4a515\
     d1c0db16c7c59ef76863b571cbf498fb8178ffeb75667e6e51b9b9bbf09d55bba54b42acb947\
     aa5a81dc62751727d7cad4616c0c0bf1dd666f8266f24262c5fa9cbbdc424ef5f5e345e633d1\
     11e66eb4afc4001bb02e158b2d5d4573c614655f21a688bee0e9dbde6a58324c08f42ae69697\
     e0c51803f9de6b3df242d2915d9b1a8110ad28143ab7855ef92ede48971b484172de3b0b8957\
     f493a74b3372ee2200f2233607735f90d0b180968ab20d74841fd3dba4fb1f225ea5c6c87f99\
     c2a238db72a536e68be202a092cd032337d451477e568f9a48b638cb";

const M2_DATA: &[u8] = &[
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16,
];

fn params(hash: RsaHash, mgf1_hash: RsaHash, salt_len: Option<u16>) -> PssParams {
    PssParams {
        hash,
        mgf1_hash,
        salt_len,
    }
}

#[test]
fn the_profiles_longest_salt_signature_verifies_with_any_salt_length() {
    let spki = hex::decode(M2_SPKI).unwrap();
    let sig = hex::decode(M2_SIGNATURE).unwrap();
    let alg = Algorithm::Rsa2048;
    let m = Signed::Message(M2_DATA);
    let sha256 = RsaHash::Sha256;
    verify(alg, &PssParams::paired(sha256), &spki, m, &sig).unwrap();
    verify(alg, &params(sha256, sha256, Some(222)), &spki, m, &sig).unwrap();
    for wrong in [
        params(sha256, sha256, Some(32)),
        params(sha256, RsaHash::Sha1, None),
        PssParams::paired(RsaHash::Sha1),
        PssParams::paired(RsaHash::Sha384),
    ] {
        let e = verify(alg, &wrong, &spki, m, &sig).unwrap_err();
        assert!(matches!(e, CryptoError::BadSignature), "{wrong:?}");
    }
    let other = Signed::Message(b"\xff\x02");
    let e = verify(alg, &PssParams::paired(sha256), &spki, other, &sig).unwrap_err();
    assert!(matches!(e, CryptoError::BadSignature));
}

/// Every way of signing verifies every way it should: aws-lc-rs' usual
/// parameters and keyhold-awslc's others, over messages and digests.
#[test]
fn signatures_round_trip_through_both_libraries() {
    let key = material(Algorithm::Rsa3072);
    let spki = public_key(Algorithm::Rsa3072);
    let alg = Algorithm::Rsa3072;
    let all = [
        PssParams::paired(RsaHash::Sha256),
        PssParams::paired(RsaHash::Sha512),
        params(RsaHash::Sha384, RsaHash::Sha1, None),
        params(RsaHash::Sha256, RsaHash::Sha256, Some(0)),
        params(RsaHash::Sha256, RsaHash::Sha512, Some(32)),
    ];
    for p in all {
        let sig = sign(&key, &p, Signed::Message(b"message")).unwrap();
        assert_eq!(sig.len(), 384);
        let salt = p
            .salt_len
            .or_else(|| u16::try_from(p.hash.output_len()).ok());
        let exact = params(p.hash, p.mgf1_hash, salt);
        for check in [p, exact] {
            verify(alg, &check, &spki, Signed::Message(b"message"), &sig).unwrap();
            let e = verify(alg, &check, &spki, Signed::Message(b"messagE"), &sig).unwrap_err();
            assert!(matches!(e, CryptoError::BadSignature), "{check:?}");
        }
        let digest = crate::hash::digest(core_hash(p.hash), b"message");
        let over_digest = sign(&key, &p, Signed::Digest(&digest)).unwrap();
        verify(alg, &p, &spki, Signed::Message(b"message"), &over_digest).unwrap();
        verify(alg, &p, &spki, Signed::Digest(&digest), &sig).unwrap();
    }
}

fn core_hash(h: RsaHash) -> keyhold_core::crypto_params::HashAlgorithm {
    use keyhold_core::crypto_params::HashAlgorithm as H;
    match h {
        RsaHash::Sha1 => H::Sha1,
        RsaHash::Sha256 => H::Sha256,
        RsaHash::Sha384 => H::Sha384,
        RsaHash::Sha512 => H::Sha512,
    }
}

/// CS-AC-M-1 signs with the longest salt: 222 bytes under RSA-2048 and
/// SHA-256, one more is refused.
#[test]
fn salts_up_to_the_longest_the_key_holds_sign() {
    let key = material(Algorithm::Rsa2048);
    let spki = public_key(Algorithm::Rsa2048);
    let longest = params(RsaHash::Sha256, RsaHash::Sha256, Some(222));
    let sig = sign(&key, &longest, Signed::Message(b"m")).unwrap();
    for check in [longest, PssParams::paired(RsaHash::Sha256)] {
        verify(
            Algorithm::Rsa2048,
            &check,
            &spki,
            Signed::Message(b"m"),
            &sig,
        )
        .unwrap();
    }
    let e = verify(
        Algorithm::Rsa2048,
        &params(RsaHash::Sha256, RsaHash::Sha256, Some(32)),
        &spki,
        Signed::Message(b"m"),
        &sig,
    )
    .unwrap_err();
    assert!(matches!(e, CryptoError::BadSignature));
    let too_long = params(RsaHash::Sha256, RsaHash::Sha256, Some(223));
    let e = sign(&key, &too_long, Signed::Message(b"m")).unwrap_err();
    assert!(
        matches!(
            e,
            CryptoError::InvalidInput {
                what: "salt length",
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn sha1_does_not_sign_but_verifies() {
    let key = material(Algorithm::Rsa2048);
    for p in [
        PssParams::paired(RsaHash::Sha1),
        params(RsaHash::Sha1, RsaHash::Sha256, Some(20)),
    ] {
        let e = sign(&key, &p, Signed::Message(b"m")).unwrap_err();
        assert!(matches!(e, CryptoError::InvalidInput { .. }), "{p:?}");
    }
    // A legacy SHA-1 signature (made here through keyhold-awslc, which
    // applies no policy) verifies.
    let pkcs8 = key.secret().expose();
    let ffi = keyhold_awslc::PssParams {
        hash: keyhold_awslc::Hash::Sha1,
        mgf1_hash: keyhold_awslc::Hash::Sha1,
        salt: SaltLength::HashLength,
    };
    let sig = keyhold_awslc::pss_sign(pkcs8, &ffi, FfiSigned::Message(b"m")).unwrap();
    let spki = public_key(Algorithm::Rsa2048);
    let sha1 = PssParams::paired(RsaHash::Sha1);
    verify(
        Algorithm::Rsa2048,
        &sha1,
        &spki,
        Signed::Message(b"m"),
        &sig,
    )
    .unwrap();
}

#[test]
fn keys_that_are_not_rsa_keys_of_their_size_are_refused() {
    let p = PssParams::paired(RsaHash::Sha256);
    let e = sign(&material(Algorithm::EcdsaP256), &p, Signed::Message(b"m")).unwrap_err();
    assert!(matches!(e, CryptoError::UnsupportedAlgorithm { .. }));
    let spki = public_key(Algorithm::Rsa2048);
    let e = verify(Algorithm::Rsa4096, &p, &spki, Signed::Message(b"m"), b"s").unwrap_err();
    assert!(matches!(e, CryptoError::InvalidPublicKey { .. }));
    let ec = public_key(Algorithm::EcdsaP256);
    let e = verify(Algorithm::EcdsaP256, &p, &ec, Signed::Message(b"m"), b"s").unwrap_err();
    assert!(matches!(e, CryptoError::UnsupportedAlgorithm { .. }));
    let key = material(Algorithm::Rsa2048);
    let e = sign(&key, &p, Signed::Digest(&[0; 31])).unwrap_err();
    assert!(matches!(e, CryptoError::DigestLength { .. }), "{e:?}");
    let odd = params(RsaHash::Sha256, RsaHash::Sha1, None);
    let e = sign(&key, &odd, Signed::Digest(&[0; 31])).unwrap_err();
    assert!(
        matches!(e, CryptoError::InvalidInput { what: "digest", .. }),
        "{e:?}"
    );
}
