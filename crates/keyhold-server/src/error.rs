//! Server errors, and the one mapping from an error to what a client sees:
//! a stable [`ErrorCode`] (which fixes the HTTP status) and a public message.
//! Internal detail (store and crypto failures) goes to the log, never to the
//! client.

use std::borrow::Cow;
use std::net::SocketAddr;
use std::path::PathBuf;

use keyhold_api::ErrorCode;
use keyhold_core::{CoreError, KeyState};
use keyhold_crypto::CryptoError;
use keyhold_store::StoreError;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The configuration file could not be read.
    #[error("cannot read configuration file {path}")]
    ReadConfig {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The configuration file is not valid.
    #[error("invalid configuration file {path}")]
    ParseConfig {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: toml::de::Error,
    },
    /// A setting has a value the server refuses.
    #[error("invalid setting {setting}: {reason}")]
    InvalidSetting {
        /// Which setting.
        setting: &'static str,
        /// Why.
        reason: &'static str,
    },
    /// Plain HTTP was asked for on a non-loopback address.
    #[error(
        "TLS is required to listen on {listen} (plain HTTP is allowed in dev mode on loopback, \
         or in production on loopback with plain_http_on_loopback = true)"
    )]
    TlsRequired {
        /// The address.
        listen: SocketAddr,
    },
    /// The TLS certificate or key could not be loaded.
    #[error("cannot load TLS {what} from {path}")]
    Tls {
        /// Certificate or key.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A file or directory operation failed.
    #[error("{what} {path}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// On which path.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The store could not be opened.
    #[error("cannot open the store")]
    Store(#[source] StoreError),
    /// The data directory was initialized with another seal.
    #[error(
        "the data directory was initialized in {found} mode; it cannot be used in {wanted} mode"
    )]
    SealMismatch {
        /// The seal found.
        found: &'static str,
        /// The mode asked for.
        wanted: &'static str,
    },
    /// Setting up the seal failed.
    #[error("seal set-up failed")]
    Seal(#[source] ServerError),
    /// The address could not be bound.
    #[error("cannot listen on {listen}")]
    Bind {
        /// The address.
        listen: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// The request is malformed; `detail` comes from parsing the client's own input.
    #[error("invalid request: {detail}")]
    InvalidRequest {
        /// What was wrong.
        detail: String,
    },
    /// The request lacks an input its parameters need (a KMIP Decrypt
    /// without the IV its mode takes): KMIP's Invalid Message.
    #[error("incomplete request: {detail}")]
    IncompleteRequest {
        /// What is missing.
        detail: String,
    },
    /// The domain refused the request.
    #[error(transparent)]
    Core(#[from] CoreError),
    /// A KMIP Add Attribute of a single-valued attribute the object has
    /// already (KMIP 2.1 section 6.1.2: Attribute Single Valued).
    #[error("the object has a {attribute} already, and it holds only one")]
    AttributeSingleValued {
        /// The attribute, by its KMIP name.
        attribute: &'static str,
    },
    /// A KMIP attribute change the client may not make (now): KMIP 1.4
    /// section 3 says, per attribute, when a client may modify it.
    #[error("the {attribute} cannot change: {why}")]
    AttributeReadOnly {
        /// The attribute, by its KMIP name.
        attribute: &'static str,
        /// Why not.
        why: &'static str,
    },
    /// A KMIP Modify or Delete Attribute of an attribute the object does
    /// not have (KMIP 2.1 sections 6.1.34 and 6.1.13: Attribute Not Found).
    #[error("the object has no {attribute}")]
    AttributeNotFound {
        /// The attribute, by its KMIP name.
        attribute: &'static str,
    },
    /// A KMIP 2.x Modify or Set Attribute that names no instance of an
    /// attribute the object has several of (KMIP 2.1 sections 6.1.34 and
    /// 6.1.51: Multi Valued Attribute).
    #[error("the object has several {attribute}: name the one to change")]
    AttributeMultiValued {
        /// The attribute, by its KMIP name.
        attribute: &'static str,
    },
    /// No key with that id or name in the caller's tenant.
    #[error("key not found")]
    KeyNotFound,
    /// A key with that name exists.
    #[error("a key with this name already exists")]
    KeyAlreadyExists,
    /// Not a ciphertext envelope.
    #[error("invalid ciphertext")]
    InvalidCiphertext(#[source] keyhold_crypto::envelope::EnvelopeError),
    /// The ciphertext did not authenticate.
    #[error("decryption failed")]
    DecryptionFailed,
    /// The envelope names another key than the path.
    #[error("the ciphertext was made by another key")]
    KeyMismatch,
    /// The version's material is gone (destroyed): it performs nothing.
    #[error("key version is {state}: its material is erased")]
    MaterialGone {
        /// Its state.
        state: KeyState,
    },
    /// A private-key operation on a key that holds a public key only
    /// ([`keyhold_core::Origin::ImportedPublic`]).
    #[error("the key holds a public key only: it can encrypt and verify, nothing else")]
    PublicKeyOnly,
    /// Generation, rotation or REST import asked of a data object (KMIP
    /// Secret Data, Opaque Object or Certificate,
    /// [`keyhold_core::KeyKind::Data`]):
    /// its bytes come from a KMIP client's Register only.
    #[error(
        "{algorithm} is data, not a key: only a KMIP Register makes one, and it performs no cryptographic operation"
    )]
    NotAKey {
        /// The data object's algorithm.
        algorithm: keyhold_core::Algorithm,
    },
    /// Generation, rotation or REST import of a legacy key
    /// ([`keyhold_core::Algorithm::is_legacy`]): keyhold never makes one,
    /// only a KMIP Register brings one in, to be kept and never used.
    #[error(
        "{algorithm} is a legacy algorithm keyhold keeps but never generates or uses: only a KMIP Register brings such a key in"
    )]
    LegacyKey {
        /// The legacy algorithm.
        algorithm: keyhold_core::Algorithm,
    },
    /// A lifecycle change of a key whose material is destroyed: only its
    /// tombstone (metadata, versions, audit history) remains.
    #[error("the key is destroyed: its material is erased and it cannot change any more")]
    KeyDestroyed,
    /// A scheduled action asked of a key before its time (or no longer
    /// scheduled at all, for a rotation).
    #[error("the key is not due to {action}{}", .due.map(|at| format!(" before {at}")).unwrap_or_default())]
    NotDue {
        /// What was asked.
        action: crate::ops::KeyAction,
        /// When it is due, if it is scheduled.
        due: Option<keyhold_core::Timestamp>,
    },
    /// The key has no such version.
    #[error("key has no version {version}")]
    VersionNotFound {
        /// The version asked for.
        version: keyhold_core::VersionNumber,
    },
    /// A batch with too many items.
    #[error("a batch holds at most {max} items, not {items}")]
    BatchTooLarge {
        /// Items sent.
        items: usize,
        /// The limit.
        max: usize,
    },
    /// A pre-hashed digest given to a scheme that signs whole messages.
    #[error("signature scheme {scheme} signs whole messages only; send the message, not a digest")]
    DigestNotSupported {
        /// The scheme.
        scheme: keyhold_api::crypto::SignatureScheme,
    },
    /// A digest whose length is not the scheme's hash length.
    #[error("a {scheme} digest is {expected} bytes, not {found}")]
    DigestLength {
        /// The scheme.
        scheme: keyhold_api::crypto::SignatureScheme,
        /// The hash length.
        expected: usize,
        /// The length given.
        found: usize,
    },
    /// A signature scheme that does not fit the key's algorithm.
    #[error("signature scheme {scheme} cannot be used with {algorithm} keys")]
    SchemeMismatch {
        /// The scheme.
        scheme: keyhold_api::crypto::SignatureScheme,
        /// The key's algorithm.
        algorithm: keyhold_core::Algorithm,
    },
    /// A plaintext longer than RSA-OAEP can encrypt with this key.
    #[error("plaintext is {len} bytes; RSA-OAEP with this key encrypts at most {max}")]
    PlaintextTooLong {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A lifecycle action the key's state forbids, outside the version
    /// state machine's own events (rotate, archive).
    #[error("illegal state transition: cannot {action} a key that is {state}")]
    LifecycleRefused {
        /// What was asked.
        action: crate::ops::KeyAction,
        /// The primary version's state.
        state: KeyState,
    },
    /// The key is archived.
    #[error("the key is archived: cannot {action} it (recover it first)")]
    KeyArchived {
        /// What was asked.
        action: crate::ops::KeyAction,
    },
    /// Recover of a key that is not archived.
    #[error("the key is not archived")]
    KeyNotArchived,
    /// The key is scheduled for destruction.
    #[error(
        "the key is scheduled for destruction at {at}: cannot {action} it (cancel-destroy first)"
    )]
    DestroyScheduled {
        /// When the material is due to be erased.
        at: keyhold_core::Timestamp,
        /// What was asked.
        action: crate::ops::KeyAction,
    },
    /// Cancel-destroy of a key with no destruction scheduled.
    #[error("no destruction is scheduled for this key")]
    DestroyNotScheduled,
    /// A public key asked of a symmetric key.
    #[error("{algorithm} keys are symmetric: there is no public key")]
    NoPublicKey {
        /// The key's algorithm.
        algorithm: keyhold_core::Algorithm,
    },
    /// A destruction waiting period out of bounds.
    #[error("the waiting period must be {min} to {max} days, not {days}")]
    InvalidWaitingPeriod {
        /// Asked for.
        days: u32,
        /// The server's minimum.
        min: u32,
        /// The maximum.
        max: u32,
    },
    /// The import token is unknown, used, in use, or another tenant's.
    #[error("unknown or already used import token")]
    ImportTokenInvalid,
    /// The import token has expired.
    #[error("the import token has expired; get a new one and wrap the material again")]
    ImportTokenExpired,
    /// Too many import tokens outstanding.
    #[error("at most {max} import tokens may be outstanding")]
    TooManyImportTokens {
        /// The limit.
        max: usize,
    },
    /// Too many multi-part encryptions under way.
    #[error("at most {max} multi-part encryptions may be under way; finish or abandon some")]
    TooManyStreams {
        /// The limit.
        max: usize,
    },
    /// The wrapped material does not unwrap with the token's key. Says
    /// nothing more, on purpose: which step failed would be an oracle.
    #[error("the wrapped material does not unwrap with this import token's key")]
    InvalidWrappedMaterial,
    /// The unwrapped material is not a key of the stated algorithm.
    #[error("the imported material is not a valid {algorithm} key")]
    InvalidKeyMaterial {
        /// The algorithm stated.
        algorithm: keyhold_core::Algorithm,
    },
    /// The material is a well-formed key of the stated algorithm that its
    /// standard still forbids (a Triple-DES bundle with two equal keys).
    #[error("the material is not a usable {algorithm} key: {reason}")]
    WeakKeyMaterial {
        /// The algorithm stated.
        algorithm: keyhold_core::Algorithm,
        /// What the standard requires that the material does not meet.
        reason: &'static str,
    },
    /// The export wrapping key does not parse for its algorithm.
    #[error("the wrapping key is not a valid public key for {algorithm}")]
    InvalidWrappingKey {
        /// The wrapping algorithm asked for.
        algorithm: keyhold_api::transfer::WrappingAlgorithm,
    },
    /// Export of a key not created exportable.
    #[error("the key is not exportable")]
    KeyNotExportable,
    /// An unwrapped KMIP Get of a Sensitive object (KMIP 1.4 section 3.48,
    /// KMIP 2.1 section 4.55): its material leaves only wrapped.
    #[error("the object is Sensitive: Get it wrapped (with a Key Wrapping Specification)")]
    SensitiveObject,
    /// The key a KMIP Get was asked to wrap the exported key under (KMIP
    /// 1.4 section 2.1.6, Key Wrapping Specification) cannot wrap it:
    /// `source` says why (not found, not permitted, not Active, no Wrap
    /// Key usage, not a wrapping algorithm).
    #[error("the wrapping key: {source}")]
    WrappingKeyRefused {
        /// Why.
        source: Box<ServerError>,
    },
    /// Export of a version whose state forbids it.
    #[error("key version is {state}; export is not allowed")]
    ExportForbidden {
        /// The version's state.
        state: KeyState,
    },
    /// Export of an archived version.
    #[error("key version is archived; recover it before exporting it")]
    ExportArchived,
    /// Export of a key scheduled for destruction.
    #[error("the key is scheduled for destruction at {at}; cancel-destroy before exporting it")]
    ExportDestroyScheduled {
        /// When the material is due to be erased.
        at: keyhold_core::Timestamp,
    },
    /// No tenant of that name.
    #[error("tenant not found")]
    TenantNotFound,
    /// A tenant of that name exists.
    #[error("a tenant with this name already exists")]
    TenantAlreadyExists,
    /// No principal of that name in the caller's tenant.
    #[error("principal not found")]
    PrincipalNotFound,
    /// A principal of that name exists in the tenant.
    #[error("a principal with this name already exists")]
    PrincipalAlreadyExists,
    /// No policy of that name in the caller's tenant.
    #[error("policy {name} not found")]
    PolicyNotFound {
        /// The name asked for.
        name: keyhold_core::PolicyName,
    },
    /// A policy of that name exists in the tenant.
    #[error("a policy with this name already exists")]
    PolicyAlreadyExists,
    /// No built-in or custom role of that name.
    #[error("role {name} not found")]
    RoleNotFound {
        /// The name asked for.
        name: keyhold_core::RoleName,
    },
    /// A custom role of that name exists in the tenant.
    #[error("a role with this name already exists")]
    RoleAlreadyExists,
    /// A built-in role's name given to create, change or delete a role.
    #[error("{name} is a built-in role: it cannot be created, changed or deleted")]
    BuiltinRole {
        /// The name.
        name: keyhold_core::RoleName,
    },
    /// No token with that id in the caller's tenant.
    #[error("token not found")]
    TokenNotFound,
    /// The principal has no such certificate binding.
    #[error("certificate binding not found")]
    CertificateNotFound,
    /// The certificate is bound already (to any principal).
    #[error("this certificate is already bound to a principal")]
    CertificateAlreadyBound,
    /// Roles that a separation-of-duties rule forbids together.
    #[error("separation of duties: one principal may not hold both {a} and {b}")]
    SeparationOfDuties {
        /// One role of the rule.
        a: String,
        /// The other.
        b: String,
    },
    /// A policy statement that does not compile.
    #[error("invalid policy: statement {statement}: {reason}")]
    InvalidPolicy {
        /// The statement's position (from 1).
        statement: usize,
        /// What is wrong with it.
        reason: CoreError,
    },
    /// A policy with too many statements (or none).
    #[error("invalid policy: {count} statements; a policy holds 1 to {max}")]
    PolicySize {
        /// Statements given.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// Tenant settings that do not pass their checks.
    #[error("invalid tenant settings: {0}")]
    InvalidSettings(CoreError),
    /// A quorum rule no set of eligible approvers could satisfy.
    #[error("invalid quorum rule {rule}: {reason}")]
    InvalidQuorum {
        /// The rule's position (from 1).
        rule: usize,
        /// Why.
        reason: keyhold_core::approval::QuorumError,
    },
    /// A token time to live out of bounds.
    #[error("ttl_secs must be 1 to {max}, not {ttl}")]
    InvalidTokenTtl {
        /// Asked for.
        ttl: u64,
        /// The server's maximum.
        max: u64,
    },
    /// A malformed unseal share.
    #[error("invalid unseal share")]
    InvalidShare,
    /// A share given twice.
    #[error("this share was already given")]
    DuplicateShare,
    /// Shares that do not rebuild the root key.
    #[error("the shares do not unseal this server; unseal starts over")]
    UnsealFailed,
    /// Bad shares/threshold.
    #[error("invalid seal configuration: {reason}")]
    InvalidSealConfig {
        /// Why.
        reason: &'static str,
    },
    /// Init ran already.
    #[error("already initialized")]
    AlreadyInitialized,
    /// Sealed.
    #[error("the server is sealed")]
    Sealed,
    /// Not initialized.
    #[error("the server is not initialized")]
    NotInitialized,
    /// No valid token.
    #[error("authentication required")]
    Unauthenticated,
    /// No policy allows this request, or one denies it.
    #[error("permission denied: {action} is not allowed")]
    PermissionDenied {
        /// What was asked.
        action: keyhold_core::Action,
    },
    /// The action needs a fresh MFA code and none came.
    #[error("{action} requires a fresh TOTP code in the X-Keyhold-MFA header")]
    MfaRequired {
        /// What was asked.
        action: keyhold_core::Action,
    },
    /// The MFA code is wrong, replayed, or there is no confirmed enrollment.
    #[error("invalid or already used TOTP code")]
    MfaInvalid,
    /// The action needs an approved quorum request.
    #[error(
        "{action} needs a quorum approval: ask for one with POST /v1/approvals, then send this \
         request again with X-Keyhold-Approval"
    )]
    ApprovalRequired {
        /// What was asked.
        action: keyhold_core::Action,
    },
    /// A requester voted on their own request.
    #[error("the requester cannot approve or deny their own request")]
    ApprovalOwnRequest,
    /// No such approval in the caller's tenant.
    #[error("approval not found")]
    ApprovalNotFound,
    /// An approval that cannot be used or decided.
    #[error("the approval cannot be used: {reason}")]
    ApprovalNotUsable {
        /// Why.
        reason: &'static str,
    },
    /// An approval asked for an action no quorum rule names.
    #[error("{action} needs no approval in this tenant")]
    ApprovalNotNeeded {
        /// What was asked.
        action: keyhold_core::Action,
    },
    /// A quorum that could never pass.
    #[error("the quorum cannot be reached: {0}")]
    ApprovalUnreachable(#[source] keyhold_core::approval::QuorumError),
    /// A backup file that does not open: the message says where and what
    /// (never a secret).
    #[error("backup refused: {0}")]
    BackupInvalid(#[source] keyhold_crypto::backup::BackupError),
    /// A KMIP batch item could not be undone (Batch Error Continuation
    /// Option Undo): its change stays.
    #[error("cannot undo the batch item: {reason}")]
    UndoConflict {
        /// Why.
        reason: &'static str,
    },
    /// A backup made under another root key or epoch.
    #[error("backup refused: {0}")]
    BackupWrongKey(#[source] keyhold_crypto::backup::BackupError),
    /// The root key generation changed under the request; nothing changed.
    #[error("the root key was rotated while this request ran: {what}; retry")]
    RotationConflict {
        /// What was refused.
        what: &'static str,
    },
    /// A backup that opened but cannot be restored here.
    #[error("restore refused: {reason}")]
    RestoreRefused {
        /// Why.
        reason: &'static str,
    },
    /// A scheduled backup could not be written to its directory.
    #[error("cannot write the backup file")]
    BackupFile {
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A body that must be a file came with another media type.
    #[error("expected the backup file as the body (content-type: application/octet-stream)")]
    NotOctetStream,
    /// Body too large.
    #[error("request body too large")]
    PayloadTooLarge,
    /// Not JSON.
    #[error("expected a JSON body (content-type: application/json)")]
    UnsupportedMediaType,
    /// No such route.
    #[error("no such endpoint")]
    NotFound,
    /// Wrong method.
    #[error("method not allowed on this endpoint")]
    MethodNotAllowed,
    /// The request's audit event could not be made durable: the request
    /// fails closed, and its change (if any) was rolled back.
    #[error("the audit trail cannot be written")]
    AuditUnavailable(#[source] StoreError),
    /// A store failure.
    #[error("store failure")]
    Store(#[source] StoreError),
    /// A crypto failure that is not the client's doing.
    #[error("crypto failure")]
    Crypto(#[source] CryptoError),
    /// Any other failure inside the server.
    #[error("internal failure: {what}")]
    Internal {
        /// What failed (no secrets).
        what: &'static str,
    },
}

impl ServerError {
    /// The one mapping to the client's view: stable code and public message.
    pub fn public(&self) -> (ErrorCode, Cow<'static, str>) {
        use ErrorCode as C;
        let own = |code| (code, Cow::Owned(self.to_string()));
        match self {
            Self::InvalidRequest { .. }
            | Self::IncompleteRequest { .. }
            | Self::AttributeSingleValued { .. }
            | Self::AttributeReadOnly { .. }
            | Self::AttributeNotFound { .. }
            | Self::AttributeMultiValued { .. } => own(C::InvalidRequest),
            Self::PublicKeyOnly | Self::NotAKey { .. } | Self::LegacyKey { .. } => {
                own(C::UnsupportedOperation)
            }
            Self::Core(e) => core_public(e),
            Self::KeyNotFound => own(C::KeyNotFound),
            Self::KeyAlreadyExists => own(C::KeyAlreadyExists),
            Self::InvalidCiphertext(e) => (
                C::InvalidCiphertext,
                format!("invalid ciphertext: {e}").into(),
            ),
            Self::DecryptionFailed => own(C::DecryptionFailed),
            Self::KeyMismatch => own(C::KeyMismatch),
            Self::MaterialGone { .. } | Self::KeyDestroyed => own(C::KeyDestroyed),
            Self::NotDue { .. } => own(C::NotDue),
            Self::VersionNotFound { .. } => own(C::VersionNotFound),
            Self::BatchTooLarge { .. } => own(C::BatchTooLarge),
            Self::DigestNotSupported { .. } => own(C::DigestNotSupported),
            Self::DigestLength { .. } | Self::PlaintextTooLong { .. } => own(C::InvalidRequest),
            Self::SchemeMismatch { .. } => own(C::UnsupportedOperation),
            Self::LifecycleRefused { .. } => own(C::IllegalStateTransition),
            Self::KeyArchived { .. } => own(C::KeyArchived),
            Self::KeyNotArchived => own(C::KeyNotArchived),
            Self::DestroyScheduled { .. } => own(C::DestroyScheduled),
            Self::DestroyNotScheduled => own(C::DestroyNotScheduled),
            Self::NoPublicKey { .. } => own(C::NoPublicKey),
            Self::InvalidWaitingPeriod { .. } => own(C::InvalidWaitingPeriod),
            Self::ImportTokenInvalid => own(C::ImportTokenInvalid),
            Self::ImportTokenExpired => own(C::ImportTokenExpired),
            Self::TooManyImportTokens { .. } => own(C::TooManyImportTokens),
            Self::TooManyStreams { .. } => own(C::TooManyStreams),
            Self::InvalidWrappedMaterial => own(C::InvalidWrappedMaterial),
            Self::InvalidKeyMaterial { .. } | Self::WeakKeyMaterial { .. } => {
                own(C::InvalidKeyMaterial)
            }
            Self::InvalidWrappingKey { .. } => own(C::InvalidWrappingKey),
            // KMIP only: REST export always wraps.
            Self::KeyNotExportable | Self::SensitiveObject => own(C::KeyNotExportable),
            Self::WrappingKeyRefused { source } => {
                let (code, message) = source.public();
                (code, format!("the wrapping key: {message}").into())
            }
            Self::ExportForbidden { .. } => own(C::KeyNotActive),
            Self::ExportArchived => own(C::KeyArchived),
            Self::ExportDestroyScheduled { .. } => own(C::DestroyScheduled),
            Self::TenantAlreadyExists => own(C::TenantAlreadyExists),
            Self::PrincipalNotFound => own(C::PrincipalNotFound),
            Self::PrincipalAlreadyExists => own(C::PrincipalAlreadyExists),
            Self::PolicyNotFound { .. } => own(C::PolicyNotFound),
            Self::PolicyAlreadyExists => own(C::PolicyAlreadyExists),
            Self::RoleNotFound { .. } => own(C::RoleNotFound),
            Self::RoleAlreadyExists => own(C::RoleAlreadyExists),
            Self::BuiltinRole { .. } => own(C::BuiltinRole),
            Self::TokenNotFound => own(C::TokenNotFound),
            Self::CertificateNotFound => own(C::CertificateNotFound),
            Self::CertificateAlreadyBound => own(C::CertificateAlreadyBound),
            Self::SeparationOfDuties { .. } => own(C::SeparationOfDuties),
            Self::InvalidPolicy { .. } | Self::PolicySize { .. } => own(C::InvalidPolicy),
            Self::InvalidSettings(_) => own(C::InvalidSettings),
            Self::InvalidQuorum { .. } => own(C::InvalidQuorum),
            Self::InvalidTokenTtl { .. } => own(C::InvalidTokenTtl),
            Self::InvalidShare => own(C::InvalidShare),
            Self::DuplicateShare => own(C::DuplicateShare),
            Self::UnsealFailed => own(C::UnsealFailed),
            Self::InvalidSealConfig { .. } => own(C::InvalidSealConfig),
            Self::AlreadyInitialized => own(C::AlreadyInitialized),
            Self::Sealed => own(C::Sealed),
            Self::NotInitialized => own(C::NotInitialized),
            Self::AuditUnavailable(_) => own(C::AuditUnavailable),
            Self::Unauthenticated => own(C::Unauthenticated),
            Self::PermissionDenied { .. } => own(C::PermissionDenied),
            Self::MfaRequired { .. } => own(C::MfaRequired),
            Self::MfaInvalid => own(C::MfaInvalid),
            Self::TenantNotFound => own(C::TenantNotFound),
            Self::ApprovalRequired { .. } => own(C::ApprovalRequired),
            Self::ApprovalOwnRequest => own(C::ApprovalOwnRequest),
            Self::ApprovalNotFound => own(C::ApprovalNotFound),
            Self::ApprovalNotUsable { .. } => own(C::ApprovalNotUsable),
            Self::ApprovalNotNeeded { .. } => own(C::ApprovalNotNeeded),
            Self::ApprovalUnreachable(_) => own(C::ApprovalUnreachable),
            Self::BackupInvalid(_) => own(C::BackupInvalid),
            Self::BackupWrongKey(_) => own(C::BackupWrongKey),
            Self::RestoreRefused { .. } => own(C::RestoreRefused),
            Self::RotationConflict { .. } => own(C::RotationConflict),
            Self::UndoConflict { .. } => own(C::UndoConflict),
            Self::PayloadTooLarge => own(C::PayloadTooLarge),
            Self::UnsupportedMediaType | Self::NotOctetStream => own(C::UnsupportedMediaType),
            Self::NotFound => own(C::NotFound),
            Self::MethodNotAllowed => own(C::MethodNotAllowed),
            Self::Store(_) | Self::Crypto(_) | Self::Internal { .. } | Self::BackupFile { .. } => (
                C::InternalError,
                Cow::Borrowed("internal error; see the server log"),
            ),
        }
    }
}

fn core_public(e: &CoreError) -> (ErrorCode, Cow<'static, str>) {
    use ErrorCode as C;
    let code = match e {
        CoreError::InvalidId { .. }
        | CoreError::InvalidName { .. }
        | CoreError::UnknownAlgorithm
        | CoreError::UnknownUsage
        | CoreError::InvalidValue { .. } => C::InvalidRequest,
        CoreError::UsageNotSupported { .. } => C::InvalidUsage,
        CoreError::UsageNotPermitted { .. } => C::UsageNotPermitted,
        CoreError::OperationNotSupported { .. } | CoreError::LegacyKeyNotUsed { .. } => {
            C::UnsupportedOperation
        }
        CoreError::IllegalTransition { .. } => C::IllegalStateTransition,
        CoreError::StateForbids { .. }
        | CoreError::NotPrimary { .. }
        | CoreError::Archived { .. } => C::KeyNotActive,
        CoreError::CryptoperiodEnded { .. } => C::CryptoperiodEnded,
        CoreError::ProcessNotStarted { .. } => C::ProcessNotStarted,
        CoreError::UsageLimitReached { .. } => C::UsageLimitReached,
        // CoreError is non_exhaustive: a variant added later fails closed as
        // an internal error until it is mapped here.
        _ => C::InternalError,
    };
    (code, Cow::Owned(e.to_string()))
}
