//! Cryptographic operations with managed keys: decrypt without a key in the
//! path, reencrypt, data keys, signatures, MACs, ML-KEM, random bytes and
//! batches. (`encrypt` and `decrypt` bodies are in [`crate::keys`].)
//!
//! Limits are part of the API and listed here as constants; the server
//! enforces them.

use std::collections::BTreeMap;
use std::fmt;

use keyhold_core::{KeyId, KeyRef, VersionNumber};
use serde::{Deserialize, Serialize};

use crate::ErrorCode;
use crate::b64::{Base64, SecretBase64};
use crate::keys::{DecryptRequest, EncryptRequest, EncryptionContext};

/// The most items one batch may hold.
pub const MAX_BATCH_ITEMS: usize = 1000;
/// The fewest bytes a data key may have.
pub const MIN_DATA_KEY_BYTES: u32 = 16;
/// The most bytes a data key may have.
pub const MAX_DATA_KEY_BYTES: u32 = 64;
/// The data key length when a request names none (AES-256).
pub const DEFAULT_DATA_KEY_BYTES: u32 = 32;
/// The most random bytes one request may ask for.
pub const MAX_RANDOM_BYTES: u32 = 1024;

/// A signature scheme (the key's algorithm fixes which ones fit).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SignatureScheme {
    /// RSASSA-PSS with SHA-256, MGF1-SHA-256, 32-byte salt (RFC 8017 section 8.1).
    RsaPssSha256,
    /// RSASSA-PSS with SHA-384, 48-byte salt.
    RsaPssSha384,
    /// RSASSA-PSS with SHA-512, 64-byte salt.
    RsaPssSha512,
    /// RSASSA-PKCS1-v1_5 with SHA-256 (RFC 8017 section 8.2).
    #[serde(rename = "rsa-pkcs1-sha256")]
    RsaPkcs1Sha256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    #[serde(rename = "rsa-pkcs1-sha384")]
    RsaPkcs1Sha384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    #[serde(rename = "rsa-pkcs1-sha512")]
    RsaPkcs1Sha512,
    /// ECDSA on P-256 with SHA-256, ASN.1 DER signatures.
    #[serde(rename = "ecdsa-p256-sha256")]
    EcdsaP256Sha256,
    /// ECDSA on P-384 with SHA-384, ASN.1 DER signatures.
    #[serde(rename = "ecdsa-p384-sha384")]
    EcdsaP384Sha384,
    /// Ed25519 (RFC 8032), pure: messages only.
    #[serde(rename = "ed25519")]
    Ed25519,
    /// ML-DSA-65 (FIPS 204), pure, empty context: messages only.
    #[serde(rename = "ml-dsa-65")]
    MlDsa65,
}

impl SignatureScheme {
    /// Every scheme.
    pub const ALL: [Self; 10] = [
        Self::RsaPssSha256,
        Self::RsaPssSha384,
        Self::RsaPssSha512,
        Self::RsaPkcs1Sha256,
        Self::RsaPkcs1Sha384,
        Self::RsaPkcs1Sha512,
        Self::EcdsaP256Sha256,
        Self::EcdsaP384Sha384,
        Self::Ed25519,
        Self::MlDsa65,
    ];

    /// The name on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::RsaPssSha256 => "rsa-pss-sha256",
            Self::RsaPssSha384 => "rsa-pss-sha384",
            Self::RsaPssSha512 => "rsa-pss-sha512",
            Self::RsaPkcs1Sha256 => "rsa-pkcs1-sha256",
            Self::RsaPkcs1Sha384 => "rsa-pkcs1-sha384",
            Self::RsaPkcs1Sha512 => "rsa-pkcs1-sha512",
            Self::EcdsaP256Sha256 => "ecdsa-p256-sha256",
            Self::EcdsaP384Sha384 => "ecdsa-p384-sha384",
            Self::Ed25519 => "ed25519",
            Self::MlDsa65 => "ml-dsa-65",
        }
    }
}

impl fmt::Display for SignatureScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for SignatureScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for SignatureScheme {
    type Err = UnknownScheme;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or(UnknownScheme)
    }
}

/// A scheme name nobody knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnknownScheme;

