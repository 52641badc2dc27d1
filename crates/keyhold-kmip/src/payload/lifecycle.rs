//! Payloads that move objects through their life cycle or find them: Locate, Check,
//! Activate, Revoke, Destroy, Archive, Recover (KMIP 1.4 sections 4.9, 4.10, 4.19–4.23;
//! KMIP 2.1 sections 6.1.1, 6.1.4, 6.1.7, 6.1.15, 6.1.28, 6.1.42, 6.1.44).

use keyhold_ttlv::Ttlv;

use super::macros::payload;
use crate::error::Result;
use crate::fields::{self as f, Reader};
use crate::identifier::UniqueIdentifier;
use crate::scalar::{DateTime, Scalar};
use crate::{ProtocolVersion, RevocationReasonCode, tags};

payload! {
    /// A request naming one object: Activate, Destroy, Archive, Recover, Get Attribute List.
    IdentifierRequest {
        /// The object; the ID placeholder when absent.
        unique_identifier: opt UniqueIdentifier = tags::UNIQUE_IDENTIFIER,
    }
}

payload! {
    /// A response naming one object.
    IdentifierResponse {
        /// The object.
        unique_identifier: req UniqueIdentifier = tags::UNIQUE_IDENTIFIER,
    }
}

payload! {
    /// Locate request: attributes to match.
    LocateRequest {
        /// Maximum Items.
        maximum_items: opt i32 = tags::MAXIMUM_ITEMS,
        /// Offset Items (1.3 and later).
        offset_items: opt i32 = tags::OFFSET_ITEMS,
        /// Storage Status Mask.
        storage_status_mask: opt i32 = tags::STORAGE_STATUS_MASK,
        /// Object Group Member.
        object_group_member: opt Ttlv = tags::OBJECT_GROUP_MEMBER,
        /// The attributes to match (1.x Attribute*, 2.x Attributes).
        attributes: attr_list = (),
    }
}

payload! {
    /// Locate response.
    LocateResponse {
        /// Located Items (1.3 and later).
        located_items: opt i32 = tags::LOCATED_ITEMS,
        /// The matching objects.
        unique_identifiers: many UniqueIdentifier = tags::UNIQUE_IDENTIFIER,
    }
}

payload! {
    /// Check request and response (the response echoes what failed the check).
    CheckPayload {
        /// The object.
        unique_identifier: opt UniqueIdentifier = tags::UNIQUE_IDENTIFIER,
        /// Usage Limits Count.
        usage_limits_count: opt i64 = tags::USAGE_LIMITS_COUNT,
        /// Cryptographic Usage Mask.
        cryptographic_usage_mask: opt i32 = tags::CRYPTOGRAPHIC_USAGE_MASK,
        /// Lease Time.
        lease_time: opt u32 = tags::LEASE_TIME,
    }
}

/// Revocation Reason (KMIP 1.4 section 3.31, KMIP 2.1 section 4.47).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RevocationReason {
    /// Revocation Reason Code.
    pub code: RevocationReasonCode,
    /// Revocation Message.
    pub message: Option<String>,
}

impl Scalar for RevocationReason {
    fn from_item(item: &Ttlv, _: ProtocolVersion) -> Result<Self> {
        let mut r = Reader::new(item)?;
        let reason = RevocationReason {
            code: r.req_map(tags::REVOCATION_REASON_CODE, f::enum_of)?,
            message: r.opt_map(tags::REVOCATION_MESSAGE, f::text)?,
        };
        r.finish()?;
        Ok(reason)
    }

    fn to_item(&self, tag: keyhold_ttlv::Tag, _: ProtocolVersion) -> Result<Ttlv> {
        let mut v = vec![f::enum_item(tags::REVOCATION_REASON_CODE, self.code)];
        let m = self.message.as_deref();
        f::push_opt(&mut v, m, |m| f::text_item(tags::REVOCATION_MESSAGE, m));
        Ok(Ttlv::structure(tag, v))
    }
}

payload! {
    /// Revoke request.
    RevokeRequest {
        /// The object.
        unique_identifier: opt UniqueIdentifier = tags::UNIQUE_IDENTIFIER,
        /// Revocation Reason.
        revocation_reason: req RevocationReason = tags::REVOCATION_REASON,
        /// Compromise Occurrence Date.
        compromise_occurrence_date: opt DateTime = tags::COMPROMISE_OCCURRENCE_DATE,
    }
}
