//! Every DML statement, shared by all backends. Placeholders are `$1, $2, ...`
//! (PostgreSQL's form; SQLite reads them as named parameters, and adapters
//! bind them by name). The SQL is portable: optional filters are written
//! `CAST($n AS TEXT) IS NULL OR ...` so PostgreSQL can infer the parameter
//! type. The column lists here fix the order [`crate::codec`] encodes and
//! decodes. DDL is per backend.

pub(crate) mod access;

pub(crate) use access::*;

macro_rules! tenant_columns {
    () => {
        "id, name, sealed_kek, root_generation, created_at, kek_generation, retiring_kek"
    };
}

macro_rules! key_columns {
    () => {
        "k.id, k.tenant_id, k.name, k.description, k.tags, k.algorithm, k.usage, \
         k.protection, k.origin, k.exportable, k.owner, k.rotation_period_secs, \
         k.next_rotation_at, k.primary_version, k.destroy_scheduled_at, k.created_at, \
         k.updated_at, k.originator_usage_period_secs, k.recipient_usage_period_secs, \
         k.recipient_usage_end, k.last_used_at, k.idle_warned_at, k.crypto_params, k.kmip_meta"
    };
}

macro_rules! version_columns {
    () => {
        "id, key_id, version, state, archived, created_at, activation_date, \
         deactivation_date, compromise_date, destroy_date, revocation_reason, public_key, \
         sealed_material, kek_generation, process_start_date, protect_stop_date, \
         compromise_recorded_at, served_at, public_half"
    };
}

/// The filters of a key list after the one its statement starts from:
/// `$4` algorithm, `$5` primary version state, `$7`/`$8` tag, each NULL
/// when not asked for. The statement then orders by name and stops at `$6`.
macro_rules! key_list_filters {
    () => {
        " AND (CAST($4 AS TEXT) IS NULL OR k.algorithm = $4) \
         AND (CAST($5 AS TEXT) IS NULL OR v.state = $5) \
         AND (CAST($7 AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM key_tags t \
              WHERE t.key_id = k.id AND t.name = $7 AND t.value = $8))"
    };
}

/// A key list starting from `$from` (the tables, joined, in the order the
/// planner must take them), with `$bounds` on the name (`$2` from, `$3`
/// before) and in `$order`.
macro_rules! key_list {
    ($from:literal, $bounds:literal, $order:literal) => {
        concat!(
            "SELECT ",
            key_columns!(),
            $from,
            " LEFT JOIN key_versions v ON v.key_id = k.id AND v.version = k.primary_version \
             WHERE k.tenant_id = $1 AND ",
            $bounds,
            key_list_filters!(),
            " ORDER BY ",
            $order,
            " LIMIT $6"
        )
    };
}

macro_rules! audit_event_columns {
    () => {
        "seq, time, request_id, tenant_id, principal_id, auth, source, interface, action, \
         key_id, version, outcome, outcome_code, context, prev_hash, hash, mac"
    };
}

macro_rules! audit_checkpoint_columns {
    () => {
        "seq, hash, time, signer, signature"
    };
}

/// The audit event listing, `$driver` a condition the planner can drive an
/// index with (it repeats one of the optional filters as a plain equality or
/// range). Optional id filters are cast to BYTEA: PostgreSQL's type, which
/// SQLite reads as NUMERIC, and a cast of a non-NULL value is never NULL.
macro_rules! audit_list {
    ($driver:literal) => {
        concat!(
            "SELECT ",
            audit_event_columns!(),
            " FROM audit_events WHERE ",
            $driver,
            "seq > $1 \
             AND (CAST($2 AS BIGINT) IS NULL OR time >= $2) \
             AND (CAST($3 AS BIGINT) IS NULL OR time < $3) \
             AND (CAST($4 AS BYTEA) IS NULL OR tenant_id = $4) \
             AND (CAST($5 AS BYTEA) IS NULL OR principal_id = $5) \
             AND (CAST($6 AS BYTEA) IS NULL OR key_id = $6) \
             AND (CAST($7 AS TEXT) IS NULL OR action = $7) \
             AND (CAST($8 AS TEXT) IS NULL OR outcome = $8) \
             ORDER BY seq LIMIT $9"
        )
    };
}

/// `$1` key name → value.
pub(crate) const SYSTEM_GET: &str = "SELECT value FROM system WHERE key = $1";
/// `$1` key name, `$2` value.
pub(crate) const SYSTEM_PUT: &str = "INSERT INTO system (key, value) VALUES ($1, $2) \
     ON CONFLICT (key) DO UPDATE SET value = excluded.value";
