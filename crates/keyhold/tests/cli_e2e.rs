//! The CLI verbs, run as a user would, against a real server.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{Server, cli as keyhold, fails, ok};

#[test]
fn key_verbs() {
    let server = Server::dev();
    let t = server.token.as_deref();
    ok(keyhold(&server, t, &["key", "create", "orders"], b""));
    let out = ok(keyhold(
        &server,
        t,
        &[
            "key", "create", "sig", "-a", "ed25519", "--tag", "team=pay", "--json",
        ],
        b"",
    ));
    let sig: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(sig["algorithm"], "ed25519");
    assert_eq!(sig["tags"]["team"], "pay");

    let table = ok(keyhold(&server, t, &["key", "list"], b""));
    assert!(table.starts_with("NAME"));
    assert!(table.contains("orders") && table.contains("sig"));
    let page: serde_json::Value = serde_json::from_str(&ok(keyhold(
        &server,
        t,
        &["key", "list", "--json", "--prefix", "or"],
        b"",
    )))
    .unwrap();
    assert_eq!(page["keys"].as_array().unwrap().len(), 1);
    let shown = ok(keyhold(
        &server,
        t,
        &["key", "show", "orders", "--json"],
        b"",
    ));
    assert!(shown.contains("\"aes-256-gcm\""));

    let ct = ok(keyhold(
        &server,
        t,
        &["key", "encrypt", "orders", "-c", "app=billing"],
        b"hello, world",
    ));
    let pt = keyhold(
        &server,
        t,
        &["key", "decrypt", "orders", "-c", "app=billing"],
        ct.as_bytes(),
    );
    assert_eq!(ok(pt), "hello, world");
    fails(
        keyhold(&server, t, &["key", "decrypt", "orders"], ct.as_bytes()),
        "decryption_failed",
    );
    fails(
        keyhold(&server, t, &["key", "decrypt", "orders"], b"%%%"),
        "expected base64",
    );
    fails(
        keyhold(&server, t, &["key", "encrypt", "nope"], b"x"),
        "key_not_found",
    );
    fails(
        keyhold(&server, t, &["key", "create", "bad name"], b""),
        "invalid value",
    );
    fails(
        keyhold(&server, t, &["key", "create", "x", "--usage", "fly"], b""),
        "unknown usage",
    );
    fails(
        keyhold(&server, None, &["key", "list"], b""),
        "unauthenticated",
    );
}

#[test]
fn operator_verbs() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::production_in(dir.path());
    let status = ok(keyhold(&server, None, &["operator", "status"], b""));
    assert!(status.contains("INITIALIZED") && status.contains("false"));
    let init: serde_json::Value = serde_json::from_str(&ok(keyhold(
        &server,
        None,
        &[
            "operator",
            "init",
            "--shares",
            "3",
            "--threshold",
            "2",
            "--json",
        ],
        b"",
    )))
    .unwrap();
    let shares: Vec<String> = init["shares"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect();
    let token = init["root_token"].as_str().unwrap().to_owned();
    fails(
        keyhold(&server, None, &["operator", "init"], b""),
        "already_initialized",
    );
    let sealed = ok(keyhold(
        &server,
        Some(&token),
        &["operator", "seal", "--json"],
        b"",
    ));
    assert!(sealed.contains("\"sealed\": true"));
    // One share as an argument, the next on standard input.
    let one = ok(keyhold(
        &server,
        None,
        &["operator", "unseal", "--json", &shares[2]],
        b"",
    ));
    assert!(one.contains("\"progress\": 1"));
    let two = ok(keyhold(
        &server,
        None,
        &["operator", "unseal", "--json"],
        format!("{}\n", shares[0]).as_bytes(),
    ));
    assert!(two.contains("\"sealed\": false"));
    fails(
        keyhold(&server, None, &["operator", "unseal", "garbage"], b""),
        "invalid_share",
    );
}
