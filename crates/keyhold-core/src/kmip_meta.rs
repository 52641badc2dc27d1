//! The KMIP attributes a key keeps that only KMIP gives meaning to: what a
//! data object is (KMIP 1.4 sections 2.2.1, 2.2.7 and 2.2.8, KMIP 2.1
//! sections 2.2, 2.7 and 2.3) and the Object Groups it belongs to (KMIP 1.4 section 3.33,
//! KMIP 2.1 section 4.35). keyhold stores them with the key and gives them
//! back; no policy, lifecycle or cryptographic decision reads them, except
//! the key's Usage Limits (KMIP 1.4 section 3.21), which the operations
//! service charges each protection with ([`UsageLimits::charge`]).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::algorithm::Algorithm;
use crate::error::CoreError;
use crate::kmip_app_info::{AltName, AppInfo};
use crate::kmip_custom::CustomAttribute;
use crate::kmip_links::ObjectLink;
use crate::name::KeyName;
use crate::time::Timestamp;

/// The Secret Data Type or Opaque Data Type of a data object: a KMIP
/// enumeration value (KMIP 1.4 sections 9.1.3.2.9 and 9.1.3.2.10, KMIP 2.1
/// sections 11.52 and 11.35), extensions (`0x8XXXXXXX`) included, kept as
/// the client sent it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DataType(u32);

impl DataType {
    /// The enumeration value `value`.
    pub const fn new(value: u32) -> Self {
        Self(value)
    }

    /// The enumeration value.
    pub const fn value(self) -> u32 {
        self.0
    }
}

/// The Key Format Type a Secret Data object was registered in: KMIP 1.4
/// section 4.11 (KMIP 2.1 section 6.1.19) has Get return a registered key
/// in the format it was registered in. Both hold the bytes as given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SecretFormat {
    /// Raw (KMIP 1.4 section 9.1.3.2.3).
    Raw,
    /// Opaque (KMIP 1.4 section 9.1.3.2.3).
    Opaque,
}

/// The Key Format Type a symmetric key was registered in: Get without a
/// Key Format Type returns a registered key in that format (KMIP 1.4
/// section 4.11, KMIP 2.1 section 6.1.19). Both hold the same bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SymmetricFormat {
    /// Raw (KMIP 1.4 section 9.1.3.2.3): the bytes alone. Keys keyhold
    /// generates, and keys registered Raw.
    #[default]
    Raw,
    /// Transparent Symmetric Key (KMIP 1.4 section 2.1.7.1): the bytes in
    /// a Key structure.
    TransparentSymmetricKey,
}

impl SymmetricFormat {
    /// Whether it is Raw, the format of every key that does not say.
    pub fn is_raw(&self) -> bool {
        *self == Self::Raw
    }
}

/// What a data object is, beside its bytes (sealed as a version's
/// material, like a key's).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "object", rename_all = "kebab-case")]
pub enum DataObject {
    /// A Secret Data object ([`Algorithm::SecretData`]).
    Secret {
        /// Its Secret Data Type (Password, Seed, or an extension).
        data_type: DataType,
        /// The format it was registered in.
        format: SecretFormat,
    },
    /// An Opaque Object ([`Algorithm::OpaqueData`]).
    Opaque {
        /// Its Opaque Data Type (extensions only: KMIP defines none).
        data_type: DataType,
    },
    /// A Certificate ([`Algorithm::Certificate`]); its bytes are the
    /// Certificate Value as registered, and every attribute KMIP reports
    /// of it is read from them.
    Certificate {
        /// Its Certificate Type (KMIP 1.4 section 9.1.3.2.6, KMIP 2.1
        /// section 11.9): X.509 is the only one keyhold registers.
        certificate_type: DataType,
    },
}

impl DataObject {
    /// The algorithm of the key that holds this object.
    pub const fn algorithm(&self) -> Algorithm {
        match self {
            Self::Secret { .. } => Algorithm::SecretData,
            Self::Opaque { .. } => Algorithm::OpaqueData,
            Self::Certificate { .. } => Algorithm::Certificate,
        }
    }
}