impl fmt::Display for UnknownScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unknown signature scheme")
    }
}

impl std::error::Error for UnknownScheme {}

/// `POST /v1/keys/{key}/reencrypt`: decrypts under the envelope's key and
/// encrypts again under the destination key's primary version, without the
/// plaintext leaving the server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReencryptRequest {
    /// A ciphertext envelope, base64.
    pub ciphertext: Base64,
    /// The context it was encrypted with.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schema(value_type = BTreeMap<String, String>)]
    pub context: EncryptionContext,
    /// The key to encrypt under (id or name); the key in the path when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "key_ref_opt")]
    #[schema(value_type = Option<String>)]
    pub destination_key: Option<KeyRef>,
    /// The context to bind to the new ciphertext; `context` when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<BTreeMap<String, String>>)]
    pub destination_context: Option<EncryptionContext>,
}

/// The answer to reencrypt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReencryptResponse {
    /// The new envelope, base64.
    pub ciphertext: Base64,
    /// The key that encrypted.
    #[schema(value_type = String, format = Uuid)]
    pub key_id: KeyId,
    /// Its version (the primary).
    #[schema(value_type = u32, minimum = 1)]
    pub version: VersionNumber,
    /// The key that had encrypted the old envelope.
    #[schema(value_type = String, format = Uuid)]
    pub source_key_id: KeyId,
    /// And its version.
    #[schema(value_type = u32, minimum = 1)]
    pub source_version: VersionNumber,
}

/// `POST /v1/keys/{key}/generate-data-key`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GenerateDataKeyRequest {
    /// The data key's length, 16 to 64 bytes (32 when omitted).
    #[serde(default = "default_data_key_bytes")]
    #[schema(minimum = 16, maximum = 64)]
    pub bytes: u32,
    /// Bound to the wrapped data key as AAD.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schema(value_type = BTreeMap<String, String>)]
    pub context: EncryptionContext,
    /// Whether to return the data key in the clear as well (true when omitted).
    #[serde(default = "yes")]
    pub include_plaintext: bool,
}

fn default_data_key_bytes() -> u32 {
    DEFAULT_DATA_KEY_BYTES
}

fn yes() -> bool {
    true
}

/// A new data key: wrapped under the managed key, and in the clear if asked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GenerateDataKeyResponse {
    /// The data key as a ciphertext envelope; `decrypt` gives it back.
    pub ciphertext: Base64,
    /// The data key itself, unless `include_plaintext` was false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plaintext: Option<SecretBase64>,
    /// The managed key.
    #[schema(value_type = String, format = Uuid)]
    pub key_id: KeyId,
    /// Its version.
    #[schema(value_type = u32, minimum = 1)]
    pub version: VersionNumber,
}

/// `POST /v1/keys/{key}/sign`: exactly one of `message` and `digest`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignRequest {
    /// The message, base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Base64>,
    /// Or its digest under the scheme's hash (RSA and ECDSA only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<Base64>,
    /// The scheme; the algorithm's default (RSA: `rsa-pss-sha256`) when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<SignatureScheme>,
}

/// A signature and what made it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignResponse {
    /// The signature, base64.
    pub signature: Base64,
    /// The key.
    #[schema(value_type = String, format = Uuid)]
    pub key_id: KeyId,
    /// The version that signed: pass it to verify.
    #[schema(value_type = u32, minimum = 1)]
    pub version: VersionNumber,
    /// The scheme used.
    pub scheme: SignatureScheme,
}

/// `POST /v1/keys/{key}/verify`: exactly one of `message` and `digest`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    /// The message, base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Base64>,
    /// Or its digest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<Base64>,
    /// The signature, base64.
    pub signature: Base64,
    /// The scheme; the algorithm's default when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<SignatureScheme>,
    /// The version that signed; the primary when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<u32>, minimum = 1)]
    pub version: Option<VersionNumber>,
}

/// Whether a signature or MAC is valid. An invalid one is an answer, not an
/// error.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyResponse {
    /// Whether it verified.
    pub valid: bool,
    /// The key.
    #[schema(value_type = String, format = Uuid)]
    pub key_id: KeyId,
    /// The version checked against.
    #[schema(value_type = u32, minimum = 1)]
    pub version: VersionNumber,
    /// The scheme used.
    pub scheme: SignatureScheme,
}

