//! `keyhold bench` against a real dev server, once per mode, as a smoke
//! test: the JSON parses, operations ran and none failed. It asserts no
//! speed: benchmarks are measurements, never timed tests.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{Server, fails, ok};
use serde_json::Value;

fn bench(server: &Server, args: &[&str]) -> Value {
    let mut argv = vec!["bench"];
    argv.extend_from_slice(args);
    argv.push("--json");
    let out = ok(common::cli(server, server.token.as_deref(), &argv, b""));
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

fn ran_cleanly(result: &Value, op: &str, mode: &str) {
    assert_eq!(result["op"], op, "{result}");
    assert_eq!(result["mode"], mode, "{result}");
    assert!(result["ops"].as_u64().unwrap() > 0, "{result}");
    assert_eq!(result["errors"]["total"], 0, "{result}");
}

#[test]
fn bench_runs_every_mode_against_a_dev_server() {
    let server = Server::dev();
    let encrypt = bench(
        &server,
        &["--op", "encrypt", "--duration", "1s", "--connections", "4"],
    );
    ran_cleanly(&encrypt, "encrypt", "http1");
    assert_eq!(encrypt["algorithm"], "aes-256-gcm");

    let health = bench(&server, &["--op", "health", "--duration", "1s"]);
    ran_cleanly(&health, "health", "http1");

    let in_process = bench(
        &server,
        &["--in-process", "--op", "encrypt", "--duration", "1s"],
    );
    ran_cleanly(&in_process, "encrypt", "in-process");
}

#[test]
fn bench_refuses_what_it_cannot_run_before_sending_load() {
    let server = Server::dev();
    let run = |args: &[&str]| {
        let mut argv = vec!["bench", "--duration", "1s"];
        argv.extend_from_slice(args);
        common::cli(&server, server.token.as_deref(), &argv, b"")
    };
    fails(run(&["--op", "mac", "--algorithm", "aes-256-gcm"]), "mac");
    fails(run(&["--op", "health", "--in-process"]), "--in-process");
    fails(
        run(&["--op", "health", "--addr", "ftp://127.0.0.1:1"]),
        "invalid --addr",
    );
    // Without a token, setup (creating the key) is refused: no run at all.
    let out = common::cli(&server, None, &["bench", "--op", "encrypt"], b"");
    fails(out, "setup failed");
}

/// `--op kmip-encrypt` against a production server's KMIP listener over
/// mutual TLS: the keys are created over KMIP, the load runs, no error.
#[tokio::test]
async fn bench_drives_the_kmip_listener() {
    let dir = tempfile::tempdir().unwrap();
    let pki = common::kmip::pki(dir.path());
    let (server, addr) = common::kmip::ready_server(dir.path(), &pki).await;
    let run = |extra: &[&str]| {
        let mut argv = vec![
            "bench",
            "--op",
            "kmip-encrypt",
            "--duration",
            "1s",
            "--warmup",
            "0s",
            "--connections",
            "2",
            "--keys",
            "2",
            "--ca-cert",
            &pki.ca_path,
            "--kmip-addr",
            &addr,
        ];
        argv.extend_from_slice(extra);
        common::cli(&server, None, &argv, b"")
    };
    let out = ok(run(&[
        "--client-cert",
        &pki.client_cert_path,
        "--client-key",
        &pki.client_key_path,
        "--json",
    ]));
    let result: Value = serde_json::from_str(&out).unwrap();
    ran_cleanly(&result, "kmip-encrypt", "kmip-tls");
    // Without a client identity there is no run.
    fails(run(&[]), "--client-cert");
}
