//! The access-management verbs of the CLI, run as a user would, against a
//! real server.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{Server, cli as keyhold, fails, ok};

#[test]
fn tenant_principal_role_and_policy_verbs() {
    let server = Server::dev();
    let t = server.token.as_deref();
    ok(keyhold(&server, t, &["tenant", "create", "payments"], b""));
    let table = ok(keyhold(&server, t, &["tenant", "list"], b""));
    assert!(
        table.starts_with("NAME") && table.contains("payments"),
        "{table}"
    );
    let settings = ok(keyhold(
        &server,
        t,
        &["tenant", "settings", "get", "default"],
        b"",
    ));
    assert!(settings.contains("key-custodian"), "{settings}");
    let none = br#"{"sod_rules": []}"#;
    ok(keyhold(
        &server,
        t,
        &["tenant", "settings", "set", "default", "-"],
        none,
    ));
    fails(
        keyhold(
            &server,
            t,
            &["tenant", "settings", "set", "default", "-"],
            br#"{"x": 1}"#,
        ),
        "invalid JSON",
    );

    let statements =
        br#"[{"effect": "allow", "actions": ["key:encrypt"], "resources": ["key/pay-*"]}]"#;
    ok(keyhold(
        &server,
        t,
        &["policy", "create", "enc", "--description", "encrypt"],
        statements,
    ));
    let bad = br#"[{"effect": "allow", "actions": ["key:fly"], "resources": ["*"]}]"#;
    fails(
        keyhold(&server, t, &["policy", "create", "bad"], bad),
        "unknown action",
    );
    let shown = ok(keyhold(&server, t, &["policy", "show", "enc"], b""));
    assert!(shown.contains("key/pay-*"), "{shown}");
    let list = ok(keyhold(&server, t, &["policy", "list", "--json"], b""));
    let v: serde_json::Value = serde_json::from_str(&list).unwrap();
    assert_eq!(v["policies"].as_array().unwrap().len(), 1);

    let roles = ok(keyhold(&server, t, &["role", "list"], b""));
    assert!(
        roles.contains("key-custodian") && roles.contains("built-in"),
        "{roles}"
    );
    ok(keyhold(
        &server,
        t,
        &["role", "create", "encrypter", "--policy", "enc"],
        b"",
    ));
    fails(
        keyhold(&server, t, &["role", "delete", "admin"], b""),
        "built-in role",
    );

    let created = ok(keyhold(
        &server,
        t,
        &[
            "principal",
            "create",
            "alice",
            "--role",
            "key-custodian",
            "--json",
        ],
        b"",
    ));
    let v: serde_json::Value = serde_json::from_str(&created).unwrap();
    assert_eq!(v["roles"], serde_json::json!(["key-custodian"]));
    ok(keyhold(
        &server,
        t,
        &["principal", "grant", "alice", "key-user"],
        b"",
    ));
    ok(keyhold(
        &server,
        t,
        &["principal", "revoke", "alice", "key-user"],
        b"",
    ));
    ok(keyhold(
        &server,
        t,
        &[
            "principal",
            "create",
            "bob",
            "--role",
            "key-custodian,key-user",
        ],
        b"",
    ));
    ok(keyhold(
        &server,
        t,
        &["principal", "grant", "bob", "encrypter"],
        b"",
    ));
    let listed = ok(keyhold(&server, t, &["principal", "list"], b""));
    assert!(
        listed.contains("alice") && listed.contains("bob"),
        "{listed}"
    );
    let fp = "ab".repeat(32);
    ok(keyhold(
        &server,
        t,
        &["principal", "bind-cert", "alice", "--fingerprint", &fp],
        b"",
    ));
    let certs = ok(keyhold(&server, t, &["principal", "certs", "alice"], b""));
    assert!(certs.contains(&format!("sha256:{fp}")), "{certs}");
    ok(keyhold(
        &server,
        t,
        &["principal", "unbind-cert", "alice", &format!("sha256:{fp}")],
        b"",
    ));
    ok(keyhold(&server, t, &["principal", "delete", "bob"], b""));
    fails(
        keyhold(&server, t, &["principal", "show", "bob"], b""),
        "principal_not_found",
    );
}

