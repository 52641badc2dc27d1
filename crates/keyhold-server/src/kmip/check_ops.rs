//! Check (KMIP 1.4 section 4.10, KMIP 2.1 section 6.1.7): whether the
//! client may use an object for the Cryptographic Usage Mask it names.

use keyhold_core::{Action, RequestId, VersionId};
use keyhold_kmip::payload::CheckPayload;
use keyhold_kmip::{ResponsePayload, ResultReason};

use super::errors::ItemFailure;
use super::{Dispatcher, attributes, objects};

impl Dispatcher {
    /// Check: the object's Cryptographic Usage Mask must have every bit the
    /// request's has (compared as Locate compares masks, KMIP 1.4 section
    /// 4.9). keyhold sets no usage limits and grants no leases, so a Usage
    /// Limits Count or Lease Time never fails a check. A failed check
    /// empties the ID placeholder, as KMIP 2.1 section 6.1.7 requires.
    pub(super) async fn check(
        &self,
        req: &CheckPayload,
        placeholder: &mut Option<VersionId>,
        request_id: RequestId,
    ) -> Result<ResponsePayload, ItemFailure> {
        let uid = req.unique_identifier.as_ref();
        let id = objects::version_id(uid, *placeholder)?;
        let public = objects::is_public(uid);
        // A public key registered alone has no object under its bare
        // version id, as for Get Attributes.
        let found = self.blocking(
            request_id,
            Action::KeyRead,
            move |ops, caller| match public {
                true => ops.key_by_version_id(caller, id),
                false => ops.secret_by_version_id(caller, id),
            },
        );
        let (key, version) = found.await?;
        if version.archived {
            return Err(ItemFailure::new(
                ResultReason::ObjectArchived,
                "the object is archived: Recover it first",
            ));
        }
        let have = attributes::of_version(&key, &version, public)
            .cryptographic_usage_mask()
            .unwrap_or(0);
        if let Some(wanted) = req.cryptographic_usage_mask {
            if !mask_allows(have, wanted) {
                *placeholder = None;
                return Err(ItemFailure::usage_refused(
                    "the object's Cryptographic Usage Mask does not allow that use",
                ));
            }
        }
        Ok(ResponsePayload::Check(CheckPayload {
            unique_identifier: Some(objects::echo(uid, id)),
            usage_limits_count: None,
            cryptographic_usage_mask: None,
            lease_time: None,
        }))
    }
}

/// Whether an object whose mask is `have` may be used for every use in
/// `wanted`: `have AND wanted == wanted` (KMIP 1.4 section 4.9).
fn mask_allows(have: i32, wanted: i32) -> bool {
    have & wanted == wanted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_wanted_use_must_be_in_the_mask() {
        let encrypt = 0x4;
        let decrypt = 0x8;
        assert!(mask_allows(encrypt | decrypt, encrypt));
        assert!(mask_allows(encrypt, encrypt));
        assert!(!mask_allows(encrypt, decrypt));
        assert!(!mask_allows(encrypt, encrypt | decrypt));
        assert!(mask_allows(0, 0));
    }
}
