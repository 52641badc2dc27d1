//! `/v1/keys`: create, list, show, encrypt, decrypt. (The lifecycle
//! endpoints are in [`crate::lifecycle`].)

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use keyhold_core::lifecycle::KeyState;
use keyhold_core::{
    Algorithm, KeyId, KeyName, Origin, Protection, TenantId, Timestamp, UsageMask, VersionNumber,
};
use serde::{Deserialize, Serialize};

use crate::b64::{Base64, SecretBase64};

/// The longest key description accepted, in bytes.
pub const MAX_DESCRIPTION_BYTES: usize = 4096;
/// The most tags a key may hold.
pub const MAX_TAGS: usize = 50;
/// The longest tag name accepted, in bytes (names cannot hold `:`).
pub const MAX_TAG_NAME_BYTES: usize = 128;
/// The longest tag value accepted, in bytes.
pub const MAX_TAG_VALUE_BYTES: usize = 256;

/// An encryption context: non-secret key/value pairs bound to a ciphertext
/// as additional authenticated data; decrypt must present the same map.
pub type EncryptionContext = BTreeMap<String, String>;

/// `POST /v1/keys`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateKeyRequest {
    /// Unique name within the tenant.
    #[schema(value_type = String, min_length = 1, max_length = 128, pattern = "^[A-Za-z0-9][A-Za-z0-9._/-]*$", example = "payments/db")]
    pub name: KeyName,
    /// Algorithm; `aes-256-gcm` when omitted.
    #[serde(default = "default_algorithm")]
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
    /// Whether it may ever be exported (wrapped). Fixed at creation.
    #[serde(default)]
    pub exportable: bool,
    /// When the key becomes active. A future date creates it PreActive (it
    /// is activated on that date, or earlier by `activate`); a past date or
    /// none creates it Active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub activation_date: Option<Timestamp>,
    /// When the first version is planned to stop protecting; after the
    /// activation date (or now).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub deactivation_date: Option<Timestamp>,
    /// Rotate automatically this often (seconds, at least one hour).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 3600, maximum = 315360000)]
    pub rotation_period_secs: Option<u64>,
    /// Originator-usage period (NIST SP 800-57) in seconds: how long each
    /// version may protect (encrypt, sign, wrap, MAC, data keys) from its
    /// activation; then protect operations answer `cryptoperiod_ended`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 3600, maximum = 946080000)]
    pub originator_usage_period_secs: Option<u64>,
    /// Recipient-usage period in seconds (at least the originator-usage
    /// period): when it ends, the scheduler deactivates the version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 3600, maximum = 946080000)]
    pub recipient_usage_period_secs: Option<u64>,
    /// `active` (the default, unless the activation date is in the future)
    /// or `pre-active`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_state: Option<InitialState>,
}

impl CreateKeyRequest {
    /// A request for a key with this name and algorithm and every option at
    /// its default.
    pub fn new(name: KeyName, algorithm: Algorithm) -> Self {
        Self {
            name,
            algorithm,
            usage: None,
            description: String::new(),
            tags: BTreeMap::new(),
            exportable: false,
            activation_date: None,
            deactivation_date: None,
            rotation_period_secs: None,
            originator_usage_period_secs: None,
            recipient_usage_period_secs: None,
            initial_state: None,
        }
    }
}

/// The state a new key starts in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum InitialState {
    /// In service at once.
    Active,
    /// Not usable until activated (KMIP Pre-Active).
    PreActive,
}

fn default_algorithm() -> Algorithm {
    Algorithm::Aes256Gcm
}

/// A key as shown to callers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyInfo {
    /// Its id.
    #[schema(value_type = String, format = Uuid)]
    pub id: KeyId,
    /// Its tenant.
    #[schema(value_type = String, format = Uuid)]
    pub tenant: TenantId,
    /// Its name.
    #[schema(value_type = String, min_length = 1, max_length = 128, pattern = "^[A-Za-z0-9][A-Za-z0-9._/-]*$", example = "payments/db")]
    pub name: KeyName,
    /// Free text.
    pub description: String,
    /// Labels.
    pub tags: BTreeMap<String, String>,
    /// Algorithm.
    #[schema(value_type = crate::schema::AlgorithmSchema)]
    pub algorithm: Algorithm,
    /// Usage.
    #[schema(value_type = Vec<crate::schema::UsageSchema>)]
    pub usage: UsageMask,
    /// The state of the primary version.
    #[schema(value_type = crate::schema::KeyStateSchema)]
    pub state: KeyState,
    /// The primary version.
    #[schema(value_type = u32, minimum = 1)]
    pub primary_version: VersionNumber,
    /// Where the material lives.
    #[schema(value_type = crate::schema::ProtectionSchema)]
    pub protection: Protection,
    /// Generated or imported.
    #[schema(value_type = crate::schema::OriginSchema)]
    pub origin: Origin,
    /// Whether it may be exported.
    pub exportable: bool,
    /// Created.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// Metadata or a version's state last changed.
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
    /// When the primary version became, or is planned to become, active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub activation_date: Option<Timestamp>,
    /// When the primary version stopped, or is planned to stop, protecting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub deactivation_date: Option<Timestamp>,
    /// Seconds between automatic rotations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 3600, maximum = 315360000)]
    pub rotation_period_secs: Option<u64>,
    /// Originator-usage period in seconds (NIST SP 800-57 cryptoperiod).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 3600, maximum = 946080000)]
    pub originator_usage_period_secs: Option<u64>,
    /// Recipient-usage period in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 3600, maximum = 946080000)]
    pub recipient_usage_period_secs: Option<u64>,
    /// When the primary version stops, or stopped, protecting (KMIP
    /// Protect Stop Date): the end of its originator-usage period, or the
    /// Protect Stop Date a KMIP client gave it, whichever comes first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub protect_stop_date: Option<Timestamp>,
    /// When the primary version may start processing (decrypt, verify),
    /// if a KMIP client gave it a Process Start Date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub process_start_date: Option<Timestamp>,
    /// When the scheduler deactivates the primary version: the end of its
    /// recipient-usage period (set while it is Active or Suspended).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub recipient_usage_end: Option<Timestamp>,
    /// When it was last used, to the server's granularity (an hour); absent
    /// if never used since this was tracked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_used_at: Option<Timestamp>,
    /// When it next rotates (set while it is active with a rotation period).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub next_rotation_at: Option<Timestamp>,
    /// When its material is due to be erased, if destruction is scheduled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub destroy_scheduled_at: Option<Timestamp>,
    /// Whether it is archived (out of service until recovered).
    #[serde(default)]
    pub archived: bool,
}

