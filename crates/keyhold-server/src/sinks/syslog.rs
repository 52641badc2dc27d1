//! The syslog sink: each event as one RFC 5424 message,
//!
//! ```text
//! <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID audit [keyhold@32473 seq="N" action="A" outcome="O"] {JSON}
//! ```
//!
//! where PRI = facility × 8 + severity (informational for `ok`, warning for
//! `denied` and `error`), TIMESTAMP is the event's time, the structured data
//! element `keyhold@32473` (a private enterprise number, RFC 5424 section
//! 7.2.2) repeats the fields a SIEM filters on, and MSG is the event as the
//! JSON object of `keyhold_api::audit::AuditEventView` (no BOM).
//!
//! Over UDP each message is one datagram (RFC 5426; no message is split, so
//! one larger than a datagram fails). Over TCP messages are framed by octet
//! counting, `LEN SP MSG` (RFC 6587 section 3.4.1), on a connection kept
//! open between batches, checked before each batch and reopened after an
//! error. Syslog has no acknowledgements: what the kernel accepted before a
//! collector crash counts as sent. For a stronger guarantee point a local
//! relay (rsyslog with a disk queue) at it, or use the file sink.

use std::io::{self, Write as _};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs as _, UdpSocket};
use std::time::Duration;

use keyhold_api::audit::AuditEventView;
use keyhold_core::audit::{AuditEvent, OutcomeKind};

use super::settings::{SyslogSettings, Transport};
use super::{Sink, SinkError};

/// The structured data ID (RFC 5424 section 6.3.2).
pub const SD_ID: &str = "keyhold@32473";
/// The MSGID of every message.
pub const MSG_ID: &str = "audit";
/// Largest UDP payload over IPv4.
const MAX_DATAGRAM: usize = 65_507;
/// How long to wait to connect or to write.
const IO_TIMEOUT: Duration = Duration::from_secs(10);
/// Severity 6 (RFC 5424 table 2).
const INFORMATIONAL: u8 = 6;
/// Severity 4.
const WARNING: u8 = 4;

/// A syslog collector reached over UDP or TCP.
#[derive(Debug)]
pub struct SyslogSink {
    settings: SyslogSettings,
    hostname: String,
    procid: u32,
    connection: Option<Connection>,
}

#[derive(Debug)]
enum Connection {
    Udp(UdpSocket),
    Tcp(TcpStream),
}

impl SyslogSink {
    /// A sink for `settings` (it connects on the first delivery).
    pub fn new(settings: SyslogSettings) -> Self {
        Self {
            settings,
            hostname: hostname(),
            procid: std::process::id(),
            connection: None,
        }
    }

    /// The RFC 5424 message for `e` (without framing).
    pub fn format(&self, e: &AuditEvent) -> Result<Vec<u8>, SinkError> {
        let r = &e.record;
        let kind = r.outcome.kind();
        let severity = if kind == OutcomeKind::Ok {
            INFORMATIONAL
        } else {
            WARNING
        };
        let pri = u16::from(self.settings.facility.code()) * 8 + u16::from(severity);
        let header = format!(
            "<{pri}>1 {time} {host} {app} {procid} {MSG_ID} [{SD_ID} seq=\"{seq}\" action=\"{action}\" outcome=\"{outcome}\"] ",
            time = r.time.to_rfc3339(),
            host = self.hostname,
            app = self.settings.app_name,
            procid = self.procid,
            seq = e.seq,
            action = sd_escape(r.action.as_str()),
            outcome = kind.as_str(),
        );
        let mut message = header.into_bytes();
        serde_json::to_writer(&mut message, &AuditEventView::from(e))
            .map_err(|source| SinkError::Encode { seq: e.seq, source })?;
        Ok(message)
    }

    fn connect(&self) -> Result<Connection, SinkError> {
        let address = &self.settings.address;
        let addrs: Vec<SocketAddr> = address
            .to_socket_addrs()
            .map_err(|source| self.resolve_error(source))?
            .collect();
        let mut last = io::Error::new(io::ErrorKind::NotFound, "no address");
        for addr in addrs {
            match open(self.settings.transport, addr) {
                Ok(c) => return Ok(c),
                Err(e) => last = e,
            }
        }
        Err(self.send_error(last))
    }

    fn send_all(&self, conn: &mut Connection, events: &[AuditEvent]) -> Result<(), SinkError> {
        for e in events {
            let message = self.format(e)?;
            let sent = match conn {
                Connection::Udp(socket) => {
                    if message.len() > MAX_DATAGRAM {
                        return Err(SinkError::Oversize {
                            seq: e.seq,
                            len: message.len(),
                        });
                    }
                    socket.send(&message).map(|_| ())
                }
                Connection::Tcp(stream) => write_framed(stream, &message),
            };
            sent.map_err(|source| self.send_error(source))?;
        }
        if let Connection::Tcp(stream) = conn {
            stream.flush().map_err(|source| self.send_error(source))?;
        }
        Ok(())
    }

