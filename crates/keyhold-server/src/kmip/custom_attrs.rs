//! Custom attributes (KMIP 1.4 section 3.1: `x-…`, `y-…`; KMIP 2.1
//! section 4.60: Vendor Attributes of vendor `x` or `y`) between their
//! KMIP form and what a key keeps: text ones as the key's tags (REST's
//! `tags`), the others typed ([`keyhold_core::kmip_custom`]). Vendor
//! attributes of other vendors are not kept.

use keyhold_core::Key;
use keyhold_core::kmip_custom::{CustomAttribute, CustomName, CustomValue, check_custom};
use keyhold_kmip::{AttributeValue, Attributes, ResultReason};
use keyhold_ttlv::Value;

use super::errors::ItemFailure;
use crate::ops::{CustomAttr, is_custom_name};

fn invalid(e: impl ToString) -> ItemFailure {
    ItemFailure::new(ResultReason::InvalidField, e.to_string())
}

/// The typed value keyhold keeps for a custom attribute's `value`; `None`
/// for text, which is kept as a tag.
fn typed(value: &Value) -> Result<Option<CustomValue>, ItemFailure> {
    Ok(Some(match value {
        Value::TextString(_) => return Ok(None),
        Value::Integer(v) => CustomValue::Integer(*v),
        Value::LongInteger(v) => CustomValue::LongInteger(*v),
        Value::Boolean(v) => CustomValue::Boolean(*v),
        Value::Enumeration(v) => CustomValue::Enumeration(*v),
        Value::DateTime(v) => CustomValue::DateTime(*v),
        Value::Interval(v) => CustomValue::Interval(*v),
        Value::ByteString(v) => CustomValue::ByteString(v.clone()),
        other => {
            return Err(invalid(format!(
                "keyhold keeps no custom attribute of type {:?}",
                other.item_type()
            )));
        }
    }))
}

/// What keyhold keeps for a custom attribute's `value`.
pub(crate) fn kept(value: &Value) -> Result<CustomAttr, ItemFailure> {
    Ok(match (typed(value)?, value) {
        (Some(v), _) => CustomAttr::Typed(v),
        (None, Value::TextString(text)) => CustomAttr::Text(text.clone()),
        (None, _) => return Err(invalid("a custom attribute without a value")),
    })
}

/// The KMIP value of a kept custom attribute.
pub(crate) fn wire(value: &CustomAttr) -> Value {
    match value {
        CustomAttr::Text(text) => Value::TextString(text.clone()),
        CustomAttr::Typed(CustomValue::Integer(v)) => Value::Integer(*v),
        CustomAttr::Typed(CustomValue::LongInteger(v)) => Value::LongInteger(*v),
        CustomAttr::Typed(CustomValue::Boolean(v)) => Value::Boolean(*v),
        CustomAttr::Typed(CustomValue::Enumeration(v)) => Value::Enumeration(*v),
        CustomAttr::Typed(CustomValue::DateTime(v)) => Value::DateTime(*v),
        CustomAttr::Typed(CustomValue::Interval(v)) => Value::Interval(*v),
        CustomAttr::Typed(CustomValue::ByteString(v)) => Value::ByteString(v.clone()),
    }
}

/// The custom attribute `name` (`x-…`) with `value`, in KMIP form.
pub(crate) fn attribute(name: &str, value: &CustomAttr) -> Option<AttributeValue> {
    let (vendor, rest) = name.split_once('-').filter(|_| is_custom_name(name))?;
    Some(AttributeValue::Vendor {
        vendor: vendor.to_owned(),
        name: rest.to_owned(),
        value: wire(value),
    })
}

