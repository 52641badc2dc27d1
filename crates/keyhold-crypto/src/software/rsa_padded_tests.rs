use super::*;
use crate::test_support::{material, public_key as spki_of};

fn paddings() -> [RsaPadding; 5] {
    [
        RsaPadding::Oaep(Oaep::paired(RsaHash::Sha1)),
        RsaPadding::Oaep(Oaep::paired(RsaHash::Sha256)),
        RsaPadding::Oaep(Oaep::paired(RsaHash::Sha384)),
        RsaPadding::Oaep(Oaep::paired(RsaHash::Sha512)),
        RsaPadding::Pkcs1v15,
    ]
}

/// OAEP the way the profiles' CS-AC-M-OAEP-9 and 10 register it: SHA-384,
/// MGF1 over SHA-256, a label (through keyhold-awslc).
fn kilroy() -> Oaep {
    Oaep {
        hash: RsaHash::Sha384,
        mgf1_hash: RsaHash::Sha256,
        label: b"Kilroy was here".to_vec(),
    }
}

#[test]
fn every_padding_round_trips_and_garbage_is_one_error() {
    let key = material(Algorithm::Rsa2048);
    let spki = spki_of(Algorithm::Rsa2048);
    let mut all = paddings().to_vec();
    all.push(RsaPadding::Oaep(kilroy()));
    let mut labelled = Oaep::paired(RsaHash::Sha256);
    labelled.label = b"label".to_vec();
    all.push(RsaPadding::Oaep(labelled));
    for padding in &all {
        let ct = encrypt(&spki, padding, b"secret").unwrap();
        assert_eq!(ct.len(), 256);
        assert_eq!(decrypt(&key, padding, &ct).unwrap().expose(), b"secret");
        let mut bad = ct.clone();
        bad[100] ^= 1;
        assert!(refused(decrypt(&key, padding, &bad), padding));
        for garbage in [&[1; 7][..], &[0xff; 256]] {
            assert!(matches!(
                decrypt(&key, padding, garbage),
                Err(CryptoError::Decrypt)
            ));
        }
    }
    // Another padding than the one used fails the same way.
    let ct = encrypt(&spki, &all[1], b"secret").unwrap();
    assert!(refused(decrypt(&key, &all[0], &ct), &all[0]));
    assert!(refused(decrypt(&key, &all[4], &ct), &all[4]));
}

#[test]
fn a_wrong_label_or_mgf1_hash_is_the_one_decryption_error() {
    let key = material(Algorithm::Rsa2048);
    let ct = encrypt(
        &spki_of(Algorithm::Rsa2048),
        &RsaPadding::Oaep(kilroy()),
        b"s",
    )
    .unwrap();
    let mut other_label = kilroy();
    other_label.label = b"Kilroy was not here".to_vec();
    let mut no_label = kilroy();
    no_label.label.clear();
    let mut paired = kilroy();
    paired.mgf1_hash = RsaHash::Sha384;
    for wrong in [other_label, no_label, paired] {
        let e = decrypt(&key, &RsaPadding::Oaep(wrong.clone()), &ct).unwrap_err();
        assert!(matches!(e, CryptoError::Decrypt), "{wrong:?}");
    }
}

/// Whether a damaged or foreign ciphertext was refused as it must be:
/// always the one `Decrypt` error under OAEP; under PKCS#1 v1.5 a
/// random block passes the padding check about once in 65,000 tries
/// (the scheme's known weakness), so there the answer may also be
/// garbage, but never the plaintext.
fn refused(result: Result<SecretBytes, CryptoError>, padding: &RsaPadding) -> bool {
    match (result, padding) {
        (Err(CryptoError::Decrypt), _) => true,
        (Ok(garbage), RsaPadding::Pkcs1v15) => garbage.expose() != b"secret",
        _ => false,
    }
}

#[test]
fn plaintexts_too_long_and_non_rsa_keys_are_refused() {
    let spki = spki_of(Algorithm::Rsa2048);
    // k - 2 hLen - 2 = 256 - 128 - 2 for SHA-512, 256 - 96 - 2 for SHA-384.
    let padding = RsaPadding::Oaep(Oaep::paired(RsaHash::Sha512));
    assert!(encrypt(&spki, &padding, &[0; 126]).is_ok());
    assert!(matches!(
        encrypt(&spki, &padding, &[0; 127]),
        Err(CryptoError::InvalidInput { .. })
    ));
    let padding = RsaPadding::Oaep(kilroy());
    assert!(encrypt(&spki, &padding, &[0; 158]).is_ok());
    assert!(matches!(
        encrypt(&spki, &padding, &[0; 159]),
        Err(CryptoError::InvalidInput { .. })
    ));
    assert!(encrypt(&spki, &RsaPadding::Pkcs1v15, &[0; 246]).is_err());
    let ec = spki_of(Algorithm::EcdsaP256);
    assert!(encrypt(&ec, &RsaPadding::Pkcs1v15, b"x").is_err());
    assert!(encrypt(&ec, &RsaPadding::Oaep(kilroy()), b"x").is_err());
    let ec_key = material(Algorithm::EcdsaP256);
    for padding in [RsaPadding::Pkcs1v15, RsaPadding::Oaep(kilroy())] {
        assert!(matches!(
            decrypt(&ec_key, &padding, &[0; 256]),
            Err(CryptoError::UnsupportedAlgorithm { .. })
        ));
    }
}
