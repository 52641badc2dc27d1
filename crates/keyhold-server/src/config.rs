//! Server configuration: `keyhold server --dev` flags, or a `keyhold.toml`
//! file in production. Parsed once at start-up into checked types.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use zeroize::Zeroizing;

use keyhold_api::lifecycle::{MAX_WAITING_PERIOD_DAYS, MIN_WAITING_PERIOD_DAYS};

use crate::error::StartError;
pub use crate::ops::DEFAULT_IMPORT_TOKEN_VALIDITY_SECS;
pub use crate::ops::DEFAULT_MAX_TOKEN_TTL_SECS;
pub use crate::ops::DEFAULT_MIN_DESTROY_WAITING_DAYS;
pub use crate::ops::KeyCacheSettings;
pub use crate::scheduler::SchedulerSettings;
pub use crate::scheduler::backups::BackupSettings;
use crate::sinks::AuditSettings;

/// The longest an import token may be valid: 7 days.
pub const MAX_IMPORT_TOKEN_VALIDITY_SECS: u64 = 7 * 24 * 60 * 60;

/// The largest `max_token_ttl_secs` accepted: 366 days.
pub const MAX_TOKEN_TTL_LIMIT_SECS: u64 = 366 * 24 * 60 * 60;

/// Largest request body accepted by default (1 MiB).
pub const DEFAULT_MAX_BODY_BYTES: usize = 1 << 20;

/// How the server runs.
#[derive(Debug)]
pub struct ServerConfig {
    /// Where to listen.
    pub listen: SocketAddr,
    /// Where the database (and, in dev mode, the dev root key) lives.
    pub data_dir: PathBuf,
    /// TLS certificate and key; required on any non-loopback address.
    pub tls: Option<TlsFiles>,
    /// Dev or production.
    pub mode: Mode,
    /// Largest request body, in bytes.
    pub max_body_bytes: usize,
    /// Production only: allow plain HTTP on a loopback address (behind a
    /// local TLS-terminating proxy). Off unless the file says so.
    pub plain_http_on_loopback: bool,
    /// The shortest destruction waiting period `schedule-destroy` accepts,
    /// in days (1 to 3650; 7 unless the file says otherwise).
    pub min_destroy_waiting_days: u32,
    /// How long an import token is valid, in seconds (1 to 7 days' worth;
    /// 24 hours unless the file says otherwise). Tokens live in memory only.
    pub import_token_validity_secs: u64,
    /// The longest time to live an access token may be issued with, in
    /// seconds (1 to 366 days' worth; 30 days unless the file says
    /// otherwise).
    pub max_token_ttl_secs: u64,
    /// The KMIP listener, if configured (`[kmip]`); it uses the `[tls]`
    /// certificate and key.
    pub kmip: Option<KmipSettings>,
    /// The audit trail's SIEM sinks (`[[audit.sinks]]`); none by default.
    pub audit: AuditSettings,
    /// The scheduler (`[scheduler]`): on, every 10 seconds, by default.
    pub scheduler: SchedulerSettings,
    /// Scheduled backups (`[backup]`): none unless configured.
    pub backup: Option<BackupSettings>,
    /// The key cache (`[cache]`): 10,000 keys, each read again after one
    /// second, by default.
    pub cache: KeyCacheSettings,
}

/// The `[kmip]` table: where the KMIP listener (TLS with a required client
/// certificate, KMIP 1.4 section 9.2 / KMIP 2.1 section 9.2 transport) listens and which
/// CA signs the client certificates it accepts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KmipSettings {
    /// Where to listen (the IANA KMIP port is 5696).
    pub listen: SocketAddr,
    /// PEM file of the CA certificate(s) that client certificates must chain to.
    pub client_ca: PathBuf,
}

/// Dev mode keeps an unsealed root key on disk; production starts sealed.
pub enum Mode {
    /// `keyhold server --dev`: unsealed, root token printed, loopback HTTP allowed.
    Dev {
        /// The root token to set, if given (`--dev-root-token`).
        root_token: Option<Zeroizing<String>>,
    },
    /// `keyhold server --config FILE`: sealed at start, TLS off loopback.
    Production,
}

