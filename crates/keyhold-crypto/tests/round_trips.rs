//! Round trips through the public API for every algorithm keyhold manages,
//! and tamper tests: a flipped bit in a ciphertext, tag, wrapped key, MAC or
//! signature must fail. Also the envelope path end to end: a ciphertext
//! moved to another tenant, key, version or context does not decrypt.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;

use keyhold_core::{Algorithm, KeyId, TenantId, VersionNumber};
use keyhold_crypto::envelope::{self, Envelope};
use keyhold_crypto::{CryptoError, CryptoProvider, KeyMaterial, SOFTWARE, SignatureScheme};

fn flip(bytes: &[u8], i: usize) -> Vec<u8> {
    let mut v = bytes.to_vec();
    v[i] ^= 0x01;
    v
}

/// Positions worth flipping: first, middle, last.
fn positions(len: usize) -> [usize; 3] {
    [0, len / 2, len - 1]
}

fn aead(p: &CryptoProvider, key: &KeyMaterial) {
    let s = p.aead.encrypt(key, b"aad", b"plaintext").unwrap();
    assert_eq!(
        p.aead
            .decrypt(key, &s.nonce, b"aad", &s.ciphertext)
            .unwrap()
            .expose(),
        b"plaintext"
    );
    for i in positions(s.ciphertext.len()) {
        let e = p
            .aead
            .decrypt(key, &s.nonce, b"aad", &flip(&s.ciphertext, i));
        assert!(matches!(e, Err(CryptoError::Decrypt)));
    }
}

fn key_wrap(p: &CryptoProvider, kek: &KeyMaterial) {
    let wrapped = p.key_wrap.wrap(kek, &[7; 32]).unwrap();
    assert_eq!(p.key_wrap.unwrap(kek, &wrapped).unwrap().expose(), &[7; 32]);
    for i in positions(wrapped.len()) {
        assert!(matches!(
            p.key_wrap.unwrap(kek, &flip(&wrapped, i)),
            Err(CryptoError::Unwrap)
        ));
    }
}

fn mac(p: &CryptoProvider, key: &KeyMaterial) {
    let tag = p.mac.compute(key, b"data").unwrap();
    p.mac.verify(key, b"data", &tag).unwrap();
    for i in positions(tag.len()) {
        assert!(matches!(
            p.mac.verify(key, b"data", &flip(&tag, i)),
            Err(CryptoError::BadMac)
        ));
    }
}

fn signatures(p: &CryptoProvider, key: &KeyMaterial) {
    let alg = key.algorithm();
    let spki = p.keygen.public_key(key).unwrap().unwrap();
    for scheme in SignatureScheme::ALL.into_iter().filter(|s| s.fits(alg)) {
        let sig = p.signatures.sign(key, scheme, b"message").unwrap();
        p.signatures
            .verify(alg, scheme, &spki, b"message", &sig)
            .unwrap();
        for i in positions(sig.len()) {
            let e = p
                .signatures
                .verify(alg, scheme, &spki, b"message", &flip(&sig, i));
            assert!(
                matches!(e, Err(CryptoError::BadSignature)),
                "{scheme} byte {i}"
            );
        }
    }
}

fn rsa_oaep(p: &CryptoProvider, key: &KeyMaterial) {
    let spki = p.keygen.public_key(key).unwrap().unwrap();
    let ct = p.asymmetric.encrypt(&spki, b"data key").unwrap();
    assert_eq!(
        p.asymmetric.decrypt(key, &ct).unwrap().expose(),
        b"data key"
    );
    for i in positions(ct.len()) {
        assert!(matches!(
            p.asymmetric.decrypt(key, &flip(&ct, i)),
            Err(CryptoError::Decrypt)
        ));
    }
}

fn kem(p: &CryptoProvider, key: &KeyMaterial) {
    let ek = p.keygen.public_key(key).unwrap().unwrap();
    let (ct, shared) = p.kem.encapsulate(&ek).unwrap();
    assert_eq!(
        p.kem.decapsulate(key, &ct).unwrap().expose(),
        shared.expose()
    );
    for i in positions(ct.len()) {
        let other = p.kem.decapsulate(key, &flip(&ct, i)).unwrap();
        assert_ne!(other.expose(), shared.expose(), "implicit rejection");
    }
}

fn raw_cipher(p: &CryptoProvider, key: &KeyMaterial) {
    use keyhold_crypto::cipher::{CipherMode, CipherSpec, Padding};
    let mode = if key.algorithm() == Algorithm::ChaCha20Raw {
        CipherMode::ChaCha20Poly1305 { tag_len: 16 }
    } else {
        CipherMode::Gcm { tag_len: 16 }
    };
    let spec = CipherSpec {
        mode,
        padding: Padding::None,
    };
    let iv = [5; 12];
    let out = p
        .raw_cipher
        .encrypt(key, spec, &iv, b"aad", b"data")
        .unwrap();
    let open = |ct: &[u8]| p.raw_cipher.decrypt(key, spec, &iv, b"aad", ct, &out.tag);
    assert_eq!(open(&out.ciphertext).unwrap().expose(), b"data");
    for i in positions(out.ciphertext.len()) {
        assert!(open(&flip(&out.ciphertext, i)).is_err());
    }
    // Raw keys never make envelopes.
    assert!(p.aead.encrypt(key, b"", b"x").is_err());
}

