//! The listener: accepts TCP connections, does TLS when configured, and
//! serves HTTP/1.1 and HTTP/2 on each connection until shutdown.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use crate::config::TlsFiles;
use crate::error::StartError;

/// Loads the certificate chain and key into a rustls server configuration
/// (TLS 1.2 and 1.3, aws-lc-rs provider, ALPN h2 and http/1.1).
pub fn tls_acceptor(files: &TlsFiles) -> Result<TlsAcceptor, StartError> {
    let tls_err =
        |what, path: &Path, e: Box<dyn std::error::Error + Send + Sync>| StartError::Tls {
            what,
            path: path.to_owned(),
            source: e,
        };
    let certs = CertificateDer::pem_file_iter(&files.cert)
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .map_err(|e| tls_err("certificate", &files.cert, Box::new(e)))?;
    let key = PrivateKeyDer::from_pem_file(&files.key)
        .map_err(|e| tls_err("key", &files.key, Box::new(e)))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_err("configuration", &files.cert, Box::new(e)))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| tls_err("certificate and key", &files.cert, Box::new(e)))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Binds the address.
pub async fn bind(listen: SocketAddr) -> Result<TcpListener, StartError> {
    TcpListener::bind(listen)
        .await
        .map_err(|source| StartError::Bind { listen, source })
}

/// Serves `app` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    app: Router,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = tcp.set_nodelay(true);
        let service = TowerToHyperService::new(with_peer(app.clone(), peer));
        let builder = auto::Builder::new(TokioExecutor::new());
        match &tls {
            None => {
                let conn = builder
                    .serve_connection_with_upgrades(TokioIo::new(tcp), service)
                    .into_owned();
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    if let Err(e) = conn.await {
                        tracing::debug!(%peer, error = %e, "connection ended with an error");
                    }
                });
            }
            Some(acceptor) => {
                let acceptor = acceptor.clone();
                let watcher = graceful.watcher();
                tokio::spawn(async move {
                    let Ok(stream) = acceptor.accept(tcp).await else {
                        tracing::debug!(%peer, "TLS handshake failed");
                        return;
                    };
                    let conn =
                        builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
                    if let Err(e) = watcher.watch(conn).await {
                        tracing::debug!(%peer, error = %e, "connection ended with an error");
                    }
                });
            }
        }
    }
    graceful.shutdown().await;
}

/// Keeps secrets out of core dumps: no core files, and not dumpable (so
/// other processes of the same user cannot ptrace or read /proc/PID/mem).
pub fn harden_process() {
    use rustix::process::{DumpableBehavior, Resource, Rlimit, set_dumpable_behavior, setrlimit};
    if let Err(e) = setrlimit(
        Resource::Core,
        Rlimit {
            current: Some(0),
            maximum: Some(0),
        },
    ) {
        tracing::warn!(error = %e, "could not disable core dumps");
    }
    if let Err(e) = set_dumpable_behavior(DumpableBehavior::NotDumpable) {
        tracing::warn!(error = %e, "could not mark the process non-dumpable");
    }
}

/// The router, with every request of one connection carrying the peer's
/// address (for the audit trail and source-address conditions).
#[derive(Clone, Debug)]
struct WithPeer {
    app: Router,
    peer: SocketAddr,
}

fn with_peer(app: Router, peer: SocketAddr) -> WithPeer {
    WithPeer { app, peer }
}

impl<B> tower::Service<axum::http::Request<B>> for WithPeer
where
    Router: tower::Service<axum::http::Request<B>>,
{
    type Response = <Router as tower::Service<axum::http::Request<B>>>::Response;
    type Error = <Router as tower::Service<axum::http::Request<B>>>::Error;
    type Future = <Router as tower::Service<axum::http::Request<B>>>::Future;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        <Router as tower::Service<axum::http::Request<B>>>::poll_ready(&mut self.app, cx)
    }

    fn call(&mut self, mut req: axum::http::Request<B>) -> Self::Future {
        req.extensions_mut()
            .insert(crate::rest::PeerAddr(self.peer));
        self.app.call(req)
    }
}
