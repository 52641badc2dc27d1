//! The Links a KMIP client sets between objects (KMIP 1.4 section 3.35,
//! KMIP 2.1 section 4.31), for instance the Next and Previous Links that
//! chain a tape's keys. keyhold keeps them with the key and reports them;
//! the links it makes itself (a key pair's halves) are not kept here. No
//! decision reads them.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::CoreError;

/// The longest Linked Object Identifier kept, in bytes.
pub const MAX_LINKED_ID_BYTES: usize = 256;
/// The most Links one key keeps.
pub const MAX_LINKS: usize = 16;

/// The Unique Identifier a Link names, as the client gave it: 1 to
/// [`MAX_LINKED_ID_BYTES`] bytes of text. KMIP does not require the object
/// to exist (it may live on another server).
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LinkedId(String);

impl LinkedId {
    /// The identifier.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for LinkedId {
    type Error = CoreError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        if s.is_empty() || s.len() > MAX_LINKED_ID_BYTES {
            return Err(CoreError::InvalidValue {
                field: "link",
                reason: "a Linked Object Identifier is 1 to 256 bytes",
            });
        }
        Ok(Self(s))
    }
}

impl From<LinkedId> for String {
    fn from(id: LinkedId) -> Self {
        id.0
    }
}

impl fmt::Debug for LinkedId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

/// One Link: its Link Type, the KMIP enumeration value (KMIP 1.4 section
/// 9.1.3.2.20, extensions included), and the object it names.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectLink {
    /// The Link Type.
    pub link_type: u32,
    /// The Linked Object Identifier.
    pub target: LinkedId,
}

/// Checks a key's links: at most [`MAX_LINKS`], none twice.
pub fn check_links(links: &[ObjectLink]) -> Result<(), CoreError> {
    if links.len() > MAX_LINKS {
        return Err(CoreError::InvalidValue {
            field: "links",
            reason: "a key keeps at most 16 Links",
        });
    }
    let twice = links
        .iter()
        .enumerate()
        .any(|(i, l)| links.iter().skip(i + 1).any(|m| m == l));
    if twice {
        return Err(CoreError::InvalidValue {
            field: "links",
            reason: "the same Link is set twice",
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(t: u32, id: &str) -> ObjectLink {
        ObjectLink {
            link_type: t,
            target: LinkedId::try_from(id.to_owned()).unwrap(),
        }
    }

    #[test]
    fn links_are_bounded_and_distinct() {
        check_links(&[link(0x109, "a"), link(0x10A, "a")]).unwrap();
        assert!(check_links(&[link(0x109, "a"), link(0x109, "a")]).is_err());
        assert!(check_links(&vec![link(1, "a"); MAX_LINKS + 1]).is_err());
        assert!(LinkedId::try_from(String::new()).is_err());
        assert!(LinkedId::try_from("x".repeat(MAX_LINKED_ID_BYTES + 1)).is_err());
        let json = serde_json::to_string(&link(0x109, "a")).unwrap();
        assert_eq!(
            serde_json::from_str::<ObjectLink>(&json).unwrap(),
            link(0x109, "a")
        );
    }
}
