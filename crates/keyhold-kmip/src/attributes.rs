//! The one internal attribute model and its two wire forms.
//!
//! KMIP 1.x carries attributes as `Attribute { Attribute Name (text), Attribute Index?,
//! Attribute Value }` (KMIP 1.4 section 2.1.1), grouped in a Template-Attribute (section
//! 2.1.8). KMIP 2.x carries them as the attribute tags themselves inside an Attributes
//! structure (KMIP 2.1 section 5.1), vendor attributes as `Attribute { Vendor
//! Identification, Attribute Name, Attribute Value }` (section 4.60). Both parse into
//! [`Attributes`], which writes back in the form of the message's version.

use keyhold_ttlv::{Tag, Ttlv};

use crate::attribute::{
    AttributeRef, AttributeValue, DateAttribute, Link, Name, attribute_text_name,
};
use crate::crypto_params::CryptographicParameters;
use crate::error::{KmipError, Result};
use crate::fields::{self as f, Reader};
use crate::identifier::UniqueIdentifier;
use crate::{CryptographicAlgorithm, ObjectType, ProtocolVersion, State, tags};

/// One attribute: its value and, in 1.x, its Attribute Index.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Attribute {
    /// Attribute Index (KMIP 1.x only; KMIP 2.x dropped it and it is not written there).
    pub index: Option<i32>,
    /// The typed value.
    pub value: AttributeValue,
}

impl Attribute {
    /// An attribute without index.
    pub fn new(value: AttributeValue) -> Attribute {
        Attribute { index: None, value }
    }

    /// Which attribute this is.
    pub fn reference(&self) -> AttributeRef {
        match &self.value {
            AttributeValue::Vendor { vendor, name, .. } => AttributeRef::Vendor {
                vendor: vendor.clone(),
                name: name.clone(),
            },
            other => AttributeRef::Standard(other.tag()),
        }
    }

    /// Parses a 1.x `Attribute` structure.
    pub(crate) fn parse_v1(item: &Ttlv) -> Result<Attribute> {
        let mut r = Reader::new(item)?;
        let name = r.req_map(tags::ATTRIBUTE_NAME, f::text)?;
        let index = r.opt_map(tags::ATTRIBUTE_INDEX, f::int)?;
        let raw = r.req(tags::ATTRIBUTE_VALUE)?;
        r.finish()?;
        let value = match AttributeRef::from_text(&name)? {
            AttributeRef::Standard(tag) => AttributeValue::parse(tag, raw)?,
            AttributeRef::Vendor { vendor, name } => AttributeValue::Vendor {
                vendor,
                name,
                value: raw.value.clone(),
            },
        };
        Ok(Attribute { index, value })
    }

    /// Parses one child of a 2.x Attributes structure.
    pub(crate) fn parse_v2(item: &Ttlv) -> Result<Attribute> {
        if item.tag != tags::ATTRIBUTE {
            if attribute_text_name(item.tag).is_none() {
                return Err(KmipError::Unexpected {
                    field: item.tag,
                    within: tags::ATTRIBUTES,
                });
            }
            return Ok(Attribute::new(AttributeValue::parse(item.tag, item)?));
        }
        let mut r = Reader::new(item)?;
        let vendor = r.req_map(tags::VENDOR_IDENTIFICATION, f::text)?;
        let name = r.req_map(tags::ATTRIBUTE_NAME, f::text)?;
        let raw = r.req(tags::ATTRIBUTE_VALUE)?;
        r.finish()?;
        let value = raw.value.clone();
        Ok(Attribute::new(AttributeValue::Vendor {
            vendor,
            name,
            value,
        }))
    }

    /// The 1.x `Attribute` structure.
    pub(crate) fn to_v1(&self) -> Result<Ttlv> {
        let mut v = vec![f::text_item(
            tags::ATTRIBUTE_NAME,
            &self.reference().to_text()?,
        )];
        f::push_opt(&mut v, self.index, |i| f::integer(tags::ATTRIBUTE_INDEX, i));
        v.push(self.value.value_item(tags::ATTRIBUTE_VALUE));
        Ok(Ttlv::structure(tags::ATTRIBUTE, v))
    }

