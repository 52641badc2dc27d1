//! The keyhold server: the REST API (axum), the operations service that
//! every interface calls (authentication, authorization, the audit trail),
//! the seal that holds the root key, the TLS listener, the KMIP listener
//! ([`kmip`], a first set of operations), the SIEM [`sinks`], and the
//! [`scheduler`] that rotates, activates, deactivates and destroys keys when
//! they are due.
//!
//! It does not hold domain rules (they are in `keyhold-core`: lifecycle,
//! policies, approvals, the audit chain rules), cryptography
//! (`keyhold-crypto`) or SQL (`keyhold-store`); it wires them together.

pub mod audit;
pub mod auth;
pub mod clock;
pub mod config;
pub mod error;
pub mod kmip;
pub mod ops;
pub mod rest;
pub mod scheduler;
pub mod serve;
pub mod sinks;
pub mod tls;
pub mod vault;

use std::net::SocketAddr;
use std::sync::Arc;

use keyhold_store::Store;

use crate::auth::RootToken;
use crate::config::{Mode, ServerConfig};
use crate::error::StartError;
use crate::ops::Operations;
use crate::vault::Vault;

/// What the server tells its operator once it listens.
#[derive(Debug)]
pub struct Started {
    /// The base URL clients use.
    pub url: String,
    /// The address bound (the real port when 0 was asked for).
    pub addr: SocketAddr,
    /// A root token made at this start (dev mode's first start), shown once.
    pub new_root_token: Option<RootToken>,
    /// Whether this is dev mode.
    pub dev: bool,
    /// The seal status at start.
    pub sealed: bool,
    /// The KMIP listener's address, when `[kmip]` is configured.
    pub kmip_addr: Option<SocketAddr>,
}