#[test]
fn every_algorithm_round_trips_and_detects_tampering() {
    let p = keyhold_crypto::software();
    // Data objects (Secret Data, Opaque) are no keys: nothing to round-trip.
    for alg in Algorithm::ALL.into_iter().filter(|a| !a.is_data()) {
        if alg.is_legacy() {
            // Never generated; the legacy module's tests show they are
            // never used either.
            assert!(p.keygen.generate(alg).is_err(), "{alg}");
            continue;
        }
        let key = p.keygen.generate(alg).unwrap();
        match alg {
            Algorithm::Aes256Gcm
            | Algorithm::Aes128Gcm
            | Algorithm::Aes192Gcm
            | Algorithm::ChaCha20Poly1305 => aead(&p, &key),
            Algorithm::Aes128Raw
            | Algorithm::Aes192Raw
            | Algorithm::Aes256Raw
            | Algorithm::ChaCha20Raw => raw_cipher(&p, &key),
            Algorithm::Aes256KeyWrap => key_wrap(&p, &key),
            Algorithm::HmacSha256 | Algorithm::HmacSha384 | Algorithm::HmacSha512 => mac(&p, &key),
            Algorithm::Rsa2048 | Algorithm::Rsa3072 | Algorithm::Rsa4096 => {
                signatures(&p, &key);
                rsa_oaep(&p, &key);
            }
            Algorithm::EcdsaP256
            | Algorithm::EcdsaP384
            | Algorithm::Ed25519
            | Algorithm::MlDsa65 => signatures(&p, &key),
            Algorithm::MlKem768 => kem(&p, &key),
            Algorithm::Tdes168Raw => never_used(&p, &key),
            other => panic!("{other} is not covered by this test"),
        }
    }
}

/// A Triple-DES key is kept, never used: every operation refuses it.
fn never_used(p: &CryptoProvider, key: &KeyMaterial) {
    use keyhold_crypto::cipher::{CipherMode, CipherSpec, Padding};
    assert!(p.aead.encrypt(key, b"", b"x").is_err());
    assert!(p.key_wrap.wrap(key, &[7; 32]).is_err());
    assert!(p.mac.compute(key, b"x").is_err());
    assert!(
        p.mac
            .compute_keyed(Algorithm::HmacSha256, key, b"x")
            .is_err()
    );
    assert!(
        p.signatures
            .sign(key, SignatureScheme::Ed25519, b"x")
            .is_err()
    );
    for mode in [CipherMode::Ecb, CipherMode::Cbc, CipherMode::Ctr] {
        let spec = CipherSpec {
            mode,
            padding: Padding::None,
        };
        let iv = [5; 16];
        let e = p.raw_cipher.encrypt(key, spec, &iv, b"", &[0; 16]);
        assert!(e.is_err(), "{mode:?}");
    }
}

fn ctx(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// Encrypts into an envelope the way the server does.
fn seal(
    key: &KeyMaterial,
    tenant: TenantId,
    env: Envelope,
    context: &BTreeMap<String, String>,
) -> Vec<u8> {
    let aad = envelope::data_aad(tenant, &env, context);
    let sealed = SOFTWARE.aead.encrypt(key, &aad, b"card number").unwrap();
    Envelope {
        nonce: sealed.nonce,
        ciphertext: sealed.ciphertext,
        ..env
    }
    .encode()
}

fn open(
    key: &KeyMaterial,
    tenant: TenantId,
    bytes: &[u8],
    context: &BTreeMap<String, String>,
) -> Result<Vec<u8>, CryptoError> {
    let env = Envelope::parse(bytes)?;
    let aad = envelope::data_aad(tenant, &env, context);
    SOFTWARE
        .aead
        .decrypt(key, &env.nonce, &aad, &env.ciphertext)
        .map(|p| p.expose().to_vec())
}

#[test]
fn an_envelope_moved_to_another_identity_or_context_does_not_decrypt() {
    for alg in [Algorithm::Aes256Gcm, Algorithm::ChaCha20Poly1305] {
        let key = SOFTWARE.keygen.generate(alg).unwrap();
        let tenant = TenantId::from_bytes([1; 16]);
        let context = ctx(&[("app", "billing"), ("table", "cards")]);
        let env = Envelope {
            key: KeyId::from_bytes([2; 16]),
            version: VersionNumber::new(4).unwrap(),
            algorithm: alg,
            nonce: Vec::new(),
            ciphertext: Vec::new(),
        };
        let bytes = seal(&key, tenant, env.clone(), &context);
        assert_eq!(
            open(&key, tenant, &bytes, &context).unwrap(),
            b"card number"
        );

        let mut moved_key = bytes.clone();
        moved_key[4] ^= 1;
        let mut moved_version = bytes.clone();
        moved_version[23] ^= 1;
        let attempts = [
            open(&key, TenantId::from_bytes([9; 16]), &bytes, &context),
            open(&key, tenant, &moved_key, &context),
            open(&key, tenant, &moved_version, &context),
            open(&key, tenant, &bytes, &ctx(&[("app", "billing")])),
            open(
                &key,
                tenant,
                &bytes,
                &ctx(&[("app", "billing"), ("table", "users")]),
            ),
            open(&key, tenant, &bytes, &BTreeMap::new()),
        ];
        for (i, a) in attempts.into_iter().enumerate() {
            assert!(
                matches!(a, Err(CryptoError::Decrypt)),
                "attempt {i} decrypted"
            );
        }
        let last = bytes.len() - 1;
        assert!(matches!(
            open(&key, tenant, &flip(&bytes, last), &context),
            Err(CryptoError::Decrypt)
        ));
        let e = open(&key, tenant, &bytes[..30], &context).unwrap_err();
        assert!(matches!(e, CryptoError::Envelope(_)));
    }
}
