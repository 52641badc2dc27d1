//! Operations-service errors as KMIP Result Reasons (KMIP 1.4 section
//! 9.1.3.2.29, KMIP 2.1 section 11.46).

use keyhold_core::CoreError;
use keyhold_kmip::{ProtocolVersion, ResultReason};

use crate::error::ServerError;

/// Why a batch item failed: the Result Reason and a Result Message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ItemFailure {
    /// The Result Reason (in KMIP 2.x too, unless `v2_reason` says
    /// otherwise).
    pub reason: ResultReason,
    /// The Result Message (never secret data).
    pub message: String,
    /// The Result Reason in KMIP 2.x, where it differs.
    v2_reason: Option<ResultReason>,
}

impl ItemFailure {
    /// A failure with this reason and message.
    pub(crate) fn new(reason: ResultReason, message: impl Into<String>) -> Self {
        Self {
            reason,
            message: message.into(),
            v2_reason: None,
        }
    }

    /// No such object: Item Not Found in KMIP 1.x (1.4 section 9.1.3.2.29),
    /// Object Not Found in 2.x, the reason every 2.1 operation lists for it
    /// (2.1 section 6.1, Table 222 for Get; section 11.46).
    pub(crate) fn not_found() -> Self {
        Self {
            v2_reason: Some(ResultReason::ObjectNotFound),
            ..Self::new(ResultReason::ItemNotFound, "no such object")
        }
    }

    /// A Check the object's usage does not pass (KMIP 1.4 section 11.11:
    /// Permission Denied; KMIP 2.1 section 6.1.7.1: Incompatible
    /// Cryptographic Usage Mask).
    pub(crate) fn usage_refused(message: &str) -> Self {
        Self {
            v2_reason: Some(ResultReason::IncompatibleCryptographicUsageMask),
            ..Self::new(ResultReason::PermissionDenied, message)
        }
    }

    /// The Result Reason in a message of `version`.
    pub(crate) fn reason_in(&self, version: ProtocolVersion) -> ResultReason {
        match self.v2_reason {
            Some(reason) if version.is_v2() => reason,
            _ => self.reason,
        }
    }
}

impl From<ServerError> for ItemFailure {
    fn from(e: ServerError) -> Self {
        Self {
            v2_reason: v2_reason_for(&e),
            ..Self::new(reason_for(&e), e.to_string())
        }
    }
}

/// The Result Reason of an error in KMIP 2.x, where it is not
/// [`reason_for`]'s: a use outside the object's usage dates (Protect Stop
/// Date, Process Start Date) is Wrong Key Lifecycle State, a reason 2.x
/// added (the 2.1 profiles' CS-AC-M-8-21 and CS-BC-M-14-21), and
/// Permission Denied in 1.x (their 1.4 forms); an object that does not
/// exist is Object Not Found ([`ItemFailure::not_found`]).
fn v2_reason_for(e: &ServerError) -> Option<ResultReason> {
    match e {
        ServerError::KeyNotFound | ServerError::VersionNotFound { .. } => {
            Some(ResultReason::ObjectNotFound)
        }
        ServerError::Core(
            CoreError::CryptoperiodEnded { .. } | CoreError::ProcessNotStarted { .. },
        ) => Some(ResultReason::WrongKeyLifecycleState),
        // Object Destroyed (KMIP 2.1 section 11.46): its material is gone,
        // or going (a Destroy has scheduled it, so the object is reported
        // Destroyed: `attributes::kmip_state`).
        ServerError::ExportDestroyScheduled { .. } | ServerError::MaterialGone { .. } => {
            Some(ResultReason::ObjectDestroyed)
        }
        ServerError::WrappingKeyRefused { source } => wrapping_v2_reason(source),
        _ => None,
    }
}

