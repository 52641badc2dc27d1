//! The algorithms keyhold manages keys for, and what each can be used for.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::CoreError;
use crate::usage::UsageMask;

/// A key algorithm (and size). The per-request scheme (RSA-PSS vs PKCS#1 v1.5,
/// say) is chosen by the operation, not stored with the key.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "&'static str")]
#[non_exhaustive]
pub enum Algorithm {
    /// AES-256 in GCM mode (the default).
    Aes256Gcm,
    /// AES-128 in GCM mode.
    Aes128Gcm,
    /// AES-192 in GCM mode.
    Aes192Gcm,
    /// An AES-128 key for the raw block-cipher modes KMIP clients drive
    /// (ECB, CBC, CTR, GCM with a client IV: KMIP 1.4 section 3.6). Never
    /// used for keyhold's own ciphertext envelopes.
    Aes128Raw,
    /// An AES-192 key for KMIP's raw block-cipher modes, like [`Self::Aes128Raw`].
    Aes192Raw,
    /// An AES-256 key for KMIP's raw block-cipher modes, like [`Self::Aes128Raw`].
    Aes256Raw,
    /// A 256-bit ChaCha20 key for ChaCha20-Poly1305 (RFC 8439) with a
    /// client-chosen nonce over KMIP. Never used for envelopes.
    ChaCha20Raw,
    /// A three-key Triple-DES (TDEA keying option 1, NIST SP 800-67 Rev. 2
    /// section 3.1) key: 24 bytes, three distinct 8-byte DES keys whose low
    /// bits are parity bits. Kept and served over KMIP (Cryptographic
    /// Algorithm DES3, length 168) for clients that still run TDEA, such as
    /// payment systems; keyhold itself never encrypts, decrypts, MACs or
    /// wraps with it (NIST SP 800-131A Rev. 2 disallows TDEA for applying
    /// protection after 2023), so it supports no operation.
    Tdes168Raw,
    /// ChaCha20-Poly1305 (RFC 8439).
    ChaCha20Poly1305,
    /// AES-256 key wrap with padding (RFC 5649).
    Aes256KeyWrap,
    /// HMAC with SHA-256.
    HmacSha256,
    /// HMAC with SHA-384.
    HmacSha384,
    /// HMAC with SHA-512.
    HmacSha512,
    /// RSA with a 2048-bit modulus.
    Rsa2048,
    /// RSA with a 3072-bit modulus.
    Rsa3072,
    /// RSA with a 4096-bit modulus.
    Rsa4096,
    /// ECDSA on NIST P-256.
    EcdsaP256,
    /// ECDSA on NIST P-384.
    EcdsaP384,
    /// Ed25519 (RFC 8032).
    Ed25519,
    /// An RSA key with a 1024-bit modulus, kept and never used: NIST SP
    /// 800-131A Rev. 2 disallows RSA under 2048 bits for generating
    /// signatures and for key transport, and aws-lc-rs refuses such keys.
    /// A KMIP client registers one so that an organisation can inventory
    /// and retire it (attributes, lifecycle, Get, Destroy); keyhold never
    /// generates one and performs no operation with it
    /// ([`Algorithm::is_legacy`]).
    Rsa1024Legacy,
    /// A DSA key (FIPS 186-4; any of its sizes and FIPS 186-2's, p of 512
    /// to 3072 bits), kept and never used: FIPS 186-5 no longer approves
    /// DSA for generating signatures. Registered over KMIP only, like
    /// [`Self::Rsa1024Legacy`]; its size is read from its domain
    /// parameters.
    DsaLegacy,
    /// ML-KEM-768 (FIPS 203).
    MlKem768,
    /// ML-DSA-65 (FIPS 204).
    MlDsa65,
    /// Not a key: a KMIP Secret Data object (a password, a seed; KMIP 1.4
    /// section 2.2.7, KMIP 2.1 section 2.7), registered by a client and
    /// given back to it, never used for cryptography by keyhold.
    SecretData,
    /// Not a key: a KMIP Opaque Object (KMIP 1.4 section 2.2.8, KMIP 2.1
    /// section 2.3), bytes keyhold keeps and gives back uninterpreted.
    OpaqueData,
    /// Not a key: a KMIP Certificate (KMIP 1.4 section 2.2.1, KMIP 2.1
    /// section 2.2), an X.509 certificate in DER that keyhold keeps, gives
    /// back as registered and reports attributes of; never used for
    /// cryptography by keyhold.
    Certificate,
}

/// Whether a key is one secret or a private/public pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyKind {
    /// One secret value.
    Symmetric,
    /// A private key with its public key.
    Asymmetric,
    /// Bytes that are not a key ([`Algorithm::SecretData`],
    /// [`Algorithm::OpaqueData`], [`Algorithm::Certificate`]): stored sealed like a key's material, they
    /// perform no cryptographic operation.
    Data,
}

