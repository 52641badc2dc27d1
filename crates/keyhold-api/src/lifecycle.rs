//! `/v1/keys/{key}/...` lifecycle: update (PATCH), versions, public key,
//! rotate, activate, deactivate, suspend, resume, revoke, schedule-destroy,
//! cancel-destroy, archive, recover. Every one of the state changes answers
//! with the updated [`KeyInfo`](crate::keys::KeyInfo).
//!
//! States and transitions are those of NIST SP 800-57 Part 1 section 7 and
//! KMIP 2.1 section 4.57 (see `keyhold_core::lifecycle`); docs/api.md says
//! what each endpoint does to which version.

use std::collections::BTreeMap;
use std::fmt;

use keyhold_core::lifecycle::{KeyState, RevocationReason};
use keyhold_core::{Algorithm, KeyId, KeyName, Timestamp, VersionId, VersionNumber};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The shortest destruction waiting period the server can be configured to
/// accept, in days.
pub const MIN_WAITING_PERIOD_DAYS: u32 = 1;
/// The destruction waiting period when a request names none, in days (the
/// server's configured minimum when that is longer).
pub const DEFAULT_WAITING_PERIOD_DAYS: u32 = 30;
/// The longest destruction waiting period accepted, in days (ten years).
pub const MAX_WAITING_PERIOD_DAYS: u32 = 3650;
/// The shortest rotation period accepted, in seconds (one hour).
pub const MIN_ROTATION_PERIOD_SECS: u64 = 3600;
/// The longest rotation period accepted, in seconds (ten years of 365 days).
pub const MAX_ROTATION_PERIOD_SECS: u64 = 10 * 365 * 86_400;
/// The longest revocation message accepted, in bytes.
pub const MAX_REVOCATION_MESSAGE_BYTES: usize = 1024;

/// A body for endpoints that take no parameters: no body at all, or `{}`.
/// Any field is refused, so a misspelt option is an error, not ignored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmptyBody {}

/// A field of a PATCH body: absent (leave it), `null` (clear it) or a value
/// (set it).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Patch<T> {
    /// The field was absent: keep the current value.
    #[default]
    Keep,
    /// The field was `null`: clear the value.
    Clear,
    /// The field had a value: set it.
    Set(T),
}

impl<T> Patch<T> {
    /// Whether the field was absent.
    pub const fn is_keep(&self) -> bool {
        matches!(self, Self::Keep)
    }

    /// The value after the patch, given the current one.
    pub fn apply(self, current: Option<T>) -> Option<T> {
        match self {
            Self::Keep => current,
            Self::Clear => None,
            Self::Set(v) => Some(v),
        }
    }
}

impl<T: Serialize> Serialize for Patch<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            // Skipped by `skip_serializing_if = "Patch::is_keep"`; `null`
            // if a container serializes it anyway.
            Self::Keep | Self::Clear => s.serialize_none(),
            Self::Set(v) => s.serialize_some(v),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Patch<T> {
    /// Called only for a field that is present (absent fields take the
    /// `#[serde(default)]`, [`Patch::Keep`]).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Option::<T>::deserialize(d)?.map_or(Self::Clear, Self::Set))
    }
}

/// `PATCH /v1/keys/{key}`: the mutable metadata. The name, algorithm, usage
/// and exportability are fixed at creation: naming them is an unknown field.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateKeyRequest {
    /// A new description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// New tags: replace the whole map (`{}` removes every tag).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
    /// A new rotation period in seconds, or `null` to stop rotating.
    #[serde(default, skip_serializing_if = "Patch::is_keep")]
    #[schema(value_type = Option<u64>, minimum = 3600, maximum = 315360000)]
    pub rotation_period_secs: Patch<u64>,
    /// A new originator-usage period in seconds, or `null` for none. It
    /// applies to every version from its activation date, the primary too.
    #[serde(default, skip_serializing_if = "Patch::is_keep")]
    #[schema(value_type = Option<u64>, minimum = 3600, maximum = 946080000)]
    pub originator_usage_period_secs: Patch<u64>,
    /// A new recipient-usage period in seconds, or `null` for none.
    #[serde(default, skip_serializing_if = "Patch::is_keep")]
    #[schema(value_type = Option<u64>, minimum = 3600, maximum = 946080000)]
    pub recipient_usage_period_secs: Patch<u64>,
}

