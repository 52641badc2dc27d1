//! Who may act in a tenant and how they prove it (DESIGN.md section 6):
//! principals, their tokens and certificate bindings, policies, custom
//! roles, TOTP enrollments, pending approvals and per-tenant settings, as
//! stored. The checks here are pure; the server authenticates, authorizes
//! and decides what to write.
//!
//! Secrets never live here in the clear: a token is kept as the SHA-256 of
//! its text, a TOTP secret as a [`SealedBlob`], and neither shows in `Debug`.

mod settings;

use std::collections::BTreeSet;
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use crate::approval::Approval;
use crate::error::CoreError;
use crate::ids::{ApprovalId, PolicyId, PrincipalId, TenantId, TokenId};
use crate::model::SealedBlob;
use crate::name::{PolicyName, PrincipalName, RoleName};
use crate::policy::{PolicySet, StatementSpec};
use crate::time::Timestamp;

pub use settings::{DEFAULT_QUORUM_TTL_SECS, QuorumRule, TenantSettings};

/// Longest certificate subject accepted, in bytes.
pub const MAX_SUBJECT_LEN: usize = 1024;

/// What kind of party a principal is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PrincipalKind {
    /// A person.
    User,
    /// An application or machine.
    Service,
}

impl PrincipalKind {
    /// Every kind.
    pub const ALL: [Self; 2] = [Self::User, Self::Service];

    /// The kind's stable name (the serde name). Never rename one.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Service => "service",
        }
    }
}

impl fmt::Display for PrincipalKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PrincipalKind {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or(CoreError::InvalidValue {
                field: "principal kind",
                reason: "expected user or service",
            })
    }
}

/// A user or service of one tenant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    /// Its id.
    pub id: PrincipalId,
    /// Its tenant.
    pub tenant: TenantId,
    /// Its name, unique within the tenant.
    pub name: PrincipalName,
    /// User or service.
    pub kind: PrincipalKind,
    /// Free text for people.
    pub description: String,
    /// The roles granted (built-in or custom), by name.
    pub roles: BTreeSet<RoleName>,
    /// Policies attached directly, by name.
    pub policies: BTreeSet<PolicyName>,
    /// Whether it may act across tenants.
    pub global_admin: bool,
    /// A disabled principal authenticates as nobody.
    pub disabled: bool,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

/// Why a token may not be used now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum TokenRefusal {
    /// Its time to live ran out.
    #[error("the token has expired")]
    Expired,
    /// It was revoked.
    #[error("the token was revoked")]
    Revoked,
}

/// An opaque access token as stored: only the SHA-256 of its text, never
/// the text. `Debug` shows no byte of the hash.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenRecord {
    /// Its id (shown to people, used to revoke it).
    pub id: TokenId,
    /// The tenant of its principal.
    pub tenant: TenantId,
    /// Who it authenticates.
    pub principal: PrincipalId,
    /// SHA-256 of the token text.
    pub hash: [u8; 32],
    /// Free text for people.
    pub description: String,
    /// When it was issued.
    pub created_at: Timestamp,
    /// When it stops working, if ever.
    pub expires_at: Option<Timestamp>,
    /// Networks it may be used from; empty means anywhere.
    pub source_cidrs: Vec<IpNet>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<Timestamp>,
}

impl TokenRecord {
    /// Whether the token may authenticate a request at `now`: not revoked
    /// (whatever the revocation time says) and not expired.
    pub fn usable(&self, now: Timestamp) -> Result<(), TokenRefusal> {
        if self.revoked_at.is_some() {
            return Err(TokenRefusal::Revoked);
        }
        if self.expires_at.is_some_and(|at| now >= at) {
            return Err(TokenRefusal::Expired);
        }
        Ok(())
    }

    /// Whether a request from `source` may use the token: any address when
    /// no network is set, else only one inside a listed network (an unknown
    /// address is then refused).
    pub fn source_allowed(&self, source: Option<IpAddr>) -> bool {
        self.source_cidrs.is_empty()
            || source.is_some_and(|ip| self.source_cidrs.iter().any(|n| n.contains(&ip)))
    }
}