impl Algorithm {
    /// Every algorithm, in a stable order.
    pub const ALL: [Self; 26] = [
        Self::Aes256Gcm,
        Self::Aes128Gcm,
        Self::Aes192Gcm,
        Self::Aes128Raw,
        Self::Aes192Raw,
        Self::Aes256Raw,
        Self::ChaCha20Raw,
        Self::Tdes168Raw,
        Self::ChaCha20Poly1305,
        Self::Aes256KeyWrap,
        Self::HmacSha256,
        Self::HmacSha384,
        Self::HmacSha512,
        Self::Rsa2048,
        Self::Rsa3072,
        Self::Rsa4096,
        Self::EcdsaP256,
        Self::EcdsaP384,
        Self::Ed25519,
        Self::Rsa1024Legacy,
        Self::DsaLegacy,
        Self::MlKem768,
        Self::MlDsa65,
        Self::SecretData,
        Self::OpaqueData,
        Self::Certificate,
    ];

    /// The name used on the wire and in the CLI.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Aes256Gcm => "aes-256-gcm",
            Self::Aes128Gcm => "aes-128-gcm",
            Self::Aes192Gcm => "aes-192-gcm",
            Self::Aes128Raw => "aes-128-raw",
            Self::Aes192Raw => "aes-192-raw",
            Self::Aes256Raw => "aes-256-raw",
            Self::ChaCha20Raw => "chacha20-raw",
            Self::Tdes168Raw => "tdes-168-raw",
            Self::ChaCha20Poly1305 => "chacha20-poly1305",
            Self::Aes256KeyWrap => "aes-256-kwp",
            Self::HmacSha256 => "hmac-sha256",
            Self::HmacSha384 => "hmac-sha384",
            Self::HmacSha512 => "hmac-sha512",
            Self::Rsa2048 => "rsa-2048",
            Self::Rsa3072 => "rsa-3072",
            Self::Rsa4096 => "rsa-4096",
            Self::EcdsaP256 => "ecdsa-p256",
            Self::EcdsaP384 => "ecdsa-p384",
            Self::Ed25519 => "ed25519",
            Self::Rsa1024Legacy => "rsa-1024-legacy",
            Self::DsaLegacy => "dsa-legacy",
            Self::MlKem768 => "ml-kem-768",
            Self::MlDsa65 => "ml-dsa-65",
            Self::SecretData => "secret-data",
            Self::OpaqueData => "opaque-data",
            Self::Certificate => "certificate",
        }
    }

    /// A stable one-byte code, written into ciphertext envelopes and bound
    /// into AAD. Never reuse or renumber a code.
    pub const fn code(self) -> u8 {
        match self {
            Self::Aes256Gcm => 1,
            Self::ChaCha20Poly1305 => 2,
            Self::Aes256KeyWrap => 3,
            Self::Aes128Gcm => 4,
            Self::Aes192Gcm => 5,
            Self::Aes128Raw => 6,
            Self::Aes192Raw => 7,
            Self::Aes256Raw => 8,
            Self::ChaCha20Raw => 9,
            Self::HmacSha256 => 10,
            Self::HmacSha384 => 11,
            Self::HmacSha512 => 12,
            Self::Tdes168Raw => 13,
            Self::Rsa2048 => 20,
            Self::Rsa3072 => 21,
            Self::Rsa4096 => 22,
            Self::Rsa1024Legacy => 23,
            Self::EcdsaP256 => 30,
            Self::EcdsaP384 => 31,
            Self::Ed25519 => 32,
            Self::DsaLegacy => 33,
            Self::MlKem768 => 40,
            Self::MlDsa65 => 41,
            Self::SecretData => 50,
            Self::OpaqueData => 51,
            Self::Certificate => 52,
        }
    }

    /// The algorithm with this code, if any.
    pub fn from_code(code: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.code() == code)
    }

    /// Symmetric or asymmetric.
    pub const fn kind(self) -> KeyKind {
        match self {
            Self::Aes256Gcm
            | Self::Aes128Gcm
            | Self::Aes192Gcm
            | Self::Aes128Raw
            | Self::Aes192Raw
            | Self::Aes256Raw
            | Self::ChaCha20Raw
            | Self::Tdes168Raw
            | Self::ChaCha20Poly1305
            | Self::Aes256KeyWrap
            | Self::HmacSha256
            | Self::HmacSha384
            | Self::HmacSha512 => KeyKind::Symmetric,
            Self::Rsa2048
            | Self::Rsa3072
            | Self::Rsa4096
            | Self::EcdsaP256
            | Self::EcdsaP384
            | Self::Ed25519
            | Self::Rsa1024Legacy
            | Self::DsaLegacy
            | Self::MlKem768
            | Self::MlDsa65 => KeyKind::Asymmetric,
            Self::SecretData | Self::OpaqueData | Self::Certificate => KeyKind::Data,
        }
    }

    /// Every usage a key of this algorithm may be given.
    pub const fn possible_usage(self) -> UsageMask {
        match self {
            Self::Aes256Gcm | Self::Aes128Gcm | Self::Aes192Gcm | Self::ChaCha20Poly1305 => {
                UsageMask::ENCRYPT
                    .union(UsageMask::DECRYPT)
                    .union(UsageMask::WRAP_KEY)
                    .union(UsageMask::UNWRAP_KEY)
            }
            // MAC with the HMAC their KMIP Cryptographic Parameters name.
            Self::Aes128Raw | Self::Aes192Raw | Self::Aes256Raw | Self::ChaCha20Raw => {
                UsageMask::ENCRYPT
                    .union(UsageMask::DECRYPT)
                    .union(UsageMask::MAC_GENERATE)
                    .union(UsageMask::MAC_VERIFY)
            }
            // What the client that holds the key does with it (encrypt, MAC,
            // wrap keys in a payment system): recorded, never done here
            // (`KeyOperation::supported_by`).
            Self::Tdes168Raw => UsageMask::ENCRYPT
                .union(UsageMask::DECRYPT)
                .union(UsageMask::MAC_GENERATE)
                .union(UsageMask::MAC_VERIFY)
                .union(UsageMask::WRAP_KEY)
                .union(UsageMask::UNWRAP_KEY),
            Self::Aes256KeyWrap => UsageMask::WRAP_KEY.union(UsageMask::UNWRAP_KEY),
            Self::HmacSha256 | Self::HmacSha384 | Self::HmacSha512 => {
                UsageMask::MAC_GENERATE.union(UsageMask::MAC_VERIFY)
            }
            // A legacy key's mask is the client's record of what it was
            // used for, as a Triple-DES key's: keyhold does none of it.
            Self::Rsa2048 | Self::Rsa3072 | Self::Rsa4096 | Self::Rsa1024Legacy => {
                UsageMask::ENCRYPT
                    .union(UsageMask::DECRYPT)
                    .union(UsageMask::SIGN)
                    .union(UsageMask::VERIFY)
                    .union(UsageMask::WRAP_KEY)
                    .union(UsageMask::UNWRAP_KEY)
            }
            Self::EcdsaP256 | Self::EcdsaP384 | Self::Ed25519 | Self::MlDsa65 | Self::DsaLegacy => {
                UsageMask::SIGN.union(UsageMask::VERIFY)
            }
            Self::MlKem768 => UsageMask::ENCRYPT.union(UsageMask::DECRYPT),
            // A data object's usage mask is the client's record of what the
            // bytes are for (KMIP lets Register set one); keyhold performs
            // none of those uses with it (`KeyOperation::supported_by`).
            Self::SecretData | Self::OpaqueData | Self::Certificate => UsageMask::ALL,
        }
    }

    /// The usage a key gets when its creator names none.
    pub const fn default_usage(self) -> UsageMask {
        match self {
            Self::Aes256Gcm
            | Self::Aes128Gcm
            | Self::Aes192Gcm
            | Self::ChaCha20Poly1305
            | Self::Tdes168Raw
            | Self::MlKem768 => UsageMask::ENCRYPT.union(UsageMask::DECRYPT),
            Self::Rsa2048 | Self::Rsa3072 | Self::Rsa4096 | Self::Rsa1024Legacy => {
                UsageMask::SIGN.union(UsageMask::VERIFY)
            }
            Self::SecretData | Self::OpaqueData | Self::Certificate => UsageMask::EMPTY,
            other => other.possible_usage(),
        }
    }

    /// Whether keys of this algorithm serve KMIP's raw cipher modes with
    /// client-chosen IVs (and so never keyhold's envelopes, whose nonces
    /// the server must choose alone).
    pub const fn is_raw_cipher(self) -> bool {
        matches!(
            self,
            Self::Aes128Raw | Self::Aes192Raw | Self::Aes256Raw | Self::ChaCha20Raw
        )
    }

    /// Whether keys of this algorithm keep 128 bits of security against an
    /// attacker with a large quantum computer (what a KMIP Quantum Safe
    /// attribute of true asks, KMIP 2.1 section 4.45): 256-bit symmetric
    /// keys (Grover's search halves a key's bits of security) and the
    /// NIST post-quantum schemes (FIPS 203, FIPS 204); never RSA or
    /// elliptic curves, which Shor's algorithm breaks, nor 128- or 192-bit
    /// keys, nor Triple-DES. A data object is not a key: never.
    pub const fn is_quantum_safe(self) -> bool {
        match self {
            Self::Aes256Gcm
            | Self::Aes256Raw
            | Self::ChaCha20Raw
            | Self::ChaCha20Poly1305
            | Self::Aes256KeyWrap
            | Self::HmacSha256
            | Self::HmacSha384
            | Self::HmacSha512
            | Self::MlKem768
            | Self::MlDsa65 => true,
            Self::Aes128Gcm
            | Self::Aes192Gcm
            | Self::Aes128Raw
            | Self::Aes192Raw
            | Self::Tdes168Raw
            | Self::Rsa2048
            | Self::Rsa3072
            | Self::Rsa4096
            | Self::EcdsaP256
            | Self::EcdsaP384
            | Self::Ed25519
            | Self::Rsa1024Legacy
            | Self::DsaLegacy
            | Self::SecretData
            | Self::OpaqueData
            | Self::Certificate => false,
        }
    }

    /// Whether keys of this algorithm are legacy keys, kept and never
    /// used ([`Self::Rsa1024Legacy`], [`Self::DsaLegacy`]): registered
    /// over KMIP only, never generated, imported over REST or rotated, and
    /// refused for every cryptographic operation
    /// ([`crate::KeyOperation::check`]).
    pub const fn is_legacy(self) -> bool {
        matches!(self, Self::Rsa1024Legacy | Self::DsaLegacy)
    }

    /// Whether this is a data object's algorithm ([`KeyKind::Data`]).
    pub const fn is_data(self) -> bool {
        matches!(self.kind(), KeyKind::Data)
    }

    /// Checks that `usage` is possible for this algorithm and, for a key,
    /// non-empty (a data object may have no usage: it is used for nothing).
    pub fn check_usage(self, usage: UsageMask) -> Result<(), CoreError> {
        let empty_refused = usage.is_empty() && !self.is_data();
        if empty_refused || !self.possible_usage().contains(usage) {
            return Err(CoreError::UsageNotSupported {
                algorithm: self,
                requested: usage,
            });
        }
        Ok(())
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Algorithm {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or(CoreError::UnknownAlgorithm)
    }
}

