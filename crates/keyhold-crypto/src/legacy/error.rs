//! Why a legacy key was refused: each variant names the rule, with the
//! sizes involved; never a component's value.

/// What is wrong with a key offered as a legacy key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LegacyKeyError {
    /// The bytes are not that DER structure: truncated, with bytes after
    /// it, wrong tags, a non-canonical or negative INTEGER, a missing
    /// field.
    #[error("not a DER {structure}")]
    Malformed {
        /// The structure expected ("PKCS#1 RSAPrivateKey", ...).
        structure: &'static str,
    },
    /// The AlgorithmIdentifier names another algorithm.
    #[error("the key is not {expected}")]
    WrongAlgorithm {
        /// The algorithm expected ("RSA", "DSA").
        expected: &'static str,
    },
    /// An RSA key offered as legacy whose modulus is not 1024 bits (a
    /// larger key is a key keyhold uses, a smaller one is not kept).
    #[error("a legacy RSA key has a 1024-bit modulus, not one of {bits} bits")]
    RsaModulusSize {
        /// The modulus' size.
        bits: u32,
    },
    /// A multi-prime RSA key (RFC 8017 section 3.2, u > 2).
    #[error("multi-prime RSA keys are not kept")]
    RsaMultiPrime,
    /// DSA sizes that no FIPS 186 revision defines.
    #[error(
        "DSA with p of {p_bits} bits and q of {q_bits} bits is not a FIPS 186 size (p of 512 to 1024 bits in steps of 64 with q of 160, p of 2048 with q of 224 or 256, p of 3072 with q of 256)"
    )]
    DsaSize {
        /// The bits of p.
        p_bits: u32,
        /// The bits of q.
        q_bits: u32,
    },
    /// A component too large for any legacy key (over 3072 bits).
    #[error("a key component is over 3072 bits")]
    TooLarge,
    /// Components that do not make one key: the equation that fails.
    #[error("the components do not make one key: {rule} does not hold")]
    Inconsistent {
        /// The rule ("n = p·q", "g^q mod p = 1", ...).
        rule: &'static str,
    },
}
