//! Schema-only types for the OpenAPI document (OpenAPI 3.1, JSON Schema
//! 2020-12).
//!
//! The wire types embed types of `keyhold-core` (algorithms, states, usage
//! names...) that cannot implement [`utoipa::ToSchema`] in this crate (the
//! orphan rule), and `keyhold-core` knows nothing of OpenAPI. Each enum here
//! lists the names the core type accepts on the wire and is named after it
//! (`#[schema(as = ...)]`); fields point at it with `#[schema(value_type =
//! ...)]`. Nothing is ever built from these types. Unit tests compare every
//! list with the core's own (`ALL`, serde), so the two cannot drift apart.

use serde::Serialize;
use utoipa::ToSchema;

/// A key algorithm (`keyhold_core::Algorithm`).
#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
#[schema(as = Algorithm)]
pub enum AlgorithmSchema {
    /// AES-256-GCM (symmetric encryption).
    #[serde(rename = "aes-256-gcm")]
    Aes256Gcm,
    /// AES-128-GCM (symmetric encryption).
    #[serde(rename = "aes-128-gcm")]
    Aes128Gcm,
    /// AES-192-GCM (symmetric encryption).
    #[serde(rename = "aes-192-gcm")]
    Aes192Gcm,
    /// AES-128 for KMIP's raw modes with client IVs; no REST encryption.
    #[serde(rename = "aes-128-raw")]
    Aes128Raw,
    /// AES-192 for KMIP's raw modes with client IVs; no REST encryption.
    #[serde(rename = "aes-192-raw")]
    Aes192Raw,
    /// AES-256 for KMIP's raw modes with client IVs; no REST encryption.
    #[serde(rename = "aes-256-raw")]
    Aes256Raw,
    /// ChaCha20 for KMIP's ChaCha20-Poly1305 with client nonces; no REST encryption.
    #[serde(rename = "chacha20-raw")]
    ChaCha20Raw,
    /// Three-key Triple-DES (KMIP DES3, 168 bits), kept and served over KMIP
    /// for the clients that use it; keyhold performs no operation with it.
    #[serde(rename = "tdes-168-raw")]
    Tdes168Raw,
    /// ChaCha20-Poly1305 (symmetric encryption).
    #[serde(rename = "chacha20-poly1305")]
    ChaCha20Poly1305,
    /// AES-256 key wrap with padding (RFC 5649).
    #[serde(rename = "aes-256-kwp")]
    Aes256KeyWrap,
    /// HMAC-SHA-256.
    #[serde(rename = "hmac-sha256")]
    HmacSha256,
    /// HMAC-SHA-384.
    #[serde(rename = "hmac-sha384")]
    HmacSha384,
    /// HMAC-SHA-512.
    #[serde(rename = "hmac-sha512")]
    HmacSha512,
    /// RSA, 2048-bit modulus.
    #[serde(rename = "rsa-2048")]
    Rsa2048,
    /// RSA, 3072-bit modulus.
    #[serde(rename = "rsa-3072")]
    Rsa3072,
    /// RSA, 4096-bit modulus.
    #[serde(rename = "rsa-4096")]
    Rsa4096,
    /// ECDSA on P-256.
    #[serde(rename = "ecdsa-p256")]
    EcdsaP256,
    /// ECDSA on P-384.
    #[serde(rename = "ecdsa-p384")]
    EcdsaP384,
    /// Ed25519.
    #[serde(rename = "ed25519")]
    Ed25519,
    /// RSA, 1024-bit modulus, registered over KMIP to be inventoried and
    /// retired: kept, never used (every REST cryptographic operation and
    /// create, import or rotate refuse it).
    #[serde(rename = "rsa-1024-legacy")]
    Rsa1024Legacy,
    /// DSA (any FIPS 186 size), registered over KMIP: kept, never used,
    /// like `rsa-1024-legacy`.
    #[serde(rename = "dsa-legacy")]
    DsaLegacy,
    /// ML-KEM-768 (FIPS 203).
    #[serde(rename = "ml-kem-768")]
    MlKem768,
    /// ML-DSA-65 (FIPS 204).
    #[serde(rename = "ml-dsa-65")]
    MlDsa65,
    /// A KMIP Secret Data object (a password, a seed), registered over
    /// KMIP; not a key: every REST cryptographic operation refuses it.
    #[serde(rename = "secret-data")]
    SecretData,
    /// A KMIP Opaque Object, registered over KMIP; not a key: every REST
    /// cryptographic operation refuses it.
    #[serde(rename = "opaque-data")]
    OpaqueData,
    /// A KMIP Certificate (X.509, DER), registered over KMIP; not a key:
    /// every REST cryptographic operation refuses it.
    #[serde(rename = "certificate")]
    Certificate,
}

/// A key version's lifecycle state (`keyhold_core::lifecycle::KeyState`).
#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
#[schema(as = KeyState)]
pub enum KeyStateSchema {
    /// Generated, not yet usable.
    PreActive,
    /// In service.
    Active,
    /// Temporarily out of service.
    Suspended,
    /// Processes only (decrypt, verify).
    Deactivated,
    /// Known or suspected compromised.
    Compromised,
    /// Material erased.
    Destroyed,
    /// Material erased, and known to have been compromised.
    DestroyedCompromised,
}

