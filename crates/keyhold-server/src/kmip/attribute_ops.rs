//! Add, Modify, Set and Delete Attribute (KMIP 1.4 sections 4.13–4.16,
//! KMIP 2.1 sections 6.1.2, 6.1.13, 6.1.34, 6.1.51): custom attributes
//! (text, Integer, Long Integer, Boolean, Enumeration, Date-Time,
//! Interval, Byte String), the Description, the usage dates, Links,
//! Application Specific Information and Alternative Names
//! ([`super::instance_ops`]) and the Activation Date of a Pre-Active key;
//! every other attribute is keyhold's own and read-only.

use super::errors::ItemFailure;
use super::instance_ops::{self, InstanceWanted};
use super::state_ops::lifecycle_failure;
use super::{Dispatcher, custom_attrs, objects};
use crate::error::ServerError;
use crate::ops::{AttributeChange, CustomAttr, LinkChange, UsageDate};
use keyhold_core::kmip_links::{LinkedId, ObjectLink};
use keyhold_core::{Action, RequestId, Timestamp, VersionId};
use keyhold_kmip::payload::{
    AttributeChangeRequest, AttributeChangeResponse, DeleteAttributeRequest,
};
use keyhold_kmip::{
    Attribute, AttributeRef, AttributeValue, DateAttribute, Link, Operation, ProtocolVersion,
    ResponsePayload, ResultReason, UniqueIdentifier, tags,
};

type Answer = Result<ResponsePayload, ItemFailure>;

/// What a change asks of keyhold.
enum Wanted {
    Custom(String, AttributeChange<CustomAttr>),
    Instances(InstanceWanted),
    Description(AttributeChange),
    Usage(UsageDate, AttributeChange<Timestamp>),
    Activation(Timestamp),
    Name(String),
    Link(LinkChange),
}

/// The change an Add, Modify or Set (`operation`) of `value` makes.
fn change_of<T>(operation: Operation, value: T) -> AttributeChange<T> {
    match operation {
        Operation::AddAttribute => AttributeChange::Add(value),
        Operation::ModifyAttribute => AttributeChange::Modify(value),
        _ => AttributeChange::Set(value),
    }
}

/// A refused attribute change: KMIP 2.x has reasons of its own for a
/// second value of a single-valued attribute and for a missing one (KMIP
/// 2.1 section 11.46); 1.x answers Invalid Field. Lifecycle refusals as
/// [`lifecycle_failure`].
fn attribute_failure(e: ServerError, version: ProtocolVersion) -> ItemFailure {
    match e {
        ServerError::AttributeSingleValued { .. } if version.is_v2() => {
            ItemFailure::new(ResultReason::AttributeSingleValued, e.to_string())
        }
        ServerError::AttributeNotFound { .. } if version.is_v2() => {
            ItemFailure::new(ResultReason::AttributeNotFound, e.to_string())
        }
        ServerError::AttributeMultiValued { .. } if version.is_v2() => {
            ItemFailure::new(ResultReason::MultiValuedAttribute, e.to_string())
        }
        ServerError::AttributeReadOnly { .. } if version.is_v2() => {
            ItemFailure::new(ResultReason::AttributeReadOnly, e.to_string())
        }
        ServerError::KeyAlreadyExists if version.is_v2() => ItemFailure::new(
            ResultReason::NonUniqueNameAttribute,
            "another object has that Name",
        ),
        ServerError::KeyAlreadyExists => {
            ItemFailure::new(ResultReason::InvalidField, "another object has that Name")
        }
        other => lifecycle_failure(other, version),
    }
}

/// A read-only attribute: Permission Denied in 1.x, Attribute Read Only
/// in 2.x.
fn read_only(version: ProtocolVersion) -> ItemFailure {
    let reason = if version.is_v2() {
        ResultReason::AttributeReadOnly
    } else {
        ResultReason::PermissionDenied
    };
    ItemFailure::new(reason, "keyhold sets this attribute itself")
}

