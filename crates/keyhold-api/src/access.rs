//! Access management (DESIGN.md section 6): `/v1/tenants`, `/v1/principals`,
//! `/v1/tokens`, `/v1/policies`, `/v1/roles` and `DELETE
//! /v1/sys/root-token`. Names, policy statements and tenant settings are the
//! core's own types, parsed (and so checked) as they are read.

mod schema;

use std::collections::BTreeSet;

use ipnet::IpNet;
use keyhold_core::policy::StatementSpec;
use keyhold_core::{
    Action, PolicyId, PolicyName, PrincipalId, PrincipalKind, PrincipalName, RoleName, TenantId,
    TenantName, Timestamp, TokenId,
};
use serde::{Deserialize, Serialize};

pub use schema::{
    ConditionsSchema, CryptoperiodSchema, EffectSchema, PrincipalKindSchema, QuorumRuleSchema,
    SodRuleSchema, StatementSchema, TenantSettingsSchema, TimeWindowSchema,
};

/// The longest description accepted (principals, tokens, policies, roles),
/// in bytes.
pub const MAX_DESCRIPTION_BYTES: usize = 4096;
/// The most statements one policy may hold.
pub const MAX_STATEMENTS: usize = 100;
/// The most source networks one token may be bound to.
pub const MAX_SOURCE_CIDRS: usize = 32;

/// `POST /v1/tenants`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTenantRequest {
    /// Unique name across the server.
    #[schema(value_type = String, min_length = 1, max_length = 128, pattern = "^[A-Za-z0-9][A-Za-z0-9._/-]*$", example = "payments")]
    pub name: TenantName,
}

/// A tenant as shown to callers (never its sealed KEK).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantInfo {
    /// Its id.
    #[schema(value_type = String, format = Uuid)]
    pub id: TenantId,
    /// Its name.
    #[schema(value_type = String, example = "payments")]
    pub name: TenantName,
    /// When it was created.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

/// `GET /v1/tenants`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantList {
    /// Every tenant, by name.
    pub tenants: Vec<TenantInfo>,
}

/// `GET /v1/principals`, `/v1/policies` and `/v1/tokens` query string.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// At most this many (1 to 1000, default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// `POST /v1/principals`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePrincipalRequest {
    /// Unique name within the tenant.
    #[schema(value_type = String, min_length = 1, max_length = 128, pattern = "^[A-Za-z0-9][A-Za-z0-9._/-]*$", example = "alice")]
    pub name: PrincipalName,
    /// `user` (the default) or `service`.
    #[serde(default = "default_kind")]
    #[schema(value_type = PrincipalKindSchema)]
    pub kind: PrincipalKind,
    /// Free text.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[schema(max_length = 4096)]
    pub description: String,
    /// Roles to grant (built-in or custom), checked against the tenant's
    /// separation-of-duties rules.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    #[schema(value_type = Vec<String>)]
    pub roles: BTreeSet<RoleName>,
    /// Policies to attach directly, by name.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    #[schema(value_type = Vec<String>)]
    pub policies: BTreeSet<PolicyName>,
}

fn default_kind() -> PrincipalKind {
    PrincipalKind::User
}

impl CreatePrincipalRequest {
    /// A user with this name, no roles and no policies.
    pub fn new(name: PrincipalName) -> Self {
        Self {
            name,
            kind: PrincipalKind::User,
            description: String::new(),
            roles: BTreeSet::new(),
            policies: BTreeSet::new(),
        }
    }
}

/// `PATCH /v1/principals/{name}`: what is given is replaced; roles change
/// only by grant and revoke.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePrincipalRequest {
    /// New description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 4096)]
    pub description: Option<String>,
    /// Disable (it then authenticates as nobody) or enable it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
    /// The directly attached policies, replaced whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<String>>)]
    pub policies: Option<BTreeSet<PolicyName>>,
    /// Make it a global admin (it may then act in every tenant with
    /// `X-Keyhold-Tenant`) or take that away. Only the root token and
    /// global admins may set it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub global_admin: Option<bool>,
}

/// A principal as shown to callers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrincipalInfo {
    /// Its id.
    #[schema(value_type = String, format = Uuid)]
    pub id: PrincipalId,
    /// Its tenant.
    #[schema(value_type = String, format = Uuid)]
    pub tenant: TenantId,
    /// Its name.
    #[schema(value_type = String, example = "alice")]
    pub name: PrincipalName,
    /// User or service.
    #[schema(value_type = PrincipalKindSchema)]
    pub kind: PrincipalKind,
    /// Free text.
    pub description: String,
    /// Roles granted, by name.
    #[schema(value_type = Vec<String>)]
    pub roles: BTreeSet<RoleName>,
    /// Policies attached directly, by name.
    #[schema(value_type = Vec<String>)]
    pub policies: BTreeSet<PolicyName>,
    /// Whether it may act across tenants.
    pub global_admin: bool,
    /// A disabled principal authenticates as nobody.
    pub disabled: bool,
    /// Created.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// Last changed.
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

