//! Quorum approvals.

use keyhold_api::approvals::{
    ApprovalInfo, ApprovalList, CreateApprovalRequest, ListApprovalsQuery,
};
use keyhold_core::ApprovalId;
use reqwest::Method;

use crate::{Client, ClientError, serde_urlencoded_query};

impl Client {
    /// `POST /v1/approvals`: asks for approval of one request.
    pub async fn request_approval(
        &self,
        req: &CreateApprovalRequest,
    ) -> Result<ApprovalInfo, ClientError> {
        self.call(Method::POST, "/v1/approvals", Some(req)).await
    }

    /// `GET /v1/approvals`.
    pub async fn approvals(&self, q: &ListApprovalsQuery) -> Result<ApprovalList, ClientError> {
        let query = serde_urlencoded_query(q)?;
        self.call::<(), _>(Method::GET, &format!("/v1/approvals{query}"), None)
            .await
    }

    /// `GET /v1/approvals/{id}`.
    pub async fn approval(&self, id: ApprovalId) -> Result<ApprovalInfo, ClientError> {
        self.call::<(), _>(Method::GET, &format!("/v1/approvals/{id}"), None)
            .await
    }

    /// `POST /v1/approvals/{id}/approve` (send a TOTP code: [`Client::with_mfa`]).
    pub async fn approve(&self, id: ApprovalId) -> Result<ApprovalInfo, ClientError> {
        self.call::<(), _>(Method::POST, &format!("/v1/approvals/{id}/approve"), None)
            .await
    }

    /// `POST /v1/approvals/{id}/deny` (send a TOTP code: [`Client::with_mfa`]).
    pub async fn deny(&self, id: ApprovalId) -> Result<ApprovalInfo, ClientError> {
        self.call::<(), _>(Method::POST, &format!("/v1/approvals/{id}/deny"), None)
            .await
    }
}
