//! Secure key transfer: `POST /v1/keys/import-token`, `POST /v1/keys/import`
//! and `POST /v1/keys/{key}/export`.
//!
//! Key material crosses the API only wrapped to a public key, never in the
//! clear. The wrapping schemes are those of `keyhold_crypto::transfer`:
//!
//! ```text
//! rsa-oaep-sha256+aes-kwp   RSA-OAEP-SHA-256(k) ‖ AES-KWP(k, material)       (AWS KMS RSA_AES_KEY_WRAP_SHA_256)
//! ml-kem-768+aes-kwp        ML-KEM-768 ciphertext ‖ AES-KWP(HKDF(ss), material)
//! ```
//!
//! where `k` is a fresh 256-bit AES key and AES-KWP is RFC 5649. The
//! material is raw bytes for symmetric keys and PKCS#8 DER for asymmetric
//! ones (the FIPS 203 `dk` for ML-KEM-768).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use keyhold_core::{Algorithm, KeyId, KeyName, Timestamp, UsageMask, VersionNumber};
use serde::{Deserialize, Serialize};

use crate::b64::Base64;

/// How key material is wrapped to a public key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum WrappingAlgorithm {
    /// An ephemeral AES-256 key, encrypted with RSA-OAEP (SHA-256,
    /// MGF1-SHA-256, empty label; RFC 8017 section 7.1), wraps the material
    /// with AES-KWP (RFC 5649). The RSA part comes first and is exactly the
    /// modulus length.
    #[serde(rename = "rsa-oaep-sha256+aes-kwp")]
    RsaOaepSha256AesKwp,
    /// An ML-KEM-768 (FIPS 203) ciphertext of 1088 bytes, then the material
    /// wrapped with AES-KWP under HKDF-SHA256 of the shared secret.
    #[serde(rename = "ml-kem-768+aes-kwp")]
    MlKem768AesKwp,
}

impl WrappingAlgorithm {
    /// The name on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::RsaOaepSha256AesKwp => "rsa-oaep-sha256+aes-kwp",
            Self::MlKem768AesKwp => "ml-kem-768+aes-kwp",
        }
    }
}

impl fmt::Display for WrappingAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for WrappingAlgorithm {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Self::RsaOaepSha256AesKwp, Self::MlKem768AesKwp]
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or(UnknownName)
    }
}

/// The kind of key pair the server makes for an import token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum WrappingKeySpec {
    /// RSA with a 3072-bit modulus (the default).
    #[serde(rename = "rsa-3072")]
    Rsa3072,
    /// RSA with a 4096-bit modulus.
    #[serde(rename = "rsa-4096")]
    Rsa4096,
    /// ML-KEM-768.
    #[serde(rename = "ml-kem-768")]
    MlKem768,
}

impl WrappingKeySpec {
    /// The name on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Rsa3072 => "rsa-3072",
            Self::Rsa4096 => "rsa-4096",
            Self::MlKem768 => "ml-kem-768",
        }
    }

    /// The wrapping algorithm a key pair of this kind receives with.
    pub const fn algorithm(self) -> WrappingAlgorithm {
        match self {
            Self::Rsa3072 | Self::Rsa4096 => WrappingAlgorithm::RsaOaepSha256AesKwp,
            Self::MlKem768 => WrappingAlgorithm::MlKem768AesKwp,
        }
    }
}

impl fmt::Display for WrappingKeySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for WrappingKeySpec {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Self::Rsa3072, Self::Rsa4096, Self::MlKem768]
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or(UnknownName)
    }
}

/// A name that is not one of the enum's wire names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnknownName;

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unknown name")
    }
}

impl std::error::Error for UnknownName {}

/// The opaque identifier of an import token (a random UUID).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(transparent)]
pub struct ImportTokenId(pub uuid::Uuid);

impl fmt::Display for ImportTokenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl FromStr for ImportTokenId {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        uuid::Uuid::parse_str(s).map(Self).map_err(|_| UnknownName)
    }
}

/// `POST /v1/keys/import-token`. Both fields are optional (an empty body or
/// `{}` gets an RSA-3072 key pair). Given alone, `algorithm` picks its
/// default key pair (`rsa-3072` or `ml-kem-768`); given both, they must fit
/// together.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportTokenRequest {
    /// The wrapping algorithm the caller will use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<WrappingAlgorithm>,
    /// The kind of key pair to make.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wrapping_key_spec: Option<WrappingKeySpec>,
}

/// The answer to import-token: a public key to wrap material to, valid
/// until `expires_at`, for one successful import.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportTokenResponse {
    /// Give this back with the wrapped material.
    pub import_token: ImportTokenId,
    /// The public key: X.509 SubjectPublicKeyInfo DER (RFC 5280 section
    /// 4.1.2.7) for RSA, the raw 1184-byte encapsulation key for ML-KEM-768.
    pub public_key: Base64,
    /// How to wrap material to it.
    pub algorithm: WrappingAlgorithm,
    /// The kind of key pair.
    pub wrapping_key_spec: WrappingKeySpec,
    /// When the token stops being accepted.
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: Timestamp,
}

