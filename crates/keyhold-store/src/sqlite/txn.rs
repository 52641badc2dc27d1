//! One SQLite transaction on one connection: the [`ReadTx`] and [`WriteTx`]
//! calls, run as the shared statements of [`crate::queries`] with values
//! encoded by [`crate::codec`].

use std::sync::MutexGuard;

use keyhold_core::approval::ApprovalState;
use keyhold_core::audit::{AuditEvent, ChainHead, Checkpoint};
use keyhold_core::{
    ApprovalId, ApprovalRecord, CertBinding, CertMatcher, Key, KeyId, KeyName, MfaEnrollment,
    PolicyName, PolicyRecord, Principal, PrincipalId, PrincipalName, RoleName, RoleRecord,
    SealedBlob, Tenant, TenantId, TenantName, TenantSettings, Timestamp, TokenId, TokenRecord,
    VersionId, VersionNumber,
};
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, Statement};

use super::error::{Target, backend, write};
use crate::audit::{AuditQuery, check_follows};
use crate::codec;
use crate::due::{self, DueCursor, DueKey};
mod members;

use super::combine::{Combiner, Handed};
use crate::durable::{Durable, Syncer};
use crate::engine::{ReadTxn, WriteTxn};
use crate::error::StoreError;
use crate::idle::{self, IdleQuery};
use crate::model::{KeyQuery, SealedVersion, StoredVersion, SystemKey};
use crate::queries;
use crate::tx::{ReadTx, WriteTx};
use crate::value::{Cols, Value};

const SYSTEM: Target = Target {
    entity: "system value",
    parent: None,
};
const TENANT: Target = Target {
    entity: "tenant",
    parent: None,
};
const KEY: Target = Target {
    entity: "key",
    parent: Some("tenant"),
};
const KEY_TAG: Target = Target {
    entity: "key tag",
    parent: Some("key"),
};
const VERSION: Target = Target {
    entity: "key version",
    parent: Some("key"),
};
const AUDIT_EVENT: Target = Target {
    entity: "audit event",
    parent: None,
};
const AUDIT_CHECKPOINT: Target = Target {
    entity: "audit checkpoint",
    parent: Some("audit event"),
};

const PRINCIPAL: Target = Target {
    entity: "principal",
    parent: Some("tenant"),
};
const PRINCIPAL_ROLE: Target = Target {
    entity: "principal role",
    parent: Some("principal"),
};
const TOKEN: Target = Target {
    entity: "token",
    parent: Some("principal"),
};
const CERT: Target = Target {
    entity: "certificate binding",
    parent: Some("principal"),
};
const MFA: Target = Target {
    entity: "mfa enrollment",
    parent: Some("principal"),
};
const POLICY: Target = Target {
    entity: "policy",
    parent: Some("tenant"),
};
const ROLE: Target = Target {
    entity: "role",
    parent: Some("tenant"),
};
const APPROVAL: Target = Target {
    entity: "approval",
    parent: Some("tenant"),
};
const SETTINGS: Target = Target {
    entity: "tenant settings",
    parent: Some("tenant"),
};

/// An open transaction holding its connection.
pub(super) struct SqliteTxn<'a> {
    conn: MutexGuard<'a, Connection>,
    open: bool,
    /// Whether a version's material was erased (then the commit checkpoints).
    erased: bool,
    /// The audit chain's head as this transaction last read or wrote it.
    /// Valid for the transaction's life only: it holds the database's write
    /// lock (or one snapshot), so nobody else moves the head meanwhile.
    head: Option<ChainHead>,
    /// `head` when the job's savepoint was taken, restored on rollback.
    head_at_savepoint: Option<ChainHead>,
    /// Makes a write transaction's commit durable (on disk; `None` for
    /// reads and in memory).
    syncer: Option<&'a Syncer>,
    /// Where a write hands its transaction over (on disk; `combine.rs`).
    combine: Option<&'a Combiner>,
    /// The shared transaction this write joined, if it took one over.
    member: Option<Handed>,
    /// `head` when this write joined, restored if its body fails.
    head_at_member: Option<ChainHead>,
}

/// What a write waits for once its connection is released.
enum After<'a> {
    /// Its own commit (or the one it made for everyone) to be durable.
    Durable(Durable),
    /// The outcome of the shared transaction it handed over.
    Shared(&'a Combiner, u64),
}

