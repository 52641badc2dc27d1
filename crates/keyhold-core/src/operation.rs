//! The operations a key can be asked to perform.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::algorithm::Algorithm;
use crate::error::CoreError;
use crate::usage::UsageMask;

/// A cryptographic operation on a managed key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyOperation {
    /// Encrypt data.
    Encrypt,
    /// Decrypt data.
    Decrypt,
    /// Make a new data key and return it wrapped (envelope encryption).
    GenerateDataKey,
    /// Sign a message or digest.
    Sign,
    /// Verify a signature.
    Verify,
    /// Compute a MAC.
    MacGenerate,
    /// Check a MAC.
    MacVerify,
    /// Wrap other key material.
    WrapKey,
    /// Unwrap other key material.
    UnwrapKey,
    /// KEM encapsulation (ML-KEM).
    Encapsulate,
    /// KEM decapsulation (ML-KEM).
    Decapsulate,
}

/// NIST SP 800-57 splits key use in two: applying protection (originator
/// usage) and processing already-protected data (recipient usage).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Encrypt, sign, wrap, MAC, make data keys: only the Active primary version.
    Protect,
    /// Decrypt, verify, unwrap, check a MAC: Active or Deactivated versions.
    Process,
}

impl KeyOperation {
    /// The usage bit a key needs for this operation.
    pub const fn required_usage(self) -> UsageMask {
        match self {
            Self::Encrypt | Self::GenerateDataKey | Self::Encapsulate => UsageMask::ENCRYPT,
            Self::Decrypt | Self::Decapsulate => UsageMask::DECRYPT,
            Self::Sign => UsageMask::SIGN,
            Self::Verify => UsageMask::VERIFY,
            Self::MacGenerate => UsageMask::MAC_GENERATE,
            Self::MacVerify => UsageMask::MAC_VERIFY,
            Self::WrapKey => UsageMask::WRAP_KEY,
            Self::UnwrapKey => UsageMask::UNWRAP_KEY,
        }
    }

    /// Protect or process.
    pub const fn direction(self) -> Direction {
        match self {
            Self::Encrypt
            | Self::GenerateDataKey
            | Self::Sign
            | Self::MacGenerate
            | Self::WrapKey
            | Self::Encapsulate => Direction::Protect,
            Self::Decrypt
            | Self::Verify
            | Self::MacVerify
            | Self::UnwrapKey
            | Self::Decapsulate => Direction::Process,
        }
    }

    /// Whether `algorithm` can perform this operation at all, whatever the
    /// key's usage. Triple-DES keys ([`Algorithm::Tdes168Raw`]) and legacy
    /// keys ([`Algorithm::is_legacy`]) perform none: they are kept for the
    /// clients that use them, or to be inventoried and retired.
    pub const fn supported_by(self, algorithm: Algorithm) -> bool {
        use Algorithm as A;
        match self {
            // Raw-cipher keys encrypt only over KMIP: REST's envelope refuses them.
            Self::Encrypt | Self::Decrypt => matches!(
                algorithm,
                A::Aes256Gcm
                    | A::Aes128Gcm
                    | A::Aes192Gcm
                    | A::ChaCha20Poly1305
                    | A::Aes128Raw
                    | A::Aes192Raw
                    | A::Aes256Raw
                    | A::ChaCha20Raw
                    | A::Rsa2048
                    | A::Rsa3072
                    | A::Rsa4096
            ),
            Self::GenerateDataKey => matches!(
                algorithm,
                A::Aes256Gcm | A::Aes128Gcm | A::Aes192Gcm | A::ChaCha20Poly1305
            ),
            Self::Sign | Self::Verify => matches!(
                algorithm,
                A::Rsa2048
                    | A::Rsa3072
                    | A::Rsa4096
                    | A::EcdsaP256
                    | A::EcdsaP384
                    | A::Ed25519
                    | A::MlDsa65
            ),
            // Raw-cipher keys MAC over KMIP only, with the HMAC their
            // Cryptographic Parameters (or the request) name; REST refuses.
            Self::MacGenerate | Self::MacVerify => matches!(
                algorithm,
                A::HmacSha256
                    | A::HmacSha384
                    | A::HmacSha512
                    | A::Aes128Raw
                    | A::Aes192Raw
                    | A::Aes256Raw
                    | A::ChaCha20Raw
            ),
            Self::WrapKey | Self::UnwrapKey => matches!(
                algorithm,
                A::Aes256KeyWrap
                    | A::Aes256Gcm
                    | A::Aes128Gcm
                    | A::Aes192Gcm
                    | A::ChaCha20Poly1305
                    | A::Rsa2048
                    | A::Rsa3072
                    | A::Rsa4096
            ),
            Self::Encapsulate | Self::Decapsulate => matches!(algorithm, A::MlKem768),
        }
    }

