//! One attribute, typed (KMIP 1.4 section 3, KMIP 2.1 section 4), and its name in the 1.x
//! text form.

use keyhold_ttlv::dictionary::normalize_name;
use keyhold_ttlv::{Tag, Ttlv, Value};

use crate::crypto_params::CryptographicParameters;
use crate::error::{KmipError, Result};
use crate::fields::{self as f, Reader};
use crate::identifier::UniqueIdentifier;
use crate::{CryptographicAlgorithm, LinkType, NameType, ObjectType, ProtocolVersion, State, tags};

/// The attribute names of KMIP 1.4 section 3 and KMIP 2.1 section 4 as the 1.x Attribute
/// Name text spells them; the tag of each is the normalized name.
const NAMES: &[&str] = &[
    "Unique Identifier",
    "Name",
    "Object Type",
    "Cryptographic Algorithm",
    "Cryptographic Domain Parameters",
    "Cryptographic Length",
    "Cryptographic Parameters",
    "Certificate Type",
    "Certificate Length",
    "X.509 Certificate Identifier",
    "X.509 Certificate Subject",
    "X.509 Certificate Issuer",
    "Certificate Identifier",
    "Certificate Subject",
    "Certificate Issuer",
    "Digital Signature Algorithm",
    "Digest",
    "Operation Policy Name",
    "Cryptographic Usage Mask",
    "Lease Time",
    "Usage Limits",
    "State",
    "Initial Date",
    "Activation Date",
    "Process Start Date",
    "Protect Stop Date",
    "Deactivation Date",
    "Destroy Date",
    "Compromise Occurrence Date",
    "Compromise Date",
    "Revocation Reason",
    "Archive Date",
    "Object Group",
    "Fresh",
    "Link",
    "Application Specific Information",
    "Contact Information",
    "Last Change Date",
    "Alternative Name",
    "Key Value Present",
    "Key Value Location",
    "Original Creation Date",
    "Random Number Generator",
    "PKCS#12 Friendly Name",
    "Description",
    "Comment",
    "Sensitive",
    "Always Sensitive",
    "Extractable",
    "Never Extractable",
    "Key Format Type",
    "Short Unique Identifier",
    "Protection Storage Mask",
    "Protection Level",
    "Protection Period",
    "Quantum Safe",
    "NIST Key Type",
    "Opaque Data Type",
    "Object Group Member",
    "Rotate Date",
    "Rotate Generation",
    "Rotate Interval",
    "Rotate Latest",
    "Rotate Name",
    "Rotate Offset",
    "Certificate Subject CN",
];

/// The tag of a standard attribute named by its 1.x text, for example
/// `"Cryptographic Usage Mask"`.
pub fn attribute_tag(name: &str) -> Option<Tag> {
    NAMES
        .iter()
        .find(|n| **n == name)
        .and_then(|n| Tag::from_name(&normalize_name(n)))
}

/// The 1.x text name of a standard attribute's tag.
pub fn attribute_text_name(tag: Tag) -> Option<&'static str> {
    NAMES
        .iter()
        .copied()
        .find(|n| Tag::from_name(&normalize_name(n)) == Some(tag))
}

/// The date attributes (KMIP 1.4 sections 3.23–3.30, 3.32, 3.38, 3.43; KMIP 2.1 section 4).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum DateAttribute {
    /// Initial Date.
    Initial,
    /// Activation Date.
    Activation,
    /// Process Start Date.
    ProcessStart,
    /// Protect Stop Date.
    ProtectStop,
    /// Deactivation Date.
    Deactivation,
    /// Destroy Date.
    Destroy,
    /// Compromise Occurrence Date.
    CompromiseOccurrence,
    /// Compromise Date.
    Compromise,
    /// Archive Date.
    Archive,
    /// Last Change Date.
    LastChange,
    /// Original Creation Date.
    OriginalCreation,
}

