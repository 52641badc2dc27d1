//! Legacy keys in and out: the KMIP profiles' keys, keys made with
//! OpenSSL, and bad input, each refused with the rule it breaks.

use keyhold_core::Algorithm;

use super::fixtures::{self as fx, bytes, one};
use super::{LegacyKeyError, dsa, rsa};
use crate::error::CryptoError;
use crate::key_export;
use crate::key_import::{
    DsaPrivateComponents, DsaPublicComponents, PrivateKeyInput, PublicKeyInput,
    RsaPrivateComponents, import_private, import_public,
};
use crate::material::KeyMaterial;
use crate::secret::SecretBytes;
use crate::software::SOFTWARE;

fn reason(e: CryptoError) -> LegacyKeyError {
    match e {
        CryptoError::LegacyKey { reason, .. } => reason,
        other => panic!("not a legacy key error: {other:?}"),
    }
}

fn inconsistent(rule: &'static str) -> LegacyKeyError {
    LegacyKeyError::Inconsistent { rule }
}

#[test]
fn a_1024_bit_rsa_key_is_kept_as_canonical_pkcs8_whatever_it_came_in() {
    let pkcs1 = bytes(fx::RSA1024_PKCS1);
    let pkcs8 = bytes(fx::RSA1024_PKCS8);
    let from_pkcs1 = import_private(&PrivateKeyInput::RsaPkcs1(&pkcs1)).unwrap();
    assert_eq!(from_pkcs1.algorithm(), Algorithm::Rsa1024Legacy);
    assert_eq!(from_pkcs1.secret().expose(), &pkcs8[..]);
    let from_pkcs8 = import_private(&PrivateKeyInput::Pkcs8(&pkcs8)).unwrap();
    assert_eq!(from_pkcs8.secret().expose(), &pkcs8[..]);
    let parts = key_export::rsa_private_parts(&pkcs8, Algorithm::Rsa1024Legacy).unwrap();
    let c = RsaPrivateComponents {
        modulus: parts.modulus.expose(),
        public_exponent: parts.public_exponent.expose(),
        private_exponent: parts.private_exponent.expose(),
        p: parts.p.expose(),
        q: parts.q.expose(),
        prime_exponent_p: parts.prime_exponent_p.expose(),
        prime_exponent_q: parts.prime_exponent_q.expose(),
        crt_coefficient: parts.crt_coefficient.expose(),
    };
    let from_parts = import_private(&PrivateKeyInput::RsaComponents(c)).unwrap();
    assert_eq!(from_parts.secret().expose(), &pkcs8[..]);
    let back = key_export::rsa_private_pkcs1(&pkcs8, Algorithm::Rsa1024Legacy).unwrap();
    assert_eq!(back.expose(), &pkcs1[..]);
}

#[test]
fn a_1024_bit_rsa_public_key_reads_in_every_format_and_gives_pkcs1_back() {
    let material = import_private(&PrivateKeyInput::Pkcs8(&bytes(fx::RSA1024_PKCS8))).unwrap();
    let spki = SOFTWARE.keygen.public_key(&material).unwrap().unwrap();
    let from_spki = import_public(&PublicKeyInput::Spki(&spki)).unwrap();
    assert_eq!(from_spki.algorithm(), Algorithm::Rsa1024Legacy);
    assert_eq!(from_spki.spki(), &spki[..]);
    let pkcs1 = super::rsa_public_pkcs1(&spki).unwrap();
    let from_pkcs1 = import_public(&PublicKeyInput::RsaPkcs1(&pkcs1)).unwrap();
    assert_eq!(from_pkcs1.spki(), &spki[..]);
    let (n, e) = key_export::rsa_public_parts(&spki, Algorithm::Rsa1024Legacy).unwrap();
    assert_eq!((n.len(), &e[..]), (128, &[1, 0, 1][..]));
    let components = PublicKeyInput::RsaComponents {
        modulus: &n,
        public_exponent: &e,
    };
    assert_eq!(import_public(&components).unwrap().spki(), &spki[..]);
}

