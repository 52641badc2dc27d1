//! Known answers: the GCM specification's test cases 2, 4, 8 and 14 (the
//! AES-GCM examples NIST's validation reuses), a NIST CAVP case with a
//! 96-bit tag, and RFC 8439 section 2.8.2 for ChaCha20-Poly1305.

use super::*;

fn h(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

const GCM: CipherMode = CipherMode::Gcm { tag_len: 16 };

/// (AEAD, key, IV, AAD, plaintext, ciphertext, tag).
type Case = (
    &'static AeadAlgorithm,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

const CASES: [Case; 4] = [
    (
        &AES_128_GCM,
        "00000000000000000000000000000000",
        "000000000000000000000000",
        "",
        "00000000000000000000000000000000",
        "0388dace60b6a392f328c2b971b2fe78",
        "ab6e47d42cec13bdf53a67b21257bddf",
    ),
    (
        &AES_128_GCM,
        "feffe9928665731c6d6a8f9467308308",
        "cafebabefacedbaddecaf888",
        "feedfacedeadbeeffeedfacedeadbeefabaddad2",
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72\
         1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
        "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e\
         21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
        "5bc94fbc3221a5db94fae95ae7121a47",
    ),
    (
        &AES_192_GCM,
        "000000000000000000000000000000000000000000000000",
        "000000000000000000000000",
        "",
        "00000000000000000000000000000000",
        "98e7247c07f0fe411c267e4384b0f600",
        "2ff58d80033927ab8ef4d4587514f0fb",
    ),
    (
        &AES_256_GCM,
        "0000000000000000000000000000000000000000000000000000000000000000",
        "000000000000000000000000",
        "",
        "00000000000000000000000000000000",
        "cea7403d4d606b6e074ec5d3baf39d18",
        "d0d1c8a799996bf0265b98b5d48ab919",
    ),
];

#[test]
fn gcm_known_answers_both_ways() {
    for (aead, key, iv, aad, pt, ct, tag) in CASES {
        let (key, iv, aad, pt) = (h(key), h(iv), h(aad), h(pt));
        let (c, t) = encrypt(aead, &key, GCM, &iv, &aad, &pt).unwrap();
        assert_eq!((c.clone(), t.clone()), (h(ct), h(tag)));
        let back = decrypt(aead, &key, (GCM, &iv), &aad, &c, &t).unwrap();
        assert_eq!(back.expose(), pt);
    }
}

#[test]
fn a_truncated_gcm_tag_is_made_and_checked() {
    // NIST CAVP gcmEncryptExtIV128, Keylen 128, IVlen 96, PTlen 128, AADlen 128, Taglen 96.
    let key = h("5ac0b25cccaaa4bb2375aef5034db959");
    let (iv, aad) = (
        h("65765ef5c5ff39c256af5838"),
        h("77d997b514608c0d0b0668cecae21f4a"),
    );
    let pt = h("53b4f37fcb17ecbf88f47f5aa53bfe96");
    let mode = CipherMode::Gcm { tag_len: 12 };
    let (c, t) = encrypt(&AES_128_GCM, &key, mode, &iv, &aad, &pt).unwrap();
    assert_eq!(c, h("506959e2cc4929a7047a5bc986854e0e"));
    assert_eq!(t, h("c69d14f2e795336f6eb22171"));
    let back = decrypt(&AES_128_GCM, &key, (mode, &iv), &aad, &c, &t).unwrap();
    assert_eq!(back.expose(), pt);
    for i in 0..t.len() {
        let mut bad = t.clone();
        bad[i] ^= 1;
        let e = decrypt(&AES_128_GCM, &key, (mode, &iv), &aad, &c, &bad).err();
        assert!(matches!(e, Some(CryptoError::Decrypt)), "tag byte {i}");
    }
    let mut bad_ct = c.clone();
    bad_ct[0] ^= 1;
    let e = decrypt(&AES_128_GCM, &key, (mode, &iv), &aad, &bad_ct, &t).err();
    assert!(matches!(e, Some(CryptoError::Decrypt)));
}

#[test]
fn chacha20_poly1305_rfc_8439_2_8_2() {
    let key = h("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
    let (iv, aad) = (h("070000004041424344454647"), h("50515253c0c1c2c3c4c5c6c7"));
    let pt = b"Ladies and Gentlemen of the class of '99: If I could offer you only one \
               tip for the future, sunscreen would be it.";
    let mode = CipherMode::ChaCha20Poly1305 { tag_len: 16 };
    let (c, t) = encrypt(&CHACHA20_POLY1305, &key, mode, &iv, &aad, pt).unwrap();
    assert_eq!(c[..20], h("d31a8d34648e60db7b86afbc53ef7ec2a4aded51")[..]);
    assert_eq!(t, h("1ae10b594f09e26a7e902ecbd0600691"));
    let back = decrypt(&CHACHA20_POLY1305, &key, (mode, &iv), &aad, &c, &t).unwrap();
    assert_eq!(back.expose(), pt);
    // The tag cut to 12 bytes (the profiles' CS-BC-M-CHACHA20POLY1305-1)
    // opens; a changed byte of it or of the ciphertext fails alike.
    let short = CipherMode::ChaCha20Poly1305 { tag_len: 12 };
    let back = decrypt(&CHACHA20_POLY1305, &key, (short, &iv), &aad, &c, &t[..12]).unwrap();
    assert_eq!(back.expose(), pt);
    let mut bad_tag = t[..12].to_vec();
    bad_tag[11] ^= 1;
    let e = decrypt(&CHACHA20_POLY1305, &key, (short, &iv), &aad, &c, &bad_tag).err();
    assert!(matches!(e, Some(CryptoError::Decrypt)));
    let mut bad_ct = c.clone();
    bad_ct[0] ^= 1;
    let e = decrypt(
        &CHACHA20_POLY1305,
        &key,
        (short, &iv),
        &aad,
        &bad_ct,
        &t[..12],
    )
    .err();
    assert!(matches!(e, Some(CryptoError::Decrypt)));
}

#[test]
fn bad_lengths_are_refused_and_bad_tags_fail_alike() {
    let key = [0u8; 16];
    let invalid = |e: Option<CryptoError>, what: &str| {
        assert!(matches!(e, Some(CryptoError::InvalidInput { what: w, .. }) if w == what));
    };
    for tag_len in [0, 1, 11, 17, 32] {
        let mode = CipherMode::Gcm { tag_len };
        invalid(
            encrypt(&AES_128_GCM, &key, mode, &[0; 12], b"", b"x").err(),
            "tag length",
        );
    }
    // GCM takes any IV of 1 to 128 bytes (gcm_any_iv), ChaCha20-Poly1305
    // 96 bits only.
    invalid(encrypt(&AES_128_GCM, &key, GCM, &[], b"", b"x").err(), "IV");
    assert!(encrypt(&AES_128_GCM, &key, GCM, &[0; 8], b"", b"x").is_ok());
    let chacha = CipherMode::ChaCha20Poly1305 { tag_len: 16 };
    invalid(
        encrypt(&CHACHA20_POLY1305, &[0; 32], chacha, &[0; 8], b"", b"x").err(),
        "IV",
    );
    invalid(
        encrypt(&AES_128_GCM, &key[..15], GCM, &[0; 12], b"", b"x").err(),
        "AEAD key",
    );
    let (c, t) = encrypt(&AES_128_GCM, &key, GCM, &[0; 12], b"a", b"x").unwrap();
    invalid(
        decrypt(&AES_128_GCM, &key, (GCM, &[0; 12]), b"a", &c, &t[..12]).err(),
        "tag",
    );
    let e = decrypt(&AES_128_GCM, &key, (GCM, &[1; 12]), b"a", &c, &t).err();
    assert!(matches!(e, Some(CryptoError::Decrypt)));
    let e = decrypt(&AES_128_GCM, &key, (GCM, &[0; 12]), b"b", &c, &t).err();
    assert!(matches!(e, Some(CryptoError::Decrypt)));
}