/// The custom attribute name of a vendor attribute (`x-…`, `y-…`).
fn custom_name(vendor: &str, name: &str) -> String {
    format!("{vendor}-{name}")
}

/// What an Add, Modify or Set of `attribute` asks for (`current`: a 2.x
/// Modify's Current Attribute).
fn wanted(
    operation: Operation,
    attribute: &Attribute,
    current: Option<&Attribute>,
    version: ProtocolVersion,
) -> Result<Wanted, ItemFailure> {
    if let Some(change) = instance_ops::change(operation, attribute, current, version) {
        return change.map(Wanted::Instances);
    }
    match &attribute.value {
        AttributeValue::Vendor {
            vendor,
            name,
            value,
        } => Ok(Wanted::Custom(
            custom_name(vendor, name),
            change_of(operation, custom_attrs::kept(value)?),
        )),
        AttributeValue::Description(text) => {
            Ok(Wanted::Description(change_of(operation, text.clone())))
        }
        AttributeValue::Date(DateAttribute::Activation, secs)
            if operation != Operation::AddAttribute =>
        {
            Ok(Wanted::Activation(Timestamp::from_unix_seconds(*secs)))
        }
        AttributeValue::Date(
            which @ (DateAttribute::ProcessStart | DateAttribute::ProtectStop),
            secs,
        ) => {
            let which = match which {
                DateAttribute::ProcessStart => UsageDate::ProcessStart,
                _ => UsageDate::ProtectStop,
            };
            let at = Timestamp::from_unix_seconds(*secs);
            Ok(Wanted::Usage(which, change_of(operation, at)))
        }
        AttributeValue::Name(name) if operation != Operation::SetAttribute => {
            Ok(Wanted::Name(name.value.clone()))
        }
        AttributeValue::Link(link) => Ok(Wanted::Link(LinkChange::Put(change_of(
            operation,
            kept_link(link)?,
        )))),
        _ => Err(read_only(version)),
    }
}

impl Dispatcher {
    /// Add, Modify or Set Attribute (`operation`).
    pub(super) async fn change_attribute(
        &self,
        operation: Operation,
        req: &AttributeChangeRequest,
        version: ProtocolVersion,
        placeholder: Option<VersionId>,
        request_id: RequestId,
    ) -> Answer {
        let id = objects::version_id(req.unique_identifier.as_ref(), placeholder)?;
        let change = wanted(operation, &req.new, req.current.as_ref(), version)?;
        let done = self.ops.perform(
            self.credentials(request_id),
            Action::KeyUpdate,
            move |ops, caller| match change {
                Wanted::Custom(name, c) => {
                    ops.change_custom_attribute(caller, id, name, c).map(drop)
                }
                Wanted::Instances(c) => c.perform(ops, caller, id).map(drop),
                Wanted::Description(c) => ops.change_description(caller, id, c).map(drop),
                Wanted::Usage(which, c) => ops.change_usage_date(caller, id, which, c),
                Wanted::Activation(at) => ops.set_activation_date(caller, id, at),
                Wanted::Name(name) => ops.refuse_new_name(caller, id, &name),
                Wanted::Link(change) => ops.change_link(caller, id, change),
            },
        );
        done.await.map_err(|e| attribute_failure(e, version))?;
        let answer = AttributeChangeResponse {
            unique_identifier: req
                .unique_identifier
                .clone()
                .unwrap_or_else(|| objects::version_uid(id)),
            attribute: (!version.is_v2()).then(|| req.new.clone()),
        };
        Ok(match operation {
            Operation::AddAttribute => ResponsePayload::AddAttribute(answer),
            Operation::ModifyAttribute => ResponsePayload::ModifyAttribute(answer),
            _ => ResponsePayload::SetAttribute(answer),
        })
    }