/// `POST /v1/keys/import`: creates a key whose first version holds the
/// caller's material.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportKeyRequest {
    /// Unique name within the tenant.
    #[schema(value_type = String, min_length = 1, max_length = 128, pattern = "^[A-Za-z0-9][A-Za-z0-9._/-]*$", example = "payments/db")]
    pub name: KeyName,
    /// The material's algorithm (required: it says how to read the material).
    #[schema(value_type = crate::schema::AlgorithmSchema)]
    pub algorithm: Algorithm,
    /// Usage; the algorithm's default when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<crate::schema::UsageSchema>>)]
    pub usage: Option<UsageMask>,
    /// Free text.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Labels.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// Whether it may be exported (wrapped) later. Fixed at import.
    #[serde(default)]
    pub exportable: bool,
    /// The token whose public key wrapped the material.
    pub import_token: ImportTokenId,
    /// The material wrapped with the token's algorithm, base64.
    pub wrapped_material: Base64,
}

/// `POST /v1/keys/{key}/export`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportKeyRequest {
    /// The recipient's public key: SubjectPublicKeyInfo DER of an RSA key of
    /// 2048, 3072 or 4096 bits, or a raw ML-KEM-768 encapsulation key.
    pub wrapping_key: Base64,
    /// How to wrap to it.
    pub wrapping_algorithm: WrappingAlgorithm,
    /// Which version; the primary version when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<u32>, minimum = 1)]
    pub version: Option<VersionNumber>,
}

/// The answer to export.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportKeyResponse {
    /// The material wrapped to the caller's key, base64.
    pub wrapped_material: Base64,
    /// The key exported.
    #[schema(value_type = String, format = Uuid)]
    pub key_id: KeyId,
    /// The version exported.
    #[schema(value_type = u32, minimum = 1)]
    pub version: VersionNumber,
    /// The material's algorithm (how to read it once unwrapped).
    #[schema(value_type = crate::schema::AlgorithmSchema)]
    pub algorithm: Algorithm,
    /// How it was wrapped.
    pub wrapping_algorithm: WrappingAlgorithm,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_names_round_trip_on_the_wire_and_as_text() {
        for a in [
            WrappingAlgorithm::RsaOaepSha256AesKwp,
            WrappingAlgorithm::MlKem768AesKwp,
        ] {
            let json = serde_json::to_string(&a).unwrap();
            assert_eq!(json, format!("\"{a}\""));
            assert_eq!(a.as_str().parse::<WrappingAlgorithm>().unwrap(), a);
        }
        for s in [
            WrappingKeySpec::Rsa3072,
            WrappingKeySpec::Rsa4096,
            WrappingKeySpec::MlKem768,
        ] {
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{s}\""));
            assert_eq!(s.as_str().parse::<WrappingKeySpec>().unwrap(), s);
        }
        assert!(
            "rsa-oaep-sha1+aes-kwp"
                .parse::<WrappingAlgorithm>()
                .is_err()
        );
        assert!("rsa-2048".parse::<WrappingKeySpec>().is_err());
    }

    #[test]
    fn import_token_request_is_all_optional_and_strict() {
        let empty: ImportTokenRequest = serde_json::from_str("{}").unwrap();
        assert_eq!(empty, ImportTokenRequest::default());
        let r: ImportTokenRequest =
            serde_json::from_str(r#"{"algorithm":"ml-kem-768+aes-kwp"}"#).unwrap();
        assert_eq!(r.algorithm, Some(WrappingAlgorithm::MlKem768AesKwp));
        for bad in [
            r#"{"algorithm":"rsa-pkcs1"}"#,
            r#"{"wrapping_key_spec":"rsa-1024"}"#,
            r#"{"algoritm":"rsa-oaep-sha256+aes-kwp"}"#,
        ] {
            assert!(
                serde_json::from_str::<ImportTokenRequest>(bad).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn import_request_needs_algorithm_token_and_base64() {
        let token = "8f0c2d7e-3b1a-4c5d-9e6f-0a1b2c3d4e5f";
        let good = format!(
            r#"{{"name":"k","algorithm":"aes-256-gcm","import_token":"{token}","wrapped_material":"AAEC"}}"#
        );
        let r: ImportKeyRequest = serde_json::from_str(&good).unwrap();
        assert_eq!(r.import_token.to_string(), token);
        assert_eq!(r.wrapped_material.0, [0, 1, 2]);
        assert!(!r.exportable);
        let cases = [
            good.replace(r#""algorithm":"aes-256-gcm","#, ""),
            good.replace("aes-256-gcm", "des"),
            good.replace("AAEC", "@@@"),
            good.replace(token, "not-a-token"),
            good.replace(r#""name":"k""#, r#""name":"k","extra":1"#),
        ];
        for bad in cases {
            assert!(
                serde_json::from_str::<ImportKeyRequest>(&bad).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn export_request_parses_version_and_refuses_zero() {
        let r: ExportKeyRequest = serde_json::from_str(
            r#"{"wrapping_key":"AAEC","wrapping_algorithm":"rsa-oaep-sha256+aes-kwp","version":2}"#,
        )
        .unwrap();
        assert_eq!(r.version.map(VersionNumber::get), Some(2));
        let zero =
            r#"{"wrapping_key":"AAEC","wrapping_algorithm":"rsa-oaep-sha256+aes-kwp","version":0}"#;
        assert!(serde_json::from_str::<ExportKeyRequest>(zero).is_err());
        let unknown = r#"{"wrapping_key":"AAEC","wrapping_algorithm":"plain"}"#;
        assert!(serde_json::from_str::<ExportKeyRequest>(unknown).is_err());
    }
}
