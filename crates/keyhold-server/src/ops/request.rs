//! One request through the operations service (DESIGN.md sections 6 and 7).
//!
//! A transport hands in what it knows before authentication
//! ([`Credentials`]) and the [`Action`] asked for; [`Operations::perform`]
//! authenticates, runs the operation on the blocking pool with a [`Caller`],
//! and makes the request's one audit event durable before it answers. If the
//! event cannot be written the request fails with `audit_unavailable`
//! (fail closed): an operation that changed state wrote its event in the
//! same transaction as the change ([`Operations::audit_in`]), so the change
//! is rolled back with it; any other operation's result is dropped unsent.
//!
//! Events are not written while the server is sealed or uninitialized (the
//! audit MAC key is derived from the root key): such a server serves
//! nothing but health, seal status, init and unseal, none of which is a
//! request on keys.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use keyhold_api::ErrorCode;
use keyhold_core::audit::{AuditRecord, AuthMethod, Interface, Outcome};
use keyhold_core::{Action, ApprovalId, RequestId, TenantId, TenantName, Timestamp};
use keyhold_store::{Pending, TxError, WriteTx};
use zeroize::Zeroizing;

use super::{Caller, Operations};
use crate::audit::{append_encoded, append_in};
use crate::error::ServerError;
use crate::vault::tx_error;

/// What a caller presented to prove who it is.
pub enum Proof {
    /// Nothing.
    None,
    /// A bearer token (`Authorization: Bearer ...`).
    Bearer(Zeroizing<String>),
    /// A TLS client certificate the listener verified against its CA.
    Certificate(CertIdentity),
    /// The server itself (the scheduler), acting in this tenant.
    Internal(TenantId),
}

impl fmt::Debug for Proof {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::None => "None",
            Self::Bearer(_) => "Bearer(<redacted>)",
            Self::Certificate(_) => "Certificate",
            Self::Internal(_) => "Internal",
        })
    }
}

/// A verified client certificate, as bindings name it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertIdentity {
    /// SHA-256 of the certificate's DER encoding.
    pub fingerprint: [u8; 32],
    /// Its subject DN as RFC 4514 text
    /// ([`keyhold_crypto::cert_subject`]), when it has one.
    pub subject: Option<String>,
}

/// What a transport knows of a request before authentication. Its `Debug`
/// shows neither the token nor the TOTP code.
pub struct Credentials {
    /// The request's id.
    pub request_id: RequestId,
    /// The interface it came through.
    pub interface: Interface,
    /// The peer address.
    pub source: Option<IpAddr>,
    /// What the caller presented.
    pub proof: Proof,
    /// The tenant asked for (`X-Keyhold-Tenant`); only the root token and
    /// global admins may name another tenant than their own.
    pub tenant: Option<TenantName>,
    /// A TOTP code (`X-Keyhold-MFA`).
    pub mfa: Option<Zeroizing<String>>,
    /// An approved quorum request this request carries out
    /// (`X-Keyhold-Approval`).
    pub approval: Option<ApprovalId>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("request_id", &self.request_id)
            .field("interface", &self.interface)
            .field("source", &self.source)
            .field("proof", &self.proof)
            .field("tenant", &self.tenant)
            .field("mfa", &self.mfa.as_ref().map(|_| "<redacted>"))
            .field("approval", &self.approval)
            .finish()
    }
}

impl Credentials {
    /// The credentials of the server's own scheduler, acting in `tenant`.
    pub fn internal(tenant: TenantId, interface: Interface) -> Self {
        Self {
            request_id: RequestId::from_uuid(uuid::Uuid::new_v4()),
            interface,
            source: None,
            proof: Proof::Internal(tenant),
            tenant: None,
            mfa: None,
            approval: None,
        }
    }
}

/// How a request that failed is recorded: refused (authentication or
/// authorization) or failed, with its stable code.
fn outcome_of<T>(result: &Result<T, ServerError>) -> Outcome {
    match result {
        Ok(_) => Outcome::Ok,
        Err(e) => failure(e),
    }
}

/// The outcome of a failed request.
fn failure(e: &ServerError) -> Outcome {
    let code = e.public().0;
    let text = code.as_str().to_owned();
    match code {
        ErrorCode::Unauthenticated
        | ErrorCode::PermissionDenied
        | ErrorCode::MfaRequired
        | ErrorCode::MfaInvalid => Outcome::Denied { code: text },
        _ => Outcome::Error { code: text },
    }
}

