//! Schema-only types for the access-management bodies that embed core types
//! (policy statements, tenant settings, principal kinds): see
//! [`crate::schema`] for why they exist. Nothing is ever built from them;
//! tests compare them with the core's serde forms.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

/// The kind of a principal (`keyhold_core::PrincipalKind`).
#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
#[schema(as = PrincipalKind)]
pub enum PrincipalKindSchema {
    /// A person.
    User,
    /// An application or machine.
    Service,
}

/// Allow or deny (`keyhold_core::policy::Effect`).
#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = Effect)]
pub enum EffectSchema {
    /// Permit the matching requests.
    Allow,
    /// Refuse them, whatever else allows them.
    Deny,
}

/// A daily window in UTC (`keyhold_core::policy::TimeWindow`).
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(as = TimeWindow)]
#[serde(deny_unknown_fields)]
pub struct TimeWindowSchema {
    /// Minutes after midnight UTC when the window opens.
    #[schema(minimum = 0, maximum = 1439)]
    pub start_minute: u16,
    /// Minutes after midnight UTC when it closes (before `start_minute`:
    /// the window wraps past midnight).
    #[schema(minimum = 0, maximum = 1439)]
    pub end_minute: u16,
    /// Weekdays, 0 = Monday ... 6 = Sunday; every day when empty.
    #[serde(default)]
    pub weekdays: Vec<u8>,
}

/// The conditions of a statement, all of which must hold
/// (`keyhold_core::policy::Conditions`).
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(as = Conditions)]
#[serde(deny_unknown_fields)]
pub struct ConditionsSchema {
    /// The request must come from one of these networks.
    #[serde(default)]
    #[schema(example = json!(["10.0.0.0/8"]))]
    pub source_cidrs: Vec<String>,
    /// The request must fall in this window.
    #[serde(default)]
    pub time_window: Option<TimeWindowSchema>,
    /// A fresh MFA code must come with the request.
    #[serde(default)]
    pub mfa_required: bool,
    /// The token must be at most this old, in seconds.
    #[serde(default)]
    pub max_token_age_secs: Option<u64>,
    /// The encryption context must hold these keys with these values.
    #[serde(default)]
    pub context_equals: BTreeMap<String, String>,
    /// The encryption context must hold these keys.
    #[serde(default)]
    pub context_keys: Vec<String>,
}

/// One policy statement (`keyhold_core::policy::StatementSpec`).
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(as = Statement)]
#[serde(deny_unknown_fields)]
pub struct StatementSchema {
    /// Allow or deny.
    pub effect: EffectSchema,
    /// Action patterns: an action (`key:encrypt`), a family (`key:*`) or
    /// `*`.
    #[schema(example = json!(["key:encrypt", "key:decrypt"]))]
    pub actions: Vec<String>,
    /// Resource patterns: `*`, `key/<name glob>`, `tag/<name>=<value>`.
    #[schema(example = json!(["key/payments-*"]))]
    pub resources: Vec<String>,
    /// Conditions; none when omitted.
    #[serde(default)]
    pub conditions: Option<ConditionsSchema>,
}

/// Two roles one principal may not hold together
/// (`keyhold_core::policy::SodRule`).
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(as = SodRule)]
#[serde(deny_unknown_fields)]
pub struct SodRuleSchema {
    /// One role.
    #[schema(example = "key-custodian")]
    pub a: String,
    /// The other.
    #[schema(example = "key-user")]
    pub b: String,
}

/// Actions that wait for approvals (`keyhold_core::QuorumRule`).
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(as = QuorumRule)]
#[serde(deny_unknown_fields)]
pub struct QuorumRuleSchema {
    /// The actions covered (`key:export`, ...).
    pub actions: Vec<String>,
    /// Approvals required: at least one, and no more than the tenant's
    /// eligible approvers (principals holding `approver` or `admin`, not
    /// disabled).
    #[schema(minimum = 1, maximum = 255)]
    pub required: u8,
    /// Seconds a request waits for its quorum (one day when omitted).
    #[serde(default)]
    #[schema(minimum = 1)]
    pub ttl_secs: Option<u64>,
}

/// A tenant's access settings (`keyhold_core::TenantSettings`); every field
/// may be left out and then takes its default.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(as = TenantSettings)]
#[serde(deny_unknown_fields)]
pub struct TenantSettingsSchema {
    /// Role pairs one principal may not hold together (default:
    /// `key-custodian` with `key-user`).
    #[serde(default)]
    pub sod_rules: Vec<SodRuleSchema>,
    /// Actions that need a fresh TOTP code.
    #[serde(default)]
    pub mfa_actions: Vec<String>,
    /// Actions that need a quorum of approvals.
    #[serde(default)]
    pub quorum_rules: Vec<QuorumRuleSchema>,
    /// Rotation period given to new keys that set none, in seconds.
    #[serde(default)]
    #[schema(minimum = 1)]
    pub default_rotation_period_secs: Option<u64>,
    /// Cryptoperiod given to new keys that set neither period.
    #[serde(default)]
    pub default_cryptoperiod: CryptoperiodSchema,
    /// An active key neither used nor changed for this many days is
    /// suspended by the scheduler.
    #[serde(default)]
    #[schema(minimum = 1)]
    pub unused_key_days: Option<u32>,
    /// Warn this many days before an unused key is suspended (at most
    /// `unused_key_days`).
    #[serde(default)]
    pub unused_key_warning_days: Option<u32>,
}

/// A cryptoperiod (NIST SP 800-57): originator- and recipient-usage
/// periods, in seconds, each optional.
#[derive(Clone, Debug, Default, Serialize, ToSchema)]
#[schema(as = Cryptoperiod)]
#[serde(deny_unknown_fields)]
pub struct CryptoperiodSchema {
    /// How long each version may protect, from its activation.
    #[serde(default)]
    #[schema(minimum = 3600, maximum = 946080000)]
    pub originator_usage_secs: Option<u64>,
    /// How long each version may process, from its activation; then it is
    /// deactivated.
    #[serde(default)]
    #[schema(minimum = 3600, maximum = 946080000)]
    pub recipient_usage_secs: Option<u64>,
}