    /// The 2.x item: the attribute's own tag, or `Attribute` for a vendor attribute.
    pub(crate) fn to_v2(&self) -> Ttlv {
        match &self.value {
            AttributeValue::Vendor {
                vendor,
                name,
                value,
            } => Ttlv::structure(
                tags::ATTRIBUTE,
                vec![
                    f::text_item(tags::VENDOR_IDENTIFICATION, vendor),
                    f::text_item(tags::ATTRIBUTE_NAME, name),
                    Ttlv::new(tags::ATTRIBUTE_VALUE, value.clone()),
                ],
            ),
            other => other.value_item(other.tag()),
        }
    }

    /// Writes a single attribute in the form of `version`.
    pub(crate) fn write_for(&self, version: ProtocolVersion) -> Result<Ttlv> {
        if version.is_v2() {
            Ok(self.to_v2())
        } else {
            self.to_v1()
        }
    }
}

/// A set of attributes in the order they were sent.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Attributes {
    /// The attributes.
    pub items: Vec<Attribute>,
}

/// The structures that carry attribute sets, by role (KMIP 1.4 section 2.1.8, KMIP 2.1
/// sections 5.1–5.4).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum AttributeSet {
    /// Template-Attribute / Attributes.
    Main,
    /// Common Template-Attribute / Common Attributes.
    Common,
    /// Private Key Template-Attribute / Private Key Attributes.
    PrivateKey,
    /// Public Key Template-Attribute / Public Key Attributes.
    PublicKey,
}

impl AttributeSet {
    /// The tag in `version`.
    pub fn tag(self, version: ProtocolVersion) -> Tag {
        let (v1, v2) = match self {
            AttributeSet::Main => (tags::TEMPLATE_ATTRIBUTE, tags::ATTRIBUTES),
            AttributeSet::Common => (tags::COMMON_TEMPLATE_ATTRIBUTE, tags::COMMON_ATTRIBUTES),
            AttributeSet::PrivateKey => (
                tags::PRIVATE_KEY_TEMPLATE_ATTRIBUTE,
                tags::PRIVATE_KEY_ATTRIBUTES,
            ),
            AttributeSet::PublicKey => (
                tags::PUBLIC_KEY_TEMPLATE_ATTRIBUTE,
                tags::PUBLIC_KEY_ATTRIBUTES,
            ),
        };
        if version.is_v2() { v2 } else { v1 }
    }
}

impl Attributes {
    /// Parses a 1.x Template-Attribute. Template names (deprecated since KMIP 1.3) are
    /// refused.
    pub(crate) fn parse_template(item: &Ttlv) -> Result<Attributes> {
        let mut r = Reader::new(item)?;
        if let Some(name) = r.opt(tags::NAME) {
            return Err(KmipError::InvalidValue {
                field: name.tag,
                problem: "templates are not supported",
            });
        }
        let items = r.many_map(tags::ATTRIBUTE, Attribute::parse_v1)?;
        r.finish()?;
        Ok(Attributes { items })
    }

    /// Parses a 2.x Attributes structure.
    pub(crate) fn parse_v2(item: &Ttlv) -> Result<Attributes> {
        let mut r = Reader::new(item)?;
        let mut items = Vec::new();
        while let Some(child) = r.next_any() {
            items.push(Attribute::parse_v2(child)?);
        }
        Ok(Attributes { items })
    }

    /// Parses the set `set` from the next field of `r`, if present.
    pub(crate) fn read(
        r: &mut Reader<'_>,
        version: ProtocolVersion,
        set: AttributeSet,
    ) -> Result<Option<Attributes>> {
        if let Some(item) = r.opt(set.tag(version)) {
            return if version.is_v2() {
                Attributes::parse_v2(item).map(Some)
            } else {
                Attributes::parse_template(item).map(Some)
            };
        }
        // Tolerated: a 1.x Template-Attribute in a 2.x message, as PyKMIP
        // 0.11 sends in its 2.0 Re-key. The attributes mean the same.
        let legacy = set.tag(ProtocolVersion::V1_4);
        match r.opt(legacy) {
            Some(item) if version.is_v2() => Attributes::parse_template(item).map(Some),
            _ => Ok(None),
        }
    }

