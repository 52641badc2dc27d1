//! The access-control statements (migration 4): principals with their role
//! rows, tokens, certificate bindings, TOTP enrollments, policies, custom
//! roles, approvals and tenant settings. Same conventions as the rest of
//! [`crate::queries`]: `$n` placeholders, portable SQL, the column lists
//! here fix the order [`crate::codec`] encodes and decodes.

macro_rules! principal_columns {
    () => {
        "p.id, p.tenant_id, p.name, p.kind, p.description, p.roles, p.policies, \
         p.global_admin, p.disabled, p.created_at, p.updated_at"
    };
}

macro_rules! token_columns {
    () => {
        "id, tenant_id, principal_id, hash, description, created_at, expires_at, \
         source_cidrs, revoked_at"
    };
}

macro_rules! cert_columns {
    () => {
        "kind, matcher, tenant_id, principal_id"
    };
}

macro_rules! policy_columns {
    () => {
        "id, tenant_id, name, description, statements, created_at, updated_at"
    };
}

macro_rules! role_columns {
    () => {
        "tenant_id, name, description, policies, created_at, updated_at"
    };
}

macro_rules! mfa_columns {
    () => {
        "principal_id, sealed_secret, confirmed, last_used_step, created_at"
    };
}

macro_rules! approval_columns {
    () => {
        "a.id, a.tenant_id, a.action, a.requester, a.required, a.approvers, a.denied_by, \
         a.state, a.created_at, a.expires_at, a.resource, a.request, a.executed_result"
    };
}

/// A tenant's tokens by id, `$driver` repeating the principal filter as a
/// plain equality when there is one (so the planner walks its index).
macro_rules! token_list {
    ($driver:literal) => {
        concat!(
            "SELECT ",
            token_columns!(),
            " FROM tokens WHERE tenant_id = $1 AND ",
            $driver,
            "(CAST($2 AS BYTEA) IS NULL OR principal_id = $2) \
             AND (CAST($3 AS BYTEA) IS NULL OR id > $3) \
             ORDER BY id LIMIT $4"
        )
    };
}

/// A tenant's approvals, oldest first (ties by id); the cursor is the id of
/// the last approval of the previous page. `$driver` repeats the state filter
/// as a plain equality when there is one.
macro_rules! approval_list {
    ($driver:literal) => {
        concat!(
            "SELECT ",
            approval_columns!(),
            " FROM approvals a WHERE a.tenant_id = $1 AND ",
            $driver,
            "(CAST($2 AS TEXT) IS NULL OR a.state = $2) \
             AND (CAST($3 AS BYTEA) IS NULL OR (a.created_at, a.id) > \
                  (SELECT c.created_at, c.id FROM approvals c \
                   WHERE c.tenant_id = $1 AND c.id = $3)) \
             ORDER BY a.created_at, a.id LIMIT $4"
        )
    };
}

/// `$1` tenant id, `$2` principal id.
pub(crate) const PRINCIPAL_GET: &str = concat!(
    "SELECT ",
    principal_columns!(),
    " FROM principals p WHERE p.tenant_id = $1 AND p.id = $2"
);
/// `$1` tenant id, `$2` principal name.
pub(crate) const PRINCIPAL_BY_NAME: &str = concat!(
    "SELECT ",
    principal_columns!(),
    " FROM principals p WHERE p.tenant_id = $1 AND p.name = $2"
);
/// `$1` tenant id, `$2` cursor (names after it; `''` for the first page),
/// `$3` limit.
pub(crate) const PRINCIPALS: &str = concat!(
    "SELECT ",
    principal_columns!(),
    " FROM principals p WHERE p.tenant_id = $1 AND p.name > $2 ORDER BY p.name LIMIT $3"
);
/// `$1` tenant id, `$2` role name: who holds the role, by name.
pub(crate) const PRINCIPALS_WITH_ROLE: &str = concat!(
    "SELECT ",
    principal_columns!(),
    " FROM principal_roles r JOIN principals p \
     ON p.tenant_id = r.tenant_id AND p.id = r.principal_id \
     WHERE r.tenant_id = $1 AND r.role = $2 ORDER BY p.name"
);
/// The principal's columns in order.
pub(crate) const PRINCIPAL_INSERT: &str = "INSERT INTO principals (id, tenant_id, name, kind, \
     description, roles, policies, global_admin, disabled, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
