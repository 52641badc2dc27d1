//! Raw cipher modes with a caller-chosen IV: the block-cipher modes of NIST
//! SP 800-38A (ECB, CBC, CTR), GCM (SP 800-38D) with a given IV and a
//! possibly truncated tag, and ChaCha20-Poly1305 (RFC 8439 section 2.8)
//! with a given nonce. They serve protocols whose clients drive the mode
//! themselves (KMIP Encrypt and Decrypt, KMIP 1.4 sections 4.29 and 4.30),
//! with keys of the raw-cipher algorithms only
//! ([`keyhold_core::Algorithm::is_raw_cipher`]), so that a client choosing
//! IVs can never touch a key that seals keyhold's own envelopes.
//!
//! Choosing IVs is the caller's responsibility: a GCM or CTR IV used twice
//! under one key gives away the XOR of the plaintexts (and, for GCM, the
//! authentication key). Every primitive is aws-lc-rs'.

/// The cipher mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CipherMode {
    /// Electronic Codebook (SP 800-38A section 6.1): no IV.
    Ecb,
    /// Cipher Block Chaining (SP 800-38A section 6.2): a 16-byte IV.
    Cbc,
    /// Counter mode (SP 800-38A section 6.5): the 16-byte IV is the first
    /// counter block, incremented as one 128-bit big-endian integer.
    Ctr,
    /// GCM (SP 800-38D) with a tag of `tag_len` bytes: a 96-bit IV (the
    /// one a server chooses), or any IV of 1 to 128 bytes a client gives.
    Gcm {
        /// The tag length in bytes: 12 to 16 (SP 800-38D section 5.2.1.2).
        tag_len: usize,
    },
    /// ChaCha20-Poly1305 (RFC 8439 section 2.8): a 96-bit nonce and a tag of
    /// `tag_len` bytes (16, or cut to 12 to 15 as a KMIP Tag Length asks).
    ChaCha20Poly1305 {
        /// The tag length in bytes: 12 to 16.
        tag_len: usize,
    },
    /// The ChaCha20 stream cipher alone, in its original form (D. J.
    /// Bernstein, "ChaCha, a variant of Salsa20", 2008): a 64-bit nonce, a
    /// 64-bit block counter from 0, no authentication. The KMIP profiles'
    /// ChaCha20 test cases use it.
    ChaCha20,
}

/// The shortest GCM tag accepted, in bytes (96 bits, SP 800-38D section
/// 5.2.1.2; the 32- and 64-bit tags of its appendix C are refused).
pub const GCM_MIN_TAG_LEN: usize = 12;
/// The full tag of GCM and ChaCha20-Poly1305, in bytes.
pub const FULL_TAG_LEN: usize = 16;
/// The AES block length, in bytes.
pub const AES_BLOCK_LEN: usize = 16;
/// The IV length of ChaCha20-Poly1305, and of GCM when keyhold chooses it.
pub const AEAD_IV_LEN: usize = 12;
/// The nonce length of the original ChaCha20 ([`CipherMode::ChaCha20`]).
pub const CHACHA20_NONCE_LEN: usize = 8;

impl CipherMode {
    /// The IV length the mode takes, in bytes (0 for ECB).
    pub const fn iv_len(self) -> usize {
        match self {
            Self::Ecb => 0,
            Self::Cbc | Self::Ctr => AES_BLOCK_LEN,
            Self::Gcm { .. } | Self::ChaCha20Poly1305 { .. } => AEAD_IV_LEN,
            Self::ChaCha20 => CHACHA20_NONCE_LEN,
        }
    }

    /// Whether the mode authenticates (and so has a tag and takes AAD).
    pub const fn is_aead(self) -> bool {
        matches!(self, Self::Gcm { .. } | Self::ChaCha20Poly1305 { .. })
    }

    /// The tag length of an authenticating mode, 0 for the others.
    pub const fn tag_len(self) -> usize {
        match self {
            Self::Gcm { tag_len } | Self::ChaCha20Poly1305 { tag_len } => tag_len,
            Self::Ecb | Self::Cbc | Self::Ctr | Self::ChaCha20 => 0,
        }
    }
}

/// Block padding, for ECB and CBC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Padding {
    /// No padding: the data must be whole blocks.
    None,
    /// PKCS#7 (RFC 5652 section 6.3; KMIP's "PKCS5" for 16-byte blocks).
    Pkcs7,
}

/// A mode with its padding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CipherSpec {
    /// The mode.
    pub mode: CipherMode,
    /// The padding (only ECB and CBC may pad).
    pub padding: Padding,
}

/// The output of a raw encryption.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawCiphertext {
    /// The ciphertext.
    pub ciphertext: Vec<u8>,
    /// The tag of an authenticating mode (as long as asked), else empty.
    pub tag: Vec<u8>,
}
