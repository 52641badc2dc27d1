//! One SQLite transaction on one connection: the [`ReadTx`] and [`WriteTx`]
//! calls, run as the shared statements of [`crate::queries`] with values
//! encoded by [`crate::codec`].

use std::sync::MutexGuard;

use keyhold_core::audit::{AuditEvent, ChainHead, Checkpoint};
use keyhold_core::{
    Key, KeyId, KeyName, Tenant, TenantId, TenantName, Timestamp, VersionId, VersionNumber,
};
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, Statement};

use super::error::{Target, backend, write};
use crate::audit::{AuditQuery, check_follows};
use crate::codec;
use crate::due::{self, DueKey};
use crate::engine::{ReadTxn, WriteTxn};
use crate::error::StoreError;
use crate::model::{KeyQuery, StoredVersion, SystemKey};
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

/// An open transaction holding its connection.
pub(super) struct SqliteTxn<'a> {
    conn: MutexGuard<'a, Connection>,
    open: bool,
    /// Whether a version's material was erased (then the commit checkpoints).
    erased: bool,
}

impl<'a> SqliteTxn<'a> {
    /// Begins a transaction with `begin` (`BEGIN` or `BEGIN IMMEDIATE`).
    pub(super) fn begin(
        conn: MutexGuard<'a, Connection>,
        begin: &'static str,
    ) -> Result<Self, StoreError> {
        if !conn.is_autocommit() {
            // Left open by a failed end; nothing in it was committed.
            conn.execute_batch("ROLLBACK").map_err(backend)?;
        }
        conn.execute_batch(begin).map_err(backend)?;
        Ok(Self {
            conn,
            open: true,
            erased: false,
        })
    }

    fn end(&mut self, sql: &'static str) -> Result<(), StoreError> {
        self.conn.execute_batch(sql).map_err(backend)?;
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
}

impl Drop for SqliteTxn<'_> {
    fn drop(&mut self) {
        if self.open {
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
    for (i, value) in params.iter().enumerate() {
        let name = format!("${}", i + 1);
        stmt.raw_bind_parameter(name.as_str(), to_sql(value)?)?;
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

    fn audit_head(&mut self) -> Result<ChainHead, StoreError> {
        let last = self.query_one(queries::AUDIT_HEAD, &[], Ok)?;
        codec::head_from(last)
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

    fn keys_due(&mut self, now: Timestamp, limit: u32) -> Result<Vec<DueKey>, StoreError> {
        self.query(due::KEYS_DUE, &due::params(now, limit), due::due_from)
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

    fn version_insert(&mut self, v: &StoredVersion) -> Result<(), StoreError> {
        self.execute(queries::VERSION_INSERT, &codec::version_values(v), VERSION)
            .map(drop)
    }

    fn version_update(&mut self, v: &StoredVersion) -> Result<(), StoreError> {
        self.update(queries::VERSION_UPDATE, &codec::version_values(v), VERSION)?;
        if v.sealed_material.is_none() {
            self.erased = true;
        }
        Ok(())
    }

    fn audit_append(&mut self, event: &AuditEvent) -> Result<(), StoreError> {
        // The writer holds the database's one write lock: nobody appends
        // between this read and the insert. The primary key still refuses a
        // duplicate, should another engine ever let two writers race.
        check_follows(self.audit_head()?, event)?;
        let values = codec::event_values(event)?;
        self.execute(queries::AUDIT_APPEND, &values, AUDIT_EVENT)
            .map(drop)
    }

    fn audit_checkpoint_put(&mut self, checkpoint: &Checkpoint) -> Result<(), StoreError> {
        let values = codec::checkpoint_values(checkpoint)?;
        self.execute(queries::AUDIT_CHECKPOINT_PUT, &values, AUDIT_CHECKPOINT)
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

    fn commit(mut self: Box<Self>) -> Result<(), StoreError> {
        self.end("COMMIT")?;
        if self.erased {
            // Push the erased row into the main file and empty the WAL, which
            // still holds page images with the material. The commit stands
            // either way; `Store::checkpoint` can finish the job later.
            if let Err(e) = checkpoint(&self.conn) {
                tracing::warn!(error = %e, "checkpoint after erasing key material did not complete");
            }
        }
        Ok(())
    }

    fn rollback(mut self: Box<Self>) -> Result<(), StoreError> {
        self.end("ROLLBACK")
    }

    fn savepoint(&mut self) -> Result<(), StoreError> {
        self.conn.execute_batch("SAVEPOINT job").map_err(backend)
    }

    fn release_savepoint(&mut self) -> Result<(), StoreError> {
        self.conn.execute_batch("RELEASE job").map_err(backend)
    }

    fn rollback_to_savepoint(&mut self) -> Result<(), StoreError> {
        self.conn
            .execute_batch("ROLLBACK TO job; RELEASE job")
            .map_err(backend)
    }
}