/// The principal's columns in order; `$1` (id) and `$2` (tenant) select the row.
pub(crate) const PRINCIPAL_UPDATE: &str = "UPDATE principals SET name = $3, kind = $4, \
     description = $5, roles = $6, policies = $7, global_admin = $8, disabled = $9, \
     created_at = $10, updated_at = $11 WHERE id = $1 AND tenant_id = $2";
/// `$1` tenant id, `$2` principal id.
pub(crate) const PRINCIPAL_DELETE: &str = "DELETE FROM principals WHERE tenant_id = $1 AND id = $2";
/// `$1` tenant id, `$2` principal id, `$3` role name.
pub(crate) const PRINCIPAL_ROLE_INSERT: &str =
    "INSERT INTO principal_roles (tenant_id, principal_id, role) VALUES ($1, $2, $3)";
/// `$1` tenant id, `$2` principal id: forgets its role rows.
pub(crate) const PRINCIPAL_ROLES_DELETE: &str =
    "DELETE FROM principal_roles WHERE tenant_id = $1 AND principal_id = $2";
/// `$1` tenant id, `$2` principal id: deletes its tokens.
pub(crate) const PRINCIPAL_TOKENS_DELETE: &str =
    "DELETE FROM tokens WHERE tenant_id = $1 AND principal_id = $2";
/// `$1` tenant id, `$2` principal id: deletes its certificate bindings.
pub(crate) const PRINCIPAL_CERTS_DELETE: &str =
    "DELETE FROM principal_certs WHERE tenant_id = $1 AND principal_id = $2";
/// `$1` tenant id, `$2` principal id: deletes its TOTP enrollment (only if
/// the principal is the tenant's).
pub(crate) const PRINCIPAL_MFA_DELETE: &str = "DELETE FROM mfa WHERE principal_id = $2 \
     AND EXISTS (SELECT 1 FROM principals p WHERE p.tenant_id = $1 AND p.id = $2)";

/// `$1` token hash.
pub(crate) const TOKEN_BY_HASH: &str =
    concat!("SELECT ", token_columns!(), " FROM tokens WHERE hash = $1");
/// `$1` tenant id, `$2` token id.
pub(crate) const TOKEN_GET: &str = concat!(
    "SELECT ",
    token_columns!(),
    " FROM tokens WHERE tenant_id = $1 AND id = $2"
);
/// `$1` tenant id, `$2` principal id or NULL, `$3` cursor (ids after it) or
/// NULL, `$4` limit. Walks the tenant index.
pub(crate) const TOKENS: &str = token_list!("");
/// As [`TOKENS`] with a principal (`$2`), walking the principal index.
pub(crate) const TOKENS_OF_PRINCIPAL: &str = token_list!("principal_id = $2 AND ");
/// The token's columns in order.
pub(crate) const TOKEN_INSERT: &str = concat!(
    "INSERT INTO tokens (",
    token_columns!(),
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
);
/// `$1` token id, `$2` time: revokes it, keeping the first revocation time.
pub(crate) const TOKEN_REVOKE: &str =
    "UPDATE tokens SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1";

/// `$1` matcher kind, `$2` matcher text.
pub(crate) const CERT_BINDING: &str = concat!(
    "SELECT ",
    cert_columns!(),
    " FROM principal_certs WHERE kind = $1 AND matcher = $2"
);
/// `$1` tenant id, `$2` principal id.
pub(crate) const CERT_BINDINGS: &str = concat!(
    "SELECT ",
    cert_columns!(),
    " FROM principal_certs WHERE tenant_id = $1 AND principal_id = $2 ORDER BY kind, matcher"
);
/// The binding's columns in order.
pub(crate) const CERT_BIND: &str = concat!(
    "INSERT INTO principal_certs (",
    cert_columns!(),
    ") VALUES ($1, $2, $3, $4)"
);
/// `$1` tenant id, `$2` matcher kind, `$3` matcher text.
pub(crate) const CERT_UNBIND: &str =
    "DELETE FROM principal_certs WHERE tenant_id = $1 AND kind = $2 AND matcher = $3";

