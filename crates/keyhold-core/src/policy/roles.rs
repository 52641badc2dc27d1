//! Built-in roles (DESIGN.md section 6) and separation of duties.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{ActionSet, Effect, PolicySet, ResourcePattern, Statement};
use crate::action::Action;
use crate::error::CoreError;
use crate::policy::Conditions;

/// The roles every tenant has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BuiltinRole {
    /// Everything in the tenant.
    Admin,
    /// Manages keys (create, rotate, revoke, destroy, import, export, ...);
    /// cannot use them.
    KeyCustodian,
    /// Uses keys (encrypt, decrypt, sign, ...); cannot manage them.
    KeyUser,
    /// Decides pending approvals.
    Approver,
    /// Reads the audit trail and reports, nothing else.
    Auditor,
}

const MANAGE: &[Action] = &[
    Action::KeyCreate,
    Action::KeyImport,
    Action::KeyList,
    Action::KeyRead,
    Action::KeyUpdate,
    Action::KeyRotate,
    Action::KeyActivate,
    Action::KeyDeactivate,
    Action::KeySuspend,
    Action::KeyResume,
    Action::KeyRevoke,
    Action::KeyScheduleDestroy,
    Action::KeyCancelDestroy,
    Action::KeyArchive,
    Action::KeyRecover,
    Action::KeyExport,
    Action::AuditAppend,
];

const USE: &[Action] = &[
    Action::KeyList,
    Action::KeyRead,
    Action::KeyEncrypt,
    Action::KeyDecrypt,
    Action::KeyReencrypt,
    Action::KeyGenerateDataKey,
    Action::KeySign,
    Action::KeyVerify,
    Action::KeyMac,
    Action::KeyMacVerify,
    Action::KeyEncapsulate,
    Action::KeyDecapsulate,
    Action::RandomGenerate,
    Action::HashCompute,
    Action::AuditAppend,
];

const APPROVE: &[Action] = &[Action::ApprovalRead, Action::ApprovalDecide];

const AUDIT: &[Action] = &[Action::AuditRead, Action::AuditVerify, Action::ReportRead];

impl BuiltinRole {
    /// Every built-in role.
    pub const ALL: [Self; 5] = [
        Self::Admin,
        Self::KeyCustodian,
        Self::KeyUser,
        Self::Approver,
        Self::Auditor,
    ];

    /// The role's name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::KeyCustodian => "key-custodian",
            Self::KeyUser => "key-user",
            Self::Approver => "approver",
            Self::Auditor => "auditor",
        }
    }

    /// The actions the role allows (on every resource of its tenant).
    pub fn actions(self) -> ActionSet {
        let list: &[Action] = match self {
            Self::Admin => return ActionSet::all(),
            Self::KeyCustodian => MANAGE,
            Self::KeyUser => USE,
            Self::Approver => APPROVE,
            Self::Auditor => AUDIT,
        };
        list.iter().fold(ActionSet::default(), |s, a| s.with(*a))
    }

    /// The role as a policy: one allow statement.
    pub fn policy(self) -> PolicySet {
        PolicySet::new(vec![Statement {
            effect: Effect::Allow,
            actions: self.actions(),
            resources: vec![ResourcePattern::Any],
            conditions: Conditions::default(),
        }])
    }
}

impl fmt::Display for BuiltinRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for BuiltinRole {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or(CoreError::InvalidValue {
                field: "role",
                reason: "unknown built-in role",
            })
    }
}

/// Two roles one principal may not hold together.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SodRule {
    /// One role.
    pub a: String,
    /// The other.
    pub b: String,
}

impl SodRule {
    /// The default rule: custodians do not use keys.
    pub fn default_rules() -> Vec<Self> {
        vec![Self {
            a: BuiltinRole::KeyCustodian.as_str().to_owned(),
            b: BuiltinRole::KeyUser.as_str().to_owned(),
        }]
    }
}

/// Checks a principal's roles against the rules; the first conflicting pair.
pub fn check_separation<'a>(
    roles: &[&'a str],
    rules: &'a [SodRule],
) -> Result<(), (&'a str, &'a str)> {
    for rule in rules {
        if roles.contains(&rule.a.as_str()) && roles.contains(&rule.b.as_str()) {
            return Err((rule.a.as_str(), rule.b.as_str()));
        }
    }
    Ok(())
}
