//! The tick's unused-key rule: for each tenant that has one
//! ([`UnusedRule`]), one page of its idle keys, each warned or suspended as
//! the rule says, through a request of the server itself in the tenant
//! (interface `scheduler`, audited as `key:unused-warning` or
//! `key:suspend-unused`). A tenant with more idle keys than a page is
//! worked through in turns: the next tick goes on after the last key read.

use keyhold_core::audit::Interface;
use keyhold_core::idle::{Idleness, UnusedRule};
use keyhold_core::{Action, Key, KeyRef, TenantId, Timestamp};
use keyhold_store::IdleQuery;

use super::{Scheduler, TickReport};
use crate::ops::Credentials;

impl Scheduler {
    /// Applies every tenant's unused-key rule.
    pub(super) fn apply_unused_rules(&self, now: Timestamp, report: &mut TickReport) {
        let rules = match self.ops.unused_key_rules() {
            Ok(rules) => rules,
            Err(e) => {
                tracing::warn!(error = %e, "scheduler cannot read the unused-key rules");
                report.failed += 1;
                return;
            }
        };
        for (tenant, rule) in rules {
            self.apply_unused_rule(tenant, rule, now, report);
        }
    }

    /// One page of one tenant's idle keys.
    fn apply_unused_rule(
        &self,
        tenant: TenantId,
        rule: UnusedRule,
        now: Timestamp,
        report: &mut TickReport,
    ) {
        let query = IdleQuery {
            tenant,
            warn_before: rule.warn_before(now),
            suspend_before: rule.suspend_before(now),
            after: self.idle_cursor(tenant),
            limit: self.batch,
        };
        let keys = match self.ops.keys_idle(&query) {
            Ok(keys) => keys,
            Err(e) => {
                tracing::warn!(%tenant, error = %e, "scheduler cannot scan for unused keys");
                report.failed += 1;
                return;
            }
        };
        let full = u32::try_from(keys.len()).is_ok_and(|n| n >= self.batch);
        self.save_idle_cursor(tenant, keys.last().filter(|_| full).map(|k| k.id));
        for key in &keys {
            self.judge_idle(key, rule, now, report);
        }
    }

    /// Warns or suspends one idle key, as the rule says.
    fn judge_idle(&self, key: &Key, rule: UnusedRule, now: Timestamp, report: &mut TickReport) {
        let step = match rule.judge(key, now) {
            Idleness::Warn { .. } => Step::Warn,
            Idleness::Suspend { .. } => Step::Suspend,
            Idleness::InUse | Idleness::Warned => return,
        };
        let creds = Credentials::internal(key.tenant, Interface::Scheduler);
        let key_ref = KeyRef::Id(key.id);
        let done = self
            .ops
            .perform_blocking(creds, step.action(), |ops, caller| match step {
                Step::Warn => ops.warn_unused_key(caller, &key_ref),
                Step::Suspend => ops.suspend_unused_key(caller, &key_ref),
            });
        match done {
            Ok(_) => *step.counter(report) += 1,
            Err(e) => {
                tracing::warn!(key = %key.id, action = %step.action(), error = %e, "unused-key rule failed");
                report.failed += 1;
            }
        }
    }

    /// Where the tenant's next scan starts.
    fn idle_cursor(&self, tenant: TenantId) -> Option<keyhold_core::KeyId> {
        self.idle_cursors
            .lock()
            .ok()
            .and_then(|c| c.get(&tenant).copied())
    }

    fn save_idle_cursor(&self, tenant: TenantId, after: Option<keyhold_core::KeyId>) {
        if let Ok(mut cursors) = self.idle_cursors.lock() {
            match after {
                Some(key) => cursors.insert(tenant, key),
                None => cursors.remove(&tenant),
            };
        }
    }
}

/// What the rule has the scheduler do about one key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    /// Warn that it will be suspended.
    Warn,
    /// Suspend it.
    Suspend,
}

impl Step {
    /// The action it is audited as.
    const fn action(self) -> Action {
        match self {
            Self::Warn => Action::KeyUnusedWarning,
            Self::Suspend => Action::KeySuspendUnused,
        }
    }

    /// Its count in the report.
    fn counter(self, report: &mut TickReport) -> &mut usize {
        match self {
            Self::Warn => &mut report.unused_warned,
            Self::Suspend => &mut report.unused_suspended,
        }
    }
}
