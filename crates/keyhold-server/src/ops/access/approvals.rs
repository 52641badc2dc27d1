//! Quorum approvals (M of N, DESIGN.md section 6): the tenant's settings
//! name actions that need M approvals. A principal asks for approval of one
//! exact request (action, key, canonical body); distinct approvers, never
//! the requester, approve (with a fresh TOTP code) or deny; once approved,
//! the requester sends the request again with `X-Keyhold-Approval` and the
//! operation spends the approval in the same transaction as its change, so
//! it runs once. Every step is a request, audited like any other.
//!
//! The root token is the break-glass credential of `init` and is not held
//! to quorums (revoke it once the first admin exists); neither is the
//! server's own scheduler.

use keyhold_api::approvals::{
    ApprovalInfo, ApprovalList, CreateApprovalRequest, ListApprovalsQuery,
};
use keyhold_api::lifecycle::{RevokeRequest, ScheduleDestroyRequest};
use keyhold_api::transfer::ExportKeyRequest;
use keyhold_core::approval::{Approval, ApprovalError, Quorum};
use keyhold_core::{Action, ApprovalId, ApprovalRecord, KeyId, KeyRef, QuorumRule};
use keyhold_store::{TxError, WriteTx};
use serde::Serialize;
use serde_json::{Value, json};

use super::guarded::Guarded;
use super::identity::{Identity, Resolved};
use super::settings::eligible_approvers;
use crate::error::ServerError;
use crate::ops::{Caller, Operations};
use crate::vault::tx_error;

/// Page size bounds of the listing.
const MAX_PAGE: u32 = 1000;
const DEFAULT_PAGE: u32 = 100;

impl Operations {
    /// `POST /v1/approvals` (`approval:request`): asks for approval of one
    /// request the caller may make. The quorum must be reachable.
    pub fn request_approval(
        &self,
        caller: &Caller,
        req: CreateApprovalRequest,
    ) -> Result<ApprovalInfo, ServerError> {
        let r = principal(caller)?;
        let action = req.action;
        let rule = r
            .settings
            .quorum_for(action)
            .cloned()
            .ok_or(ServerError::ApprovalNotNeeded { action })?;
        let (request, resource) = self.asked_request(caller, req)?;
        let now = self.now();
        let record = self.write_access(caller, |tx| {
            let eligible = eligible_approvers(tx, r.tenant.id, Some(r.principal.id))?;
            let quorum = Quorum::new(rule.required, eligible)
                .map_err(|e| TxError::Abort(ServerError::ApprovalUnreachable(e)))?;
            let record = ApprovalRecord {
                id: ApprovalId::from_uuid(uuid::Uuid::new_v4()),
                tenant: caller.tenant.id,
                approval: Approval::new(action, r.principal.id, quorum, now, ttl(&rule)),
                resource,
                request,
                executed_result: None,
            };
            tx.approval_insert(&record)?;
            Ok(record)
        })?;
        Ok(info(&record))
    }

    /// The exact request an approval is asked for, as its binding and a
    /// resource for people: a key action names its key (and the caller
    /// must be allowed the action on it); an access-management change
    /// names its kind and target (and the caller must be allowed it).
    fn asked_request(
        &self,
        caller: &Caller,
        req: CreateApprovalRequest,
    ) -> Result<(Value, String), ServerError> {
        let mismatch = |detail: &str| ServerError::InvalidRequest {
            detail: detail.into(),
        };
        match (req.change, req.target) {
            (Some(kind), Some(target)) => {
                if kind.action() != req.action || req.key.is_some() {
                    return Err(mismatch(
                        "change must be one of the action's changes, and takes no key",
                    ));
                }
                if !caller.may(req.action, None) {
                    return Err(ServerError::PermissionDenied { action: req.action });
                }
                let change = Guarded::asked(kind, target, req.body)?;
                Ok((change.binding(), change.resource()))
            }
            (None, None) if req.action.is_access_management() => Err(mismatch(
                "an access-management action needs its change and target",
            )),
            (None, None) => {
                let key = match &req.key {
                    Some(text) => Some(self.find_key(caller, &text.parse::<KeyRef>()?)?),
                    None => None,
                };
                if !caller.may(req.action, key.as_ref()) {
                    return Err(ServerError::PermissionDenied { action: req.action });
                }
                let body = canonical_body(req.action, req.body)?;
                let resource = key
                    .as_ref()
                    .map_or_else(|| "*".into(), |k| k.id.to_string());
                Ok((bound_request(key.map(|k| k.id), body), resource))
            }
            _ => Err(mismatch("change and target go together")),
        }
    }

