//! The descriptive, multi-valued KMIP attributes a client sets to find its
//! objects again: Application Specific Information (KMIP 1.4 section 3.36,
//! KMIP 2.1 section 4.4), by which tape libraries find a cartridge's key,
//! and Alternative Name (KMIP 1.4 section 3.40, KMIP 2.1 section 4.2).
//! keyhold keeps them with the key, reports them and matches them in
//! Locate; no other decision reads them.

use serde::{Deserialize, Serialize};

use crate::error::CoreError;

/// The longest Application Namespace kept, in bytes.
pub const MAX_APP_NAMESPACE_BYTES: usize = 256;
/// The longest Application Data kept, in bytes.
pub const MAX_APP_DATA_BYTES: usize = 1024;
/// The most Application Specific Information instances one key keeps.
pub const MAX_APP_INFOS: usize = 16;
/// The longest Alternative Name Value kept, in bytes.
pub const MAX_ALT_NAME_BYTES: usize = 256;
/// The most Alternative Names one key keeps.
pub const MAX_ALT_NAMES: usize = 16;

/// One Application Specific Information instance: an Application
/// Namespace of 1 to [`MAX_APP_NAMESPACE_BYTES`] bytes and its Application
/// Data, at most [`MAX_APP_DATA_BYTES`] bytes. keyhold supports no
/// namespace of its own, so it never makes the data up: a client gives it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "AppInfoFields")]
pub struct AppInfo {
    namespace: String,
    data: String,
}

/// [`AppInfo`] as stored, checked on the way in.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AppInfoFields {
    namespace: String,
    data: String,
}

impl TryFrom<AppInfoFields> for AppInfo {
    type Error = CoreError;
    fn try_from(f: AppInfoFields) -> Result<Self, Self::Error> {
        AppInfo::new(f.namespace, f.data)
    }
}

impl AppInfo {
    /// The instance of `namespace` holding `data`, when both fit.
    pub fn new(namespace: String, data: String) -> Result<Self, CoreError> {
        if namespace.is_empty() || namespace.len() > MAX_APP_NAMESPACE_BYTES {
            return Err(invalid(
                "application_specific_information",
                "an Application Namespace is 1 to 256 bytes",
            ));
        }
        if data.len() > MAX_APP_DATA_BYTES {
            return Err(invalid(
                "application_specific_information",
                "an Application Data is at most 1024 bytes",
            ));
        }
        Ok(Self { namespace, data })
    }

    /// The Application Namespace.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The Application Data.
    pub fn data(&self) -> &str {
        &self.data
    }
}

/// One Alternative Name: a value of 1 to [`MAX_ALT_NAME_BYTES`] bytes and
/// its Alternative Name Type, the KMIP enumeration value (KMIP 1.4 section
/// 9.1.3.2.34, extensions included). Alternative Names need not be unique.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "AltNameFields")]
pub struct AltName {
    value: String,
    name_type: u32,
}

/// [`AltName`] as stored, checked on the way in.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AltNameFields {
    value: String,
    name_type: u32,
}

impl TryFrom<AltNameFields> for AltName {
    type Error = CoreError;
    fn try_from(f: AltNameFields) -> Result<Self, Self::Error> {
        AltName::new(f.value, f.name_type)
    }
}

impl AltName {
    /// The name `value` of type `name_type`, when the value fits.
    pub fn new(value: String, name_type: u32) -> Result<Self, CoreError> {
        if value.is_empty() || value.len() > MAX_ALT_NAME_BYTES {
            return Err(invalid(
                "alternative_name",
                "an Alternative Name Value is 1 to 256 bytes",
            ));
        }
        Ok(Self { value, name_type })
    }

    /// The Alternative Name Value.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The Alternative Name Type.
    pub fn name_type(&self) -> u32 {
        self.name_type
    }
}

fn invalid(field: &'static str, reason: &'static str) -> CoreError {
    CoreError::InvalidValue { field, reason }
}

/// Checks a key's instances of one attribute: at most `max`, none twice.
fn check_instances<T: PartialEq>(
    items: &[T],
    max: usize,
    field: &'static str,
    reasons: [&'static str; 2],
) -> Result<(), CoreError> {
    let [too_many, twice] = reasons;
    if items.len() > max {
        return Err(invalid(field, too_many));
    }
    let repeated = items
        .iter()
        .enumerate()
        .any(|(i, a)| items.iter().skip(i + 1).any(|b| a == b));
    if repeated {
        return Err(invalid(field, twice));
    }
    Ok(())
}

/// Checks a key's Application Specific Information: at most
/// [`MAX_APP_INFOS`], none twice.
pub fn check_app_infos(infos: &[AppInfo]) -> Result<(), CoreError> {
    check_instances(
        infos,
        MAX_APP_INFOS,
        "application_specific_information",
        [
            "a key keeps at most 16 Application Specific Information",
            "the same Application Specific Information is set twice",
        ],
    )
}

/// Checks a key's Alternative Names: at most [`MAX_ALT_NAMES`], none
/// twice.
pub fn check_alt_names(names: &[AltName]) -> Result<(), CoreError> {
    check_instances(
        names,
        MAX_ALT_NAMES,
        "alternative_name",
        [
            "a key keeps at most 16 Alternative Names",
            "the same Alternative Name is set twice",
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(ns: &str, data: &str) -> AppInfo {
        AppInfo::new(ns.to_owned(), data.to_owned()).unwrap()
    }

    #[test]
    fn application_information_is_bounded_and_distinct() {
        assert!(AppInfo::new(String::new(), "d".into()).is_err());
        assert!(AppInfo::new("n".repeat(MAX_APP_NAMESPACE_BYTES + 1), "d".into()).is_err());
        assert!(AppInfo::new("n".into(), "d".repeat(MAX_APP_DATA_BYTES + 1)).is_err());
        assert_eq!(info("LIBRARY-LTO", "").data(), "");
        check_app_infos(&[info("a", "1"), info("a", "2")]).unwrap();
        assert!(check_app_infos(&[info("a", "1"), info("a", "1")]).is_err());
        let many: Vec<_> = (0..=MAX_APP_INFOS)
            .map(|i| info("a", &i.to_string()))
            .collect();
        assert!(check_app_infos(&many).is_err());
        let json = serde_json::to_string(&info("a", "1")).unwrap();
        assert_eq!(json, r#"{"namespace":"a","data":"1"}"#);
        assert_eq!(
            serde_json::from_str::<AppInfo>(&json).unwrap(),
            info("a", "1")
        );
        let bad = r#"{"namespace":"","data":"1"}"#;
        assert!(serde_json::from_str::<AppInfo>(bad).is_err());
    }

    #[test]
    fn alternative_names_are_bounded_and_distinct() {
        let name = |v: &str| AltName::new(v.to_owned(), 1).unwrap();
        assert!(AltName::new(String::new(), 1).is_err());
        assert!(AltName::new("v".repeat(MAX_ALT_NAME_BYTES + 1), 1).is_err());
        check_alt_names(&[name("a"), name("b")]).unwrap();
        assert!(check_alt_names(&[name("a"), name("a")]).is_err());
        assert!(check_alt_names(&vec![name("a"); MAX_ALT_NAMES + 1]).is_err());
        let json = serde_json::to_string(&name("XXA012A1")).unwrap();
        assert_eq!(
            serde_json::from_str::<AltName>(&json).unwrap(),
            name("XXA012A1")
        );
        assert!(serde_json::from_str::<AltName>(r#"{"value":"","name_type":1}"#).is_err());
    }
}
