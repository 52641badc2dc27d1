//! The KMIP XML encoding (the "XML Encoding" section of the KMIP Profiles 1.4 and 2.1
//! message encodings), the form of the OASIS test vectors:
//!
//! ```xml
//! <RequestMessage>
//!   <RequestHeader>
//!     <ProtocolVersion>
//!       <ProtocolVersionMajor type="Integer" value="1"/>
//!     </ProtocolVersion>
//!   </RequestHeader>
//!   <TTLV tag="0x540001" type="TextString" value="an extension"/>
//! </RequestMessage>
//! ```
//!
//! An element is named after its tag, or is `TTLV` with a `tag="0x54xxxx"` attribute for a
//! tag without a name. `type` is omitted for a Structure; `value` holds the text form of any
//! other type (see the [`text`] rules). In a KMIP 1.x Attribute, the names of an
//! Attribute Value's enumeration or mask are those of the attribute its Attribute Name names.

use std::fmt::Write as _;

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

use crate::error::TagPath;
use crate::limits::Limits;
use crate::tag::{ItemType, Tag};
use crate::text::{self, Placeholders, ValueError};
use crate::value::{Ttlv, Value};

/// An XML text that is not one KMIP XML element.
#[derive(Debug, thiserror::Error)]
#[error("invalid KMIP XML at byte {offset} ({path}): {kind}")]
pub struct XmlError {
    /// Byte offset in the input where the fault was found.
    pub offset: usize,
    /// The tags of the enclosing elements, outermost first.
    pub path: TagPath,
    /// What went wrong.
    pub kind: XmlErrorKind,
}

/// What was wrong with an XML text.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum XmlErrorKind {
    /// Not well-formed XML.
    #[error("XML syntax error")]
    Syntax(#[source] quick_xml::Error),
    /// An attribute value that does not fit the item.
    #[error(transparent)]
    Value(#[from] ValueError),
    /// An attribute other than `tag`, `type` and `value`.
    #[error("unexpected attribute {name:?}")]
    UnexpectedAttribute {
        /// The attribute's name.
        name: String,
    },
    /// A `value` attribute on a Structure.
    #[error("a structure has no value attribute")]
    ValueOnStructure,
    /// An element inside an element that is not a Structure.
    #[error("an element of type {ty} cannot hold elements")]
    ChildOfPrimitive {
        /// The enclosing element's type.
        ty: ItemType,
    },
    /// Text or CDATA between elements.
    #[error("unexpected text content")]
    UnexpectedText,
    /// No element at all.
    #[error("no element")]
    NoElement,
    /// More than one top-level element where one was expected.
    #[error("more than one top-level element")]
    TrailingElement,
    /// The input ended inside an element.
    #[error("unclosed element")]
    Unclosed,
    /// Elements nested deeper than [`Limits::max_depth`].
    #[error("elements nested deeper than the limit of {limit}")]
    TooDeep {
        /// The configured limit.
        limit: usize,
    },
    /// More elements than [`Limits::max_items`].
    #[error("more elements than the limit of {limit}")]
    TooManyItems {
        /// The configured limit.
        limit: usize,
    },
}

/// Parses one element (and its children) into a tree, with default limits and no
/// placeholder resolver. Comments, an XML declaration and white space around it are allowed.
///
/// # Errors
/// An [`XmlError`] saying where and what.
pub fn to_ttlv(xml: &str) -> Result<Ttlv, XmlError> {
    to_ttlv_with(xml, &Limits::DEFAULT, None)
}

/// Parses one element like [`to_ttlv`], with `limits.max_depth` and `limits.max_items`
/// (the byte limit applies to the binary form, not to the text) and a resolver for the `$`
/// placeholders of the test vectors.
///
/// # Errors
/// An [`XmlError`] saying where and what.
pub fn to_ttlv_with(
    xml: &str,
    limits: &Limits,
    placeholders: Option<&dyn Placeholders>,
) -> Result<Ttlv, XmlError> {
    let mut parser = Parser {
        limits,
        placeholders,
        stack: Vec::new(),
        items: 0,
        root: None,
        current: None,
    };
    let mut reader = Reader::from_str(xml);
    reader.config_mut().trim_text(true);
    loop {
        let offset = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = reader
            .read_event()
            .map_err(|e| parser.fail(offset, XmlErrorKind::Syntax(e)))?;
        if parser
            .event(event)
            .map_err(|kind| parser.fail(offset, kind))?
        {
            break;
        }
    }
    match parser.root.take() {
        Some(root) => Ok(root),
        None => Err(parser.fail(xml.len(), XmlErrorKind::NoElement)),
    }
}

/// An element being parsed: a Structure collecting items, or a primitive waiting for its
/// end tag.
struct Frame {
    tag: Tag,
    content: Content,
    /// The tag named by the last Attribute Name seen in this Structure.
    attribute: Option<Tag>,
}

enum Content {
    Items(Vec<Ttlv>),
    Done(Value),
}

impl Frame {
    fn into_item(self) -> Ttlv {
        let value = match self.content {
            Content::Items(items) => Value::Structure(items),
            Content::Done(value) => value,
        };
        Ttlv::new(self.tag, value)
    }
}

struct Parser<'a> {
    limits: &'a Limits,
    placeholders: Option<&'a dyn Placeholders>,
    stack: Vec<Frame>,
    items: usize,
    root: Option<Ttlv>,
    /// The tag of the element being opened, for error paths.
    current: Option<Tag>,
}