/// `$1` key name.
pub(crate) const SYSTEM_DELETE: &str = "DELETE FROM system WHERE key = $1";

/// `$1` tenant id.
pub(crate) const TENANT_GET: &str =
    concat!("SELECT ", tenant_columns!(), " FROM tenants WHERE id = $1");
/// `$1` tenant name.
pub(crate) const TENANT_BY_NAME: &str = concat!(
    "SELECT ",
    tenant_columns!(),
    " FROM tenants WHERE name = $1"
);
/// No parameters.
pub(crate) const TENANTS: &str =
    concat!("SELECT ", tenant_columns!(), " FROM tenants ORDER BY name");
/// The tenant's columns in order.
pub(crate) const TENANT_INSERT: &str = concat!(
    "INSERT INTO tenants (",
    tenant_columns!(),
    ") VALUES ($1, $2, $3, $4, $5, $6, $7)"
);
/// The tenant's columns in order; `$1` (id) selects the row.
pub(crate) const TENANT_UPDATE: &str = "UPDATE tenants SET name = $2, sealed_kek = $3, \
     root_generation = $4, created_at = $5, kek_generation = $6, retiring_kek = $7 WHERE id = $1";

/// `$1` tenant id, `$2` key id.
pub(crate) const KEY_GET: &str = concat!(
    "SELECT ",
    key_columns!(),
    " FROM keys k WHERE k.tenant_id = $1 AND k.id = $2"
);
/// `$1` tenant id, `$2` key name.
pub(crate) const KEY_BY_NAME: &str = concat!(
    "SELECT ",
    key_columns!(),
    " FROM keys k WHERE k.tenant_id = $1 AND k.name = $2"
);
/// `$1` tenant, `$2` lower bound (inclusive), `$3` upper bound (exclusive),
/// `$4` algorithm or NULL, `$5` primary version state or NULL, `$6` limit,
/// `$7` tag name or NULL, `$8` tag value (NULL when `$7` is).
pub(crate) const KEYS_FROM: &str =
    key_list!(" FROM keys k", "k.name >= $2 AND k.name < $3", "k.name");
/// As [`KEYS_FROM`], with `$2` an exclusive lower bound (the cursor).
pub(crate) const KEYS_AFTER: &str =
    key_list!(" FROM keys k", "k.name > $2 AND k.name < $3", "k.name");
/// As [`KEYS_FROM`] with an algorithm (`$4` not NULL): one range scan of
/// `keys_by_tenant_algorithm_name`. The bounds are on (algorithm, name),
/// which only that index serves (on `name` alone, SQLite would walk
/// `keys_by_tenant_name` and filter); every row in them has algorithm `$4`,
/// so the order is by name.
pub(crate) const KEYS_BY_ALGORITHM_FROM: &str = key_list!(
    " FROM keys k",
    "(k.algorithm, k.name) >= ($4, $2) AND (k.algorithm, k.name) < ($4, $3)",
    "k.algorithm, k.name"
);
/// As [`KEYS_BY_ALGORITHM_FROM`] after the cursor.
pub(crate) const KEYS_BY_ALGORITHM_AFTER: &str = key_list!(
    " FROM keys k",
    "(k.algorithm, k.name) > ($4, $2) AND (k.algorithm, k.name) < ($4, $3)",
    "k.algorithm, k.name"
);
/// As [`KEYS_FROM`] with a tag (`$7`, `$8` not NULL): from the keys holding
/// the tag (`key_tags_by_tag`; SQLite takes a CROSS JOIN's tables in the
/// order written), sorted by name.
pub(crate) const KEYS_BY_TAG_FROM: &str = key_list!(
    " FROM key_tags g CROSS JOIN keys k",
    "g.name = $7 AND g.value = $8 AND k.id = g.key_id AND k.name >= $2 AND k.name < $3",
    "k.name"
);
/// As [`KEYS_BY_TAG_FROM`] after the cursor.
pub(crate) const KEYS_BY_TAG_AFTER: &str = key_list!(
    " FROM key_tags g CROSS JOIN keys k",
    "g.name = $7 AND g.value = $8 AND k.id = g.key_id AND k.name > $2 AND k.name < $3",
    "k.name"
);
/// The key's columns in order.
pub(crate) const KEY_INSERT: &str = "INSERT INTO keys (id, tenant_id, name, description, tags, \
     algorithm, usage, protection, origin, exportable, owner, rotation_period_secs, \
     next_rotation_at, primary_version, destroy_scheduled_at, created_at, updated_at, \
     originator_usage_period_secs, recipient_usage_period_secs, recipient_usage_end, \
     last_used_at, idle_warned_at, crypto_params, kmip_meta) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
     $18, $19, $20, $21, $22, $23, $24)";