impl std::fmt::Debug for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Dev { root_token } => f
                .debug_struct("Dev")
                .field("root_token", &root_token.as_ref().map(|_| "<redacted>"))
                .finish(),
            Self::Production => f.write_str("Production"),
        }
    }
}

/// PEM files for the TLS listener.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsFiles {
    /// Certificate chain (PEM).
    pub cert: PathBuf,
    /// Private key (PEM, PKCS#8, SEC1 or PKCS#1).
    pub key: PathBuf,
    /// CA certificates (PEM) whose client certificates the REST listener
    /// accepts as credentials (mutual TLS; a principal is bound to a
    /// certificate by fingerprint or subject). Optional: clients without a
    /// certificate still connect and present a bearer token.
    #[serde(default)]
    pub client_ca: Option<PathBuf>,
}

/// The `keyhold.toml` file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: SocketAddr,
    data_dir: PathBuf,
    tls: Option<TlsFiles>,
    max_body_bytes: Option<usize>,
    #[serde(default)]
    plain_http_on_loopback: bool,
    min_destroy_waiting_days: Option<u32>,
    import_token_validity_secs: Option<u64>,
    max_token_ttl_secs: Option<u64>,
    kmip: Option<KmipSettings>,
    #[serde(default)]
    audit: AuditSettings,
    #[serde(default)]
    scheduler: SchedulerSettings,
    backup: Option<BackupSettings>,
    #[serde(default)]
    cache: KeyCacheSettings,
}

impl ServerConfig {
    /// Reads and checks a production configuration file.
    pub fn from_file(path: &Path) -> Result<Self, StartError> {
        let text = std::fs::read_to_string(path).map_err(|source| StartError::ReadConfig {
            path: path.to_owned(),
            source,
        })?;
        let file: FileConfig = toml::from_str(&text).map_err(|source| StartError::ParseConfig {
            path: path.to_owned(),
            source,
        })?;
        let config = Self {
            listen: file.listen,
            data_dir: file.data_dir,
            tls: file.tls,
            mode: Mode::Production,
            max_body_bytes: file.max_body_bytes.unwrap_or(DEFAULT_MAX_BODY_BYTES),
            plain_http_on_loopback: file.plain_http_on_loopback,
            min_destroy_waiting_days: file
                .min_destroy_waiting_days
                .unwrap_or(DEFAULT_MIN_DESTROY_WAITING_DAYS),
            import_token_validity_secs: file
                .import_token_validity_secs
                .unwrap_or(DEFAULT_IMPORT_TOKEN_VALIDITY_SECS),
            max_token_ttl_secs: file
                .max_token_ttl_secs
                .unwrap_or(DEFAULT_MAX_TOKEN_TTL_SECS),
            kmip: file.kmip,
            audit: file.audit,
            scheduler: file.scheduler,
            backup: file.backup,
            cache: file.cache,
        };
        config.check()?;
        Ok(config)
    }