impl TryFrom<String> for Algorithm {
    type Error = CoreError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Algorithm> for &'static str {
    fn from(a: Algorithm) -> Self {
        a.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_codes_are_unique_and_round_trip() {
        for a in Algorithm::ALL {
            assert_eq!(a.as_str().parse::<Algorithm>().unwrap(), a);
            assert_eq!(Algorithm::from_code(a.code()), Some(a));
            let n = Algorithm::ALL
                .iter()
                .filter(|b| b.code() == a.code())
                .count();
            assert_eq!(n, 1, "{a} code reused");
        }
        assert!("aes-128-ecb".parse::<Algorithm>().is_err());
        assert_eq!(Algorithm::from_code(0), None);
    }

    #[test]
    fn default_usage_is_always_possible() {
        for a in Algorithm::ALL {
            a.check_usage(a.default_usage()).unwrap();
        }
    }

    #[test]
    fn impossible_usage_is_refused() {
        assert!(
            Algorithm::HmacSha256
                .check_usage(UsageMask::ENCRYPT)
                .is_err()
        );
        assert!(Algorithm::Ed25519.check_usage(UsageMask::DECRYPT).is_err());
        assert!(Algorithm::Aes256Gcm.check_usage(UsageMask::EMPTY).is_err());
    }

    #[test]
    fn data_objects_are_data_and_take_any_recorded_usage() {
        for a in [
            Algorithm::SecretData,
            Algorithm::OpaqueData,
            Algorithm::Certificate,
        ] {
            assert_eq!(a.kind(), KeyKind::Data);
            assert!(a.is_data());
            a.check_usage(UsageMask::EMPTY).unwrap();
            a.check_usage(UsageMask::ENCRYPT).unwrap();
        }
        assert!(!Algorithm::Aes256Raw.is_data());
    }

    #[test]
    fn legacy_keys_are_key_pairs_that_record_any_use_of_their_kind() {
        for a in [Algorithm::Rsa1024Legacy, Algorithm::DsaLegacy] {
            assert!(a.is_legacy());
            assert_eq!(a.kind(), KeyKind::Asymmetric);
            assert!(!a.is_quantum_safe());
            a.check_usage(UsageMask::SIGN).unwrap();
        }
        Algorithm::Rsa1024Legacy
            .check_usage(UsageMask::WRAP_KEY)
            .unwrap();
        assert!(
            Algorithm::DsaLegacy
                .check_usage(UsageMask::ENCRYPT)
                .is_err()
        );
        let legacy = Algorithm::ALL.iter().filter(|a| a.is_legacy()).count();
        assert_eq!(legacy, 2);
    }
}