#[test]
fn rsa_keys_of_other_sizes_are_not_legacy_keys() {
    // A 2048-bit key presented to the legacy reader is refused by size,
    // and is an ordinary key to import_private.
    let m = SOFTWARE.keygen.generate(Algorithm::Rsa2048).unwrap();
    let pkcs1 = key_export::rsa_private_pkcs1(m.secret().expose(), Algorithm::Rsa2048).unwrap();
    let e = rsa::import_pkcs1(pkcs1.expose()).unwrap_err();
    assert_eq!(e, LegacyKeyError::RsaModulusSize { bits: 2048 });
    let ordinary = import_private(&PrivateKeyInput::RsaPkcs1(pkcs1.expose())).unwrap();
    assert_eq!(ordinary.algorithm(), Algorithm::Rsa2048);
    // A 512-bit key is below what keyhold keeps.
    let small = bytes(fx::RSA512_PKCS1);
    let e = import_private(&PrivateKeyInput::RsaPkcs1(&small)).unwrap_err();
    assert_eq!(reason(e), LegacyKeyError::RsaModulusSize { bits: 512 });
}

#[test]
fn truncated_or_padded_rsa_der_is_malformed() {
    let pkcs1 = bytes(fx::RSA1024_PKCS1);
    let truncated = pkcs1.get(..pkcs1.len() - 1).unwrap();
    assert!(matches!(
        rsa::import_pkcs1(truncated),
        Err(LegacyKeyError::Malformed { .. })
    ));
    let mut padded = pkcs1.clone();
    padded.push(0);
    assert!(matches!(
        rsa::import_pkcs1(&padded),
        Err(LegacyKeyError::Malformed { .. })
    ));
    let pkcs8 = bytes(fx::RSA1024_PKCS8);
    let cut = pkcs8.get(..40).unwrap();
    assert!(matches!(
        rsa::check_pkcs8(cut),
        Err(LegacyKeyError::Malformed { .. })
    ));
}

