//! `/v1/keys`: create, list, show, encrypt, decrypt.

use std::collections::BTreeMap;

use keyhold_core::lifecycle::KeyState;
use keyhold_core::{
    Algorithm, KeyId, KeyName, Origin, Protection, TenantId, Timestamp, UsageMask, VersionNumber,
};
use serde::{Deserialize, Serialize};

use crate::b64::{Base64, SecretBase64};

/// An encryption context: non-secret key/value pairs bound to a ciphertext
/// as additional authenticated data; decrypt must present the same map.
pub type EncryptionContext = BTreeMap<String, String>;

/// `POST /v1/keys`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateKeyRequest {
    /// Unique name within the tenant.
    pub name: KeyName,
    /// Algorithm; `aes-256-gcm` when omitted.
    #[serde(default = "default_algorithm")]
    pub algorithm: Algorithm,
    /// Usage; the algorithm's default when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<UsageMask>,
    /// Free text.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Labels.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// Whether it may ever be exported (wrapped). Fixed at creation.
    #[serde(default)]
    pub exportable: bool,
}

fn default_algorithm() -> Algorithm {
    Algorithm::Aes256Gcm
}

/// A key as shown to callers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyInfo {
    /// Its id.
    pub id: KeyId,
    /// Its tenant.
    pub tenant: TenantId,
    /// Its name.
    pub name: KeyName,
    /// Free text.
    pub description: String,
    /// Labels.
    pub tags: BTreeMap<String, String>,
    /// Algorithm.
    pub algorithm: Algorithm,
    /// Usage.
    pub usage: UsageMask,
    /// The state of the primary version.
    pub state: KeyState,
    /// The primary version.
    pub primary_version: VersionNumber,
    /// Where the material lives.
    pub protection: Protection,
    /// Generated or imported.
    pub origin: Origin,
    /// Whether it may be exported.
    pub exportable: bool,
    /// Created.
    pub created_at: Timestamp,
    /// Metadata last changed.
    pub updated_at: Timestamp,
}

/// `GET /v1/keys` query string.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListKeysQuery {
    /// Only names starting with this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// Only this algorithm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<Algorithm>,
    /// Only keys whose primary version is in this state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<KeyState>,
    /// At most this many (1 to 1000, default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// A page of keys.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyList {
    /// The keys, by name.
    pub keys: Vec<KeyInfo>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// `POST /v1/keys/{key}/encrypt`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EncryptRequest {
    /// The data, base64.
    pub plaintext: SecretBase64,
    /// Bound as AAD; decrypt must give the same.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub context: EncryptionContext,
}

/// The answer to encrypt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EncryptResponse {
    /// The self-describing ciphertext envelope, base64.
    pub ciphertext: Base64,
    /// The key used.
    pub key_id: KeyId,
    /// The version used.
    pub version: VersionNumber,
}

/// `POST /v1/keys/{key}/decrypt`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecryptRequest {
    /// A ciphertext envelope from encrypt, base64.
    pub ciphertext: Base64,
    /// The context given at encrypt.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub context: EncryptionContext,
}

/// The answer to decrypt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecryptResponse {
    /// The data, base64.
    pub plaintext: SecretBase64,
    /// The key that decrypted.
    pub key_id: KeyId,
    /// The version that decrypted.
    pub version: VersionNumber,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_defaults_and_refuses_unknown_fields() {
        let r: CreateKeyRequest = serde_json::from_str(r#"{"name":"orders"}"#).unwrap();
        assert_eq!(r.algorithm, Algorithm::Aes256Gcm);
        assert!(r.usage.is_none());
        let typo = r#"{"name":"orders","algoritm":"aes-256-gcm"}"#;
        assert!(serde_json::from_str::<CreateKeyRequest>(typo).is_err());
        let bad_alg = r#"{"name":"orders","algorithm":"des"}"#;
        assert!(serde_json::from_str::<CreateKeyRequest>(bad_alg).is_err());
    }

    #[test]
    fn encrypt_request_parses_base64_and_context() {
        let r: EncryptRequest =
            serde_json::from_str(r#"{"plaintext":"aGk=","context":{"tenant":"a"}}"#).unwrap();
        assert_eq!(r.plaintext.0, b"hi");
        assert_eq!(r.context.get("tenant").map(String::as_str), Some("a"));
        assert!(serde_json::from_str::<EncryptRequest>(r#"{"plaintext":"@@"}"#).is_err());
    }
}