impl Parser<'_> {
    fn fail(&self, offset: usize, kind: XmlErrorKind) -> XmlError {
        let tags = self.stack.iter().map(|f| f.tag).chain(self.current);
        XmlError {
            offset,
            path: TagPath::from(tags.collect::<Vec<_>>()),
            kind,
        }
    }

    /// Handles one event; true at the end of the input.
    fn event(&mut self, event: Event<'_>) -> Result<bool, XmlErrorKind> {
        self.current = None;
        match event {
            Event::Start(e) => self.start(&e, false)?,
            Event::Empty(e) => self.start(&e, true)?,
            Event::End(_) => {
                if let Some(frame) = self.stack.pop() {
                    self.finish(frame.into_item());
                }
            }
            Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) => {
                return Err(XmlErrorKind::UnexpectedText);
            }
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
            Event::Eof if self.stack.is_empty() => return Ok(true),
            Event::Eof => return Err(XmlErrorKind::Unclosed),
        }
        Ok(false)
    }

    fn start(&mut self, element: &BytesStart<'_>, empty: bool) -> Result<(), XmlErrorKind> {
        self.admit()?;
        let attrs = Attributes::of(element)?;
        let tag = match &attrs.tag {
            Some(tag) => text::parse_tag(tag)?,
            None => text::parse_tag(&String::from_utf8_lossy(element.local_name().as_ref()))?,
        };
        self.current = Some(tag);
        let ty = match &attrs.ty {
            Some(name) => ItemType::from_name(name).ok_or_else(|| ValueError::UnknownType {
                name: text::excerpt(name),
            })?,
            None => ItemType::Structure,
        };
        let content = self.content(tag, ty, attrs.value.as_deref())?;
        let frame = Frame {
            tag,
            content,
            attribute: None,
        };
        self.current = None;
        if empty {
            self.finish(frame.into_item());
        } else {
            self.stack.push(frame);
        }
        Ok(())
    }

    /// Whether one more element may start here: one top element, no element inside a
    /// primitive, and within the limits.
    fn admit(&mut self) -> Result<(), XmlErrorKind> {
        if self.root.is_some() {
            return Err(XmlErrorKind::TrailingElement);
        }
        if let Some(Frame {
            content: Content::Done(value),
            ..
        }) = self.stack.last()
        {
            return Err(XmlErrorKind::ChildOfPrimitive {
                ty: value.item_type(),
            });
        }
        self.items += 1;
        if self.items > self.limits.max_items {
            return Err(XmlErrorKind::TooManyItems {
                limit: self.limits.max_items,
            });
        }
        if self.stack.len() >= self.limits.max_depth {
            return Err(XmlErrorKind::TooDeep {
                limit: self.limits.max_depth,
            });
        }
        Ok(())
    }

    fn content(
        &self,
        tag: Tag,
        ty: ItemType,
        value: Option<&str>,
    ) -> Result<Content, XmlErrorKind> {
        match (ty, value) {
            (ItemType::Structure, None) => Ok(Content::Items(Vec::new())),
            (ItemType::Structure, Some(_)) => Err(XmlErrorKind::ValueOnStructure),
            (_, None) => Err(ValueError::MissingValue.into()),
            (_, Some(text)) => {
                let names = self.names_tag(tag);
                Ok(Content::Done(text::parse_value(
                    ty,
                    text,
                    tag,
                    names,
                    self.placeholders,
                )?))
            }
        }
    }

    /// The tag whose value names apply to an item with `tag` in the current structure.
    fn names_tag(&self, tag: Tag) -> Tag {
        match self.stack.last() {
            Some(Frame {
                attribute: Some(attribute),
                ..
            }) if tag == Tag::ATTRIBUTE_VALUE => *attribute,
            _ => tag,
        }
    }

    /// Adds a completed item to its parent, or makes it the result.
    fn finish(&mut self, item: Ttlv) {
        match self.stack.last_mut() {
            Some(Frame {
                content: Content::Items(items),
                attribute,
                ..
            }) => {
                if let (Tag::ATTRIBUTE_NAME, Value::TextString(name)) = (item.tag, &item.value) {
                    *attribute = text::attribute_tag(name);
                }
                items.push(item);
            }
            Some(_) => {}
            None => self.root = Some(item),
        }
    }
}

