//! The KMIP JSON encoding (the "JSON Encoding" section of the KMIP Profiles 1.4 and 2.1
//! message encodings):
//!
//! ```json
//! {"tag": "RequestMessage", "value": [
//!   {"tag": "RequestHeader", "value": [
//!     {"tag": "BatchCount", "type": "Integer", "value": 1}
//!   ]},
//!   {"tag": "0x540001", "type": "TextString", "value": "an extension"}
//! ]}
//! ```
//!
//! Each item is an object with `tag` (a name or `0x` hex), `type` (omitted for a Structure)
//! and `value`: an array of items for a Structure, a JSON number or boolean where the type
//! allows one, otherwise a string in the text form of the [`text`] rules. Masks
//! join bit names with `|`; Long Integers of 2^52 or more in magnitude are written as `0x`
//! hex so that JSON readers using doubles do not round them.

use serde_json::{Map, Value as Json};

use crate::error::TagPath;
use crate::limits::Limits;
use crate::tag::{ItemType, Tag};
use crate::text::{self, Placeholders, ValueError};
use crate::value::{Ttlv, Value};

/// A JSON text that is not one KMIP JSON item.
#[derive(Debug, thiserror::Error)]
#[error("invalid KMIP JSON ({path}): {kind}")]
pub struct JsonError {
    /// The tags of the enclosing items, outermost first, ending with the item at fault when
    /// its tag was readable.
    pub path: TagPath,
    /// What went wrong.
    pub kind: JsonErrorKind,
}

/// What was wrong with a JSON text.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JsonErrorKind {
    /// Not well-formed JSON (the source error has line and column).
    #[error("JSON syntax error")]
    Syntax(#[source] serde_json::Error),
    /// A value that does not fit the item.
    #[error(transparent)]
    Value(#[from] ValueError),
    /// An item that is not a JSON object.
    #[error("an item must be a JSON object")]
    NotAnObject,
    /// An item without `tag` or `value`.
    #[error("missing field {field:?}")]
    MissingField {
        /// The field's name.
        field: &'static str,
    },
    /// A field other than `tag`, `type` and `value`.
    #[error("unexpected field {name:?}")]
    UnexpectedField {
        /// The field's name.
        name: String,
    },
    /// A field whose JSON type does not fit (a number where a string is needed, a
    /// Structure value that is not an array, ...).
    #[error("the {field} of a {ty} item must be {expected}")]
    WrongJsonType {
        /// The field.
        field: &'static str,
        /// The item type.
        ty: ItemType,
        /// What the field must be.
        expected: &'static str,
    },
    /// Items nested deeper than [`Limits::max_depth`].
    #[error("items nested deeper than the limit of {limit}")]
    TooDeep {
        /// The configured limit.
        limit: usize,
    },
    /// More items than [`Limits::max_items`].
    #[error("more items than the limit of {limit}")]
    TooManyItems {
        /// The configured limit.
        limit: usize,
    },
}

/// Parses one JSON item into a tree, with default limits and no placeholder resolver.
///
/// # Errors
/// A [`JsonError`] saying where and what.
pub fn to_ttlv(json: &str) -> Result<Ttlv, JsonError> {
    to_ttlv_with(json, &Limits::DEFAULT, None)
}

/// Parses one JSON item like [`to_ttlv`], with `limits.max_depth` and `limits.max_items`
/// and a resolver for the `$` placeholders of the test vectors.
///
/// # Errors
/// A [`JsonError`] saying where and what.
pub fn to_ttlv_with(
    json: &str,
    limits: &Limits,
    placeholders: Option<&dyn Placeholders>,
) -> Result<Ttlv, JsonError> {
    let value: Json = serde_json::from_str(json).map_err(|e| JsonError {
        path: TagPath::new(),
        kind: JsonErrorKind::Syntax(e),
    })?;
    from_value(&value, limits, placeholders)
}

/// Converts an already parsed JSON value (for example part of a larger document).
///
/// # Errors
/// A [`JsonError`] saying where and what.
pub fn from_value(
    json: &Json,
    limits: &Limits,
    placeholders: Option<&dyn Placeholders>,
) -> Result<Ttlv, JsonError> {
    let mut parser = Parser {
        limits,
        placeholders,
        path: Vec::new(),
        items: 0,
    };
    parser.item(json, None).map_err(|kind| JsonError {
        path: TagPath::from(parser.path),
        kind,
    })
}

struct Parser<'a> {
    limits: &'a Limits,
    placeholders: Option<&'a dyn Placeholders>,
    path: Vec<Tag>,
    items: usize,
}

