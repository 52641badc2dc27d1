//! Unique Identifier (KMIP 1.4 section 3.1, KMIP 2.1 section 4.58): a text in 1.x; in 2.x
//! also an enumeration (the ID Placeholder and other references, KMIP 2.1 section 11.58) or
//! an index.

use keyhold_ttlv::{Tag, Ttlv, Value};

use crate::error::{KmipError, Result};
use crate::{ProtocolVersion, UniqueIdentifierEnum, tags};

/// An object's identifier as a request names it.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum UniqueIdentifier {
    /// The identifier text the server assigned.
    Text(String),
    /// A KMIP 2.x reference such as `IDPlaceholder`.
    Enumerated(UniqueIdentifierEnum),
    /// A KMIP 2.x index into the ID placeholder stack.
    Index(i32),
}

impl UniqueIdentifier {
    /// Parses the field, whatever its tag.
    pub(crate) fn parse(item: &Ttlv) -> Result<UniqueIdentifier> {
        match &item.value {
            Value::TextString(s) => Ok(UniqueIdentifier::Text(s.clone())),
            Value::Enumeration(v) => Ok(UniqueIdentifier::Enumerated((*v).into())),
            Value::Integer(i) => Ok(UniqueIdentifier::Index(*i)),
            other => Err(KmipError::WrongType {
                field: item.tag,
                expected: keyhold_ttlv::ItemType::TextString,
                actual: other.item_type(),
            }),
        }
    }

    /// The field under `tag`.
    pub(crate) fn to_ttlv(&self, tag: Tag) -> Ttlv {
        let value = match self {
            UniqueIdentifier::Text(s) => Value::TextString(s.clone()),
            UniqueIdentifier::Enumerated(e) => Value::Enumeration((*e).into()),
            UniqueIdentifier::Index(i) => Value::Integer(*i),
        };
        Ttlv::new(tag, value)
    }

    /// The field under `tag` in `version`: KMIP 1.x knows only text identifiers.
    pub(crate) fn to_ttlv_for(&self, tag: Tag, version: ProtocolVersion) -> Result<Ttlv> {
        if !version.is_v2() && self.as_text().is_none() {
            return Err(KmipError::NotInVersion {
                field: tag,
                version,
            });
        }
        Ok(self.to_ttlv(tag))
    }

    /// The identifier text, if it is one.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            UniqueIdentifier::Text(s) => Some(s),
            _ => None,
        }
    }
}

/// Reads an optional Unique Identifier field.
pub(crate) fn opt_uid(r: &mut crate::fields::Reader<'_>) -> Result<Option<UniqueIdentifier>> {
    r.opt_map(tags::UNIQUE_IDENTIFIER, UniqueIdentifier::parse)
}

/// Appends an optional Unique Identifier field in the form of `version`.
pub(crate) fn push_uid(
    out: &mut Vec<Ttlv>,
    uid: Option<&UniqueIdentifier>,
    version: ProtocolVersion,
) -> Result<()> {
    if let Some(u) = uid {
        out.push(u.to_ttlv_for(tags::UNIQUE_IDENTIFIER, version)?);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_exist_only_in_2x() {
        let id = UniqueIdentifier::Enumerated(UniqueIdentifierEnum::IDPlaceholder);
        let tag = tags::UNIQUE_IDENTIFIER;
        assert!(id.to_ttlv_for(tag, ProtocolVersion::V2_0).is_ok());
        assert_eq!(
            id.to_ttlv_for(tag, ProtocolVersion::V1_4),
            Err(KmipError::NotInVersion {
                field: tag,
                version: ProtocolVersion::V1_4
            })
        );
        let text = UniqueIdentifier::Text("k".into());
        assert_eq!(UniqueIdentifier::parse(&text.to_ttlv(tag)), Ok(text));
    }
}
