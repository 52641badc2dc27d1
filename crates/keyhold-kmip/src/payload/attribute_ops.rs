//! Attribute operation payloads: Get Attributes, Get Attribute List, Add, Modify, Delete and
//! Set Attribute (KMIP 1.4 sections 4.12–4.16; KMIP 2.1 sections 6.1.2, 6.1.13, 6.1.20,
//! 6.1.21, 6.1.34, 6.1.51). 1.x sends a whole `Attribute`; 2.x wraps one attribute item in
//! New Attribute / Current Attribute, and names attributes by Attribute Reference.

use keyhold_ttlv::{Tag, Ttlv};

use super::macros::payload;
use crate::attributes::Attribute;
use crate::error::{KmipError, Result};
use crate::fields::{self as f, Reader};
use crate::identifier::{UniqueIdentifier, opt_uid, push_uid};
use crate::{ProtocolVersion, tags};

payload! {
    /// Get Attributes request: which attributes (all when none is named).
    GetAttributesRequest {
        /// The object.
        unique_identifier: opt UniqueIdentifier = tags::UNIQUE_IDENTIFIER,
        /// The attributes wanted.
        references: refs = (),
    }
}

payload! {
    /// Get Attributes response.
    GetAttributesResponse {
        /// The object.
        unique_identifier: req UniqueIdentifier = tags::UNIQUE_IDENTIFIER,
        /// The attributes (1.x Attribute*, 2.x Attributes).
        attributes: attr_list = (),
    }
}

payload! {
    /// Get Attribute List response.
    GetAttributeListResponse {
        /// The object.
        unique_identifier: req UniqueIdentifier = tags::UNIQUE_IDENTIFIER,
        /// The attributes the object has.
        references: refs = (),
    }
}

/// Reads one attribute: 1.x `Attribute`, 2.x the single child of `wrapper`.
fn read_one(r: &mut Reader<'_>, v: ProtocolVersion, wrapper: Tag) -> Result<Option<Attribute>> {
    if !v.is_v2() {
        return r.opt_map(tags::ATTRIBUTE, Attribute::parse_v1);
    }
    let Some(item) = r.opt(wrapper) else {
        return Ok(None);
    };
    let mut inner = Reader::new(item)?;
    let child = inner.next_any().ok_or(KmipError::InvalidValue {
        field: wrapper,
        problem: "holds no attribute",
    })?;
    inner.finish()?;
    Attribute::parse_v2(child).map(Some)
}

fn write_one(out: &mut Vec<Ttlv>, a: &Attribute, v: ProtocolVersion, wrapper: Tag) -> Result<()> {
    out.push(if v.is_v2() {
        Ttlv::structure(wrapper, vec![a.to_v2()])
    } else {
        a.to_v1()?
    });
    Ok(())
}

fn missing(field: Tag) -> KmipError {
    KmipError::Missing {
        field,
        within: tags::REQUEST_PAYLOAD,
    }
}

/// Add Attribute, Modify Attribute and Set Attribute requests.
#[derive(Clone, Debug)]
pub struct AttributeChangeRequest {
    /// The object.
    pub unique_identifier: Option<UniqueIdentifier>,
    /// The attribute to replace (2.x Modify Attribute Current Attribute).
    pub current: Option<Attribute>,
    /// The new attribute (1.x Attribute, 2.x New Attribute).
    pub new: Attribute,
}

impl AttributeChangeRequest {
    pub(crate) fn read(r: &mut Reader<'_>, v: ProtocolVersion) -> Result<Self> {
        let unique_identifier = opt_uid(r)?;
        let current = if v.is_v2() {
            read_one(r, v, tags::CURRENT_ATTRIBUTE)?
        } else {
            None
        };
        let new = read_one(r, v, tags::NEW_ATTRIBUTE)?.ok_or(missing(tags::NEW_ATTRIBUTE))?;
        Ok(AttributeChangeRequest {
            unique_identifier,
            current,
            new,
        })
    }

