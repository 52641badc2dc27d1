//! The listener: accepts TCP connections, does TLS when configured, and
//! serves HTTP/1.1 and HTTP/2 on each connection until shutdown.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use crate::config::TlsFiles;
use crate::error::StartError;
use crate::ops::CertIdentity;
use crate::tls::ClientCerts;

/// The REST listener's TLS: the `[tls]` certificate and key, ALPN h2 and
/// http/1.1, and client certificates from `[tls] client_ca` when set
/// (optional: a client without one presents a bearer token).
pub fn tls_acceptor(files: &TlsFiles) -> Result<TlsAcceptor, StartError> {
    let client = files
        .client_ca
        .as_deref()
        .map_or(ClientCerts::None, ClientCerts::Optional);
    let mut config = crate::tls::server_config(files, client)?;
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
        let builder = auto::Builder::new(TokioExecutor::new());
        match &tls {
            None => {
                let service = TowerToHyperService::new(with_peer(app.clone(), peer, None));
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
                let app = app.clone();
                tokio::spawn(async move {
                    let Ok(stream) = acceptor.accept(tcp).await else {
                        tracing::debug!(%peer, "TLS handshake failed");
                        return;
                    };
                    let cert = crate::tls::peer_identity(stream.get_ref().1.peer_certificates());
                    let service = TowerToHyperService::new(with_peer(app, peer, cert));
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
/// address (for the audit trail and source-address conditions) and its
/// verified client certificate, if it sent one.
#[derive(Clone, Debug)]
struct WithPeer {
    app: Router,
    peer: SocketAddr,
    cert: Option<CertIdentity>,
}

fn with_peer(app: Router, peer: SocketAddr, cert: Option<CertIdentity>) -> WithPeer {
    WithPeer { app, peer, cert }
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
        if let Some(cert) = &self.cert {
            req.extensions_mut().insert(cert.clone());
        }
        self.app.call(req)
    }
}