    /// `POST /v1/approvals/{id}/approve|deny` (`approval:decide`): one
    /// approver's vote, which needs a fresh TOTP code. A repeated approval
    /// is ignored; one denial ends the request.
    pub fn decide_approval(
        &self,
        caller: &Caller,
        id: ApprovalId,
        approve: bool,
    ) -> Result<ApprovalInfo, ServerError> {
        let voter = principal(caller)?.principal.id;
        if !caller.mfa {
            return Err(ServerError::MfaRequired {
                action: caller.action,
            });
        }
        let now = self.now();
        let tenant = caller.tenant.id;
        let record = self.write_access(caller, |tx| {
            let mut record = tx
                .approval_get(tenant, id)?
                .ok_or(TxError::Abort(ServerError::ApprovalNotFound))?;
            let expired = record.approval.expire(now);
            let vote = record.approval.vote(voter, approve, now);
            if expired || vote.is_ok() {
                tx.approval_update(&record)?;
            }
            vote.map_err(|e| TxError::Abort(approval_error(e)))?;
            Ok(record)
        })?;
        Ok(info(&record))
    }

    /// `GET /v1/approvals/{id}` (`approval:read`, which its requester does
    /// not need: whoever asked may follow their own request). Anyone else
    /// is decided before learning whether the id exists.
    pub fn approval(&self, caller: &Caller, id: ApprovalId) -> Result<ApprovalInfo, ServerError> {
        let tenant = caller.tenant.id;
        let now = self.now();
        let found = self
            .store
            .read(|tx| Ok::<_, TxError<ServerError>>(tx.approval_get(tenant, id)?))
            .map_err(tx_error)?;
        match &found {
            Some(r) => caller.admit_own(r.approval.requester)?,
            None => caller.authorize_unscoped()?,
        }
        found
            .map(|mut r| {
                r.approval.expire(now);
                info(&r)
            })
            .ok_or(ServerError::ApprovalNotFound)
    }

    /// `GET /v1/approvals` (`approval:read`): one page, oldest first.
    pub fn approvals(
        &self,
        caller: &Caller,
        q: ListApprovalsQuery,
    ) -> Result<ApprovalList, ServerError> {
        caller.authorize_unscoped()?;
        let limit = q.limit.unwrap_or(DEFAULT_PAGE);
        if limit == 0 || limit > MAX_PAGE {
            return Err(ServerError::InvalidRequest {
                detail: format!("limit must be 1 to {MAX_PAGE}"),
            });
        }
        let after = q.cursor.map(|c| c.parse::<ApprovalId>()).transpose()?;
        let tenant = caller.tenant.id;
        let now = self.now();
        let mut rows = self
            .store
            .read(|tx| {
                Ok::<_, TxError<ServerError>>(tx.approvals(tenant, q.state, after, limit + 1)?)
            })
            .map_err(tx_error)?;
        let more = rows.len() > usize::try_from(limit).unwrap_or(usize::MAX);
        rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        let next_cursor = more
            .then(|| rows.last().map(|r| r.id.to_string()))
            .flatten();
        let approvals = rows
            .iter_mut()
            .map(|r| {
                r.approval.expire(now);
                info(r)
            })
            .collect();
        Ok(ApprovalList {
            approvals,
            next_cursor,
        })
    }

    /// The quorum gate of a key action, inside the transaction of the
    /// change it guards: when the tenant's settings put the caller's
    /// action under a quorum, the request must carry an approval granted
    /// to this requester for this very request (`key`, `body`), which is
    /// spent here.
    pub(crate) fn spend_approval(
        &self,
        tx: &mut dyn WriteTx,
        caller: &Caller,
        key: Option<KeyId>,
        body: &impl Serialize,
    ) -> Result<(), TxError<ServerError>> {
        if !needs_quorum(caller) {
            return Ok(());
        }
        let body = serde_json::to_value(body).map_err(|_| {
            TxError::Abort(ServerError::Internal {
                what: "request body not serializable",
            })
        })?;
        self.spend_bound(tx, caller, &bound_request(key, body))
    }

    /// The quorum gate of an access-management change (see
    /// [`spend_approval`](Self::spend_approval)); `None` for a change no
    /// quorum rule can guard, which a rule then blocks (fail closed).
    pub(crate) fn spend_change_approval(
        &self,
        tx: &mut dyn WriteTx,
        caller: &Caller,
        change: Option<&Guarded>,
    ) -> Result<(), TxError<ServerError>> {
        if !needs_quorum(caller) {
            return Ok(());
        }
        match change {
            Some(change) => self.spend_bound(tx, caller, &change.binding()),
            None => Err(TxError::Abort(ServerError::ApprovalNotUsable {
                reason: "this change cannot be approved",
            })),
        }
    }

