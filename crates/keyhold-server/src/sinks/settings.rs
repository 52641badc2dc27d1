//! The `[audit]` table of `keyhold.toml`: which SIEM sinks receive the
//! audit trail. Parsed into checked settings; a bad entry fails the whole
//! file with a message naming the sink and the setting.
//!
//! ```toml
//! [[audit.sinks]]
//! name = "local-file"
//! type = "file"
//! path = "/var/log/keyhold/audit.jsonl"
//! max_bytes = 104857600   # default 100 MiB
//! keep = 5                # default 5
//!
//! [[audit.sinks]]
//! name = "siem"
//! type = "syslog"
//! address = "siem.example.net:6514"
//! transport = "tcp"       # or "udp" (the default)
//! facility = "auth"       # the default
//! app_name = "keyhold"    # the default
//! ```

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde::Deserialize;

/// Default size at which a sink file is rotated: 100 MiB.
pub const DEFAULT_MAX_BYTES: u64 = 100 * 1024 * 1024;
/// Default number of rotated files kept.
pub const DEFAULT_KEEP: u32 = 5;
/// Smallest `max_bytes` accepted.
pub const MIN_MAX_BYTES: u64 = 4096;
/// Most rotated files kept.
pub const MAX_KEEP: u32 = 1000;
/// Longest sink name (it names the sink's cursor file).
pub const MAX_NAME_LEN: usize = 64;
/// Longest syslog APP-NAME (RFC 5424 section 6.2.5).
pub const MAX_APP_NAME_LEN: usize = 48;

/// The `[audit]` table: checked settings (deserializing checks them).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "RawAudit")]
pub struct AuditSettings {
    /// The sinks, in file order; names are unique.
    pub sinks: Vec<SinkSettings>,
    /// A signed checkpoint every this many events (1 to 1,000,000).
    pub checkpoint_every: u64,
    /// And at least every this many seconds while events arrive (1 to 86,400).
    pub checkpoint_seconds: u64,
}

/// Default [`AuditSettings::checkpoint_every`].
pub const DEFAULT_CHECKPOINT_EVERY: u64 = 1000;
/// Default [`AuditSettings::checkpoint_seconds`].
pub const DEFAULT_CHECKPOINT_SECONDS: u64 = 60;

impl Default for AuditSettings {
    fn default() -> Self {
        Self {
            sinks: Vec::new(),
            checkpoint_every: DEFAULT_CHECKPOINT_EVERY,
            checkpoint_seconds: DEFAULT_CHECKPOINT_SECONDS,
        }
    }
}

/// One configured sink.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SinkSettings {
    /// Unique name: letters, digits, `.`, `_`, `-`; names its cursor file.
    pub name: String,
    /// Where events go.
    pub target: SinkTarget,
}

/// Where a sink sends events.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SinkTarget {
    /// A JSON-lines file with size-based rotation.
    File(FileSettings),
    /// A syslog collector (RFC 5424).
    Syslog(SyslogSettings),
}

/// A JSON-lines file sink.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileSettings {
    /// The file; rotated files are `PATH.1` (newest) to `PATH.keep`.
    pub path: PathBuf,
    /// Rotate before a line would take the file past this size.
    pub max_bytes: u64,
    /// Rotated files kept.
    pub keep: u32,
}

/// A syslog sink.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyslogSettings {
    /// `host:port` of the collector.
    pub address: String,
    /// UDP datagrams or TCP with octet counting.
    pub transport: Transport,
    /// The facility of every message.
    pub facility: Facility,
    /// The APP-NAME field.
    pub app_name: String,
}

/// How syslog messages travel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// One datagram per message (RFC 5426).
    #[default]
    Udp,
    /// A stream with octet-counting framing (RFC 6587 section 3.4.1).
    Tcp,
}

/// Syslog facilities (RFC 5424 section 6.2.1, table 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Facility {
    /// Kernel messages.
    Kern = 0,
    /// User-level messages.
    User = 1,
    /// Mail system.
    Mail = 2,
    /// System daemons.
    Daemon = 3,
    /// Security/authorization messages: the default.
    #[default]
    Auth = 4,
    /// Messages of syslogd itself.
    Syslog = 5,
    /// Line printer subsystem.
    Lpr = 6,
    /// Network news subsystem.
    News = 7,
    /// UUCP subsystem.
    Uucp = 8,
    /// Clock daemon.
    Cron = 9,
    /// Security/authorization messages (private).
    Authpriv = 10,
    /// FTP daemon.
    Ftp = 11,
    /// NTP subsystem.
    Ntp = 12,
    /// Log audit.
    Audit = 13,
    /// Log alert.
    Alert = 14,
    /// Clock daemon (note 2).
    Clock = 15,
    /// Local use 0.
    Local0 = 16,
    /// Local use 1.
    Local1 = 17,
    /// Local use 2.
    Local2 = 18,
    /// Local use 3.
    Local3 = 19,
    /// Local use 4.
    Local4 = 20,
    /// Local use 5.
    Local5 = 21,
    /// Local use 6.
    Local6 = 22,
    /// Local use 7.
    Local7 = 23,
}