/// The record of a request refused at authentication (no or a bad
/// credential, a wrong or missing TOTP code, a tenant it may not reach): no
/// principal, no tenant.
fn refused_record(
    creds: &Credentials,
    action: Action,
    now: Timestamp,
    outcome: Outcome,
) -> AuditRecord {
    AuditRecord {
        time: now,
        request_id: creds.request_id,
        tenant: None,
        principal: None,
        auth: AuthMethod::None,
        source: creds.source,
        interface: creds.interface,
        action,
        key: None,
        version: None,
        outcome,
        context: BTreeMap::new(),
    }
}

/// A request's result, and its audit event on its way to the store.
pub(super) type Ran<T> = (Result<T, ServerError>, Option<Pending<u64, ServerError>>);

impl Operations {
    /// Runs one request: authenticates `creds`, runs `f` on the blocking
    /// pool, and answers once the request's audit event is durable.
    pub async fn perform<T, F>(
        self: &Arc<Self>,
        creds: Credentials,
        action: Action,
        f: F,
    ) -> Result<T, ServerError>
    where
        T: Send + 'static,
        F: FnOnce(&Operations, &Caller) -> Result<T, ServerError> + Send + 'static,
    {
        let ops = Arc::clone(self);
        let ran = tokio::task::spawn_blocking(move || ops.run(creds, action, f))
            .await
            .map_err(|_| ServerError::Internal {
                what: "operation task failed",
            })?;
        self.settle(ran).await
    }

    /// Answers a request that ran: at once when it has no event on its way
    /// (none, or written with its change), else once the event is durable.
    pub(super) async fn settle<T>(&self, (result, pending): Ran<T>) -> Result<T, ServerError> {
        let Some(pending) = pending else {
            return result;
        };
        match pending.wait_async().await {
            Ok(seq) => {
                self.audit.committed(seq);
                result
            }
            Err(e) => Err(audit_failed(e)),
        }
    }

    /// [`perform`](Self::perform) on the calling thread, for callers that
    /// are already on a blocking thread (the scheduler, tests).
    pub fn perform_blocking<T>(
        &self,
        creds: Credentials,
        action: Action,
        f: impl FnOnce(&Operations, &Caller) -> Result<T, ServerError>,
    ) -> Result<T, ServerError> {
        let (result, pending) = self.run(creds, action, f);
        let Some(pending) = pending else {
            return result;
        };
        match pending.wait() {
            Ok(seq) => {
                self.audit.committed(seq);
                result
            }
            Err(e) => Err(audit_failed(e)),
        }
    }

    fn run<T>(
        &self,
        creds: Credentials,
        action: Action,
        f: impl FnOnce(&Operations, &Caller) -> Result<T, ServerError>,
    ) -> Ran<T> {
        match self.admit(&creds, action) {
            Ok(caller) => self.run_as(&caller, f),
            Err(refused) => refused,
        }
    }

    /// Authenticates `creds` for `action`: the caller, or the answer to a
    /// request refused at authentication, with its event on its way.
    pub(super) fn admit<T>(&self, creds: &Credentials, action: Action) -> Result<Caller, Ran<T>> {
        self.admitted(creds, action, self.authenticate(creds, action))
    }

    /// [`admit`](Self::admit) of an authentication's result.
    pub(super) fn admitted<T>(
        &self,
        creds: &Credentials,
        action: Action,
        authenticated: Result<Caller, ServerError>,
    ) -> Result<Caller, Ran<T>> {
        authenticated.map_err(|e| match e {
            // A sealed or uninitialized server records nothing (it has no
            // audit key); every other refusal at authentication is an event.
            e @ (ServerError::Sealed | ServerError::NotInitialized) => (Err(e), None),
            e => {
                let record = refused_record(creds, action, self.now(), failure(&e));
                (Err(e), self.queue_event(record))
            }
        })
    }

    /// Runs `f` as the authenticated `caller`, and its event: written
    /// already with its change, or queued for group commit.
    pub(super) fn run_as<T>(
        &self,
        caller: &Caller,
        f: impl FnOnce(&Operations, &Caller) -> Result<T, ServerError>,
    ) -> Ran<T> {
        let result = self.run_authorized(caller, f);
        let recorded = caller.with_notes(|n| n.recorded);
        if let Some(seq) = recorded {
            self.audit.committed(seq);
            return (result, None);
        }
        let record = caller.record(outcome_of(&result));
        (result, self.queue_event(record))
    }

