//! Known answers from NIST SP 800-38A appendix F (F.1 ECB, F.2 CBC, F.5
//! CTR, with AES-128, -192 and -256), round trips and bad input.

use super::*;

/// SP 800-38A F.1–F.5: the four plaintext blocks every example uses.
const PLAINTEXT: &str = "6bc1bee22e409f96e93d7e117393172a\
                         ae2d8a571e03ac9c9eb76fac45af8e51\
                         30c81c46a35ce411e5fbc1191a0a52ef\
                         f69f2445df4f9b17ad2b417be66c3710";
const KEY_128: &str = "2b7e151628aed2a6abf7158809cf4f3c";
const KEY_192: &str = "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b";
const KEY_256: &str = "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4";
const CBC_IV: &str = "000102030405060708090a0b0c0d0e0f";
const CTR_IV: &str = "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

/// (mode, key, IV, ciphertext): F.1.1–F.1.5, F.2.1–F.2.5, F.5.1–F.5.5.
const VECTORS: [(CipherMode, &str, &str, &str); 9] = [
    (
        CipherMode::Ecb,
        KEY_128,
        "",
        "3ad77bb40d7a3660a89ecaf32466ef97f5d3d58503b9699de785895a96fdbaaf\
         43b1cd7f598ece23881b00e3ed0306887b0c785e27e8ad3f8223207104725dd4",
    ),
    (
        CipherMode::Ecb,
        KEY_192,
        "",
        "bd334f1d6e45f25ff712a214571fa5cc974104846d0ad3ad7734ecb3ecee4eef\
         ef7afd2270e2e60adce0ba2face6444e9a4b41ba738d6c72fb16691603c18e0e",
    ),
    (
        CipherMode::Ecb,
        KEY_256,
        "",
        "f3eed1bdb5d2a03c064b5a7e3db181f8591ccb10d410ed26dc5ba74a31362870\
         b6ed21b99ca6f4f9f153e7b1beafed1d23304b7a39f9f3ff067d8d8f9e24ecc7",
    ),
    (
        CipherMode::Cbc,
        KEY_128,
        CBC_IV,
        "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2\
         73bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7",
    ),
    (
        CipherMode::Cbc,
        KEY_192,
        CBC_IV,
        "4f021db243bc633d7178183a9fa071e8b4d9ada9ad7dedf4e5e738763f69145a\
         571b242012fb7ae07fa9baac3df102e008b0e27988598881d920a9e64f5615cd",
    ),
    (
        CipherMode::Cbc,
        KEY_256,
        CBC_IV,
        "f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d\
         39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b",
    ),
    (
        CipherMode::Ctr,
        KEY_128,
        CTR_IV,
        "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff\
         5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee",
    ),
    (
        CipherMode::Ctr,
        KEY_192,
        CTR_IV,
        "1abc932417521ca24f2b0459fe7e6e0b090339ec0aa6faefd5ccc2c6f4ce8e94\
         1e36b26bd1ebc670d1bd1d665620abf74f78a7f6d29809585a97daec58c6b050",
    ),
    (
        CipherMode::Ctr,
        KEY_256,
        CTR_IV,
        "601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c5\
         2b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6",
    ),
];

fn cipher_of(key: &[u8]) -> &'static CipherAlgorithm {
    match key.len() {
        16 => &AES_128,
        24 => &AES_192,
        _ => &AES_256,
    }
}

fn h(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

#[test]
fn sp_800_38a_known_answers_both_ways() {
    let pt = h(PLAINTEXT);
    for (mode, key, iv, ct) in VECTORS {
        let (key, iv, ct) = (h(key), h(iv), h(ct));
        let c = cipher_of(&key);
        let got = encrypt(c, &key, (mode, Padding::None), &iv, &pt).unwrap();
        assert_eq!(got, ct, "{mode:?} {}", key.len());
        let back = decrypt(c, &key, (mode, Padding::None), &iv, &ct).unwrap();
        assert_eq!(back.expose(), pt, "{mode:?} {}", key.len());
    }
}

#[test]
fn pkcs7_adds_a_block_and_round_trips_any_length() {
    let key = h(KEY_128);
    for mode in [CipherMode::Ecb, CipherMode::Cbc] {
        let iv = if mode == CipherMode::Ecb {
            vec![]
        } else {
            h(CBC_IV)
        };
        for len in [0, 1, 15, 16, 17, 64] {
            let pt = vec![0xA5; len];
            let ct = encrypt(&AES_128, &key, (mode, Padding::Pkcs7), &iv, &pt).unwrap();
            assert_eq!(ct.len(), (len / 16 + 1) * 16);
            let back = decrypt(&AES_128, &key, (mode, Padding::Pkcs7), &iv, &ct).unwrap();
            assert_eq!(back.expose(), pt);
        }
    }
    // The first PKCS#7 block of a whole-block plaintext is the unpadded ECB one.
    let ct = encrypt(
        &AES_128,
        &key,
        (CipherMode::Ecb, Padding::Pkcs7),
        &[],
        &h(PLAINTEXT),
    );
    assert_eq!(ct.unwrap()[..16], h(VECTORS[0].3)[..16]);
}

#[test]
fn ctr_takes_any_length() {
    let (key, iv) = (h(KEY_256), h(CTR_IV));
    let pt = &h(PLAINTEXT)[..5];
    let ct = encrypt(&AES_256, &key, (CipherMode::Ctr, Padding::None), &iv, pt).unwrap();
    assert_eq!(ct[..], h(VECTORS[8].3)[..5]);
}

#[test]
fn bad_input_is_refused_with_a_clear_error() {
    let key = h(KEY_128);
    let none = Padding::None;
    let invalid = |r: Result<Vec<u8>, CryptoError>, what: &str| {
        assert!(matches!(r, Err(CryptoError::InvalidInput { what: w, .. }) if w == what));
    };
    invalid(
        encrypt(&AES_128, &key, (CipherMode::Cbc, none), &[0; 15], &[0; 16]),
        "IV",
    );
    invalid(
        encrypt(&AES_128, &key, (CipherMode::Ecb, none), &[0; 16], &[0; 16]),
        "IV",
    );
    invalid(
        encrypt(&AES_128, &key, (CipherMode::Cbc, none), &[0; 16], &[0; 17]),
        "data",
    );
    invalid(
        encrypt(
            &AES_128,
            &key,
            (CipherMode::Ctr, Padding::Pkcs7),
            &[0; 16],
            &[0; 3],
        ),
        "padding",
    );
    invalid(
        encrypt(&AES_128, &key[..15], (CipherMode::Ecb, none), &[], &[0; 16]),
        "AES key",
    );
    // Bad padding, or a padded ciphertext that is not whole blocks: one error.
    let padded = (CipherMode::Cbc, Padding::Pkcs7);
    let zero_pad = encrypt(&AES_128, &key, (CipherMode::Cbc, none), &[0; 16], &[0; 16]).unwrap();
    let e = decrypt(&AES_128, &key, padded, &[0; 16], &zero_pad).err();
    assert!(matches!(e, Some(CryptoError::Decrypt)));
    let e = decrypt(&AES_128, &key, padded, &[0; 16], &[0; 20]).err();
    assert!(matches!(e, Some(CryptoError::Decrypt)));
}
