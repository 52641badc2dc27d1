//! An in-process server for tests that move time: the operations service
//! over an SQLite file in a temporary directory, unsealed with the dev seal,
//! on a [`ManualClock`], with a [`Scheduler`] over it.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod uses;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use keyhold_api::keys::{CreateKeyRequest, KeyInfo};
use keyhold_core::audit::{AuditEvent, Interface};
use keyhold_core::ports::Clock;
use keyhold_core::{Action, KeyId, KeyRef, RequestId, TenantId, Timestamp};
use keyhold_server::clock::ManualClock;
use keyhold_server::error::ServerError;
use keyhold_server::ops::{Caller, Credentials, Operations, Proof};
use keyhold_server::scheduler::Scheduler;
use keyhold_server::vault::Vault;
use keyhold_store::{AuditQuery, ReadTx, Store, StoredVersion, TxError};
use zeroize::Zeroizing;

/// The root token of the dev seal.
pub const ROOT_TOKEN: &str = "scheduler-test-root-token";

/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// Where every world's clock starts.
pub const START: Timestamp = Timestamp::from_unix_seconds(1_900_000_000);

/// The server, its store file and its clock.
pub struct World {
    pub dir: tempfile::TempDir,
    pub store: Store,
    pub clock: Arc<ManualClock>,
    pub ops: Arc<Operations>,
    pub scheduler: Scheduler,
}

impl World {
    /// A fresh, unsealed server at [`START`].
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_sqlite(&dir.path().join("keyhold.db")).unwrap();
        let crypto = keyhold_crypto::software();
        let vault = Arc::new(Vault::load(store.clone(), crypto).unwrap());
        let clock = Arc::new(ManualClock::new(START));
        vault
            .start_dev(dir.path(), Some(ROOT_TOKEN), clock.now())
            .unwrap();
        let port: Arc<dyn Clock> = clock.clone();
        let ops = Arc::new(Operations::new(store.clone(), crypto, vault, port));
        let scheduler = Scheduler::new(Arc::clone(&ops));
        Self {
            dir,
            store,
            clock,
            ops,
            scheduler,
        }
    }

    /// A request of the root token, over REST.
    pub fn root<T>(
        &self,
        action: Action,
        f: impl FnOnce(&Operations, &Caller) -> Result<T, ServerError>,
    ) -> Result<T, ServerError> {
        let creds = Credentials {
            request_id: RequestId::from_uuid(uuid::Uuid::new_v4()),
            interface: Interface::Rest,
            source: None,
            proof: Proof::Bearer(Zeroizing::new(ROOT_TOKEN.to_owned())),
            tenant: None,
            mfa: None,
            approval: None,
        };
        self.ops.perform_blocking(creds, action, f)
    }

    /// A request of the root token in the tenant named `tenant`, over REST.
    pub fn root_in<T>(
        &self,
        tenant: &str,
        action: Action,
        f: impl FnOnce(&Operations, &Caller) -> Result<T, ServerError>,
    ) -> Result<T, ServerError> {
        let creds = Credentials {
            request_id: RequestId::from_uuid(uuid::Uuid::new_v4()),
            interface: Interface::Rest,
            source: None,
            proof: Proof::Bearer(Zeroizing::new(ROOT_TOKEN.to_owned())),
            tenant: Some(tenant.parse().unwrap()),
            mfa: None,
            approval: None,
        };
        self.ops.perform_blocking(creds, action, f)
    }

    /// A request of the server itself in `tenant`, as the scheduler makes.
    pub fn internal<T>(
        &self,
        tenant: TenantId,
        action: Action,
        f: impl FnOnce(&Operations, &Caller) -> Result<T, ServerError>,
    ) -> Result<T, ServerError> {
        let creds = Credentials::internal(tenant, Interface::Scheduler);
        self.ops.perform_blocking(creds, action, f)
    }

    /// Creates a key as the root token.
    pub fn create(&self, req: CreateKeyRequest) -> KeyInfo {
        self.root(Action::KeyCreate, |ops, c| ops.create_key(c, req))
            .unwrap()
    }

    /// A key as `GET /v1/keys/{key}` shows it.
    pub fn show(&self, id: KeyId) -> KeyInfo {
        self.root(Action::KeyRead, |ops, c| ops.key(c, &KeyRef::Id(id)))
            .unwrap()
    }

    /// A key's versions as stored, material included.
    pub fn stored_versions(&self, id: KeyId) -> Vec<StoredVersion> {
        self.read(|tx| tx.versions(id))
    }

    /// Every audit event, in order.
    pub fn audit(&self) -> Vec<AuditEvent> {
        self.read(|tx| tx.audit_events(&AuditQuery::after(0, u32::MAX)))
    }

    /// The audit trail's length.
    pub fn audit_len(&self) -> u64 {
        self.read(|tx| tx.audit_head()).seq
    }

    /// Moves the clock forward by `days`.
    pub fn advance_days(&self, days: i64) -> Timestamp {
        self.clock.advance(days * DAY)
    }

    /// The database file and its write-ahead log.
    pub fn db_files(&self) -> Vec<PathBuf> {
        let db = self.dir.path().join("keyhold.db");
        vec![db.clone(), with_suffix(&db, "-wal")]
    }

    fn read<T>(
        &self,
        f: impl FnOnce(&mut dyn ReadTx) -> Result<T, keyhold_store::StoreError>,
    ) -> T {
        self.store
            .read(|tx| f(tx).map_err(TxError::<std::convert::Infallible>::Store))
            .unwrap()
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Whether any of `files` holds `needle` (a missing file holds nothing).
pub fn files_contain(files: &[PathBuf], needle: &[u8]) -> bool {
    files.iter().any(|f| {
        let bytes = std::fs::read(f).unwrap_or_default();
        bytes.windows(needle.len()).any(|w| w == needle)
    })
}

/// The stable code a failure answers with.
pub fn code_of<T: std::fmt::Debug>(r: Result<T, ServerError>) -> keyhold_api::ErrorCode {
    match r {
        Err(e) => e.public().0,
        Ok(v) => panic!("expected a refusal, got {v:?}"),
    }
}