    /// Writes the set `set` in the form of `version`.
    pub(crate) fn write(&self, version: ProtocolVersion, set: AttributeSet) -> Result<Ttlv> {
        let items = self
            .items
            .iter()
            .map(|a| a.write_for(version))
            .collect::<Result<Vec<_>>>()?;
        Ok(Ttlv::structure(set.tag(version), items))
    }

    /// Appends an attribute.
    pub fn push(&mut self, value: AttributeValue) {
        self.items.push(Attribute::new(value));
    }

    /// The first attribute with this reference.
    pub fn get(&self, reference: &AttributeRef) -> Option<&AttributeValue> {
        self.items
            .iter()
            .find(|a| &a.reference() == reference)
            .map(|a| &a.value)
    }

    fn find<T>(&self, pick: impl Fn(&AttributeValue) -> Option<T>) -> Option<T> {
        self.items.iter().find_map(|a| pick(&a.value))
    }

    /// Object Type.
    pub fn object_type(&self) -> Option<ObjectType> {
        self.find(|v| match v {
            AttributeValue::ObjectType(t) => Some(*t),
            _ => None,
        })
    }

    /// Cryptographic Algorithm.
    pub fn cryptographic_algorithm(&self) -> Option<CryptographicAlgorithm> {
        self.find(|v| match v {
            AttributeValue::CryptographicAlgorithm(a) => Some(*a),
            _ => None,
        })
    }

    /// Cryptographic Length.
    pub fn cryptographic_length(&self) -> Option<i32> {
        self.find(|v| match v {
            AttributeValue::CryptographicLength(l) => Some(*l),
            _ => None,
        })
    }

    /// Cryptographic Usage Mask.
    pub fn cryptographic_usage_mask(&self) -> Option<i32> {
        self.find(|v| match v {
            AttributeValue::CryptographicUsageMask(m) => Some(*m),
            _ => None,
        })
    }

    /// State.
    pub fn state(&self) -> Option<State> {
        self.find(|v| match v {
            AttributeValue::State(s) => Some(*s),
            _ => None,
        })
    }

    /// The date attribute `which`.
    pub fn date(&self, which: DateAttribute) -> Option<i64> {
        self.find(|v| match v {
            AttributeValue::Date(d, t) if *d == which => Some(*t),
            _ => None,
        })
    }

    /// Unique Identifier.
    pub fn unique_identifier(&self) -> Option<&UniqueIdentifier> {
        self.items.iter().find_map(|a| match &a.value {
            AttributeValue::UniqueIdentifier(u) => Some(u),
            _ => None,
        })
    }

    /// Cryptographic Parameters.
    pub fn cryptographic_parameters(&self) -> Option<&CryptographicParameters> {
        self.items.iter().find_map(|a| match &a.value {
            AttributeValue::CryptographicParameters(p) => Some(p),
            _ => None,
        })
    }

    /// Contact Information.
    pub fn contact_information(&self) -> Option<&str> {
        self.items.iter().find_map(|a| match &a.value {
            AttributeValue::ContactInformation(c) => Some(c.as_str()),
            _ => None,
        })
    }

    /// Description.
    pub fn description(&self) -> Option<&str> {
        self.items.iter().find_map(|a| match &a.value {
            AttributeValue::Description(d) => Some(d.as_str()),
            _ => None,
        })
    }

    /// Every Object Group.
    pub fn object_groups(&self) -> Vec<&str> {
        self.items
            .iter()
            .filter_map(|a| match &a.value {
                AttributeValue::ObjectGroup(g) => Some(g.as_str()),
                _ => None,
            })
            .collect()
    }

