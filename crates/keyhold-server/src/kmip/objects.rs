//! KMIP managed objects as keyhold key versions: the Create request's
//! attributes checked against what keyhold can generate, and Unique
//! Identifiers (KMIP 1.4 section 3.1, KMIP 2.1 section 4.58) read as
//! version ids, the ID placeholder included (KMIP 1.4 section 6.x "ID
//! Placeholder", KMIP 2.1 section 11.58).

use keyhold_api::lifecycle as api;
use keyhold_core::{KeyName, RevocationReason, Timestamp, VersionId};
use keyhold_kmip::payload::{CreateRequest, LocateRequest, RevokeRequest};
use keyhold_kmip::{
    AttributeValue, CryptographicAlgorithm, ObjectType, ResultReason, RevocationReasonCode,
    UniqueIdentifier, UniqueIdentifierEnum,
};

use super::errors::ItemFailure;

/// The only key length keyhold generates for AES (AES-256-GCM).
pub(crate) const AES_BITS: i32 = 256;

/// The name of the key a Create makes: its first Name attribute, or
/// `kmip-<uuid>` when it has none. Only a symmetric AES-256 key can be
/// created; anything else is Invalid Field.
pub(crate) fn create_name(req: &CreateRequest) -> Result<KeyName, ItemFailure> {
    let invalid = |m: &str| ItemFailure::new(ResultReason::InvalidField, m);
    if req.object_type != ObjectType::SymmetricKey {
        return Err(invalid("only Symmetric Key objects can be created"));
    }
    if req.attributes.cryptographic_algorithm() != Some(CryptographicAlgorithm::AES) {
        return Err(invalid("Cryptographic Algorithm must be AES"));
    }
    if req.attributes.cryptographic_length() != Some(AES_BITS) {
        return Err(invalid("Cryptographic Length must be 256 (AES-256-GCM)"));
    }
    let text = match req.attributes.names().first() {
        Some(name) => name.value.clone(),
        None => format!("kmip-{}", uuid::Uuid::new_v4()),
    };
    text.parse()
        .map_err(|_| invalid("Name is not a valid keyhold key name"))
}

/// The name a Locate looks for: Locate matches a Name, optionally with
/// Object Type Symmetric Key; any other attribute is Invalid Field, since
/// keyhold cannot match on it yet.
pub(crate) fn locate_name(req: &LocateRequest) -> Result<KeyName, ItemFailure> {
    let invalid = |m: &str| ItemFailure::new(ResultReason::InvalidField, m);
    let mut name = None;
    for attr in req.attributes.iter().flat_map(|a| a.items.iter()) {
        match &attr.value {
            AttributeValue::Name(n) if name.is_none() => name = Some(n.value.as_str()),
            AttributeValue::ObjectType(ObjectType::SymmetricKey) => {}
            _ => return Err(invalid("Locate matches on one Name and Object Type only")),
        }
    }
    let name = name.ok_or_else(|| invalid("Locate needs a Name attribute"))?;
    name.parse()
        .map_err(|_| ItemFailure::new(ResultReason::ItemNotFound, "no such object"))
}

/// A KMIP Revoke as keyhold's revoke request (same reason codes).
pub(crate) fn revocation(req: &RevokeRequest) -> Result<api::RevokeRequest, ItemFailure> {
    use RevocationReasonCode as K;
    let reason = match req.revocation_reason.code {
        K::Unspecified => RevocationReason::Unspecified,
        K::KeyCompromise => RevocationReason::KeyCompromise,
        K::CACompromise => RevocationReason::CaCompromise,
        K::AffiliationChanged => RevocationReason::AffiliationChanged,
        K::Superseded => RevocationReason::Superseded,
        K::CessationOfOperation => RevocationReason::CessationOfOperation,
        K::PrivilegeWithdrawn => RevocationReason::PrivilegeWithdrawn,
        _ => {
            let m = "unknown Revocation Reason Code";
            return Err(ItemFailure::new(ResultReason::InvalidField, m));
        }
    };
    Ok(api::RevokeRequest {
        reason,
        compromise_date: req
            .compromise_occurrence_date
            .map(|d| Timestamp::from_unix_seconds(d.0)),
        message: req.revocation_reason.message.clone(),
        version: None,
    })
}

/// The version a request names: its Unique Identifier, or the ID
/// placeholder when it has none (or names the placeholder).
pub(crate) fn version_id(
    uid: Option<&UniqueIdentifier>,
    placeholder: Option<VersionId>,
) -> Result<VersionId, ItemFailure> {
    let text = match uid {
        Some(UniqueIdentifier::Text(text)) => text,
        None | Some(UniqueIdentifier::Enumerated(UniqueIdentifierEnum::IDPlaceholder)) => {
            return placeholder.ok_or_else(|| {
                ItemFailure::new(ResultReason::InvalidField, "no Unique Identifier given")
            });
        }
        Some(_) => {
            let m = "only text Unique Identifiers and the ID placeholder are supported";
            return Err(ItemFailure::new(ResultReason::InvalidField, m));
        }
    };
    text.parse()
        .map_err(|_| ItemFailure::new(ResultReason::ItemNotFound, "no such object"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_resolve_to_versions_or_the_placeholder() {
        let id: VersionId = "6f1c2a3e-1b2c-4d5e-8f90-123456789abc".parse().unwrap();
        let text = UniqueIdentifier::Text(id.to_string());
        assert_eq!(version_id(Some(&text), None).unwrap(), id);
        assert_eq!(version_id(None, Some(id)).unwrap(), id);
        let bad = UniqueIdentifier::Text("not-an-id".into());
        assert_eq!(
            version_id(Some(&bad), Some(id)).unwrap_err().reason,
            ResultReason::ItemNotFound
        );
        assert_eq!(
            version_id(None, None).unwrap_err().reason,
            ResultReason::InvalidField
        );
        assert_eq!(
            version_id(Some(&UniqueIdentifier::Index(0)), Some(id))
                .unwrap_err()
                .reason,
            ResultReason::InvalidField
        );
    }
}