/// The key's columns in order; `$1` (id) and `$2` (tenant) select the row.
pub(crate) const KEY_UPDATE: &str = "UPDATE keys SET name = $3, description = $4, tags = $5, \
     algorithm = $6, usage = $7, protection = $8, origin = $9, exportable = $10, owner = $11, \
     rotation_period_secs = $12, next_rotation_at = $13, primary_version = $14, \
     destroy_scheduled_at = $15, created_at = $16, updated_at = $17, \
     originator_usage_period_secs = $18, recipient_usage_period_secs = $19, \
     recipient_usage_end = $20, last_used_at = $21, idle_warned_at = $22, \
     crypto_params = $23, kmip_meta = $24 WHERE id = $1 AND tenant_id = $2";

/// `$1` tenant, `$2` warning limit, `$3` suspension limit, `$4` cursor
/// (an empty id: from the start), `$5` limit. A key "idle since t" has
/// `updated_at <= t` and no use after `t`; a warning is stale when the key
/// changed or was used after it.
pub(crate) const KEYS_IDLE: &str = concat!(
    "SELECT ",
    key_columns!(),
    " FROM keys k JOIN key_versions v \
     ON v.key_id = k.id AND v.version = k.primary_version \
     WHERE k.tenant_id = $1 AND k.updated_at <= $2 \
     AND (k.last_used_at IS NULL OR k.last_used_at <= $2) \
     AND v.state = 'active' AND v.archived = 0 AND k.destroy_scheduled_at IS NULL \
     AND ((k.updated_at <= $3 AND (k.last_used_at IS NULL OR k.last_used_at <= $3)) \
          OR k.idle_warned_at IS NULL OR k.idle_warned_at < k.updated_at \
          OR k.idle_warned_at < k.last_used_at) \
     AND k.id > $4 ORDER BY k.id LIMIT $5"
);

/// `$1` key id, `$2` time: records a use, never moving the time back.
pub(crate) const KEY_MARK_USED: &str = "UPDATE keys SET last_used_at = $2 \
     WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2)";

/// `$1` key id, `$2` tenant, `$3` time: records an unused-key warning.
pub(crate) const KEY_MARK_IDLE_WARNED: &str =
    "UPDATE keys SET idle_warned_at = $3 WHERE id = $1 AND tenant_id = $2";

/// `$1` key id: forgets the key's tags (before writing them anew).
pub(crate) const KEY_TAGS_DELETE: &str = "DELETE FROM key_tags WHERE key_id = $1";
/// `$1` key id, `$2` tag name, `$3` tag value.
pub(crate) const KEY_TAG_INSERT: &str =
    "INSERT INTO key_tags (key_id, name, value) VALUES ($1, $2, $3)";

/// `$1` key id, `$2` version number.
pub(crate) const VERSION_GET: &str = concat!(
    "SELECT ",
    version_columns!(),
    " FROM key_versions WHERE key_id = $1 AND version = $2"
);
/// `$1` version id.
pub(crate) const VERSION_BY_ID: &str = concat!(
    "SELECT ",
    version_columns!(),
    " FROM key_versions WHERE id = $1"
);
/// `$1` key id.
pub(crate) const VERSIONS: &str = concat!(
    "SELECT ",
    version_columns!(),
    " FROM key_versions WHERE key_id = $1 ORDER BY version"
);
/// The version's columns in order.
pub(crate) const VERSION_INSERT: &str = concat!(
    "INSERT INTO key_versions (",
    version_columns!(),
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
     $17, $18, $19)"
);
/// The version's columns in order; `$1` (id), `$2` (key) and `$3` (number)
/// select the row.
pub(crate) const VERSION_UPDATE: &str = "UPDATE key_versions SET state = $4, archived = $5, \
     created_at = $6, activation_date = $7, deactivation_date = $8, compromise_date = $9, \
     destroy_date = $10, revocation_reason = $11, public_key = $12, sealed_material = $13, \
     kek_generation = $14, process_start_date = $15, protect_stop_date = $16, \
     compromise_recorded_at = $17, served_at = $18, public_half = $19 WHERE id = $1 AND key_id = $2 AND version = $3";

