//! Quorum approvals (M of N, DESIGN.md section 6): a sensitive request waits
//! until M distinct approvers, none of them the requester, approve it; one
//! denial ends it; it expires after a configured time. The rules here are
//! pure; the server stores approvals and executes the request once approved.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::action::Action;
use crate::ids::PrincipalId;
use crate::time::Timestamp;

/// How many approvals an action needs, checked against who could give them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quorum {
    required: u8,
}

/// Why a quorum setting is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QuorumError {
    /// Zero approvals would be an open door, not a quorum.
    #[error("a quorum needs at least one approval")]
    Zero,
    /// More approvals than there are eligible approvers: it could never pass.
    #[error("{required} approvals are required but only {eligible} approvers are eligible")]
    Unreachable {
        /// Approvals required.
        required: u8,
        /// Eligible approvers.
        eligible: usize,
    },
}

impl Quorum {
    /// `required` approvals out of `eligible` approvers.
    pub fn new(required: u8, eligible: usize) -> Result<Self, QuorumError> {
        if required == 0 {
            return Err(QuorumError::Zero);
        }
        if usize::from(required) > eligible {
            return Err(QuorumError::Unreachable { required, eligible });
        }
        Ok(Self { required })
    }

    /// Approvals required.
    pub const fn required(self) -> u8 {
        self.required
    }
}

/// Where an approval request stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ApprovalState {
    /// Waiting for approvals.
    Pending,
    /// Enough approvals: the request may execute (once).
    Approved,
    /// An approver denied it.
    Denied,
    /// Its time ran out.
    Expired,
    /// It was executed.
    Executed,
}

impl ApprovalState {
    /// Every state.
    pub const ALL: [Self; 5] = [
        Self::Pending,
        Self::Approved,
        Self::Denied,
        Self::Expired,
        Self::Executed,
    ];

    /// The state's stable name (the serde name). Never rename one.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Denied => "denied",
            Self::Expired => "expired",
            Self::Executed => "executed",
        }
    }
}

impl std::fmt::Display for ApprovalState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ApprovalState {
    type Err = crate::error::CoreError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|st| st.as_str() == s).ok_or(
            crate::error::CoreError::InvalidValue {
                field: "approval state",
                reason: "unknown approval state",
            },
        )
    }
}

/// A request waiting for a quorum.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    /// What the request does.
    pub action: Action,
    /// Who asked.
    pub requester: PrincipalId,
    /// Approvals needed.
    pub quorum: Quorum,
    /// Who approved so far.
    pub approvers: BTreeSet<PrincipalId>,
    /// Who denied it, if anyone.
    pub denied_by: Option<PrincipalId>,
    /// Where it stands.
    pub state: ApprovalState,
    /// When it was asked.
    pub created_at: Timestamp,
    /// When it expires unless decided.
    pub expires_at: Timestamp,
}

/// What an approver's vote did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VoteOutcome {
    /// Counted; more approvals are needed.
    Counted {
        /// Approvals so far.
        have: u8,
        /// Approvals needed.
        need: u8,
    },
    /// This approver had already approved: ignored.
    AlreadyApproved,
    /// The quorum is reached.
    Approved,
    /// The request is denied.
    Denied,
}

/// Why a vote or an execution is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApprovalError {
    /// The requester may not approve or deny their own request.
    #[error("the requester cannot decide their own request")]
    OwnRequest,
    /// The request is no longer pending.
    #[error("the request is {0:?}, not pending")]
    NotPending(ApprovalState),
    /// The request expired.
    #[error("the request expired")]
    Expired,
    /// Execution asked before the quorum.
    #[error("the request is not approved")]
    NotApproved,
}

impl Approval {
    /// A new pending request.
    pub fn new(
        action: Action,
        requester: PrincipalId,
        quorum: Quorum,
        now: Timestamp,
        ttl_secs: i64,
    ) -> Self {
        Self {
            action,
            requester,
            quorum,
            approvers: BTreeSet::new(),
            denied_by: None,
            state: ApprovalState::Pending,
            created_at: now,
            expires_at: now.plus_seconds(ttl_secs),
        }
    }

    /// Marks it expired if its time has come; returns whether it did.
    pub fn expire(&mut self, now: Timestamp) -> bool {
        if self.state == ApprovalState::Pending && now >= self.expires_at {
            self.state = ApprovalState::Expired;
            return true;
        }
        false
    }

