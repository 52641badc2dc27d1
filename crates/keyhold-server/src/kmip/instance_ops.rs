//! Add, Modify, Set and Delete Attribute (KMIP 1.4 sections 4.14–4.16,
//! KMIP 2.1 sections 6.1.2, 6.1.13, 6.1.34, 6.1.51) of the multi-valued
//! attributes a client sets: Application Specific Information and
//! Alternative Name. The instance a change names: 2.x Current Attribute
//! (else the only one; a Delete without it removes every one), 1.x
//! Attribute Index (0 when absent).

use keyhold_core::VersionId;
use keyhold_core::kmip_app_info::{AltName, AppInfo};
use keyhold_kmip::{Attribute, AttributeRef, AttributeValue, Operation, ProtocolVersion, tags};
use keyhold_kmip::{ResultReason, payload::DeleteAttributeRequest};

use super::app_attrs;
use super::errors::ItemFailure;
use crate::error::ServerError;
use crate::ops::{Caller, Instance, InstanceChange, Operations};

/// A change of one of these attributes.
pub(super) enum InstanceWanted {
    /// Of Application Specific Information.
    AppInfo(InstanceChange<AppInfo>),
    /// Of an Alternative Name.
    AltName(InstanceChange<AltName>),
}

impl InstanceWanted {
    /// Makes the change; answers the first instance it removed or replaced,
    /// in KMIP form.
    pub(super) fn perform(
        self,
        ops: &Operations,
        caller: &Caller,
        id: VersionId,
    ) -> Result<Option<AttributeValue>, ServerError> {
        Ok(match self {
            Self::AppInfo(c) => ops
                .change_app_info(caller, id, c)?
                .first()
                .map(app_attrs::app_info_value),
            Self::AltName(c) => ops
                .change_alt_name(caller, id, c)?
                .first()
                .map(app_attrs::alt_name_value),
        })
    }
}

/// The instance a request names: its Current Attribute (2.x), else the
/// only one (2.x) or the one at `index` (1.x, 0 when absent).
fn instance<T>(
    current: Option<&Attribute>,
    index: Option<i32>,
    version: ProtocolVersion,
    kept: impl Fn(&AttributeValue) -> Option<Result<T, ItemFailure>>,
) -> Result<Instance<T>, ItemFailure> {
    if let Some(c) = current {
        return match kept(&c.value) {
            Some(value) => value.map(Instance::Value),
            None => Err(ItemFailure::new(
                ResultReason::InvalidField,
                "the Current Attribute is not an instance of the attribute changed",
            )),
        };
    }
    if version.is_v2() {
        return Ok(Instance::Only);
    }
    usize::try_from(index.unwrap_or(0))
        .map(Instance::Index)
        .map_err(|_| ItemFailure::new(ResultReason::InvalidField, "a negative Attribute Index"))
}

fn app_info(v: &AttributeValue) -> Option<Result<AppInfo, ItemFailure>> {
    match v {
        AttributeValue::ApplicationSpecificInformation(i) => Some(app_attrs::kept_app_info(i)),
        _ => None,
    }
}

fn alt_name(v: &AttributeValue) -> Option<Result<AltName, ItemFailure>> {
    match v {
        AttributeValue::AlternativeName(n) => Some(app_attrs::kept_alt_name(n)),
        _ => None,
    }
}

fn put<T>(operation: Operation, which: Instance<T>, new: T) -> InstanceChange<T> {
    match operation {
        Operation::AddAttribute => InstanceChange::Add(new),
        Operation::ModifyAttribute => InstanceChange::Modify(which, new),
        _ => InstanceChange::Set(new),
    }
}

/// What an Add, Modify or Set (`operation`) of `new` asks, when it is one
/// of these attributes.
pub(super) fn change(
    operation: Operation,
    new: &Attribute,
    current: Option<&Attribute>,
    version: ProtocolVersion,
) -> Option<Result<InstanceWanted, ItemFailure>> {
    let index = new.index;
    let wanted = if let Some(value) = app_info(&new.value) {
        value.and_then(|v| {
            let which = instance(current, index, version, app_info)?;
            Ok(InstanceWanted::AppInfo(put(operation, which, v)))
        })
    } else {
        let value = alt_name(&new.value)?;
        value.and_then(|v| {
            let which = instance(current, index, version, alt_name)?;
            Ok(InstanceWanted::AltName(put(operation, which, v)))
        })
    };
    Some(wanted)
}

/// What a Delete Attribute naming `reference` asks, when it is one of
/// these attributes: the instance named, or (2.x, no Current Attribute)
/// every one.
pub(super) fn deletion(
    reference: Option<&AttributeRef>,
    req: &DeleteAttributeRequest,
    version: ProtocolVersion,
) -> Option<Result<InstanceWanted, ItemFailure>> {
    let all = version.is_v2() && req.current.is_none();
    let current = req.current.as_ref();
    let wanted = match reference? {
        AttributeRef::Standard(t) if *t == tags::APPLICATION_SPECIFIC_INFORMATION => {
            let which = (!all).then(|| instance(current, req.index, version, app_info));
            which
                .transpose()
                .map(|w| InstanceWanted::AppInfo(InstanceChange::Delete(w)))
        }
        AttributeRef::Standard(t) if *t == tags::ALTERNATIVE_NAME => {
            let which = (!all).then(|| instance(current, req.index, version, alt_name));
            which
                .transpose()
                .map(|w| InstanceWanted::AltName(InstanceChange::Delete(w)))
        }
        _ => return None,
    };
    Some(wanted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use keyhold_kmip::{AlternativeName, ApplicationSpecificInformation};

    fn asi(data: &str) -> Attribute {
        Attribute::new(AttributeValue::ApplicationSpecificInformation(
            ApplicationSpecificInformation {
                namespace: "LIBRARY-LTO".into(),
                data: Some(data.into()),
            },
        ))
    }

    #[test]
    fn the_instance_follows_the_version() {
        let (v1, v2) = (ProtocolVersion::V1_4, ProtocolVersion::V2_1);
        let modify = Operation::ModifyAttribute;
        let mut at_one = asi("b");
        at_one.index = Some(1);
        let Some(Ok(InstanceWanted::AppInfo(InstanceChange::Modify(Instance::Index(1), _)))) =
            change(modify, &at_one, None, v1)
        else {
            panic!("1.x names the instance by index");
        };
        let Some(Ok(InstanceWanted::AppInfo(InstanceChange::Modify(Instance::Only, _)))) =
            change(modify, &asi("b"), None, v2)
        else {
            panic!("2.x without Current Attribute names the only one");
        };
        let Some(Ok(InstanceWanted::AppInfo(InstanceChange::Modify(Instance::Value(old), _)))) =
            change(modify, &asi("b"), Some(&asi("a")), v2)
        else {
            panic!("2.x names it by value");
        };
        assert_eq!(old.data(), "a");
        let name = Attribute::new(AttributeValue::AlternativeName(AlternativeName {
            value: "n".into(),
            name_type: 1,
        }));
        let mismatch = change(modify, &asi("b"), Some(&name), v2);
        assert!(matches!(mismatch, Some(Err(f)) if f.reason == ResultReason::InvalidField));
        let state = Attribute::new(AttributeValue::State(keyhold_kmip::State::Active));
        assert!(change(modify, &state, None, v2).is_none());
    }
}