/// `$1` key id, `$2` version number: removes one version row (undoing the
/// batch item that added it).
pub(crate) const VERSION_DELETE: &str =
    "DELETE FROM key_versions WHERE key_id = $1 AND version = $2";
/// `$1` key id: removes every version of a key (before the key itself).
pub(crate) const VERSIONS_DELETE: &str = "DELETE FROM key_versions WHERE key_id = $1";
/// `$1` key id, `$2` tenant: removes the key row.
pub(crate) const KEY_DELETE: &str = "DELETE FROM keys WHERE id = $1 AND tenant_id = $2";

/// `$1` tenant id, `$2` KEK generation, `$3` limit: the tenant's versions
/// whose material is sealed under an older KEK, by key id and version.
pub(crate) const VERSIONS_SEALED_BEFORE: &str = "SELECT v.key_id, v.version, k.algorithm, \
     v.kek_generation, v.sealed_material FROM key_versions v JOIN keys k ON k.id = v.key_id \
     WHERE k.tenant_id = $1 AND v.kek_generation < $2 AND v.sealed_material IS NOT NULL \
     ORDER BY v.kek_generation, v.key_id, v.version LIMIT $3";
/// `$1` key id, `$2` version number, `$3` the KEK generation it must still
/// be under, `$4` the new generation, `$5` the re-sealed material.
pub(crate) const VERSION_RESEAL: &str = "UPDATE key_versions SET sealed_material = $5, \
     kek_generation = $4 WHERE key_id = $1 AND version = $2 AND kek_generation = $3 \
     AND sealed_material IS NOT NULL";

/// The event's columns in order: the portable form, kept for the next
/// engine and checked by the tests against the SQLite one.
#[cfg(test)]
pub(crate) const AUDIT_APPEND: &str = concat!(
    "INSERT INTO audit_events (",
    audit_event_columns!(),
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"
);
/// [`AUDIT_APPEND`] as the SQLite engine runs it, the one SQLite-only
/// statement (so not in [`ALL`]): `OR FAIL` on a single row, whose
/// constraints SQLite checks before it writes anything, so a failure leaves
/// nothing behind and SQLite keeps no statement journal (no copy of each
/// page it touches) for it.
pub(crate) const AUDIT_APPEND_OR_FAIL: &str = concat!(
    "INSERT OR FAIL INTO audit_events (",
    audit_event_columns!(),
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"
);
/// No parameters: the last event's sequence number and link.
pub(crate) const AUDIT_HEAD: &str = "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1";
/// `$1` first sequence number, `$2` last one (inclusive), `$3` limit.
pub(crate) const AUDIT_RANGE: &str = concat!(
    "SELECT ",
    audit_event_columns!(),
    " FROM audit_events WHERE seq >= $1 AND seq <= $2 ORDER BY seq LIMIT $3"
);
/// `$1` cursor (events after it), `$2` time from (inclusive) or NULL, `$3`
/// time to (exclusive) or NULL, `$4` tenant, `$5` principal, `$6` key, `$7`
/// action, `$8` outcome kind (each NULL for any), `$9` limit. Walks the
/// primary key.
pub(crate) const AUDIT_EVENTS: &str = audit_list!("");
/// As [`AUDIT_EVENTS`] with a key (`$6`), walking the key index.
pub(crate) const AUDIT_EVENTS_BY_KEY: &str = audit_list!("key_id = $6 AND ");
/// As [`AUDIT_EVENTS`] with a principal (`$5`), walking the principal index.
pub(crate) const AUDIT_EVENTS_BY_PRINCIPAL: &str = audit_list!("principal_id = $5 AND ");
/// As [`AUDIT_EVENTS`] with a tenant (`$4`), walking the tenant index.
pub(crate) const AUDIT_EVENTS_BY_TENANT: &str = audit_list!("tenant_id = $4 AND ");
/// As [`AUDIT_EVENTS`] with an action (`$7`), walking the action index.
pub(crate) const AUDIT_EVENTS_BY_ACTION: &str = audit_list!("action = $7 AND ");
/// As [`AUDIT_EVENTS`] with a start time (`$2`), offering the time index.
pub(crate) const AUDIT_EVENTS_BY_TIME: &str = audit_list!("time >= $2 AND ");