    /// Checks the algorithm can do this and the key's usage allows it. A
    /// legacy key says why it does nothing
    /// ([`CoreError::LegacyKeyNotUsed`]).
    pub fn check(self, algorithm: Algorithm, usage: UsageMask) -> Result<(), CoreError> {
        if algorithm.is_legacy() {
            return Err(CoreError::LegacyKeyNotUsed {
                algorithm,
                operation: self,
            });
        }
        if !self.supported_by(algorithm) {
            return Err(CoreError::OperationNotSupported {
                algorithm,
                operation: self,
            });
        }
        if !usage.contains(self.required_usage()) {
            return Err(CoreError::UsageNotPermitted { operation: self });
        }
        Ok(())
    }

    /// The operation's name on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Encrypt => "encrypt",
            Self::Decrypt => "decrypt",
            Self::GenerateDataKey => "generate-data-key",
            Self::Sign => "sign",
            Self::Verify => "verify",
            Self::MacGenerate => "mac",
            Self::MacVerify => "mac-verify",
            Self::WrapKey => "wrap-key",
            Self::UnwrapKey => "unwrap-key",
            Self::Encapsulate => "encapsulate",
            Self::Decapsulate => "decapsulate",
        }
    }
}

impl fmt::Display for KeyOperation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every operation.
    const ALL_OPS: [KeyOperation; 11] = [
        KeyOperation::Encrypt,
        KeyOperation::Decrypt,
        KeyOperation::GenerateDataKey,
        KeyOperation::Sign,
        KeyOperation::Verify,
        KeyOperation::MacGenerate,
        KeyOperation::MacVerify,
        KeyOperation::WrapKey,
        KeyOperation::UnwrapKey,
        KeyOperation::Encapsulate,
        KeyOperation::Decapsulate,
    ];

    #[test]
    fn every_supported_operation_has_a_possible_usage() {
        let ops = ALL_OPS;
        for a in Algorithm::ALL {
            for op in ops {
                assert!(
                    !(a.is_data() && op.supported_by(a)),
                    "a data object ({a}) performs no {op}"
                );
                if op.supported_by(a) {
                    assert!(
                        a.possible_usage().contains(op.required_usage()),
                        "{a} supports {op} but may never get its usage"
                    );
                }
            }
        }
    }

    #[test]
    fn triple_des_keys_perform_no_operation_whatever_their_usage() {
        let all = ALL_OPS;
        let usage = Algorithm::Tdes168Raw.possible_usage();
        for op in all {
            assert!(matches!(
                op.check(Algorithm::Tdes168Raw, usage),
                Err(CoreError::OperationNotSupported { .. })
            ));
        }
    }

    #[test]
    fn legacy_keys_perform_no_operation_and_say_why() {
        for algorithm in [Algorithm::Rsa1024Legacy, Algorithm::DsaLegacy] {
            let usage = algorithm.possible_usage();
            for op in ALL_OPS {
                assert!(!op.supported_by(algorithm), "{algorithm} {op}");
                let e = op.check(algorithm, usage).unwrap_err();
                assert_eq!(
                    e,
                    CoreError::LegacyKeyNotUsed {
                        algorithm,
                        operation: op
                    }
                );
                assert!(e.to_string().contains("SP 800-131A"), "{e}");
            }
        }
    }

    #[test]
    fn usage_and_algorithm_are_both_checked() {
        let enc_only = UsageMask::ENCRYPT;
        assert!(
            KeyOperation::Encrypt
                .check(Algorithm::Aes256Gcm, enc_only)
                .is_ok()
        );
        assert!(matches!(
            KeyOperation::Decrypt.check(Algorithm::Aes256Gcm, enc_only),
            Err(CoreError::UsageNotPermitted { .. })
        ));
        assert!(matches!(
            KeyOperation::Sign.check(Algorithm::Aes256Gcm, UsageMask::SIGN),
            Err(CoreError::OperationNotSupported { .. })
        ));
    }
}