/// `$1` principal id.
pub(crate) const MFA_GET: &str = concat!(
    "SELECT ",
    mfa_columns!(),
    " FROM mfa WHERE principal_id = $1"
);
/// The enrollment's columns in order: inserts or replaces.
pub(crate) const MFA_PUT: &str = concat!(
    "INSERT INTO mfa (",
    mfa_columns!(),
    ") VALUES ($1, $2, $3, $4, $5) ON CONFLICT (principal_id) DO UPDATE SET \
     sealed_secret = excluded.sealed_secret, confirmed = excluded.confirmed, \
     last_used_step = excluded.last_used_step, created_at = excluded.created_at"
);
/// `$1` principal id.
pub(crate) const MFA_DELETE: &str = "DELETE FROM mfa WHERE principal_id = $1";

/// `$1` tenant id, `$2` policy name.
pub(crate) const POLICY_GET: &str = concat!(
    "SELECT ",
    policy_columns!(),
    " FROM policies WHERE tenant_id = $1 AND name = $2"
);
/// `$1` tenant id, `$2` cursor (names after it; `''` for the first page),
/// `$3` limit.
pub(crate) const POLICIES: &str = concat!(
    "SELECT ",
    policy_columns!(),
    " FROM policies WHERE tenant_id = $1 AND name > $2 ORDER BY name LIMIT $3"
);
/// The policy's columns in order.
pub(crate) const POLICY_INSERT: &str = concat!(
    "INSERT INTO policies (",
    policy_columns!(),
    ") VALUES ($1, $2, $3, $4, $5, $6, $7)"
);
/// The policy's columns in order; `$1` (id) and `$2` (tenant) select the row.
pub(crate) const POLICY_UPDATE: &str = "UPDATE policies SET name = $3, description = $4, \
     statements = $5, created_at = $6, updated_at = $7 WHERE id = $1 AND tenant_id = $2";
/// `$1` tenant id, `$2` policy name.
pub(crate) const POLICY_DELETE: &str = "DELETE FROM policies WHERE tenant_id = $1 AND name = $2";

/// `$1` tenant id, `$2` role name.
pub(crate) const ROLE_GET: &str = concat!(
    "SELECT ",
    role_columns!(),
    " FROM roles WHERE tenant_id = $1 AND name = $2"
);
/// `$1` tenant id.
pub(crate) const ROLES: &str = concat!(
    "SELECT ",
    role_columns!(),
    " FROM roles WHERE tenant_id = $1 ORDER BY name"
);
/// The role's columns in order.
pub(crate) const ROLE_INSERT: &str = concat!(
    "INSERT INTO roles (",
    role_columns!(),
    ") VALUES ($1, $2, $3, $4, $5, $6)"
);
/// The role's columns in order; `$1` (tenant) and `$2` (name) select the row.
pub(crate) const ROLE_UPDATE: &str = "UPDATE roles SET description = $3, policies = $4, \
     created_at = $5, updated_at = $6 WHERE tenant_id = $1 AND name = $2";
/// `$1` tenant id, `$2` role name.
pub(crate) const ROLE_DELETE: &str = "DELETE FROM roles WHERE tenant_id = $1 AND name = $2";