    /// Every Link.
    pub fn links(&self) -> Vec<&Link> {
        self.items
            .iter()
            .filter_map(|a| match &a.value {
                AttributeValue::Link(l) => Some(l),
                _ => None,
            })
            .collect()
    }

    /// Every Name.
    pub fn names(&self) -> Vec<&Name> {
        self.items
            .iter()
            .filter_map(|a| match &a.value {
                AttributeValue::Name(n) => Some(n),
                _ => None,
            })
            .collect()
    }
}

/// Reads an attribute list: 1.x `Attribute*` (None when there is none), 2.x an optional
/// Attributes structure.
pub(crate) fn read_list(
    r: &mut Reader<'_>,
    version: ProtocolVersion,
) -> Result<Option<Attributes>> {
    if version.is_v2() {
        return Attributes::read(r, version, AttributeSet::Main);
    }
    let items = r.many_map(tags::ATTRIBUTE, Attribute::parse_v1)?;
    Ok((!items.is_empty()).then_some(Attributes { items }))
}

/// Writes an attribute list in the form of `version`.
pub(crate) fn write_list(
    out: &mut Vec<Ttlv>,
    list: Option<&Attributes>,
    version: ProtocolVersion,
) -> Result<()> {
    let Some(list) = list else { return Ok(()) };
    if version.is_v2() {
        out.push(list.write(version, AttributeSet::Main)?);
    } else {
        for a in &list.items {
            out.push(a.to_v1()?);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use keyhold_ttlv::xml;

    use super::*;
    use crate::{CryptographicAlgorithm, NameType};

    const V1: &str = r#"<TemplateAttribute>
      <Attribute>
        <AttributeName type="TextString" value="Cryptographic Algorithm"/>
        <AttributeValue type="Enumeration" value="AES"/>
      </Attribute>
      <Attribute>
        <AttributeName type="TextString" value="Name"/>
        <AttributeValue>
          <NameValue type="TextString" value="key-1"/>
          <NameType type="Enumeration" value="UninterpretedTextString"/>
        </AttributeValue>
      </Attribute>
      <Attribute>
        <AttributeName type="TextString" value="Cryptographic Usage Mask"/>
        <AttributeValue type="Integer" value="Encrypt Decrypt"/>
      </Attribute>
      <Attribute>
        <AttributeName type="TextString" value="x-Barcode"/>
        <AttributeValue type="TextString" value="1234"/>
      </Attribute>
    </TemplateAttribute>"#;

    const V2: &str = r#"<Attributes>
      <CryptographicAlgorithm type="Enumeration" value="AES"/>
      <Name>
        <NameValue type="TextString" value="key-1"/>
        <NameType type="Enumeration" value="UninterpretedTextString"/>
      </Name>
      <CryptographicUsageMask type="Integer" value="Encrypt Decrypt"/>
      <Attribute>
        <VendorIdentification type="TextString" value="x"/>
        <AttributeName type="TextString" value="Barcode"/>
        <AttributeValue type="TextString" value="1234"/>
      </Attribute>
    </Attributes>"#;

    #[test]
    fn the_1x_and_2x_forms_parse_to_the_same_model() {
        let v1 = Attributes::parse_template(&xml::to_ttlv(V1).unwrap()).unwrap();
        let v2 = Attributes::parse_v2(&xml::to_ttlv(V2).unwrap()).unwrap();
        assert_eq!(v1, v2);
        assert_eq!(
            v1.cryptographic_algorithm(),
            Some(CryptographicAlgorithm::AES)
        );
        assert_eq!(v1.cryptographic_usage_mask(), Some(0x4 | 0x8));
        assert_eq!(v1.names()[0].value, "key-1");
        assert_eq!(v1.names()[0].name_type, NameType::UninterpretedTextString);
        let barcode = AttributeRef::Vendor {
            vendor: "x".into(),
            name: "Barcode".into(),
        };
        assert!(matches!(
            v1.get(&barcode),
            Some(AttributeValue::Vendor { .. })
        ));
    }

    #[test]
    fn application_information_and_alternative_names_are_typed_in_both_forms() {
        let v2 = r#"<Attributes>
          <ApplicationSpecificInformation>
            <ApplicationNamespace type="TextString" value="LIBRARY-LTO"/>
            <ApplicationData type="TextString" value="0123"/>
          </ApplicationSpecificInformation>
          <ApplicationSpecificInformation>
            <ApplicationNamespace type="TextString" value="ssl"/>
          </ApplicationSpecificInformation>
          <AlternativeName>
            <AlternativeNameValue type="TextString" value="XXA012A1"/>
            <AlternativeNameType type="Enumeration" value="UninterpretedTextString"/>
          </AlternativeName>
        </Attributes>"#;
        let attrs = Attributes::parse_v2(&xml::to_ttlv(v2).unwrap()).unwrap();
        let AttributeValue::ApplicationSpecificInformation(asi) = &attrs.items[0].value else {
            panic!("{:?}", attrs.items[0]);
        };
        assert_eq!(asi.namespace, "LIBRARY-LTO");
        assert_eq!(asi.data.as_deref(), Some("0123"));
        assert!(matches!(
            &attrs.items[1].value,
            AttributeValue::ApplicationSpecificInformation(i) if i.data.is_none()
        ));
        assert!(matches!(
            &attrs.items[2].value,
            AttributeValue::AlternativeName(n) if n.value == "XXA012A1" && n.name_type == 1
        ));
        for one in &attrs.items {
            assert_eq!(Attribute::parse_v1(&one.to_v1().unwrap()).unwrap(), *one);
            assert_eq!(Attribute::parse_v2(&one.to_v2()).unwrap(), *one);
        }
        let no_namespace = r#"<Attributes><ApplicationSpecificInformation>
            <ApplicationData type="TextString" value="d"/>
          </ApplicationSpecificInformation></Attributes>"#;
        assert!(Attributes::parse_v2(&xml::to_ttlv(no_namespace).unwrap()).is_err());
    }

    #[test]
    fn description_is_text_in_both_forms() {
        let v2 = r#"<Attributes><Description type="TextString" value="d"/></Attributes>"#;
        let attrs = Attributes::parse_v2(&xml::to_ttlv(v2).unwrap()).unwrap();
        assert_eq!(attrs.description(), Some("d"));
        let one = &attrs.items[0];
        assert_eq!(Attribute::parse_v1(&one.to_v1().unwrap()).unwrap(), *one);
        assert_eq!(Attribute::parse_v2(&one.to_v2()).unwrap(), *one);
    }

    #[test]
    fn the_model_writes_each_form() {
        let model = Attributes::parse_template(&xml::to_ttlv(V1).unwrap()).unwrap();
        let v2 = model
            .write(ProtocolVersion::V2_1, AttributeSet::Main)
            .unwrap();
        assert_eq!(v2, xml::to_ttlv(V2).unwrap());
        let v1 = model
            .write(ProtocolVersion::V1_4, AttributeSet::Main)
            .unwrap();
        assert_eq!(v1, xml::to_ttlv(V1).unwrap());
    }

    #[test]
    fn attribute_index_is_kept_in_1x_and_dropped_in_2x() {
        let item = xml::to_ttlv(
            r#"<Attribute>
              <AttributeName type="TextString" value="Object Group"/>
              <AttributeIndex type="Integer" value="1"/>
              <AttributeValue type="TextString" value="g"/>
            </Attribute>"#,
        )
        .unwrap();
        let a = Attribute::parse_v1(&item).unwrap();
        assert_eq!(a.index, Some(1));
        assert_eq!(a.to_v1().unwrap(), item);
        assert_eq!(
            a.to_v2(),
            xml::to_ttlv(r#"<ObjectGroup type="TextString" value="g"/>"#).unwrap()
        );
    }

    #[test]
    fn bad_attributes_are_refused_with_the_field_named() {
        let unknown = xml::to_ttlv(
            r#"<Attribute>
              <AttributeName type="TextString" value="Colour"/>
              <AttributeValue type="TextString" value="red"/>
            </Attribute>"#,
        )
        .unwrap();
        let err = Attribute::parse_v1(&unknown).unwrap_err();
        assert_eq!(
            err,
            KmipError::UnknownAttribute {
                name: "Colour".into()
            }
        );
        assert_eq!(err.reason(), crate::ResultReason::InvalidField);

        let not_an_attribute =
            xml::to_ttlv(r#"<Attributes><Operation type="Enumeration" value="Get"/></Attributes>"#);
        assert_eq!(
            Attributes::parse_v2(&not_an_attribute.unwrap()),
            Err(KmipError::Unexpected {
                field: tags::OPERATION,
                within: tags::ATTRIBUTES
            })
        );

        let wrong = xml::to_ttlv(r#"<Attributes><State type="Integer" value="1"/></Attributes>"#);
        assert!(matches!(
            Attributes::parse_v2(&wrong.unwrap()),
            Err(KmipError::WrongType { field, .. }) if field == tags::STATE
        ));
        for wrong in [
            r#"<Attributes><Description type="Integer" value="1"/></Attributes>"#,
            r#"<Attributes><ProtectStopDate type="TextString" value="soon"/></Attributes>"#,
        ] {
            let err = Attributes::parse_v2(&xml::to_ttlv(wrong).unwrap()).unwrap_err();
            assert!(
                matches!(err, KmipError::WrongType { .. }),
                "{wrong}: {err:?}"
            );
        }

        let template = xml::to_ttlv(
            r#"<TemplateAttribute><Name>
              <NameValue type="TextString" value="t"/>
              <NameType type="Enumeration" value="UninterpretedTextString"/>
            </Name></TemplateAttribute>"#,
        );
        assert!(matches!(
            Attributes::parse_template(&template.unwrap()),
            Err(KmipError::InvalidValue { .. })
        ));
    }

    #[test]
    fn a_2x_only_attribute_cannot_be_written_in_1x() {
        let a = Attribute::new(AttributeValue::Other {
            tag: tags::KEY_WRAP_TYPE,
            value: keyhold_ttlv::Value::Enumeration(1),
        });
        assert!(matches!(
            a.write_for(ProtocolVersion::V1_4),
            Err(KmipError::InvalidValue { field, .. }) if field == tags::KEY_WRAP_TYPE
        ));
        assert!(a.write_for(ProtocolVersion::V2_1).is_ok());
    }
}

#[cfg(test)]
mod legacy_tests {
    use keyhold_ttlv::{Ttlv, xml};

    use crate::fields::Reader;
    use crate::{AttributeSet, Attributes, CryptographicAlgorithm, ProtocolVersion, tags};

    #[test]
    fn a_2x_message_may_carry_a_1x_template_attribute() {
        let template = xml::to_ttlv(
            r#"<TemplateAttribute><Attribute>
            <AttributeName type="TextString" value="Cryptographic Algorithm"/>
            <AttributeValue type="Enumeration" value="AES"/></Attribute></TemplateAttribute>"#,
        )
        .unwrap();
        let payload = Ttlv::structure(tags::REQUEST_PAYLOAD, vec![template]);
        let mut r = Reader::new(&payload).unwrap();
        let read = Attributes::read(&mut r, ProtocolVersion::V2_0, AttributeSet::Main).unwrap();
        assert_eq!(
            read.unwrap().cryptographic_algorithm(),
            Some(CryptographicAlgorithm::AES)
        );
        r.finish().unwrap();
        // Nothing at all is no attributes, in either version.
        let empty = Ttlv::structure(tags::REQUEST_PAYLOAD, vec![]);
        let mut r = Reader::new(&empty).unwrap();
        let none = Attributes::read(&mut r, ProtocolVersion::V1_4, AttributeSet::Main).unwrap();
        assert!(none.is_none());
    }
}