impl UpdateKeyRequest {
    /// Whether the request changes nothing.
    pub fn is_empty(&self) -> bool {
        self.description.is_none()
            && self.tags.is_none()
            && self.rotation_period_secs.is_keep()
            && self.originator_usage_period_secs.is_keep()
            && self.recipient_usage_period_secs.is_keep()
    }
}

/// `POST /v1/keys/{key}/revoke` (KMIP 2.1 section 6.1.44, Revoke).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeRequest {
    /// Why (KMIP Revocation Reason Code). `key-compromise` and
    /// `ca-compromise` make the versions Compromised; any other reason
    /// deactivates the primary version.
    #[schema(value_type = crate::schema::RevocationReasonSchema)]
    pub reason: RevocationReason,
    /// For a compromise: when it happened (default: now). Never in the future.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub compromise_date: Option<Timestamp>,
    /// Free text for people (at most 1024 bytes), written to the server log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Revoke only this version instead of the key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<u32>, minimum = 1)]
    pub version: Option<VersionNumber>,
}

impl RevokeRequest {
    /// A revocation of the key for `reason`, dated now.
    pub const fn new(reason: RevocationReason) -> Self {
        Self {
            reason,
            compromise_date: None,
            message: None,
            version: None,
        }
    }
}

/// `POST /v1/keys/{key}/schedule-destroy`; the body is optional.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleDestroyRequest {
    /// Days until the material is erased: the server's minimum (7 unless
    /// configured) to 3650; 30 (or the minimum, when longer) when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1, maximum = 3650)]
    pub waiting_period_days: Option<u32>,
}

/// One version of a key, as `GET /v1/keys/{key}/versions` shows it: its
/// state and dates, never its material.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionInfo {
    /// Its number within the key.
    #[schema(value_type = u32, minimum = 1)]
    pub version: VersionNumber,
    /// Its own identifier (the KMIP Unique Identifier of this version).
    #[schema(value_type = String, format = Uuid)]
    pub id: VersionId,
    /// Its lifecycle state.
    #[schema(value_type = crate::schema::KeyStateSchema)]
    pub state: KeyState,
    /// Whether it is the key's primary version.
    pub primary: bool,
    /// Whether it is archived.
    pub archived: bool,
    /// When it was created.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// When it became, or is planned to become, active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub activation_date: Option<Timestamp>,
    /// When it stopped, or is planned to stop, protecting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub deactivation_date: Option<Timestamp>,
    /// When it was compromised.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub compromise_date: Option<Timestamp>,
    /// When its material was erased.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub destroy_date: Option<Timestamp>,
    /// Why it was revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<crate::schema::RevocationReasonSchema>)]
    pub revocation_reason: Option<RevocationReason>,
}

/// `GET /v1/keys/{key}/versions`: every version, oldest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyVersions {
    /// The key.
    #[schema(value_type = String, format = Uuid)]
    pub key_id: KeyId,
    /// Its name.
    #[schema(value_type = String, min_length = 1, max_length = 128, pattern = "^[A-Za-z0-9][A-Za-z0-9._/-]*$", example = "payments/db")]
    pub name: KeyName,
    /// Its primary version.
    #[schema(value_type = u32, minimum = 1)]
    pub primary_version: VersionNumber,
    /// Every version, by number.
    pub versions: Vec<VersionInfo>,
}

/// The encoding asked of `GET /v1/keys/{key}/public-key`.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum PublicKeyEncoding {
    /// SubjectPublicKeyInfo in PEM (RFC 7468 section 13, `PUBLIC KEY`).
    #[default]
    Pem,
    /// SubjectPublicKeyInfo DER (RFC 5280 section 4.1.2.7), base64.
    Der,
}