    /// Records a vote (approve when `approve`, deny otherwise).
    pub fn vote(
        &mut self,
        voter: PrincipalId,
        approve: bool,
        now: Timestamp,
    ) -> Result<VoteOutcome, ApprovalError> {
        if self.expire(now) {
            return Err(ApprovalError::Expired);
        }
        if self.state != ApprovalState::Pending {
            return Err(ApprovalError::NotPending(self.state));
        }
        if voter == self.requester {
            return Err(ApprovalError::OwnRequest);
        }
        if !approve {
            self.denied_by = Some(voter);
            self.state = ApprovalState::Denied;
            return Ok(VoteOutcome::Denied);
        }
        if !self.approvers.insert(voter) {
            return Ok(VoteOutcome::AlreadyApproved);
        }
        let have = u8::try_from(self.approvers.len()).unwrap_or(u8::MAX);
        if have >= self.quorum.required() {
            self.state = ApprovalState::Approved;
            return Ok(VoteOutcome::Approved);
        }
        Ok(VoteOutcome::Counted {
            have,
            need: self.quorum.required(),
        })
    }

    /// Marks an approved request executed (once).
    pub fn execute(&mut self, now: Timestamp) -> Result<(), ApprovalError> {
        match self.state {
            ApprovalState::Approved if now < self.expires_at => {
                self.state = ApprovalState::Executed;
                Ok(())
            }
            ApprovalState::Approved => {
                self.state = ApprovalState::Expired;
                Err(ApprovalError::Expired)
            }
            ApprovalState::Pending => Err(ApprovalError::NotApproved),
            other => Err(ApprovalError::NotPending(other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(n: u8) -> PrincipalId {
        PrincipalId::from_bytes([n; 16])
    }

    fn t(secs: i64) -> Timestamp {
        Timestamp::from_unix_seconds(1_800_000_000 + secs)
    }

    fn two_of_three() -> Approval {
        Approval::new(
            Action::KeyScheduleDestroy,
            p(1),
            Quorum::new(2, 3).unwrap(),
            t(0),
            3600,
        )
    }

    #[test]
    fn state_names_match_serde_and_parse_back() {
        for st in ApprovalState::ALL {
            let json = serde_json::to_string(&st).unwrap();
            assert_eq!(json, format!("\"{}\"", st.as_str()));
            assert_eq!(st.as_str().parse::<ApprovalState>().unwrap(), st);
        }
        assert!("maybe".parse::<ApprovalState>().is_err());
    }

    #[test]
    fn invalid_quorums_are_refused() {
        assert_eq!(Quorum::new(0, 5), Err(QuorumError::Zero));
        assert_eq!(
            Quorum::new(3, 2),
            Err(QuorumError::Unreachable {
                required: 3,
                eligible: 2
            })
        );
        assert!(Quorum::new(1, 0).is_err());
        assert_eq!(Quorum::new(2, 2).unwrap().required(), 2);
    }

    #[test]
    fn distinct_approvers_reach_the_quorum_the_requester_never_counts() {
        let mut a = two_of_three();
        assert_eq!(a.vote(p(1), true, t(1)), Err(ApprovalError::OwnRequest));
        assert_eq!(
            a.vote(p(2), true, t(2)),
            Ok(VoteOutcome::Counted { have: 1, need: 2 })
        );
        assert_eq!(a.vote(p(2), true, t(3)), Ok(VoteOutcome::AlreadyApproved));
        assert_eq!(a.state, ApprovalState::Pending);
        assert_eq!(a.execute(t(3)), Err(ApprovalError::NotApproved));
        assert_eq!(a.vote(p(3), true, t(4)), Ok(VoteOutcome::Approved));
        assert_eq!(
            a.vote(p(4), true, t(5)),
            Err(ApprovalError::NotPending(ApprovalState::Approved))
        );
        assert_eq!(a.execute(t(6)), Ok(()));
        assert_eq!(
            a.execute(t(7)),
            Err(ApprovalError::NotPending(ApprovalState::Executed))
        );
    }

    #[test]
    fn one_denial_ends_it() {
        let mut a = two_of_three();
        a.vote(p(2), true, t(1)).unwrap();
        assert_eq!(a.vote(p(1), false, t(2)), Err(ApprovalError::OwnRequest));
        assert_eq!(a.vote(p(3), false, t(2)), Ok(VoteOutcome::Denied));
        assert_eq!(a.denied_by, Some(p(3)));
        assert_eq!(
            a.vote(p(4), true, t(3)),
            Err(ApprovalError::NotPending(ApprovalState::Denied))
        );
        assert!(a.execute(t(4)).is_err());
    }

    #[test]
    fn it_expires() {
        let mut a = two_of_three();
        a.vote(p(2), true, t(10)).unwrap();
        assert_eq!(a.vote(p(3), true, t(3600)), Err(ApprovalError::Expired));
        assert_eq!(a.state, ApprovalState::Expired);
        let mut b = two_of_three();
        b.vote(p(2), true, t(1)).unwrap();
        b.vote(p(3), true, t(2)).unwrap();
        assert_eq!(b.execute(t(3600)), Err(ApprovalError::Expired));
        let mut c = two_of_three();
        assert!(!c.expire(t(3599)));
        assert!(c.expire(t(3600)));
    }
}