/// The checkpoint's columns in order.
pub(crate) const AUDIT_CHECKPOINT_PUT: &str = concat!(
    "INSERT INTO audit_checkpoints (",
    audit_checkpoint_columns!(),
    ") VALUES ($1, $2, $3, $4, $5)"
);
/// `$1` cursor (checkpoints after this sequence number), `$2` limit.
pub(crate) const AUDIT_CHECKPOINTS: &str = concat!(
    "SELECT ",
    audit_checkpoint_columns!(),
    " FROM audit_checkpoints WHERE seq > $1 ORDER BY seq LIMIT $2"
);
/// No parameters: the latest checkpoint.
pub(crate) const AUDIT_LAST_CHECKPOINT: &str = concat!(
    "SELECT ",
    audit_checkpoint_columns!(),
    " FROM audit_checkpoints ORDER BY seq DESC LIMIT 1"
);

/// Every statement with the number of parameters its callers bind.
#[cfg(test)]
pub(crate) const ALL: [(&str, usize); 45] = [
    (SYSTEM_GET, 1),
    (SYSTEM_PUT, 2),
    (SYSTEM_DELETE, 1),
    (TENANT_GET, 1),
    (TENANT_BY_NAME, 1),
    (TENANTS, 0),
    (TENANT_INSERT, 7),
    (TENANT_UPDATE, 7),
    (KEY_GET, 2),
    (KEY_BY_NAME, 2),
    (KEYS_FROM, 8),
    (KEYS_AFTER, 8),
    (KEYS_BY_ALGORITHM_FROM, 8),
    (KEYS_BY_ALGORITHM_AFTER, 8),
    (KEYS_BY_TAG_FROM, 8),
    (KEYS_BY_TAG_AFTER, 8),
    (KEY_INSERT, 24),
    (KEY_UPDATE, 24),
    (KEYS_IDLE, 5),
    (KEY_MARK_USED, 2),
    (KEY_MARK_IDLE_WARNED, 3),
    (KEY_TAGS_DELETE, 1),
    (KEY_TAG_INSERT, 3),
    (VERSION_GET, 2),
    (VERSION_BY_ID, 1),
    (VERSIONS, 1),
    (VERSION_INSERT, 19),
    (VERSION_UPDATE, 19),
    (VERSION_DELETE, 2),
    (VERSIONS_DELETE, 1),
    (KEY_DELETE, 2),
    (VERSIONS_SEALED_BEFORE, 3),
    (VERSION_RESEAL, 5),
    (AUDIT_APPEND, 17),
    (AUDIT_HEAD, 0),
    (AUDIT_RANGE, 3),
    (AUDIT_EVENTS, 9),
    (AUDIT_EVENTS_BY_KEY, 9),
    (AUDIT_EVENTS_BY_PRINCIPAL, 9),
    (AUDIT_EVENTS_BY_TENANT, 9),
    (AUDIT_EVENTS_BY_ACTION, 9),
    (AUDIT_EVENTS_BY_TIME, 9),
    (AUDIT_CHECKPOINT_PUT, 5),
    (AUDIT_CHECKPOINTS, 2),
    (AUDIT_LAST_CHECKPOINT, 0),
];

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// The distinct placeholder numbers in `sql`.
    fn placeholders(sql: &str) -> BTreeSet<usize> {
        let mut found = BTreeSet::new();
        let mut rest = sql;
        while let Some(at) = rest.find('$') {
            let digits: String = rest[at + 1..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            found.insert(digits.parse().expect("a number after $"));
            rest = &rest[at + 1 + digits.len()..];
        }
        found
    }

    #[test]
    fn placeholder_scan_counts_each_number_once() {
        assert_eq!(
            placeholders("$2 = $10 OR $2 IS NULL"),
            BTreeSet::from([2, 10])
        );
    }

    /// Every statement, the access ones included.
    fn every() -> impl Iterator<Item = (&'static str, usize)> {
        ALL.into_iter().chain(access::ALL)
    }

    #[test]
    fn placeholders_are_exactly_one_to_n() {
        for (sql, n) in every() {
            let expected: BTreeSet<usize> = (1..=n).collect();
            assert_eq!(placeholders(sql), expected, "{sql}");
        }
    }

    #[test]
    fn the_sqlite_append_is_the_portable_one_or_fail() {
        assert_eq!(
            AUDIT_APPEND_OR_FAIL.replacen("INSERT OR FAIL", "INSERT", 1),
            AUDIT_APPEND
        );
    }

    #[test]
    fn no_sqlite_only_syntax() {
        for (sql, _) in every() {
            for bad in ["?", "INSERT OR", "REPLACE INTO", "rowid", "LIKE", "GLOB"] {
                assert!(!sql.contains(bad), "{bad:?} in {sql}");
            }
        }
    }
}