impl Parser<'_> {
    /// One item; `attribute` is the tag named by a preceding sibling Attribute Name.
    fn item(&mut self, json: &Json, attribute: Option<Tag>) -> Result<Ttlv, JsonErrorKind> {
        self.items += 1;
        if self.items > self.limits.max_items {
            return Err(JsonErrorKind::TooManyItems {
                limit: self.limits.max_items,
            });
        }
        if self.path.len() >= self.limits.max_depth {
            return Err(JsonErrorKind::TooDeep {
                limit: self.limits.max_depth,
            });
        }
        let object = json.as_object().ok_or(JsonErrorKind::NotAnObject)?;
        if let Some(name) = object
            .keys()
            .find(|k| !matches!(k.as_str(), "tag" | "type" | "value"))
        {
            return Err(JsonErrorKind::UnexpectedField {
                name: text::excerpt(name),
            });
        }
        let tag = match object.get("tag") {
            Some(Json::String(name)) => text::parse_tag(name)?,
            Some(_) => return Err(wrong("tag", ItemType::Structure, "a string")),
            None => return Err(JsonErrorKind::MissingField { field: "tag" }),
        };
        self.path.push(tag);
        let ty = match object.get("type") {
            None => ItemType::Structure,
            Some(Json::String(name)) => {
                ItemType::from_name(name).ok_or_else(|| ValueError::UnknownType {
                    name: text::excerpt(name),
                })?
            }
            Some(_) => return Err(wrong("type", ItemType::Structure, "a string")),
        };
        let json = object
            .get("value")
            .ok_or(JsonErrorKind::MissingField { field: "value" })?;
        let names = match (tag, attribute) {
            (Tag::ATTRIBUTE_VALUE, Some(attribute)) => attribute,
            _ => tag,
        };
        let value = match ty {
            ItemType::Structure => Value::Structure(self.items_of(json)?),
            _ => self.primitive(ty, json, tag, names)?,
        };
        self.path.pop();
        Ok(Ttlv::new(tag, value))
    }

    fn items_of(&mut self, json: &Json) -> Result<Vec<Ttlv>, JsonErrorKind> {
        let array = json
            .as_array()
            .ok_or(wrong("value", ItemType::Structure, "an array"))?;
        let mut items = Vec::new();
        let mut attribute = None;
        for child in array {
            let item = self.item(child, attribute)?;
            if let (Tag::ATTRIBUTE_NAME, Value::TextString(name)) = (item.tag, &item.value) {
                attribute = text::attribute_tag(name);
            }
            items.push(item);
        }
        Ok(items)
    }

    fn primitive(
        &self,
        ty: ItemType,
        json: &Json,
        tag: Tag,
        names: Tag,
    ) -> Result<Value, JsonErrorKind> {
        if let Json::String(s) = json {
            return Ok(text::parse_value(ty, s, tag, names, self.placeholders)?);
        }
        let number = || ValueError::InvalidNumber {
            ty,
            text: text::excerpt(&json.to_string()),
        };
        let value = match (ty, json) {
            (ItemType::Boolean, Json::Bool(b)) => Value::Boolean(*b),
            (ItemType::Integer, Json::Number(n)) => Value::Integer(
                n.as_i64()
                    .and_then(|v| i32::try_from(v).ok())
                    .ok_or_else(number)?,
            ),
            (ItemType::LongInteger, Json::Number(n)) => {
                Value::LongInteger(n.as_i64().ok_or_else(number)?)
            }
            (ItemType::BigInteger, Json::Number(n)) => {
                Value::BigInteger(n.as_i64().ok_or_else(number)?.to_be_bytes().to_vec())
            }
            (ItemType::Enumeration, Json::Number(n)) => {
                Value::Enumeration(unsigned(n).ok_or_else(number)?)
            }
            (ItemType::Interval, Json::Number(n)) => {
                Value::Interval(unsigned(n).ok_or_else(number)?)
            }
            (ItemType::Boolean, _) => return Err(wrong("value", ty, "a boolean or a string")),
            (ItemType::Integer | ItemType::LongInteger | ItemType::BigInteger, _)
            | (ItemType::Enumeration | ItemType::Interval, _) => {
                return Err(wrong("value", ty, "a number or a string"));
            }
            _ => return Err(wrong("value", ty, "a string")),
        };
        Ok(value)
    }
}

fn unsigned(n: &serde_json::Number) -> Option<u32> {
    n.as_u64().and_then(|v| u32::try_from(v).ok())
}