/// Why a key is revoked (`keyhold_core::lifecycle::RevocationReason`, KMIP
/// 2.1 section 11.29).
#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
#[schema(as = RevocationReason)]
pub enum RevocationReasonSchema {
    /// No reason given.
    Unspecified,
    /// The key itself is (suspected) compromised.
    KeyCompromise,
    /// The issuing CA is compromised.
    CaCompromise,
    /// The owner's affiliation changed.
    AffiliationChanged,
    /// Replaced by another key.
    Superseded,
    /// No longer needed.
    CessationOfOperation,
    /// The owner's privilege was withdrawn.
    PrivilegeWithdrawn,
}

/// One cryptographic usage (`keyhold_core::UsageMask` is a list of them; KMIP
/// 2.1 section 11.15).
#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
#[schema(as = Usage)]
pub enum UsageSchema {
    /// Sign.
    Sign,
    /// Verify a signature.
    Verify,
    /// Encrypt.
    Encrypt,
    /// Decrypt.
    Decrypt,
    /// Wrap a key.
    WrapKey,
    /// Unwrap a key.
    UnwrapKey,
    /// Compute a MAC.
    MacGenerate,
    /// Verify a MAC.
    MacVerify,
    /// Derive a key.
    DeriveKey,
}

/// Where a key's material lives (`keyhold_core::Protection`).
#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
#[schema(as = Protection)]
pub enum ProtectionSchema {
    /// Sealed in the store, used in keyhold's memory.
    Software,
    /// Held by an HSM.
    Hsm,
}

/// How a key's material came to be (`keyhold_core::Origin`).
#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
#[schema(as = Origin)]
pub enum OriginSchema {
    /// Generated by keyhold.
    Generated,
    /// Imported by a caller (BYOK).
    Imported,
    /// A public key imported alone (KMIP Register): no private key.
    ImportedPublic,
}

#[cfg(test)]
mod tests {
    use keyhold_core::lifecycle::{KeyState, RevocationReason};
    use keyhold_core::{Algorithm, Origin, Protection, UsageMask};
    use utoipa::PartialSchema;

    use super::*;

    /// The `enum` list of a schema.
    fn names<T: PartialSchema>() -> Vec<String> {
        let json = serde_json::to_value(T::schema()).unwrap();
        json["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    }

    /// How the core serializes each value.
    fn wire<T: serde::Serialize>(all: impl IntoIterator<Item = T>) -> Vec<String> {
        all.into_iter()
            .map(|v| {
                serde_json::to_value(v)
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    }

    #[test]
    fn algorithms_agree_with_core() {
        assert_eq!(names::<AlgorithmSchema>(), wire(Algorithm::ALL));
    }

    #[test]
    fn states_and_reasons_agree_with_core() {
        assert_eq!(names::<KeyStateSchema>(), wire(KeyState::ALL));
        assert_eq!(
            names::<RevocationReasonSchema>(),
            wire(RevocationReason::ALL)
        );
    }

    #[test]
    fn usages_agree_with_core() {
        // Every single bit the core accepts, in bit order.
        let core: Vec<String> = (0..32)
            .filter_map(|bit| UsageMask::from_bits(1 << bit).ok())
            .flat_map(|u| u.names().map(str::to_owned).collect::<Vec<_>>())
            .collect();
        assert_eq!(names::<UsageSchema>(), core);
    }

    #[test]
    fn protection_and_origin_agree_with_core() {
        // Exhaustive matches: a new core variant fails to compile here.
        let protection = |p: Protection| match p {
            Protection::Software | Protection::Hsm => p,
        };
        let origin = |o: Origin| match o {
            Origin::Generated | Origin::Imported | Origin::ImportedPublic => o,
        };
        assert_eq!(
            names::<ProtectionSchema>(),
            wire([Protection::Software, Protection::Hsm].map(protection))
        );
        assert_eq!(
            names::<OriginSchema>(),
            wire([Origin::Generated, Origin::Imported, Origin::ImportedPublic].map(origin))
        );
    }

    /// `(minimum, maximum)` of a property of `T`'s schema.
    fn range<T: PartialSchema>(property: &str, min: &str, max: &str) -> (u64, u64) {
        let json = serde_json::to_value(T::schema()).unwrap();
        let p = &json["properties"][property];
        (p[min].as_u64().unwrap(), p[max].as_u64().unwrap())
    }

    #[test]
    fn documented_ranges_are_the_enforced_ones() {
        use crate::crypto::{self, BatchEncryptRequest, GenerateDataKeyRequest, RandomRequest};
        use crate::lifecycle::{self, ScheduleDestroyRequest, UpdateKeyRequest};
        let (lo, hi) = ("minimum", "maximum");
        let random = u64::from(crypto::MAX_RANDOM_BYTES);
        assert_eq!(range::<RandomRequest>("bytes", lo, hi), (1, random));
        assert_eq!(
            range::<GenerateDataKeyRequest>("bytes", lo, hi),
            (
                u64::from(crypto::MIN_DATA_KEY_BYTES),
                u64::from(crypto::MAX_DATA_KEY_BYTES)
            )
        );
        let batch = crypto::MAX_BATCH_ITEMS as u64;
        assert_eq!(
            range::<BatchEncryptRequest>("items", "minItems", "maxItems"),
            (1, batch)
        );
        assert_eq!(
            range::<ScheduleDestroyRequest>("waiting_period_days", lo, hi),
            (
                u64::from(lifecycle::MIN_WAITING_PERIOD_DAYS),
                u64::from(lifecycle::MAX_WAITING_PERIOD_DAYS)
            )
        );
        assert_eq!(
            range::<UpdateKeyRequest>("rotation_period_secs", lo, hi),
            (
                lifecycle::MIN_ROTATION_PERIOD_SECS,
                lifecycle::MAX_ROTATION_PERIOD_SECS
            )
        );
    }
}
