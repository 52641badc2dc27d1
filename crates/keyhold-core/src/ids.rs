//! Identifier newtypes. Each kind of identity is its own type, so a key id can
//! never be passed where a tenant id is expected.

use std::fmt;
use std::num::NonZeroU32;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::CoreError;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// Wraps a UUID the caller made (core has no randomness of its own).
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// The UUID inside.
            pub const fn as_uuid(&self) -> &Uuid {
                &self.0
            }

            /// The 16 bytes of the UUID, as bound into AAD and envelopes.
            pub const fn as_bytes(&self) -> &[u8; 16] {
                self.0.as_bytes()
            }

            /// Rebuilds the id from its 16 bytes.
            pub const fn from_bytes(bytes: [u8; 16]) -> Self {
                Self(Uuid::from_bytes(bytes))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0.hyphenated(), f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0.hyphenated())
            }
        }

        impl FromStr for $name {
            type Err = CoreError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::try_parse(s)
                    .map(Self)
                    .map_err(|_| CoreError::InvalidId { kind: $what })
            }
        }
    };
}

uuid_id!(
    /// A tenant: the isolation boundary with its own key-encryption key.
    TenantId,
    "tenant"
);
uuid_id!(
    /// A managed key (all of its versions).
    KeyId,
    "key"
);
uuid_id!(
    /// One version of a key: one KMIP managed object with its own unique
    /// identifier (KMIP 2.1 section 4.1, Unique Identifier).
    VersionId,
    "version"
);
uuid_id!(
    /// A user or service that authenticates to keyhold.
    PrincipalId,
    "principal"
);
uuid_id!(
    /// One request, echoed in responses and audit events.
    RequestId,
    "request"
);
uuid_id!(
    /// An access token issued to a principal (its id, never its secret).
    TokenId,
    "token"
);
uuid_id!(
    /// A policy: a named list of statements within a tenant.
    PolicyId,
    "policy"
);
uuid_id!(
    /// A request waiting for a quorum of approvals.
    ApprovalId,
    "approval"
);

/// A key's version number: 1 for the first version, +1 at each rotation.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct VersionNumber(NonZeroU32);

impl VersionNumber {
    /// The first version of every key.
    pub const FIRST: Self = Self(NonZeroU32::MIN);

    /// Parses a version number; zero is not one.
    pub fn new(n: u32) -> Result<Self, CoreError> {
        NonZeroU32::new(n)
            .map(Self)
            .ok_or(CoreError::InvalidId { kind: "version" })
    }

    /// The number as an integer.
    pub const fn get(self) -> u32 {
        self.0.get()
    }

    /// The version after this one (rotation); `None` at `u32::MAX`.
    pub fn next(self) -> Option<Self> {
        self.0.checked_add(1).map(Self)
    }
}

impl TryFrom<u32> for VersionNumber {
    type Error = CoreError;
    fn try_from(n: u32) -> Result<Self, Self::Error> {
        Self::new(n)
    }
}

impl From<VersionNumber> for u32 {
    fn from(v: VersionNumber) -> u32 {
        v.get()
    }
}

impl fmt::Display for VersionNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Debug for VersionNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_text_and_bytes() {
        let id = KeyId::from_uuid(Uuid::from_u128(0x1234));
        let parsed: KeyId = id.to_string().parse().unwrap();
        assert_eq!(parsed, id);
        assert_eq!(KeyId::from_bytes(*id.as_bytes()), id);
    }

    #[test]
    fn malformed_ids_are_refused() {
        assert!("not-a-uuid".parse::<TenantId>().is_err());
        assert!("".parse::<KeyId>().is_err());
    }

    #[test]
    fn version_zero_is_not_a_version() {
        assert!(VersionNumber::new(0).is_err());
        assert_eq!(VersionNumber::FIRST.get(), 1);
        assert_eq!(VersionNumber::FIRST.next().unwrap().get(), 2);
        assert!(VersionNumber::new(u32::MAX).unwrap().next().is_none());
        assert!(serde_json::from_str::<VersionNumber>("0").is_err());
    }
}
