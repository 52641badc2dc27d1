//! A tenant's access settings: separation-of-duties rules, actions that
//! need a fresh TOTP code, quorum rules, and key hygiene periods. Stored as
//! JSON; unknown fields are refused so a typo never silently disables a rule.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::action::Action;
use crate::cryptoperiod::Cryptoperiod;
use crate::error::CoreError;
use crate::name::RoleName;
use crate::policy::SodRule;

/// How long an approval request waits by default: one day.
pub const DEFAULT_QUORUM_TTL_SECS: u64 = 86_400;

fn default_ttl() -> u64 {
    DEFAULT_QUORUM_TTL_SECS
}

/// Actions that wait for `required` approvals before they run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuorumRule {
    /// The actions this rule covers.
    pub actions: Vec<Action>,
    /// Approvals required (at least one; the requester never counts).
    pub required: u8,
    /// Seconds a request waits for its quorum before it expires.
    #[serde(default = "default_ttl")]
    pub ttl_secs: u64,
}

/// One tenant's access settings. Every field may be left out of the JSON
/// and then takes its default.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TenantSettings {
    /// Role pairs one principal may not hold together (default: custodian
    /// with user).
    pub sod_rules: Vec<SodRule>,
    /// Actions that need a fresh TOTP code with the request.
    pub mfa_actions: Vec<Action>,
    /// Actions that need a quorum of approvals.
    pub quorum_rules: Vec<QuorumRule>,
    /// Rotation period given to new keys that set none, in seconds.
    pub default_rotation_period_secs: Option<u64>,
    /// Cryptoperiod given to new keys that set neither period.
    pub default_cryptoperiod: Cryptoperiod,
    /// An active key neither used nor changed for this many days is
    /// suspended by the scheduler (see [`crate::idle`]).
    pub unused_key_days: Option<u32>,
    /// Warn this many days before an unused key is suspended (none when
    /// absent); at most `unused_key_days`.
    pub unused_key_warning_days: Option<u32>,
}

impl Default for TenantSettings {
    fn default() -> Self {
        Self {
            sod_rules: SodRule::default_rules(),
            mfa_actions: Vec::new(),
            quorum_rules: Vec::new(),
            default_rotation_period_secs: None,
            default_cryptoperiod: Cryptoperiod::NONE,
            unused_key_days: None,
            unused_key_warning_days: None,
        }
    }
}

fn invalid(field: &'static str, reason: &'static str) -> CoreError {
    CoreError::InvalidValue { field, reason }
}

impl TenantSettings {
    /// Checks the settings (called before they are stored): every quorum
    /// needs at least one approval and a non-zero time to live, an action
    /// falls under one quorum rule at most, and a separation rule names two
    /// different, well-formed roles.
    pub fn check(&self) -> Result<(), CoreError> {
        self.check_quorums()?;
        self.check_sod()?;
        if self.default_rotation_period_secs == Some(0) {
            return Err(invalid(
                "default_rotation_period_secs",
                "must be at least one second",
            ));
        }
        self.default_cryptoperiod.check()?;
        self.check_unused_rule()
    }

    /// An unused-key rule counts at least one day, and warns no earlier
    /// than the key's last use.
    fn check_unused_rule(&self) -> Result<(), CoreError> {
        match (self.unused_key_days, self.unused_key_warning_days) {
            (Some(0), _) => Err(invalid("unused_key_days", "must be at least one day")),
            (None, Some(_)) => Err(invalid("unused_key_warning_days", "needs unused_key_days")),
            (Some(days), Some(warning)) if warning > days => Err(invalid(
                "unused_key_warning_days",
                "must be at most unused_key_days",
            )),
            _ => Ok(()),
        }
    }

    fn check_quorums(&self) -> Result<(), CoreError> {
        let mut seen = BTreeSet::new();
        for rule in &self.quorum_rules {
            if rule.required == 0 {
                return Err(invalid(
                    "quorum_rules.required",
                    "a quorum needs at least one approval",
                ));
            }
            if rule.ttl_secs == 0 {
                return Err(invalid(
                    "quorum_rules.ttl_secs",
                    "must be at least one second",
                ));
            }
            if rule.actions.is_empty() {
                return Err(invalid(
                    "quorum_rules.actions",
                    "must name at least one action",
                ));
            }
            if !rule.actions.iter().all(|a| a.quorum_enforced()) {
                return Err(invalid(
                    "quorum_rules.actions",
                    "only key lifecycle changes (rotate, activate, deactivate, suspend, resume, \
                     revoke, schedule-destroy, cancel-destroy, archive, recover) and key:export \
                     can require approvals",
                ));
            }
            if !rule.actions.iter().all(|a| seen.insert(*a)) {
                return Err(invalid(
                    "quorum_rules.actions",
                    "an action may appear in one quorum rule only, once",
                ));
            }
        }
        Ok(())
    }

    fn check_sod(&self) -> Result<(), CoreError> {
        for rule in &self.sod_rules {
            for role in [&rule.a, &rule.b] {
                role.parse::<RoleName>()?;
            }
            if rule.a == rule.b {
                return Err(invalid("sod_rules", "a rule needs two different roles"));
            }
        }
        Ok(())
    }

    /// The quorum rule covering `action`, if any.
    pub fn quorum_for(&self, action: Action) -> Option<&QuorumRule> {
        self.quorum_rules
            .iter()
            .find(|r| r.actions.contains(&action))
    }

    /// Whether `action` needs a fresh TOTP code.
    pub fn mfa_required_for(&self, action: Action) -> bool {
        self.mfa_actions.contains(&action)
    }
}