impl<'a> SqliteTxn<'a> {
    /// Begins a transaction with `begin` (`BEGIN` or `BEGIN IMMEDIATE`).
    pub(super) fn begin(
        conn: MutexGuard<'a, Connection>,
        begin: &'static str,
        syncer: Option<&'a Syncer>,
    ) -> Result<Self, StoreError> {
        if !conn.is_autocommit() {
            // Left open by a failed end; nothing in it was committed.
            conn.execute_batch("ROLLBACK").map_err(backend)?;
        }
        // Through the statement cache: every request opens a transaction,
        // and parsing BEGIN and COMMIT each time showed in profiles.
        conn.prepare_cached(begin)
            .and_then(|mut stmt| stmt.raw_execute())
            .map_err(backend)?;
        Ok(Self {
            conn,
            open: true,
            erased: false,
            head: None,
            head_at_savepoint: None,
            syncer,
            combine: None,
            member: None,
            head_at_member: None,
        })
    }

    /// Begins a write: takes up the transaction another caller handed
    /// over (its body then runs between a savepoint and its release), or
    /// begins one.
    pub(super) fn begin_write(
        conn: MutexGuard<'a, Connection>,
        syncer: Option<&'a Syncer>,
        combine: Option<&'a Combiner>,
    ) -> Result<Self, StoreError> {
        let Some(handed) = combine.and_then(Combiner::take_open) else {
            let mut txn = Self::begin(conn, "BEGIN IMMEDIATE", syncer)?;
            txn.combine = combine;
            return Ok(txn);
        };
        let mut txn = Self {
            conn,
            open: true,
            erased: handed.erased,
            head: handed.head,
            head_at_savepoint: None,
            syncer,
            combine,
            member: Some(handed),
            head_at_member: handed.head,
        };
        if let Err(e) = txn.run_cached("SAVEPOINT member") {
            // Nothing of this write is in it: commit the others' work.
            txn.member = None;
            let _ = txn.commit_for(Some(handed));
            return Err(e);
        }
        Ok(txn)
    }

    /// Runs one parameterless statement through the statement cache (the
    /// group committer's savepoints run once per job: parsing them each time
    /// showed in profiles).
    fn run_cached(&self, sql: &'static str) -> Result<(), StoreError> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(backend)?;
        stmt.raw_execute().map(drop).map_err(backend)
    }

    fn end(&mut self, sql: &'static str) -> Result<(), StoreError> {
        self.run_cached(sql)?;
        self.open = false;
        Ok(())
    }

    fn query<T>(
        &self,
        sql: &'static str,
        params: &[Value],
        decode: fn(Vec<Value>) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(backend)?;
        bind(&mut stmt, params).map_err(backend)?;
        let width = stmt.column_count();
        let mut rows = stmt.raw_query();
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(backend)? {
            let values = (0..width)
                .map(|i| row.get_ref(i).map(from_sql))
                .collect::<Result<Vec<_>, _>>()
                .map_err(backend)?;
            out.push(decode(values)?);
        }
        Ok(out)
    }

    fn query_one<T>(
        &self,
        sql: &'static str,
        params: &[Value],
        decode: fn(Vec<Value>) -> Result<T, StoreError>,
    ) -> Result<Option<T>, StoreError> {
        // Every caller selects by a unique key: at most one row.
        Ok(self.query(sql, params, decode)?.into_iter().next())
    }

    fn execute(
        &self,
        sql: &'static str,
        params: &[Value],
        target: Target,
    ) -> Result<usize, StoreError> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(backend)?;
        bind(&mut stmt, params).map_err(backend)?;
        stmt.raw_execute().map_err(|e| write(e, target))
    }

    fn update(
        &self,
        sql: &'static str,
        params: &[Value],
        target: Target,
    ) -> Result<(), StoreError> {
        match self.execute(sql, params, target)? {
            0 => Err(StoreError::NotFound {
                entity: target.entity,
            }),
            _ => Ok(()),
        }
    }
}

impl SqliteTxn<'_> {
    /// Writes the `key_tags` rows of a key just inserted or updated.
    fn insert_tags(&self, k: &Key) -> Result<(), StoreError> {
        for row in codec::tag_rows(k) {
            self.execute(queries::KEY_TAG_INSERT, &row, KEY_TAG)?;
        }
        Ok(())
    }

    /// Writes the `principal_roles` rows of a principal just inserted or
    /// updated (after its old rows were deleted).
    fn insert_roles(&self, p: &Principal) -> Result<(), StoreError> {
        for row in codec::role_rows(p) {
            self.execute(queries::PRINCIPAL_ROLE_INSERT, &row, PRINCIPAL_ROLE)?;
        }
        Ok(())
    }
}

