//! The server under load: its address, TLS (tokio-rustls with aws-lc-rs,
//! the platform's roots plus `--ca-cert`), and opening one HTTP/1.1 or
//! HTTP/2 connection to it with hyper's low-level client.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::Full;
use hyper::Uri;
use hyper::body::Incoming;
use hyper::client::conn::{http1, http2};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use super::BenchError;
use crate::cli::Conn;

/// Where to send the load, and how.
#[derive(Clone)]
pub(crate) struct Target {
    /// `host:port`, to connect to and for the `Host` header.
    pub(crate) authority: String,
    /// `http` or `https`.
    pub(crate) scheme: &'static str,
    /// The tenant the load acts in (`--tenant`), when not the caller's own.
    pub(crate) tenant: Option<String>,
    tls: Option<(TlsConnector, ServerName<'static>)>,
    http2: bool,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("authority", &self.authority)
            .field("scheme", &self.scheme)
            .field("tenant", &self.tenant)
            .field("http2", &self.http2)
            .finish_non_exhaustive()
    }
}

impl Target {
    /// The target for the connection flags.
    pub(crate) fn new(conn: &Conn, http2: bool) -> Result<Self, BenchError> {
        let bad = || BenchError::Address {
            addr: conn.addr.clone(),
        };
        let uri: Uri = conn.addr.parse().map_err(|_| bad())?;
        let (scheme, default_port) = match uri.scheme_str() {
            Some("http") => ("http", 80),
            Some("https") => ("https", 443),
            _ => return Err(bad()),
        };
        let host = uri.host().filter(|h| !h.is_empty()).ok_or_else(bad)?;
        let port = uri.port_u16().unwrap_or(default_port);
        let authority = match uri.authority() {
            Some(a) if a.port().is_some() => a.as_str().to_owned(),
            _ => format!("{host}:{port}"),
        };
        let tls = match scheme {
            "https" => {
                let name = host.trim_start_matches('[').trim_end_matches(']');
                let name = ServerName::try_from(name.to_owned()).map_err(|_| bad())?;
                Some((tls_connector(conn, http2)?, name))
            }
            _ => None,
        };
        Ok(Self {
            authority,
            scheme,
            tenant: conn.request.tenant.as_ref().map(ToString::to_string),
            tls,
            http2,
        })
    }

    /// Whether connections speak HTTP/2.
    pub(crate) fn http2(&self) -> bool {
        self.http2
    }

    /// Opens one connection and drives it on its own task.
    pub(crate) async fn open(&self) -> Result<Sender, BenchError> {
        let stream = self.stream().await?;
        let handshake = |source| BenchError::Handshake {
            addr: self.authority.clone(),
            source,
        };
        let io = TokioIo::new(stream);
        if self.http2 {
            let (sender, connection) = http2::handshake(TokioExecutor::new(), io)
                .await
                .map_err(handshake)?;
            tokio::spawn(connection);
            Ok(Sender::Http2(sender))
        } else {
            let (sender, connection) = http1::handshake(io).await.map_err(handshake)?;
            tokio::spawn(connection);
            Ok(Sender::Http1(sender))
        }
    }

    async fn stream(&self) -> Result<Stream, BenchError> {
        let connect = |source| BenchError::Connect {
            addr: self.authority.clone(),
            source,
        };
        let tcp = TcpStream::connect(&self.authority).await.map_err(connect)?;
        tcp.set_nodelay(true).map_err(connect)?;
        match &self.tls {
            None => Ok(Stream::Plain(tcp)),
            Some((connector, name)) => {
                let tls = connector
                    .connect(name.clone(), tcp)
                    .await
                    .map_err(connect)?;
                Ok(Stream::Tls(Box::new(tls)))
            }
        }
    }
}

/// A TLS client configuration: the platform's roots plus `--ca-cert`, ALPN
/// `h2` or `http/1.1`, aws-lc-rs.
fn tls_connector(conn: &Conn, http2: bool) -> Result<TlsConnector, BenchError> {
    let mut config = verifying_config(conn)?.with_no_client_auth();
    config.alpn_protocols = if http2 {
        vec![b"h2".to_vec()]
    } else {
        vec![b"http/1.1".to_vec()]
    };
    Ok(TlsConnector::from(Arc::new(config)))
}