const DATES: [(DateAttribute, Tag); 11] = [
    (DateAttribute::Initial, tags::INITIAL_DATE),
    (DateAttribute::Activation, tags::ACTIVATION_DATE),
    (DateAttribute::ProcessStart, tags::PROCESS_START_DATE),
    (DateAttribute::ProtectStop, tags::PROTECT_STOP_DATE),
    (DateAttribute::Deactivation, tags::DEACTIVATION_DATE),
    (DateAttribute::Destroy, tags::DESTROY_DATE),
    (
        DateAttribute::CompromiseOccurrence,
        tags::COMPROMISE_OCCURRENCE_DATE,
    ),
    (DateAttribute::Compromise, tags::COMPROMISE_DATE),
    (DateAttribute::Archive, tags::ARCHIVE_DATE),
    (DateAttribute::LastChange, tags::LAST_CHANGE_DATE),
    (
        DateAttribute::OriginalCreation,
        tags::ORIGINAL_CREATION_DATE,
    ),
];

impl DateAttribute {
    /// The attribute's tag.
    pub fn tag(self) -> Tag {
        DATES
            .iter()
            .find(|(d, _)| *d == self)
            .map_or(tags::INITIAL_DATE, |(_, t)| *t)
    }

    fn from_tag(tag: Tag) -> Option<DateAttribute> {
        DATES.iter().find(|(_, t)| *t == tag).map(|(d, _)| *d)
    }
}

/// Name (KMIP 1.4 section 3.2, KMIP 2.1 section 4.32).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Name {
    /// Name Value.
    pub value: String,
    /// Name Type.
    pub name_type: NameType,
}

/// Link (KMIP 1.4 section 3.35, KMIP 2.1 section 4.31).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Link {
    /// Link Type.
    pub link_type: LinkType,
    /// Linked Object Identifier.
    pub linked_object_identifier: UniqueIdentifier,
}

/// Application Specific Information (KMIP 1.4 section 3.36, KMIP 2.1
/// section 4.4): data an application keeps with the object under its
/// namespace (tape libraries find their keys by it).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ApplicationSpecificInformation {
    /// Application Namespace.
    pub namespace: String,
    /// Application Data; a client may omit it to ask the server for it.
    pub data: Option<String>,
}

/// Alternative Name (KMIP 1.4 section 3.40, KMIP 2.1 section 4.2).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct AlternativeName {
    /// Alternative Name Value.
    pub value: String,
    /// Alternative Name Type (KMIP 1.4 section 9.1.3.2.34, KMIP 2.1
    /// section 11.3), extensions included.
    pub name_type: u32,
}

/// An attribute's value, typed for the attributes the profiles use; every other standard
/// attribute is kept as its tag and TTLV value.
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum AttributeValue {
    /// Unique Identifier.
    UniqueIdentifier(UniqueIdentifier),
    /// Name.
    Name(Name),
    /// Object Type.
    ObjectType(ObjectType),
    /// Cryptographic Algorithm.
    CryptographicAlgorithm(CryptographicAlgorithm),
    /// Cryptographic Length in bits.
    CryptographicLength(i32),
    /// Cryptographic Parameters.
    CryptographicParameters(CryptographicParameters),
    /// Cryptographic Usage Mask (bits of KMIP 1.4 section 9.1.3.3.1).
    CryptographicUsageMask(i32),
    /// State.
    State(State),
    /// One of the date attributes (POSIX seconds).
    Date(DateAttribute, i64),
    /// Object Group.
    ObjectGroup(String),
    /// Contact Information.
    ContactInformation(String),
    /// Description (KMIP 1.4 section 3.46, KMIP 2.1 section 4): text
    /// about the object, for people.
    Description(String),
    /// Link.
    Link(Link),
    /// Application Specific Information.
    ApplicationSpecificInformation(ApplicationSpecificInformation),
    /// Alternative Name.
    AlternativeName(AlternativeName),
    /// A 1.x Custom Attribute (`x-…`, `y-…`) or 2.x Vendor Attribute.
    Vendor {
        /// Vendor Identification (the `x` or `y` prefix of a 1.x name).
        vendor: String,
        /// Attribute Name without the vendor prefix.
        name: String,
        /// The value as sent.
        value: Value,
    },
    /// Any other standard attribute, by tag.
    Other {
        /// The attribute's tag.
        tag: Tag,
        /// The value as sent.
        value: Value,
    },
}

