-- keyhold schema, version 4: access control (DESIGN.md section 6).
--
-- Principals, their tokens (hashes only), certificate bindings and TOTP
-- enrollments; policies, custom roles, pending approvals and per-tenant
-- settings. Ids are 16-byte blobs, times microseconds since the epoch, enums
-- their stable names, lists and documents JSON text. Rows that belong to a
-- principal carry its tenant and refer to (tenant_id, principal_id), so a
-- token or a certificate can never point at another tenant's principal.

CREATE TABLE principals (
    id           BLOB PRIMARY KEY NOT NULL,
    tenant_id    BLOB NOT NULL REFERENCES tenants (id),
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL,   -- user, service
    description  TEXT NOT NULL,
    roles        TEXT NOT NULL,   -- JSON array of role names
    policies     TEXT NOT NULL,   -- JSON array of policy names
    global_admin INTEGER NOT NULL,
    disabled     INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
) STRICT;

-- Unique names per tenant, and the index listing walks.
CREATE UNIQUE INDEX principals_by_tenant_name ON principals (tenant_id, name);
-- The target of the (tenant_id, principal_id) references below.
CREATE UNIQUE INDEX principals_by_tenant_id ON principals (tenant_id, id);

-- One row per role a principal holds, so "who holds this role" is plain,
-- portable SQL over an index. `principals.roles` stays the record a
-- principal is read from; the store rewrites these rows with every insert
-- and update of the principal, in the same transaction.
CREATE TABLE principal_roles (
    tenant_id    BLOB NOT NULL,
    principal_id BLOB NOT NULL,
    role         TEXT NOT NULL,
    PRIMARY KEY (principal_id, role),
    FOREIGN KEY (tenant_id, principal_id) REFERENCES principals (tenant_id, id)
) STRICT;

CREATE INDEX principal_roles_by_role ON principal_roles (tenant_id, role, principal_id);

CREATE TABLE tokens (
    id           BLOB PRIMARY KEY NOT NULL,
    tenant_id    BLOB NOT NULL,
    principal_id BLOB NOT NULL,
    hash         BLOB NOT NULL UNIQUE,  -- SHA-256 of the token text
    description  TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER,
    source_cidrs TEXT NOT NULL,         -- JSON array of networks
    revoked_at   INTEGER,
    FOREIGN KEY (tenant_id, principal_id) REFERENCES principals (tenant_id, id)
) STRICT;

CREATE INDEX tokens_by_tenant ON tokens (tenant_id, id);
CREATE INDEX tokens_by_principal ON tokens (tenant_id, principal_id, id);

-- A certificate names one principal across all tenants: the matcher is the
-- primary key. `kind` is fingerprint (then `matcher` is the SHA-256 of the
-- certificate's DER in lowercase hex) or subject (an RFC 4514 string).
CREATE TABLE principal_certs (
    kind         TEXT NOT NULL,
    matcher      TEXT NOT NULL,
    tenant_id    BLOB NOT NULL,
    principal_id BLOB NOT NULL,
    PRIMARY KEY (kind, matcher),
    FOREIGN KEY (tenant_id, principal_id) REFERENCES principals (tenant_id, id)
) STRICT;

CREATE INDEX principal_certs_by_principal ON principal_certs (tenant_id, principal_id);

CREATE TABLE mfa (
    principal_id   BLOB PRIMARY KEY NOT NULL REFERENCES principals (id),
    sealed_secret  BLOB NOT NULL,   -- TOTP secret sealed under the tenant KEK
    confirmed      INTEGER NOT NULL,
    last_used_step INTEGER,         -- replay guard
    created_at     INTEGER NOT NULL
) STRICT;

CREATE TABLE policies (
    id          BLOB PRIMARY KEY NOT NULL,
    tenant_id   BLOB NOT NULL REFERENCES tenants (id),
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    statements  TEXT NOT NULL,      -- JSON array of statements as written
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;

CREATE UNIQUE INDEX policies_by_tenant_name ON policies (tenant_id, name);

-- Custom roles only: built-in roles are keyhold's and never stored.
CREATE TABLE roles (
    tenant_id   BLOB NOT NULL REFERENCES tenants (id),
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    policies    TEXT NOT NULL,      -- JSON array of policy names
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, name)
) STRICT;

CREATE TABLE approvals (
    id              BLOB PRIMARY KEY NOT NULL,
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    action          TEXT NOT NULL,
    requester       BLOB NOT NULL,
    required        INTEGER NOT NULL,
    approvers       TEXT NOT NULL,  -- JSON array of principal ids
    denied_by       BLOB,
    state           TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    resource        TEXT NOT NULL,
    request         TEXT NOT NULL,  -- JSON document
    executed_result TEXT            -- JSON document
) STRICT;

-- Listing a tenant's approvals in a state, or all of them, oldest first;
-- and the scheduler's sweep of pending ones past their expiry.
CREATE INDEX approvals_by_tenant_state ON approvals (tenant_id, state, created_at, id);
CREATE INDEX approvals_by_tenant ON approvals (tenant_id, created_at, id);
CREATE INDEX approvals_by_expiry ON approvals (state, expires_at, id);

CREATE TABLE tenant_settings (
    tenant_id BLOB PRIMARY KEY NOT NULL REFERENCES tenants (id),
    settings  TEXT NOT NULL         -- JSON document
) STRICT;
