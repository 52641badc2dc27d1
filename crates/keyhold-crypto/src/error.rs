//! What can go wrong in keyhold-crypto. Variants name what failed, with the
//! algorithm or field involved, and never hold secret data: no key bytes, no
//! plaintext, and no detail on *why* an authentication check failed (that
//! would be an oracle).

use keyhold_core::{Algorithm, KeyOperation};

use crate::envelope::EnvelopeError;
use crate::scheme::SignatureScheme;

/// Which sealed layer of the key hierarchy failed to open.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SealLayer {
    /// A root key (of a later generation) sealed under the seal key.
    Root,
    /// The derivation seed of the audit and backup keys, sealed under the
    /// root key.
    DerivationSeed,
    /// A tenant key-encryption key sealed under the root key.
    Kek,
    /// A key version's material sealed under a tenant KEK.
    Material,
}

impl std::fmt::Display for SealLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Root => "root key",
            Self::DerivationSeed => "derivation seed",
            Self::Kek => "tenant key-encryption key",
            Self::Material => "key material",
        })
    }
}

/// A failure of a cryptographic operation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// The key's algorithm cannot perform this operation (an HMAC key asked
    /// to encrypt, say).
    #[error("{algorithm} keys cannot {operation}")]
    UnsupportedAlgorithm {
        /// The key's algorithm.
        algorithm: Algorithm,
        /// The operation asked for.
        operation: KeyOperation,
    },
    /// The signature scheme does not fit the key's algorithm.
    #[error("signature scheme {scheme} cannot be used with {algorithm} keys")]
    SchemeMismatch {
        /// The key's algorithm.
        algorithm: Algorithm,
        /// The scheme asked for.
        scheme: SignatureScheme,
    },
    /// The scheme signs only whole messages (pure Ed25519, pure ML-DSA): a
    /// pre-hashed digest cannot be signed or verified with it.
    #[error("signature scheme {scheme} signs whole messages only, not digests")]
    DigestNotSupported {
        /// The scheme asked for.
        scheme: SignatureScheme,
    },
    /// A pre-hashed digest whose length is not the scheme's hash length.
    #[error("a {scheme} digest is {expected} bytes, not {found}")]
    DigestLength {
        /// The scheme asked for.
        scheme: SignatureScheme,
        /// The hash's output length.
        expected: usize,
        /// The length given.
        found: usize,
    },
    /// Key material that does not parse as a key of this algorithm (wrong
    /// length, wrong encoding, wrong curve or modulus size).
    #[error("key material is not a valid {algorithm} key")]
    InvalidKeyMaterial {
        /// The algorithm the material was meant for.
        algorithm: Algorithm,
    },
    /// Key material of the right form that the algorithm's standard still
    /// forbids (a Triple-DES bundle whose three keys are not distinct).
    #[error("key material is not a usable {algorithm} key: {reason}")]
    WeakKey {
        /// The algorithm the material was meant for.
        algorithm: Algorithm,
        /// What the standard requires that the material does not meet.
        reason: &'static str,
    },
    /// A key offered as, or kept as, a legacy key
    /// ([`crate::legacy`]: RSA of 1024 bits, DSA) that is not one: the
    /// rule it breaks.
    #[error("not a valid {algorithm} key: {reason}")]
    LegacyKey {
        /// The legacy algorithm the key was read as.
        algorithm: Algorithm,
        /// What is wrong with it.
        reason: crate::legacy::LegacyKeyError,
    },
    /// A public key that is not a valid X.509 SubjectPublicKeyInfo for this
    /// algorithm (or, for ML-KEM-768, not a valid raw encapsulation key).
    #[error("public key is not a valid {algorithm} public key")]
    InvalidPublicKey {
        /// The algorithm the public key was meant for.
        algorithm: Algorithm,
    },
    /// The crypto library could not generate a key.
    #[error("{algorithm} key generation failed")]
    KeyGeneration {
        /// The algorithm asked for.
        algorithm: Algorithm,
    },
    /// Authenticated decryption failed: wrong key, wrong associated data or a
    /// modified ciphertext. Deliberately says no more.
    #[error("decryption failed")]
    Decrypt,
    /// The signature does not verify.
    #[error("signature verification failed")]
    BadSignature,
    /// The MAC does not verify.
    #[error("MAC verification failed")]
    BadMac,
    /// Key unwrapping failed: wrong key-encryption key or a modified blob.
    #[error("key unwrapping failed")]
    Unwrap,
    /// An input is malformed (a nonce of the wrong size, an empty key to
    /// wrap, a plaintext too long for RSA-OAEP...).
    #[error("invalid {what}: {reason}")]
    InvalidInput {
        /// Which input.
        what: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The ciphertext envelope is malformed.
    #[error("malformed ciphertext envelope")]
    Envelope(#[from] EnvelopeError),
    /// A sealed layer of the key hierarchy did not open: wrong key, wrong
    /// identity (tenant, key, version, algorithm) or a modified blob.
    #[error("sealed {layer} could not be opened")]
    Unseal {
        /// Which layer.
        layer: SealLayer,
    },
    /// The root key does not open the canary: the shares (or the dev key
    /// file) do not rebuild the root key this store was sealed with.
    #[error("the root key does not match this store's canary (wrong or corrupted shares)")]
    CanaryMismatch,
    /// A Shamir configuration or operation was refused.
    #[error("shamir secret sharing: {reason}")]
    Shamir {
        /// What was wrong.
        reason: &'static str,
    },
    /// A share's text does not parse (typo, truncation, wrong checksum).
    #[error("malformed unseal share: {reason}")]
    MalformedShare {
        /// What was wrong.
        reason: &'static str,
    },
    /// A share with this index was already given in this unseal attempt.
    #[error("this share was already given")]
    DuplicateShare,
    /// A TOTP code for a time step at or before the last one accepted.
    #[error("this one-time code was already used")]
    TotpReplay,
    /// Fewer shares than the threshold.
    #[error("not enough shares: have {have}, need {need}")]
    NotEnoughShares {
        /// Shares given so far.
        have: u8,
        /// Shares needed.
        need: u8,
    },
    /// The system random generator failed.
    #[error("the random number generator failed")]
    Random,
    /// The crypto library reported a failure that is not one of the above
    /// (it gives no detail either).
    #[error("{operation} with {algorithm} failed in the crypto library")]
    Library {
        /// The key's algorithm.
        algorithm: Algorithm,
        /// The operation that failed.
        operation: KeyOperation,
    },
    /// Key derivation (HKDF) failed.
    #[error("key derivation failed")]
    Derive,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_algorithm_and_operation() {
        let e = CryptoError::UnsupportedAlgorithm {
            algorithm: Algorithm::HmacSha256,
            operation: KeyOperation::Encrypt,
        };
        assert_eq!(e.to_string(), "hmac-sha256 keys cannot encrypt");
        let e = CryptoError::SchemeMismatch {
            algorithm: Algorithm::Ed25519,
            scheme: SignatureScheme::RsaPssSha256,
        };
        assert_eq!(
            e.to_string(),
            "signature scheme rsa-pss-sha256 cannot be used with ed25519 keys"
        );
        let e = CryptoError::Unseal {
            layer: SealLayer::Material,
        };
        assert_eq!(e.to_string(), "sealed key material could not be opened");
    }
}
