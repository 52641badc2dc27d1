//! End to end: client certificates on the REST listener (`[tls] client_ca`).
//! A principal bound by the subject of a certificate is named by any
//! certificate of the trusted CA with that subject (a renewed one too);
//! another subject, a certificate from another CA, or no credential at all
//! are refused; a bearer token still works on the same listener.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;

use common::Server;
use keyhold_api::access::{BindCertificateRequest, CreatePrincipalRequest};
use keyhold_api::sys::InitRequest;
use keyhold_client::{Client, ClientOptions};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair,
};

struct Ca {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl Ca {
    fn new() -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "test CA");
        Self {
            issuer: CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap(),
        }
    }

    /// A fresh client key and certificate with this common name and
    /// organization: (certificate PEM, certificate + key PEM).
    fn client(&self, cn: &str) -> (String, String) {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        params.distinguished_name = rcgen::DistinguishedName::new();
        let dn = &mut params.distinguished_name;
        dn.push(DnType::OrganizationName, "Example, Inc");
        dn.push(DnType::CommonName, cn);
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        (cert.pem(), format!("{}{}", cert.pem(), key.serialize_pem()))
    }
}

/// The server's configuration: its certificate from `ca`, client
/// certificates from `ca` accepted.
fn toml(dir: &Path, ca: &Ca) -> String {
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&key, &ca.issuer)
        .unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    };
    let (cert, key, ca) = (
        write("server.pem", &cert.pem()),
        write("server.key", &key.serialize_pem()),
        write("ca.pem", &ca.issuer.pem()),
    );
    format!("[tls]\ncert = \"{cert}\"\nkey = \"{key}\"\nclient_ca = \"{ca}\"\n")
}

/// A raw HTTPS client presenting `identity` (certificate + key PEM), if any.
fn https(ca: &Ca, identity: Option<&str>) -> reqwest::Client {
    let root = reqwest::Certificate::from_pem(ca.issuer.pem().as_bytes()).unwrap();
    let mut b = reqwest::Client::builder()
        .tls_certs_only([root])
        .tls_backend_rustls();
    if let Some(pem) = identity {
        b = b.identity(reqwest::Identity::from_pem(pem.as_bytes()).unwrap());
    }
    b.build().unwrap()
}

async fn status(client: &reqwest::Client, url: &str, token: Option<&str>) -> u16 {
    let mut req = client.get(format!("{url}/v1/keys"));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    match req.send().await {
        Ok(r) => r.status().as_u16(),
        Err(_) => 0, // the handshake failed
    }
}

#[tokio::test]
async fn rest_accepts_client_certificates_bound_by_subject() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new();
    let server = Server::production_with(dir.path(), &toml(dir.path(), &ca));
    let options = || ClientOptions {
        ca_cert_pem: Some(ca.issuer.pem().into_bytes()),
        timeout: None,
    };
    let rest = Client::with_options(&server.url, None, options()).unwrap();
    let init = rest
        .init(&InitRequest {
            shares: 1,
            threshold: 1,
        })
        .await
        .unwrap();
    let root = Client::with_options(&server.url, Some(init.root_token.clone()), options()).unwrap();
    let create: CreatePrincipalRequest =
        serde_json::from_value(serde_json::json!({"name": "agent", "roles": ["auditor"]})).unwrap();
    root.create_principal(&create).await.unwrap();

    let (agent_pem, agent_identity) = ca.client("backup-agent");
    let (_, renewed_identity) = ca.client("backup-agent");
    let (_, stranger_identity) = ca.client("someone-else");
    let (_, foreign_identity) = Ca::new().client("backup-agent");
    let url = &server.url;

    // Before the binding the certificate names nobody.
    assert_eq!(
        status(&https(&ca, Some(&agent_identity)), url, None).await,
        401
    );
    let bind = BindCertificateRequest::SubjectOfPem(agent_pem);
    let bound = root
        .bind_certificate(&"agent".parse().unwrap(), &bind)
        .await
        .unwrap();
    assert_eq!(bound.reference, "subject:CN=backup-agent,O=Example\\, Inc");

    // The auditor may not list keys: authenticated (403), not anonymous.
    assert_eq!(
        status(&https(&ca, Some(&agent_identity)), url, None).await,
        403
    );
    assert_eq!(
        status(&https(&ca, Some(&renewed_identity)), url, None).await,
        403
    );
    let audit = https(&ca, Some(&renewed_identity))
        .get(format!("{url}/v1/audit/events?limit=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(audit.status().as_u16(), 200);
    // Another subject names nobody; another CA's certificate fails the
    // handshake; no credential at all is anonymous.
    assert_eq!(
        status(&https(&ca, Some(&stranger_identity)), url, None).await,
        401
    );
    assert_eq!(
        status(&https(&ca, Some(&foreign_identity)), url, None).await,
        0
    );
    assert_eq!(status(&https(&ca, None), url, None).await, 401);
    // A bearer token still works, with or without a certificate.
    let token = Some(init.root_token.as_str());
    assert_eq!(status(&https(&ca, None), url, token).await, 200);
    assert_eq!(
        status(&https(&ca, Some(&stranger_identity)), url, token).await,
        200
    );
}
