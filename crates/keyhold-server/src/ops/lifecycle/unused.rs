//! The unused-key rule on the server ([`keyhold_core::idle`]): the
//! scheduler's scan of a tenant's idle keys, its warning, and its
//! suspension. Each step re-reads the tenant's rule and the key inside its
//! write transaction and acts only if the rule still says so (`not_due`
//! otherwise, and nothing changes), so a tick run twice warns and suspends
//! once.
//!
//! Both steps log at WARN level and are audited under their own actions,
//! `key:unused-warning` and `key:suspend-unused` (interface `scheduler`),
//! which a SIEM sink matches as alerts.

use keyhold_api::keys::KeyInfo;
use keyhold_core::idle::{Idleness, UnusedRule};
use keyhold_core::{Key, KeyRef, LifecycleEvent, TenantId, Timestamp};
use keyhold_store::{IdleQuery, ReadTx, TxError};

use super::{KeyAction, KeyRows, apply};
use crate::error::ServerError;
use crate::ops::{Caller, Operations};
use crate::vault::tx_error;

impl Operations {
    /// Every tenant that has an unused-key rule, with its rule.
    pub fn unused_key_rules(&self) -> Result<Vec<(TenantId, UnusedRule)>, ServerError> {
        self.store
            .read(|tx| {
                let mut rules = Vec::new();
                for tenant in tx.tenants()? {
                    if let Some(rule) = rule_of(tx, tenant.id)? {
                        rules.push((tenant.id, rule));
                    }
                }
                Ok::<_, TxError<ServerError>>(rules)
            })
            .map_err(tx_error)
    }

    /// One page of a tenant's unused-key scan ([`IdleQuery`]).
    pub fn keys_idle(&self, query: &IdleQuery) -> Result<Vec<Key>, ServerError> {
        self.store
            .read(|tx| Ok::<_, TxError<ServerError>>(tx.keys_idle(query)?))
            .map_err(tx_error)
    }

    /// Records that the key entered its warning window (the scheduler), if
    /// its tenant's rule says so now; logs a warning naming the date it
    /// will be suspended.
    pub fn warn_unused_key(&self, caller: &Caller, key: &KeyRef) -> Result<KeyInfo, ServerError> {
        self.vault.unlocked()?;
        let now = self.now();
        let tenant = caller.tenant.id;
        let (info, suspend_at) = self.write_audited(caller, |tx| {
            let rows = KeyRows::load(tx, tenant, key)?;
            caller.admit_key(&rows.key, None).map_err(TxError::Abort)?;
            let rule = rule_of(tx, tenant)?;
            let Some(Idleness::Warn { suspend_at }) = judge(rule, &rows, now) else {
                return Err(TxError::Abort(not_due(
                    KeyAction::WarnUnused,
                    rule,
                    &rows.key,
                )));
            };
            tx.key_mark_idle_warned(tenant, rows.key.id, now)?;
            caller.note("suspend_at", suspend_at.to_string());
            Ok((rows.info().map_err(TxError::Abort)?, suspend_at))
        })?;
        tracing::warn!(key = %info.id, name = %info.name, %suspend_at, "key unused: it will be suspended unless it is used");
        Ok(info)
    }

    /// Suspends a key idle for its tenant's whole period (the scheduler),
    /// if the rule says so now (the key is judged inside the write
    /// transaction; the rule is read just before it); logs an alert.
    pub fn suspend_unused_key(
        &self,
        caller: &Caller,
        key: &KeyRef,
    ) -> Result<KeyInfo, ServerError> {
        let rule = self.store_rule(caller.tenant.id)?;
        let mut since = None;
        let info = self.change_key(caller, key, |rows, now| {
            let Some(Idleness::Suspend { idle_since }) = judge(rule, rows, now) else {
                return Err(not_due(KeyAction::SuspendUnused, rule, &rows.key));
            };
            since = Some(idle_since);
            caller.note("idle_since", idle_since.to_string());
            apply(rows.primary_mut()?, LifecycleEvent::Suspend, now)
        })?;
        tracing::warn!(key = %info.id, name = %info.name, idle_since = ?since, "ALERT: key suspended as unused");
        Ok(info)
    }

    /// The tenant's unused-key rule, read on its own.
    fn store_rule(&self, tenant: TenantId) -> Result<Option<UnusedRule>, ServerError> {
        self.store.read(|tx| rule_of(tx, tenant)).map_err(tx_error)
    }
}

/// The tenant's unused-key rule, if its settings have one.
fn rule_of<T: ReadTx + ?Sized>(
    tx: &mut T,
    tenant: TenantId,
) -> Result<Option<UnusedRule>, TxError<ServerError>> {
    Ok(tx
        .tenant_settings(tenant)?
        .as_ref()
        .and_then(UnusedRule::of))
}

/// What the rule says about the key now: only an Active primary is judged.
fn judge(rule: Option<UnusedRule>, rows: &KeyRows, now: Timestamp) -> Option<Idleness> {
    let primary = rows.primary().ok()?;
    let in_service = primary.state == keyhold_core::KeyState::Active
        && !primary.archived
        && rows.key.destroy_scheduled_at.is_none();
    in_service.then(|| rule.map(|r| r.judge(&rows.key, now)))?
}

/// `not_due`, naming when the key would be suspended under `rule`.
fn not_due(action: KeyAction, rule: Option<UnusedRule>, key: &Key) -> ServerError {
    let due = rule.map(|r| {
        let since = keyhold_core::idle::idle_since(key);
        since.plus_seconds(i64::from(r.days) * 86_400)
    });
    ServerError::NotDue { action, due }
}
