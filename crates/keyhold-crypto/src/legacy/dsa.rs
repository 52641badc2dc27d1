//! DSA keys, kept and never used ([`keyhold_core::Algorithm::DsaLegacy`]).
//! The sizes are FIPS 186's (p of 512 to 1024 bits in steps of 64 with a
//! 160-bit q in FIPS 186-2; (1024, 160), (2048, 224), (2048, 256) and
//! (3072, 256) in FIPS 186-4 section 4.2), and the components are checked
//! as NIST SP 800-89 section 5.3.1 and FIPS 186-4 appendix A.2.2 check
//! them, without the primality tests: q divides p − 1, 1 < g < p and
//! g^q ≡ 1 mod p; a private key 0 < x < q, whose public key y = g^x mod p
//! is derived; a public key 1 < y < p − 1 with y^q ≡ 1 mod p.

use keyhold_core::Algorithm;

use super::dsa_der::{self, DssParms};
use super::error::LegacyKeyError;
use super::integers::{Int, ensure, magnitude_bits};
use crate::error::CryptoError;
use crate::key_import::{DsaPrivateComponents, DsaPublicComponents};
use crate::secret::SecretBytes;

/// Whether (p, q) of these sizes is a FIPS 186 DSA size.
fn fips186_size(p_bits: u32, q_bits: u32) -> bool {
    match (p_bits, q_bits) {
        (512..=1024, 160) => p_bits % 64 == 0,
        (2048, 224 | 256) | (3072, 256) => true,
        _ => false,
    }
}

/// Checked domain parameters.
struct Domain {
    p: Int,
    q: Int,
    g: Int,
}

impl Domain {
    fn new(params: &DssParms<'_>) -> Result<Self, LegacyKeyError> {
        let (p_bits, q_bits) = (
            magnitude_bits(params.p.as_bytes()),
            magnitude_bits(params.q.as_bytes()),
        );
        if !fips186_size(p_bits, q_bits) {
            return Err(LegacyKeyError::DsaSize { p_bits, q_bits });
        }
        let p = Int::from_be(params.p.as_bytes())?;
        let q = Int::from_be(params.q.as_bytes())?;
        let g = Int::from_be(params.g.as_bytes())?;
        ensure(p.is_odd(), "p is odd")?;
        let divides = p.minus_one().rem(&q).is_some_and(|r| r.is_zero());
        ensure(divides, "q divides p − 1")?;
        ensure(
            !g.minus_one().is_zero() && !g.is_zero() && g.lt(&p),
            "1 < g < p",
        )?;
        let order_q = g.pow_mod(&q, &p).is_some_and(|r| r.is_one());
        ensure(order_q, "g^q mod p = 1")?;
        Ok(Self { p, q, g })
    }

    /// y = g^x mod p, for 0 < x < q.
    fn public_of(&self, x: &[u8]) -> Result<Int, LegacyKeyError> {
        let x = Int::from_be(x)?;
        ensure(!x.is_zero() && x.lt(&self.q), "0 < x < q")?;
        self.g
            .pow_mod(&x, &self.p)
            .ok_or(LegacyKeyError::Inconsistent { rule: "p is odd" })
    }

    /// 1 < y < p − 1 and y^q ≡ 1 mod p.
    fn check_public(&self, y: &[u8]) -> Result<(), LegacyKeyError> {
        let y = Int::from_be(y)?;
        let above_one = !y.is_zero() && !y.is_one();
        ensure(above_one && y.lt(&self.p.minus_one()), "1 < y < p − 1")?;
        let order_q = y.pow_mod(&self.q, &self.p).is_some_and(|r| r.is_one());
        ensure(order_q, "y^q mod p = 1")
    }
}

fn legacy(reason: LegacyKeyError) -> CryptoError {
    CryptoError::LegacyKey {
        algorithm: Algorithm::DsaLegacy,
        reason,
    }
}

/// A DSA private key from its components, checked, as PKCS#8 material.
pub(super) fn import_private(c: &DsaPrivateComponents<'_>) -> Result<SecretBytes, CryptoError> {
    let params = DssParms::new(c.p, c.q, c.g).map_err(legacy)?;
    Domain::new(&params)
        .and_then(|d| d.public_of(c.x))
        .and_then(|_| dsa_der::pkcs8(&params, c.x))
        .map(|der| SecretBytes::copy_from(&der))
        .map_err(legacy)
}

/// A DSA private key in PKCS#8, checked, re-encoded.
pub(super) fn import_pkcs8(der: &[u8]) -> Result<SecretBytes, CryptoError> {
    let (params, x) = dsa_der::parse_pkcs8(der).map_err(legacy)?;
    import_private(&DsaPrivateComponents {
        p: params.p.as_bytes(),
        q: params.q.as_bytes(),
        g: params.g.as_bytes(),
        x: x.as_bytes(),
    })
}

