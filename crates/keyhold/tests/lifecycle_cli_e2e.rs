//! The lifecycle verbs of `keyhold key`, run as a user would, against a
//! real server: each verb once, and the failures a user meets.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::process::Output;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use common::{Server, ok};
use serde_json::Value;

fn keyhold(server: &Server, args: &[&str]) -> Output {
    common::cli(server, server.token.as_deref(), args, b"")
}

fn fails(out: Output, needle: &str) {
    common::fails(out, needle);
}

fn json(server: &Server, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    serde_json::from_str(&ok(keyhold(server, &all))).unwrap()
}

#[test]
fn state_verbs() {
    let server = Server::dev();
    let s = &server;
    let created = json(
        s,
        &[
            "key",
            "create",
            "orders",
            "--pre-active",
            "--tag",
            "team=pay",
        ],
    );
    assert_eq!(created["state"], "pre-active");
    fails(
        keyhold(s, &["key", "suspend", "orders"]),
        "illegal_state_transition",
    );
    assert_eq!(json(s, &["key", "activate", "orders"])["state"], "active");
    let table = ok(keyhold(s, &["key", "suspend", "orders"]));
    assert!(
        table.starts_with("NAME") && table.contains("suspended"),
        "{table}"
    );
    assert_eq!(json(s, &["key", "resume", "orders"])["state"], "active");
    let rotated = json(s, &["key", "rotate", "orders"]);
    assert_eq!(
        (
            rotated["state"].as_str(),
            rotated["primary_version"].as_u64()
        ),
        (Some("active"), Some(2))
    );
    assert_eq!(
        json(s, &["key", "deactivate", "orders"])["state"],
        "deactivated"
    );

    let versions = ok(keyhold(s, &["key", "versions", "orders"]));
    let lines: Vec<&str> = versions.lines().collect();
    assert!(lines[0].starts_with("VERSION"), "{versions}");
    assert!(
        lines[1].starts_with("1 ") && lines[1].contains("deactivated"),
        "{versions}"
    );
    assert!(
        lines[2].starts_with("2*") && lines[2].contains("deactivated"),
        "{versions}"
    );
    let listed = json(s, &["key", "versions", "orders"]);
    assert_eq!(listed["versions"].as_array().unwrap().len(), 2);

    let info = json(s, &["key", "schedule-destroy", "orders", "--days", "10"]);
    assert!(info["destroy_scheduled_at"].is_string());
    fails(
        keyhold(s, &["key", "schedule-destroy", "orders", "--days", "10"]),
        "destroy_scheduled",
    );
    let info = json(s, &["key", "cancel-destroy", "orders"]);
    assert!(info.get("destroy_scheduled_at").is_none());
    fails(
        keyhold(s, &["key", "cancel-destroy", "orders"]),
        "destroy_not_scheduled",
    );
    fails(
        keyhold(s, &["key", "schedule-destroy", "orders", "--days", "2"]),
        "invalid_waiting_period",
    );
    let text = ok(keyhold(s, &["key", "schedule-destroy", "orders"]));
    assert!(text.contains("destruction scheduled for"), "{text}");
    ok(keyhold(s, &["key", "cancel-destroy", "orders"]));

    assert_eq!(json(s, &["key", "archive", "orders"])["archived"], true);
    fails(keyhold(s, &["key", "archive", "orders"]), "key_archived");
    assert_eq!(json(s, &["key", "recover", "orders"])["archived"], false);
    fails(
        keyhold(s, &["key", "recover", "orders"]),
        "key_not_archived",
    );

    let revoked = json(
        s,
        &[
            "key",
            "revoke",
            "orders",
            "--reason",
            "key-compromise",
            "--compromise-date",
            "2025-01-01T00:00:00Z",
            "--message",
            "leaked in a log",
        ],
    );
    assert_eq!(revoked["state"], "compromised");
    let versions = json(s, &["key", "versions", "orders"]);
    for v in versions["versions"].as_array().unwrap() {
        assert_eq!(v["compromise_date"], "2025-01-01T00:00:00Z");
        assert_eq!(v["revocation_reason"], "key-compromise");
    }
    fails(
        keyhold(s, &["key", "revoke", "orders", "--reason", "oops"]),
        "unknown reason",
    );
    fails(keyhold(s, &["key", "rotate", "missing"]), "key_not_found");
}

