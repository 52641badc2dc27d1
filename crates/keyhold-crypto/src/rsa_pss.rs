//! RSASSA-PSS with the parameters a KMIP client names (KMIP 1.4 section
//! 3.6: Hashing Algorithm, Mask Generator Hashing Algorithm, Salt Length;
//! RFC 8017 section 8.1), beyond the fixed schemes of
//! [`crate::SignatureScheme`] (MGF1 over the message hash, a salt as long
//! as the hash).

use crate::rsa_padding::RsaHash;

/// RSASSA-PSS's parameters (RFC 8017 appendix A.2.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PssParams {
    /// The message hash. SHA-1 verifies legacy signatures, never signs.
    pub hash: RsaHash,
    /// MGF1's hash.
    pub mgf1_hash: RsaHash,
    /// The salt's length in bytes (sLen), at most emLen - hLen - 2 (RFC
    /// 8017 section 9.1.1). `None`: the hash's length when signing (FIPS
    /// 186-5 section 5.4 allows 0 to hLen); when verifying, any length,
    /// read from the signature (RFC 8017 section 9.1.2).
    pub salt_len: Option<u16>,
}

impl PssParams {
    /// MGF1 over the message hash and the default salt length.
    pub const fn paired(hash: RsaHash) -> Self {
        Self {
            hash,
            mgf1_hash: hash,
            salt_len: None,
        }
    }
}

/// What a signature covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signed<'a> {
    /// The whole message.
    Message(&'a [u8]),
    /// Its digest under the signature's hash.
    Digest(&'a [u8]),
}
