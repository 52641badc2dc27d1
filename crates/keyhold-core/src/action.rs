//! What a request asks to do: one name per action, shared by authorization
//! (policy statements name actions, DESIGN.md section 6) and the audit trail
//! (every event records one, section 7). Names are API: never rename one.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::CoreError;

macro_rules! actions {
    ($($(#[$doc:meta])* $variant:ident = $name:literal,)*) => {
        /// An action a principal may be allowed or denied.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Action {
            $($(#[$doc])* $variant,)*
        }

        impl Action {
            /// Every action, in a stable order.
            pub const ALL: &'static [Action] = &[$(Action::$variant,)*];

            /// The action's stable name, e.g. `key:encrypt`.
            pub const fn as_str(self) -> &'static str {
                match self { $(Action::$variant => $name,)* }
            }

            /// The action's position in [`Action::ALL`] (for bit sets).
            pub const fn index(self) -> usize {
                self as usize
            }
        }
    };
}

actions! {
    /// Initialize the server (make the root key and shares).
    SysInit = "sys:init",
    /// Give an unseal share.
    SysUnseal = "sys:unseal",
    /// Seal the server.
    SysSeal = "sys:seal",
    /// Create a key.
    KeyCreate = "key:create",
    /// Import a key's material (BYOK).
    KeyImport = "key:import",
    /// List keys.
    KeyList = "key:list",
    /// Read a key's metadata, versions and public key.
    KeyRead = "key:read",
    /// Change a key's metadata.
    KeyUpdate = "key:update",
    /// Rotate a key (new primary version).
    KeyRotate = "key:rotate",
    /// Activate a key.
    KeyActivate = "key:activate",
    /// Deactivate a key.
    KeyDeactivate = "key:deactivate",
    /// Suspend a key.
    KeySuspend = "key:suspend",
    /// Resume a suspended key.
    KeyResume = "key:resume",
    /// Revoke a key.
    KeyRevoke = "key:revoke",
    /// Schedule a key's destruction.
    KeyScheduleDestroy = "key:schedule-destroy",
    /// Cancel a scheduled destruction.
    KeyCancelDestroy = "key:cancel-destroy",
    /// Destroy a key's material (scheduler or KMIP Destroy).
    KeyDestroy = "key:destroy",
    /// Archive a key.
    KeyArchive = "key:archive",
    /// Recover an archived key.
    KeyRecover = "key:recover",
    /// Export a key's material, wrapped.
    KeyExport = "key:export",
    /// Encrypt.
    KeyEncrypt = "key:encrypt",
    /// Decrypt.
    KeyDecrypt = "key:decrypt",
    /// Re-encrypt under another version or key.
    KeyReencrypt = "key:reencrypt",
    /// Make a data key wrapped under a managed key.
    KeyGenerateDataKey = "key:generate-data-key",
    /// Sign.
    KeySign = "key:sign",
    /// Verify a signature.
    KeyVerify = "key:verify",
    /// Compute a MAC.
    KeyMac = "key:mac",
    /// Check a MAC.
    KeyMacVerify = "key:mac-verify",
    /// KEM encapsulation.
    KeyEncapsulate = "key:encapsulate",
    /// KEM decapsulation.
    KeyDecapsulate = "key:decapsulate",
    /// Use a compromised key version to process data.
    KeyUseCompromised = "key:use-compromised",
    /// Get random bytes.
    RandomGenerate = "random:generate",
    /// Read audit events.
    AuditRead = "audit:read",
    /// Verify the audit chain.
    AuditVerify = "audit:verify",
    /// Read inventory and compliance reports, and alerts.
    ReportRead = "report:read",
    /// Read tenants.
    TenantRead = "tenant:read",
    /// Create or change tenants.
    TenantWrite = "tenant:write",
    /// Read principals.
    PrincipalRead = "principal:read",
    /// Create, change or delete principals, and grant roles.
    PrincipalWrite = "principal:write",
    /// Read roles.
    RoleRead = "role:read",
    /// Create or change roles.
    RoleWrite = "role:write",
    /// Read policies.
    PolicyRead = "policy:read",
    /// Create or change policies.
    PolicyWrite = "policy:write",
    /// Read tokens (never their secrets).
    TokenRead = "token:read",
    /// Issue tokens for principals.
    TokenCreate = "token:create",
    /// Revoke tokens.
    TokenRevoke = "token:revoke",
    /// Read pending approvals.
    ApprovalRead = "approval:read",
    /// Approve or deny a pending request.
    ApprovalDecide = "approval:decide",
    /// Take a backup.
    SysBackup = "sys:backup",
    /// Restore a backup.
    SysRestore = "sys:restore",
    /// Rotate the root key (and, when built, a tenant KEK).
    SysRotateRoot = "sys:rotate-root",
    /// Enroll or confirm one's own TOTP second factor (self-service: every
    /// principal may, for itself only).
    MfaEnroll = "mfa:enroll",
    /// Ask for a quorum approval of a request one may make (self-service:
    /// the operation checks the request's own action).
    ApprovalRequest = "approval:request",
    /// The scheduler warns that a key is about to be suspended as unused
    /// (audit events only: no interface offers it).
    KeyUnusedWarning = "key:unused-warning",
    /// The scheduler suspends a key unused for its tenant's period (audit
    /// events only; an alert).
    KeySuspendUnused = "key:suspend-unused",
    /// The scheduler marks a pending approval whose time is up expired
    /// (audit events only).
    ApprovalExpire = "approval:expire",
    /// Compute a message digest (KMIP Hash): uses no key.
    HashCompute = "hash:compute",
    /// Add a message of one's own to the audit trail (KMIP Log): the
    /// event records the caller and the message; it reads and changes
    /// nothing else.
    AuditAppend = "audit:append",
}

impl Action {
    /// Whether `*` and `family:*` patterns include the action. Using a
    /// compromised key (`key:use-compromised`) is granted only by naming it.
    pub const fn wildcard_grants(self) -> bool {
        !matches!(self, Self::KeyUseCompromised)
    }

    /// Whether the action writes access management (policies, roles,
    /// principals, tenants): a quorum request for it names the exact change
    /// and its target.
    pub const fn is_access_management(self) -> bool {
        matches!(
            self,
            Self::PolicyWrite | Self::RoleWrite | Self::PrincipalWrite | Self::TenantWrite
        )
    }

    /// Whether a quorum rule may name the action: the operations that spend
    /// an approval bound to their exact request (key and body, or
    /// access-management change, target and body) in the transaction of
    /// their change. A rule naming any other action is refused, never
    /// silently unenforced.
    pub const fn quorum_enforced(self) -> bool {
        matches!(
            self,
            Self::KeyRotate
                | Self::KeyActivate
                | Self::KeyDeactivate
                | Self::KeySuspend
                | Self::KeyResume
                | Self::KeyRevoke
                | Self::KeyScheduleDestroy
                | Self::KeyCancelDestroy
                | Self::KeyArchive
                | Self::KeyRecover
                | Self::KeyExport
                | Self::PolicyWrite
                | Self::RoleWrite
                | Self::PrincipalWrite
                | Self::TenantWrite
                | Self::SysRestore
                | Self::SysRotateRoot
        )
    }

    /// Whether a quorum rule may name the action: not the approval actions
    /// themselves, nor enrolling a second factor (approving needs one).
    pub const fn quorum_applies(self) -> bool {
        !matches!(
            self,
            Self::ApprovalRequest
                | Self::ApprovalDecide
                | Self::ApprovalRead
                | Self::ApprovalExpire
                | Self::MfaEnroll
        )
    }

    /// Whether the action acts only on the caller itself, so that no policy
    /// is needed for it (enrolling one's own second factor).
    pub const fn is_self_service(self) -> bool {
        matches!(self, Self::MfaEnroll | Self::ApprovalRequest)
    }

    /// Whether the operation itself decides the action once it has found
    /// what it acts on, rather than the service before it runs: key-scoped
    /// actions (decided with the key's name and tags) and reading one
    /// approval, which its requester may do without `approval:read`. An
    /// operation that decides nothing is decided against `*` after it
    /// runs, and its result is dropped if that refuses (fail closed).
    pub const fn is_decided_by_operation(self) -> bool {
        self.is_key_scoped() || matches!(self, Self::ApprovalRead)
    }

    /// Whether the action acts on one key, so that a policy decides it with
    /// that key's name and tags (`key/<glob>`, `tag/<name>=<value>`
    /// resources); other actions are decided against `*` only.
    pub const fn is_key_scoped(self) -> bool {
        matches!(
            self,
            Self::KeyCreate
                | Self::KeyImport
                | Self::KeyRead
                | Self::KeyUpdate
                | Self::KeyRotate
                | Self::KeyActivate
                | Self::KeyDeactivate
                | Self::KeySuspend
                | Self::KeyResume
                | Self::KeyRevoke
                | Self::KeyScheduleDestroy
                | Self::KeyCancelDestroy
                | Self::KeyDestroy
                | Self::KeyArchive
                | Self::KeyRecover
                | Self::KeyExport
                | Self::KeyEncrypt
                | Self::KeyDecrypt
                | Self::KeyReencrypt
                | Self::KeyGenerateDataKey
                | Self::KeySign
                | Self::KeyVerify
                | Self::KeyMac
                | Self::KeyMacVerify
                | Self::KeyEncapsulate
                | Self::KeyDecapsulate
                | Self::KeyUseCompromised
                | Self::KeyUnusedWarning
                | Self::KeySuspendUnused
        )
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Action {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|a| a.as_str() == s)
            .ok_or(CoreError::InvalidValue {
                field: "action",
                reason: "unknown action",
            })
    }
}

impl Serialize for Action {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Action {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_management_is_the_four_access_writes_all_under_quorum() {
        let access: Vec<Action> = Action::ALL
            .iter()
            .copied()
            .filter(|a| a.is_access_management())
            .collect();
        assert_eq!(
            access,
            [
                Action::TenantWrite,
                Action::PrincipalWrite,
                Action::RoleWrite,
                Action::PolicyWrite
            ]
        );
        assert!(access.iter().all(|a| a.quorum_enforced()));
    }

    #[test]
    fn names_are_unique_and_round_trip() {
        for (i, a) in Action::ALL.iter().enumerate() {
            assert_eq!(a.as_str().parse::<Action>().unwrap(), *a);
            assert!(
                Action::ALL
                    .iter()
                    .skip(i + 1)
                    .all(|b| b.as_str() != a.as_str())
            );
            let (family, verb) = a.as_str().split_once(':').unwrap();
            assert!(!family.is_empty() && !verb.is_empty());
        }
        assert!("key:fly".parse::<Action>().is_err());
        // Every key:* action but listing names one key; nothing else does.
        for a in Action::ALL {
            let family_key = a.as_str().starts_with("key:");
            assert_eq!(
                a.is_key_scoped(),
                family_key && *a != Action::KeyList,
                "{a}"
            );
        }
        for (i, a) in Action::ALL.iter().enumerate() {
            assert_eq!(a.index(), i);
        }
        assert!(Action::ALL.len() <= 128, "policy bit sets hold 128 actions");
        let json = serde_json::to_string(&Action::KeyEncrypt).unwrap();
        assert_eq!(json, "\"key:encrypt\"");
    }
}
