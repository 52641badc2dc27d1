//! RSA keys with a 1024-bit modulus, kept and never used
//! ([`keyhold_core::Algorithm::Rsa1024Legacy`]). A private key is checked
//! against the equations of RFC 8017 section 3.2 (n = p·q, e·d ≡ 1 modulo
//! p−1 and q−1 through its CRT exponents, qInv·q ≡ 1 mod p), a public key
//! for its size and exponent; both are written back in canonical DER.
//!
//! ```text
//! RSAPublicKey  ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
//! RSAPrivateKey ::= SEQUENCE { version, n, e, d, p, q, dP, dQ, qInv, otherPrimeInfos OPTIONAL }
//! ```

use der::asn1::{BitStringRef, OctetStringRef, UintRef};
use der::{Decode, Encode};
use pkcs1::{RsaPrivateKeyRef, RsaPublicKeyRef};
use pkcs8::PrivateKeyInfoRef;
use spki::SubjectPublicKeyInfoRef;
use zeroize::Zeroizing;

use super::error::LegacyKeyError;
use super::integers::{Int, ensure, magnitude_bits};
use crate::key_import::RsaPrivateComponents;

/// The one modulus size kept.
const MODULUS_BITS: u32 = 1024;
/// Moduli from this size up are keys keyhold uses (aws-lc-rs parses them).
const USED_FROM_BITS: u32 = 2048;

const PKCS1: &str = "PKCS#1 RSAPrivateKey";
const PKCS1_PUBLIC: &str = "PKCS#1 RSAPublicKey";
const PKCS8: &str = "PKCS#8 PrivateKeyInfo";
const SPKI: &str = "SubjectPublicKeyInfo";

fn malformed(structure: &'static str) -> impl Fn(der::Error) -> LegacyKeyError {
    move |_| LegacyKeyError::Malformed { structure }
}

/// Whether a modulus is under the sizes keyhold uses: such a key is a
/// legacy key or nothing.
pub(super) fn is_small(modulus: &[u8]) -> bool {
    magnitude_bits(modulus) < USED_FROM_BITS
}

/// The PKCS#1 RSAPrivateKey `der`, two-prime.
pub(super) fn parse_pkcs1(der: &[u8]) -> Result<RsaPrivateKeyRef<'_>, LegacyKeyError> {
    let key = RsaPrivateKeyRef::from_der(der).map_err(malformed(PKCS1))?;
    if key.other_prime_infos.is_some() {
        return Err(LegacyKeyError::RsaMultiPrime);
    }
    Ok(key)
}

/// The components of a parsed private key.
fn components<'a>(key: &RsaPrivateKeyRef<'a>) -> RsaPrivateComponents<'a> {
    RsaPrivateComponents {
        modulus: key.modulus.as_bytes(),
        public_exponent: key.public_exponent.as_bytes(),
        private_exponent: key.private_exponent.as_bytes(),
        p: key.prime1.as_bytes(),
        q: key.prime2.as_bytes(),
        prime_exponent_p: key.exponent1.as_bytes(),
        prime_exponent_q: key.exponent2.as_bytes(),
        crt_coefficient: key.coefficient.as_bytes(),
    }
}

/// A 1024-bit odd modulus and an odd exponent 3 ≤ e < n.
fn check_public(n: &Int, e: &Int) -> Result<(), LegacyKeyError> {
    if n.bits() != MODULUS_BITS {
        return Err(LegacyKeyError::RsaModulusSize { bits: n.bits() });
    }
    ensure(n.is_odd(), "n is odd")?;
    let three = Int::from_be(&[3])?;
    ensure(
        e.is_odd() && !e.lt(&three) && e.lt(n),
        "e is odd and 3 ≤ e < n",
    )
}

/// The equations of RFC 8017 section 3.2 between the components.
fn check_private(c: &RsaPrivateComponents<'_>) -> Result<(), LegacyKeyError> {
    let n = Int::from_be(c.modulus)?;
    let e = Int::from_be(c.public_exponent)?;
    check_public(&n, &e)?;
    let [d, p, q, dp, dq, qinv] = [
        c.private_exponent,
        c.p,
        c.q,
        c.prime_exponent_p,
        c.prime_exponent_q,
        c.crt_coefficient,
    ]
    .map(Int::from_be);
    let (d, p, q) = (d?, p?, q?);
    ensure(p.times(&q) == n, "n = p·q")?;
    ensure(!d.is_zero() && d.lt(&n), "0 < d < n")?;
    check_crt_exponent(&d, &e, &p, &dp?, "dP = d mod (p−1) and e·dP ≡ 1 mod (p−1)")?;
    check_crt_exponent(&d, &e, &q, &dq?, "dQ = d mod (q−1) and e·dQ ≡ 1 mod (q−1)")?;
    let qinv = qinv?;
    let inverse = qinv.times(&q).rem(&p).is_some_and(|r| r.is_one());
    ensure(qinv.lt(&p) && inverse, "qInv·q ≡ 1 mod p")
}

/// `exp = d mod (prime − 1)` and `e·exp ≡ 1 mod (prime − 1)`.
fn check_crt_exponent(
    d: &Int,
    e: &Int,
    prime: &Int,
    exp: &Int,
    rule: &'static str,
) -> Result<(), LegacyKeyError> {
    let order = prime.minus_one();
    let reduced = d.rem(&order).is_some_and(|r| r == *exp);
    let inverse = e.times(exp).rem(&order).is_some_and(|r| r.is_one());
    ensure(reduced && inverse, rule)
}

