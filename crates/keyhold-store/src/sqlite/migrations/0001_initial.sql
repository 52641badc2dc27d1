-- keyhold schema, version 1. Ids are 16-byte UUIDs, timestamps INTEGER
-- microseconds since the Unix epoch, enums their stable text names.

CREATE TABLE system (
    key   TEXT PRIMARY KEY NOT NULL,
    value BLOB NOT NULL
) STRICT;

CREATE TABLE tenants (
    id              BLOB PRIMARY KEY NOT NULL,
    name            TEXT NOT NULL UNIQUE,
    sealed_kek      BLOB NOT NULL,
    root_generation INTEGER NOT NULL,
    created_at      INTEGER NOT NULL
) STRICT;

CREATE TABLE keys (
    id                   BLOB PRIMARY KEY NOT NULL,
    tenant_id            BLOB NOT NULL REFERENCES tenants (id),
    name                 TEXT NOT NULL,
    description          TEXT NOT NULL,
    tags                 TEXT NOT NULL,  -- JSON object of strings
    algorithm            TEXT NOT NULL,
    usage                INTEGER NOT NULL,  -- KMIP Cryptographic Usage Mask bits
    protection           TEXT NOT NULL,
    origin               TEXT NOT NULL,
    exportable           INTEGER NOT NULL,
    owner                BLOB,
    rotation_period_secs INTEGER,
    next_rotation_at     INTEGER,
    primary_version      INTEGER NOT NULL,
    destroy_scheduled_at INTEGER,
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL
) STRICT;

-- Unique names per tenant, and the index listing walks (by tenant, by name).
CREATE UNIQUE INDEX keys_by_tenant_name ON keys (tenant_id, name);

CREATE TABLE key_versions (
    id                BLOB PRIMARY KEY NOT NULL,
    key_id            BLOB NOT NULL REFERENCES keys (id),
    version           INTEGER NOT NULL,
    state             TEXT NOT NULL,
    archived          INTEGER NOT NULL,
    created_at        INTEGER NOT NULL,
    activation_date   INTEGER,
    deactivation_date INTEGER,
    compromise_date   INTEGER,
    destroy_date      INTEGER,
    revocation_reason TEXT,
    public_key        BLOB,
    sealed_material   BLOB  -- NULL once destroyed
) STRICT;

CREATE UNIQUE INDEX key_versions_by_key ON key_versions (key_id, version);