impl Drop for SqliteTxn<'_> {
    fn drop(&mut self) {
        if self.open && self.member.is_some() {
            // Unwinding in a shared transaction: discard this write only.
            self.discard_member();
            let _ = self.settle(true);
        } else if self.open {
            // Unwinding or a failed end: discard. A failure here is caught by
            // the next `begin`, which finds the transaction still open.
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

/// Binds `params` to `$1, $2, ...` by name, every one of them.
fn bind(stmt: &mut Statement<'_>, params: &[Value]) -> rusqlite::Result<()> {
    let expected = stmt.parameter_count();
    if expected != params.len() {
        return Err(rusqlite::Error::InvalidParameterCount(
            params.len(),
            expected,
        ));
    }
    for index in 1..=expected {
        // Each statement numbers its parameters `$1, $2, ...`; SQLite
        // indexes them by first appearance, which need not be that order.
        let value = stmt
            .parameter_name(index)
            .and_then(|name| name.strip_prefix('$'))
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(|n| n.checked_sub(1))
            .and_then(|n| params.get(n))
            .ok_or_else(|| rusqlite::Error::InvalidParameterName(format!("parameter {index}")))?;
        stmt.raw_bind_parameter(index, to_sql(value)?)?;
    }
    Ok(())
}

#[derive(Debug, thiserror::Error)]
#[error("a value read back as unsupported cannot be written")]
struct UnsupportedValue;

fn to_sql(v: &Value) -> rusqlite::Result<ToSqlOutput<'_>> {
    Ok(ToSqlOutput::Borrowed(match v {
        Value::Null => ValueRef::Null,
        Value::Int(i) => ValueRef::Integer(*i),
        Value::Bool(b) => ValueRef::Integer(i64::from(*b)),
        Value::Text(s) => ValueRef::Text(s.as_bytes()),
        Value::Blob(b) => ValueRef::Blob(b),
        Value::Unsupported => {
            return Err(rusqlite::Error::ToSqlConversionFailure(Box::new(
                UnsupportedValue,
            )));
        }
    }))
}

fn from_sql(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Real(_) => Value::Unsupported,
        ValueRef::Text(t) => std::str::from_utf8(t)
            .map(|s| Value::Text(s.to_owned()))
            .unwrap_or(Value::Unsupported),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    }
}

/// `PRAGMA wal_checkpoint(TRUNCATE)`: `Busy` if readers kept it from
/// completing.
pub(super) fn checkpoint(conn: &Connection) -> Result<(), StoreError> {
    let busy: i64 = conn
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| row.get(0))
        .map_err(backend)?;
    if busy == 0 {
        Ok(())
    } else {
        Err(StoreError::Busy)
    }
}

fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

/// `(tenant, cursor, limit)` of a listing by name: names after the cursor,
/// or after `''` (before every name) for the first page.
fn name_page(tenant: TenantId, after: Option<&str>, limit: u32) -> [Value; 3] {
    [
        codec::id(tenant.as_bytes()),
        text(after.unwrap_or("")),
        Value::Int(i64::from(limit)),
    ]
}

fn system_value(row: Vec<Value>) -> Result<Vec<u8>, StoreError> {
    Cols::new(row).blob("system.value")
}