/// A page of principals.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrincipalList {
    /// The principals, by name.
    pub principals: Vec<PrincipalInfo>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// `POST /v1/principals/{name}/roles`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantRoleRequest {
    /// A built-in role (`admin`, `key-custodian`, `key-user`, `approver`,
    /// `auditor`) or a custom role of the tenant.
    #[schema(value_type = String, example = "key-user")]
    pub role: RoleName,
}

/// `POST /v1/principals/{name}/certificates`: one of the three.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum BindCertificateRequest {
    /// Hex SHA-256 of the certificate's DER encoding (64 hex digits,
    /// colons allowed): exactly that certificate.
    Fingerprint(String),
    /// A subject distinguished name (RFC 4514): any certificate the server
    /// trusts that carries it.
    Subject(String),
    /// A PEM certificate: bound by its fingerprint, computed by the server.
    Pem(String),
    /// A PEM certificate: bound by its subject DN, rendered by the server
    /// exactly as it renders a client's certificate when it connects, so
    /// any certificate from the trusted CA with that subject matches (a
    /// renewed one included).
    SubjectOfPem(String),
}

/// How a bound certificate is recognised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CertificateMatch {
    /// By the SHA-256 of its DER encoding.
    Fingerprint,
    /// By its subject distinguished name.
    Subject,
}

/// A certificate bound to a principal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificateInfo {
    /// Fingerprint or subject.
    #[serde(rename = "match")]
    pub matches: CertificateMatch,
    /// Lowercase hex SHA-256, or the subject DN.
    pub value: String,
    /// The binding's name in `DELETE
    /// /v1/principals/{name}/certificates/{certificate}`: `sha256:<hex>` or
    /// `subject:<DN>` (percent-encoded in the path).
    #[serde(rename = "ref")]
    pub reference: String,
}

/// `GET /v1/principals/{name}/certificates`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificateList {
    /// The principal's bindings.
    pub certificates: Vec<CertificateInfo>,
}

/// `POST /v1/tokens`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTokenRequest {
    /// The principal (of the caller's tenant) the token authenticates.
    #[schema(value_type = String, example = "alice")]
    pub principal: PrincipalName,
    /// Seconds until it expires; 24 hours when omitted, at most the
    /// server's `max_token_ttl_secs` (30 days unless configured).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1)]
    pub ttl_secs: Option<u64>,
    /// Networks it may be used from; anywhere when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<String>, max_items = 32, example = json!(["10.0.0.0/8"]))]
    pub source_cidrs: Vec<IpNet>,
    /// Free text.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[schema(max_length = 4096)]
    pub description: String,
}

impl CreateTokenRequest {
    /// A token for `principal` with every option at its default.
    pub fn new(principal: PrincipalName) -> Self {
        Self {
            principal,
            ttl_secs: None,
            source_cidrs: Vec::new(),
            description: String::new(),
        }
    }
}

/// A token as shown to callers: never its text, never its hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenInfo {
    /// Its id (used to revoke it).
    #[schema(value_type = String, format = Uuid)]
    pub id: TokenId,
    /// The principal it authenticates.
    #[schema(value_type = String, format = Uuid)]
    pub principal_id: PrincipalId,
    /// That principal's name.
    #[schema(value_type = String, example = "alice")]
    pub principal: PrincipalName,
    /// Free text.
    pub description: String,
    /// Issued.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// When it stops working.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<Timestamp>,
    /// Networks it may be used from; anywhere when empty.
    #[schema(value_type = Vec<String>)]
    pub source_cidrs: Vec<IpNet>,
    /// When it was revoked, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub revoked_at: Option<Timestamp>,
}

/// A secret shown once (a token's text): `Debug` is redacted and the text
/// is wiped from memory when dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretText(zeroize::Zeroizing<String>);

impl Serialize for SecretText {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SecretText {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Self::new)
    }
}

impl SecretText {
    /// Wraps a secret.
    pub fn new(text: String) -> Self {
        Self(zeroize::Zeroizing::new(text))
    }

    /// The secret text.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SecretText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretText(<redacted>)")
    }
}