    pub(crate) fn write(&self, out: &mut Vec<Ttlv>, v: ProtocolVersion) -> Result<()> {
        push_uid(out, self.unique_identifier.as_ref(), v)?;
        if let Some(c) = &self.current {
            write_one(out, c, v, tags::CURRENT_ATTRIBUTE)?;
        }
        write_one(out, &self.new, v, tags::NEW_ATTRIBUTE)
    }
}

/// Add, Modify, Delete and Set Attribute responses. 1.x returns the attribute; 2.x only the
/// identifier, so the attribute is not written in a 2.x response.
#[derive(Clone, Debug)]
pub struct AttributeChangeResponse {
    /// The object.
    pub unique_identifier: UniqueIdentifier,
    /// The attribute as stored (1.x only).
    pub attribute: Option<Attribute>,
}

impl AttributeChangeResponse {
    pub(crate) fn read(r: &mut Reader<'_>, v: ProtocolVersion) -> Result<Self> {
        let unique_identifier = r.req_map(tags::UNIQUE_IDENTIFIER, UniqueIdentifier::parse)?;
        let attribute = if v.is_v2() {
            None
        } else {
            r.opt_map(tags::ATTRIBUTE, Attribute::parse_v1)?
        };
        Ok(AttributeChangeResponse {
            unique_identifier,
            attribute,
        })
    }

    pub(crate) fn write(&self, out: &mut Vec<Ttlv>, v: ProtocolVersion) -> Result<()> {
        out.push(
            self.unique_identifier
                .to_ttlv_for(tags::UNIQUE_IDENTIFIER, v)?,
        );
        match &self.attribute {
            Some(a) if !v.is_v2() => out.push(a.to_v1()?),
            _ => {}
        }
        Ok(())
    }
}

/// Delete Attribute request.
#[derive(Clone, Debug)]
pub struct DeleteAttributeRequest {
    /// The object.
    pub unique_identifier: Option<UniqueIdentifier>,
    /// 1.x Attribute Name and Attribute Index; 2.x Current Attribute.
    pub current: Option<Attribute>,
    /// The attribute by name (1.x Attribute Name, 2.x Attribute Reference).
    pub reference: Option<crate::AttributeRef>,
    /// Attribute Index (1.x).
    pub index: Option<i32>,
}

impl DeleteAttributeRequest {
    pub(crate) fn read(r: &mut Reader<'_>, v: ProtocolVersion) -> Result<Self> {
        let unique_identifier = opt_uid(r)?;
        if v.is_v2() {
            let current = read_one(r, v, tags::CURRENT_ATTRIBUTE)?;
            let reference = r.opt_map(tags::ATTRIBUTE_REFERENCE, crate::AttributeRef::parse_v2)?;
            return Ok(DeleteAttributeRequest {
                unique_identifier,
                current,
                reference,
                index: None,
            });
        }
        let name = r.req_map(tags::ATTRIBUTE_NAME, f::text)?;
        let index = r.opt_map(tags::ATTRIBUTE_INDEX, f::int)?;
        let reference = Some(crate::AttributeRef::from_text(&name)?);
        Ok(DeleteAttributeRequest {
            unique_identifier,
            current: None,
            reference,
            index,
        })
    }

    pub(crate) fn write(&self, out: &mut Vec<Ttlv>, v: ProtocolVersion) -> Result<()> {
        push_uid(out, self.unique_identifier.as_ref(), v)?;
        if let Some(c) = &self.current {
            write_one(out, c, v, tags::CURRENT_ATTRIBUTE)?;
        }
        if let Some(r) = &self.reference {
            out.push(if v.is_v2() {
                r.to_v2(tags::ATTRIBUTE_REFERENCE)
            } else {
                f::text_item(tags::ATTRIBUTE_NAME, &r.to_text()?)
            });
        }
        f::push_opt(out, self.index, |i| f::integer(tags::ATTRIBUTE_INDEX, i));
        Ok(())
    }
}