fn wrong(field: &'static str, ty: ItemType, expected: &'static str) -> JsonErrorKind {
    JsonErrorKind::WrongJsonType {
        field,
        ty,
        expected,
    }
}

/// Writes a tree as compact KMIP JSON.
pub fn from_ttlv(item: &Ttlv) -> String {
    to_value(item).to_string()
}

/// Converts a tree to a JSON value (for embedding in a larger document).
pub fn to_value(item: &Ttlv) -> Json {
    item_json(item, item.tag)
}

/// Magnitude from which a Long Integer is written as hex ("JSON Encoding", KMIP Profiles).
const MAX_JSON_INTEGER: i64 = 1 << 52;

fn item_json(item: &Ttlv, names: Tag) -> Json {
    let mut object = Map::new();
    object.insert("tag".into(), Json::String(item.tag.to_string()));
    let ty = item.value.item_type();
    if ty != ItemType::Structure {
        object.insert("type".into(), Json::String(ty.name().into()));
    }
    let value = match &item.value {
        Value::Structure(items) => {
            let mut attribute = None;
            let mut array = Vec::with_capacity(items.len());
            for child in items {
                let names = match child.tag {
                    Tag::ATTRIBUTE_VALUE => attribute.unwrap_or(child.tag),
                    _ => child.tag,
                };
                array.push(item_json(child, names));
                if let (Tag::ATTRIBUTE_NAME, Value::TextString(name)) = (child.tag, &child.value) {
                    attribute = text::attribute_tag(name);
                }
            }
            Json::Array(array)
        }
        value => primitive_json(value, names),
    };
    object.insert("value".into(), value);
    Json::Object(object)
}

