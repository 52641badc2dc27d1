//! Names people give to keys and tenants, parsed once at the edge.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::CoreError;
use crate::ids::KeyId;
use crate::policy::BuiltinRole;

/// Longest name accepted for a key or a tenant, in bytes.
pub const MAX_NAME_LEN: usize = 128;

/// Names that are REST path words under `/v1/keys/` (a key so named could
/// not be reached by name).
const RESERVED: [&str; 2] = ["import", "import-token"];

fn check_name(s: &str, kind: &'static str) -> Result<(), CoreError> {
    let invalid = |reason| CoreError::InvalidName { kind, reason };
    if s.is_empty() {
        return Err(invalid("must not be empty"));
    }
    if s.len() > MAX_NAME_LEN {
        return Err(invalid("must be at most 128 bytes"));
    }
    if !s.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(invalid("must start with a letter or digit"));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/');
    if !s.chars().all(allowed) {
        return Err(invalid(
            "may hold only letters, digits, '-', '_', '.' and '/'",
        ));
    }
    if RESERVED.contains(&s) {
        return Err(invalid("is reserved by the API"));
    }
    if Uuid::try_parse(s).is_ok() {
        return Err(invalid(
            "must not look like a UUID (ids and names share one namespace)",
        ));
    }
    Ok(())
}

macro_rules! name_type {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// The name as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = CoreError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                check_name(s, $kind).map(|()| Self(s.to_owned()))
            }
        }

        impl TryFrom<String> for $name {
            type Error = CoreError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                check_name(&s, $kind).map(|()| Self(s))
            }
        }

        impl From<$name> for String {
            fn from(n: $name) -> String {
                n.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }
    };
}

name_type!(
    /// A key's name, unique within its tenant: 1 to 128 bytes of letters,
    /// digits, `-`, `_`, `.` and `/`, starting with a letter or digit, and never
    /// shaped like a UUID.
    KeyName,
    "key"
);
name_type!(
    /// A tenant's name, unique across the server; same rules as [`KeyName`].
    TenantName,
    "tenant"
);

name_type!(
    /// A principal's name, unique within its tenant; same rules as [`KeyName`].
    PrincipalName,
    "principal"
);
name_type!(
    /// A policy's name, unique within its tenant; same rules as [`KeyName`].
    PolicyName,
    "policy"
);
name_type!(
    /// A role's name, unique within its tenant; same rules as [`KeyName`].
    /// The built-in roles' names (`admin`, `key-custodian`, ...) are role
    /// names too: [`RoleName::builtin`] tells them apart.
    RoleName,
    "role"
);

impl RoleName {
    /// The built-in role of this name, if it is one.
    pub fn builtin(&self) -> Option<BuiltinRole> {
        BuiltinRole::ALL
            .into_iter()
            .find(|r| r.as_str() == self.as_str())
    }
}

impl From<BuiltinRole> for RoleName {
    fn from(r: BuiltinRole) -> Self {
        // Every built-in name obeys the naming rules (a test holds it).
        Self(r.as_str().to_owned())
    }
}

/// How a request names a key: by id or by name. A UUID-shaped string is an id;
/// names can never look like one, so the two never collide.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum KeyRef {
    /// The key's id.
    Id(KeyId),
    /// The key's name within the caller's tenant.
    Name(KeyName),
}

impl FromStr for KeyRef {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.parse::<KeyId>() {
            Ok(id) => Ok(Self::Id(id)),
            Err(_) => s.parse().map(Self::Name),
        }
    }
}

impl fmt::Display for KeyRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Id(id) => fmt::Display::fmt(id, f),
            Self::Name(name) => fmt::Display::fmt(name, f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_names_parse() {
        for ok in ["payments", "app/db-master.v2", "A_1", "x"] {
            assert_eq!(ok.parse::<KeyName>().unwrap().as_str(), ok);
        }
    }

    #[test]
    fn bad_names_are_refused_with_a_reason() {
        let long = "a".repeat(129);
        for bad in [
            "",
            "-lead",
            "has space",
            "é",
            "a\u{0}b",
            long.as_str(),
            "../x",
        ] {
            assert!(bad.parse::<KeyName>().is_err(), "{bad:?} accepted");
        }
        let uuid_like = "67e55044-10b1-426f-9247-bb680e5fe0c8";
        assert!(uuid_like.parse::<KeyName>().is_err());
        assert!("import".parse::<KeyName>().is_err());
        assert!("import-token".parse::<KeyName>().is_err());
        assert!("imports".parse::<KeyName>().is_ok());
        assert!(serde_json::from_str::<KeyName>("\"bad name\"").is_err());
    }

    #[test]
    fn builtin_role_names_are_role_names() {
        for r in BuiltinRole::ALL {
            let parsed: RoleName = r.as_str().parse().unwrap();
            assert_eq!(parsed, RoleName::from(r));
            assert_eq!(parsed.builtin(), Some(r));
        }
        let custom: RoleName = "payments-operator".parse().unwrap();
        assert_eq!(custom.builtin(), None);
        assert!("Admin".parse::<RoleName>().unwrap().builtin().is_none());
    }

    #[test]
    fn access_names_follow_the_key_rules_and_say_which() {
        let err = "bad name".parse::<PrincipalName>().unwrap_err();
        assert!(matches!(
            err,
            CoreError::InvalidName {
                kind: "principal",
                ..
            }
        ));
        let err = "".parse::<PolicyName>().unwrap_err();
        assert!(matches!(err, CoreError::InvalidName { kind: "policy", .. }));
        let err = "-x".parse::<RoleName>().unwrap_err();
        assert!(matches!(err, CoreError::InvalidName { kind: "role", .. }));
        assert_eq!(
            err.to_string(),
            "invalid role name: must start with a letter or digit"
        );
        assert!("svc/ci.deploy".parse::<PrincipalName>().is_ok());
    }

    #[test]
    fn key_refs_tell_ids_from_names() {
        let uuid = "67e55044-10b1-426f-9247-bb680e5fe0c8";
        assert!(matches!(uuid.parse::<KeyRef>().unwrap(), KeyRef::Id(_)));
        assert!(matches!(
            "orders".parse::<KeyRef>().unwrap(),
            KeyRef::Name(_)
        ));
        assert!("bad name".parse::<KeyRef>().is_err());
    }
}