/// The longest Object Group keyhold keeps, in bytes.
pub const MAX_OBJECT_GROUP_BYTES: usize = 256;

/// An Object Group name (KMIP 1.4 section 3.33, KMIP 2.1 section 4.35):
/// 1 to [`MAX_OBJECT_GROUP_BYTES`] bytes of text.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ObjectGroup(String);

impl ObjectGroup {
    /// The group's name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ObjectGroup {
    type Error = CoreError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        if s.is_empty() || s.len() > MAX_OBJECT_GROUP_BYTES {
            return Err(CoreError::InvalidValue {
                field: "object_group",
                reason: "an Object Group is 1 to 256 bytes",
            });
        }
        Ok(Self(s))
    }
}

impl From<ObjectGroup> for String {
    fn from(g: ObjectGroup) -> Self {
        g.0
    }
}

impl fmt::Debug for ObjectGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

/// The most Object Groups one key belongs to.
pub const MAX_OBJECT_GROUPS: usize = 16;

/// A key's KMIP-only attributes. Empty for keys made over REST.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KmipMeta {
    /// What the data object is, for a key of a data algorithm
    /// ([`Algorithm::is_data`]); `None` for a key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<DataObject>,
    /// The Object Groups it belongs to, in the order given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub object_groups: Vec<ObjectGroup>,
    /// Who chose the key's name: a KMIP client may make an object without
    /// a Name (KMIP 1.4 section 3.2, KMIP 2.1 section 4.32: Name is
    /// optional), but a keyhold key needs one, so the server chose it.
    /// Such an object reports no Name over KMIP.
    #[serde(default, skip_serializing_if = "NameSource::is_client")]
    pub name_source: NameSource,
    /// The format a symmetric key was registered in; Raw for every other
    /// key and for data objects (whose format is their [`DataObject`]'s).
    #[serde(default, skip_serializing_if = "SymmetricFormat::is_raw")]
    pub symmetric_format: SymmetricFormat,
    /// How much the key may still protect, when a client limited it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage_limits: Option<UsageLimits>,
    /// The Links a client set ([`crate::kmip_links`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<ObjectLink>,
    /// Whether the object is Sensitive (KMIP 1.4 section 3.48, KMIP 2.1
    /// section 4.55): its material never leaves by an unwrapped KMIP Get,
    /// only wrapped under another key. Given when the object is made and
    /// never changed, so it is Always Sensitive (section 3.49 / 4.3) too.
    /// It is the Sensitive of the object the client made: a registered
    /// Private Key's, not its derived Public Key's; a public key
    /// registered alone's.
    #[serde(default, skip_serializing_if = "is_false")]
    pub sensitive: bool,
    /// When the key's destruction was asked (KMIP Destroy, REST
    /// schedule-destroy): from then on KMIP sees it Destroyed, so this is
    /// its KMIP Destroy Date (KMIP 1.4 section 3.28, KMIP 2.1 section 4.25),
    /// although the material is erased when the waiting period ends.
    /// Cleared when the destruction is cancelled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destroy_requested_at: Option<Timestamp>,
    /// Its Application Specific Information ([`crate::kmip_app_info`]), in
    /// the order set.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub app_info: Vec<AppInfo>,
    /// Its Alternative Names ([`crate::kmip_app_info`]), in the order set.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alt_names: Vec<AltName>,
    /// Its custom attributes of types other than text
    /// ([`crate::kmip_custom`]); text ones are the key's tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub custom: Vec<CustomAttribute>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// What Usage Limits count (KMIP 1.4 section 9.1.3.2.30, Usage Limits
/// Unit).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UsageLimitsUnit {
    /// Bytes of data protected.
    Byte,
    /// Protection operations.
    Object,
}

/// Usage Limits (KMIP 1.4 section 3.21, KMIP 2.1 section 4.59): how much a
/// key may protect (encrypt, sign, MAC) in all, and how much is left. Only
/// applying protection counts; processing (decrypt, verify) never does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsageLimits {
    /// What is counted.
    pub unit: UsageLimitsUnit,
    /// The limit (Usage Limits Total).
    pub total: u64,
    /// What is left (Usage Limits Count).
    pub remaining: u64,
}