/// `$1` tenant id, `$2` approval id.
pub(crate) const APPROVAL_GET: &str = concat!(
    "SELECT ",
    approval_columns!(),
    " FROM approvals a WHERE a.tenant_id = $1 AND a.id = $2"
);
/// `$1` tenant id, `$2` state name or NULL, `$3` cursor (approval id) or
/// NULL, `$4` limit.
pub(crate) const APPROVALS: &str = approval_list!("");
/// As [`APPROVALS`] with a state (`$2`), walking the state index.
pub(crate) const APPROVALS_IN_STATE: &str = approval_list!("a.state = $2 AND ");
/// `$1` the pending state's name, `$2` now, `$3` limit: pending approvals
/// whose expiry has come, across tenants, soonest first.
pub(crate) const APPROVALS_EXPIRING: &str = concat!(
    "SELECT ",
    approval_columns!(),
    " FROM approvals a WHERE a.state = $1 AND a.expires_at <= $2 \
     ORDER BY a.expires_at, a.id LIMIT $3"
);
/// The approval's columns in order.
pub(crate) const APPROVAL_INSERT: &str = "INSERT INTO approvals (id, tenant_id, action, \
     requester, required, approvers, denied_by, state, created_at, expires_at, resource, \
     request, executed_result) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";
/// The approval's columns in order; `$1` (id) and `$2` (tenant) select the row.
pub(crate) const APPROVAL_UPDATE: &str = "UPDATE approvals SET action = $3, requester = $4, \
     required = $5, approvers = $6, denied_by = $7, state = $8, created_at = $9, \
     expires_at = $10, resource = $11, request = $12, executed_result = $13 \
     WHERE id = $1 AND tenant_id = $2";

/// `$1` tenant id.
pub(crate) const TENANT_SETTINGS_GET: &str =
    "SELECT settings FROM tenant_settings WHERE tenant_id = $1";
/// `$1` tenant id, `$2` settings JSON: inserts or replaces.
pub(crate) const TENANT_SETTINGS_PUT: &str = "INSERT INTO tenant_settings (tenant_id, settings) \
     VALUES ($1, $2) ON CONFLICT (tenant_id) DO UPDATE SET settings = excluded.settings";

/// Every access statement with the number of parameters its callers bind.
#[cfg(test)]
pub(crate) const ALL: [(&str, usize); 43] = [
    (PRINCIPAL_GET, 2),
    (PRINCIPAL_BY_NAME, 2),
    (PRINCIPALS, 3),
    (PRINCIPALS_WITH_ROLE, 2),
    (PRINCIPAL_INSERT, 11),
    (PRINCIPAL_UPDATE, 11),
    (PRINCIPAL_DELETE, 2),
    (PRINCIPAL_ROLE_INSERT, 3),
    (PRINCIPAL_ROLES_DELETE, 2),
    (PRINCIPAL_TOKENS_DELETE, 2),
    (PRINCIPAL_CERTS_DELETE, 2),
    (PRINCIPAL_MFA_DELETE, 2),
    (TOKEN_BY_HASH, 1),
    (TOKEN_GET, 2),
    (TOKENS, 4),
    (TOKENS_OF_PRINCIPAL, 4),
    (TOKEN_INSERT, 9),
    (TOKEN_REVOKE, 2),
    (CERT_BINDING, 2),
    (CERT_BINDINGS, 2),
    (CERT_BIND, 4),
    (CERT_UNBIND, 3),
    (MFA_GET, 1),
    (MFA_PUT, 5),
    (MFA_DELETE, 1),
    (POLICY_GET, 2),
    (POLICIES, 3),
    (POLICY_INSERT, 7),
    (POLICY_UPDATE, 7),
    (POLICY_DELETE, 2),
    (ROLE_GET, 2),
    (ROLES, 1),
    (ROLE_INSERT, 6),
    (ROLE_UPDATE, 6),
    (ROLE_DELETE, 2),
    (APPROVAL_GET, 2),
    (APPROVALS, 4),
    (APPROVALS_IN_STATE, 4),
    (APPROVALS_EXPIRING, 3),
    (APPROVAL_INSERT, 13),
    (APPROVAL_UPDATE, 13),
    (TENANT_SETTINGS_GET, 1),
    (TENANT_SETTINGS_PUT, 2),
];
