//! The operations service: every operation, whatever interface asked for it
//! (REST, KMIP, the scheduler), runs here, once. Transports translate their
//! request into [`Credentials`] and a call through [`Operations::perform`],
//! and translate the result back; authentication, lifecycle checks, the
//! audit trail, authorization and the identity cache live here.
//!
//! Methods are synchronous: they touch the store and do CPU-bound crypto, so
//! `perform` runs them on the blocking pool.

mod access;
mod audit_query;
mod audit_verify;
mod backup;
mod batch;
mod caller;
mod client_log;
mod crypto;
mod datakey;
mod encrypt;
mod envelope;
mod fresh_restore;
mod gcm_streams;
mod hash;
mod hot_path;
mod import_tokens;
mod kem;
mod key_cache;
mod key_use;
mod keyed_mac;
mod keys;
mod kmip_attributes;
mod kmip_custom;
mod kmip_instances;
mod kmip_material;
mod kmip_sign;
mod kmip_support;
mod kmip_wrap;
mod lifecycle;
mod mac;
mod multipart_encrypt;
mod public_half_ops;
mod random;
mod raw_aead;
mod raw_cipher;
mod request;
mod rotate_kek;
mod rotate_root;
mod rsa_cipher;
mod sign;
mod transfer;
mod undo;
mod usage_limits;

use std::sync::{Arc, RwLock};

use keyhold_core::ports::Clock;
use keyhold_core::{Tenant, TenantId, TenantName, Timestamp};
use keyhold_crypto::CryptoProvider;
use keyhold_store::{DueCursor, DueKey, Store, TxError};

pub use self::access::tokens::{DEFAULT_MAX_TOKEN_TTL_SECS, DEFAULT_TOKEN_TTL_SECS};
pub use self::audit_query::EXPORT_CHUNK as AUDIT_EXPORT_CHUNK;
pub(crate) use self::backup::restore_failed;
pub use self::caller::Caller;
pub use self::client_log::{LogMessage, MAX_LOG_MESSAGE_BYTES};
pub use self::import_tokens::DEFAULT_VALIDITY_SECS as DEFAULT_IMPORT_TOKEN_VALIDITY_SECS;
use self::import_tokens::ImportTokens;
pub use self::key_cache::{
    DEFAULT_KEYS as DEFAULT_CACHED_KEYS, DEFAULT_MAX_AGE_MS as DEFAULT_KEY_CACHE_MAX_AGE_MS,
    KeyCacheSettings, MAX_MAX_AGE_MS as MAX_KEY_CACHE_MAX_AGE_MS,
};
pub use self::key_use::GRANULARITY_SECS as KEY_USE_GRANULARITY_SECS;
pub use self::kmip_attributes::{AttributeChange, LinkChange, UsageDate, is_custom_name};
pub use self::kmip_custom::CustomAttr;
pub use self::kmip_instances::{Instance, InstanceChange};
pub use self::kmip_sign::{KmipSignature, KmipSigned};
pub use self::kmip_support::{KmipKeySpec, UsageDates};
pub use self::kmip_wrap::{WrapScheme, WrappingKey};
pub use self::lifecycle::{DEFAULT_MIN_DESTROY_WAITING_DAYS, KeyAction, LifecycleSettings};
pub use self::multipart_encrypt::{Part, PartOutput};
pub use self::raw_cipher::{CipherOutput, CipherRequest, DecryptInput, RequestedMode};
pub use self::request::{CertIdentity, Credentials, Proof};
pub use self::undo::{KeyChange, KeySnapshot};
use crate::audit::AuditTrail;
use crate::error::ServerError;
use crate::vault::{DEFAULT_TENANT, Vault, tx_error};

/// The operations service.
#[derive(Debug)]
pub struct Operations {
    store: Store,
    crypto: CryptoProvider,
    vault: Arc<Vault>,
    clock: Arc<dyn Clock>,
    default_tenant: RwLock<Option<Arc<Tenant>>>,
    import_tokens: ImportTokens,
    lifecycle: LifecycleSettings,
    audit: AuditTrail,
    access_generation: access::AccessGeneration,
    #[cfg(feature = "bench-no-audit")]
    audit_off: bool,
    identities: access::identity::IdentityCache,
    max_token_ttl_secs: u64,
    key_use: key_use::KeyUse,
    key_cache: key_cache::KeyCache,
    gcm_streams: gcm_streams::GcmStreams,
}