    /// Delete Attribute: a custom attribute or the Description.
    pub(super) async fn delete_attribute(
        &self,
        req: &DeleteAttributeRequest,
        version: ProtocolVersion,
        placeholder: Option<VersionId>,
        request_id: RequestId,
    ) -> Answer {
        let id = objects::version_id(req.unique_identifier.as_ref(), placeholder)?;
        let reference = req
            .reference
            .clone()
            .or_else(|| req.current.as_ref().map(Attribute::reference));
        if reference == Some(AttributeRef::Standard(tags::LINK)) {
            return self.delete_link(req, version, id, request_id).await;
        }
        if let Some(change) = instance_ops::deletion(reference.as_ref(), req, version) {
            return self
                .delete_instance(req, version, id, change?, request_id)
                .await;
        }
        let custom = match &reference {
            Some(AttributeRef::Vendor { vendor, name }) => Some(custom_name(vendor, name)),
            Some(AttributeRef::Standard(tags::DESCRIPTION)) => None,
            _ => return Err(read_only(version)),
        };
        let done = self.ops.perform(
            self.credentials(request_id),
            Action::KeyUpdate,
            move |ops, caller| match custom {
                Some(name) => {
                    ops.change_custom_attribute(caller, id, name, AttributeChange::Delete)
                }
                None => ops
                    .change_description(caller, id, AttributeChange::Delete)
                    .map(|d| d.map(CustomAttr::Text)),
            },
        );
        let before = done.await.map_err(|e| attribute_failure(e, version))?;
        // KMIP 1.4 section 4.16: a 1.x answer carries the deleted attribute.
        let deleted = match (reference, before) {
            (Some(r), Some(value)) if !version.is_v2() => {
                deleted_value(r, value).map(Attribute::new)
            }
            _ => None,
        };
        Ok(ResponsePayload::DeleteAttribute(AttributeChangeResponse {
            unique_identifier: req
                .unique_identifier
                .clone()
                .unwrap_or_else(|| objects::version_uid(id)),
            attribute: deleted,
        }))
    }
}

impl Dispatcher {
    /// Delete Attribute of Application Specific Information or an
    /// Alternative Name ([`instance_ops`]); a 1.x answer carries the
    /// instance deleted (KMIP 1.4 section 4.16).
    async fn delete_instance(
        &self,
        req: &DeleteAttributeRequest,
        version: ProtocolVersion,
        id: VersionId,
        change: InstanceWanted,
        request_id: RequestId,
    ) -> Answer {
        let done = self.ops.perform(
            self.credentials(request_id),
            Action::KeyUpdate,
            move |ops, caller| change.perform(ops, caller, id),
        );
        let removed = done.await.map_err(|e| attribute_failure(e, version))?;
        Ok(ResponsePayload::DeleteAttribute(AttributeChangeResponse {
            unique_identifier: req
                .unique_identifier
                .clone()
                .unwrap_or_else(|| objects::version_uid(id)),
            attribute: removed.filter(|_| !version.is_v2()).map(Attribute::new),
        }))
    }

    /// Delete Attribute of a Link: the one the Current Attribute names,
    /// else every Link the client set.
    async fn delete_link(
        &self,
        req: &DeleteAttributeRequest,
        version: ProtocolVersion,
        id: VersionId,
        request_id: RequestId,
    ) -> Answer {
        let which = match req.current.as_ref().map(|a| &a.value) {
            Some(AttributeValue::Link(link)) => Some(kept_link(link)?),
            _ => None,
        };
        let done = self.ops.perform(
            self.credentials(request_id),
            Action::KeyUpdate,
            move |ops, caller| ops.change_link(caller, id, LinkChange::Delete(which)),
        );
        done.await.map_err(|e| attribute_failure(e, version))?;
        Ok(ResponsePayload::DeleteAttribute(AttributeChangeResponse {
            unique_identifier: req
                .unique_identifier
                .clone()
                .unwrap_or_else(|| objects::version_uid(id)),
            attribute: None,
        }))
    }
}