/// The answer to `POST /v1/tokens`: the token text, shown this once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatedToken {
    /// The bearer token (`kht_...`). The server keeps only its hash: it
    /// cannot be shown again.
    #[schema(value_type = String, example = "kht_...")]
    pub token: SecretText,
    /// The token's metadata.
    pub info: TokenInfo,
}

/// `GET /v1/tokens` query string.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListTokensQuery {
    /// Only this principal's tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<String>)]
    pub principal: Option<PrincipalName>,
    /// At most this many (1 to 1000, default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// A page of tokens.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenList {
    /// The tokens, by id.
    pub tokens: Vec<TokenInfo>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// The answer to `DELETE /v1/sys/root-token`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RootTokenRevoked {
    /// `true` if a root token was revoked now, `false` if there was none.
    pub revoked: bool,
}

/// `POST /v1/policies`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePolicyRequest {
    /// Unique name within the tenant.
    #[schema(value_type = String, min_length = 1, max_length = 128, pattern = "^[A-Za-z0-9][A-Za-z0-9._/-]*$", example = "payments-encrypt")]
    pub name: PolicyName,
    /// Free text.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[schema(max_length = 4096)]
    pub description: String,
    /// The statements (at most 100), checked before the policy is stored.
    #[schema(value_type = Vec<StatementSchema>, max_items = 100)]
    pub statements: Vec<StatementSpec>,
}

/// `PUT /v1/policies/{name}`: the description and statements, replaced
/// whole.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePolicyRequest {
    /// Free text.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[schema(max_length = 4096)]
    pub description: String,
    /// The statements (at most 100).
    #[schema(value_type = Vec<StatementSchema>, max_items = 100)]
    pub statements: Vec<StatementSpec>,
}

/// A policy as shown to callers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyInfo {
    /// Its id.
    #[schema(value_type = String, format = Uuid)]
    pub id: PolicyId,
    /// Its name.
    #[schema(value_type = String, example = "payments-encrypt")]
    pub name: PolicyName,
    /// Free text.
    pub description: String,
    /// Its statements, as written.
    #[schema(value_type = Vec<StatementSchema>)]
    pub statements: Vec<StatementSpec>,
    /// Created.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// Last changed.
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

/// A page of policies.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyList {
    /// The policies, by name.
    pub policies: Vec<PolicyInfo>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// `POST /v1/roles`: a custom role.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRoleRequest {
    /// Unique name within the tenant; never a built-in role's.
    #[schema(value_type = String, min_length = 1, max_length = 128, pattern = "^[A-Za-z0-9][A-Za-z0-9._/-]*$", example = "payments-operator")]
    pub name: RoleName,
    /// Free text.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[schema(max_length = 4096)]
    pub description: String,
    /// The policies it grants, by name (each must exist).
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub policies: BTreeSet<PolicyName>,
}

/// `PUT /v1/roles/{name}`: the description and policies, replaced whole.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateRoleRequest {
    /// Free text.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[schema(max_length = 4096)]
    pub description: String,
    /// The policies it grants, by name (each must exist).
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub policies: BTreeSet<PolicyName>,
}

/// A role as shown to callers: built-in (with the actions it allows) or
/// custom (with the policies it bundles).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleInfo {
    /// Its name.
    #[schema(value_type = String, example = "key-user")]
    pub name: RoleName,
    /// Whether keyhold defines it (it cannot be changed or deleted).
    pub builtin: bool,
    /// Free text.
    pub description: String,
    /// A built-in role's actions, on every resource of the tenant.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<String>, example = json!(["key:encrypt"]))]
    pub actions: Vec<Action>,
    /// A custom role's policies, by name.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    #[schema(value_type = Vec<String>)]
    pub policies: BTreeSet<PolicyName>,
    /// A custom role's creation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub created_at: Option<Timestamp>,
    /// A custom role's last change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub updated_at: Option<Timestamp>,
}

/// `GET /v1/roles`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleList {
    /// The built-in roles, then the custom ones by name.
    pub roles: Vec<RoleInfo>,
}

#[cfg(test)]
mod tests;

/// `POST /v1/tenants/{name}/rotate-kek`: what the KEK rotation did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateKekResponse {
    /// The tenant.
    #[schema(value_type = String, example = "payments")]
    pub tenant: TenantName,
    /// The tenant's KEK generation now.
    pub kek_generation: u32,
    /// Whether this call finished a rotation an earlier call left
    /// unfinished (rather than starting a new one).
    pub resumed: bool,
    /// Key versions whose material this call re-sealed under the new KEK.
    pub versions_resealed: u64,
    /// TOTP secrets re-sealed under the new KEK.
    pub mfa_secrets_resealed: u64,
}