/// `GET /v1/keys` query string.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListKeysQuery {
    /// Only names starting with this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// Only this algorithm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<crate::schema::AlgorithmSchema>, inline)]
    pub algorithm: Option<Algorithm>,
    /// Only keys whose primary version is in this state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<crate::schema::KeyStateSchema>, inline)]
    pub state: Option<KeyState>,
    /// Only keys holding this tag: `tag=NAME:VALUE` (split at the first `:`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<String>, pattern = "^[^:]+:", example = "team:payments")]
    pub tag: Option<TagFilter>,
    /// At most this many (1 to 1000, default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// A tag to filter on: `NAME:VALUE` on the wire, split at the first `:`
/// (so a tag name cannot hold `:`, a value can). Both compare exactly.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TagFilter {
    /// The tag's name.
    pub name: String,
    /// The tag's value.
    pub value: String,
}

impl FromStr for TagFilter {
    type Err = keyhold_core::CoreError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once(':') {
            Some((name, value)) if !name.is_empty() => Ok(Self {
                name: name.to_owned(),
                value: value.to_owned(),
            }),
            _ => Err(keyhold_core::CoreError::InvalidValue {
                field: "tag",
                reason: "expected NAME:VALUE with a non-empty name",
            }),
        }
    }
}

impl TryFrom<String> for TagFilter {
    type Error = keyhold_core::CoreError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<TagFilter> for String {
    fn from(t: TagFilter) -> Self {
        t.to_string()
    }
}

impl fmt::Display for TagFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.name, self.value)
    }
}

/// A page of keys.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyList {
    /// The keys, by name.
    pub keys: Vec<KeyInfo>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// `POST /v1/keys/{key}/encrypt`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EncryptRequest {
    /// The data, base64.
    pub plaintext: SecretBase64,
    /// Bound as AAD; decrypt must give the same.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schema(value_type = BTreeMap<String, String>)]
    pub context: EncryptionContext,
}

/// The answer to encrypt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EncryptResponse {
    /// The self-describing ciphertext envelope, base64.
    pub ciphertext: Base64,
    /// The key used.
    #[schema(value_type = String, format = Uuid)]
    pub key_id: KeyId,
    /// The version used.
    #[schema(value_type = u32, minimum = 1)]
    pub version: VersionNumber,
}

/// `POST /v1/keys/{key}/decrypt`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecryptRequest {
    /// A ciphertext envelope from encrypt, base64.
    pub ciphertext: Base64,
    /// The context given at encrypt.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schema(value_type = BTreeMap<String, String>)]
    pub context: EncryptionContext,
}

/// The answer to decrypt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecryptResponse {
    /// The data, base64.
    pub plaintext: SecretBase64,
    /// The key that decrypted.
    #[schema(value_type = String, format = Uuid)]
    pub key_id: KeyId,
    /// The version that decrypted.
    #[schema(value_type = u32, minimum = 1)]
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
    fn create_takes_dates_period_and_initial_state() {
        let r: CreateKeyRequest = serde_json::from_str(
            r#"{"name":"k","activation_date":"2030-01-01T00:00:00Z",
                "rotation_period_secs":86400,"initial_state":"pre-active"}"#,
        )
        .unwrap();
        assert_eq!(r.initial_state, Some(InitialState::PreActive));
        assert_eq!(r.rotation_period_secs, Some(86_400));
        assert!(r.activation_date.is_some() && r.deactivation_date.is_none());
        for bad in [
            r#"{"name":"k","initial_state":"preactive"}"#,
            r#"{"name":"k","activation_date":"tomorrow"}"#,
            r#"{"name":"k","rotation_period_secs":"1d"}"#,
        ] {
            assert!(
                serde_json::from_str::<CreateKeyRequest>(bad).is_err(),
                "{bad}"
            );
        }
        let n = CreateKeyRequest::new("k".parse().unwrap(), Algorithm::Ed25519);
        let json = serde_json::to_string(&n).unwrap();
        assert_eq!(
            json,
            r#"{"name":"k","algorithm":"ed25519","exportable":false}"#
        );
    }

    #[test]
    fn tag_filters_split_at_the_first_colon() {
        let t: TagFilter = "team:pay:ments".parse().unwrap();
        assert_eq!((t.name.as_str(), t.value.as_str()), ("team", "pay:ments"));
        assert_eq!(t.to_string(), "team:pay:ments");
        let empty_value: TagFilter = "team:".parse().unwrap();
        assert_eq!(empty_value.value, "");
        for bad in ["team", ":pay", ""] {
            assert!(bad.parse::<TagFilter>().is_err(), "{bad}");
        }
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
