//! Changes of a key's custom KMIP attributes (KMIP 1.4 section 3.1:
//! `x-…`, `y-…`; KMIP 2.1 section 4.60: Vendor Attributes of vendor `x`
//! or `y`), one instance per name: text ones are the key's tags (REST's
//! `tags`), the others are kept typed in its KMIP metadata
//! ([`keyhold_core::kmip_custom`]).
//!
//! A Modify keeps the attribute's type: a new value of another type is
//! refused and changes nothing (Delete it and Add it again to change the
//! type). A 2.x Set replaces the attribute whole, type included.

use keyhold_core::kmip_custom::{CustomAttribute, CustomName, CustomValue, check_custom};
use keyhold_core::{Key, KeyRef, VersionId};

use super::kmip_attributes::{AttributeChange, is_custom_name};
use super::lifecycle::validate::check_tags;
use super::{Caller, Operations};
use crate::error::ServerError;

/// A custom attribute's value as keyhold keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomAttr {
    /// Text: a tag of the key.
    Text(String),
    /// Any other type keyhold keeps.
    Typed(CustomValue),
}

impl CustomAttr {
    /// The KMIP name of its item type.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Text(_) => "Text String",
            Self::Typed(v) => v.type_name(),
        }
    }

    fn same_type(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Text(_), Self::Text(_)) => true,
            (Self::Typed(a), Self::Typed(b)) => a.same_type(b),
            _ => false,
        }
    }
}

/// The custom attribute `name` of `key`, if it has one.
fn current(key: &Key, name: &str) -> Option<CustomAttr> {
    if let Some(text) = key.tags.get(name) {
        return Some(CustomAttr::Text(text.clone()));
    }
    key.kmip
        .custom
        .iter()
        .find(|c| c.name.as_str() == name)
        .map(|c| CustomAttr::Typed(c.value.clone()))
}

/// Removes the custom attribute `name` from `key`, wherever it is kept.
fn remove(key: &mut Key, name: &str) {
    key.tags.remove(name);
    key.kmip.custom.retain(|c| c.name.as_str() != name);
}

/// Keeps `value` as the custom attribute `name` of `key` (which has none).
fn insert(key: &mut Key, name: String, value: CustomAttr) -> Result<(), ServerError> {
    match value {
        CustomAttr::Text(text) => {
            key.tags.insert(name, text);
        }
        CustomAttr::Typed(value) => key.kmip.custom.push(CustomAttribute {
            name: CustomName::try_from(name).map_err(ServerError::Core)?,
            value,
        }),
    }
    Ok(())
}

/// The value `change` leaves for an attribute `name` that holds `before`
/// (`None`: deleted), or why it cannot.
fn after(
    name: &str,
    before: Option<&CustomAttr>,
    change: AttributeChange<CustomAttr>,
) -> Result<Option<CustomAttr>, ServerError> {
    let refuse = |detail: String| Err(ServerError::InvalidRequest { detail });
    match (change, before) {
        (AttributeChange::Add(_), Some(_)) => {
            refuse(format!("{name} is set already: keyhold keeps one instance"))
        }
        (AttributeChange::Modify(_) | AttributeChange::Delete, None) => {
            refuse(format!("the object has no attribute {name}"))
        }
        (AttributeChange::Modify(v), Some(old)) if !v.same_type(old) => refuse(format!(
            "{name} holds a {}, not a {}: a Modify keeps the type (Delete and Add it to change it)",
            old.type_name(),
            v.type_name()
        )),
        (AttributeChange::Add(v) | AttributeChange::Modify(v) | AttributeChange::Set(v), _) => {
            Ok(Some(v))
        }
        (AttributeChange::Delete, Some(_)) => Ok(None),
    }
}

impl Operations {
    /// Changes the custom attribute `name` of version `id`'s key; answers
    /// the value it had (what a KMIP 1.x Delete Attribute gives back).
    /// Text is kept as a tag (at most 50 tags, values at most 256 bytes);
    /// other types typed (at most 16, Byte Strings at most 256 bytes).
    pub fn change_custom_attribute(
        &self,
        caller: &Caller,
        id: VersionId,
        name: String,
        change: AttributeChange<CustomAttr>,
    ) -> Result<Option<CustomAttr>, ServerError> {
        if !is_custom_name(&name) {
            return Err(ServerError::InvalidRequest {
                detail: format!("{name} is not a custom attribute (x-… or y-…)"),
            });
        }
        let (key, _) = self.key_by_version_id(caller, id)?;
        let mut before = None;
        self.change_key(caller, &KeyRef::Id(key.id), |rows, _| {
            let key = &mut rows.key;
            before = current(key, &name);
            let value = after(&name, before.as_ref(), change)?;
            remove(key, &name);
            if let Some(value) = value {
                insert(key, name, value)?;
            }
            check_tags(&key.tags).map_err(ServerError::Core)?;
            check_custom(&key.kmip.custom).map_err(ServerError::Core)
        })?;
        Ok(before)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_modify_keeps_the_type_and_a_set_replaces_it() {
        use AttributeChange as C;
        let int = |v| CustomAttr::Typed(CustomValue::Integer(v));
        let text = |t: &str| CustomAttr::Text(t.into());
        assert_eq!(
            after("x-a", Some(&int(0)), C::Modify(int(1))).unwrap(),
            Some(int(1))
        );
        let r = after("x-a", Some(&int(0)), C::Modify(text("1")));
        assert!(
            matches!(r, Err(ServerError::InvalidRequest { detail }) if detail.contains("Integer"))
        );
        let long = CustomAttr::Typed(CustomValue::LongInteger(1));
        assert!(after("x-a", Some(&int(0)), C::Modify(long)).is_err());
        assert_eq!(
            after("x-a", Some(&int(0)), C::Set(text("t"))).unwrap(),
            Some(text("t"))
        );
        assert!(after("x-a", Some(&int(0)), C::Add(int(2))).is_err());
        assert!(after("x-a", None, C::Modify(int(2))).is_err());
        assert!(after("x-a", None, C::Delete).is_err());
        assert_eq!(after("x-a", Some(&int(0)), C::Delete).unwrap(), None);
        assert_eq!(after("x-a", None, C::Add(int(2))).unwrap(), Some(int(2)));
    }
}
