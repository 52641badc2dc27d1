//! Message digests for the KMIP Hash operation (KMIP 1.4 section 4.37,
//! KMIP 2.1 section 6.1.24): SHA-1 and SHA-2 (FIPS 180-4) from aws-lc-rs.
//! SHA-1 is offered for compatibility only: keyhold never signs with it.

use aws_lc_rs::digest;
use keyhold_core::crypto_params::HashAlgorithm;

/// The aws-lc-rs algorithm of `algorithm`.
fn of(algorithm: HashAlgorithm) -> &'static digest::Algorithm {
    match algorithm {
        HashAlgorithm::Sha1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
        HashAlgorithm::Sha224 => &digest::SHA224,
        HashAlgorithm::Sha256 => &digest::SHA256,
        HashAlgorithm::Sha384 => &digest::SHA384,
        HashAlgorithm::Sha512 => &digest::SHA512,
    }
}

/// The digest of `data` under `algorithm`.
pub fn digest(algorithm: HashAlgorithm, data: &[u8]) -> Vec<u8> {
    digest::digest(of(algorithm), data).as_ref().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// FIPS 180-4 examples (NIST CSRC): the digests of "abc".
    #[test]
    fn digests_of_abc_match_the_nist_examples() {
        let cases = [
            (
                HashAlgorithm::Sha1,
                "a9993e364706816aba3e25717850c26c9cd0d89d",
            ),
            (
                HashAlgorithm::Sha224,
                "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7",
            ),
            (
                HashAlgorithm::Sha256,
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            ),
            (
                HashAlgorithm::Sha384,
                "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed\
                 8086072ba1e7cc2358baeca134c825a7",
            ),
            (
                HashAlgorithm::Sha512,
                "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a\
                 2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
            ),
        ];
        for (algorithm, hex_digest) in cases {
            assert_eq!(
                hex::encode(digest(algorithm, b"abc")),
                hex_digest,
                "{algorithm:?}"
            );
        }
    }
}
