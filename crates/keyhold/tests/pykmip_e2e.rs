//! Interoperability with PyKMIP (PyPI `pykmip`): its `ProxyKmipClient`
//! drives a production keyhold server over mutual TLS at KMIP 1.0, 1.2,
//! 1.4 and 2.0 (tests/pykmip/interop.py lists and checks each step).
//!
//! PyKMIP comes from the project's virtualenv (`.venv`, installed by
//! scripts/test.sh). Without it the test says so loudly and passes, except
//! under CI (the `CI` variable set), where a missing PyKMIP is a failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::Server;
use common::kmip::{bind_client, init, pki};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The virtualenv's Python, when PyKMIP is installed in it.
fn python_with_pykmip() -> Option<PathBuf> {
    let python = root().join(".venv/bin/python");
    let found = Command::new(&python)
        .args(["-c", "import kmip"])
        .output()
        .is_ok_and(|o| o.status.success());
    found.then_some(python)
}

#[tokio::test]
async fn pykmip_client_at_each_version() {
    let Some(python) = python_with_pykmip() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "PyKMIP is missing from .venv under CI: scripts/test.sh installs it"
        );
        eprintln!("SKIPPED: PyKMIP is not installed in .venv (run scripts/test.sh)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let pki = pki(dir.path());
    let server = Server::production_with(dir.path(), &pki.toml);
    let token = init(&server, &pki).await;
    bind_client(&server, &pki, &token).await;
    let addr = server.kmip_addr.clone().unwrap();
    let (host, port) = addr.rsplit_once(':').unwrap();
    let script = root().join("tests/pykmip/interop.py");
    for version in ["1.0", "1.2", "1.4", "2.0"] {
        let out = Command::new(&python)
            .arg(&script)
            .args([
                host,
                port,
                &pki.client_cert_path,
                &pki.client_key_path,
                &pki.ca_path,
            ])
            .arg(version)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "PyKMIP at KMIP {version} failed:\n{stdout}\n{stderr}"
        );
        assert!(stdout.contains(&format!("all steps passed at KMIP {version}")));
    }
}