impl Operations {
    /// A service over these parts.
    pub fn new(
        store: Store,
        crypto: CryptoProvider,
        vault: Arc<Vault>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            audit: AuditTrail::new(
                store.clone(),
                crate::sinks::settings::DEFAULT_CHECKPOINT_EVERY,
            ),
            store,
            crypto,
            vault,
            clock,
            default_tenant: RwLock::new(None),
            import_tokens: ImportTokens::new(
                import_tokens::DEFAULT_VALIDITY_SECS,
                import_tokens::MAX_OUTSTANDING,
            ),
            lifecycle: LifecycleSettings::default(),
            access_generation: access::AccessGeneration::default(),
            #[cfg(feature = "bench-no-audit")]
            audit_off: false,
            identities: access::identity::IdentityCache::default(),
            max_token_ttl_secs: DEFAULT_MAX_TOKEN_TTL_SECS,
            key_use: key_use::KeyUse::default(),
            key_cache: key_cache::KeyCache::new(KeyCacheSettings::default()),
            gcm_streams: gcm_streams::GcmStreams::default(),
        }
    }

    /// The same service with these lifecycle settings.
    #[must_use]
    pub fn with_lifecycle(mut self, settings: LifecycleSettings) -> Self {
        self.lifecycle = settings;
        self
    }

    /// The same service with this key cache (`[cache]`; on, 10,000 keys,
    /// by default). See `key_cache`.
    #[must_use]
    pub fn with_key_cache(mut self, settings: KeyCacheSettings) -> Self {
        self.key_cache = key_cache::KeyCache::new(settings);
        self
    }

    /// How many keys the key cache holds now.
    pub fn cached_keys(&self) -> usize {
        self.key_cache.len()
    }

    /// The same service writing no audit events: benchmark builds only
    /// (feature `bench-no-audit`), to measure what the audit trail costs.
    #[cfg(feature = "bench-no-audit")]
    #[must_use]
    pub fn without_audit_for_benchmark(mut self) -> Self {
        self.audit_off = true;
        self
    }

    /// Whether audit writes are off (a benchmark build asked for it).
    #[cfg(feature = "bench-no-audit")]
    fn audit_off(&self) -> bool {
        self.audit_off
    }

    /// Whether audit writes are off: never, in a normal build.
    #[cfg(not(feature = "bench-no-audit"))]
    const fn audit_off(&self) -> bool {
        false
    }

    /// The same service with a signed audit checkpoint every `every`
    /// events.
    #[must_use]
    pub fn with_checkpoint_every(mut self, every: u64) -> Self {
        self.audit = AuditTrail::new(self.store.clone(), every);
        self
    }

    /// The same service with import tokens valid `secs` seconds (24 hours
    /// by default). Tokens live in memory only: a restart forgets them.
    #[must_use]
    pub fn with_import_token_validity(mut self, secs: u64) -> Self {
        self.import_tokens = ImportTokens::new(secs, import_tokens::MAX_OUTSTANDING);
        self
    }

    /// The same service issuing access tokens that live at most `secs`
    /// seconds (30 days by default).
    #[must_use]
    pub fn with_max_token_ttl(mut self, secs: u64) -> Self {
        self.max_token_ttl_secs = secs;
        self
    }

    /// The seal.
    pub fn vault(&self) -> &Vault {
        &self.vault
    }

    /// The current time.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// Seals the server (`POST /v1/sys/seal`). The request's audit event is
    /// written first: once sealed, the server can record nothing. Every
    /// opened key version is dropped from the key cache (and zeroized).
    pub fn seal(&self, caller: &Caller) -> Result<keyhold_api::sys::SealStatus, ServerError> {
        self.write_audited(caller, |_| Ok(()))?;
        let sealed = self.vault.seal();
        self.key_cache.clear();
        sealed
    }

    /// Signs the audit trail's head unless a checkpoint covers it already;
    /// nothing while sealed.
    pub fn checkpoint_audit(&self) -> Result<(), ServerError> {
        let Ok(unlocked) = self.vault.unlocked() else {
            return Ok(());
        };
        self.audit
            .checkpoint_head(unlocked.audit_keys(), self.now())
            .map(drop)
    }

    /// The audit trail.
    pub fn audit(&self) -> &AuditTrail {
        &self.audit
    }

    /// The scheduler's work list: at most `limit` keys of every tenant with
    /// a destruction, deactivation, end of cryptoperiod, activation or
    /// rotation due at or before `now`, the most urgent first, after the
    /// entry `after` ([`ReadTx::keys_due`]).
    ///
    /// [`ReadTx::keys_due`]: keyhold_store::ReadTx::keys_due
    pub fn keys_due(
        &self,
        now: Timestamp,
        after: Option<DueCursor>,
        limit: u32,
    ) -> Result<Vec<DueKey>, ServerError> {
        self.store
            .read(|tx| Ok::<_, TxError<ServerError>>(tx.keys_due(now, after, limit)?))
            .map_err(tx_error)
    }

    /// The tenant with this id.
    fn tenant(&self, id: TenantId) -> Result<Arc<Tenant>, ServerError> {
        self.store
            .read(|tx| Ok::<_, TxError<ServerError>>(tx.tenant_get(id)?))
            .map_err(tx_error)?
            .map(Arc::new)
            .ok_or(ServerError::Internal {
                what: "tenant missing",
            })
    }

    fn default_tenant(&self) -> Result<Arc<Tenant>, ServerError> {
        if let Some(t) = self.default_tenant.read().ok().and_then(|t| t.clone()) {
            return Ok(t);
        }
        let name: TenantName = DEFAULT_TENANT.parse()?;
        let tenant = self
            .store
            .read(|tx| Ok::<_, TxError<ServerError>>(tx.tenant_by_name(&name)?))
            .map_err(tx_error)?
            .ok_or(ServerError::Internal {
                what: "default tenant missing",
            })?;
        let tenant = Arc::new(tenant);
        if let Ok(mut slot) = self.default_tenant.write() {
            *slot = Some(Arc::clone(&tenant));
        }
        Ok(tenant)
    }
}