    /// Spends the caller's approval if it was granted to it for `binding`.
    fn spend_bound(
        &self,
        tx: &mut dyn WriteTx,
        caller: &Caller,
        binding: &Value,
    ) -> Result<(), TxError<ServerError>> {
        let Identity::Principal(r) = &caller.identity else {
            return Ok(());
        };
        let abort = |e| TxError::Abort(e);
        let id = caller.approval.ok_or(abort(ServerError::ApprovalRequired {
            action: caller.action,
        }))?;
        let mut record = tx
            .approval_get(caller.tenant.id, id)?
            .ok_or(abort(ServerError::ApprovalNotFound))?;
        let same = record.approval.requester == r.principal.id
            && record.approval.action == caller.action
            && record.request == *binding;
        if !same {
            return Err(abort(ServerError::ApprovalNotUsable {
                reason: "it was granted for another request or requester",
            }));
        }
        record
            .approval
            .execute(self.now())
            .map_err(|e| abort(approval_error(e)))?;
        record.executed_result = Some(json!({ "request_id": caller.request_id.to_string() }));
        tx.approval_update(&record)?;
        Ok(())
    }

    /// [`spend_approval`](Self::spend_approval) in a transaction of its own,
    /// for operations that change nothing in the store (export).
    pub(crate) fn spend_approval_alone(
        &self,
        caller: &Caller,
        key: Option<KeyId>,
        body: &impl Serialize,
    ) -> Result<(), ServerError> {
        if !needs_quorum(caller) {
            return Ok(());
        }
        self.store
            .write(|tx| self.spend_approval(tx, caller, key, body))
            .map_err(tx_error)
    }
}

/// Whether the caller's action is under a quorum rule for it.
fn needs_quorum(caller: &Caller) -> bool {
    match &caller.identity {
        Identity::Principal(r) => {
            caller.action.quorum_applies() && r.settings.quorum_for(caller.action).is_some()
        }
        Identity::Root | Identity::Internal => false,
    }
}

/// The caller's principal: only principals ask and vote.
fn principal(caller: &Caller) -> Result<&Resolved, ServerError> {
    match &caller.identity {
        Identity::Principal(r) => Ok(r),
        Identity::Root | Identity::Internal => Err(ServerError::InvalidRequest {
            detail: "approvals are asked for and decided by principals, not the root token".into(),
        }),
    }
}

/// The request an approval binds: the key and the canonical body.
fn bound_request(key: Option<KeyId>, body: Value) -> Value {
    json!({ "key": key.map(|k| k.to_string()), "body": body })
}

/// The body as the operation will see it: parsed into the action's request
/// type (so defaults and field order cannot make two equal requests
/// differ), then back to JSON.
fn canonical_body(action: Action, body: Value) -> Result<Value, ServerError> {
    fn through<T: serde::de::DeserializeOwned + Serialize>(
        body: Value,
    ) -> Result<Value, ServerError> {
        let typed: T = serde_json::from_value(body).map_err(|e| ServerError::InvalidRequest {
            detail: format!("body: {e}"),
        })?;
        serde_json::to_value(typed).map_err(|_| ServerError::Internal {
            what: "request body not serializable",
        })
    }
    match action {
        Action::KeyScheduleDestroy => through::<ScheduleDestroyRequest>(body),
        Action::KeyExport => through::<ExportKeyRequest>(body),
        Action::KeyRevoke => through::<RevokeRequest>(body),
        _ => Ok(body),
    }
}

fn ttl(rule: &QuorumRule) -> i64 {
    i64::try_from(rule.ttl_secs).unwrap_or(i64::MAX)
}

pub(super) fn approval_error(e: ApprovalError) -> ServerError {
    match e {
        ApprovalError::OwnRequest => ServerError::ApprovalOwnRequest,
        ApprovalError::Expired => ServerError::ApprovalNotUsable {
            reason: "it expired",
        },
        ApprovalError::NotApproved => ServerError::ApprovalNotUsable {
            reason: "it is not approved yet",
        },
        ApprovalError::NotPending(_) => ServerError::ApprovalNotUsable {
            reason: "it was already decided, used or expired",
        },
        _ => ServerError::ApprovalNotUsable {
            reason: "it cannot be used",
        },
    }
}

fn info(r: &ApprovalRecord) -> ApprovalInfo {
    let a = &r.approval;
    ApprovalInfo {
        id: r.id,
        action: a.action,
        state: a.state,
        requester: a.requester,
        resource: r.resource.clone(),
        request: r.request.clone(),
        required: a.quorum.required(),
        approvers: a.approvers.iter().copied().collect(),
        denied_by: a.denied_by,
        created_at: a.created_at,
        expires_at: a.expires_at,
    }
}
