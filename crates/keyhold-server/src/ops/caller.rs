//! The caller of one request: who it is, what it asked for, and what its
//! audit event will say. Authorization happens here, once per resource:
//! actions that act on a key are decided with that key's name and tags when
//! the operation finds it ([`Caller::admit_key`]); every other action is
//! decided before the operation runs ([`Caller::authorize_unscoped`]).

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};

use keyhold_core::audit::{AuditRecord, AuthMethod, Interface, Outcome};
use keyhold_core::policy::{Denial, KeyFacts, RequestFacts};
use keyhold_core::{Action, Key, KeyId, RequestId, Tenant, Timestamp, VersionNumber};

use super::access::identity::{Identity, principal_id};
use crate::error::ServerError;

/// What the audit event of a request says besides who asked and how it
/// ended, and what authorization has decided so far: filled in by the
/// operation as it finds its key.
#[derive(Debug, Default)]
pub(super) struct Notes {
    key: Option<KeyId>,
    version: Option<VersionNumber>,
    context: BTreeMap<String, String>,
    /// The request's encryption context, for policy conditions.
    encryption_context: Option<BTreeMap<String, String>>,
    /// Keys this request was allowed to act on.
    allowed_keys: Vec<KeyId>,
    /// Every key this request found, allowed or not: the keys a write of
    /// this request may have changed.
    touched: Vec<KeyId>,
    /// Whether the action was decided without a key.
    allowed_unscoped: bool,
    /// Set once the operation wrote its event in its own transaction.
    pub(super) recorded: Option<u64>,
    /// The tenant the event names, when not the caller's own (a restore
    /// replaced the caller's tenant with the backup's).
    tenant: Option<keyhold_core::TenantId>,
}

/// Who is asking, for what: established by
/// [`Operations::perform`](super::Operations::perform).
#[derive(Debug)]
pub struct Caller {
    /// The caller's tenant.
    pub tenant: Arc<Tenant>,
    /// The request.
    pub request_id: RequestId,
    /// The action asked for.
    pub action: Action,
    pub(crate) identity: Identity,
    /// Whether a valid, fresh TOTP code came with the request.
    pub(crate) mfa: bool,
    /// The approved quorum request this request carries out, if any.
    pub(crate) approval: Option<keyhold_core::ApprovalId>,
    pub(super) auth: AuthMethod,
    pub(super) source: Option<IpAddr>,
    pub(super) interface: Interface,
    pub(super) received: Timestamp,
    pub(super) notes: Mutex<Notes>,
}

impl Caller {
    /// Admits a use of `key` by this request: decides the action on this
    /// key (once per key) and records the key for the audit event (the
    /// first key a request touches is its resource; a second, such as a
    /// re-encryption's destination, goes into the context).
    pub(crate) fn admit_key(
        &self,
        key: &Key,
        version: Option<VersionNumber>,
    ) -> Result<(), ServerError> {
        self.with_notes(|n| {
            if !n.touched.contains(&key.id) {
                n.touched.push(key.id);
            }
        });
        // Noted first, so a refusal's audit event names the key too.
        self.with_notes(|n| match n.key {
            None => {
                n.key = Some(key.id);
                n.version = version;
                n.context
                    .insert("algorithm".into(), key.algorithm.as_str().into());
            }
            Some(first) if first == key.id => n.version = n.version.or(version),
            Some(_) => {
                n.context.insert("other_key".into(), key.id.to_string());
            }
        });
        let decided = self.with_notes(|n| n.allowed_keys.contains(&key.id));
        if !decided && self.action.is_key_scoped() {
            let facts = KeyFacts {
                name: key.name.as_str(),
                tags: &key.tags,
            };
            self.decide(Some(facts))?;
            self.with_notes(|n| n.allowed_keys.push(key.id));
        }
        Ok(())
    }

    /// Admits a use of a second key by this request for another action
    /// than the request's own: the key a KMIP Get (`key:export`) wraps the
    /// exported key under must allow the caller `key:encrypt`. The audit
    /// event names the key in its context under `role`; the action is
    /// refused as `action` when the caller may not.
    pub(crate) fn admit_key_for(
        &self,
        key: &Key,
        action: Action,
        role: &'static str,
    ) -> Result<(), ServerError> {
        self.with_notes(|n| {
            if !n.touched.contains(&key.id) {
                n.touched.push(key.id);
            }
            n.context.insert(role.into(), key.id.to_string());
        });
        let facts = KeyFacts {
            name: key.name.as_str(),
            tags: &key.tags,
        };
        self.evaluate(action, Some(facts)).map_err(|denial| {
            tracing::debug!(request_id = %self.request_id, %action, ?denial, "denied");
            ServerError::PermissionDenied { action }
        })
    }

    /// Decides the action without a key (resources `*` only): every action
    /// that is not key-scoped, before its operation runs, and a key-scoped
    /// one whose operation touches no key (an import token).
    pub(crate) fn authorize_unscoped(&self) -> Result<(), ServerError> {
        if self.with_notes(|n| n.allowed_unscoped) {
            return Ok(());
        }
        self.decide(None)?;
        self.with_notes(|n| n.allowed_unscoped = true);
        Ok(())
    }