    /// Refuses plain HTTP off loopback; in production, refuses plain HTTP
    /// on loopback too unless `plain_http_on_loopback` says otherwise.
    pub fn check(&self) -> Result<(), StartError> {
        let plain_allowed = self.is_dev() || self.plain_http_on_loopback;
        if self.tls.is_none() && !(self.listen.ip().is_loopback() && plain_allowed) {
            return Err(StartError::TlsRequired {
                listen: self.listen,
            });
        }
        if self.kmip.is_some() && self.tls.is_none() {
            return Err(StartError::InvalidSetting {
                setting: "kmip",
                reason: "the KMIP listener needs the [tls] certificate and key",
            });
        }
        if self.max_body_bytes < 1024 {
            return Err(StartError::InvalidSetting {
                setting: "max_body_bytes",
                reason: "must be at least 1024",
            });
        }
        if !(MIN_WAITING_PERIOD_DAYS..=MAX_WAITING_PERIOD_DAYS)
            .contains(&self.min_destroy_waiting_days)
        {
            return Err(StartError::InvalidSetting {
                setting: "min_destroy_waiting_days",
                reason: "must be 1 to 3650",
            });
        }
        if !(1..=MAX_IMPORT_TOKEN_VALIDITY_SECS).contains(&self.import_token_validity_secs) {
            return Err(StartError::InvalidSetting {
                setting: "import_token_validity_secs",
                reason: "must be 1 to 604800 (7 days)",
            });
        }
        if !self.scheduler.interval_ok() {
            return Err(StartError::InvalidSetting {
                setting: "scheduler.interval_secs",
                reason: "must be 1 to 3600",
            });
        }
        if let Some((setting, reason)) = self.backup.as_ref().and_then(BackupSettings::invalid) {
            return Err(StartError::InvalidSetting { setting, reason });
        }
        if !self.cache.max_age_ok() {
            return Err(StartError::InvalidSetting {
                setting: "cache.key_max_age_ms",
                reason: "must be 1 to 3600000 (one hour)",
            });
        }
        if !(1..=MAX_TOKEN_TTL_LIMIT_SECS).contains(&self.max_token_ttl_secs) {
            return Err(StartError::InvalidSetting {
                setting: "max_token_ttl_secs",
                reason: "must be 1 to 31622400 (366 days)",
            });
        }
        Ok(())
    }

