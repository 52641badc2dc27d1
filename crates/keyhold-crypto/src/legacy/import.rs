//! Which of the keys a client sends are legacy keys, and their import: an
//! RSA key whose modulus is under 2048 bits (kept when it is 1024 bits,
//! refused with its size otherwise) and any DSA key. Every other key is
//! aws-lc-rs' to parse ([`crate::key_import`]).

use keyhold_core::Algorithm;

use super::error::LegacyKeyError;
use super::{dsa, rsa};
use crate::error::CryptoError;
use crate::key_import::{PrivateKeyInput, PublicKeyInfo, PublicKeyInput};
use crate::material::KeyMaterial;
use crate::secret::SecretBytes;

fn rsa_legacy(reason: LegacyKeyError) -> CryptoError {
    CryptoError::LegacyKey {
        algorithm: Algorithm::Rsa1024Legacy,
        reason,
    }
}

/// Whether `der` is a two-prime PKCS#1 RSAPrivateKey of a small modulus.
fn small_pkcs1(der: &[u8]) -> bool {
    rsa::parse_pkcs1(der).is_ok_and(|k| rsa::is_small(k.modulus.as_bytes()))
}

/// The legacy key `input` is, as key material; `None` when it is no
/// legacy key.
pub(crate) fn private(input: &PrivateKeyInput<'_>) -> Option<Result<KeyMaterial, CryptoError>> {
    let rsa_secret = |der: Result<zeroize::Zeroizing<Vec<u8>>, LegacyKeyError>| {
        let secret = der.map(|d| SecretBytes::copy_from(&d)).map_err(rsa_legacy);
        (Algorithm::Rsa1024Legacy, secret)
    };
    let (algorithm, secret) = match input {
        PrivateKeyInput::Pkcs8(der) if dsa::names_dsa(der, true) => {
            (Algorithm::DsaLegacy, dsa::import_pkcs8(der))
        }
        PrivateKeyInput::Pkcs8(der) => {
            let pkcs1 = rsa::pkcs8_inner(der).ok().filter(|p| small_pkcs1(p))?;
            rsa_secret(rsa::import_pkcs1(pkcs1))
        }
        PrivateKeyInput::RsaPkcs1(der) if small_pkcs1(der) => rsa_secret(rsa::import_pkcs1(der)),
        PrivateKeyInput::RsaComponents(c) if rsa::is_small(c.modulus) => {
            rsa_secret(rsa::import_components(c))
        }
        PrivateKeyInput::RsaPkcs1(_) | PrivateKeyInput::RsaComponents(_) => return None,
        PrivateKeyInput::DsaComponents(c) => (Algorithm::DsaLegacy, dsa::import_private(c)),
    };
    Some(secret.and_then(|s| KeyMaterial::from_parts(algorithm, s)))
}

/// The legacy public key `input` is, as a SubjectPublicKeyInfo; `None`
/// when it is no legacy key.
pub(crate) fn public(input: &PublicKeyInput<'_>) -> Option<Result<PublicKeyInfo, CryptoError>> {
    let small = |k: &pkcs1::RsaPublicKeyRef<'_>| rsa::is_small(k.modulus.as_bytes());
    let rsa_public = |k: pkcs1::RsaPublicKeyRef<'_>| {
        let spki = rsa::import_public(k.modulus.as_bytes(), k.public_exponent.as_bytes());
        (Algorithm::Rsa1024Legacy, spki.map_err(rsa_legacy))
    };
    let (algorithm, spki) = match input {
        PublicKeyInput::Spki(der) if dsa::names_dsa(der, false) => {
            (Algorithm::DsaLegacy, dsa::import_spki(der))
        }
        PublicKeyInput::Spki(der) => rsa_public(rsa::spki_inner(der).ok().filter(small)?),
        PublicKeyInput::RsaPkcs1(der) => {
            rsa_public(rsa::parse_public_pkcs1(der).ok().filter(small)?)
        }
        PublicKeyInput::RsaComponents {
            modulus,
            public_exponent,
        } if rsa::is_small(modulus) => {
            let spki = rsa::import_public(modulus, public_exponent);
            (Algorithm::Rsa1024Legacy, spki.map_err(rsa_legacy))
        }
        PublicKeyInput::RsaComponents { .. } => return None,
        PublicKeyInput::DsaComponents(c) => (Algorithm::DsaLegacy, dsa::import_public(c)),
    };
    Some(spki.map(|s| PublicKeyInfo::new(algorithm, s)))
}
