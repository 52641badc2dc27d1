//! The KMIP listener's TLS configuration: TLS 1.2 and 1.3 (KMIP 1.4 section
//! 9.2 / KMIP 2.1 section 9.2 transport profiles), the aws-lc-rs provider,
//! and a client certificate that must chain to the configured client CA.

use std::path::Path;
use std::sync::Arc;

use rustls::server::WebPkiClientVerifier;
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

use crate::config::TlsFiles;
use crate::error::StartError;

/// A TLS acceptor that requires a client certificate issued by a CA in
/// `client_ca` (PEM). Connections without one fail the handshake.
pub fn acceptor(files: &TlsFiles, client_ca: &Path) -> Result<TlsAcceptor, StartError> {
    let certs = load_certs(&files.cert, "certificate")?;
    let key = PrivateKeyDer::from_pem_file(&files.key)
        .map_err(|e| tls_err("key", &files.key, Box::new(e)))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    for ca in load_certs(client_ca, "client CA")? {
        roots
            .add(ca)
            .map_err(|e| tls_err("client CA", client_ca, Box::new(e)))?;
    }
    let verifier =
        WebPkiClientVerifier::builder_with_provider(Arc::new(roots), Arc::clone(&provider))
            .build()
            .map_err(|e| tls_err("client CA", client_ca, Box::new(e)))?;
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_err("configuration", &files.cert, Box::new(e)))?
        .with_client_cert_verifier(verifier)
        .with_single_cert(certs, key)
        .map_err(|e| tls_err("certificate and key", &files.cert, Box::new(e)))?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

fn load_certs(path: &Path, what: &'static str) -> Result<Vec<CertificateDer<'static>>, StartError> {
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .map_err(|e| tls_err(what, path, Box::new(e)))?;
    if certs.is_empty() {
        return Err(StartError::InvalidSetting {
            setting: "kmip.client_ca",
            reason: "the file holds no PEM certificate",
        });
    }
    Ok(certs)
}

fn tls_err(
    what: &'static str,
    path: &Path,
    source: Box<dyn std::error::Error + Send + Sync>,
) -> StartError {
    StartError::Tls {
        what,
        path: path.to_owned(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_or_empty_client_ca_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let files = TlsFiles {
            cert: dir.path().join("cert.pem"),
            key: dir.path().join("key.pem"),
        };
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "").unwrap();
        assert!(matches!(
            load_certs(&empty, "client CA"),
            Err(StartError::InvalidSetting { .. })
        ));
        assert!(matches!(
            acceptor(&files, &empty),
            Err(StartError::Tls { .. })
        ));
    }
}
