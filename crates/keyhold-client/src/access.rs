//! Access management: tenants and their settings, principals (roles,
//! certificates), tokens, policies, roles, and revoking the root token.

use keyhold_api::access::{
    BindCertificateRequest, CertificateInfo, CertificateList, CreatePolicyRequest,
    CreatePrincipalRequest, CreateRoleRequest, CreateTenantRequest, CreateTokenRequest,
    CreatedToken, GrantRoleRequest, ListTokensQuery, PageQuery, PolicyInfo, PolicyList,
    PrincipalInfo, PrincipalList, RoleInfo, RoleList, RootTokenRevoked, RotateKekResponse,
    TenantInfo, TenantList, TokenInfo, TokenList, UpdatePolicyRequest, UpdatePrincipalRequest,
    UpdateRoleRequest,
};
use keyhold_core::{PolicyName, PrincipalName, RoleName, TenantName, TenantSettings, TokenId};
use reqwest::Method;

use crate::{Client, ClientError, percent_encode, serde_urlencoded_query};

/// `/v1/{collection}/{name}{suffix}`, the name one percent-encoded segment.
fn path(collection: &str, name: &str, suffix: &str) -> String {
    format!("/v1/{collection}/{}{suffix}", percent_encode(name))
}

impl Client {
    /// `POST /v1/tenants`.
    pub async fn create_tenant(&self, name: &TenantName) -> Result<TenantInfo, ClientError> {
        let req = CreateTenantRequest { name: name.clone() };
        self.call(Method::POST, "/v1/tenants", Some(&req)).await
    }

    /// `GET /v1/tenants`.
    pub async fn list_tenants(&self) -> Result<TenantList, ClientError> {
        self.call(Method::GET, "/v1/tenants", None::<&()>).await
    }

    /// `GET /v1/tenants/{name}`.
    pub async fn tenant(&self, name: &TenantName) -> Result<TenantInfo, ClientError> {
        let p = path("tenants", name.as_str(), "");
        self.call(Method::GET, &p, None::<&()>).await
    }

    /// `POST /v1/tenants/{name}/rotate-kek`.
    pub async fn rotate_kek(&self, name: &TenantName) -> Result<RotateKekResponse, ClientError> {
        let p = path("tenants", name.as_str(), "/rotate-kek");
        self.call(Method::POST, &p, None::<&()>).await
    }

    /// `GET /v1/tenants/{name}/settings`.
    pub async fn tenant_settings(&self, name: &TenantName) -> Result<TenantSettings, ClientError> {
        let p = path("tenants", name.as_str(), "/settings");
        self.call(Method::GET, &p, None::<&()>).await
    }

    /// `PUT /v1/tenants/{name}/settings`.
    pub async fn set_tenant_settings(
        &self,
        name: &TenantName,
        settings: &TenantSettings,
    ) -> Result<TenantSettings, ClientError> {
        let p = path("tenants", name.as_str(), "/settings");
        self.call(Method::PUT, &p, Some(settings)).await
    }

    /// `POST /v1/principals`.
    pub async fn create_principal(
        &self,
        req: &CreatePrincipalRequest,
    ) -> Result<PrincipalInfo, ClientError> {
        self.call(Method::POST, "/v1/principals", Some(req)).await
    }

    /// `GET /v1/principals`, one page.
    pub async fn list_principals(&self, q: &PageQuery) -> Result<PrincipalList, ClientError> {
        let qs = serde_urlencoded_query(q)?;
        self.call(Method::GET, &format!("/v1/principals{qs}"), None::<&()>)
            .await
    }

    /// `GET /v1/principals/{name}`.
    pub async fn principal(&self, name: &PrincipalName) -> Result<PrincipalInfo, ClientError> {
        let p = path("principals", name.as_str(), "");
        self.call(Method::GET, &p, None::<&()>).await
    }

    /// `PATCH /v1/principals/{name}`.
    pub async fn update_principal(
        &self,
        name: &PrincipalName,
        req: &UpdatePrincipalRequest,
    ) -> Result<PrincipalInfo, ClientError> {
        let p = path("principals", name.as_str(), "");
        self.call(Method::PATCH, &p, Some(req)).await
    }

    /// `DELETE /v1/principals/{name}`.
    pub async fn delete_principal(&self, name: &PrincipalName) -> Result<(), ClientError> {
        let p = path("principals", name.as_str(), "");
        self.call_empty(Method::DELETE, &p).await
    }

    /// `POST /v1/principals/{name}/roles`.
    pub async fn grant_role(
        &self,
        name: &PrincipalName,
        role: &RoleName,
    ) -> Result<PrincipalInfo, ClientError> {
        let p = path("principals", name.as_str(), "/roles");
        let req = GrantRoleRequest { role: role.clone() };
        self.call(Method::POST, &p, Some(&req)).await
    }

    /// `DELETE /v1/principals/{name}/roles/{role}`.
    pub async fn revoke_role(
        &self,
        name: &PrincipalName,
        role: &RoleName,
    ) -> Result<PrincipalInfo, ClientError> {
        let suffix = format!("/roles/{}", percent_encode(role.as_str()));
        let p = path("principals", name.as_str(), &suffix);
        self.call(Method::DELETE, &p, None::<&()>).await
    }

