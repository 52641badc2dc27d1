//! Operations that take a key out of service or replace it: Destroy,
//! Archive, Recover, Re-key and Re-key Key Pair (KMIP 1.4 sections 4.21,
//! 4.22, 4.23, 4.4 and 4.5; KMIP 2.1 sections 6.1.15, 6.1.4, 6.1.42,
//! 6.1.46 and 6.1.47). Each names the key's primary version and moves the
//! whole key, as REST does.

use keyhold_core::{Action, CoreError, LifecycleEvent, RequestId, VersionId};
use keyhold_kmip::payload::{
    IdentifierResponse, IdentifierWithAttributesResponse, KeyPairResponse, ReKeyKeyPairRequest,
    ReKeyRequest,
};
use keyhold_kmip::{Operation, ProtocolVersion, ResponsePayload, ResultReason, UniqueIdentifier};

use super::errors::{ItemFailure, reason_for};
use super::{Dispatcher, objects};
use crate::error::ServerError;

type Answer = Result<ResponsePayload, ItemFailure>;

/// A Destroy or attribute change refused by the lifecycle (the key is
/// Active or Suspended, or already scheduled for destruction) answers Permission Denied in KMIP 1.x (KMIP 1.4
/// section 11.22) and Wrong Key Lifecycle State in 2.x (KMIP 2.1 section
/// 6.1.15.1).
pub(super) fn lifecycle_failure(e: ServerError, version: ProtocolVersion) -> ItemFailure {
    let lifecycle = if version.is_v2() {
        ResultReason::WrongKeyLifecycleState
    } else {
        ResultReason::PermissionDenied
    };
    match e {
        ServerError::LifecycleRefused { .. }
        | ServerError::DestroyScheduled { .. }
        | ServerError::Core(CoreError::IllegalTransition { .. }) => {
            ItemFailure::new(lifecycle, e.to_string())
        }
        other => ItemFailure::new(reason_for(&other), other.to_string()),
    }
}

/// Re-key and Re-key Key Pair take no Offset and no new attributes:
/// keyhold's rotation sets the new version's dates itself.
fn refuse_offset_or_attributes(
    operation: &str,
    offset: Option<u32>,
    attributes: &[Option<&keyhold_kmip::Attributes>],
) -> Result<(), ItemFailure> {
    let asks_more = attributes
        .iter()
        .any(|a| a.is_some_and(|a| !a.items.is_empty()));
    if offset.is_some() || asks_more {
        let m = format!("{operation} with an Offset or new attributes is not supported");
        return Err(ItemFailure::new(ResultReason::FeatureNotSupported, m));
    }
    Ok(())
}

impl Dispatcher {
    /// Destroy: schedules the destruction of the key's material after the
    /// server's minimum waiting period; the material is erased when it
    /// ends (the scheduler's run), and the destruction can be cancelled
    /// over REST until then.
    pub(super) async fn destroy(
        &self,
        uid: Option<&UniqueIdentifier>,
        version: ProtocolVersion,
        placeholder: Option<VersionId>,
        request_id: RequestId,
    ) -> Answer {
        let id = objects::version_id(uid, placeholder)?;
        let public = objects::is_public(uid);
        let done = self.ops.perform(
            self.credentials(request_id),
            Action::KeyScheduleDestroy,
            move |ops, caller| {
                if public && ops.change_public_half(caller, id, LifecycleEvent::Destroy)? {
                    return Ok(None);
                }
                ops.destroy_version(caller, id)
            },
        );
        done.await.map_err(|e| lifecycle_failure(e, version))?;
        Ok(ResponsePayload::Destroy(IdentifierResponse {
            unique_identifier: objects::echo(uid, id),
        }))
    }

