//! The keyhold domain: what a tenant, a key and a key version are, the
//! NIST SP 800-57 / KMIP key lifecycle as one pure state machine, and the rule
//! deciding which cryptographic operation a key state permits; and access
//! control: principals, tokens, policies, roles, approvals (see [`access`],
//! [`policy`] and [`approval`]).
//!
//! This crate does no I/O: no files, no network, no database, no async
//! runtime, no clock and no randomness. Those arrive through the ports in
//! [`ports`] (a clock) or as values the caller passes in (identifiers are
//! made by the caller from its own randomness). Everything here is a value
//! type or a pure function, so it is tested without a server.

pub mod access;
pub mod action;
pub mod algorithm;
pub mod approval;
pub mod audit;
pub mod crypto_params;
pub mod cryptoperiod;
pub mod error;
pub mod idle;
pub mod ids;
pub mod kmip_app_info;
pub mod kmip_custom;
pub mod kmip_links;
pub mod kmip_meta;
pub mod lifecycle;
pub mod model;
pub mod name;
pub mod operation;
pub mod policy;
pub mod ports;
pub mod public_half;
pub mod time;
pub mod usage;
pub mod usage_rule;

pub use access::{
    ApprovalRecord, CertBinding, CertMatcher, MfaEnrollment, PolicyRecord, Principal,
    PrincipalKind, QuorumRule, RoleRecord, TenantSettings, TokenRecord, TokenRefusal,
};
pub use action::Action;
pub use algorithm::{Algorithm, KeyKind};
pub use crypto_params::CryptoParams;
pub use cryptoperiod::Cryptoperiod;
pub use error::CoreError;
pub use ids::{
    ApprovalId, KeyId, PolicyId, PrincipalId, RequestId, TenantId, TokenId, VersionId,
    VersionNumber,
};
pub use kmip_meta::{
    DataObject, DataType, KmipMeta, NameSource, ObjectGroup, SecretFormat, SymmetricFormat,
    UsageLimits, UsageLimitsUnit,
};
pub use lifecycle::{
    DateField, KeyState, LifecycleEvent, RevocationReason, Transition, transition,
};
pub use model::{Key, KeyVersion, Origin, Protection, SealedBlob, Tenant};
pub use name::{KeyName, KeyRef, PolicyName, PrincipalName, RoleName, TenantName};
pub use operation::{Direction, KeyOperation};
pub use public_half::PublicHalf;
pub use time::Timestamp;
pub use usage::UsageMask;
pub use usage_rule::{Permit, UseContext, check_use};