/// A TLS client configuration that verifies the server against the
/// platform's roots plus `--ca-cert`, before the client identity is chosen.
pub(crate) fn verifying_config(
    conn: &Conn,
) -> Result<rustls::ConfigBuilder<rustls::ClientConfig, rustls::client::WantsClientCert>, BenchError>
{
    let extra = match &conn.ca_cert {
        Some(path) => {
            let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
                .map_err(|_| BenchError::CaCert { path: path.clone() })?
                .collect::<Result<_, _>>()
                .map_err(|_| BenchError::CaCert { path: path.clone() })?;
            if certs.is_empty() {
                return Err(BenchError::CaCert { path: path.clone() });
            }
            certs
        }
        None => Vec::new(),
    };
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier =
        rustls_platform_verifier::Verifier::new_with_extra_roots(extra, provider.clone())
            .map_err(BenchError::TlsConfig)?;
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(BenchError::TlsConfig)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier)))
}

/// The sending half of one connection.
#[derive(Debug)]
pub(crate) enum Sender {
    /// HTTP/1.1: one request at a time.
    Http1(http1::SendRequest<Full<Bytes>>),
    /// HTTP/2: clone it to send more streams on the same connection.
    Http2(http2::SendRequest<Full<Bytes>>),
}

impl Sender {
    /// Waits until the connection can take a request, then sends it.
    pub(crate) async fn send(
        &mut self,
        req: hyper::Request<Full<Bytes>>,
    ) -> Result<hyper::Response<Incoming>, hyper::Error> {
        match self {
            Self::Http1(s) => {
                s.ready().await?;
                s.send_request(req).await
            }
            Self::Http2(s) => {
                s.ready().await?;
                s.send_request(req).await
            }
        }
    }

    /// Another sender on the same connection: HTTP/2 only (HTTP/1.1 sends
    /// one request at a time).
    pub(crate) fn share(&self) -> Option<Self> {
        match self {
            Self::Http1(_) => None,
            Self::Http2(s) => Some(Self::Http2(s.clone())),
        }
    }

    /// Whether the connection is gone.
    pub(crate) fn is_closed(&self) -> bool {
        match self {
            Self::Http1(s) => s.is_closed(),
            Self::Http2(s) => s.is_closed(),
        }
    }
}

/// A TCP connection, plain or under TLS.
enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_flush(cx),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Self::Plain(s) => s.is_write_vectored(),
            Self::Tls(s) => s.is_write_vectored(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn(addr: &str) -> Conn {
        Conn {
            addr: addr.to_owned(),
            token: None,
            ca_cert: None,
            json: false,
            request: crate::cli::RequestOpts::default(),
        }
    }

    #[test]
    fn addresses_get_a_port_and_a_scheme() {
        let t = Target::new(&conn("http://127.0.0.1:8200"), false).unwrap();
        assert_eq!((t.authority.as_str(), t.scheme), ("127.0.0.1:8200", "http"));
        let t = Target::new(&conn("http://localhost/"), true).unwrap();
        assert_eq!(t.authority, "localhost:80");
        assert!(t.http2());
    }

    #[test]
    fn bad_addresses_are_refused_with_the_address_named() {
        for bad in [
            "127.0.0.1:8200",
            "ftp://host:21",
            "http://",
            "not a url",
            "",
        ] {
            let err = Target::new(&conn(bad), false).unwrap_err();
            assert!(matches!(err, BenchError::Address { .. }), "{bad}: {err}");
            assert!(err.to_string().contains(&format!("{bad:?}")));
        }
    }

    #[test]
    fn a_missing_or_empty_ca_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, b"no certificate here").unwrap();
        for path in [empty, dir.path().join("absent.pem")] {
            let mut c = conn("https://127.0.0.1:8200");
            c.ca_cert = Some(path);
            let err = Target::new(&c, false).unwrap_err();
            assert!(matches!(err, BenchError::CaCert { .. }), "{err}");
        }
    }
}