    /// Archive or Recover (`operation`): the key leaves or comes back
    /// into service.
    pub(super) async fn archive_or_recover(
        &self,
        operation: Operation,
        uid: Option<&UniqueIdentifier>,
        placeholder: Option<VersionId>,
        request_id: RequestId,
    ) -> Answer {
        let id = objects::version_id(uid, placeholder)?;
        let archive = operation == Operation::Archive;
        let action = if archive {
            Action::KeyArchive
        } else {
            Action::KeyRecover
        };
        let done = self.blocking(request_id, action, move |ops, caller| {
            if archive {
                ops.archive_version(caller, id)
            } else {
                ops.recover_version(caller, id)
            }
        });
        done.await?;
        let answer = IdentifierResponse {
            unique_identifier: objects::echo(uid, id),
        };
        Ok(if archive {
            ResponsePayload::Archive(answer)
        } else {
            ResponsePayload::Recover(answer)
        })
    }

    /// Re-key: the key is rotated; the new primary version is the
    /// replacement object and becomes the ID placeholder. An Offset or new
    /// attributes are not supported (keyhold's rotation sets the dates).
    pub(super) async fn rekey(
        &self,
        req: &ReKeyRequest,
        request_id: RequestId,
        placeholder: &mut Option<VersionId>,
    ) -> Answer {
        let id = objects::version_id(req.unique_identifier.as_ref(), *placeholder)?;
        refuse_offset_or_attributes("Re-key", req.offset, &[req.attributes.as_ref()])?;
        let rotated = self.blocking(request_id, Action::KeyRotate, move |ops, caller| {
            ops.rekey_version(caller, id)
        });
        let version = rotated.await?;
        *placeholder = Some(version.id);
        Ok(ResponsePayload::ReKey(IdentifierWithAttributesResponse {
            unique_identifier: objects::version_uid(version.id),
            attributes: None,
        }))
    }

    /// Re-key Key Pair: rotates the pair whose Private Key (its primary
    /// version) is named; the new pair's two objects answer, and its
    /// Private Key becomes the ID placeholder. Like Re-key, no Offset and
    /// no new attributes.
    pub(super) async fn rekey_key_pair(
        &self,
        req: &ReKeyKeyPairRequest,
        request_id: RequestId,
        placeholder: &mut Option<VersionId>,
    ) -> Answer {
        let uid = req.private_key_unique_identifier.as_ref();
        if objects::is_public(uid) {
            let m = "Re-key Key Pair names the Private Key";
            return Err(ItemFailure::new(ResultReason::InvalidField, m));
        }
        let id = objects::version_id(uid, *placeholder)?;
        let lists = [
            req.common_attributes.as_ref(),
            req.private_key_attributes.as_ref(),
            req.public_key_attributes.as_ref(),
        ];
        refuse_offset_or_attributes("Re-key Key Pair", req.offset, &lists)?;
        let rotated = self.blocking(request_id, Action::KeyRotate, move |ops, caller| {
            ops.rekey_pair_version(caller, id)
        });
        let version = rotated.await?;
        *placeholder = Some(version.id);
        Ok(ResponsePayload::ReKeyKeyPair(KeyPairResponse {
            private_key_unique_identifier: objects::version_uid(version.id),
            public_key_unique_identifier: objects::public_uid(version.id),
            private_key_attributes: None,
            public_key_attributes: None,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keyhold_core::KeyState;

    #[test]
    fn a_refused_destroy_is_permission_denied() {
        let refused = ServerError::LifecycleRefused {
            action: crate::ops::KeyAction::ScheduleDestroy,
            state: KeyState::Active,
        };
        let v1 = ProtocolVersion::V1_4;
        let v2 = ProtocolVersion::V2_0;
        let again = ServerError::DestroyScheduled {
            at: keyhold_core::Timestamp::from_unix_seconds(0),
            action: crate::ops::KeyAction::ScheduleDestroy,
        };
        assert_eq!(
            lifecycle_failure(refused, v1).reason,
            ResultReason::PermissionDenied
        );
        assert_eq!(
            lifecycle_failure(again, v2).reason,
            ResultReason::WrongKeyLifecycleState
        );
        assert_eq!(
            lifecycle_failure(ServerError::KeyNotFound, v2).reason,
            ResultReason::ItemNotFound
        );
    }
}