/// `GET /v1/keys/{key}/public-key` query string.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::IntoParams,
)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PublicKeyQuery {
    /// `pem` (default) or `der`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(inline)]
    pub format: Option<PublicKeyEncoding>,
    /// This version instead of the primary one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<u32>, minimum = 1)]
    pub version: Option<VersionNumber>,
}

/// The encoding of a returned public key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum PublicKeyFormat {
    /// `public_key` is PEM text (`-----BEGIN PUBLIC KEY-----`).
    Pem,
    /// `public_key` is base64 of SubjectPublicKeyInfo DER.
    Der,
    /// `public_key` is base64 of the raw key: ML-KEM-768's 1184-byte
    /// encapsulation key (FIPS 203), which has no SubjectPublicKeyInfo form
    /// yet. Given for ML-KEM whatever format was asked.
    Raw,
}

impl fmt::Display for PublicKeyFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Pem => "pem",
            Self::Der => "der",
            Self::Raw => "raw",
        })
    }
}

/// The answer to `GET /v1/keys/{key}/public-key`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicKeyResponse {
    /// The key.
    #[schema(value_type = String, format = Uuid)]
    pub key_id: KeyId,
    /// The version whose public key this is.
    #[schema(value_type = u32, minimum = 1)]
    pub version: VersionNumber,
    /// That version's state: a client should protect new data only with an
    /// `active` one.
    #[schema(value_type = crate::schema::KeyStateSchema)]
    pub state: KeyState,
    /// The key's algorithm.
    #[schema(value_type = crate::schema::AlgorithmSchema)]
    pub algorithm: Algorithm,
    /// How `public_key` is encoded.
    pub format: PublicKeyFormat,
    /// PEM text for `pem`; standard base64 for `der` and `raw`.
    pub public_key: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_tells_absent_null_and_value_apart() {
        let absent: UpdateKeyRequest = serde_json::from_str(r#"{"description":"x"}"#).unwrap();
        assert_eq!(absent.rotation_period_secs, Patch::Keep);
        let null: UpdateKeyRequest =
            serde_json::from_str(r#"{"rotation_period_secs":null}"#).unwrap();
        assert_eq!(null.rotation_period_secs, Patch::Clear);
        let set: UpdateKeyRequest =
            serde_json::from_str(r#"{"rotation_period_secs":86400}"#).unwrap();
        assert_eq!(set.rotation_period_secs, Patch::Set(86_400));
        for r in [absent, null, set] {
            let back: UpdateKeyRequest =
                serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
            assert_eq!(back, r);
        }
        assert!(
            serde_json::from_str::<UpdateKeyRequest>("{}")
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn immutable_and_misspelt_fields_are_refused() {
        for bad in [
            r#"{"name":"other"}"#,
            r#"{"algorithm":"aes-256-gcm"}"#,
            r#"{"usage":["encrypt"]}"#,
            r#"{"exportable":true}"#,
            r#"{"descripton":"typo"}"#,
            r#"{"rotation_period_secs":-1}"#,
        ] {
            assert!(
                serde_json::from_str::<UpdateKeyRequest>(bad).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn revoke_reasons_are_kmip_kebab_case() {
        let r: RevokeRequest = serde_json::from_str(
            r#"{"reason":"key-compromise","compromise_date":"2026-01-02T03:04:05Z","version":2}"#,
        )
        .unwrap();
        assert_eq!(r.reason, RevocationReason::KeyCompromise);
        assert_eq!(r.version.map(VersionNumber::get), Some(2));
        for bad in [
            r#"{"reason":"keyCompromise"}"#,
            r#"{}"#,
            r#"{"reason":"superseded","version":0}"#,
            r#"{"reason":"superseded","compromise_date":"yesterday"}"#,
            r#"{"reason":"superseded","force":true}"#,
        ] {
            assert!(serde_json::from_str::<RevokeRequest>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn empty_bodies_refuse_any_field() {
        assert!(serde_json::from_str::<EmptyBody>("{}").is_ok());
        assert!(serde_json::from_str::<EmptyBody>(r#"{"force":true}"#).is_err());
        assert!(serde_json::from_str::<ScheduleDestroyRequest>(r#"{"days":7}"#).is_err());
    }
}