impl ReadTx for SqliteTxn<'_> {
    fn system_get(&mut self, key: SystemKey) -> Result<Option<Vec<u8>>, StoreError> {
        let params = [Value::Text(key.as_str().to_owned())];
        self.query_one(queries::SYSTEM_GET, &params, system_value)
    }

    fn tenant_get(&mut self, id: TenantId) -> Result<Option<Tenant>, StoreError> {
        let params = [codec::id(id.as_bytes())];
        self.query_one(queries::TENANT_GET, &params, codec::tenant_from)
    }

    fn tenant_by_name(&mut self, name: &TenantName) -> Result<Option<Tenant>, StoreError> {
        let params = [Value::Text(name.as_str().to_owned())];
        self.query_one(queries::TENANT_BY_NAME, &params, codec::tenant_from)
    }

    fn tenants(&mut self) -> Result<Vec<Tenant>, StoreError> {
        self.query(queries::TENANTS, &[], codec::tenant_from)
    }

    fn key_get(&mut self, tenant: TenantId, id: KeyId) -> Result<Option<Key>, StoreError> {
        let params = [codec::id(tenant.as_bytes()), codec::id(id.as_bytes())];
        self.query_one(queries::KEY_GET, &params, codec::key_from)
    }

    fn key_by_name(&mut self, tenant: TenantId, name: &KeyName) -> Result<Option<Key>, StoreError> {
        let params = [
            codec::id(tenant.as_bytes()),
            Value::Text(name.as_str().to_owned()),
        ];
        self.query_one(queries::KEY_BY_NAME, &params, codec::key_from)
    }

    fn keys(&mut self, tenant: TenantId, query: &KeyQuery) -> Result<Vec<Key>, StoreError> {
        let (sql, params) = codec::key_list(tenant, query);
        self.query(sql, &params, codec::key_from)
    }

    fn version_get(
        &mut self,
        key: KeyId,
        version: VersionNumber,
    ) -> Result<Option<StoredVersion>, StoreError> {
        let params = [codec::id(key.as_bytes()), codec::version_number(version)];
        self.query_one(queries::VERSION_GET, &params, codec::version_from)
    }

    fn version_by_id(&mut self, id: VersionId) -> Result<Option<StoredVersion>, StoreError> {
        let params = [codec::id(id.as_bytes())];
        self.query_one(queries::VERSION_BY_ID, &params, codec::version_from)
    }

    fn versions(&mut self, key: KeyId) -> Result<Vec<StoredVersion>, StoreError> {
        let params = [codec::id(key.as_bytes())];
        self.query(queries::VERSIONS, &params, codec::version_from)
    }

    fn versions_sealed_before(
        &mut self,
        tenant: TenantId,
        generation: u32,
        limit: u32,
    ) -> Result<Vec<SealedVersion>, StoreError> {
        let params = [
            codec::id(tenant.as_bytes()),
            Value::Int(i64::from(generation)),
            Value::Int(i64::from(limit)),
        ];
        self.query(
            queries::VERSIONS_SEALED_BEFORE,
            &params,
            codec::sealed_version_from,
        )
    }

    fn audit_head(&mut self) -> Result<ChainHead, StoreError> {
        if let Some(head) = self.head {
            return Ok(head);
        }
        let last = self.query_one(queries::AUDIT_HEAD, &[], Ok)?;
        let head = codec::head_from(last)?;
        self.head = Some(head);
        Ok(head)
    }

    fn audit_events(&mut self, query: &AuditQuery) -> Result<Vec<AuditEvent>, StoreError> {
        let (sql, params) = codec::audit_list(query);
        self.query(sql, &params, codec::event_from)
    }

    fn audit_range(
        &mut self,
        from: u64,
        to: u64,
        limit: u32,
    ) -> Result<Vec<AuditEvent>, StoreError> {
        // Nothing is stored above i64::MAX: clamp rather than refuse.
        let clamp = |n: u64| Value::Int(i64::try_from(n).unwrap_or(i64::MAX));
        let params = [clamp(from), clamp(to), Value::Int(i64::from(limit))];
        self.query(queries::AUDIT_RANGE, &params, codec::event_from)
    }

    fn audit_checkpoints(&mut self, after: u64, limit: u32) -> Result<Vec<Checkpoint>, StoreError> {
        let params = [
            Value::Int(i64::try_from(after).unwrap_or(i64::MAX)),
            Value::Int(i64::from(limit)),
        ];
        self.query(queries::AUDIT_CHECKPOINTS, &params, codec::checkpoint_from)
    }

    fn audit_last_checkpoint(&mut self) -> Result<Option<Checkpoint>, StoreError> {
        self.query_one(queries::AUDIT_LAST_CHECKPOINT, &[], codec::checkpoint_from)
    }

    fn keys_due(
        &mut self,
        now: Timestamp,
        after: Option<DueCursor>,
        limit: u32,
    ) -> Result<Vec<DueKey>, StoreError> {
        self.query(
            due::KEYS_DUE,
            &due::params(now, after, limit),
            due::due_from,
        )
    }

    fn principal_get(
        &mut self,
        tenant: TenantId,
        id: PrincipalId,
    ) -> Result<Option<Principal>, StoreError> {
        let params = codec::principal_key(tenant, id);
        self.query_one(queries::PRINCIPAL_GET, &params, codec::principal_from)
    }

    fn principal_by_name(
        &mut self,
        tenant: TenantId,
        name: &PrincipalName,
    ) -> Result<Option<Principal>, StoreError> {
        let params = [codec::id(tenant.as_bytes()), text(name.as_str())];
        self.query_one(queries::PRINCIPAL_BY_NAME, &params, codec::principal_from)
    }

    fn principals(
        &mut self,
        tenant: TenantId,
        after: Option<&PrincipalName>,
        limit: u32,
    ) -> Result<Vec<Principal>, StoreError> {
        let params = name_page(tenant, after.map(PrincipalName::as_str), limit);
        self.query(queries::PRINCIPALS, &params, codec::principal_from)
    }

    fn principals_with_role(
        &mut self,
        tenant: TenantId,
        role: &RoleName,
    ) -> Result<Vec<Principal>, StoreError> {
        let params = [codec::id(tenant.as_bytes()), text(role.as_str())];
        self.query(
            queries::PRINCIPALS_WITH_ROLE,
            &params,
            codec::principal_from,
        )
    }

    fn token_by_hash(&mut self, hash: &[u8; 32]) -> Result<Option<TokenRecord>, StoreError> {
        let params = [Value::Blob(hash.to_vec())];
        self.query_one(queries::TOKEN_BY_HASH, &params, codec::token_from)
    }

    fn token_get(
        &mut self,
        tenant: TenantId,
        id: TokenId,
    ) -> Result<Option<TokenRecord>, StoreError> {
        let params = [codec::id(tenant.as_bytes()), codec::id(id.as_bytes())];
        self.query_one(queries::TOKEN_GET, &params, codec::token_from)
    }

    fn tokens(
        &mut self,
        tenant: TenantId,
        principal: Option<PrincipalId>,
        after: Option<TokenId>,
        limit: u32,
    ) -> Result<Vec<TokenRecord>, StoreError> {
        let (sql, params) = codec::token_list(tenant, principal, after, limit);
        self.query(sql, &params, codec::token_from)
    }

    fn cert_binding(&mut self, matcher: &CertMatcher) -> Result<Option<CertBinding>, StoreError> {
        let params = codec::matcher_values(matcher);
        self.query_one(queries::CERT_BINDING, &params, codec::cert_from)
    }

    fn cert_bindings(
        &mut self,
        tenant: TenantId,
        principal: PrincipalId,
    ) -> Result<Vec<CertBinding>, StoreError> {
        let params = codec::principal_key(tenant, principal);
        self.query(queries::CERT_BINDINGS, &params, codec::cert_from)
    }

    fn policy_get(
        &mut self,
        tenant: TenantId,
        name: &PolicyName,
    ) -> Result<Option<PolicyRecord>, StoreError> {
        let params = [codec::id(tenant.as_bytes()), text(name.as_str())];
        self.query_one(queries::POLICY_GET, &params, codec::policy_from)
    }

    fn policies(
        &mut self,
        tenant: TenantId,
        after: Option<&PolicyName>,
        limit: u32,
    ) -> Result<Vec<PolicyRecord>, StoreError> {
        let params = name_page(tenant, after.map(PolicyName::as_str), limit);
        self.query(queries::POLICIES, &params, codec::policy_from)
    }

    fn role_get(
        &mut self,
        tenant: TenantId,
        name: &RoleName,
    ) -> Result<Option<RoleRecord>, StoreError> {
        let params = [codec::id(tenant.as_bytes()), text(name.as_str())];
        self.query_one(queries::ROLE_GET, &params, codec::role_from)
    }

    fn roles(&mut self, tenant: TenantId) -> Result<Vec<RoleRecord>, StoreError> {
        let params = [codec::id(tenant.as_bytes())];
        self.query(queries::ROLES, &params, codec::role_from)
    }

    fn mfa_get(&mut self, principal: PrincipalId) -> Result<Option<MfaEnrollment>, StoreError> {
        let params = [codec::id(principal.as_bytes())];
        self.query_one(queries::MFA_GET, &params, codec::mfa_from)
    }

    fn approval_get(
        &mut self,
        tenant: TenantId,
        id: ApprovalId,
    ) -> Result<Option<ApprovalRecord>, StoreError> {
        let params = [codec::id(tenant.as_bytes()), codec::id(id.as_bytes())];
        self.query_one(queries::APPROVAL_GET, &params, codec::approval_from)
    }

    fn approvals(
        &mut self,
        tenant: TenantId,
        state: Option<ApprovalState>,
        after: Option<ApprovalId>,
        limit: u32,
    ) -> Result<Vec<ApprovalRecord>, StoreError> {
        let (sql, params) = codec::approval_list(tenant, state, after, limit);
        self.query(sql, &params, codec::approval_from)
    }

    fn approvals_expiring_before(
        &mut self,
        now: Timestamp,
        limit: u32,
    ) -> Result<Vec<ApprovalRecord>, StoreError> {
        let params = codec::expiring_params(now, limit);
        self.query(queries::APPROVALS_EXPIRING, &params, codec::approval_from)
    }

    fn tenant_settings(&mut self, tenant: TenantId) -> Result<Option<TenantSettings>, StoreError> {
        let params = [codec::id(tenant.as_bytes())];
        self.query_one(queries::TENANT_SETTINGS_GET, &params, codec::settings_from)
    }

    fn keys_idle(&mut self, query: &IdleQuery) -> Result<Vec<Key>, StoreError> {
        self.query(queries::KEYS_IDLE, &idle::params(query), codec::key_from)
    }
}

