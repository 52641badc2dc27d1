//! The operations service: every operation, whatever interface asked for it
//! (REST today, KMIP later), runs here, once. Transports translate their
//! request into a call on [`Operations`] and translate the result back;
//! authentication, lifecycle checks and (later) authorization, audit and
//! caching live here.
//!
//! Methods are synchronous: they touch the store and do CPU-bound crypto, so
//! the REST layer runs them on the blocking pool.

mod batch;
mod crypto;
mod datakey;
mod encrypt;
mod envelope;
mod import_tokens;
mod kem;
mod keys;
mod kmip_support;
mod lifecycle;
mod mac;
mod random;
mod raw_aead;
mod sign;
mod transfer;

use std::sync::{Arc, RwLock};

use keyhold_core::ports::Clock;
use keyhold_core::{RequestId, Tenant, TenantName, Timestamp};
use keyhold_crypto::CryptoProvider;
use keyhold_store::{Store, TxError};

pub use self::import_tokens::DEFAULT_VALIDITY_SECS as DEFAULT_IMPORT_TOKEN_VALIDITY_SECS;
use self::import_tokens::ImportTokens;
pub use self::lifecycle::{DEFAULT_MIN_DESTROY_WAITING_DAYS, KeyAction, LifecycleSettings};
pub use self::raw_aead::{GCM_TAG_LEN, RawSealed};
use crate::error::ServerError;
use crate::vault::{DEFAULT_TENANT, Vault, tx_error};

/// Who is asking, established by [`Operations::authenticate`].
#[derive(Debug, Clone)]
pub struct Caller {
    /// The caller's tenant.
    pub tenant: Arc<Tenant>,
    /// The request.
    pub request_id: RequestId,
}

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
        }
    }

    /// The same service with these lifecycle settings.
    #[must_use]
    pub fn with_lifecycle(mut self, settings: LifecycleSettings) -> Self {
        self.lifecycle = settings;
        self
    }

    /// The same service with import tokens valid `secs` seconds (24 hours
    /// by default). Tokens live in memory only: a restart forgets them.
    #[must_use]
    pub fn with_import_token_validity(mut self, secs: u64) -> Self {
        self.import_tokens = ImportTokens::new(secs, import_tokens::MAX_OUTSTANDING);
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

    /// Checks the server is unsealed and the bearer token is valid.
    pub fn authenticate(
        &self,
        token: Option<&str>,
        request_id: RequestId,
    ) -> Result<Caller, ServerError> {
        self.vault.unlocked()?;
        let token = token.ok_or(ServerError::Unauthenticated)?;
        if !self.vault.is_root_token(token) {
            return Err(ServerError::Unauthenticated);
        }
        Ok(Caller {
            tenant: self.default_tenant()?,
            request_id,
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