/// The KMIP 2.x reason for a wrapping key that cannot wrap (2.1 section
/// 6.1.19.1 lists them for Get): Wrapping Object Not Found, Destroyed or
/// Archived, Incompatible Cryptographic Usage Mask for a key whose usage
/// or algorithm does not wrap; else the reason of the cause itself.
fn wrapping_v2_reason(cause: &ServerError) -> Option<ResultReason> {
    match cause {
        ServerError::KeyNotFound | ServerError::VersionNotFound { .. } => {
            Some(ResultReason::WrappingObjectNotFound)
        }
        ServerError::MaterialGone { .. }
        | ServerError::KeyDestroyed
        | ServerError::ExportDestroyScheduled { .. } => Some(ResultReason::WrappingObjectDestroyed),
        ServerError::KeyArchived { .. } | ServerError::Core(CoreError::Archived { .. }) => {
            Some(ResultReason::WrappingObjectArchived)
        }
        ServerError::Core(
            CoreError::UsageNotPermitted { .. }
            | CoreError::OperationNotSupported { .. }
            | CoreError::LegacyKeyNotUsed { .. },
        ) => Some(ResultReason::IncompatibleCryptographicUsageMask),
        other => v2_reason_for(other),
    }
}

impl ItemFailure {
    /// This failure as an operations-service error, for a check that runs
    /// inside an operation (the parameters of Encrypt and Decrypt, once the
    /// key's defaults are known): [`reason_for`] gives its reason back. Such
    /// checks fail with Invalid Message (something missing) or Invalid
    /// Field (anything else).
    pub(crate) fn into_server_error(self) -> ServerError {
        match self.reason {
            ResultReason::InvalidMessage => ServerError::IncompleteRequest {
                detail: self.message,
            },
            _ => ServerError::InvalidRequest {
                detail: self.message,
            },
        }
    }
}

