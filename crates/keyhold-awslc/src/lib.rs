//! The few AWS-LC calls keyhold needs that aws-lc-rs does not expose.
//!
//! What it does:
//! - [`oaep_encrypt`] and [`oaep_decrypt`]: RSAES-OAEP (RFC 8017 section
//!   7.1) whose MGF1 hash may differ from the label hash and whose label
//!   (KMIP's P Source) may be any bytes. aws-lc-rs offers only fixed
//!   pairs (SHA-256 with MGF1-SHA-256, ...).
//! - [`pss_sign`] and [`pss_verify`]: RSASSA-PSS (RFC 8017 section 8.1)
//!   with any MGF1 hash and salt length, and verification that reads the
//!   salt length from the signature (RFC 8017 section 9.1.2), over a
//!   message or its digest. aws-lc-rs pairs MGF1 with the message hash,
//!   fixes the salt length in a `'static` algorithm and cannot verify "any
//!   salt length".
//!
//! Keys come in as DER: a PKCS#8 private key or an X.509
//! SubjectPublicKeyInfo, RSA only (`rsaEncryption`, not `id-RSASSA-PSS`).
//! Every call parses its key, runs one AWS-LC `EVP_PKEY` operation and
//! frees what it made; nothing is cached or shared between threads.
//!
//! What it does not do: no policy. It signs with SHA-1 and accepts any
//! modulus size AWS-LC accepts; keyhold-crypto decides which hashes,
//! sizes and salt lengths keyhold allows. No other algorithm, no key
//! generation, no PKCS#1 v1.5 (aws-lc-rs serves those). It is the only
//! crate of the workspace with unsafe code, all of it in the private `ffi`
//! module, each block with the reason it is sound.
//!
//! Failures are one [`Error`]; a decryption that fails for any reason
//! (padding, label, hash, length, range) is the one [`Error::Decrypt`], so
//! a caller cannot become a padding oracle by telling failures apart.

mod error;
#[allow(unsafe_code)]
mod ffi;
mod hash;
mod oaep;
mod pss;
#[cfg(test)]
mod test_keys;

pub use error::Error;
pub use hash::Hash;
pub use oaep::{OaepParams, oaep_decrypt, oaep_encrypt};
pub use pss::{PssParams, SaltLength, Signed, pss_sign, pss_verify};