impl AttributeValue {
    /// Parses the value of the standard attribute `tag` from `item`.
    pub(crate) fn parse(tag: Tag, item: &Ttlv) -> Result<AttributeValue> {
        use AttributeValue as A;
        if let Some(d) = DateAttribute::from_tag(tag) {
            return Ok(A::Date(d, f::date_time(item)?));
        }
        Ok(match tag {
            t if t == tags::UNIQUE_IDENTIFIER => {
                A::UniqueIdentifier(UniqueIdentifier::parse(item)?)
            }
            t if t == tags::NAME => A::Name(parse_name(item)?),
            t if t == tags::OBJECT_TYPE => A::ObjectType(f::enum_of(item)?),
            t if t == tags::CRYPTOGRAPHIC_ALGORITHM => A::CryptographicAlgorithm(f::enum_of(item)?),
            t if t == tags::CRYPTOGRAPHIC_LENGTH => A::CryptographicLength(f::int(item)?),
            t if t == tags::CRYPTOGRAPHIC_PARAMETERS => {
                A::CryptographicParameters(CryptographicParameters::parse(item)?)
            }
            t if t == tags::CRYPTOGRAPHIC_USAGE_MASK => A::CryptographicUsageMask(f::int(item)?),
            t if t == tags::STATE => A::State(f::enum_of(item)?),
            t if t == tags::OBJECT_GROUP => A::ObjectGroup(f::text(item)?),
            t if t == tags::CONTACT_INFORMATION => A::ContactInformation(f::text(item)?),
            t if t == tags::DESCRIPTION => A::Description(f::text(item)?),
            t if t == tags::LINK => A::Link(parse_link(item)?),
            t if t == tags::APPLICATION_SPECIFIC_INFORMATION => {
                A::ApplicationSpecificInformation(parse_app_info(item)?)
            }
            t if t == tags::ALTERNATIVE_NAME => A::AlternativeName(parse_alternative_name(item)?),
            _ => A::Other {
                tag,
                value: item.value.clone(),
            },
        })
    }

    /// The attribute's tag (Attribute for vendor attributes).
    pub fn tag(&self) -> Tag {
        use AttributeValue as A;
        match self {
            A::UniqueIdentifier(_) => tags::UNIQUE_IDENTIFIER,
            A::Name(_) => tags::NAME,
            A::ObjectType(_) => tags::OBJECT_TYPE,
            A::CryptographicAlgorithm(_) => tags::CRYPTOGRAPHIC_ALGORITHM,
            A::CryptographicLength(_) => tags::CRYPTOGRAPHIC_LENGTH,
            A::CryptographicParameters(_) => tags::CRYPTOGRAPHIC_PARAMETERS,
            A::CryptographicUsageMask(_) => tags::CRYPTOGRAPHIC_USAGE_MASK,
            A::State(_) => tags::STATE,
            A::Date(d, _) => d.tag(),
            A::ObjectGroup(_) => tags::OBJECT_GROUP,
            A::ContactInformation(_) => tags::CONTACT_INFORMATION,
            A::Description(_) => tags::DESCRIPTION,
            A::Link(_) => tags::LINK,
            A::ApplicationSpecificInformation(_) => tags::APPLICATION_SPECIFIC_INFORMATION,
            A::AlternativeName(_) => tags::ALTERNATIVE_NAME,
            A::Vendor { .. } => tags::ATTRIBUTE,
            A::Other { tag, .. } => *tag,
        }
    }

