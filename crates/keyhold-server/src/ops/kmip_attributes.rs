//! The KMIP attribute changes keyhold can hold (KMIP 1.4 sections
//! 4.13–4.16, KMIP 2.1 sections 6.1.2, 6.1.13, 6.1.34, 6.1.51): custom
//! (`x-…`/`y-…`) text attributes, kept as the key's tags under the same
//! name, one instance each; the Description, kept as the key's
//! description; and the Activation Date of a Pre-Active key, which can be
//! brought to now (activating it). Every other attribute is set by
//! keyhold itself.

use keyhold_core::{KeyRef, KeyState, Timestamp, VersionId};

use super::lifecycle::KeyAction;
use super::lifecycle::validate::{check_description, check_tags};
use super::{Caller, Operations};
use crate::error::ServerError;

/// How an attribute changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttributeChange {
    /// Add Attribute: a new attribute (there must be none of that name).
    Add(String),
    /// Modify Attribute: a new value for one that exists.
    Modify(String),
    /// Set Attribute (2.x): the value, whether or not one exists.
    Set(String),
    /// Delete Attribute: it must exist.
    Delete,
}

/// Whether `name` is a custom attribute's (KMIP 1.4 section 3.1: `x-` for
/// clients, `y-` for servers).
pub fn is_custom_name(name: &str) -> bool {
    name.starts_with("x-") || name.starts_with("y-")
}

impl Operations {
    /// Changes the custom attribute `name` of version `id`'s key.
    pub fn change_custom_attribute(
        &self,
        caller: &Caller,
        id: VersionId,
        name: String,
        change: AttributeChange,
    ) -> Result<(), ServerError> {
        if !is_custom_name(&name) {
            return Err(ServerError::InvalidRequest {
                detail: format!("{name} is not a custom attribute (x-… or y-…)"),
            });
        }
        let (key, _) = self.key_by_version_id(caller, id)?;
        self.change_key(caller, &KeyRef::Id(key.id), move |rows, _| {
            let tags = &mut rows.key.tags;
            let exists = tags.contains_key(&name);
            let missing = || ServerError::InvalidRequest {
                detail: format!("the object has no attribute {name}"),
            };
            match change {
                AttributeChange::Add(_) if exists => {
                    return Err(ServerError::InvalidRequest {
                        detail: format!("{name} is set already: keyhold keeps one instance"),
                    });
                }
                AttributeChange::Modify(_) | AttributeChange::Delete if !exists => {
                    return Err(missing());
                }
                AttributeChange::Add(v) | AttributeChange::Modify(v) | AttributeChange::Set(v) => {
                    tags.insert(name, v);
                }
                AttributeChange::Delete => {
                    tags.remove(&name);
                }
            }
            check_tags(tags).map_err(ServerError::Core)
        })?;
        Ok(())
    }

    /// Changes the Description of version `id`'s key (KMIP 1.4 section
    /// 3.46, KMIP 2.1 section 4), kept as the key's description (REST's
    /// `description`; empty is none). It is single-valued: an Add when it
    /// has one is [`ServerError::AttributeSingleValued`], a Modify or
    /// Delete when it has none [`ServerError::AttributeNotFound`]. A new
    /// value is 1 to 4096 bytes.
    pub fn change_description(
        &self,
        caller: &Caller,
        id: VersionId,
        change: AttributeChange,
    ) -> Result<(), ServerError> {
        if let AttributeChange::Add(v) | AttributeChange::Modify(v) | AttributeChange::Set(v) =
            &change
        {
            if v.is_empty() {
                return Err(ServerError::InvalidRequest {
                    detail: "a Description is 1 to 4096 bytes".into(),
                });
            }
            check_description(v)?;
        }
        let (key, _) = self.key_by_version_id(caller, id)?;
        self.change_key(caller, &KeyRef::Id(key.id), move |rows, _| {
            let description = &mut rows.key.description;
            let attribute = "Description";
            match change {
                AttributeChange::Add(_) if !description.is_empty() => {
                    Err(ServerError::AttributeSingleValued { attribute })
                }
                AttributeChange::Modify(_) | AttributeChange::Delete if description.is_empty() => {
                    Err(ServerError::AttributeNotFound { attribute })
                }
                AttributeChange::Add(v) | AttributeChange::Modify(v) | AttributeChange::Set(v) => {
                    *description = v;
                    Ok(())
                }
                AttributeChange::Delete => {
                    description.clear();
                    Ok(())
                }
            }
        })?;
        Ok(())
    }

    /// Sets the Activation Date of version `id`'s key, which must be
    /// Pre-Active: a date now or past activates it; a future one is
    /// refused (give it at Create). Another state is a lifecycle refusal.
    pub fn set_activation_date(
        &self,
        caller: &Caller,
        id: VersionId,
        at: Timestamp,
    ) -> Result<(), ServerError> {
        let (key, version) = self.key_by_version_id(caller, id)?;
        if version.state != KeyState::PreActive || version.version != key.primary_version {
            return Err(ServerError::LifecycleRefused {
                action: KeyAction::Activate,
                state: version.state,
            });
        }
        if at > self.now() {
            return Err(ServerError::InvalidRequest {
                detail: "a future Activation Date is set at Create, not changed later".into(),
            });
        }
        self.activate_key(caller, &KeyRef::Id(key.id)).map(drop)
    }

    /// The Activation Date a Create or Register gives (KMIP 1.4 section
    /// 3.24, KMIP 2.1 section 4.1): now or past activates the new key; a
    /// future date leaves it Pre-Active (keyhold does not schedule
    /// activation) and says so with `false`.
    pub fn activate_if_due(
        &self,
        caller: &Caller,
        id: VersionId,
        at: Timestamp,
    ) -> Result<bool, ServerError> {
        if at > self.now() {
            return Ok(false);
        }
        self.set_activation_date(caller, id, at).map(|()| true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_names_carry_the_prefix() {
        assert!(is_custom_name("x-attribute1"));
        assert!(is_custom_name("y-server"));
        assert!(!is_custom_name("Name"));
        assert!(!is_custom_name("xattribute"));
    }
}