/// The PKCS#8 PrivateKeyInfo (rsaEncryption, NULL parameters) of a
/// PKCS#1 RSAPrivateKey.
fn pkcs8_of(pkcs1: &[u8]) -> Result<Zeroizing<Vec<u8>>, LegacyKeyError> {
    let key = OctetStringRef::new(pkcs1).map_err(malformed(PKCS1))?;
    let info = PrivateKeyInfoRef::new(pkcs1::ALGORITHM_ID, key);
    info.to_der().map(Zeroizing::new).map_err(malformed(PKCS8))
}

/// A legacy RSA private key in PKCS#1 DER, checked, as PKCS#8.
pub(super) fn import_pkcs1(der: &[u8]) -> Result<Zeroizing<Vec<u8>>, LegacyKeyError> {
    let key = parse_pkcs1(der)?;
    check_private(&components(&key))?;
    let canonical = Zeroizing::new(key.to_der().map_err(malformed(PKCS1))?);
    pkcs8_of(&canonical)
}

/// A legacy RSA private key given as its components, checked, as PKCS#8.
pub(super) fn import_components(
    c: &RsaPrivateComponents<'_>,
) -> Result<Zeroizing<Vec<u8>>, LegacyKeyError> {
    check_private(c)?;
    let uint = |b| UintRef::new(b).map_err(malformed(PKCS1));
    let key = RsaPrivateKeyRef {
        modulus: uint(c.modulus)?,
        public_exponent: uint(c.public_exponent)?,
        private_exponent: uint(c.private_exponent)?,
        prime1: uint(c.p)?,
        prime2: uint(c.q)?,
        exponent1: uint(c.prime_exponent_p)?,
        exponent2: uint(c.prime_exponent_q)?,
        coefficient: uint(c.crt_coefficient)?,
        other_prime_infos: None,
    };
    pkcs8_of(&Zeroizing::new(key.to_der().map_err(malformed(PKCS1))?))
}

/// The PKCS#1 RSAPrivateKey inside an RSA PKCS#8 PrivateKeyInfo.
pub(super) fn pkcs8_inner(der: &[u8]) -> Result<&[u8], LegacyKeyError> {
    let info = PrivateKeyInfoRef::from_der(der).map_err(malformed(PKCS8))?;
    if info.algorithm.oid != pkcs1::ALGORITHM_OID {
        return Err(LegacyKeyError::WrongAlgorithm { expected: "RSA" });
    }
    Ok(info.private_key.as_bytes())
}

/// Checks material kept as PKCS#8.
pub(super) fn check_pkcs8(der: &[u8]) -> Result<(), LegacyKeyError> {
    check_private(&components(&parse_pkcs1(pkcs8_inner(der)?)?))
}

/// The SubjectPublicKeyInfo of a key kept as PKCS#8.
pub(super) fn spki_of_pkcs8(der: &[u8]) -> Result<Vec<u8>, LegacyKeyError> {
    let key = parse_pkcs1(pkcs8_inner(der)?)?;
    spki_of(key.public_key())
}

fn spki_of(key: RsaPublicKeyRef<'_>) -> Result<Vec<u8>, LegacyKeyError> {
    let pkcs1 = key.to_der().map_err(malformed(PKCS1_PUBLIC))?;
    let bits = BitStringRef::from_bytes(&pkcs1).map_err(malformed(SPKI))?;
    let info = SubjectPublicKeyInfoRef {
        algorithm: pkcs1::ALGORITHM_ID,
        subject_public_key: bits,
    };
    info.to_der().map_err(malformed(SPKI))
}

/// The RSAPublicKey inside an RSA SubjectPublicKeyInfo.
pub(super) fn spki_inner(der: &[u8]) -> Result<RsaPublicKeyRef<'_>, LegacyKeyError> {
    let info = SubjectPublicKeyInfoRef::from_der(der).map_err(malformed(SPKI))?;
    if info.algorithm.oid != pkcs1::ALGORITHM_OID {
        return Err(LegacyKeyError::WrongAlgorithm { expected: "RSA" });
    }
    let bits = info.subject_public_key.as_bytes();
    let bits = bits.ok_or(LegacyKeyError::Malformed { structure: SPKI })?;
    RsaPublicKeyRef::from_der(bits).map_err(malformed(PKCS1_PUBLIC))
}

/// The PKCS#1 RSAPublicKey `der`.
pub(super) fn parse_public_pkcs1(der: &[u8]) -> Result<RsaPublicKeyRef<'_>, LegacyKeyError> {
    RsaPublicKeyRef::from_der(der).map_err(malformed(PKCS1_PUBLIC))
}

/// A legacy RSA public key (n, e), checked, as SubjectPublicKeyInfo.
pub(super) fn import_public(n: &[u8], e: &[u8]) -> Result<Vec<u8>, LegacyKeyError> {
    check_public(&Int::from_be(n)?, &Int::from_be(e)?)?;
    let uint = |b| UintRef::new(b).map_err(malformed(PKCS1_PUBLIC));
    spki_of(RsaPublicKeyRef {
        modulus: uint(n)?,
        public_exponent: uint(e)?,
    })
}

/// The PKCS#1 RSAPublicKey DER of a legacy RSA SubjectPublicKeyInfo (for
/// a Get in PKCS#1 format; aws-lc-rs parses no key this small).
pub fn rsa_public_pkcs1(spki: &[u8]) -> Result<Vec<u8>, crate::CryptoError> {
    spki_inner(spki)
        .and_then(|key| key.to_der().map_err(malformed(PKCS1_PUBLIC)))
        .map_err(|reason| crate::CryptoError::LegacyKey {
            algorithm: keyhold_core::Algorithm::Rsa1024Legacy,
            reason,
        })
}