/// Opens the store, sets up the seal, binds, calls `announce`, then serves
/// until `shutdown` completes.
pub async fn run(
    config: ServerConfig,
    announce: impl FnOnce(&Started),
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), StartError> {
    serve::harden_process();
    config.check()?;
    create_data_dir(&config.data_dir)?;
    let store =
        Store::open_sqlite(&config.data_dir.join("keyhold.db")).map_err(StartError::Store)?;
    let crypto = keyhold_crypto::software();
    let vault = Arc::new(Vault::load(store.clone(), crypto)?);
    let clock: Arc<dyn keyhold_core::ports::Clock> = Arc::new(clock::SystemClock);
    let new_root_token = match &config.mode {
        Mode::Dev { root_token } => vault.start_dev(
            &config.data_dir,
            root_token.as_deref().map(String::as_str),
            clock.now(),
        )?,
        Mode::Production => {
            vault.check_production()?;
            None
        }
    };
    let tls = config.tls.as_ref().map(serve::tls_acceptor).transpose()?;
    let listener = serve::bind(config.listen).await?;
    let addr = listener.local_addr().map_err(|source| StartError::Bind {
        listen: config.listen,
        source,
    })?;
    let kmip = match &config.kmip {
        Some(settings) => Some(kmip::Bound::bind(settings, config.tls.as_ref()).await?),
        None => None,
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let sealed = vault.status().sealed;
    let lifecycle = ops::LifecycleSettings {
        min_destroy_waiting_days: config.min_destroy_waiting_days,
    };
    let ops = Operations::new(store.clone(), crypto, vault, clock)
        .with_lifecycle(lifecycle)
        .with_import_token_validity(config.import_token_validity_secs)
        .with_max_token_ttl(config.max_token_ttl_secs)
        .with_checkpoint_every(config.audit.checkpoint_every)
        .with_key_cache(config.cache);
    let ops = Arc::new(benchmark_setting(&config, ops)?);
    let sinks = sinks::spawn(
        &config.audit,
        store,
        &config.data_dir,
        ops.audit().subscribe(),
    );
    let checkpoints = spawn_checkpoints(
        Arc::clone(&ops),
        std::time::Duration::from_secs(config.audit.checkpoint_seconds),
    );
    let scheduler = spawn_scheduler(&ops, config.scheduler);
    let backups = config
        .backup
        .clone()
        .map(|settings| scheduler::backups::spawn(Arc::clone(&ops), settings));
    let kmip_addr = kmip.as_ref().map(|k| k.addr);
    let kmip_task = kmip.map(|k| k.spawn(Arc::clone(&ops), kmip::ConnectionSettings::default()));
    let sinks = Arc::new(sinks);
    let flusher = Arc::clone(&ops);
    let app = rest::router(
        rest::AppState {
            ops,
            sinks: Arc::clone(&sinks),
        },
        config.max_body_bytes,
    );
    announce(&Started {
        url: format!("{scheme}://{addr}"),
        addr,
        new_root_token,
        dev: config.is_dev(),
        sealed,
        kmip_addr,
    });
    serve::serve(listener, tls, app, shutdown).await;
    if let Some(task) = kmip_task {
        task.abort();
    }
    checkpoints.abort();
    if let Some(task) = scheduler {
        task.abort();
    }
    if let Some(task) = backups {
        task.abort();
    }
    flush_key_use(flusher).await;
    drop(sinks);
    Ok(())
}

/// Writes the key uses still held in memory, at shutdown.
async fn flush_key_use(ops: Arc<Operations>) {
    match tokio::task::spawn_blocking(move || ops.flush_key_use()).await {
        Ok(Ok(n)) if n > 0 => tracing::info!(uses = n, "key uses recorded at shutdown"),
        Ok(Ok(_)) => {}
        Ok(Err(e)) => tracing::warn!(error = %e, "key uses lost at shutdown"),
        Err(e) => tracing::warn!(error = %e, "key uses lost at shutdown"),
    }
}

/// Starts the scheduler, if enabled. One process owns an SQLite store, so
/// this is the only scheduler running on it (see [`scheduler`]).
fn spawn_scheduler(
    ops: &Arc<Operations>,
    settings: scheduler::SchedulerSettings,
) -> Option<tokio::task::JoinHandle<()>> {
    if !settings.enabled {
        tracing::warn!("the scheduler is disabled: nothing rotates or is destroyed on its date");
        return None;
    }
    let every = std::time::Duration::from_secs(settings.interval_secs);
    Some(scheduler::Scheduler::new(Arc::clone(ops)).spawn(every))
}

/// The environment variable that asks a benchmark build for a dev server
/// without audit writes.
pub const BENCH_NO_AUDIT_ENV: &str = "KEYHOLD_BENCH_NO_AUDIT";

/// Applies `KEYHOLD_BENCH_NO_AUDIT=1`: only a dev server of a benchmark
/// build (feature `bench-no-audit`) runs without its audit trail; anywhere
/// else the variable makes the server refuse to start.
fn benchmark_setting(config: &ServerConfig, ops: Operations) -> Result<Operations, StartError> {
    if std::env::var_os(BENCH_NO_AUDIT_ENV).is_none() {
        return Ok(ops);
    }
    if !cfg!(feature = "bench-no-audit") || !config.is_dev() {
        return Err(StartError::InvalidSetting {
            setting: BENCH_NO_AUDIT_ENV,
            reason: "only a dev server of a benchmark build (feature bench-no-audit) \
                     may run without its audit trail",
        });
    }
    tracing::warn!("BENCHMARK BUILD: audit events are NOT written; never serve real traffic");
    #[cfg(feature = "bench-no-audit")]
    let ops = ops.without_audit_for_benchmark();
    Ok(ops)
}

/// Signs the audit trail's head every `every` while the server is unsealed
/// and events have arrived since the last checkpoint.
fn spawn_checkpoints(
    ops: Arc<Operations>,
    every: std::time::Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let ops = Arc::clone(&ops);
            let done = tokio::task::spawn_blocking(move || ops.checkpoint_audit()).await;
            if let Ok(Err(e)) = done {
                tracing::warn!(error = %e, "audit checkpoint failed");
            }
        }
    })
}

fn create_data_dir(dir: &std::path::Path) -> Result<(), StartError> {
    use std::os::unix::fs::DirBuilderExt as _;
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|source| StartError::Io {
            what: "cannot create data directory",
            path: dir.to_owned(),
            source,
        })
}
