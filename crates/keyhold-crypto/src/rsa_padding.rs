//! The paddings of RSA encryption a KMIP client may name (KMIP 1.4 section
//! 9.1.3.2.15 Padding Method, with Hashing Algorithm and Mask Generator
//! Hashing Algorithm for OAEP): RSAES-OAEP (RFC 8017 section 7.1) with
//! MGF1 over the same hash as the label hash, empty label, or
//! RSAES-PKCS1-v1_5 (RFC 8017 section 7.2).

/// The hash of RSAES-OAEP, used both for the label and for MGF1 (aws-lc-rs
/// offers no other pairing).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OaepHash {
    /// SHA-1 (allowed for OAEP, where collisions do not matter).
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

/// An RSA encryption padding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RsaPadding {
    /// RSAES-OAEP with MGF1, both over this hash.
    Oaep(OaepHash),
    /// RSAES-PKCS1-v1_5. Kept for KMIP interoperability: its decryption is
    /// the classic Bleichenbacher oracle when failures are observable.
    Pkcs1v15,
}