    /// Runs `f` under authorization: an action that is not key-scoped is
    /// decided before `f`; a key-scoped one as `f` finds its keys, and, if
    /// `f` found none, after it, against `*` resources (fail closed).
    fn run_authorized<T>(
        &self,
        caller: &Caller,
        f: impl FnOnce(&Operations, &Caller) -> Result<T, ServerError>,
    ) -> Result<T, ServerError> {
        if caller.action.is_self_service() {
            return f(self, caller);
        }
        if !caller.action.is_decided_by_operation() {
            caller.authorize_unscoped()?;
        }
        let result = f(self, caller)?;
        if !caller.decided() {
            caller.authorize_unscoped()?;
        }
        Ok(result)
    }

    /// Queues an event for group commit. A sealed server records nothing
    /// (and serves nothing that needs recording).
    fn queue_event(&self, record: AuditRecord) -> Option<Pending<u64, ServerError>> {
        if self.audit_off() {
            return None;
        }
        let unlocked = self.vault.unlocked().ok()?;
        Some(self.audit.append(unlocked.audit_keys(), record))
    }

    /// Runs `body` in a write transaction and writes `caller`'s audit
    /// event (outcome ok) in the same transaction, after the body: the
    /// change and its event commit together, or neither does.
    ///
    /// Every write to a key or its versions comes through here (or through
    /// the key-use flush), and a key is written only after the request
    /// found and admitted it ([`Caller::admit_key`]): once the transaction
    /// has ended, committed or not, every key the request admitted is
    /// dropped from the key cache, so the next request reads it again.
    pub(crate) fn write_audited<T>(
        &self,
        caller: &Caller,
        body: impl FnOnce(&mut dyn WriteTx) -> Result<T, TxError<ServerError>>,
    ) -> Result<T, ServerError> {
        let written = self.write_audited_body(caller, body);
        for key in caller.touched_keys() {
            self.key_cache.invalidate(key);
        }
        written
    }

    /// [`write_audited`](Self::write_audited) group-committed: `body`
    /// and the event run on the store's writer thread, between a savepoint
    /// and its release, in one transaction with other callers' writes and
    /// events, and commit with them (one fsync for the batch). The calling
    /// thread blocks until the batch is durable.
    ///
    /// For writes whose audit record is complete before `body` runs (the
    /// request has admitted its key): the body owns what it writes, and the
    /// record is taken from `caller` before it is handed over.
    pub(crate) fn write_audited_grouped<T, B>(
        &self,
        caller: &Caller,
        body: B,
    ) -> Result<T, ServerError>
    where
        B: FnOnce(&mut dyn WriteTx) -> Result<T, TxError<ServerError>> + Send + 'static,
        T: Send + 'static,
    {
        let written = self.grouped_body(caller, body);
        for key in caller.touched_keys() {
            self.key_cache.invalidate(key);
        }
        written
    }

    fn grouped_body<T, B>(&self, caller: &Caller, body: B) -> Result<T, ServerError>
    where
        B: FnOnce(&mut dyn WriteTx) -> Result<T, TxError<ServerError>> + Send + 'static,
        T: Send + 'static,
    {
        if self.audit_off() {
            return self.store.submit(body).wait().map_err(tx_error);
        }
        let keys = self.vault.unlocked()?.audit_keys();
        let every = self.audit.checkpoint_every();
        let record = caller.record(Outcome::Ok);
        let canonical = record.canonical_bytes();
        let (value, seq) = self
            .store
            .submit(move |tx| {
                let value = body(tx)?;
                let seq = append_encoded(tx, &keys, record, &canonical, every)
                    .map_err(|e| TxError::Abort(ServerError::AuditUnavailable(e)))?;
                Ok((value, seq))
            })
            .wait()
            .map_err(tx_error)?;
        caller.with_notes(|n| n.recorded = Some(seq));
        Ok(value)
    }

    fn write_audited_body<T>(
        &self,
        caller: &Caller,
        body: impl FnOnce(&mut dyn WriteTx) -> Result<T, TxError<ServerError>>,
    ) -> Result<T, ServerError> {
        if self.audit_off() {
            return self.store.write(body).map_err(tx_error);
        }
        let keys = self.vault.unlocked()?.audit_keys();
        let every = self.audit.checkpoint_every();
        let mut seq = None;
        let value = self
            .store
            .write(|tx| {
                let value = body(tx)?;
                let n = append_in(tx, &keys, caller.record(Outcome::Ok), every)
                    .map_err(|e| TxError::Abort(ServerError::AuditUnavailable(e)))?;
                seq = Some(n);
                Ok(value)
            })
            .map_err(tx_error)?;
        caller.with_notes(|n| n.recorded = seq);
        Ok(value)
    }
}

/// The error of an event that could not be made durable.
fn audit_failed(e: TxError<ServerError>) -> ServerError {
    match e {
        TxError::Store(e) => ServerError::AuditUnavailable(e),
        TxError::Abort(e) => e,
    }
}