/// The three attributes of a KMIP XML element.
struct Attributes {
    tag: Option<String>,
    ty: Option<String>,
    value: Option<String>,
}

impl Attributes {
    fn of(element: &BytesStart<'_>) -> Result<Attributes, XmlErrorKind> {
        let mut attrs = Attributes {
            tag: None,
            ty: None,
            value: None,
        };
        for attr in element.attributes() {
            let attr = attr.map_err(|e| XmlErrorKind::Syntax(e.into()))?;
            let text = attr
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(XmlErrorKind::Syntax)?;
            let slot = match attr.key.as_ref() {
                b"tag" => &mut attrs.tag,
                b"type" => &mut attrs.ty,
                b"value" => &mut attrs.value,
                other => {
                    let name = String::from_utf8_lossy(other).into_owned();
                    return Err(XmlErrorKind::UnexpectedAttribute { name });
                }
            };
            *slot = Some(text.into_owned());
        }
        Ok(attrs)
    }
}

/// Writes a tree as indented KMIP XML (two spaces per level, one element per line).
/// Enumerations and masks are written by name where the dictionary has one.
pub fn from_ttlv(item: &Ttlv) -> String {
    let mut out = String::new();
    write_element(&mut out, item, item.tag, 0);
    out
}

fn write_element(out: &mut String, item: &Ttlv, names: Tag, depth: usize) {
    let indent = "  ".repeat(depth);
    let (open, close) = match item.tag.name() {
        Some(name) => (name.to_owned(), name.to_owned()),
        None => (
            format!("TTLV tag=\"0x{:06X}\"", item.tag.value()),
            "TTLV".to_owned(),
        ),
    };
    match &item.value {
        Value::Structure(items) if items.is_empty() => {
            let _ = writeln!(out, "{indent}<{open}/>");
        }
        Value::Structure(items) => {
            let _ = writeln!(out, "{indent}<{open}>");
            let mut attribute = None;
            for child in items {
                let names = match child.tag {
                    Tag::ATTRIBUTE_VALUE => attribute.unwrap_or(child.tag),
                    _ => child.tag,
                };
                write_element(out, child, names, depth + 1);
                if let (Tag::ATTRIBUTE_NAME, Value::TextString(name)) = (child.tag, &child.value) {
                    attribute = text::attribute_tag(name);
                }
            }
            let _ = writeln!(out, "{indent}</{close}>");
        }
        value => {
            let ty = value.item_type();
            let text = escape(&value_text(value, names));
            let _ = writeln!(out, "{indent}<{open} type=\"{ty}\" value=\"{text}\"/>");
        }
    }
}

/// The `value` attribute of a primitive.
fn value_text(value: &Value, names: Tag) -> String {
    match value {
        Value::Structure(_) => String::new(),
        Value::Integer(v) => match text::mask_of(names) {
            Some(mask) => text::format_mask(*v, mask, " "),
            None => v.to_string(),
        },
        Value::LongInteger(v) => v.to_string(),
        Value::BigInteger(bytes) | Value::ByteString(bytes) => hex::encode(bytes),
        Value::Enumeration(v) => text::format_enumeration(*v, names),
        Value::Boolean(v) => v.to_string(),
        Value::TextString(s) => s.clone(),
        Value::DateTime(v) => text::format_date_time(*v, false),
        Value::Interval(v) => v.to_string(),
        Value::DateTimeExtended(v) => text::format_date_time(*v, true),
    }
}