impl fmt::Debug for TokenRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenRecord")
            .field("id", &self.id)
            .field("tenant", &self.tenant)
            .field("principal", &self.principal)
            .field("hash", &"<redacted>")
            .field("description", &self.description)
            .field("created_at", &self.created_at)
            .field("expires_at", &self.expires_at)
            .field("source_cidrs", &self.source_cidrs)
            .field("revoked_at", &self.revoked_at)
            .finish()
    }
}

/// How a client certificate is recognised.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum CertMatcher {
    /// SHA-256 of the certificate's DER encoding: exactly that certificate.
    Fingerprint([u8; 32]),
    /// The subject distinguished name as an RFC 4514 string: any
    /// certificate the server trusts that carries it.
    Subject(String),
}

impl CertMatcher {
    /// A subject matcher: non-empty RFC 4514 text of at most
    /// [`MAX_SUBJECT_LEN`] bytes, without control characters. The server
    /// makes the text from a verified certificate, always the same way.
    pub fn subject(dn: &str) -> Result<Self, CoreError> {
        let invalid = |reason| CoreError::InvalidValue {
            field: "certificate subject",
            reason,
        };
        if dn.trim().is_empty() {
            return Err(invalid("must not be empty"));
        }
        if dn.len() > MAX_SUBJECT_LEN {
            return Err(invalid("must be at most 1024 bytes"));
        }
        if dn.chars().any(char::is_control) {
            return Err(invalid("must not hold control characters"));
        }
        Ok(Self::Subject(dn.to_owned()))
    }
}

/// A client certificate that authenticates a principal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertBinding {
    /// The principal's tenant.
    pub tenant: TenantId,
    /// Who the certificate authenticates.
    pub principal: PrincipalId,
    /// How the certificate is recognised (one binding per matcher, across
    /// all tenants, so a certificate names one principal only).
    pub matcher: CertMatcher,
}

/// A named list of policy statements.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyRecord {
    /// Its id.
    pub id: PolicyId,
    /// Its tenant.
    pub tenant: TenantId,
    /// Its name, unique within the tenant.
    pub name: PolicyName,
    /// Free text for people.
    pub description: String,
    /// Its statements, as written.
    pub statements: Vec<StatementSpec>,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

impl PolicyRecord {
    /// Checks and compiles the statements.
    pub fn compile(&self) -> Result<PolicySet, CoreError> {
        PolicySet::compile(&self.statements)
    }
}

/// A custom role: policies bundled under a name. Built-in roles are never
/// stored (see [`RoleRecord::check_name`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleRecord {
    /// Its tenant.
    pub tenant: TenantId,
    /// Its name, unique within the tenant.
    pub name: RoleName,
    /// Free text for people.
    pub description: String,
    /// The policies it grants, by name.
    pub policies: BTreeSet<PolicyName>,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

impl RoleRecord {
    /// Refuses the name of a built-in role: those are defined by keyhold and
    /// cannot be created, changed or deleted.
    pub fn check_name(name: &RoleName) -> Result<(), CoreError> {
        match name.builtin() {
            Some(_) => Err(CoreError::InvalidName {
                kind: "role",
                reason: "is the name of a built-in role",
            }),
            None => Ok(()),
        }
    }
}

/// A principal's TOTP second factor. The secret is sealed; `Debug` shows
/// only its length.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MfaEnrollment {
    /// Whose it is (one per principal).
    pub principal: PrincipalId,
    /// The TOTP secret, sealed under the tenant's KEK.
    pub sealed_secret: SealedBlob,
    /// Whether a first code proved the enrollment (unconfirmed ones do not
    /// count as a second factor).
    pub confirmed: bool,
    /// The last TOTP time step accepted: a code of this step or an earlier
    /// one is a replay.
    pub last_used_step: Option<u64>,
    /// When it was enrolled.
    pub created_at: Timestamp,
}

/// A request waiting for (or past) its quorum, as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalRecord {
    /// Its id.
    pub id: ApprovalId,
    /// The tenant it acts in.
    pub tenant: TenantId,
    /// Votes, state and expiry.
    pub approval: Approval,
    /// What it acts on, for people (a key id, a policy name, ...).
    pub resource: String,
    /// The pending request's body, executed once approved; never secret.
    pub request: serde_json::Value,
    /// What the execution returned, once executed.
    pub executed_result: Option<serde_json::Value>,
}

#[cfg(test)]
mod tests;