/// The custom attributes of types other than text a Create or Register
/// gives, to keep typed; a type keyhold does not keep (Big Integer,
/// Structure), a bad name, too many, a name given twice (or also as
/// text) are Invalid Field.
pub(crate) fn typed_of(attrs: &Attributes) -> Result<Vec<CustomAttribute>, ItemFailure> {
    let mut out = Vec::new();
    let mut text_names = Vec::new();
    for a in &attrs.items {
        let AttributeValue::Vendor {
            vendor,
            name,
            value,
        } = &a.value
        else {
            continue;
        };
        let full = format!("{vendor}-{name}");
        if !is_custom_name(&full) {
            continue;
        }
        match typed(value)? {
            None => text_names.push(full),
            Some(value) => out.push(CustomAttribute {
                name: CustomName::try_from(full).map_err(invalid)?,
                value,
            }),
        }
    }
    if out
        .iter()
        .any(|c| text_names.contains(&c.name.as_str().to_owned()))
    {
        return Err(invalid("a custom attribute has one instance, of one type"));
    }
    check_custom(&out).map_err(invalid)?;
    Ok(out)
}

/// Appends `key`'s custom attributes: its `x-…`/`y-…` tags as text, then
/// the typed ones.
pub(crate) fn report(key: &Key, out: &mut Attributes) {
    for (name, text) in &key.tags {
        if let Some(a) = attribute(name, &CustomAttr::Text(text.clone())) {
            out.push(a);
        }
    }
    for c in &key.kmip.custom {
        if let Some(a) = attribute(c.name.as_str(), &CustomAttr::Typed(c.value.clone())) {
            out.push(a);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vendor(name: &str, value: Value) -> AttributeValue {
        AttributeValue::Vendor {
            vendor: "x".into(),
            name: name.into(),
            value,
        }
    }

    fn attrs(values: Vec<AttributeValue>) -> Attributes {
        let mut a = Attributes::default();
        for v in values {
            a.push(v);
        }
        a
    }

    #[test]
    fn typed_values_are_kept_with_their_type_and_text_is_left_to_tags() {
        let given = attrs(vec![
            vendor("ID", Value::TextString("t".into())),
            vendor("VendorAttribute2", Value::Integer(0)),
            vendor("VendorAttribute3", Value::DateTime(1_700_000_000)),
            vendor("Flag", Value::Boolean(true)),
            vendor("Blob", Value::ByteString(vec![1, 2])),
        ]);
        let kept = typed_of(&given).unwrap();
        assert_eq!(kept.len(), 4);
        assert_eq!(kept[0].name.as_str(), "x-VendorAttribute2");
        assert_eq!(kept[0].value, CustomValue::Integer(0));
        for (c, a) in kept.iter().zip(given.items.iter().skip(1)) {
            let back = attribute(c.name.as_str(), &CustomAttr::Typed(c.value.clone()));
            assert_eq!(back.as_ref(), Some(&a.value));
        }
    }

    #[test]
    fn what_keyhold_does_not_keep_is_refused() {
        let reason = |v: Vec<AttributeValue>| typed_of(&attrs(v)).unwrap_err().reason;
        let big = vendor("Big", Value::BigInteger(vec![1]));
        assert_eq!(reason(vec![big]), ResultReason::InvalidField);
        let twice = vec![
            vendor("a", Value::Integer(1)),
            vendor("a", Value::Integer(2)),
        ];
        assert_eq!(reason(twice), ResultReason::InvalidField);
        let both = vec![
            vendor("a", Value::Integer(1)),
            vendor("a", Value::TextString("1".into())),
        ];
        assert_eq!(reason(both), ResultReason::InvalidField);
        let long = Value::ByteString(vec![0; keyhold_core::kmip_custom::MAX_CUSTOM_BYTES + 1]);
        assert_eq!(reason(vec![vendor("b", long)]), ResultReason::InvalidField);
        let other_vendor = AttributeValue::Vendor {
            vendor: "acme".into(),
            name: "n".into(),
            value: Value::Integer(1),
        };
        assert!(typed_of(&attrs(vec![other_vendor])).unwrap().is_empty());
    }
}
