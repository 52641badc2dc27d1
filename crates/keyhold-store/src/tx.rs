//! What a transaction body can do: [`ReadTx`] inside [`Store::read`] and
//! [`WriteTx`] inside [`Store::write`]. Every call reads or writes rows as
//! they are; no call decides policy or lifecycle.
//!
//! [`Store::read`]: crate::Store::read
//! [`Store::write`]: crate::Store::write

use keyhold_core::approval::ApprovalState;
use keyhold_core::audit::{AuditEvent, ChainHead, Checkpoint};
use keyhold_core::{
    ApprovalId, ApprovalRecord, CertBinding, CertMatcher, Key, KeyId, KeyName, MfaEnrollment,
    PolicyName, PolicyRecord, Principal, PrincipalId, PrincipalName, RoleName, RoleRecord,
    SealedBlob, Tenant, TenantId, TenantName, TenantSettings, Timestamp, TokenId, TokenRecord,
    VersionId, VersionNumber,
};

use crate::audit::AuditQuery;
use crate::due::{DueCursor, DueKey};
use crate::error::StoreError;
use crate::idle::IdleQuery;
use crate::model::{KeyQuery, SealedVersion, StoredVersion, SystemKey};

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
    /// At most `limit` of the tenant's versions whose material (not
    /// erased) is sealed under a KEK generation older than `generation`,
    /// oldest generation first, then by key id and version.
    fn versions_sealed_before(
        &mut self,
        tenant: TenantId,
        generation: u32,
        limit: u32,
    ) -> Result<Vec<SealedVersion>, StoreError>;
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
    /// (destruction, deactivation, end of cryptoperiod, activation,
    /// rotation), across tenants, in that order of urgency and then by key
    /// id, strictly after `after` (from the start when `None`).
    fn keys_due(
        &mut self,
        now: Timestamp,
        after: Option<DueCursor>,
        limit: u32,
    ) -> Result<Vec<DueKey>, StoreError>;

    /// The principal with this id in this tenant; another tenant's is `None`.
    fn principal_get(
        &mut self,
        tenant: TenantId,
        id: PrincipalId,
    ) -> Result<Option<Principal>, StoreError>;
    /// The principal with this name in this tenant.
    fn principal_by_name(
        &mut self,
        tenant: TenantId,
        name: &PrincipalName,
    ) -> Result<Option<Principal>, StoreError>;
    /// At most `limit` of the tenant's principals, by name, with names
    /// strictly after `after` (the last name of the previous page).
    fn principals(
        &mut self,
        tenant: TenantId,
        after: Option<&PrincipalName>,
        limit: u32,
    ) -> Result<Vec<Principal>, StoreError>;
    /// Every principal of the tenant holding `role`, by name, disabled ones
    /// included (the caller decides who is eligible).
    fn principals_with_role(
        &mut self,
        tenant: TenantId,
        role: &RoleName,
    ) -> Result<Vec<Principal>, StoreError>;
    /// The token whose text hashes to `hash`, in any tenant, revoked and
    /// expired ones included ([`TokenRecord::usable`] tells).
    fn token_by_hash(&mut self, hash: &[u8; 32]) -> Result<Option<TokenRecord>, StoreError>;
    /// The token with this id in this tenant.
    fn token_get(
        &mut self,
        tenant: TenantId,
        id: TokenId,
    ) -> Result<Option<TokenRecord>, StoreError>;
    /// At most `limit` of the tenant's tokens (only `principal`'s, if given),
    /// by id, with ids strictly after `after`.
    fn tokens(
        &mut self,
        tenant: TenantId,
        principal: Option<PrincipalId>,
        after: Option<TokenId>,
        limit: u32,
    ) -> Result<Vec<TokenRecord>, StoreError>;
    /// The binding of a certificate, in any tenant.
    fn cert_binding(&mut self, matcher: &CertMatcher) -> Result<Option<CertBinding>, StoreError>;
    /// Every certificate binding of a principal of the tenant.
    fn cert_bindings(
        &mut self,
        tenant: TenantId,
        principal: PrincipalId,
    ) -> Result<Vec<CertBinding>, StoreError>;
    /// The policy with this name in this tenant.
    fn policy_get(
        &mut self,
        tenant: TenantId,
        name: &PolicyName,
    ) -> Result<Option<PolicyRecord>, StoreError>;
    /// At most `limit` of the tenant's policies, by name, with names
    /// strictly after `after`.
    fn policies(
        &mut self,
        tenant: TenantId,
        after: Option<&PolicyName>,
        limit: u32,
    ) -> Result<Vec<PolicyRecord>, StoreError>;
    /// The custom role with this name in this tenant (built-in roles are
    /// never stored).
    fn role_get(
        &mut self,
        tenant: TenantId,
        name: &RoleName,
    ) -> Result<Option<RoleRecord>, StoreError>;
    /// Every custom role of the tenant, by name.
    fn roles(&mut self, tenant: TenantId) -> Result<Vec<RoleRecord>, StoreError>;
    /// A principal's TOTP enrollment.
    fn mfa_get(&mut self, principal: PrincipalId) -> Result<Option<MfaEnrollment>, StoreError>;
    /// The approval with this id in this tenant.
    fn approval_get(
        &mut self,
        tenant: TenantId,
        id: ApprovalId,
    ) -> Result<Option<ApprovalRecord>, StoreError>;
    /// At most `limit` of the tenant's approvals (only those in `state`, if
    /// given), oldest first, after the approval `after` (the last of the
    /// previous page; a cursor that is not the tenant's finds nothing).
    fn approvals(
        &mut self,
        tenant: TenantId,
        state: Option<ApprovalState>,
        after: Option<ApprovalId>,
        limit: u32,
    ) -> Result<Vec<ApprovalRecord>, StoreError>;
    /// At most `limit` pending approvals, across tenants, whose expiry is at
    /// or before `now`, soonest first: the scheduler's sweep.
    fn approvals_expiring_before(
        &mut self,
        now: Timestamp,
        limit: u32,
    ) -> Result<Vec<ApprovalRecord>, StoreError>;
    /// One page of a tenant's unused-key scan ([`IdleQuery`]).
    fn keys_idle(&mut self, query: &IdleQuery) -> Result<Vec<Key>, StoreError>;
    /// The tenant's settings, `None` if never stored (the caller then uses
    /// [`TenantSettings::default`]).
    fn tenant_settings(&mut self, tenant: TenantId) -> Result<Option<TenantSettings>, StoreError>;
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
    /// Records that the key was used at `at`, unless a later use is
    /// recorded; touches nothing else (not `updated_at`). A missing key is
    /// no error: it was deleted since its use.
    fn key_mark_used(&mut self, key: KeyId, at: Timestamp) -> Result<(), StoreError>;
    /// Records that the scheduler warned at `at` that the key is unused;
    /// touches nothing else. A missing key is [`StoreError::NotFound`].
    fn key_mark_idle_warned(
        &mut self,
        tenant: TenantId,
        key: KeyId,
        at: Timestamp,
    ) -> Result<(), StoreError>;
    /// Inserts a version; a duplicate id or (key, version) is
    /// [`StoreError::Conflict`], a missing key [`StoreError::MissingParent`].
    fn version_insert(&mut self, v: &StoredVersion) -> Result<(), StoreError>;
    /// Replaces the version with `v.meta.id` (its key and number never
    /// change); a missing one is [`StoreError::NotFound`]. Setting
    /// `sealed_material` to `None` erases the stored bytes.
    fn version_update(&mut self, v: &StoredVersion) -> Result<(), StoreError>;
    /// Replaces the sealed material of version `version` of `key` and its
    /// KEK generation, only if it is still under generation `from` and not
    /// erased; whether it was.
    fn version_reseal(
        &mut self,
        key: KeyId,
        version: VersionNumber,
        from: u32,
        to: u32,
        sealed: &SealedBlob,
    ) -> Result<bool, StoreError>;
    /// Removes a key with its versions and tags, erasing their bytes: the
    /// undoing of the request that made it, never a lifecycle step (keys
    /// are destroyed, not deleted). A missing one is [`StoreError::NotFound`].
    fn key_remove(&mut self, tenant: TenantId, key: KeyId) -> Result<(), StoreError>;
    /// Removes version `version` of `key`, erasing its bytes: the undoing of
    /// the request that added it. A missing one is [`StoreError::NotFound`].
    fn version_remove(&mut self, key: KeyId, version: VersionNumber) -> Result<(), StoreError>;
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
    /// Deletes a system value (revoking the root token, say); a missing one
    /// is [`StoreError::NotFound`].
    fn system_delete(&mut self, key: SystemKey) -> Result<(), StoreError>;

    /// Inserts a principal; a duplicate id or (tenant, name) is
    /// [`StoreError::Conflict`], a missing tenant [`StoreError::MissingParent`].
    fn principal_insert(&mut self, p: &Principal) -> Result<(), StoreError>;
    /// Replaces the principal with `p.id` in `p.tenant`; a missing one is
    /// [`StoreError::NotFound`], a name taken [`StoreError::Conflict`].
    fn principal_update(&mut self, p: &Principal) -> Result<(), StoreError>;
    /// Deletes a principal with its tokens, certificate bindings and TOTP
    /// enrollment; a missing one is [`StoreError::NotFound`].
    fn principal_delete(&mut self, tenant: TenantId, id: PrincipalId) -> Result<(), StoreError>;
    /// Inserts a token; a duplicate id or hash is [`StoreError::Conflict`], a
    /// principal missing from `t.tenant` [`StoreError::MissingParent`].
    fn token_insert(&mut self, t: &TokenRecord) -> Result<(), StoreError>;
    /// Marks a token revoked at `at` (a second revocation keeps the first
    /// time); a missing one is [`StoreError::NotFound`].
    fn token_revoke(&mut self, id: TokenId, at: Timestamp) -> Result<(), StoreError>;
    /// Binds a certificate to a principal; a matcher already bound (in any
    /// tenant) is [`StoreError::Conflict`], a principal missing from
    /// `b.tenant` [`StoreError::MissingParent`].
    fn cert_bind(&mut self, b: &CertBinding) -> Result<(), StoreError>;
    /// Removes the tenant's binding of a certificate; a missing one is
    /// [`StoreError::NotFound`].
    fn cert_unbind(&mut self, tenant: TenantId, matcher: &CertMatcher) -> Result<(), StoreError>;
    /// Inserts a policy; a duplicate id or (tenant, name) is
    /// [`StoreError::Conflict`], a missing tenant [`StoreError::MissingParent`].
    fn policy_insert(&mut self, p: &PolicyRecord) -> Result<(), StoreError>;
    /// Replaces the policy with `p.id` in `p.tenant`; a missing one is
    /// [`StoreError::NotFound`], a name taken [`StoreError::Conflict`].
    fn policy_update(&mut self, p: &PolicyRecord) -> Result<(), StoreError>;
    /// Deletes the tenant's policy of this name; a missing one is
    /// [`StoreError::NotFound`]. Roles and principals naming it are left as
    /// they are.
    fn policy_delete(&mut self, tenant: TenantId, name: &PolicyName) -> Result<(), StoreError>;
    /// Inserts a custom role; a duplicate (tenant, name) is
    /// [`StoreError::Conflict`], a missing tenant [`StoreError::MissingParent`].
    /// The store does not refuse built-in names: the server does
    /// ([`RoleRecord::check_name`]).
    fn role_insert(&mut self, r: &RoleRecord) -> Result<(), StoreError>;
    /// Replaces the role `r.name` of `r.tenant`; a missing one is
    /// [`StoreError::NotFound`].
    fn role_update(&mut self, r: &RoleRecord) -> Result<(), StoreError>;
    /// Deletes the tenant's role of this name; a missing one is
    /// [`StoreError::NotFound`]. Principals holding it are left as they are.
    fn role_delete(&mut self, tenant: TenantId, name: &RoleName) -> Result<(), StoreError>;
    /// Stores (inserts or replaces) a principal's TOTP enrollment; a missing
    /// principal is [`StoreError::MissingParent`].
    fn mfa_put(&mut self, m: &MfaEnrollment) -> Result<(), StoreError>;
    /// Deletes a principal's TOTP enrollment; a missing one is
    /// [`StoreError::NotFound`].
    fn mfa_delete(&mut self, principal: PrincipalId) -> Result<(), StoreError>;
    /// Inserts an approval; a duplicate id is [`StoreError::Conflict`], a
    /// missing tenant [`StoreError::MissingParent`].
    fn approval_insert(&mut self, a: &ApprovalRecord) -> Result<(), StoreError>;
    /// Replaces the approval with `a.id` in `a.tenant`; a missing one is
    /// [`StoreError::NotFound`].
    fn approval_update(&mut self, a: &ApprovalRecord) -> Result<(), StoreError>;
    /// Stores (inserts or replaces) a tenant's settings as given (the
    /// caller checks them first); a missing tenant is
    /// [`StoreError::MissingParent`].
    fn tenant_settings_put(
        &mut self,
        tenant: TenantId,
        settings: &TenantSettings,
    ) -> Result<(), StoreError>;
}