    /// The value as an item under `tag` (Attribute Value in 1.x, the attribute's tag in 2.x).
    pub(crate) fn value_item(&self, tag: Tag) -> Ttlv {
        use AttributeValue as A;
        match self {
            A::UniqueIdentifier(u) => u.to_ttlv(tag),
            A::Name(n) => Ttlv::structure(
                tag,
                vec![
                    f::text_item(tags::NAME_VALUE, &n.value),
                    f::enum_item(tags::NAME_TYPE, n.name_type),
                ],
            ),
            A::ObjectType(v) => f::enum_item(tag, *v),
            A::CryptographicAlgorithm(v) => f::enum_item(tag, *v),
            A::CryptographicLength(v) | A::CryptographicUsageMask(v) => f::integer(tag, *v),
            A::CryptographicParameters(p) => p.to_ttlv(tag),
            A::State(v) => f::enum_item(tag, *v),
            A::Date(_, v) => f::date_time_item(tag, *v),
            A::ObjectGroup(s) | A::ContactInformation(s) | A::Description(s) => {
                f::text_item(tag, s)
            }
            A::Link(l) => Ttlv::structure(
                tag,
                vec![
                    f::enum_item(tags::LINK_TYPE, l.link_type),
                    l.linked_object_identifier
                        .to_ttlv(tags::LINKED_OBJECT_IDENTIFIER),
                ],
            ),
            A::ApplicationSpecificInformation(i) => {
                let mut items = vec![f::text_item(tags::APPLICATION_NAMESPACE, &i.namespace)];
                f::push_opt(&mut items, i.data.as_deref(), |d| {
                    f::text_item(tags::APPLICATION_DATA, d)
                });
                Ttlv::structure(tag, items)
            }
            A::AlternativeName(n) => Ttlv::structure(
                tag,
                vec![
                    f::text_item(tags::ALTERNATIVE_NAME_VALUE, &n.value),
                    f::enum_item(tags::ALTERNATIVE_NAME_TYPE, n.name_type),
                ],
            ),
            A::Vendor { value, .. } | A::Other { value, .. } => Ttlv::new(tag, value.clone()),
        }
    }
}

fn parse_name(item: &Ttlv) -> Result<Name> {
    let mut r = Reader::new(item)?;
    let name = Name {
        value: r.req_map(tags::NAME_VALUE, f::text)?,
        name_type: r.req_map(tags::NAME_TYPE, f::enum_of)?,
    };
    r.finish()?;
    Ok(name)
}

fn parse_link(item: &Ttlv) -> Result<Link> {
    let mut r = Reader::new(item)?;
    let link = Link {
        link_type: r.req_map(tags::LINK_TYPE, f::enum_of)?,
        linked_object_identifier: r
            .req_map(tags::LINKED_OBJECT_IDENTIFIER, UniqueIdentifier::parse)?,
    };
    r.finish()?;
    Ok(link)
}

fn parse_app_info(item: &Ttlv) -> Result<ApplicationSpecificInformation> {
    let mut r = Reader::new(item)?;
    let info = ApplicationSpecificInformation {
        namespace: r.req_map(tags::APPLICATION_NAMESPACE, f::text)?,
        data: r.opt_map(tags::APPLICATION_DATA, f::text)?,
    };
    r.finish()?;
    Ok(info)
}

fn parse_alternative_name(item: &Ttlv) -> Result<AlternativeName> {
    let mut r = Reader::new(item)?;
    let name = AlternativeName {
        value: r.req_map(tags::ALTERNATIVE_NAME_VALUE, f::text)?,
        name_type: r.req_map(tags::ALTERNATIVE_NAME_TYPE, f::enumeration)?,
    };
    r.finish()?;
    Ok(name)
}

/// Which attribute a request names: a standard one by tag, or a vendor one by name
/// (1.x Attribute Name text, 2.x Attribute Reference, KMIP 2.1 section 5.5).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum AttributeRef {
    /// A standard attribute.
    Standard(Tag),
    /// A custom (1.x) or vendor (2.x) attribute.
    Vendor {
        /// Vendor Identification.
        vendor: String,
        /// Attribute Name.
        name: String,
    },
}

impl AttributeRef {
    /// Parses a 1.x Attribute Name text.
    pub fn from_text(name: &str) -> Result<AttributeRef> {
        if let Some(tag) = attribute_tag(name) {
            return Ok(AttributeRef::Standard(tag));
        }
        match name.split_once('-') {
            Some((vendor @ ("x" | "y"), rest)) => Ok(AttributeRef::Vendor {
                vendor: vendor.to_owned(),
                name: rest.to_owned(),
            }),
            _ => Err(KmipError::unknown_attribute(name)),
        }
    }

    /// The 1.x Attribute Name text.
    pub fn to_text(&self) -> Result<String> {
        match self {
            AttributeRef::Standard(tag) => {
                attribute_text_name(*tag)
                    .map(str::to_owned)
                    .ok_or(KmipError::InvalidValue {
                        field: *tag,
                        problem: "attribute has no KMIP 1.x name",
                    })
            }
            AttributeRef::Vendor { vendor, name } => Ok(format!("{vendor}-{name}")),
        }
    }