    /// Admits a request about the caller's own doing (its own approval
    /// request) without a policy: nothing is decided against `*`.
    pub(crate) fn admit_own(&self, owner: keyhold_core::PrincipalId) -> Result<(), ServerError> {
        if principal_id(&self.identity) == Some(owner) {
            self.with_notes(|n| n.allowed_unscoped = true);
            Ok(())
        } else {
            self.authorize_unscoped()
        }
    }

    /// Every key this request found ([`admit_key`](Self::admit_key)).
    pub(super) fn touched_keys(&self) -> Vec<KeyId> {
        self.with_notes(|n| n.touched.clone())
    }

    /// Whether authorization has decided anything for this request.
    pub(super) fn decided(&self) -> bool {
        self.with_notes(|n| n.allowed_unscoped || !n.allowed_keys.is_empty())
    }

    /// Whether the caller may act on tenants other than its own: the root
    /// token, the server, and principals marked global admins.
    pub(crate) fn is_global(&self) -> bool {
        match &self.identity {
            Identity::Root | Identity::Internal => true,
            Identity::Principal(r) => r.principal.global_admin,
        }
    }

    /// Refuses a request about tenant `name` unless it is the caller's own
    /// or the caller is global ([`is_global`](Self::is_global)).
    pub(crate) fn reach_tenant(&self, name: &keyhold_core::TenantName) -> Result<(), ServerError> {
        if *name == self.tenant.name || self.is_global() {
            Ok(())
        } else {
            Err(ServerError::PermissionDenied {
                action: self.action,
            })
        }
    }

    /// Refuses a request about tenants in general (create, list) unless the
    /// caller is global.
    pub(crate) fn require_global(&self) -> Result<(), ServerError> {
        if self.is_global() {
            Ok(())
        } else {
            Err(ServerError::PermissionDenied {
                action: self.action,
            })
        }
    }

    /// Whether this caller may also do `action` on `key` (or, without a
    /// key, on `*`): no audit, no error.
    pub(crate) fn may(&self, action: Action, key: Option<&Key>) -> bool {
        let facts = key.map(|key| KeyFacts {
            name: key.name.as_str(),
            tags: &key.tags,
        });
        self.evaluate(action, facts).is_ok()
    }

    /// Whether this caller may process data with a compromised version of
    /// `key`: only a principal granted `key:use-compromised` by name, never
    /// the root token or the server.
    pub(crate) fn may_use_compromised(&self, key: &Key) -> bool {
        matches!(self.identity, Identity::Principal(_))
            && self.may(Action::KeyUseCompromised, Some(key))
    }

    fn decide(&self, key: Option<KeyFacts<'_>>) -> Result<(), ServerError> {
        self.evaluate(self.action, key).map_err(|denial| {
            tracing::debug!(request_id = %self.request_id, action = %self.action, ?denial, "denied");
            ServerError::PermissionDenied {
                action: self.action,
            }
        })
    }

    fn evaluate(&self, action: Action, key: Option<KeyFacts<'_>>) -> Result<(), Denial> {
        let resolved = match &self.identity {
            Identity::Root | Identity::Internal => return Ok(()),
            Identity::Principal(r) => r,
        };
        let context = self.with_notes(|n| n.encryption_context.clone());
        let facts = RequestFacts {
            source: self.source,
            now: self.received,
            mfa: self.mfa,
            token_age_secs: resolved.token_age_secs(self.received),
            context: context.as_ref(),
        };
        resolved.policies.evaluate(action, key, &facts)
    }

    /// Records the request's encryption context (non-secret by definition:
    /// it is bound as AAD and audited, as DESIGN.md section 5 says) and
    /// hands it to policy conditions.
    pub(crate) fn note_context(&self, context: &BTreeMap<String, String>) {
        self.with_notes(|n| {
            for (k, v) in context {
                n.context.insert(format!("context.{k}"), v.clone());
            }
            n.encryption_context = Some(context.clone());
        });
    }

    /// Records a non-secret detail of the request.
    pub(crate) fn note(&self, name: &str, value: impl Into<String>) {
        self.with_notes(|n| {
            n.context.insert(name.to_owned(), value.into());
        });
    }

    /// Records the request's event under `tenant` instead of the caller's
    /// (after a restore, the caller's tenant is no longer in the store).
    pub(super) fn note_tenant(&self, tenant: keyhold_core::TenantId) {
        self.with_notes(|n| n.tenant = Some(tenant));
    }

    pub(super) fn with_notes<R>(&self, f: impl FnOnce(&mut Notes) -> R) -> R {
        let mut notes = self.notes.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut notes)
    }

    /// The audit record of this request, ending with `outcome`.
    pub(super) fn record(&self, outcome: Outcome) -> AuditRecord {
        self.with_notes(|n| AuditRecord {
            time: self.received,
            request_id: self.request_id,
            tenant: Some(n.tenant.unwrap_or(self.tenant.id)),
            principal: principal_id(&self.identity),
            auth: self.auth,
            source: self.source,
            interface: self.interface,
            action: self.action,
            key: n.key,
            version: n.version,
            outcome,
            context: n.context.clone(),
        })
    }
}