impl Facility {
    /// The facility's number.
    pub const fn code(self) -> u8 {
        self as u8
    }
}

/// A sink entry refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SinkConfigError {
    /// Two sinks share a name.
    #[error("audit sink name {name:?} is used twice")]
    DuplicateName {
        /// The name.
        name: String,
    },
    /// A setting of one sink is out of range or malformed.
    #[error("audit sink {sink:?}: invalid {setting}: {reason}")]
    Invalid {
        /// The sink's name.
        sink: String,
        /// The setting.
        setting: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAudit {
    #[serde(default)]
    sinks: Vec<RawSink>,
    checkpoint_every: Option<u64>,
    checkpoint_seconds: Option<u64>,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum RawSink {
    File(RawFile),
    Syslog(RawSyslog),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    name: String,
    path: PathBuf,
    max_bytes: Option<u64>,
    keep: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSyslog {
    name: String,
    address: String,
    #[serde(default)]
    transport: Transport,
    #[serde(default)]
    facility: Facility,
    app_name: Option<String>,
}

impl TryFrom<RawAudit> for AuditSettings {
    type Error = SinkConfigError;
    fn try_from(raw: RawAudit) -> Result<Self, SinkConfigError> {
        let mut names = BTreeSet::new();
        let mut sinks = Vec::with_capacity(raw.sinks.len());
        for entry in raw.sinks {
            let sink = match entry {
                RawSink::File(f) => file(f)?,
                RawSink::Syslog(s) => syslog(s)?,
            };
            if !names.insert(sink.name.clone()) {
                return Err(SinkConfigError::DuplicateName { name: sink.name });
            }
            sinks.push(sink);
        }
        let checkpoint_every = raw.checkpoint_every.unwrap_or(DEFAULT_CHECKPOINT_EVERY);
        if !(1..=1_000_000).contains(&checkpoint_every) {
            return Err(invalid("-", "checkpoint_every", "must be 1 to 1000000"));
        }
        let checkpoint_seconds = raw.checkpoint_seconds.unwrap_or(DEFAULT_CHECKPOINT_SECONDS);
        if !(1..=86_400).contains(&checkpoint_seconds) {
            return Err(invalid("-", "checkpoint_seconds", "must be 1 to 86400"));
        }
        Ok(Self {
            sinks,
            checkpoint_every,
            checkpoint_seconds,
        })
    }
}

fn invalid(sink: &str, setting: &'static str, reason: &'static str) -> SinkConfigError {
    SinkConfigError::Invalid {
        sink: sink.to_owned(),
        setting,
        reason,
    }
}

fn check_name(name: &str) -> Result<(), SinkConfigError> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    if name.is_empty() || name.len() > MAX_NAME_LEN || name.starts_with('.') {
        return Err(invalid(
            name,
            "name",
            "must be 1 to 64 characters, not starting with '.'",
        ));
    }
    if !name.chars().all(allowed) {
        return Err(invalid(
            name,
            "name",
            "only letters, digits, '.', '_' and '-'",
        ));
    }
    Ok(())
}

fn file(raw: RawFile) -> Result<SinkSettings, SinkConfigError> {
    check_name(&raw.name)?;
    let max_bytes = raw.max_bytes.unwrap_or(DEFAULT_MAX_BYTES);
    let keep = raw.keep.unwrap_or(DEFAULT_KEEP);
    if raw.path.as_os_str().is_empty() || raw.path.file_name().is_none() {
        return Err(invalid(&raw.name, "path", "must name a file"));
    }
    if max_bytes < MIN_MAX_BYTES {
        return Err(invalid(&raw.name, "max_bytes", "must be at least 4096"));
    }
    if !(1..=MAX_KEEP).contains(&keep) {
        return Err(invalid(&raw.name, "keep", "must be 1 to 1000"));
    }
    Ok(SinkSettings {
        name: raw.name,
        target: SinkTarget::File(FileSettings {
            path: raw.path,
            max_bytes,
            keep,
        }),
    })
}

fn syslog(raw: RawSyslog) -> Result<SinkSettings, SinkConfigError> {
    check_name(&raw.name)?;
    let port = raw
        .address
        .rsplit_once(':')
        .map(|(host, port)| (host, port.parse::<u16>()));
    if !matches!(port, Some((host, Ok(p))) if !host.is_empty() && p != 0) {
        return Err(invalid(&raw.name, "address", "must be host:port"));
    }
    let app_name = raw.app_name.unwrap_or_else(|| "keyhold".to_owned());
    let printable = app_name.bytes().all(|b| (33..=126).contains(&b));
    if app_name.is_empty() || app_name.len() > MAX_APP_NAME_LEN || !printable {
        return Err(invalid(
            &raw.name,
            "app_name",
            "must be 1 to 48 printable ASCII characters",
        ));
    }
    Ok(SinkSettings {
        name: raw.name,
        target: SinkTarget::Syslog(SyslogSettings {
            address: raw.address,
            transport: raw.transport,
            facility: raw.facility,
            app_name,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<AuditSettings, String> {
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        struct File {
            #[serde(default)]
            audit: AuditSettings,
        }
        toml::from_str::<File>(text)
            .map(|f| f.audit)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn both_kinds_parse_with_defaults() {
        let a = parse(
            "[[audit.sinks]]\nname = \"f\"\ntype = \"file\"\npath = \"/var/log/a.jsonl\"\n\
             [[audit.sinks]]\nname = \"s\"\ntype = \"syslog\"\naddress = \"siem:514\"\n\
             [[audit.sinks]]\nname = \"t\"\ntype = \"syslog\"\naddress = \"[::1]:6514\"\n\
             transport = \"tcp\"\nfacility = \"local3\"\napp_name = \"kh\"\n",
        )
        .unwrap();
        assert_eq!(a.sinks.len(), 3);
        assert_eq!(
            a.sinks[0].target,
            SinkTarget::File(FileSettings {
                path: "/var/log/a.jsonl".into(),
                max_bytes: DEFAULT_MAX_BYTES,
                keep: 5
            })
        );
        let SinkTarget::Syslog(s) = &a.sinks[1].target else {
            panic!("syslog");
        };
        assert_eq!(
            (s.transport, s.facility, s.app_name.as_str()),
            (Transport::Udp, Facility::Auth, "keyhold")
        );
        let SinkTarget::Syslog(t) = &a.sinks[2].target else {
            panic!("syslog");
        };
        assert_eq!(
            (t.transport, t.facility.code(), t.app_name.as_str()),
            (Transport::Tcp, 19, "kh")
        );
        assert_eq!(parse("").unwrap(), AuditSettings::default());
    }

    #[test]
    fn bad_entries_are_refused_with_a_clear_message() {
        let file = "type = \"file\"\npath = \"/a\"\n";
        let cases = [
            (format!("[[audit.sinks]]\nname = \"a\"\n{file}[[audit.sinks]]\nname = \"a\"\n{file}"), "audit sink name \"a\" is used twice"),
            (format!("[[audit.sinks]]\nname = \"a\"\n{file}colour = \"red\"\n"), "unknown field `colour`"),
            (format!("[[audit.sinks]]\nname = \"a/b\"\n{file}"), "invalid name"),
            (format!("[[audit.sinks]]\nname = \"\"\n{file}"), "invalid name"),
            (format!("[[audit.sinks]]\nname = \"a\"\n{file}max_bytes = 10\n"), "invalid max_bytes"),
            (format!("[[audit.sinks]]\nname = \"a\"\n{file}keep = 0\n"), "invalid keep"),
            ("[[audit.sinks]]\nname = \"a\"\ntype = \"kafka\"\n".into(), "unknown variant `kafka`"),
            ("[[audit.sinks]]\nname = \"a\"\ntype = \"syslog\"\naddress = \"nope\"\n".into(), "invalid address"),
            ("[[audit.sinks]]\nname = \"a\"\ntype = \"syslog\"\naddress = \"h:1\"\ntransport = \"sctp\"\n".into(), "unknown variant `sctp`"),
            ("[[audit.sinks]]\nname = \"a\"\ntype = \"syslog\"\naddress = \"h:1\"\nfacility = \"bogus\"\n".into(), "unknown variant `bogus`"),
            ("[[audit.sinks]]\nname = \"a\"\ntype = \"syslog\"\naddress = \"h:1\"\napp_name = \"a b\"\n".into(), "invalid app_name"),
            ("[[audit.sinks]]\nname = \"a\"\ntype = \"syslog\"\naddress = \"h:1\"\npath = \"/x\"\n".into(), "unknown field `path`"),
            ("[audit]\nsink = []\n".into(), "unknown field `sink`"),
        ];
        for (text, expected) in cases {
            let err = parse(&text).unwrap_err();
            assert!(err.contains(expected), "{text:?} gave {err:?}");
        }
    }

    #[test]
    fn facility_codes_follow_rfc_5424() {
        let codes: Vec<(Facility, u8)> = ["kern", "auth", "authpriv", "audit", "local0", "local7"]
            .iter()
            .map(|n| {
                let f: Facility = serde_json::from_value(serde_json::json!(n)).unwrap();
                (f, f.code())
            })
            .collect();
        let numbers: Vec<u8> = codes.iter().map(|(_, c)| *c).collect();
        assert_eq!(numbers, [0, 4, 10, 13, 16, 23]);
    }
}