    fn resolve_error(&self, source: io::Error) -> SinkError {
        SinkError::Resolve {
            address: self.settings.address.clone(),
            source,
        }
    }

    fn send_error(&self, source: io::Error) -> SinkError {
        SinkError::Send {
            address: self.settings.address.clone(),
            source,
        }
    }
}

impl Sink for SyslogSink {
    fn deliver(&mut self, events: &[AuditEvent]) -> Result<(), SinkError> {
        let mut conn = match self.connection.take() {
            Some(c) if c.is_open() => c,
            _ => self.connect()?,
        };
        self.send_all(&mut conn, events)?;
        // Kept only after a clean batch: any error drops the connection.
        self.connection = Some(conn);
        Ok(())
    }
}

impl Connection {
    /// Whether a kept TCP connection is still open: a collector that closed
    /// it (a restart) would otherwise take the next batch into the kernel's
    /// buffer and reset, losing it. A UDP socket is always "open".
    fn is_open(&self) -> bool {
        let Self::Tcp(stream) = self else {
            return true;
        };
        if stream.set_nonblocking(true).is_err() {
            return false;
        }
        let mut byte = [0u8; 1];
        let open = match stream.peek(&mut byte) {
            Ok(0) => false,
            Ok(_) => true,
            Err(e) => e.kind() == io::ErrorKind::WouldBlock,
        };
        stream.set_nonblocking(false).is_ok() && open
    }
}

fn open(transport: Transport, addr: SocketAddr) -> io::Result<Connection> {
    match transport {
        Transport::Udp => {
            let local: SocketAddr = if addr.is_ipv4() {
                ([0, 0, 0, 0], 0).into()
            } else {
                ([0u16; 8], 0).into()
            };
            let socket = UdpSocket::bind(local)?;
            socket.connect(addr)?;
            Ok(Connection::Udp(socket))
        }
        Transport::Tcp => {
            let stream = TcpStream::connect_timeout(&addr, IO_TIMEOUT)?;
            stream.set_write_timeout(Some(IO_TIMEOUT))?;
            stream.set_nodelay(true)?;
            Ok(Connection::Tcp(stream))
        }
    }
}

/// `MSG-LEN SP SYSLOG-MSG` (RFC 6587 section 3.4.1).
fn write_framed(stream: &mut TcpStream, message: &[u8]) -> io::Result<()> {
    let mut frame = format!("{} ", message.len()).into_bytes();
    frame.extend_from_slice(message);
    stream.write_all(&frame)
}

/// A PARAM-VALUE with `"`, `\` and `]` escaped (RFC 5424 section 6.3.3).
fn sd_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '"' | '\\' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// This host's name as RFC 5424 HOSTNAME wants it (printable ASCII, at most
/// 255 characters), or the NILVALUE `-`.
fn hostname() -> String {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let name = name.trim();
    let ok = !name.is_empty() && name.len() <= 255 && name.bytes().all(|b| (33..=126).contains(&b));
    if ok { name.to_owned() } else { "-".to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sinks::settings::Facility;
    use crate::sinks::tests::{chain, check_rfc5424};

    fn settings(address: String, transport: Transport) -> SyslogSettings {
        SyslogSettings {
            address,
            transport,
            facility: Facility::Auth,
            app_name: "keyhold".into(),
        }
    }

    #[test]
    fn messages_are_rfc_5424_with_the_right_priority() {
        let s = SyslogSink::new(settings("127.0.0.1:1".into(), Transport::Udp));
        let events = chain(3);
        let ok = String::from_utf8(s.format(&events[0]).unwrap()).unwrap();
        assert!(ok.starts_with("<38>1 2027-01-15T08:00:01Z "), "{ok}");
        let parsed = check_rfc5424(&ok);
        assert_eq!(parsed.seq, 1);
        let denied = String::from_utf8(s.format(&events[1]).unwrap()).unwrap();
        assert!(denied.starts_with("<36>1 "), "{denied}");
        assert!(denied.contains("outcome=\"denied\""));
        let local7 = SyslogSink::new(SyslogSettings {
            facility: Facility::Local7,
            ..settings("127.0.0.1:1".into(), Transport::Udp)
        });
        let m = String::from_utf8(local7.format(&events[0]).unwrap()).unwrap();
        assert!(m.starts_with("<190>1 "), "{m}");
    }

    #[test]
    fn sd_values_are_escaped() {
        assert_eq!(sd_escape(r#"a"b\c]d"#), r#"a\"b\\c\]d"#);
        assert_eq!(sd_escape("key:encrypt"), "key:encrypt");
    }
}