#[test]
fn separation_of_duties_is_refused_by_the_cli() {
    let server = Server::dev();
    let t = server.token.as_deref();
    fails(
        keyhold(
            &server,
            t,
            &[
                "principal",
                "create",
                "carol",
                "--role",
                "key-custodian",
                "--role",
                "key-user",
            ],
            b"",
        ),
        "separation of duties",
    );
}

#[test]
fn tokens_are_printed_once_and_the_root_token_revoked() {
    let server = Server::dev();
    let t = server.token.as_deref();
    ok(keyhold(
        &server,
        t,
        &["principal", "create", "admin", "--role", "admin"],
        b"",
    ));
    let out = ok(keyhold(
        &server,
        t,
        &[
            "token",
            "create",
            "admin",
            "--ttl",
            "2h",
            "--cidr",
            "127.0.0.0/8",
        ],
        b"",
    ));
    let secret = out
        .lines()
        .find_map(|l| l.strip_prefix("Token: "))
        .unwrap()
        .to_owned();
    assert!(secret.starts_with("kht_"), "{out}");
    assert!(out.contains("only time"), "{out}");
    let listed = ok(keyhold(&server, t, &["token", "list"], b""));
    assert!(
        listed.contains("admin") && listed.contains("127.0.0.0/8"),
        "{listed}"
    );
    assert!(!listed.contains(&secret));
    let json = ok(keyhold(&server, t, &["token", "list", "--json"], b""));
    assert!(!json.contains(&secret));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let id = v["tokens"][0]["id"].as_str().unwrap().to_owned();
    let revoked = ok(keyhold(&server, t, &["token", "revoke", &id], b""));
    assert!(revoked.contains(&id), "{revoked}");
    ok(keyhold(&server, t, &["token", "revoke", &id], b""));
    fails(
        keyhold(
            &server,
            t,
            &["token", "create", "admin", "--ttl", "1y"],
            b"",
        ),
        "invalid duration",
    );

    let out = ok(keyhold(&server, t, &["operator", "revoke-root-token"], b""));
    assert!(out.contains("revoked"), "{out}");
    fails(
        keyhold(&server, t, &["tenant", "list"], b""),
        "unauthenticated",
    );
}

#[test]
fn help_names_the_verbs() {
    let server = Server::dev();
    for (noun, verbs) in [
        ("tenant", &["create", "list", "show", "settings"][..]),
        (
            "principal",
            &[
                "create",
                "list",
                "show",
                "delete",
                "grant",
                "revoke",
                "bind-cert",
                "certs",
            ],
        ),
        ("token", &["create", "list", "revoke"]),
        ("policy", &["create", "list", "show", "update", "delete"]),
        ("role", &["list", "show", "create", "delete"]),
        ("mfa", &["enroll", "confirm"]),
        ("approval", &["request", "list", "show", "approve", "deny"]),
    ] {
        let help = ok(keyhold(&server, None, &[noun, "--help"], b""));
        for verb in verbs {
            assert!(help.contains(verb), "{noun} --help lacks {verb}: {help}");
        }
    }
}

/// The access step of the README's five-minute tour, as written there.
#[test]
fn the_readme_access_step_works() {
    let server = Server::dev();
    let root = server.token.as_deref();
    ok(keyhold(
        &server,
        root,
        &["principal", "create", "ops-admin", "--role", "admin"],
        b"",
    ));
    let out = ok(keyhold(
        &server,
        root,
        &["token", "create", "ops-admin", "--ttl", "8h"],
        b"",
    ));
    let admin = out.lines().find_map(|l| l.strip_prefix("Token: ")).unwrap();
    let a = Some(admin);
    ok(keyhold(
        &server,
        a,
        &[
            "principal",
            "create",
            "ci",
            "--kind",
            "service",
            "--role",
            "key-user",
        ],
        b"",
    ));
    ok(keyhold(&server, a, &["operator", "revoke-root-token"], b""));
    fails(
        keyhold(&server, root, &["key", "list"], b""),
        "unauthenticated",
    );
    let out = ok(keyhold(&server, a, &["mfa", "enroll"], b""));
    assert!(out.starts_with("otpauth://totp/"), "{out}");
}