/// `POST /v1/keys/{key}/mac`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MacRequest {
    /// The data, base64.
    pub data: Base64,
}

/// A MAC tag.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MacResponse {
    /// The full-length HMAC tag, base64.
    pub mac: Base64,
    /// The key.
    #[schema(value_type = String, format = Uuid)]
    pub key_id: KeyId,
    /// The version that computed it: pass it to mac-verify.
    #[schema(value_type = u32, minimum = 1)]
    pub version: VersionNumber,
}

/// `POST /v1/keys/{key}/mac-verify`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MacVerifyRequest {
    /// The data, base64.
    pub data: Base64,
    /// The tag to check, base64.
    pub mac: Base64,
    /// The version that computed it; the primary when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<u32>, minimum = 1)]
    pub version: Option<VersionNumber>,
}

/// Whether a MAC is valid (checked in constant time).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MacVerifyResponse {
    /// Whether it verified.
    pub valid: bool,
    /// The key.
    #[schema(value_type = String, format = Uuid)]
    pub key_id: KeyId,
    /// The version checked against.
    #[schema(value_type = u32, minimum = 1)]
    pub version: VersionNumber,
}

/// `POST /v1/keys/{key}/encapsulate` (no body, or `{}`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EncapsulateRequest {}

/// An ML-KEM-768 encapsulation (FIPS 203 section 7.2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EncapsulateResponse {
    /// The KEM ciphertext (1088 bytes), base64: send it to the key's holder.
    pub ciphertext: Base64,
    /// The 32-byte shared secret, base64.
    pub shared_secret: SecretBase64,
    /// The key.
    #[schema(value_type = String, format = Uuid)]
    pub key_id: KeyId,
    /// The version encapsulated to: pass it to decapsulate.
    #[schema(value_type = u32, minimum = 1)]
    pub version: VersionNumber,
}

/// `POST /v1/keys/{key}/decapsulate`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecapsulateRequest {
    /// The KEM ciphertext, base64.
    pub ciphertext: Base64,
    /// The version it was made for; the primary when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<u32>, minimum = 1)]
    pub version: Option<VersionNumber>,
}

/// The shared secret (FIPS 203 section 7.3). A modified ciphertext gives
/// another secret, not an error (implicit rejection).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecapsulateResponse {
    /// The 32-byte shared secret, base64.
    pub shared_secret: SecretBase64,
    /// The key.
    #[schema(value_type = String, format = Uuid)]
    pub key_id: KeyId,
    /// The version that decapsulated.
    #[schema(value_type = u32, minimum = 1)]
    pub version: VersionNumber,
}

/// `POST /v1/random`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RandomRequest {
    /// How many bytes: 1 to 1024.
    #[schema(minimum = 1, maximum = 1024)]
    pub bytes: u32,
}

/// Random bytes from the server's cryptographic generator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RandomResponse {
    /// The bytes, base64.
    pub random: SecretBase64,
}

/// `POST /v1/keys/{key}/encrypt/batch`: 1 to 1000 items.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchEncryptRequest {
    /// What to encrypt, each with its own context.
    #[schema(min_items = 1, max_items = 1000)]
    pub items: Vec<EncryptRequest>,
}

/// `POST /v1/keys/{key}/decrypt/batch`: 1 to 1000 items.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchDecryptRequest {
    /// What to decrypt, each with its own context.
    #[schema(min_items = 1, max_items = 1000)]
    pub items: Vec<DecryptRequest>,
}

/// One encrypted item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EncryptedItem {
    /// The envelope, base64.
    pub ciphertext: Base64,
    /// The version used.
    #[schema(value_type = u32, minimum = 1)]
    pub version: VersionNumber,
}

/// One decrypted item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecryptedItem {
    /// The data, base64.
    pub plaintext: SecretBase64,
    /// The version that decrypted.
    #[schema(value_type = u32, minimum = 1)]
    pub version: VersionNumber,
}

/// One item's result: its answer, or `{"error": {"code", "message"}}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum BatchResult<T> {
    /// It worked.
    Ok(T),
    /// It failed; the other items are unaffected.
    Err(ItemFailure),
}