#[test]
fn revoke_one_version() {
    let server = Server::dev();
    let s = &server;
    ok(keyhold(s, &["key", "create", "k"]));
    ok(keyhold(s, &["key", "rotate", "k"]));
    let info = json(
        s,
        &[
            "key",
            "revoke",
            "k",
            "--reason",
            "superseded",
            "--key-version",
            "2",
        ],
    );
    assert_eq!(info["state"], "deactivated");
    fails(
        keyhold(
            s,
            &[
                "key",
                "revoke",
                "k",
                "--reason",
                "superseded",
                "--version",
                "3",
            ],
        ),
        "version_not_found",
    );
}

#[test]
fn update_list_and_public_key() {
    let server = Server::dev();
    let s = &server;
    ok(keyhold(
        s,
        &[
            "key",
            "create",
            "sig",
            "-a",
            "ed25519",
            "--rotation-period",
            "90d",
        ],
    ));
    let info = json(
        s,
        &[
            "key",
            "update",
            "sig",
            "--description",
            "release signing",
            "--tag",
            "team=build",
            "--rotation-period",
            "30d",
        ],
    );
    assert_eq!(info["description"], "release signing");
    assert_eq!(info["tags"]["team"], "build");
    assert_eq!(info["rotation_period_secs"], 30 * 86_400);
    let info = json(
        s,
        &["key", "update", "sig", "--no-rotation", "--clear-tags"],
    );
    assert!(info.get("rotation_period_secs").is_none());
    assert!(info["tags"].as_object().unwrap().is_empty());
    fails(keyhold(s, &["key", "update", "sig"]), "nothing to change");
    fails(
        keyhold(s, &["key", "update", "sig", "--rotation-period", "10m"]),
        "invalid_request",
    );
    fails(
        keyhold(s, &["key", "update", "sig", "--rotation-period", "soon"]),
        "invalid duration",
    );

    ok(keyhold(s, &["key", "update", "sig", "--tag", "team=build"]));
    ok(keyhold(s, &["key", "create", "other", "--tag", "team=ops"]));
    let page = json(s, &["key", "list", "--tag", "team=build"]);
    let names: Vec<&str> = page["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["sig"]);
    let page = json(
        s,
        &["key", "list", "--state", "active", "--tag", "team=ops"],
    );
    assert_eq!(page["keys"].as_array().unwrap().len(), 1);
    fails(
        keyhold(s, &["key", "list", "--tag", "team"]),
        "expected KEY=VALUE",
    );

    let pem = ok(keyhold(s, &["key", "public-key", "sig"]));
    assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\n"), "{pem}");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sig.der");
    ok(keyhold(
        s,
        &[
            "key",
            "public-key",
            "sig",
            "--format",
            "der",
            "--out",
            out.to_str().unwrap(),
        ],
    ));
    let der = std::fs::read(&out).unwrap();
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    assert_eq!(STANDARD.decode(body).unwrap(), der);
    let resp = json(s, &["key", "public-key", "sig", "--format", "der"]);
    assert_eq!(resp["format"], "der");
    fails(keyhold(s, &["key", "public-key", "other"]), "no_public_key");

    // Dates at creation.
    let later = json(
        s,
        &[
            "key",
            "create",
            "later",
            "--activation-date",
            "2999-01-01T00:00:00Z",
        ],
    );
    assert_eq!(later["state"], "pre-active");
    fails(
        keyhold(s, &["key", "create", "x", "--activation-date", "tomorrow"]),
        "invalid date",
    );
}
