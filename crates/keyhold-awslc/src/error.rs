//! What can go wrong. No variant holds key bytes, plaintext or the reason a
//! decryption or verification failed.

/// A failure of an RSA operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The key does not parse as an RSA key of the expected kind (PKCS#8
    /// private key, SubjectPublicKeyInfo public key), or has bytes after it.
    #[error("the key is not a valid RSA {kind} key")]
    InvalidKey {
        /// `private` or `public`.
        kind: &'static str,
    },
    /// An input the operation cannot take: a plaintext longer than OAEP
    /// holds under this key, a digest of the wrong length, a salt too long
    /// for the key.
    #[error("invalid {what}: {reason}")]
    InvalidInput {
        /// Which input.
        what: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Decryption failed. Deliberately says no more: wrong key, label,
    /// hash, padding or length are all this one error.
    #[error("decryption failed")]
    Decrypt,
    /// The signature does not verify.
    #[error("signature verification failed")]
    BadSignature,
    /// AWS-LC refused a call that should not fail (allocation, setting a
    /// parameter, signing); it gives no detail.
    #[error("AWS-LC failed in {call}")]
    Library {
        /// The C function that failed.
        call: &'static str,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_say_what_failed_and_no_more() {
        assert_eq!(Error::Decrypt.to_string(), "decryption failed");
        let e = Error::InvalidKey { kind: "private" };
        assert_eq!(e.to_string(), "the key is not a valid RSA private key");
        let e = Error::Library {
            call: "EVP_PKEY_sign",
        };
        assert_eq!(e.to_string(), "AWS-LC failed in EVP_PKEY_sign");
    }
}
