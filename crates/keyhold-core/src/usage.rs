//! The cryptographic usage mask of a key, with the bit values of KMIP's
//! Cryptographic Usage Mask (KMIP 2.1 section 4.13, 11.15).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::CoreError;

/// A set of permitted uses. Serialized as a list of names
/// (`["encrypt", "decrypt"]`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct UsageMask(u32);

impl UsageMask {
    /// No usage.
    pub const EMPTY: Self = Self(0);
    /// Sign (KMIP 0x0000_0001).
    pub const SIGN: Self = Self(0x0000_0001);
    /// Verify (KMIP 0x0000_0002).
    pub const VERIFY: Self = Self(0x0000_0002);
    /// Encrypt (KMIP 0x0000_0004).
    pub const ENCRYPT: Self = Self(0x0000_0004);
    /// Decrypt (KMIP 0x0000_0008).
    pub const DECRYPT: Self = Self(0x0000_0008);
    /// Wrap Key (KMIP 0x0000_0010).
    pub const WRAP_KEY: Self = Self(0x0000_0010);
    /// Unwrap Key (KMIP 0x0000_0020).
    pub const UNWRAP_KEY: Self = Self(0x0000_0020);
    /// MAC Generate (KMIP 0x0000_0080).
    pub const MAC_GENERATE: Self = Self(0x0000_0080);
    /// MAC Verify (KMIP 0x0000_0100).
    pub const MAC_VERIFY: Self = Self(0x0000_0100);
    /// Derive Key (KMIP 0x0000_0200).
    pub const DERIVE_KEY: Self = Self(0x0000_0200);

    const NAMED: [(Self, &'static str); 9] = [
        (Self::SIGN, "sign"),
        (Self::VERIFY, "verify"),
        (Self::ENCRYPT, "encrypt"),
        (Self::DECRYPT, "decrypt"),
        (Self::WRAP_KEY, "wrap-key"),
        (Self::UNWRAP_KEY, "unwrap-key"),
        (Self::MAC_GENERATE, "mac-generate"),
        (Self::MAC_VERIFY, "mac-verify"),
        (Self::DERIVE_KEY, "derive-key"),
    ];
    const KNOWN_BITS: u32 = 0x3BF;
    /// Every use keyhold knows.
    pub const ALL: Self = Self(Self::KNOWN_BITS);

    /// The set with both.
    pub const fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// Whether every use in `other` is in `self`.
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether no use is set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The KMIP bit value.
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// From KMIP bits; bits keyhold does not know are refused.
    pub fn from_bits(bits: u32) -> Result<Self, CoreError> {
        if bits & !Self::KNOWN_BITS != 0 {
            return Err(CoreError::UnknownUsage);
        }
        Ok(Self(bits))
    }

    /// The names of the uses in the set, in a stable order.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        Self::NAMED
            .into_iter()
            .filter(move |(u, _)| self.contains(*u))
            .map(|(_, n)| n)
    }
}

impl FromStr for UsageMask {
    type Err = CoreError;
    /// Parses one usage name.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::NAMED
            .into_iter()
            .find(|(_, n)| *n == s)
            .map(|(u, _)| u)
            .ok_or(CoreError::UnknownUsage)
    }
}

impl fmt::Display for UsageMask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.names().collect();
        f.write_str(&names.join(","))
    }
}

impl fmt::Debug for UsageMask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UsageMask[{self}]")
    }
}

impl Serialize for UsageMask {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.names())
    }
}

impl<'de> Deserialize<'de> for UsageMask {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let names = Vec::<String>::deserialize(d)?;
        names.iter().try_fold(Self::EMPTY, |acc, n| {
            n.parse::<Self>()
                .map(|u| acc.union(u))
                .map_err(|_| serde::de::Error::custom(format!("unknown key usage {n:?}")))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        let m = UsageMask::ENCRYPT.union(UsageMask::DECRYPT);
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, r#"["encrypt","decrypt"]"#);
        assert_eq!(serde_json::from_str::<UsageMask>(&json).unwrap(), m);
    }

    #[test]
    fn unknown_names_and_bits_are_refused() {
        assert!(serde_json::from_str::<UsageMask>(r#"["encrypt","fly"]"#).is_err());
        assert!(UsageMask::from_bits(0x400).is_err());
        assert_eq!(
            UsageMask::from_bits(0x0C).unwrap(),
            UsageMask::ENCRYPT.union(UsageMask::DECRYPT)
        );
    }

    #[test]
    fn contains_is_subset() {
        let m = UsageMask::SIGN.union(UsageMask::VERIFY);
        assert!(m.contains(UsageMask::SIGN));
        assert!(!m.contains(UsageMask::SIGN.union(UsageMask::ENCRYPT)));
        assert!(m.contains(UsageMask::EMPTY));
    }
}
