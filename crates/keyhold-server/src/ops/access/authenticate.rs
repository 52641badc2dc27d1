//! Authentication: from what a request presents to a [`Caller`] — the root
//! token, a principal's bearer token or client certificate, or the server
//! itself — in the right tenant, with its MFA state. The tenant's MFA rule
//! for the action is enforced here; policies are decided by the caller as
//! the operation runs.

use std::sync::{Arc, Mutex};

use keyhold_core::audit::AuthMethod;
use keyhold_core::{Action, Tenant};
use keyhold_store::TxError;

use super::identity::{CacheKey, Identity, Resolved, resolve_in};
use crate::auth::TokenHash;
use crate::error::ServerError;
use crate::ops::{Caller, Credentials, Operations, Proof};
use crate::vault::tx_error;

impl Operations {
    /// Checks the credentials: the caller, or why not.
    pub(in crate::ops) fn authenticate(
        &self,
        creds: &Credentials,
        action: Action,
    ) -> Result<Caller, ServerError> {
        self.vault.unlocked()?;
        self.authenticate_as(creds, action, self.identify(creds))
    }

    /// [`authenticate`](Self::authenticate) with who the credentials name
    /// already looked up (by [`identify`](Self::identify) or
    /// [`identify_from_memory`](Self::identify_from_memory)).
    pub(in crate::ops) fn authenticate_as(
        &self,
        creds: &Credentials,
        action: Action,
        identified: Result<(Identity, AuthMethod), ServerError>,
    ) -> Result<Caller, ServerError> {
        self.vault.unlocked()?;
        let now = self.now();
        let (identity, auth) = identified?;
        let tenant = match &identity {
            Identity::Root => self.named_tenant(creds)?,
            Identity::Internal => match creds.proof {
                Proof::Internal(id) => self.tenant(id)?,
                _ => return Err(ServerError::Unauthenticated),
            },
            Identity::Principal(r) => {
                r.admit(now, creds.source)?;
                self.principal_tenant(r, creds, action)?
            }
        };
        let mfa = match (&identity, &creds.mfa) {
            (Identity::Principal(r), Some(code)) => {
                self.check_totp(r, code)?;
                true
            }
            _ => false,
        };
        if let Identity::Principal(r) = &identity {
            if r.settings.mfa_required_for(action) && !mfa {
                return Err(ServerError::MfaRequired { action });
            }
        }
        Ok(Caller {
            tenant,
            request_id: creds.request_id,
            action,
            identity,
            mfa,
            approval: creds.approval,
            auth,
            source: creds.source,
            interface: creds.interface,
            received: now,
            notes: Mutex::default(),
        })
    }

    /// Who the credentials name, when authenticating them reads nothing
    /// from the store: no TOTP code (checking one writes its step), no
    /// tenant named (a read), not the scheduler (its tenant is a read), and
    /// a credential that is the root token, none at all (refused), or a
    /// principal's that is cached. `None` when the store is needed. Decides
    /// nothing: [`authenticate_as`](Self::authenticate_as) still checks
    /// everything.
    pub(in crate::ops) fn identify_from_memory(
        &self,
        creds: &Credentials,
    ) -> Option<Result<(Identity, AuthMethod), ServerError>> {
        if creds.mfa.is_some() || creds.tenant.is_some() {
            return None;
        }
        match self.named(creds) {
            Err(e) => Some(Err(e)),
            Ok(Named::Itself(_, _)) => None,
            Ok(Named::Directly(identity, auth)) => Some(Ok((identity, auth))),
            Ok(Named::Principal(key, auth)) => {
                let generation = self.access_generation.current();
                let resolved = self.identities.get(&key, generation)?;
                Some(Ok((Identity::Principal(resolved), auth)))
            }
        }
    }

    /// Who the credentials name.
    fn identify(&self, creds: &Credentials) -> Result<(Identity, AuthMethod), ServerError> {
        match self.named(creds)? {
            Named::Directly(identity, auth) | Named::Itself(identity, auth) => Ok((identity, auth)),
            Named::Principal(key, auth) => Ok((Identity::Principal(self.resolved(key)?), auth)),
        }
    }

    /// What the credentials present, before any lookup.
    fn named(&self, creds: &Credentials) -> Result<Named, ServerError> {
        let key = match &creds.proof {
            Proof::Bearer(token) if self.vault.is_root_token(token) => {
                return Ok(Named::Directly(Identity::Root, AuthMethod::RootToken));
            }
            Proof::Internal(_) => {
                return Ok(Named::Itself(Identity::Internal, AuthMethod::Internal));
            }
            Proof::None => return Err(ServerError::Unauthenticated),
            Proof::Bearer(token) => CacheKey::Token(*TokenHash::of(token).as_bytes()),
            Proof::Certificate(cert) => {
                CacheKey::Certificate(cert.fingerprint, cert.subject.clone())
            }
        };
        let auth = match key {
            CacheKey::Token(_) => AuthMethod::Token,
            CacheKey::Certificate(..) => AuthMethod::ClientCertificate,
        };
        Ok(Named::Principal(key, auth))
    }

    /// The principal a credential names, from the cache when it is fresh.
    fn resolved(&self, key: CacheKey) -> Result<Arc<Resolved>, ServerError> {
        let generation = self.access_generation.current();
        if let Some(hit) = self.identities.get(&key, generation) {
            return Ok(hit);
        }
        let resolved = resolve_in(&self.store, &key, &self.access_generation)?
            .map(Arc::new)
            .ok_or(ServerError::Unauthenticated)?;
        self.identities.put(key, &resolved);
        Ok(resolved)
    }

    /// The root token's tenant: the one named, or the default.
    fn named_tenant(&self, creds: &Credentials) -> Result<Arc<Tenant>, ServerError> {
        let Some(name) = &creds.tenant else {
            return self.default_tenant();
        };
        self.store
            .read(|tx| Ok::<_, TxError<ServerError>>(tx.tenant_by_name(name)?))
            .map_err(tx_error)?
            .map(Arc::new)
            .ok_or(ServerError::TenantNotFound)
    }

    /// A principal's tenant; another one only for a global admin.
    fn principal_tenant(
        &self,
        r: &Resolved,
        creds: &Credentials,
        action: Action,
    ) -> Result<Arc<Tenant>, ServerError> {
        match &creds.tenant {
            Some(name) if *name != r.tenant.name => {
                if r.principal.global_admin {
                    self.named_tenant(creds)
                } else {
                    Err(ServerError::PermissionDenied { action })
                }
            }
            _ => Ok(Arc::clone(&r.tenant)),
        }
    }
}

/// What a request's credentials present.
enum Named {
    /// The root token: no lookup.
    Directly(Identity, AuthMethod),
    /// The server itself (the scheduler), whose tenant is read.
    Itself(Identity, AuthMethod),
    /// A principal, looked up by its token's hash or its certificate.
    Principal(CacheKey, AuthMethod),
}