    /// Parses a 2.x Attribute Reference (an Enumeration holding the tag, or a structure
    /// with Vendor Identification and Attribute Name).
    pub(crate) fn parse_v2(item: &Ttlv) -> Result<AttributeRef> {
        if let Value::Enumeration(v) = item.value {
            return Tag::new(v)
                .filter(|t| attribute_text_name(*t).is_some())
                .map(AttributeRef::Standard)
                .ok_or(KmipError::InvalidValue {
                    field: item.tag,
                    problem: "not the tag of an attribute",
                });
        }
        let mut r = Reader::new(item)?;
        let vendor = r.req_map(tags::VENDOR_IDENTIFICATION, f::text)?;
        let name = r.req_map(tags::ATTRIBUTE_NAME, f::text)?;
        r.finish()?;
        Ok(AttributeRef::Vendor { vendor, name })
    }

    /// The 2.x Attribute Reference item.
    pub(crate) fn to_v2(&self, tag: Tag) -> Ttlv {
        match self {
            AttributeRef::Standard(t) => f::enum_item(tag, t.value()),
            AttributeRef::Vendor { vendor, name } => Ttlv::structure(
                tag,
                vec![
                    f::text_item(tags::VENDOR_IDENTIFICATION, vendor),
                    f::text_item(tags::ATTRIBUTE_NAME, name),
                ],
            ),
        }
    }
}

/// Reads attribute references: 1.x Attribute Name texts or 2.x Attribute References.
pub(crate) fn read_refs(r: &mut Reader<'_>, version: ProtocolVersion) -> Result<Vec<AttributeRef>> {
    if version.is_v2() {
        r.many_map(tags::ATTRIBUTE_REFERENCE, AttributeRef::parse_v2)
    } else {
        r.many(tags::ATTRIBUTE_NAME)
            .into_iter()
            .map(|i| AttributeRef::from_text(&f::text(i)?))
            .collect()
    }
}

/// Writes attribute references in the form of `version`.
pub(crate) fn write_refs(
    out: &mut Vec<Ttlv>,
    refs: &[AttributeRef],
    version: ProtocolVersion,
) -> Result<()> {
    for r in refs {
        out.push(if version.is_v2() {
            r.to_v2(tags::ATTRIBUTE_REFERENCE)
        } else {
            f::text_item(tags::ATTRIBUTE_NAME, &r.to_text()?)
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_names_map_to_tags_and_back() {
        assert_eq!(
            attribute_tag("Cryptographic Usage Mask"),
            Some(tags::CRYPTOGRAPHIC_USAGE_MASK)
        );
        assert_eq!(
            attribute_tag("X.509 Certificate Subject"),
            Some(tags::X_509_CERTIFICATE_SUBJECT)
        );
        assert_eq!(
            attribute_tag("PKCS#12 Friendly Name"),
            Some(tags::PKCS_12_FRIENDLY_NAME)
        );
        for name in NAMES {
            let tag = attribute_tag(name).unwrap_or_else(|| panic!("{name} has no tag"));
            assert_eq!(attribute_text_name(tag), Some(*name));
        }
        assert_eq!(attribute_tag("Operation"), None);
    }

    #[test]
    fn custom_names_split_into_vendor_and_name() {
        let r = AttributeRef::from_text("x-Barcode").unwrap();
        assert_eq!(
            r,
            AttributeRef::Vendor {
                vendor: "x".into(),
                name: "Barcode".into()
            }
        );
        assert_eq!(r.to_text().unwrap(), "x-Barcode");
        assert!(matches!(
            AttributeRef::from_text("Nonsense"),
            Err(KmipError::UnknownAttribute { .. })
        ));
    }

    #[test]
    fn v2_references_must_name_an_attribute() {
        let state = f::enum_item(tags::ATTRIBUTE_REFERENCE, tags::STATE.value());
        assert_eq!(
            AttributeRef::parse_v2(&state),
            Ok(AttributeRef::Standard(tags::STATE))
        );
        assert_eq!(
            AttributeRef::Standard(tags::STATE).to_v2(tags::ATTRIBUTE_REFERENCE),
            state
        );
        let operation = f::enum_item(tags::ATTRIBUTE_REFERENCE, tags::OPERATION.value());
        assert!(matches!(
            AttributeRef::parse_v2(&operation),
            Err(KmipError::InvalidValue { .. })
        ));
    }
}