/// The Result Reason for an operations-service error.
pub(crate) fn reason_for(e: &ServerError) -> ResultReason {
    match e {
        ServerError::KeyNotFound | ServerError::VersionNotFound { .. } => {
            ResultReason::ItemNotFound
        }
        // KMIP 1.x has no reasons of its own for the wrapping key: the
        // cause's (2.x: `wrapping_v2_reason`).
        ServerError::WrappingKeyRefused { source } => reason_for(source),
        ServerError::Core(
            CoreError::IllegalTransition { .. }
            | CoreError::StateForbids { .. }
            | CoreError::NotPrimary { .. },
        ) => ResultReason::IllegalOperation,
        // Outside the object's usage dates (Protect Stop Date, Process
        // Start Date, KMIP 1.4 sections 3.25 and 3.26): the 1.4 profiles'
        // test cases CS-AC-M-8 and CS-BC-M-14 answer Permission Denied
        // (2.x: `v2_reason_for`).
        ServerError::Core(
            CoreError::CryptoperiodEnded { .. } | CoreError::ProcessNotStarted { .. },
        ) => ResultReason::PermissionDenied,
        // Usage Limits spent (KMIP 1.4 section 3.21): the profiles' test
        // case CS-BC-M-7 answers Permission Denied, at 1.4 and 2.1.
        ServerError::Core(CoreError::UsageLimitReached { .. }) => ResultReason::PermissionDenied,
        // Read-only in 2.x; 1.x has no reason of its own for it.
        ServerError::AttributeReadOnly { .. } => ResultReason::PermissionDenied,
        ServerError::Core(CoreError::Archived { .. }) => ResultReason::ObjectArchived,
        // Single-valued and missing attributes have reasons of their own
        // in KMIP 2.x only (attribute_ops gives them there).
        ServerError::InvalidRequest { .. }
        | ServerError::AttributeSingleValued { .. }
        | ServerError::AttributeNotFound { .. }
        | ServerError::AttributeMultiValued { .. }
        | ServerError::Core(_) => ResultReason::InvalidField,
        ServerError::IncompleteRequest { .. } => ResultReason::InvalidMessage,
        ServerError::DecryptionFailed | ServerError::Crypto(_) => {
            ResultReason::CryptographicFailure
        }
        ServerError::Sealed
        | ServerError::NotInitialized
        | ServerError::Unauthenticated
        | ServerError::PermissionDenied { .. }
        | ServerError::MfaRequired { .. }
        | ServerError::MfaInvalid => ResultReason::PermissionDenied,
        // Wrong Key Lifecycle State exists in KMIP 2.x only; Illegal Operation
        // is the reason every version has.
        ServerError::LifecycleRefused { .. }
        | ServerError::MaterialGone { .. }
        | ServerError::KeyDestroyed => ResultReason::IllegalOperation,
        ServerError::KeyArchived { .. } | ServerError::ExportArchived => {
            ResultReason::ObjectArchived
        }
        ServerError::KeyAlreadyExists => ResultReason::ObjectAlreadyExists,
        // Material that may not leave: not extractable, or not now.
        ServerError::KeyNotExportable
        | ServerError::ExportForbidden { .. }
        | ServerError::ExportDestroyScheduled { .. } => ResultReason::PermissionDenied,
        ServerError::InvalidKeyMaterial { .. } | ServerError::WeakKeyMaterial { .. } => {
            ResultReason::InvalidField
        }
        ServerError::PublicKeyOnly
        | ServerError::NotAKey { .. }
        | ServerError::LegacyKey { .. } => ResultReason::IllegalOperation,
        // KMIP 1.4 section 11.11 and KMIP 2.1 section 6.1.19.1 (Get).
        ServerError::SensitiveObject => ResultReason::Sensitive,
        _ => ResultReason::GeneralFailure,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_map_to_their_reason() {
        assert_eq!(
            reason_for(&ServerError::KeyNotFound),
            ResultReason::ItemNotFound
        );
        assert_eq!(
            reason_for(&ServerError::Sealed),
            ResultReason::PermissionDenied
        );
        let bad = ItemFailure::from(ServerError::InvalidRequest {
            detail: "bytes must be 1 to 1024, not 0".into(),
        });
        assert_eq!(bad.reason, ResultReason::InvalidField);
        assert!(bad.message.contains("1024"));
        let ended = ItemFailure::from(ServerError::Core(CoreError::ProcessNotStarted {
            operation: keyhold_core::KeyOperation::Decrypt,
            at: keyhold_core::Timestamp::from_unix_seconds(0),
        }));
        assert_eq!(
            ended.reason_in(ProtocolVersion::V1_4),
            ResultReason::PermissionDenied
        );
        assert_eq!(
            ended.reason_in(ProtocolVersion::V2_0),
            ResultReason::WrongKeyLifecycleState
        );
        assert_eq!(
            bad.reason_in(ProtocolVersion::V2_0),
            ResultReason::InvalidField
        );
        let missing = ItemFailure::from(ServerError::KeyNotFound);
        assert_eq!(
            missing.reason_in(ProtocolVersion::V1_4),
            ResultReason::ItemNotFound
        );
        assert_eq!(
            missing.reason_in(ProtocolVersion::V2_0),
            ResultReason::ObjectNotFound
        );
        let unknown = ItemFailure::not_found();
        assert_eq!(
            unknown.reason_in(ProtocolVersion::V2_0),
            ResultReason::ObjectNotFound
        );
        assert_eq!(unknown.reason, ResultReason::ItemNotFound);
        let wrapping = |cause| {
            ItemFailure::from(ServerError::WrappingKeyRefused {
                source: Box::new(cause),
            })
        };
        let gone = wrapping(ServerError::KeyNotFound);
        assert_eq!(
            gone.reason_in(ProtocolVersion::V1_4),
            ResultReason::ItemNotFound
        );
        assert_eq!(
            gone.reason_in(ProtocolVersion::V2_1),
            ResultReason::WrappingObjectNotFound
        );
        assert!(gone.message.starts_with("the wrapping key: "));
        let usage = wrapping(ServerError::Core(CoreError::UsageNotPermitted {
            operation: keyhold_core::KeyOperation::WrapKey,
        }));
        assert_eq!(
            usage.reason_in(ProtocolVersion::V1_4),
            ResultReason::InvalidField
        );
        assert_eq!(
            usage.reason_in(ProtocolVersion::V2_1),
            ResultReason::IncompatibleCryptographicUsageMask
        );
        let denied = wrapping(ServerError::PermissionDenied {
            action: keyhold_core::Action::KeyEncrypt,
        });
        assert_eq!(
            denied.reason_in(ProtocolVersion::V2_1),
            ResultReason::PermissionDenied
        );
        for reason in [ResultReason::InvalidMessage, ResultReason::InvalidField] {
            let e = ItemFailure::new(reason, "IV/Counter/Nonce is required").into_server_error();
            assert_eq!(reason_for(&e), reason);
        }
    }
}
