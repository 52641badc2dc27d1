//! What a transaction body can do: [`ReadTx`] inside [`Store::read`] and
//! [`WriteTx`] inside [`Store::write`]. Every call reads or writes rows as
//! they are; no call decides policy or lifecycle.
//!
//! [`Store::read`]: crate::Store::read
//! [`Store::write`]: crate::Store::write

use keyhold_core::audit::{AuditEvent, ChainHead, Checkpoint};
use keyhold_core::{
    Key, KeyId, KeyName, Tenant, TenantId, TenantName, Timestamp, VersionId, VersionNumber,
};

use crate::audit::AuditQuery;
use crate::due::DueKey;
use crate::error::StoreError;
use crate::model::{KeyQuery, StoredVersion, SystemKey};

/// Reads within one consistent snapshot.
pub trait ReadTx {
    /// The value stored under a system key.
    fn system_get(&mut self, key: SystemKey) -> Result<Option<Vec<u8>>, StoreError>;
    /// The tenant with this id.
    fn tenant_get(&mut self, id: TenantId) -> Result<Option<Tenant>, StoreError>;
    /// The tenant with this name.
    fn tenant_by_name(&mut self, name: &TenantName) -> Result<Option<Tenant>, StoreError>;
    /// Every tenant, ordered by name.
    fn tenants(&mut self) -> Result<Vec<Tenant>, StoreError>;
    /// The key with this id in this tenant; another tenant's key is `None`.
    fn key_get(&mut self, tenant: TenantId, id: KeyId) -> Result<Option<Key>, StoreError>;
    /// The key with this name in this tenant.
    fn key_by_name(&mut self, tenant: TenantId, name: &KeyName) -> Result<Option<Key>, StoreError>;
    /// The tenant's keys matching `query`, ordered by name.
    fn keys(&mut self, tenant: TenantId, query: &KeyQuery) -> Result<Vec<Key>, StoreError>;
    /// One version of a key.
    fn version_get(
        &mut self,
        key: KeyId,
        version: VersionNumber,
    ) -> Result<Option<StoredVersion>, StoreError>;
    /// The version with this id (its KMIP unique identifier).
    fn version_by_id(&mut self, id: VersionId) -> Result<Option<StoredVersion>, StoreError>;
    /// Every version of a key, ordered by version number.
    fn versions(&mut self, key: KeyId) -> Result<Vec<StoredVersion>, StoreError>;
    /// The last audit event's sequence number and link;
    /// [`ChainHead::GENESIS`] when there is none.
    fn audit_head(&mut self) -> Result<ChainHead, StoreError>;
    /// The audit events matching `query`, in sequence order.
    fn audit_events(&mut self, query: &AuditQuery) -> Result<Vec<AuditEvent>, StoreError>;
    /// At most `limit` audit events from sequence number `from` to `to`
    /// (both inclusive), in order: a chain read in chunks for verification.
    fn audit_range(
        &mut self,
        from: u64,
        to: u64,
        limit: u32,
    ) -> Result<Vec<AuditEvent>, StoreError>;
    /// At most `limit` checkpoints covering events after `after`, in order.
    fn audit_checkpoints(&mut self, after: u64, limit: u32) -> Result<Vec<Checkpoint>, StoreError>;
    /// The checkpoint covering the latest event so covered, if any.
    fn audit_last_checkpoint(&mut self) -> Result<Option<Checkpoint>, StoreError>;
    /// At most `limit` keys with a scheduled date at or before `now`
    /// (destruction, deactivation, activation, rotation), across tenants, in
    /// that order of urgency.
    fn keys_due(&mut self, now: Timestamp, limit: u32) -> Result<Vec<DueKey>, StoreError>;
}

/// Reads and writes within one transaction: all of it commits, or none.
pub trait WriteTx: ReadTx {
    /// Stores (inserts or replaces) a system value.
    fn system_put(&mut self, key: SystemKey, value: &[u8]) -> Result<(), StoreError>;
    /// Inserts a tenant; a duplicate id or name is [`StoreError::Conflict`].
    fn tenant_insert(&mut self, t: &Tenant) -> Result<(), StoreError>;
    /// Replaces the tenant with `t.id`; a missing one is [`StoreError::NotFound`].
    fn tenant_update(&mut self, t: &Tenant) -> Result<(), StoreError>;
    /// Inserts a key; a duplicate id or (tenant, name) is
    /// [`StoreError::Conflict`], a missing tenant [`StoreError::MissingParent`].
    fn key_insert(&mut self, k: &Key) -> Result<(), StoreError>;
    /// Replaces the key with `k.id` in tenant `k.tenant` (the id and tenant
    /// never change); a missing one is [`StoreError::NotFound`].
    fn key_update(&mut self, k: &Key) -> Result<(), StoreError>;
    /// Inserts a version; a duplicate id or (key, version) is
    /// [`StoreError::Conflict`], a missing key [`StoreError::MissingParent`].
    fn version_insert(&mut self, v: &StoredVersion) -> Result<(), StoreError>;
    /// Replaces the version with `v.meta.id` (its key and number never
    /// change); a missing one is [`StoreError::NotFound`]. Setting
    /// `sealed_material` to `None` erases the stored bytes.
    fn version_update(&mut self, v: &StoredVersion) -> Result<(), StoreError>;
    /// Appends an audit event. It must be the stored chain's next one: its
    /// `seq` the head's plus one, else [`StoreError::AuditSequence`], and its
    /// `prev` the head's link, else [`StoreError::AuditPrev`]; either way
    /// nothing is written. Reading [`ReadTx::audit_head`] and appending its
    /// successor in one body (under [`Store::submit`](crate::Store::submit)
    /// or [`Store::write`](crate::Store::write)) always succeeds: the single
    /// writer runs bodies one after another.
    fn audit_append(&mut self, event: &AuditEvent) -> Result<(), StoreError>;
    /// Stores a checkpoint. One per event: a second for the same `seq` is
    /// [`StoreError::Conflict`]; one for an event not stored is
    /// [`StoreError::MissingParent`].
    fn audit_checkpoint_put(&mut self, checkpoint: &Checkpoint) -> Result<(), StoreError>;
}
