//! End to end over TLS: a production server with a certificate, reached by
//! the client with the issuing CA, refused without it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::Server;
use keyhold_api::sys::HealthStatus;
use keyhold_client::{Client, ClientOptions};

#[tokio::test]
async fn production_server_speaks_tls() {
    let dir = tempfile::tempdir().unwrap();
    let cert =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()]).unwrap();
    let cert_path = dir.path().join("cert.pem");
    let key_path = dir.path().join("key.pem");
    std::fs::write(&cert_path, cert.cert.pem()).unwrap();
    std::fs::write(&key_path, cert.signing_key.serialize_pem()).unwrap();
    let extra = format!(
        "[tls]\ncert = \"{}\"\nkey = \"{}\"\n",
        cert_path.display(),
        key_path.display()
    );
    let server = Server::production_with(dir.path(), &extra);
    assert!(
        server.url.starts_with("https://127.0.0.1:"),
        "{}",
        server.url
    );

    let options = ClientOptions {
        ca_cert_pem: Some(cert.cert.pem().into_bytes()),
        timeout: None,
    };
    let trusted = Client::with_options(&server.url, None, options).unwrap();
    assert_eq!(
        trusted.health().await.unwrap().status,
        HealthStatus::Uninitialized
    );

    // Without the CA the handshake fails: no silent downgrade, no trust-all.
    let untrusted = Client::new(&server.url, None).unwrap();
    assert!(untrusted.health().await.is_err());
    // Plain HTTP to the TLS port gets no answer either.
    let plain = Client::new(&server.url.replace("https://", "http://"), None).unwrap();
    assert!(plain.health().await.is_err());
}