#[test]
fn rsa_components_that_do_not_make_one_key_name_the_equation() {
    let pkcs8 = bytes(fx::RSA1024_PKCS8);
    let parts = key_export::rsa_private_parts(&pkcs8, Algorithm::Rsa1024Legacy).unwrap();
    let good = || RsaPrivateComponents {
        modulus: parts.modulus.expose(),
        public_exponent: parts.public_exponent.expose(),
        private_exponent: parts.private_exponent.expose(),
        p: parts.p.expose(),
        q: parts.q.expose(),
        prime_exponent_p: parts.prime_exponent_p.expose(),
        prime_exponent_q: parts.prime_exponent_q.expose(),
        crt_coefficient: parts.crt_coefficient.expose(),
    };
    let two = [2u8];
    let cases: [(RsaPrivateComponents<'_>, LegacyKeyError); 5] = [
        (
            RsaPrivateComponents {
                p: parts.q.expose(),
                ..good()
            },
            inconsistent("n = p·q"),
        ),
        (
            RsaPrivateComponents {
                public_exponent: &two,
                ..good()
            },
            inconsistent("e is odd and 3 ≤ e < n"),
        ),
        (
            RsaPrivateComponents {
                prime_exponent_p: parts.prime_exponent_q.expose(),
                ..good()
            },
            inconsistent("dP = d mod (p−1) and e·dP ≡ 1 mod (p−1)"),
        ),
        (
            RsaPrivateComponents {
                crt_coefficient: &two,
                ..good()
            },
            inconsistent("qInv·q ≡ 1 mod p"),
        ),
        (
            RsaPrivateComponents {
                private_exponent: &[],
                ..good()
            },
            inconsistent("0 < d < n"),
        ),
    ];
    for (c, expected) in cases {
        let e = import_private(&PrivateKeyInput::RsaComponents(c)).unwrap_err();
        assert_eq!(reason(e), expected);
    }
}

fn dsa512() -> [Vec<u8>; 5] {
    [
        fx::DSA512_P,
        fx::DSA512_Q,
        fx::DSA512_G,
        fx::DSA512_X,
        fx::DSA512_Y,
    ]
    .map(one)
}

#[test]
fn a_dsa_key_of_the_profiles_derives_their_public_key() {
    let [p, q, g, x, y] = dsa512();
    let c = DsaPrivateComponents {
        p: &p,
        q: &q,
        g: &g,
        x: &x,
    };
    let material = import_private(&PrivateKeyInput::DsaComponents(c)).unwrap();
    assert_eq!(material.algorithm(), Algorithm::DsaLegacy);
    let spki = SOFTWARE.keygen.public_key(&material).unwrap().unwrap();
    let public = super::dsa_public_parts(&spki).unwrap();
    assert_eq!(
        (public.p, public.q, public.g),
        (p.clone(), q.clone(), g.clone())
    );
    assert_eq!(public.y, y);
    assert_eq!(super::dsa_bits(&spki).unwrap(), 512);
    let private = super::dsa_private_parts(material.secret().expose()).unwrap();
    assert_eq!(private.x.expose(), &x[..]);
    assert!(!format!("{private:?}").contains('9'));
    let c = DsaPublicComponents {
        p: &p,
        q: &q,
        g: &g,
        y: &y,
    };
    let alone = import_public(&PublicKeyInput::DsaComponents(c)).unwrap();
    assert_eq!(
        (alone.algorithm(), alone.spki()),
        (Algorithm::DsaLegacy, &spki[..])
    );
}

#[test]
fn an_openssl_dsa_2048_key_round_trips_byte_for_byte() {
    let pkcs8 = bytes(fx::DSA2048_PKCS8);
    let spki = bytes(fx::DSA2048_SPKI);
    let material = import_private(&PrivateKeyInput::Pkcs8(&pkcs8)).unwrap();
    assert_eq!(material.secret().expose(), &pkcs8[..]);
    let derived = SOFTWARE.keygen.public_key(&material).unwrap().unwrap();
    assert_eq!(derived, spki);
    let public = import_public(&PublicKeyInput::Spki(&spki)).unwrap();
    assert_eq!(public.algorithm(), Algorithm::DsaLegacy);
    assert_eq!(super::dsa_bits(&spki).unwrap(), 2048);
}

#[test]
fn dsa_components_that_do_not_make_one_key_name_the_rule() {
    let [p, q, g, x, y] = dsa512();
    let one_byte = [1u8];
    let private = |p: &[u8], q: &[u8], g: &[u8], x: &[u8]| {
        let c = DsaPrivateComponents { p, q, g, x };
        reason(import_private(&PrivateKeyInput::DsaComponents(c)).unwrap_err())
    };
    assert_eq!(private(&p, &q, &one_byte, &x), inconsistent("1 < g < p"));
    assert_eq!(private(&p, &q, &[], &x), inconsistent("1 < g < p"));
    assert_eq!(private(&p, &q, &g, &[]), inconsistent("0 < x < q"));
    assert_eq!(private(&p, &q, &g, &q), inconsistent("0 < x < q"));
    assert_eq!(private(&p, &q, &p, &x), inconsistent("1 < g < p"));
    // g of another order: g² has order q too, g + 1 does not.
    let mut other_g = g.clone();
    *other_g.last_mut().unwrap() += 1;
    assert_eq!(private(&p, &q, &other_g, &x), inconsistent("g^q mod p = 1"));
    let q_224 = vec![0xc1; 28];
    assert_eq!(
        private(&p, &q_224, &g, &x),
        LegacyKeyError::DsaSize {
            p_bits: 512,
            q_bits: 224
        }
    );
    let mut y_wrong = y.clone();
    *y_wrong.last_mut().unwrap() ^= 2;
    let c = DsaPublicComponents {
        p: &p,
        q: &q,
        g: &g,
        y: &y_wrong,
    };
    let e = import_public(&PublicKeyInput::DsaComponents(c)).unwrap_err();
    assert_eq!(reason(e), inconsistent("y^q mod p = 1"));
}

/// A DER element: `tag`, a definite length, `content`.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(u8::try_from(len).unwrap());
    } else if len < 0x100 {
        out.extend([0x81, u8::try_from(len).unwrap()]);
    } else {
        out.extend([
            0x82,
            u8::try_from(len >> 8).unwrap(),
            u8::try_from(len & 0xff).unwrap(),
        ]);
    }
    out.extend_from_slice(content);
    out
}

fn integer(magnitude: &[u8]) -> Vec<u8> {
    let mut v = vec![0];
    v.extend_from_slice(magnitude);
    tlv(0x02, &v)
}