impl WriteTx for SqliteTxn<'_> {
    fn system_put(&mut self, key: SystemKey, value: &[u8]) -> Result<(), StoreError> {
        let params = [
            Value::Text(key.as_str().to_owned()),
            Value::Blob(value.to_vec()),
        ];
        self.execute(queries::SYSTEM_PUT, &params, SYSTEM).map(drop)
    }

    fn tenant_insert(&mut self, t: &Tenant) -> Result<(), StoreError> {
        self.execute(queries::TENANT_INSERT, &codec::tenant_values(t), TENANT)
            .map(drop)
    }

    fn tenant_update(&mut self, t: &Tenant) -> Result<(), StoreError> {
        self.update(queries::TENANT_UPDATE, &codec::tenant_values(t), TENANT)
    }

    fn key_insert(&mut self, k: &Key) -> Result<(), StoreError> {
        self.execute(queries::KEY_INSERT, &codec::key_values(k)?, KEY)?;
        self.insert_tags(k)
    }

    fn key_update(&mut self, k: &Key) -> Result<(), StoreError> {
        self.update(queries::KEY_UPDATE, &codec::key_values(k)?, KEY)?;
        let params = [codec::id(k.id.as_bytes())];
        self.execute(queries::KEY_TAGS_DELETE, &params, KEY_TAG)?;
        self.insert_tags(k)
    }

    fn key_mark_used(&mut self, key: KeyId, at: Timestamp) -> Result<(), StoreError> {
        self.execute(queries::KEY_MARK_USED, &idle::used_params(key, at), KEY)
            .map(drop)
    }

    fn key_mark_idle_warned(
        &mut self,
        tenant: TenantId,
        key: KeyId,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let params = idle::warned_params(tenant, key, at);
        self.update(queries::KEY_MARK_IDLE_WARNED, &params, KEY)
    }

    fn version_insert(&mut self, v: &StoredVersion) -> Result<(), StoreError> {
        self.execute(queries::VERSION_INSERT, &codec::version_values(v)?, VERSION)
            .map(drop)
    }

    fn version_update(&mut self, v: &StoredVersion) -> Result<(), StoreError> {
        self.update(queries::VERSION_UPDATE, &codec::version_values(v)?, VERSION)?;
        if v.sealed_material.is_none() {
            self.erased = true;
        }
        Ok(())
    }

    fn version_reseal(
        &mut self,
        key: KeyId,
        version: VersionNumber,
        from: u32,
        to: u32,
        sealed: &SealedBlob,
    ) -> Result<bool, StoreError> {
        let params = [
            codec::id(key.as_bytes()),
            codec::version_number(version),
            Value::Int(i64::from(from)),
            Value::Int(i64::from(to)),
            Value::Blob(sealed.as_bytes().to_vec()),
        ];
        let changed = self.execute(queries::VERSION_RESEAL, &params, VERSION)?;
        // The bytes sealed under the old KEK must not linger either.
        self.erased |= changed > 0;
        Ok(changed > 0)
    }

    fn key_remove(&mut self, tenant: TenantId, key: KeyId) -> Result<(), StoreError> {
        // Only a key of this tenant loses its versions and tags.
        if self.key_get(tenant, key)?.is_none() {
            return Err(StoreError::NotFound { entity: KEY.entity });
        }
        let id = [codec::id(key.as_bytes())];
        self.execute(queries::KEY_TAGS_DELETE, &id, KEY_TAG)?;
        self.execute(queries::VERSIONS_DELETE, &id, VERSION)?;
        let selected = [codec::id(key.as_bytes()), codec::id(tenant.as_bytes())];
        self.update(queries::KEY_DELETE, &selected, KEY)?;
        self.erased = true;
        Ok(())
    }

    fn version_remove(&mut self, key: KeyId, version: VersionNumber) -> Result<(), StoreError> {
        let params = [codec::id(key.as_bytes()), codec::version_number(version)];
        self.update(queries::VERSION_DELETE, &params, VERSION)?;
        self.erased = true;
        Ok(())
    }

    fn audit_append(&mut self, event: &AuditEvent) -> Result<(), StoreError> {
        // The writer holds the database's one write lock: nobody appends
        // between this read and the insert. The primary key still refuses a
        // duplicate, should another engine ever let two writers race.
        check_follows(self.audit_head()?, event)?;
        let values = codec::event_values(event)?;
        self.execute(queries::AUDIT_APPEND_OR_FAIL, &values, AUDIT_EVENT)?;
        self.head = Some(ChainHead {
            seq: event.seq,
            hash: event.hash,
        });
        Ok(())
    }

    fn audit_checkpoint_put(&mut self, checkpoint: &Checkpoint) -> Result<(), StoreError> {
        let values = codec::checkpoint_values(checkpoint)?;
        self.execute(queries::AUDIT_CHECKPOINT_PUT, &values, AUDIT_CHECKPOINT)
            .map(drop)
    }

    fn system_delete(&mut self, key: SystemKey) -> Result<(), StoreError> {
        let params = [text(key.as_str())];
        self.update(queries::SYSTEM_DELETE, &params, SYSTEM)
    }

    fn principal_insert(&mut self, p: &Principal) -> Result<(), StoreError> {
        let values = codec::principal_values(p)?;
        self.execute(queries::PRINCIPAL_INSERT, &values, PRINCIPAL)?;
        self.insert_roles(p)
    }

    fn principal_update(&mut self, p: &Principal) -> Result<(), StoreError> {
        let values = codec::principal_values(p)?;
        self.update(queries::PRINCIPAL_UPDATE, &values, PRINCIPAL)?;
        let key = codec::principal_key(p.tenant, p.id);
        self.execute(queries::PRINCIPAL_ROLES_DELETE, &key, PRINCIPAL_ROLE)?;
        self.insert_roles(p)
    }

    fn principal_delete(&mut self, tenant: TenantId, id: PrincipalId) -> Result<(), StoreError> {
        let key = codec::principal_key(tenant, id);
        // Each statement is scoped to (tenant, principal): for a principal
        // of another tenant they all delete nothing, and the last one says so.
        self.execute(queries::PRINCIPAL_TOKENS_DELETE, &key, TOKEN)?;
        self.execute(queries::PRINCIPAL_CERTS_DELETE, &key, CERT)?;
        self.execute(queries::PRINCIPAL_MFA_DELETE, &key, MFA)?;
        self.execute(queries::PRINCIPAL_ROLES_DELETE, &key, PRINCIPAL_ROLE)?;
        self.update(queries::PRINCIPAL_DELETE, &key, PRINCIPAL)
    }

    fn token_insert(&mut self, t: &TokenRecord) -> Result<(), StoreError> {
        let values = codec::token_values(t)?;
        self.execute(queries::TOKEN_INSERT, &values, TOKEN)
            .map(drop)
    }

    fn token_revoke(&mut self, id: TokenId, at: Timestamp) -> Result<(), StoreError> {
        let params = [codec::id(id.as_bytes()), Value::time(at)];
        self.update(queries::TOKEN_REVOKE, &params, TOKEN)
    }

    fn cert_bind(&mut self, b: &CertBinding) -> Result<(), StoreError> {
        self.execute(queries::CERT_BIND, &codec::cert_values(b), CERT)
            .map(drop)
    }

    fn cert_unbind(&mut self, tenant: TenantId, matcher: &CertMatcher) -> Result<(), StoreError> {
        let [kind, matcher] = codec::matcher_values(matcher);
        let params = [codec::id(tenant.as_bytes()), kind, matcher];
        self.update(queries::CERT_UNBIND, &params, CERT)
    }

    fn policy_insert(&mut self, p: &PolicyRecord) -> Result<(), StoreError> {
        let values = codec::policy_values(p)?;
        self.execute(queries::POLICY_INSERT, &values, POLICY)
            .map(drop)
    }

    fn policy_update(&mut self, p: &PolicyRecord) -> Result<(), StoreError> {
        self.update(queries::POLICY_UPDATE, &codec::policy_values(p)?, POLICY)
    }

    fn policy_delete(&mut self, tenant: TenantId, name: &PolicyName) -> Result<(), StoreError> {
        let params = [codec::id(tenant.as_bytes()), text(name.as_str())];
        self.update(queries::POLICY_DELETE, &params, POLICY)
    }

    fn role_insert(&mut self, r: &RoleRecord) -> Result<(), StoreError> {
        let values = codec::role_values(r)?;
        self.execute(queries::ROLE_INSERT, &values, ROLE).map(drop)
    }

    fn role_update(&mut self, r: &RoleRecord) -> Result<(), StoreError> {
        self.update(queries::ROLE_UPDATE, &codec::role_values(r)?, ROLE)
    }

    fn role_delete(&mut self, tenant: TenantId, name: &RoleName) -> Result<(), StoreError> {
        let params = [codec::id(tenant.as_bytes()), text(name.as_str())];
        self.update(queries::ROLE_DELETE, &params, ROLE)
    }

    fn mfa_put(&mut self, m: &MfaEnrollment) -> Result<(), StoreError> {
        let values = codec::mfa_values(m)?;
        self.execute(queries::MFA_PUT, &values, MFA).map(drop)
    }

    fn mfa_delete(&mut self, principal: PrincipalId) -> Result<(), StoreError> {
        let params = [codec::id(principal.as_bytes())];
        self.update(queries::MFA_DELETE, &params, MFA)
    }

    fn approval_insert(&mut self, a: &ApprovalRecord) -> Result<(), StoreError> {
        let values = codec::approval_values(a)?;
        self.execute(queries::APPROVAL_INSERT, &values, APPROVAL)
            .map(drop)
    }

    fn approval_update(&mut self, a: &ApprovalRecord) -> Result<(), StoreError> {
        let values = codec::approval_values(a)?;
        self.update(queries::APPROVAL_UPDATE, &values, APPROVAL)
    }

    fn tenant_settings_put(
        &mut self,
        tenant: TenantId,
        settings: &TenantSettings,
    ) -> Result<(), StoreError> {
        let values = codec::settings_values(tenant, settings)?;
        self.execute(queries::TENANT_SETTINGS_PUT, &values, SETTINGS)
            .map(drop)
    }
}

