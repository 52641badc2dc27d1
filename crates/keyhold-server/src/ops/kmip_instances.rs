//! Changes of the multi-valued KMIP attributes a client sets and keyhold
//! keeps: Application Specific Information and Alternative Name
//! ([`keyhold_core::kmip_app_info`]). Which instance a change names
//! follows the version: 1.x by Attribute Index, 0 when none is given
//! (KMIP 1.4 sections 4.15 and 4.16); 2.x by Current Attribute, or the
//! only instance (KMIP 2.1 sections 6.1.13, 6.1.34 and 6.1.51).

use keyhold_core::kmip_app_info::{AltName, AppInfo, check_alt_names, check_app_infos};
use keyhold_core::{CoreError, KeyRef, KmipMeta, VersionId};

use super::{Caller, Operations};
use crate::error::ServerError;

/// Which instance of a multi-valued attribute a change names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Instance<T> {
    /// The one equal to this (2.x Current Attribute).
    Value(T),
    /// The one at this Attribute Index (1.x).
    Index(usize),
    /// The only one (2.x without Current Attribute): several is
    /// [`ServerError::AttributeMultiValued`].
    Only,
}

/// A change of a multi-valued attribute of values `T`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InstanceChange<T> {
    /// Add Attribute: one more instance (the same one twice is refused).
    Add(T),
    /// Modify Attribute: the instance named gets the new value.
    Modify(Instance<T>, T),
    /// Set Attribute (2.x): a first instance, or the only one replaced;
    /// several is [`ServerError::AttributeMultiValued`].
    Set(T),
    /// Delete Attribute: the instance named, or every one when `None`
    /// (2.x Attribute Reference alone).
    Delete(Option<Instance<T>>),
}

/// Where `items` holds the instance `which` names.
fn position<T: PartialEq>(
    items: &[T],
    which: &Instance<T>,
    attribute: &'static str,
) -> Result<usize, ServerError> {
    let found = match which {
        Instance::Value(v) => items.iter().position(|x| x == v),
        Instance::Index(i) => (*i < items.len()).then_some(*i),
        Instance::Only if items.len() > 1 => {
            return Err(ServerError::AttributeMultiValued { attribute });
        }
        Instance::Only => (!items.is_empty()).then_some(0),
    };
    found.ok_or(ServerError::AttributeNotFound { attribute })
}

/// Applies `change` to `items`, the instances of `attribute`; answers
/// the instances it removed or replaced. The bounds are checked
/// afterwards by the caller.
pub(super) fn apply<T: PartialEq>(
    items: &mut Vec<T>,
    change: InstanceChange<T>,
    attribute: &'static str,
) -> Result<Vec<T>, ServerError> {
    Ok(match change {
        InstanceChange::Add(v) => {
            items.push(v);
            Vec::new()
        }
        InstanceChange::Modify(which, v) => {
            let at = position(items, &which, attribute)?;
            items.splice(at..=at, [v]).collect()
        }
        InstanceChange::Set(_) if items.len() > 1 => {
            return Err(ServerError::AttributeMultiValued { attribute });
        }
        InstanceChange::Set(v) => std::mem::replace(items, vec![v]),
        InstanceChange::Delete(None) if items.is_empty() => {
            return Err(ServerError::AttributeNotFound { attribute });
        }
        InstanceChange::Delete(None) => std::mem::take(items),
        InstanceChange::Delete(Some(which)) => {
            let at = position(items, &which, attribute)?;
            vec![items.remove(at)]
        }
    })
}

fn app_infos(meta: &mut KmipMeta) -> &mut Vec<AppInfo> {
    &mut meta.app_info
}

fn alt_names(meta: &mut KmipMeta) -> &mut Vec<AltName> {
    &mut meta.alt_names
}

impl Operations {
    /// Changes the Application Specific Information of version `id`'s
    /// key (KMIP 1.4 section 3.36, KMIP 2.1 section 4.4): at most 16, none
    /// twice ([`check_app_infos`]). Answers the instances removed or
    /// replaced.
    pub fn change_app_info(
        &self,
        caller: &Caller,
        id: VersionId,
        change: InstanceChange<AppInfo>,
    ) -> Result<Vec<AppInfo>, ServerError> {
        let attribute = "Application Specific Information";
        self.change_instances(caller, id, change, attribute, app_infos, check_app_infos)
    }

    /// Changes the Alternative Names of version `id`'s key (KMIP 1.4
    /// section 3.40, KMIP 2.1 section 4.2): at most 16, none twice
    /// ([`check_alt_names`]). Answers the instances removed or replaced.
    pub fn change_alt_name(
        &self,
        caller: &Caller,
        id: VersionId,
        change: InstanceChange<AltName>,
    ) -> Result<Vec<AltName>, ServerError> {
        let attribute = "Alternative Name";
        self.change_instances(caller, id, change, attribute, alt_names, check_alt_names)
    }

    fn change_instances<T: PartialEq>(
        &self,
        caller: &Caller,
        id: VersionId,
        change: InstanceChange<T>,
        attribute: &'static str,
        field: fn(&mut KmipMeta) -> &mut Vec<T>,
        check: fn(&[T]) -> Result<(), CoreError>,
    ) -> Result<Vec<T>, ServerError> {
        let (key, _) = self.key_by_version_id(caller, id)?;
        let mut removed = Vec::new();
        self.change_key(caller, &KeyRef::Id(key.id), |rows, _| {
            let items = field(&mut rows.key.kmip);
            removed = apply(items, change, attribute)?;
            check(items).map_err(ServerError::Core)
        })?;
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use InstanceChange as C;

    const A: &str = "Alternative Name";

    #[test]
    fn changes_name_their_instance_by_value_index_or_as_the_only_one() {
        let mut items = vec![1, 2];
        let old = apply(&mut items, C::Modify(Instance::Value(2), 3), A).unwrap();
        assert_eq!(old, [2]);
        assert_eq!(items, [1, 3]);
        apply(&mut items, C::Modify(Instance::Index(0), 0), A).unwrap();
        assert_eq!(items, [0, 3]);
        let r = apply(&mut items, C::Modify(Instance::Only, 9), A);
        assert!(matches!(r, Err(ServerError::AttributeMultiValued { .. })));
        let r = apply(&mut items, C::Set(9), A);
        assert!(matches!(r, Err(ServerError::AttributeMultiValued { .. })));
        let r = apply(&mut items, C::Modify(Instance::Index(2), 9), A);
        assert!(matches!(r, Err(ServerError::AttributeNotFound { .. })));
        let r = apply(&mut items, C::Delete(Some(Instance::Value(7))), A);
        assert!(matches!(r, Err(ServerError::AttributeNotFound { .. })));
        assert_eq!(items, [0, 3], "refusals change nothing");
        let gone = apply(&mut items, C::Delete(Some(Instance::Index(0))), A).unwrap();
        assert_eq!((gone, &items[..]), (vec![0], &[3][..]));
        apply(&mut items, C::Modify(Instance::Only, 4), A).unwrap();
        apply(&mut items, C::Set(5), A).unwrap();
        assert_eq!(items, [5]);
        apply(&mut items, C::Add(6), A).unwrap();
        apply(&mut items, C::Delete(None), A).unwrap();
        assert!(items.is_empty());
        let r = apply(&mut items, C::Delete(None), A);
        assert!(matches!(r, Err(ServerError::AttributeNotFound { .. })));
        apply(&mut items, C::Set(1), A).unwrap();
        assert_eq!(items, [1]);
    }
}