fn primitive_json(value: &Value, names: Tag) -> Json {
    match value {
        Value::Structure(_) => Json::Array(Vec::new()),
        Value::Integer(v) => match text::mask_of(names) {
            Some(mask) => Json::String(text::format_mask(*v, mask, "|")),
            None => Json::from(*v),
        },
        Value::LongInteger(v) if v.unsigned_abs() < MAX_JSON_INTEGER.unsigned_abs() => {
            Json::from(*v)
        }
        Value::LongInteger(v) => Json::String(format!("0x{v:016X}")),
        Value::BigInteger(bytes) => Json::String(format!("0x{}", hex::encode(bytes))),
        Value::Enumeration(v) => Json::String(text::format_enumeration(*v, names)),
        Value::Boolean(v) => Json::Bool(*v),
        Value::TextString(s) => Json::String(s.clone()),
        Value::ByteString(bytes) => Json::String(hex::encode(bytes)),
        Value::DateTime(v) => Json::String(text::format_date_time(*v, false)),
        Value::Interval(v) => Json::from(*v),
        Value::DateTimeExtended(v) => Json::String(text::format_date_time(*v, true)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(v: u32) -> Tag {
        Tag::new(v).unwrap()
    }

    fn kind(json: &str) -> JsonErrorKind {
        to_ttlv(json).unwrap_err().kind
    }

    const MESSAGE: &str = r#"{"tag":"RequestMessage","value":[
        {"tag":"RequestHeader","value":[
            {"tag":"ProtocolVersion","value":[
                {"tag":"ProtocolVersionMajor","type":"Integer","value":1},
                {"tag":"ProtocolVersionMinor","type":"Integer","value":"0x00000004"}]},
            {"tag":"MaximumResponseSize","type":"Integer","value":256},
            {"tag":"BatchCount","type":"Integer","value":1}]},
        {"tag":"BatchItem","value":[
            {"tag":"Operation","type":"Enumeration","value":"Query"},
            {"tag":"RequestPayload","value":[
                {"tag":"QueryFunction","type":"Enumeration","value":"QueryOperations"},
                {"tag":"QueryFunction","type":"Enumeration","value":2},
                {"tag":"CryptographicUsageMask","type":"Integer","value":"Encrypt|Decrypt"},
                {"tag":"0x540001","type":"LongInteger","value":"0x0010000000000000"},
                {"tag":"ActivationDate","type":"DateTime","value":"2008-03-14T11:56:40+00:00"},
                {"tag":"BatchOrderOption","type":"Boolean","value":true},
                {"tag":"Modulus","type":"BigInteger","value":"0x0000000000010001"},
                {"tag":"Nonce","value":[]}]}]}]}"#;

    #[test]
    fn parses_the_profile_format_and_writes_it_back() {
        let tree = to_ttlv(MESSAGE).unwrap();
        let payload = tree
            .find(tag(0x42_000F))
            .unwrap()
            .find(tag(0x42_0079))
            .unwrap();
        let items = payload.items().unwrap();
        assert_eq!(items[0].value, Value::Enumeration(1));
        assert_eq!(items[1].value, Value::Enumeration(2));
        assert_eq!(items[2].value, Value::Integer(12));
        assert_eq!(items[3].value, Value::LongInteger(1 << 52));
        assert_eq!(items[4].value, Value::DateTime(0x47DA_67F8));
        assert_eq!(
            items[6].value,
            Value::BigInteger(vec![0, 0, 0, 0, 0, 1, 0, 1])
        );
        let text = from_ttlv(&tree);
        assert!(
            text.contains(r#"{"tag":"QueryFunction","type":"Enumeration","value":"QueryObjects"}"#),
            "{text}"
        );
        assert!(text.contains(r#""value":"Encrypt|Decrypt""#));
        assert!(
            text.contains(
                r#"{"tag":"0x540001","type":"LongInteger","value":"0x0010000000000000"}"#
            )
        );
        assert!(text.contains(r#"{"tag":"ProtocolVersionMinor","type":"Integer","value":4}"#));
        assert!(text.contains(r#"{"tag":"Nonce","value":[]}"#));
        assert_eq!(to_ttlv(&text).unwrap(), tree);
    }

    #[test]
    fn structural_errors() {
        assert!(matches!(kind("[1]"), JsonErrorKind::NotAnObject));
        assert!(matches!(
            kind(r#"{"value":[]}"#),
            JsonErrorKind::MissingField { field: "tag" }
        ));
        assert!(matches!(
            kind(r#"{"tag":"BatchItem"}"#),
            JsonErrorKind::MissingField { field: "value" }
        ));
        assert!(matches!(
            kind(r#"{"tag":"BatchItem","value":[],"x":1}"#),
            JsonErrorKind::UnexpectedField { .. }
        ));
        assert!(matches!(
            kind(r#"{"tag":"BatchItem","value":{}}"#),
            JsonErrorKind::WrongJsonType { .. }
        ));
        assert!(matches!(
            kind(r#"{"tag":7,"value":[]}"#),
            JsonErrorKind::WrongJsonType { field: "tag", .. }
        ));
        assert!(matches!(
            kind(r#"{"tag":"BatchCount","type":"Integer","value":true}"#),
            JsonErrorKind::WrongJsonType {
                field: "value",
                ty: ItemType::Integer,
                ..
            }
        ));
        assert!(matches!(
            kind(r#"{"tag":"NameValue","type":"TextString","value":5}"#),
            JsonErrorKind::WrongJsonType { .. }
        ));
        assert!(matches!(kind("{"), JsonErrorKind::Syntax(_)));
    }

    #[test]
    fn value_errors_carry_the_path() {
        let e = to_ttlv(r#"{"tag":"BatchItem","value":[{"tag":"BatchCount","type":"Integer","value":4294967296}]}"#)
            .unwrap_err();
        assert!(matches!(
            e.kind,
            JsonErrorKind::Value(ValueError::InvalidNumber { .. })
        ));
        assert_eq!(e.path, TagPath::from(vec![tag(0x42_000F), tag(0x42_000D)]));
        assert!(matches!(
            kind(r#"{"tag":"Nope","value":[]}"#),
            JsonErrorKind::Value(ValueError::UnknownTag { .. })
        ));
        assert!(matches!(
            kind(r#"{"tag":"BatchItem","type":"Whatever","value":1}"#),
            JsonErrorKind::Value(ValueError::UnknownType { .. })
        ));
    }

    #[test]
    fn limits_apply() {
        let deep = r#"{"tag":"BatchItem","value":[{"tag":"BatchItem","value":[{"tag":"BatchItem","value":[]}]}]}"#;
        let limits = Limits {
            max_depth: 2,
            ..Limits::DEFAULT
        };
        let e = to_ttlv_with(deep, &limits, None).unwrap_err();
        assert!(matches!(e.kind, JsonErrorKind::TooDeep { limit: 2 }));
        let limits = Limits {
            max_items: 2,
            ..Limits::DEFAULT
        };
        let e = to_ttlv_with(deep, &limits, None).unwrap_err();
        assert!(matches!(e.kind, JsonErrorKind::TooManyItems { limit: 2 }));
        assert!(
            to_ttlv_with(
                deep,
                &Limits {
                    max_depth: 3,
                    ..Limits::DEFAULT
                },
                None
            )
            .is_ok()
        );
    }
}
