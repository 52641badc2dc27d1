//! Add, Modify, Set and Delete Attribute (KMIP 1.4 sections 4.13–4.16,
//! KMIP 2.1 sections 6.1.2, 6.1.13, 6.1.34, 6.1.51): custom text
//! attributes and the Activation Date of a Pre-Active key; every other
//! attribute is keyhold's own and read-only.

use keyhold_core::{Action, RequestId, Timestamp, VersionId};
use keyhold_kmip::payload::{
    AttributeChangeRequest, AttributeChangeResponse, DeleteAttributeRequest,
};
use keyhold_kmip::{
    Attribute, AttributeRef, AttributeValue, DateAttribute, Operation, ProtocolVersion,
    ResponsePayload, ResultReason,
};
use keyhold_ttlv::Value;

use super::errors::ItemFailure;
use super::state_ops::lifecycle_failure;
use super::{Dispatcher, objects};
use crate::ops::CustomChange;

type Answer = Result<ResponsePayload, ItemFailure>;

/// What a change asks of keyhold.
enum Wanted {
    Custom(String, CustomChange),
    Activation(Timestamp),
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

/// What an Add, Modify or Set of `attribute` asks for.
fn wanted(
    operation: Operation,
    attribute: &Attribute,
    version: ProtocolVersion,
) -> Result<Wanted, ItemFailure> {
    match &attribute.value {
        AttributeValue::Vendor {
            vendor,
            name,
            value: Value::TextString(text),
        } => {
            let text = text.clone();
            let change = match operation {
                Operation::AddAttribute => CustomChange::Add(text),
                Operation::ModifyAttribute => CustomChange::Modify(text),
                _ => CustomChange::Set(text),
            };
            Ok(Wanted::Custom(custom_name(vendor, name), change))
        }
        AttributeValue::Vendor { .. } => Err(ItemFailure::new(
            ResultReason::InvalidField,
            "custom attributes hold text only",
        )),
        AttributeValue::Date(DateAttribute::Activation, secs)
            if operation != Operation::AddAttribute =>
        {
            Ok(Wanted::Activation(Timestamp::from_unix_seconds(*secs)))
        }
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
        let change = wanted(operation, &req.new, version)?;
        let done = self.ops.perform(
            self.credentials(request_id),
            Action::KeyUpdate,
            move |ops, caller| match change {
                Wanted::Custom(name, c) => ops.change_custom_attribute(caller, id, name, c),
                Wanted::Activation(at) => ops.set_activation_date(caller, id, at),
            },
        );
        done.await.map_err(|e| lifecycle_failure(e, version))?;
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

    /// Delete Attribute: a custom attribute only.
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
        let Some(AttributeRef::Vendor { vendor, name }) = reference else {
            return Err(read_only(version));
        };
        let name = custom_name(&vendor, &name);
        let done = self.blocking(request_id, Action::KeyUpdate, move |ops, caller| {
            ops.change_custom_attribute(caller, id, name, CustomChange::Delete)
        });
        done.await?;
        Ok(ResponsePayload::DeleteAttribute(AttributeChangeResponse {
            unique_identifier: req
                .unique_identifier
                .clone()
                .unwrap_or_else(|| objects::version_uid(id)),
            attribute: None,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_custom_text_and_activation_can_change() {
        let v1 = ProtocolVersion::V1_4;
        let custom = Attribute::new(AttributeValue::Vendor {
            vendor: "x".into(),
            name: "attribute1".into(),
            value: Value::TextString("v".into()),
        });
        let Ok(Wanted::Custom(name, CustomChange::Modify(v))) =
            wanted(Operation::ModifyAttribute, &custom, v1)
        else {
            panic!("a custom text attribute");
        };
        assert_eq!((name.as_str(), v.as_str()), ("x-attribute1", "v"));
        let state = Attribute::new(AttributeValue::State(keyhold_kmip::State::Active));
        let refused = wanted(Operation::ModifyAttribute, &state, v1);
        assert_eq!(
            refused.err().unwrap().reason,
            ResultReason::PermissionDenied
        );
        let refused = wanted(Operation::SetAttribute, &state, ProtocolVersion::V2_0);
        assert_eq!(
            refused.err().unwrap().reason,
            ResultReason::AttributeReadOnly
        );
        let date = Attribute::new(AttributeValue::Date(DateAttribute::Activation, 0));
        assert!(matches!(
            wanted(Operation::ModifyAttribute, &date, v1),
            Ok(Wanted::Activation(_))
        ));
    }
}
