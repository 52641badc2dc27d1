//! keyhold's persistence layer: one [`Store`] handle over a database engine,
//! transactions as closures, versioned schema migrations, and the embedded
//! SQLite backend (one file, WAL, every commit durable).
//!
//! What it does: persist and query tenants, keys, key versions with their
//! sealed material, a few server-wide system values, and access control
//! (principals, token hashes, certificate bindings, TOTP enrollments,
//! policies, custom roles, approvals, tenant settings); keep every
//! multi-row change atomic; erase destroyed material from the file; keep the
//! audit trail append-only (events in one gap-free sequence, each appended
//! only as the stored head's successor, and signed checkpoints), and query
//! it by time, tenant, principal, key, action and outcome with a cursor.
//!
//! What it does not do: decide anything. Policy, lifecycle transitions and
//! validation belong to `keyhold-core` and the server; the store writes the
//! rows it is given and reports conflicts, missing rows and corrupt rows as
//! structured [`StoreError`]s. It never sees plaintext key material, only
//! [`SealedBlob`](keyhold_core::SealedBlob)s, and it neither hashes, MACs
//! nor signs audit events: it keeps what `keyhold-crypto` computed.
//!
//! ```
//! use keyhold_store::{Store, SystemKey, TxError};
//!
//! let store = Store::open_sqlite_in_memory()?;
//! store.write(|tx| -> Result<(), TxError<std::convert::Infallible>> {
//!     tx.system_put(SystemKey::RootGeneration, &1u32.to_be_bytes())?;
//!     Ok(())
//! })?;
//! let got = store.read(|tx| -> Result<_, TxError<std::convert::Infallible>> {
//!     Ok(tx.system_get(SystemKey::RootGeneration)?)
//! })?;
//! assert_eq!(got, Some(vec![0, 0, 0, 1]));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The engine trait behind [`Store`] is private; each engine is one adapter
//! module (`sqlite`), all of them run the DML in `queries` and the row
//! encoding in `codec`, and one conformance suite (in `tests/`) runs
//! against each.

mod audit;
mod codec;
mod due;
mod durable;
mod engine;
mod error;
mod group;
mod idle;
mod model;
mod queries;
mod snapshot;
mod sqlite;
mod store;
mod tx;
mod value;

pub use audit::AuditQuery;
pub use due::{Due, DueCursor, DueKey};
pub use error::{BoxError, CorruptReason, StoreError, TxError};
pub use group::{AppendOf, Pending};
pub use idle::IdleQuery;
pub use model::{BackendKind, KeyQuery, SealedVersion, StoredVersion, SystemKey};
pub use snapshot::Candidate;
pub use store::Store;
pub use tx::{ReadTx, WriteTx};
