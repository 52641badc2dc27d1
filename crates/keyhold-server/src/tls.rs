//! TLS for both listeners: TLS 1.2 and 1.3 with the aws-lc-rs provider
//! (KMIP 1.4 / 2.1 section 9.2 transport profiles for the KMIP listener),
//! the server's certificate and key from `[tls]`, and client certificates
//! checked against a CA: required on the KMIP listener, optional on REST
//! (`[tls] client_ca`, where a bearer token remains the other way in). The
//! verified client certificate names the caller by fingerprint and subject
//! ([`peer_identity`]).

use std::path::Path;
use std::sync::Arc;

use rustls::server::WebPkiClientVerifier;
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::config::TlsFiles;
use crate::error::StartError;
use crate::ops::CertIdentity;

/// Whether and how a listener asks for client certificates.
#[derive(Clone, Copy, Debug)]
pub enum ClientCerts<'a> {
    /// Never asks.
    None,
    /// Asks; a client without one still connects (and authenticates some
    /// other way), one with a certificate not issued by the CA in this PEM
    /// file fails the handshake.
    Optional(&'a Path),
    /// A certificate issued by the CA in this PEM file is required.
    Required(&'a Path),
}

/// The rustls configuration of a listener.
pub fn server_config(
    files: &TlsFiles,
    client: ClientCerts<'_>,
) -> Result<rustls::ServerConfig, StartError> {
    let certs = load_certs(&files.cert, "certificate")?;
    let key = PrivateKeyDer::from_pem_file(&files.key)
        .map_err(|e| tls_err("key", &files.key, Box::new(e)))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_err("configuration", &files.cert, Box::new(e)))?;
    let builder = match client {
        ClientCerts::None => builder.with_no_client_auth(),
        ClientCerts::Optional(ca) | ClientCerts::Required(ca) => {
            let roots = load_roots(ca)?;
            let verifier = WebPkiClientVerifier::builder_with_provider(roots, provider);
            let verifier = match client {
                ClientCerts::Optional(_) => verifier.allow_unauthenticated(),
                ClientCerts::None | ClientCerts::Required(_) => verifier,
            };
            let verifier = verifier
                .build()
                .map_err(|e| tls_err("client CA", ca, Box::new(e)))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    builder
        .with_single_cert(certs, key)
        .map_err(|e| tls_err("certificate and key", &files.cert, Box::new(e)))
}

/// The caller a verified client certificate names: the first certificate
/// of the chain the client sent (its own), by SHA-256 fingerprint of its
/// DER and by subject DN (RFC 4514, [`keyhold_crypto::cert_subject`]).
pub fn peer_identity(chain: Option<&[CertificateDer<'_>]>) -> Option<CertIdentity> {
    let cert = chain?.first()?;
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, cert.as_ref());
    let fingerprint = <[u8; 32]>::try_from(digest.as_ref()).ok()?;
    Some(CertIdentity {
        fingerprint,
        subject: keyhold_crypto::cert_subject::subject_dn(cert.as_ref()),
    })
}

fn load_roots(ca: &Path) -> Result<Arc<rustls::RootCertStore>, StartError> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in load_certs(ca, "client CA")? {
        roots
            .add(cert)
            .map_err(|e| tls_err("client CA", ca, Box::new(e)))?;
    }
    Ok(Arc::new(roots))
}

fn load_certs(path: &Path, what: &'static str) -> Result<Vec<CertificateDer<'static>>, StartError> {
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .map_err(|e| tls_err(what, path, Box::new(e)))?;
    if certs.is_empty() {
        return Err(StartError::InvalidSetting {
            setting: "client_ca",
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
            client_ca: None,
        };
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "").unwrap();
        assert!(matches!(
            load_certs(&empty, "client CA"),
            Err(StartError::InvalidSetting { .. })
        ));
        for client in [ClientCerts::Required(&empty), ClientCerts::Optional(&empty)] {
            assert!(matches!(
                server_config(&files, client),
                Err(StartError::Tls { .. })
            ));
        }
    }

    #[test]
    fn a_peer_is_named_by_fingerprint_and_subject() {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "backup-agent");
        let der = params.self_signed(&key).unwrap().der().clone();
        let id = peer_identity(Some(std::slice::from_ref(&der))).unwrap();
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, der.as_ref());
        assert_eq!(&id.fingerprint[..], digest.as_ref());
        assert_eq!(id.subject.as_deref(), Some("CN=backup-agent"));
        assert_eq!(peer_identity(None), None);
        assert_eq!(peer_identity(Some(&[])), None);
    }
}
