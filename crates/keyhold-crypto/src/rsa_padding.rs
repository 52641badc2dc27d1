//! The paddings of RSA encryption a KMIP client may name (KMIP 1.4 section
//! 9.1.3.2.15 Padding Method, with Hashing Algorithm, Mask Generator
//! Hashing Algorithm and P Source for OAEP, section 3.6): RSAES-OAEP (RFC
//! 8017 section 7.1) with any of the hashes below for the label and for
//! MGF1 and any label, or RSAES-PKCS1-v1_5 (RFC 8017 section 7.2). The
//! same hashes serve RSASSA-PSS ([`crate::rsa_pss`]).

use std::fmt;

/// A hash RSA's paddings use: OAEP's label hash, MGF1's hash, PSS's
/// message hash (FIPS 180-4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RsaHash {
    /// SHA-1: allowed for OAEP and MGF1, where collisions do not matter,
    /// and to verify legacy signatures; never to sign (NIST SP 800-131A
    /// Rev. 2 section 9).
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl RsaHash {
    /// The digest's length in bytes (hLen in RFC 8017).
    pub const fn output_len(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }
}

/// RSAES-OAEP's parameters (RFC 8017 appendix A.2.1).
#[derive(Clone, PartialEq, Eq)]
pub struct Oaep {
    /// The label hash, which also sets how much OAEP holds.
    pub hash: RsaHash,
    /// MGF1's hash.
    pub mgf1_hash: RsaHash,
    /// The label L (KMIP's P Source), empty by default: bound to the
    /// ciphertext, not hidden by it.
    pub label: Vec<u8>,
}

impl Oaep {
    /// OAEP with MGF1 over the label hash and the empty label, the usual
    /// choice.
    pub const fn paired(hash: RsaHash) -> Self {
        Self {
            hash,
            mgf1_hash: hash,
            label: Vec::new(),
        }
    }
}

impl fmt::Debug for Oaep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Oaep")
            .field("hash", &self.hash)
            .field("mgf1_hash", &self.mgf1_hash)
            .field("label_len", &self.label.len())
            .finish()
    }
}

/// An RSA encryption padding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RsaPadding {
    /// RSAES-OAEP.
    Oaep(Oaep),
    /// RSAES-PKCS1-v1_5. Kept for KMIP interoperability: its decryption is
    /// the classic Bleichenbacher oracle when failures are observable.
    Pkcs1v15,
}