/// A Link as keyhold keeps it: its Link Type and a text Linked Object
/// Identifier of 1 to 256 bytes.
fn kept_link(link: &Link) -> Result<ObjectLink, ItemFailure> {
    let UniqueIdentifier::Text(text) = &link.linked_object_identifier else {
        let m = "a Linked Object Identifier is text";
        return Err(ItemFailure::new(ResultReason::InvalidField, m));
    };
    let target = LinkedId::try_from(text.clone())
        .map_err(|e| ItemFailure::new(ResultReason::InvalidField, e.to_string()))?;
    Ok(ObjectLink {
        link_type: u32::from(link.link_type),
        target,
    })
}

/// The attribute `reference` names with value `value`: a custom
/// attribute, or the Description (text).
fn deleted_value(reference: AttributeRef, value: CustomAttr) -> Option<AttributeValue> {
    match (reference, value) {
        (AttributeRef::Vendor { vendor, name }, value) => {
            custom_attrs::attribute(&custom_name(&vendor, &name), &value)
        }
        (AttributeRef::Standard(_), CustomAttr::Text(text)) => {
            Some(AttributeValue::Description(text))
        }
        (AttributeRef::Standard(_), CustomAttr::Typed(_)) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_custom_attributes_and_activation_can_change() {
        use keyhold_ttlv::Value;
        let v1 = ProtocolVersion::V1_4;
        let custom = Attribute::new(AttributeValue::Vendor {
            vendor: "x".into(),
            name: "attribute1".into(),
            value: Value::TextString("v".into()),
        });
        let Ok(Wanted::Custom(name, AttributeChange::Modify(CustomAttr::Text(v)))) =
            wanted(Operation::ModifyAttribute, &custom, None, v1)
        else {
            panic!("a custom text attribute");
        };
        assert_eq!((name.as_str(), v.as_str()), ("x-attribute1", "v"));
        let typed = Attribute::new(AttributeValue::Vendor {
            vendor: "x".into(),
            name: "n".into(),
            value: Value::DateTime(5),
        });
        assert!(matches!(
            wanted(Operation::ModifyAttribute, &typed, None, v1),
            Ok(Wanted::Custom(
                _,
                AttributeChange::Modify(CustomAttr::Typed(_))
            ))
        ));
        let big = Attribute::new(AttributeValue::Vendor {
            vendor: "x".into(),
            name: "n".into(),
            value: Value::BigInteger(vec![1]),
        });
        let refused = wanted(Operation::AddAttribute, &big, None, v1);
        assert_eq!(refused.err().unwrap().reason, ResultReason::InvalidField);
        let state = Attribute::new(AttributeValue::State(keyhold_kmip::State::Active));
        let refused = wanted(Operation::ModifyAttribute, &state, None, v1);
        assert_eq!(
            refused.err().unwrap().reason,
            ResultReason::PermissionDenied
        );
        let refused = wanted(Operation::SetAttribute, &state, None, ProtocolVersion::V2_0);
        assert_eq!(
            refused.err().unwrap().reason,
            ResultReason::AttributeReadOnly
        );
        let date = Attribute::new(AttributeValue::Date(DateAttribute::Activation, 0));
        assert!(matches!(
            wanted(Operation::ModifyAttribute, &date, None, v1),
            Ok(Wanted::Activation(_))
        ));
    }

    #[test]
    fn the_description_changes_and_its_refusals_follow_the_version() {
        let v1 = ProtocolVersion::V1_4;
        let description = Attribute::new(AttributeValue::Description("d".into()));
        assert!(matches!(
            wanted(Operation::AddAttribute, &description, None, v1),
            Ok(Wanted::Description(AttributeChange::Add(d))) if d == "d"
        ));
        let second = || ServerError::AttributeSingleValued {
            attribute: "Description",
        };
        let missing = || ServerError::AttributeNotFound {
            attribute: "Description",
        };
        let v2 = ProtocolVersion::V2_0;
        let reason = |e, v| attribute_failure(e, v).reason;
        assert_eq!(reason(second(), v2), ResultReason::AttributeSingleValued);
        assert_eq!(reason(missing(), v2), ResultReason::AttributeNotFound);
        assert_eq!(reason(second(), v1), ResultReason::InvalidField);
        assert_eq!(reason(missing(), v1), ResultReason::InvalidField);
    }
}