/// A failed batch item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemFailure {
    /// Why.
    pub error: ItemError,
}

/// Why one item failed: the code it would have got alone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemError {
    /// The stable code.
    pub code: ErrorCode,
    /// For people.
    pub message: String,
}

/// The answer to a batch: one result per item, in order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchResponse<T> {
    /// The key.
    #[schema(value_type = String, format = Uuid)]
    pub key_id: KeyId,
    /// The results, in the order of the items.
    pub results: Vec<BatchResult<T>>,
}

/// (De)serializes an optional [`KeyRef`] as its text (an id or a name).
mod key_ref_opt {
    use keyhold_core::KeyRef;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(v: &Option<KeyRef>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(k) => s.collect_str(k),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<KeyRef>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|text| text.parse().map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheme_names_round_trip() {
        for s in SignatureScheme::ALL {
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
            assert_eq!(serde_json::from_str::<SignatureScheme>(&json).unwrap(), s);
            assert_eq!(s.as_str().parse::<SignatureScheme>().unwrap(), s);
        }
        assert!(serde_json::from_str::<SignatureScheme>("\"rsa-pss-md5\"").is_err());
        assert!("RSA-PSS-SHA256".parse::<SignatureScheme>().is_err());
    }

    #[test]
    fn defaults_and_unknown_fields() {
        let r: GenerateDataKeyRequest = serde_json::from_str("{}").unwrap();
        assert_eq!(r.bytes, 32);
        assert!(r.include_plaintext);
        assert!(serde_json::from_str::<GenerateDataKeyRequest>(r#"{"byte":16}"#).is_err());
        assert!(serde_json::from_str::<SignRequest>(r#"{"mesage":"aGk="}"#).is_err());
        assert!(serde_json::from_str::<EncapsulateRequest>(r#"{"x":1}"#).is_err());
        let v: VerifyRequest =
            serde_json::from_str(r#"{"message":"aGk=","signature":"AA==","version":2}"#).unwrap();
        assert_eq!(v.version.map(VersionNumber::get), Some(2));
        assert!(
            serde_json::from_str::<VerifyRequest>(r#"{"signature":"AA==","version":0}"#).is_err()
        );
    }

    #[test]
    fn destination_key_is_an_id_or_a_name() {
        let r: ReencryptRequest =
            serde_json::from_str(r#"{"ciphertext":"AA==","destination_key":"app/db"}"#).unwrap();
        assert_eq!(r.destination_key, Some("app/db".parse().unwrap()));
        let back = serde_json::to_string(&r).unwrap();
        assert!(back.contains(r#""destination_key":"app/db""#));
        let none: ReencryptRequest = serde_json::from_str(r#"{"ciphertext":"AA=="}"#).unwrap();
        assert!(none.destination_key.is_none());
        assert!(
            !serde_json::to_string(&none)
                .unwrap()
                .contains("destination")
        );
        assert!(
            serde_json::from_str::<ReencryptRequest>(
                r#"{"ciphertext":"AA==","destination_key":"bad name"}"#
            )
            .is_err()
        );
    }

    #[test]
    fn batch_results_are_an_answer_or_an_error() {
        let results: Vec<BatchResult<EncryptedItem>> = vec![
            BatchResult::Ok(EncryptedItem {
                ciphertext: Base64(vec![1]),
                version: VersionNumber::FIRST,
            }),
            BatchResult::Err(ItemFailure {
                error: ItemError {
                    code: ErrorCode::DecryptionFailed,
                    message: "decryption failed".into(),
                },
            }),
        ];
        let json = serde_json::to_string(&results).unwrap();
        assert_eq!(
            json,
            r#"[{"ciphertext":"AQ==","version":1},{"error":{"code":"decryption_failed","message":"decryption failed"}}]"#
        );
        let back: Vec<BatchResult<EncryptedItem>> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, results);
    }

    #[test]
    fn secrets_are_redacted_in_debug() {
        let r = RandomResponse {
            random: SecretBase64(b"very secret bytes".to_vec()),
        };
        assert!(!format!("{r:?}").contains("very"));
    }
}