    /// Whether this is dev mode.
    pub fn is_dev(&self) -> bool {
        matches!(self.mode, Mode::Dev { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, text: &str) -> PathBuf {
        let p = dir.join("keyhold.toml");
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn plain_loopback_needs_the_opt_in() {
        let dir = tempfile::tempdir().unwrap();
        let text = "listen = \"127.0.0.1:8200\"\ndata_dir = \"/tmp/x\"\n";
        let p = write(dir.path(), text);
        let refused = ServerConfig::from_file(&p);
        assert!(matches!(refused, Err(StartError::TlsRequired { .. })));
        let p = write(
            dir.path(),
            &format!("{text}plain_http_on_loopback = true\n"),
        );
        let c = ServerConfig::from_file(&p).unwrap();
        assert!(!c.is_dev());
        assert_eq!(c.max_body_bytes, DEFAULT_MAX_BODY_BYTES);
    }

    #[test]
    fn non_loopback_without_tls_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            dir.path(),
            "listen = \"0.0.0.0:8200\"\ndata_dir = \"/tmp/x\"\n",
        );
        assert!(matches!(
            ServerConfig::from_file(&p),
            Err(StartError::TlsRequired { .. })
        ));
    }

    #[test]
    fn destroy_waiting_minimum_defaults_to_7_and_is_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let base =
            "listen = \"127.0.0.1:8200\"\ndata_dir = \"/x\"\nplain_http_on_loopback = true\n";
        let c = ServerConfig::from_file(&write(dir.path(), base)).unwrap();
        assert_eq!(c.min_destroy_waiting_days, 7);
        let p = write(
            dir.path(),
            &format!("{base}min_destroy_waiting_days = 14\n"),
        );
        assert_eq!(
            ServerConfig::from_file(&p)
                .unwrap()
                .min_destroy_waiting_days,
            14
        );
        for bad in ["0", "3651", "-1"] {
            let p = write(
                dir.path(),
                &format!("{base}min_destroy_waiting_days = {bad}\n"),
            );
            assert!(
                matches!(
                    ServerConfig::from_file(&p),
                    Err(StartError::InvalidSetting { .. } | StartError::ParseConfig { .. })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_key_cache_defaults_to_10000_keys_and_a_second() {
        let dir = tempfile::tempdir().unwrap();
        let base =
            "listen = \"127.0.0.1:8200\"\ndata_dir = \"/x\"\nplain_http_on_loopback = true\n";
        let c = ServerConfig::from_file(&write(dir.path(), base)).unwrap();
        assert_eq!((c.cache.keys, c.cache.key_max_age_ms), (10_000, 1_000));
        let text = format!("{base}[cache]\nkeys = 0\nkey_max_age_ms = 250\n");
        let c = ServerConfig::from_file(&write(dir.path(), &text)).unwrap();
        assert_eq!((c.cache.keys, c.cache.key_max_age_ms), (0, 250));
        for bad in ["key_max_age_ms = 0", "key_max_age_ms = 3600001", "size = 1"] {
            let p = write(dir.path(), &format!("{base}[cache]\n{bad}\n"));
            assert!(
                matches!(
                    ServerConfig::from_file(&p),
                    Err(StartError::InvalidSetting { .. } | StartError::ParseConfig { .. })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn import_token_validity_defaults_to_a_day_and_is_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let base =
            "listen = \"127.0.0.1:8200\"\ndata_dir = \"/x\"\nplain_http_on_loopback = true\n";
        let c = ServerConfig::from_file(&write(dir.path(), base)).unwrap();
        assert_eq!(c.import_token_validity_secs, 86_400);
        let p = write(
            dir.path(),
            &format!("{base}import_token_validity_secs = 60\n"),
        );
        assert_eq!(
            ServerConfig::from_file(&p)
                .unwrap()
                .import_token_validity_secs,
            60
        );
        for bad in ["0", "604801", "-1"] {
            let p = write(
                dir.path(),
                &format!("{base}import_token_validity_secs = {bad}\n"),
            );
            assert!(
                matches!(
                    ServerConfig::from_file(&p),
                    Err(StartError::InvalidSetting { .. } | StartError::ParseConfig { .. })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn kmip_needs_tls_and_parses() {
        let dir = tempfile::tempdir().unwrap();
        let base =
            "listen = \"127.0.0.1:8200\"\ndata_dir = \"/x\"\nplain_http_on_loopback = true\n";
        let kmip = "[kmip]\nlisten = \"127.0.0.1:5696\"\nclient_ca = \"/ca.pem\"\n";
        let p = write(dir.path(), &format!("{base}{kmip}"));
        assert!(matches!(
            ServerConfig::from_file(&p),
            Err(StartError::InvalidSetting {
                setting: "kmip",
                ..
            })
        ));
        let tls = "[tls]\ncert = \"/c.pem\"\nkey = \"/k.pem\"\n";
        let p = write(dir.path(), &format!("{base}{tls}{kmip}"));
        let c = ServerConfig::from_file(&p).unwrap();
        let k = c.kmip.unwrap();
        assert_eq!(k.listen.port(), 5696);
        assert_eq!(k.client_ca, PathBuf::from("/ca.pem"));
        assert!(c.tls.is_some());
    }

    #[test]
    fn the_scheduler_runs_every_10_seconds_unless_told_otherwise() {
        let dir = tempfile::tempdir().unwrap();
        let base =
            "listen = \"127.0.0.1:8200\"\ndata_dir = \"/x\"\nplain_http_on_loopback = true\n";
        let c = ServerConfig::from_file(&write(dir.path(), base)).unwrap();
        assert_eq!(c.scheduler, SchedulerSettings::default());
        assert!(c.scheduler.enabled);
        assert_eq!(c.scheduler.interval_secs, 10);
        let p = write(
            dir.path(),
            &format!("{base}[scheduler]\ninterval_secs = 1\nenabled = false\n"),
        );
        let c = ServerConfig::from_file(&p).unwrap();
        assert_eq!((c.scheduler.enabled, c.scheduler.interval_secs), (false, 1));
        for bad in ["interval_secs = 0", "interval_secs = 3601", "every = 5"] {
            let p = write(dir.path(), &format!("{base}[scheduler]\n{bad}\n"));
            assert!(
                matches!(
                    ServerConfig::from_file(&p),
                    Err(StartError::InvalidSetting { .. } | StartError::ParseConfig { .. })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn unknown_settings_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let text = "listen = \"127.0.0.1:8200\"\ndata_dir = \"/x\"\nlisten_tls = true\n";
        let p = write(dir.path(), text);
        assert!(matches!(
            ServerConfig::from_file(&p),
            Err(StartError::ParseConfig { .. })
        ));
    }
}
