//! The unused-key rule: a tenant may have an active key that is neither
//! used nor changed for `unused_key_days` suspended, after a warning
//! `unused_key_warning_days` before (tenant settings,
//! [`TenantSettings`]). An unused key is a risk with no benefit (NIST SP
//! 800-57 Part 1 section 8.3.4 asks that keys no longer needed be taken out
//! of service); suspension is reversible (resume).
//!
//! A key is idle since the later of its last use and its last change
//! (`updated_at`: creation, activation, rotation, resumption, any metadata
//! change): a person who just resumed or edited a key has shown it is
//! wanted. Pure: the caller passes the time.

use crate::access::TenantSettings;
use crate::model::Key;
use crate::time::Timestamp;

/// Seconds in a day.
const DAY_SECS: i64 = 86_400;

/// A tenant's unused-key rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnusedRule {
    /// Days idle after which a key is suspended (at least one).
    pub days: u32,
    /// Days before the suspension that the warning comes (at most `days`;
    /// zero: no warning window, the suspension is the first notice).
    pub warning_days: u32,
}

/// What the rule says about one key now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Idleness {
    /// Used or changed recently enough: nothing to do.
    InUse,
    /// In its warning window, and not warned since it went idle: warn now.
    Warn {
        /// When it will be suspended unless used.
        suspend_at: Timestamp,
    },
    /// In its warning window and warned already: nothing to do.
    Warned,
    /// Idle for the whole period: suspend it.
    Suspend {
        /// Since when it has been idle.
        idle_since: Timestamp,
    },
}

impl UnusedRule {
    /// The tenant's rule, if it has one.
    pub fn of(settings: &TenantSettings) -> Option<Self> {
        let days = settings.unused_key_days.filter(|d| *d > 0)?;
        let warning_days = settings.unused_key_warning_days.unwrap_or(0).min(days);
        Some(Self { days, warning_days })
    }

    /// Keys idle since at least this time are due for suspension.
    pub fn suspend_before(&self, now: Timestamp) -> Timestamp {
        now.plus_seconds(-i64::from(self.days) * DAY_SECS)
    }

    /// Keys idle since at least this time are in their warning window.
    pub fn warn_before(&self, now: Timestamp) -> Timestamp {
        let window = i64::from(self.days) - i64::from(self.warning_days);
        now.plus_seconds(-window * DAY_SECS)
    }

    /// What to do about `key` at `now`. The caller asks only about keys
    /// whose primary version is Active.
    pub fn judge(&self, key: &Key, now: Timestamp) -> Idleness {
        let since = idle_since(key);
        if since <= self.suspend_before(now) {
            return Idleness::Suspend { idle_since: since };
        }
        if since > self.warn_before(now) {
            return Idleness::InUse;
        }
        match key.idle_warned_at {
            Some(warned) if warned >= since => Idleness::Warned,
            _ => Idleness::Warn {
                suspend_at: since.plus_seconds(i64::from(self.days) * DAY_SECS),
            },
        }
    }
}

/// Since when `key` has been idle: the later of its last use and its last
/// change.
pub fn idle_since(key: &Key) -> Timestamp {
    key.last_used_at
        .map_or(key.updated_at, |used| used.max(key.updated_at))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::cryptoperiod::Cryptoperiod;
    use crate::ids::{KeyId, TenantId, VersionNumber};
    use crate::model::{Origin, Protection};
    use crate::{Algorithm, UsageMask};

    const NOW: Timestamp = Timestamp::from_unix_seconds(1_800_000_000);
    const RULE: UnusedRule = UnusedRule {
        days: 90,
        warning_days: 14,
    };

    fn days_ago(days: i64) -> Timestamp {
        NOW.plus_seconds(-days * DAY_SECS)
    }

    fn key(changed: i64, used: Option<i64>, warned: Option<i64>) -> Key {
        Key {
            id: KeyId::from_bytes([1; 16]),
            tenant: TenantId::from_bytes([2; 16]),
            name: "k".parse().unwrap(),
            description: String::new(),
            tags: BTreeMap::new(),
            algorithm: Algorithm::Aes256Gcm,
            usage: UsageMask::ENCRYPT,
            protection: Protection::Software,
            origin: Origin::Generated,
            exportable: false,
            owner: None,
            rotation_period_secs: None,
            next_rotation_at: None,
            primary_version: VersionNumber::FIRST,
            destroy_scheduled_at: None,
            created_at: days_ago(1000),
            updated_at: days_ago(changed),
            cryptoperiod: Cryptoperiod::NONE,
            recipient_usage_end: None,
            last_used_at: used.map(days_ago),
            idle_warned_at: warned.map(days_ago),
            crypto_params: None,
            kmip: Default::default(),
        }
    }

    #[test]
    fn judge_follows_the_table() {
        use Idleness::{InUse, Warned};
        let warn = |idle: i64| Idleness::Warn {
            suspend_at: days_ago(idle - 90),
        };
        let suspend = |idle: i64| Idleness::Suspend {
            idle_since: days_ago(idle),
        };
        // (days since change, days since use, days since warning, expected)
        let cases = [
            (10, None, None, InUse),
            (75, None, None, InUse),
            (76, None, None, warn(76)),
            (80, Some(100), None, warn(80)),
            (100, Some(80), None, warn(80)),
            (100, Some(10), None, InUse),
            (80, None, Some(79), Warned),
            (80, None, Some(80), Warned),
            (80, None, Some(81), warn(80)),
            (89, None, Some(5), Warned),
            (90, None, Some(5), suspend(90)),
            (90, None, None, suspend(90)),
            (400, Some(200), Some(100), suspend(200)),
        ];
        for (changed, used, warned, want) in cases {
            let k = key(changed, used, warned);
            assert_eq!(
                RULE.judge(&k, NOW),
                want,
                "changed {changed} used {used:?} warned {warned:?}"
            );
        }
    }

    #[test]
    fn limits_count_back_from_now() {
        assert_eq!(RULE.suspend_before(NOW), days_ago(90));
        assert_eq!(RULE.warn_before(NOW), days_ago(76));
        let no_window = UnusedRule {
            days: 30,
            warning_days: 0,
        };
        assert_eq!(no_window.warn_before(NOW), no_window.suspend_before(NOW));
        assert_eq!(no_window.judge(&key(29, None, None), NOW), Idleness::InUse);
    }

    #[test]
    fn a_rule_needs_days_and_bounds_its_warning() {
        let mut s = TenantSettings::default();
        assert_eq!(UnusedRule::of(&s), None);
        s.unused_key_days = Some(0);
        assert_eq!(UnusedRule::of(&s), None);
        s.unused_key_days = Some(30);
        assert_eq!(
            UnusedRule::of(&s),
            Some(UnusedRule {
                days: 30,
                warning_days: 0
            })
        );
        s.unused_key_warning_days = Some(45);
        assert_eq!(UnusedRule::of(&s).map(|r| r.warning_days), Some(30));
    }
}
