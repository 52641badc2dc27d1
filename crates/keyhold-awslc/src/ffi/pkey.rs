//! An owned `EVP_PKEY` parsed from DER.

use std::os::raw::c_int;
use std::ptr::NonNull;

use aws_lc_sys::{
    CBS, EVP_PKEY, EVP_PKEY_RSA, EVP_PKEY_bits, EVP_PKEY_free, EVP_PKEY_id, EVP_PKEY_size,
    EVP_parse_private_key, EVP_parse_public_key,
};

use super::clear_errors;
use crate::error::Error;

/// An RSA key AWS-LC parsed; freed on drop.
#[derive(Debug)]
pub(crate) struct Pkey(NonNull<EVP_PKEY>);

impl Drop for Pkey {
    fn drop(&mut self) {
        // SAFETY: `self.0` came from an EVP_parse_* call that transferred
        // its one reference to us; nothing else frees it.
        unsafe { EVP_PKEY_free(self.0.as_ptr()) };
    }
}

/// `EVP_parse_private_key` or `EVP_parse_public_key`.
type Parser = unsafe extern "C" fn(*mut CBS) -> *mut EVP_PKEY;

impl Pkey {
    /// A PKCS#8 PrivateKeyInfo (RFC 5208) of an RSA key.
    pub(crate) fn private_pkcs8(der: &[u8]) -> Result<Self, Error> {
        Self::parse(der, EVP_parse_private_key, "private")
    }

    /// An X.509 SubjectPublicKeyInfo (RFC 5280 section 4.1.2.7) of an RSA
    /// key.
    pub(crate) fn public_spki(der: &[u8]) -> Result<Self, Error> {
        Self::parse(der, EVP_parse_public_key, "public")
    }

    /// Parses `der` whole with `parser`; anything but one RSA key and no
    /// trailing bytes is [`Error::InvalidKey`].
    fn parse(der: &[u8], parser: Parser, kind: &'static str) -> Result<Self, Error> {
        let mut cbs = CBS {
            data: der.as_ptr(),
            len: der.len(),
        };
        // SAFETY: `cbs` describes `der`, which outlives the call; the parser
        // only reads through it, advances it, and returns a new EVP_PKEY
        // (one reference, ours) or null.
        let raw = unsafe { parser(&mut cbs) };
        let Some(key) = NonNull::new(raw).map(Self) else {
            clear_errors();
            return Err(Error::InvalidKey { kind });
        };
        if cbs.len != 0 || key.id() != EVP_PKEY_RSA {
            return Err(Error::InvalidKey { kind });
        }
        Ok(key)
    }

    fn id(&self) -> c_int {
        // SAFETY: `self.0` is a live EVP_PKEY; the call only reads it.
        unsafe { EVP_PKEY_id(self.0.as_ptr()) }
    }

    /// The modulus length in bytes (k in RFC 8017).
    pub(crate) fn size(&self) -> usize {
        // SAFETY: `self.0` is a live EVP_PKEY; the call only reads it.
        let size = unsafe { EVP_PKEY_size(self.0.as_ptr()) };
        usize::try_from(size).unwrap_or(0)
    }

    /// The modulus length in bits.
    pub(crate) fn bits(&self) -> usize {
        // SAFETY: `self.0` is a live EVP_PKEY; the call only reads it.
        let bits = unsafe { EVP_PKEY_bits(self.0.as_ptr()) };
        usize::try_from(bits).unwrap_or(0)
    }

    /// The raw pointer, for an `EVP_PKEY_CTX` to take its own reference.
    pub(super) fn as_ptr(&self) -> *mut EVP_PKEY {
        self.0.as_ptr()
    }
}