#[test]
fn dsa_der_missing_a_component_or_cut_short_is_malformed() {
    let [p, q, _, x, _] = dsa512();
    // Dss-Parms without g.
    let params = tlv(0x30, &[integer(&p), integer(&q)].concat());
    let oid = [0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01];
    let algorithm = tlv(0x30, &[&oid[..], &params].concat());
    let key = tlv(0x04, &integer(&x));
    let pkcs8 = tlv(0x30, &[&[0x02, 0x01, 0x00][..], &algorithm, &key].concat());
    assert!(dsa::names_dsa(&pkcs8, true));
    let e = import_private(&PrivateKeyInput::Pkcs8(&pkcs8)).unwrap_err();
    assert_eq!(
        reason(e),
        LegacyKeyError::Malformed {
            structure: "Dss-Parms"
        }
    );
    let openssl = bytes(fx::DSA2048_PKCS8);
    let cut = openssl.get(..openssl.len() - 3).unwrap();
    assert!(matches!(
        dsa::check_pkcs8(cut),
        Err(LegacyKeyError::Malformed { .. })
    ));
}

#[test]
fn legacy_material_is_checked_for_its_algorithm_and_never_generated() {
    let rsa = bytes(fx::RSA1024_PKCS8);
    KeyMaterial::from_parts(Algorithm::Rsa1024Legacy, SecretBytes::new(rsa.clone())).unwrap();
    let dsa = bytes(fx::DSA2048_PKCS8);
    for (alg, secret) in [(Algorithm::DsaLegacy, rsa), (Algorithm::Rsa1024Legacy, dsa)] {
        let e = KeyMaterial::from_parts(alg, SecretBytes::new(secret)).unwrap_err();
        assert!(matches!(e, CryptoError::InvalidKeyMaterial { algorithm } if algorithm == alg));
        assert!(matches!(
            SOFTWARE.keygen.generate(alg),
            Err(CryptoError::KeyGeneration { .. })
        ));
    }
    let c = DsaPrivateComponents {
        p: &[1],
        q: &[2],
        g: &[3],
        x: &[4],
    };
    assert!(format!("{:?}", PrivateKeyInput::DsaComponents(c)).contains("redacted"));
}

#[test]
fn the_crypto_provider_uses_no_legacy_key() {
    use crate::rsa_padding::{Oaep, RsaHash, RsaPadding};
    use crate::scheme::SignatureScheme as S;
    // Refused for the key, never tried with it: a bad signature or a
    // failed decryption would mean the legacy key was used.
    let refused = |what: &str, alg: Algorithm, r: Result<(), CryptoError>| {
        let err = r.expect_err(what);
        assert!(
            !matches!(err, CryptoError::BadSignature | CryptoError::Decrypt),
            "{alg} {what}: {err:?}"
        );
    };
    for alg in [Algorithm::Rsa1024Legacy, Algorithm::DsaLegacy] {
        let key = crate::test_support::material(alg);
        let spki = SOFTWARE.keygen.public_key(&key).unwrap().unwrap();
        for scheme in [S::RsaPssSha256, S::RsaPkcs1Sha256, S::EcdsaP256Sha256] {
            refused(
                "sign",
                alg,
                SOFTWARE.signatures.sign(&key, scheme, b"m").map(drop),
            );
            let verified = SOFTWARE
                .signatures
                .verify(alg, scheme, &spki, b"m", &[1; 128]);
            refused("verify", alg, verified.map(drop));
        }
        let paired = RsaPadding::Oaep(Oaep::paired(RsaHash::Sha256));
        // Another MGF1 hash takes the keyhold-awslc path.
        let mut other = Oaep::paired(RsaHash::Sha256);
        other.mgf1_hash = RsaHash::Sha384;
        for padding in [paired, RsaPadding::Oaep(other)] {
            let encrypted = SOFTWARE.asymmetric.encrypt_padded(&spki, &padding, b"m");
            refused("encrypt_padded", alg, encrypted.map(drop));
            let decrypted = SOFTWARE
                .asymmetric
                .decrypt_padded(&key, &padding, &[1; 128]);
            refused("decrypt_padded", alg, decrypted.map(drop));
        }
        refused(
            "encrypt",
            alg,
            SOFTWARE.asymmetric.encrypt(&spki, b"m").map(drop),
        );
        refused(
            "decrypt",
            alg,
            SOFTWARE.asymmetric.decrypt(&key, &[1; 128]).map(drop),
        );
        refused(
            "aead",
            alg,
            SOFTWARE.aead.encrypt(&key, b"", b"m").map(drop),
        );
    }
}