/// Escapes an attribute value, including the white space that attribute value
/// normalization would otherwise turn into spaces.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
    out
}

/// The source text of each KMIP message in a test vector file: the children of a `<KMIP>`
/// wrapper element, and any other top-level element. Comments are skipped.
///
/// # Errors
/// [`XmlErrorKind::Syntax`] if the document is not well-formed XML.
pub fn split_messages(document: &str) -> Result<Vec<&str>, XmlError> {
    let mut reader = Reader::from_str(document);
    reader.config_mut().trim_text(true);
    let mut messages = Vec::new();
    let mut depth = 0usize;
    let mut level = 0usize; // the depth at which messages start: 1 inside <KMIP>
    let mut start = 0usize;
    loop {
        let before = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = reader.read_event().map_err(|e| XmlError {
            offset: before,
            path: TagPath::new(),
            kind: XmlErrorKind::Syntax(e),
        })?;
        let after = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let piece = |from: usize| document.get(from..after).map(str::trim);
        match event {
            Event::Start(e) => {
                if depth == 0 && e.local_name().as_ref() == b"KMIP" {
                    level = 1;
                } else if depth == level {
                    start = before;
                }
                depth += 1;
            }
            Event::Empty(_) if depth == level => messages.extend(piece(before)),
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if depth == level {
                    messages.extend(piece(start));
                } else if depth == 0 {
                    level = 0; // the end of a <KMIP> wrapper
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(messages)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(v: u32) -> Tag {
        Tag::new(v).unwrap()
    }

    fn error(xml: &str) -> XmlError {
        to_ttlv(xml).unwrap_err()
    }

    const ATTRIBUTES_1_X: &str = r#"<TemplateAttribute>
      <Attribute>
        <AttributeName type="TextString" value="Cryptographic Algorithm"/>
        <AttributeValue type="Enumeration" value="AES"/>
      </Attribute>
      <Attribute>
        <AttributeName type="TextString" value="Cryptographic Usage Mask"/>
        <AttributeValue type="Integer" value="Encrypt Decrypt"/>
      </Attribute>
    </TemplateAttribute>"#;

    #[test]
    fn attribute_values_use_their_attribute_names() {
        let tree = to_ttlv(ATTRIBUTES_1_X).unwrap();
        let attributes = tree.items().unwrap();
        let value = |i: usize| &attributes[i].find(Tag::ATTRIBUTE_VALUE).unwrap().value;
        assert_eq!(value(0), &Value::Enumeration(3));
        assert_eq!(value(1), &Value::Integer(12));
        let text = from_ttlv(&tree);
        assert!(
            text.contains(r#"<AttributeValue type="Enumeration" value="AES"/>"#),
            "{text}"
        );
        assert!(text.contains(r#"<AttributeValue type="Integer" value="Encrypt Decrypt"/>"#));
    }

    #[test]
    fn writes_indented_elements() {
        let tree = Ttlv::structure(
            Tag::REQUEST_MESSAGE,
            vec![
                Ttlv::new(tag(0x42_000D), Value::Integer(1)),
                Ttlv::structure(tag(0x42_000F), Vec::new()),
                Ttlv::new(tag(0x54_0001), Value::TextString("a<b & \"c\"\n".into())),
            ],
        );
        let expected = "<RequestMessage>\n  <BatchCount type=\"Integer\" value=\"1\"/>\n  \
            <BatchItem/>\n  <TTLV tag=\"0x540001\" type=\"TextString\" \
            value=\"a&lt;b &amp; &quot;c&quot;&#10;\"/>\n</RequestMessage>\n";
        assert_eq!(from_ttlv(&tree), expected);
        assert_eq!(to_ttlv(expected).unwrap(), tree);
    }

    #[test]
    fn accepts_declaration_comments_and_explicit_structure_type() {
        let xml = "<?xml version=\"1.0\"?><!-- c --><BatchItem type=\"Structure\">\
                   <Operation type=\"Enumeration\" value=\"0x0000000A\"/></BatchItem>";
        let tree = to_ttlv(xml).unwrap();
        assert_eq!(
            tree.find(tag(0x42_005C)).unwrap().value,
            Value::Enumeration(10)
        );
    }

    #[test]
    fn unknown_names_are_refused_with_their_path() {
        let e = error(
            "<RequestMessage><BatchItem><Nope type=\"Integer\" value=\"1\"/></BatchItem></RequestMessage>",
        );
        assert!(
            matches!(&e.kind, XmlErrorKind::Value(ValueError::UnknownTag { name }) if name == "Nope")
        );
        assert_eq!(
            e.path,
            TagPath::from(vec![Tag::REQUEST_MESSAGE, tag(0x42_000F)])
        );
        let e = error("<BatchItem><Operation type=\"Enumeration\" value=\"Fly\"/></BatchItem>");
        assert!(matches!(
            e.kind,
            XmlErrorKind::Value(ValueError::UnknownEnumerationName { .. })
        ));
        assert_eq!(e.path, TagPath::from(vec![tag(0x42_000F), tag(0x42_005C)]));
        assert_eq!(
            e.to_string(),
            "invalid KMIP XML at byte 11 (BatchItem/Operation): \"Fly\" is not a value name of Operation"
        );
        let e = error("<BatchCount type=\"Int\" value=\"1\"/>");
        assert!(matches!(
            e.kind,
            XmlErrorKind::Value(ValueError::UnknownType { .. })
        ));
    }

    #[test]
    fn malformed_elements_are_refused() {
        let kind = |xml: &str| error(xml).kind;
        assert!(matches!(
            kind("<BatchCount type=\"Integer\"/>"),
            XmlErrorKind::Value(ValueError::MissingValue)
        ));
        assert!(matches!(
            kind("<BatchItem value=\"1\"/>"),
            XmlErrorKind::ValueOnStructure
        ));
        assert!(matches!(
            kind("<BatchCount type=\"Integer\" value=\"1\"><BatchItem/></BatchCount>"),
            XmlErrorKind::ChildOfPrimitive {
                ty: ItemType::Integer
            }
        ));
        assert!(matches!(
            kind("<BatchItem>text</BatchItem>"),
            XmlErrorKind::UnexpectedText
        ));
        assert!(matches!(
            kind("<BatchItem/><BatchItem/>"),
            XmlErrorKind::TrailingElement
        ));
        assert!(matches!(
            kind("<BatchItem>"),
            XmlErrorKind::Unclosed | XmlErrorKind::Syntax(_)
        ));
        assert!(matches!(
            kind("<BatchItem></Operation>"),
            XmlErrorKind::Syntax(_)
        ));
        assert!(matches!(kind("<!-- nothing -->"), XmlErrorKind::NoElement));
        assert!(matches!(
            kind("<BatchItem color=\"red\"/>"),
            XmlErrorKind::UnexpectedAttribute { .. }
        ));
    }

    #[test]
    fn limits_apply() {
        let deep = "<BatchItem>".repeat(3) + &"</BatchItem>".repeat(3);
        let limits = Limits {
            max_depth: 2,
            ..Limits::DEFAULT
        };
        let e = to_ttlv_with(&deep, &limits, None).unwrap_err();
        assert!(matches!(e.kind, XmlErrorKind::TooDeep { limit: 2 }));
        let limits = Limits {
            max_items: 2,
            ..Limits::DEFAULT
        };
        let e = to_ttlv_with(&deep, &limits, None).unwrap_err();
        assert!(matches!(e.kind, XmlErrorKind::TooManyItems { limit: 2 }));
        assert!(
            to_ttlv_with(
                &deep,
                &Limits {
                    max_depth: 3,
                    ..Limits::DEFAULT
                },
                None
            )
            .is_ok()
        );
    }

    #[test]
    fn splits_wrapped_and_bare_sequences() {
        let wrapped = "<KMIP>\n<!-- note -->\n<RequestMessage>\n  <BatchItem/>\n</RequestMessage>\n\
                       <!-- <RequestMessage/> commented out -->\n<ResponseMessage/>\n</KMIP>\n";
        assert_eq!(
            split_messages(wrapped).unwrap(),
            vec![
                "<RequestMessage>\n  <BatchItem/>\n</RequestMessage>",
                "<ResponseMessage/>"
            ]
        );
        let bare =
            "<RequestMessage><BatchItem/></RequestMessage> <ResponseMessage></ResponseMessage>";
        assert_eq!(
            split_messages(bare).unwrap(),
            vec![
                "<RequestMessage><BatchItem/></RequestMessage>",
                "<ResponseMessage></ResponseMessage>"
            ]
        );
        assert!(split_messages("<KMIP><RequestMessage></KMIP>").is_err());
    }
}