    /// `POST /v1/principals/{name}/certificates`.
    pub async fn bind_certificate(
        &self,
        name: &PrincipalName,
        req: &BindCertificateRequest,
    ) -> Result<CertificateInfo, ClientError> {
        let p = path("principals", name.as_str(), "/certificates");
        self.call(Method::POST, &p, Some(req)).await
    }

    /// `GET /v1/principals/{name}/certificates`.
    pub async fn certificates(&self, name: &PrincipalName) -> Result<CertificateList, ClientError> {
        let p = path("principals", name.as_str(), "/certificates");
        self.call(Method::GET, &p, None::<&()>).await
    }

    /// `DELETE /v1/principals/{name}/certificates/{ref}` (`ref` as listed:
    /// `sha256:<hex>` or `subject:<DN>`).
    pub async fn unbind_certificate(
        &self,
        name: &PrincipalName,
        reference: &str,
    ) -> Result<(), ClientError> {
        let suffix = format!("/certificates/{}", percent_encode(reference));
        let p = path("principals", name.as_str(), &suffix);
        self.call_empty(Method::DELETE, &p).await
    }

    /// `POST /v1/tokens`: the answer holds the token text, shown once.
    pub async fn create_token(
        &self,
        req: &CreateTokenRequest,
    ) -> Result<CreatedToken, ClientError> {
        self.call(Method::POST, "/v1/tokens", Some(req)).await
    }

    /// `GET /v1/tokens`, one page.
    pub async fn list_tokens(&self, q: &ListTokensQuery) -> Result<TokenList, ClientError> {
        let qs = serde_urlencoded_query(q)?;
        self.call(Method::GET, &format!("/v1/tokens{qs}"), None::<&()>)
            .await
    }

    /// `DELETE /v1/tokens/{id}` (idempotent).
    pub async fn revoke_token(&self, id: TokenId) -> Result<TokenInfo, ClientError> {
        self.call(Method::DELETE, &format!("/v1/tokens/{id}"), None::<&()>)
            .await
    }

    /// `DELETE /v1/sys/root-token`.
    pub async fn revoke_root_token(&self) -> Result<RootTokenRevoked, ClientError> {
        self.call(Method::DELETE, "/v1/sys/root-token", None::<&()>)
            .await
    }

    /// `POST /v1/policies`.
    pub async fn create_policy(
        &self,
        req: &CreatePolicyRequest,
    ) -> Result<PolicyInfo, ClientError> {
        self.call(Method::POST, "/v1/policies", Some(req)).await
    }

    /// `GET /v1/policies`, one page.
    pub async fn list_policies(&self, q: &PageQuery) -> Result<PolicyList, ClientError> {
        let qs = serde_urlencoded_query(q)?;
        self.call(Method::GET, &format!("/v1/policies{qs}"), None::<&()>)
            .await
    }

    /// `GET /v1/policies/{name}`.
    pub async fn policy(&self, name: &PolicyName) -> Result<PolicyInfo, ClientError> {
        let p = path("policies", name.as_str(), "");
        self.call(Method::GET, &p, None::<&()>).await
    }

    /// `PUT /v1/policies/{name}`.
    pub async fn update_policy(
        &self,
        name: &PolicyName,
        req: &UpdatePolicyRequest,
    ) -> Result<PolicyInfo, ClientError> {
        let p = path("policies", name.as_str(), "");
        self.call(Method::PUT, &p, Some(req)).await
    }

    /// `DELETE /v1/policies/{name}`.
    pub async fn delete_policy(&self, name: &PolicyName) -> Result<(), ClientError> {
        let p = path("policies", name.as_str(), "");
        self.call_empty(Method::DELETE, &p).await
    }

    /// `GET /v1/roles`.
    pub async fn list_roles(&self) -> Result<RoleList, ClientError> {
        self.call(Method::GET, "/v1/roles", None::<&()>).await
    }

    /// `GET /v1/roles/{name}`.
    pub async fn role(&self, name: &RoleName) -> Result<RoleInfo, ClientError> {
        let p = path("roles", name.as_str(), "");
        self.call(Method::GET, &p, None::<&()>).await
    }

    /// `POST /v1/roles`.
    pub async fn create_role(&self, req: &CreateRoleRequest) -> Result<RoleInfo, ClientError> {
        self.call(Method::POST, "/v1/roles", Some(req)).await
    }

    /// `PUT /v1/roles/{name}`.
    pub async fn update_role(
        &self,
        name: &RoleName,
        req: &UpdateRoleRequest,
    ) -> Result<RoleInfo, ClientError> {
        let p = path("roles", name.as_str(), "");
        self.call(Method::PUT, &p, Some(req)).await
    }

    /// `DELETE /v1/roles/{name}`.
    pub async fn delete_role(&self, name: &RoleName) -> Result<(), ClientError> {
        let p = path("roles", name.as_str(), "");
        self.call_empty(Method::DELETE, &p).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_references_are_one_segment() {
        assert_eq!(path("principals", "svc/ci", ""), "/v1/principals/svc%2Fci");
        let reference = "subject:CN=a b,O=c";
        assert_eq!(percent_encode(reference), "subject%3ACN%3Da%20b%2CO%3Dc");
    }
}