impl UsageLimits {
    /// Limits of `total` units, all left; the total must be positive.
    pub fn new(unit: UsageLimitsUnit, total: u64) -> Result<Self, CoreError> {
        if total == 0 {
            return Err(CoreError::InvalidValue {
                field: "usage_limits",
                reason: "the total must be positive",
            });
        }
        Ok(Self {
            unit,
            total,
            remaining: total,
        })
    }

    /// Takes one protection of `bytes` bytes off what is left, or refuses
    /// it whole when it does not fit (nothing is taken then).
    pub fn charge(&mut self, bytes: usize) -> Result<(), CoreError> {
        let amount = match self.unit {
            UsageLimitsUnit::Byte => u64::try_from(bytes).unwrap_or(u64::MAX),
            UsageLimitsUnit::Object => 1,
        };
        match self.remaining.checked_sub(amount) {
            Some(left) => {
                self.remaining = left;
                Ok(())
            }
            None => Err(CoreError::UsageLimitReached {
                remaining: self.remaining,
            }),
        }
    }
}

/// Who chose a key's name.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NameSource {
    /// The client named it (every REST key; a KMIP object with a Name).
    #[default]
    Client,
    /// keyhold named it (`kmip-<uuid>`) because the KMIP client gave no
    /// Name: it has no KMIP Name.
    Server,
}

impl NameSource {
    /// Whether the client chose the name.
    pub fn is_client(&self) -> bool {
        *self == Self::Client
    }
}