/// A DSA public key from its components, checked, as SubjectPublicKeyInfo.
pub(super) fn import_public(c: &DsaPublicComponents<'_>) -> Result<Vec<u8>, CryptoError> {
    let params = DssParms::new(c.p, c.q, c.g).map_err(legacy)?;
    Domain::new(&params)
        .and_then(|d| d.check_public(c.y))
        .and_then(|()| dsa_der::spki(&params, c.y))
        .map_err(legacy)
}

/// A DSA public key in SubjectPublicKeyInfo, checked, re-encoded.
pub(super) fn import_spki(der: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let (params, y) = dsa_der::parse_spki(der).map_err(legacy)?;
    import_public(&DsaPublicComponents {
        p: params.p.as_bytes(),
        q: params.q.as_bytes(),
        g: params.g.as_bytes(),
        y: y.as_bytes(),
    })
}

/// Whether `der` is a PKCS#8 PrivateKeyInfo (`private`) or a
/// SubjectPublicKeyInfo whose AlgorithmIdentifier names id-dsa, whatever
/// else is wrong with it.
pub(super) fn names_dsa(der: &[u8], private: bool) -> bool {
    use der::Decode;
    match private {
        true => pkcs8::PrivateKeyInfoRef::from_der(der)
            .is_ok_and(|i| i.algorithm.oid == dsa_der::ID_DSA),
        false => spki::SubjectPublicKeyInfoRef::from_der(der)
            .is_ok_and(|i| i.algorithm.oid == dsa_der::ID_DSA),
    }
}

/// Checks material kept as PKCS#8.
pub(super) fn check_pkcs8(der: &[u8]) -> Result<(), LegacyKeyError> {
    let (params, x) = dsa_der::parse_pkcs8(der)?;
    Domain::new(&params)?.public_of(x.as_bytes()).map(drop)
}

/// The SubjectPublicKeyInfo of a key kept as PKCS#8: y derived from x.
pub(super) fn spki_of_pkcs8(der: &[u8]) -> Result<Vec<u8>, LegacyKeyError> {
    let (params, x) = dsa_der::parse_pkcs8(der)?;
    let y = Domain::new(&params)?.public_of(x.as_bytes())?;
    dsa_der::spki(&params, &y.to_be())
}

/// The bits of p of a DSA SubjectPublicKeyInfo.
pub(super) fn p_bits(spki: &[u8]) -> Result<u32, LegacyKeyError> {
    let (params, _) = dsa_der::parse_spki(spki)?;
    Ok(magnitude_bits(params.p.as_bytes()))
}

/// A DSA private key's components (KMIP's Transparent DSA Private Key,
/// KMIP 1.4 section 2.1.7.2), big-endian magnitudes.
pub struct DsaPrivateParts {
    /// The prime p.
    pub p: Vec<u8>,
    /// The prime q, the order of g.
    pub q: Vec<u8>,
    /// The generator g.
    pub g: Vec<u8>,
    /// The private key x.
    pub x: SecretBytes,
}

impl DsaPrivateParts {
    /// The bits of p: the key's size as KMIP reports it.
    pub fn p_bits(&self) -> u32 {
        magnitude_bits(&self.p)
    }
}

impl std::fmt::Debug for DsaPrivateParts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DsaPrivateParts(<redacted>)")
    }
}

/// A DSA public key's components (KMIP's Transparent DSA Public Key, KMIP
/// 1.4 section 2.1.7.3), big-endian magnitudes.
#[derive(Debug)]
pub struct DsaPublicParts {
    /// The prime p.
    pub p: Vec<u8>,
    /// The prime q.
    pub q: Vec<u8>,
    /// The generator g.
    pub g: Vec<u8>,
    /// The public key y.
    pub y: Vec<u8>,
}

/// The components of a DSA key kept as PKCS#8.
pub fn dsa_private_parts(pkcs8: &[u8]) -> Result<DsaPrivateParts, CryptoError> {
    let (params, x) = dsa_der::parse_pkcs8(pkcs8).map_err(legacy)?;
    Ok(DsaPrivateParts {
        p: params.p.as_bytes().to_vec(),
        q: params.q.as_bytes().to_vec(),
        g: params.g.as_bytes().to_vec(),
        x: SecretBytes::copy_from(x.as_bytes()),
    })
}

/// The components of a DSA SubjectPublicKeyInfo.
pub fn dsa_public_parts(spki: &[u8]) -> Result<DsaPublicParts, CryptoError> {
    let (params, y) = dsa_der::parse_spki(spki).map_err(legacy)?;
    Ok(DsaPublicParts {
        p: params.p.as_bytes().to_vec(),
        q: params.q.as_bytes().to_vec(),
        g: params.g.as_bytes().to_vec(),
        y: y.as_bytes().to_vec(),
    })
}