impl ReadTxn for SqliteTxn<'_> {
    fn as_read(&mut self) -> &mut dyn ReadTx {
        self
    }

    fn finish(mut self: Box<Self>) -> Result<(), StoreError> {
        self.end("COMMIT")
    }
}

impl WriteTxn for SqliteTxn<'_> {
    fn as_write(&mut self) -> &mut dyn WriteTx {
        self
    }

    fn commit_deferred(mut self: Box<Self>) -> Result<Durable, StoreError> {
        if let Err(e) = self.release_member() {
            self.discard_member();
            let _ = self.settle(false);
            return Err(e);
        }
        let joined = self.member.take();
        self.commit_for(joined)
    }

    /// Like `commit_deferred`, but hands the transaction over when
    /// another write waits (`combine.rs`), and waits for durability after
    /// releasing the connection.
    fn commit(mut self: Box<Self>) -> Result<(), StoreError> {
        if let Err(e) = self.release_member() {
            self.discard_member();
            let _ = self.settle(true);
            return Err(e);
        }
        let after = self.settle(true)?;
        drop(self);
        match after {
            After::Durable(durable) => durable.wait(),
            After::Shared(combine, id) => {
                combine.outcome(id).map_err(StoreError::GroupCommit)?.wait()
            }
        }
    }

    fn rollback(mut self: Box<Self>) -> Result<(), StoreError> {
        if self.member.is_some() {
            // The others' work stays: hand it over or commit it.
            self.discard_member();
            return self.settle(true).map(drop);
        }
        self.end("ROLLBACK")
    }

    fn savepoint(&mut self) -> Result<(), StoreError> {
        self.head_at_savepoint = self.head;
        self.run_cached("SAVEPOINT job")
    }

    fn release_savepoint(&mut self) -> Result<(), StoreError> {
        self.run_cached("RELEASE job")
    }

    fn is_open(&self) -> bool {
        !self.conn.is_autocommit()
    }

    fn rollback_to_savepoint(&mut self) -> Result<(), StoreError> {
        self.head = self.head_at_savepoint;
        self.run_cached("ROLLBACK TO job")?;
        self.run_cached("RELEASE job")
    }
}
