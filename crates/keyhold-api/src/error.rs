//! The error body every failed request gets, and the stable error codes.
//!
//! Codes are API: never rename or reuse one. `docs/api.md` documents each,
//! and a test checks the two agree.

use std::fmt;

use serde::{Deserialize, Serialize};

/// `{"error": {"code": "...", "message": "...", "request_id": "..."}}`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// What went wrong, for programs (`code`) and people (`message`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ErrorDetail {
    /// The stable code.
    pub code: ErrorCode,
    /// A message for people; never holds secrets or internal detail.
    pub message: String,
    /// The request's id, to find it in the server's log and audit trail.
    pub request_id: String,
}

macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident = ($text:literal, $status:literal),)*) => {
        /// A stable, documented error code and its HTTP status.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        #[non_exhaustive]
        pub enum ErrorCode {
            $($(#[$doc])* $variant,)*
        }

        impl ErrorCode {
            /// Every code, in documentation order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The code's text, as on the wire.
            pub const fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $text,)* }
            }

            /// The HTTP status that goes with the code.
            pub const fn http_status(self) -> u16 {
                match self { $(ErrorCode::$variant => $status,)* }
            }
        }
    };
}

error_codes! {
    /// The request is malformed: bad JSON, an unknown or misspelt field, bad
    /// base64, a bad name or id in the path, an unknown algorithm.
    InvalidRequest = ("invalid_request", 400),
    /// The ciphertext is not a keyhold ciphertext envelope.
    InvalidCiphertext = ("invalid_ciphertext", 400),
    /// The ciphertext did not authenticate: tampered, truncated, moved to
    /// another key, or decrypted with a different encryption context.
    DecryptionFailed = ("decryption_failed", 400),
    /// The ciphertext was made by another key than the one in the path.
    KeyMismatch = ("key_mismatch", 400),
    /// An unseal share is malformed.
    InvalidShare = ("invalid_share", 400),
    /// This unseal share was already given in this unseal attempt.
    DuplicateShare = ("duplicate_share", 400),
    /// The shares given do not rebuild the root key; unseal starts over.
    UnsealFailed = ("unseal_failed", 400),
    /// The backup file is not intact: not a backup, an unknown format
    /// version, a modified header or chunk (the message names it), or
    /// truncated. Nothing was changed.
    BackupInvalid = ("backup_invalid", 422),
    /// The backup was made under another root key (or backup-key epoch)
    /// than this server's. Nothing was changed.
    BackupWrongKey = ("backup_wrong_key", 422),
    /// The backup opened but its database cannot be restored here: it fails
    /// SQLite's integrity checks, or its root-key canary is not this
    /// server's. Nothing was changed.
    RestoreRefused = ("restore_refused", 422),
    /// The import token is unknown, was already used, is in use by another
    /// import right now, or belongs to another tenant. Tokens do not survive
    /// a server restart.
    ImportTokenInvalid = ("import_token_invalid", 400),
    /// The import token has expired: get a new one and wrap again.
    ImportTokenExpired = ("import_token_expired", 400),
    /// The wrapped material does not unwrap with the import token's key:
    /// wrapped to another key or with another algorithm, modified, or too
    /// short. Nothing was stored; the token stays usable.
    InvalidWrappedMaterial = ("invalid_wrapped_material", 400),
    /// The wrapping key given for export is not a public key of the
    /// wrapping algorithm (an RSA SubjectPublicKeyInfo of 2048, 3072 or 4096
    /// bits, or a 1184-byte ML-KEM-768 encapsulation key).
    InvalidWrappingKey = ("invalid_wrapping_key", 400),
    /// No valid bearer token.
    Unauthenticated = ("unauthenticated", 401),
    /// The token is valid but may not do this.
    PermissionDenied = ("permission_denied", 403),
    /// The action needs a fresh TOTP code in `X-Keyhold-MFA` (tenant MFA
    /// settings); none came with the request.
    MfaRequired = ("mfa_required", 403),
    /// The `X-Keyhold-MFA` code is wrong, already used, or the caller has no
    /// confirmed TOTP enrollment.
    MfaInvalid = ("mfa_invalid", 401),
    /// The action needs a quorum approval: ask for one (`POST
    /// /v1/approvals`) and send the request again with `X-Keyhold-Approval`.
    ApprovalRequired = ("approval_required", 403),
    /// The requester cannot approve or deny their own request.
    ApprovalOwnRequest = ("approval_own_request", 403),
    /// No approval with this id in the caller's tenant.
    ApprovalNotFound = ("approval_not_found", 404),
    /// The approval cannot be used or decided: not approved yet, denied,
    /// expired, already used, or granted for another request or requester.
    ApprovalNotUsable = ("approval_not_usable", 409),
    /// The action needs no approval in this tenant.
    ApprovalNotNeeded = ("approval_not_needed", 422),
    /// Fewer eligible approvers (approver or admin role, other than the
    /// requester) than the quorum needs: it could never pass.
    ApprovalUnreachable = ("approval_unreachable", 422),
    /// No such key (or not in the caller's tenant).
    KeyNotFound = ("key_not_found", 404),
    /// The key has no version with this number.
    VersionNotFound = ("version_not_found", 404),
    /// No such route.
    NotFound = ("not_found", 404),
    /// No such tenant.
    TenantNotFound = ("tenant_not_found", 404),
    /// No such principal in the caller's tenant.
    PrincipalNotFound = ("principal_not_found", 404),
    /// No such policy in the caller's tenant (named in the path, or by a
    /// principal or role being written).
    PolicyNotFound = ("policy_not_found", 404),
    /// No such role: neither built in nor a custom role of the caller's
    /// tenant (named in the path, or by a grant).
    RoleNotFound = ("role_not_found", 404),
    /// No such token in the caller's tenant.
    TokenNotFound = ("token_not_found", 404),
    /// The principal has no such certificate binding.
    CertificateNotFound = ("certificate_not_found", 404),
    /// The route exists, the method does not.
    MethodNotAllowed = ("method_not_allowed", 405),
    /// A key with this name already exists in the tenant.
    KeyAlreadyExists = ("key_already_exists", 409),
    /// The lifecycle forbids this transition from the key's state.
    IllegalStateTransition = ("illegal_state_transition", 409),
    /// The key version's state (or archival) forbids this operation.
    KeyNotActive = ("key_not_active", 409),
    /// The key version's originator-usage period (NIST SP 800-57
    /// cryptoperiod) has ended: it processes (decrypt, verify) but protects
    /// nothing; rotate the key for a new version.
    CryptoperiodEnded = ("cryptoperiod_ended", 409),
    /// The key version's process start date (KMIP Process Start Date) is
    /// still to come: it processes nothing (decrypt, verify) before it.
    ProcessNotStarted = ("process_not_started", 409),
    /// The key's usage limit (KMIP Usage Limits) leaves too little for the
    /// protection asked (encrypt, sign, MAC): it protects nothing more.
    UsageLimitReached = ("usage_limit_reached", 409),
    /// The key is archived: recover it first (or it is archived already).
    KeyArchived = ("key_archived", 409),
    /// Recover was asked of a key that is not archived.
    KeyNotArchived = ("key_not_archived", 409),
    /// The key is scheduled for destruction: cancel-destroy first (or it is
    /// scheduled already).
    DestroyScheduled = ("destroy_scheduled", 409),
    /// Cancel-destroy was asked of a key with no destruction scheduled.
    DestroyNotScheduled = ("destroy_not_scheduled", 409),
    /// The root key changed while the request was in flight (another
    /// rotation, or a tenant sealed under the previous root key): nothing
    /// was changed; retry.
    RotationConflict = ("rotation_conflict", 409),
    /// A KMIP batch item could not be undone when a later item failed
    /// (Batch Error Continuation Option Undo): the object changed since,
    /// or its material was erased. Its change stays.
    UndoConflict = ("undo_conflict", 409),
    /// The key was not created exportable: its material never leaves the
    /// server, whatever the caller's rights.
    KeyNotExportable = ("key_not_exportable", 409),
    /// A tenant with this name already exists.
    TenantAlreadyExists = ("tenant_already_exists", 409),
    /// A principal with this name already exists in the tenant.
    PrincipalAlreadyExists = ("principal_already_exists", 409),
    /// A policy with this name already exists in the tenant.
    PolicyAlreadyExists = ("policy_already_exists", 409),
    /// A custom role with this name already exists in the tenant.
    RoleAlreadyExists = ("role_already_exists", 409),
    /// The name is a built-in role's (`admin`, `key-custodian`, `key-user`,
    /// `approver`, `auditor`): built-in roles cannot be created, changed or
    /// deleted.
    BuiltinRole = ("builtin_role", 409),
    /// The roles would break a separation-of-duties rule of the tenant (by
    /// default `key-custodian` with `key-user`); the message names both
    /// roles. Nothing was changed.
    SeparationOfDuties = ("separation_of_duties", 409),
    /// The certificate is already bound to a principal (of any tenant): a
    /// certificate names one principal only.
    CertificateAlreadyBound = ("certificate_already_bound", 409),
    /// The server was already initialized.
    AlreadyInitialized = ("already_initialized", 409),
    /// A scheduled action (a destruction, a rotation) was asked before its
    /// time; nothing changed. Only the scheduler asks for these: the code
    /// shows in its audit events.
    NotDue = ("not_due", 409),
    /// The key's material is destroyed: it performs no cryptographic
    /// operation and takes no lifecycle change (but a compromise
    /// revocation). Its metadata, versions and audit history remain.
    KeyDestroyed = ("key_destroyed", 410),
    /// The body is larger than the server accepts.
    PayloadTooLarge = ("payload_too_large", 413),
    /// A batch holds more items than the server accepts (1000); nothing was done.
    BatchTooLarge = ("batch_too_large", 413),
    /// The body is not JSON (wrong content type).
    UnsupportedMediaType = ("unsupported_media_type", 415),
    /// The key's usage does not include this operation.
    UsageNotPermitted = ("usage_not_permitted", 422),
    /// The key's algorithm cannot perform this operation.
    UnsupportedOperation = ("unsupported_operation", 422),
    /// The signature scheme signs whole messages only (Ed25519, ML-DSA-65):
    /// send the message, not a digest.
    DigestNotSupported = ("digest_not_supported", 422),
    /// The unwrapped material is not a key of the stated algorithm (wrong
    /// length, wrong encoding, another algorithm's key).
    InvalidKeyMaterial = ("invalid_key_material", 422),
    /// The requested usage is impossible for the algorithm.
    InvalidUsage = ("invalid_usage", 422),
    /// The key is symmetric: it has no public key.
    NoPublicKey = ("no_public_key", 422),
    /// The destruction waiting period is shorter than the server's minimum
    /// or longer than 3650 days.
    InvalidWaitingPeriod = ("invalid_waiting_period", 422),
    /// Shares and threshold do not make a valid seal configuration.
    InvalidSealConfig = ("invalid_seal_config", 422),
    /// A policy statement is invalid: an unknown action, a malformed
    /// resource pattern, a bad condition, too many statements. The message
    /// names the statement and the problem.
    InvalidPolicy = ("invalid_policy", 422),
    /// Tenant settings are invalid (a quorum of zero, an action under two
    /// quorum rules, a separation rule naming one role twice, ...).
    InvalidSettings = ("invalid_settings", 422),
    /// A quorum rule requires more approvals than the tenant has eligible
    /// approvers (principals holding `approver` or `admin`, not disabled):
    /// it could never pass.
    InvalidQuorum = ("invalid_quorum", 422),
    /// A token's time to live is zero or above the server's maximum.
    InvalidTokenTtl = ("invalid_token_ttl", 422),
    /// Too many import tokens are outstanding (1000); use or let some expire.
    TooManyImportTokens = ("too_many_import_tokens", 429),
    /// Too many multi-part (KMIP) encryptions are under way (1024); finish
    /// some or let them idle out (5 minutes).
    TooManyStreams = ("too_many_streams", 429),
    /// The server is sealed: only health, seal status, init and unseal work.
    Sealed = ("sealed", 503),
    /// The server has not been initialized yet (`keyhold operator init`).
    NotInitialized = ("not_initialized", 503),
    /// The audit trail cannot be written (disk full, store read-only): the
    /// request was not carried out, and any change it made was rolled back.
    AuditUnavailable = ("audit_unavailable", 503),
    /// Something failed inside the server; the log has the detail.
    InternalError = ("internal_error", 500),
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_serialize_as_their_text() {
        for (i, c) in ErrorCode::ALL.iter().enumerate() {
            let json = serde_json::to_string(c).unwrap();
            assert_eq!(json, format!("\"{}\"", c.as_str()));
            assert_eq!(serde_json::from_str::<ErrorCode>(&json).unwrap(), *c);
            assert!(
                ErrorCode::ALL
                    .iter()
                    .skip(i + 1)
                    .all(|d| d.as_str() != c.as_str())
            );
            assert!((400..600).contains(&c.http_status()));
        }
    }
}

#[cfg(test)]
mod doc_tests {
    use super::*;

    /// `docs/api.md` lists every code with its status, and no other.
    #[test]
    fn api_doc_lists_every_code() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/api.md");
        let doc = std::fs::read_to_string(path).unwrap();
        // Error rows are the table rows whose second column is an HTTP status.
        let documented: Vec<&str> = doc
            .lines()
            .filter(|l| {
                l.split('|')
                    .nth(2)
                    .is_some_and(|c| c.trim().parse::<u16>().is_ok())
            })
            .collect();
        for code in ErrorCode::ALL {
            let row = format!("| `{}` | {} |", code.as_str(), code.http_status());
            assert!(doc.contains(&row), "docs/api.md lacks {row}");
        }
        assert_eq!(
            documented.len(),
            ErrorCode::ALL.len(),
            "docs/api.md lists codes that do not exist"
        );
    }
}