impl KmipMeta {
    /// Whether nothing is kept: the default, whatever fields are added
    /// (the store writes no column for an empty one).
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The KMIP Name of a key named `name`: none when keyhold chose it.
    pub fn kmip_name<'a>(&self, name: &'a KeyName) -> Option<&'a KeyName> {
        self.name_source.is_client().then_some(name)
    }

    /// Checks that it fits a key of `algorithm`: a data algorithm has its
    /// [`DataObject`] of the same kind, a key none; a data object has no
    /// symmetric format but Raw; at most [`MAX_OBJECT_GROUPS`] groups.
    pub fn check(&self, algorithm: Algorithm) -> Result<(), CoreError> {
        let expected = algorithm.is_data().then_some(algorithm);
        if self.data.as_ref().map(DataObject::algorithm) != expected {
            return Err(CoreError::InvalidValue {
                field: "data_object",
                reason: "a data object's kind must be its algorithm's, and a key has none",
            });
        }
        if algorithm.is_data() && !self.symmetric_format.is_raw() {
            return Err(CoreError::InvalidValue {
                field: "symmetric_format",
                reason: "a data object is kept in its own format, not a symmetric key's",
            });
        }
        if self.object_groups.len() > MAX_OBJECT_GROUPS {
            return Err(CoreError::InvalidValue {
                field: "object_group",
                reason: "a key belongs to at most 16 Object Groups",
            });
        }
        crate::kmip_links::check_links(&self.links)?;
        crate::kmip_app_info::check_app_infos(&self.app_info)?;
        crate::kmip_app_info::check_alt_names(&self.alt_names)?;
        crate::kmip_custom::check_custom(&self.custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> DataObject {
        DataObject::Secret {
            data_type: DataType::new(1),
            format: SecretFormat::Opaque,
        }
    }

    #[test]
    fn the_data_object_must_match_the_algorithm() {
        let meta = KmipMeta {
            data: Some(secret()),
            object_groups: Vec::new(),
            name_source: NameSource::Client,
            symmetric_format: SymmetricFormat::Raw,
            usage_limits: None,
            links: Vec::new(),
            sensitive: false,
            destroy_requested_at: None,
            app_info: Vec::new(),
            alt_names: Vec::new(),
            custom: Vec::new(),
        };
        meta.check(Algorithm::SecretData).unwrap();
        assert!(meta.check(Algorithm::OpaqueData).is_err());
        assert!(meta.check(Algorithm::Aes256Gcm).is_err());
        assert!(KmipMeta::default().check(Algorithm::OpaqueData).is_err());
        KmipMeta::default().check(Algorithm::Aes256Gcm).unwrap();
        let cert = KmipMeta {
            data: Some(DataObject::Certificate {
                certificate_type: DataType::new(1),
            }),
            ..meta
        };
        cert.check(Algorithm::Certificate).unwrap();
        assert!(cert.check(Algorithm::OpaqueData).is_err());
    }

    #[test]
    fn usage_limits_take_whole_protections_until_none_fits() {
        let mut bytes = UsageLimits::new(UsageLimitsUnit::Byte, 16).unwrap();
        bytes.charge(10).unwrap();
        assert!(matches!(
            bytes.charge(7),
            Err(CoreError::UsageLimitReached { remaining: 6 })
        ));
        assert_eq!(bytes.remaining, 6, "a refused charge takes nothing");
        bytes.charge(6).unwrap();
        assert!(bytes.charge(1).is_err());
        let mut objects = UsageLimits::new(UsageLimitsUnit::Object, 2).unwrap();
        objects.charge(1 << 20).unwrap();
        objects.charge(0).unwrap();
        assert!(objects.charge(0).is_err());
        assert!(UsageLimits::new(UsageLimitsUnit::Object, 0).is_err());
        let meta = KmipMeta {
            usage_limits: Some(objects),
            ..KmipMeta::default()
        };
        assert!(!meta.is_empty());
        let json = serde_json::to_string(&meta).unwrap();
        assert_eq!(serde_json::from_str::<KmipMeta>(&json).unwrap(), meta);
    }

    #[test]
    fn a_registered_format_is_kept_for_keys_only() {
        let meta = KmipMeta {
            symmetric_format: SymmetricFormat::TransparentSymmetricKey,
            ..KmipMeta::default()
        };
        meta.check(Algorithm::Aes128Raw).unwrap();
        assert!(!meta.is_empty());
        let data = KmipMeta {
            data: Some(secret()),
            ..meta.clone()
        };
        assert!(data.check(Algorithm::SecretData).is_err());
        let json = serde_json::to_string(&meta).unwrap();
        assert_eq!(json, r#"{"symmetric_format":"transparent-symmetric-key"}"#);
        assert_eq!(serde_json::from_str::<KmipMeta>(&json).unwrap(), meta);
        // Stored before the field existed: Raw.
        let old: KmipMeta = serde_json::from_str("{}").unwrap();
        assert!(old.symmetric_format.is_raw());
    }

    #[test]
    fn sensitive_is_kept_only_when_true_and_older_rows_read_false() {
        let older: KmipMeta = serde_json::from_str(r#"{"name_source":"server"}"#).unwrap();
        assert!(!older.sensitive);
        let meta = KmipMeta {
            sensitive: true,
            ..KmipMeta::default()
        };
        assert!(!meta.is_empty());
        let json = serde_json::to_string(&meta).unwrap();
        assert_eq!(json, r#"{"sensitive":true}"#);
        assert_eq!(serde_json::from_str::<KmipMeta>(&json).unwrap(), meta);
        assert_eq!(serde_json::to_string(&KmipMeta::default()).unwrap(), "{}");
    }

    #[test]
    fn object_groups_are_bounded() {
        assert!(ObjectGroup::try_from(String::new()).is_err());
        assert!(ObjectGroup::try_from("g".repeat(MAX_OBJECT_GROUP_BYTES + 1)).is_err());
        let g = ObjectGroup::try_from("tapes".to_owned()).unwrap();
        let meta = KmipMeta {
            data: None,
            object_groups: vec![g; MAX_OBJECT_GROUPS + 1],
            name_source: NameSource::Client,
            symmetric_format: SymmetricFormat::Raw,
            usage_limits: None,
            links: Vec::new(),
            sensitive: false,
            destroy_requested_at: None,
            app_info: Vec::new(),
            alt_names: Vec::new(),
            custom: Vec::new(),
        };
        assert!(meta.check(Algorithm::Aes256Raw).is_err());
    }

    #[test]
    fn tape_library_attributes_are_kept_checked_and_not_empty() {
        use crate::kmip_app_info::MAX_APP_INFOS;
        use crate::kmip_custom::{CustomName, CustomValue};
        let info = AppInfo::new("LIBRARY-LTO".into(), "0123".into()).unwrap();
        let meta = KmipMeta {
            app_info: vec![info.clone()],
            alt_names: vec![AltName::new("XXA012A1".into(), 1).unwrap()],
            custom: vec![CustomAttribute {
                name: CustomName::try_from("x-VendorAttribute2".to_owned()).unwrap(),
                value: CustomValue::Integer(0),
            }],
            ..KmipMeta::default()
        };
        assert!(!meta.is_empty());
        meta.check(Algorithm::Aes256Raw).unwrap();
        let json = serde_json::to_string(&meta).unwrap();
        assert_eq!(serde_json::from_str::<KmipMeta>(&json).unwrap(), meta);
        let too_many = KmipMeta {
            app_info: vec![info; MAX_APP_INFOS + 1],
            ..KmipMeta::default()
        };
        assert!(too_many.check(Algorithm::Aes256Raw).is_err());
        for one in [
            KmipMeta {
                app_info: meta.app_info.clone(),
                ..KmipMeta::default()
            },
            KmipMeta {
                alt_names: meta.alt_names.clone(),
                ..KmipMeta::default()
            },
            KmipMeta {
                custom: meta.custom.clone(),
                ..KmipMeta::default()
            },
        ] {
            assert!(!one.is_empty());
        }
    }

    #[test]
    fn any_field_set_makes_it_not_empty() {
        assert!(KmipMeta::default().is_empty());
        let asked = KmipMeta {
            destroy_requested_at: Some(Timestamp::from_unix_seconds(1)),
            ..KmipMeta::default()
        };
        assert!(!asked.is_empty());
        let sensitive = KmipMeta {
            sensitive: true,
            ..KmipMeta::default()
        };
        assert!(!sensitive.is_empty());
    }

    #[test]
    fn json_round_trips_and_keeps_extension_values() {
        let meta = KmipMeta {
            data: Some(DataObject::Opaque {
                data_type: DataType::new(0x8012_3456),
            }),
            object_groups: vec![ObjectGroup::try_from("g".to_owned()).unwrap()],
            name_source: NameSource::Client,
            symmetric_format: SymmetricFormat::Raw,
            usage_limits: None,
            links: Vec::new(),
            sensitive: false,
            destroy_requested_at: None,
            app_info: Vec::new(),
            alt_names: Vec::new(),
            custom: Vec::new(),
        };
        let json = serde_json::to_string(&meta).unwrap();
        assert_eq!(
            json,
            r#"{"data":{"object":"opaque","data_type":2148676694},"object_groups":["g"]}"#
        );
        assert_eq!(serde_json::from_str::<KmipMeta>(&json).unwrap(), meta);
        let bad = r#"{"object_groups":[""]}"#;
        assert!(serde_json::from_str::<KmipMeta>(bad).is_err());
    }

    #[test]
    fn a_server_chosen_name_is_no_kmip_name() {
        let name: KeyName = "kmip-1".parse().unwrap();
        let mut meta = KmipMeta::default();
        assert_eq!(meta.kmip_name(&name), Some(&name));
        assert!(meta.is_empty());
        meta.name_source = NameSource::Server;
        assert_eq!(meta.kmip_name(&name), None);
        assert!(!meta.is_empty(), "the name's source is kept");
        let json = serde_json::to_string(&meta).unwrap();
        assert_eq!(json, r#"{"name_source":"server"}"#);
        assert_eq!(serde_json::from_str::<KmipMeta>(&json).unwrap(), meta);
        assert_eq!(
            serde_json::from_str::<KmipMeta>("{}").unwrap(),
            KmipMeta::default()
        );
    }
}
