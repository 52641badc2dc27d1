//! MFA enrollment, quorum approvals and the request flags (`--mfa`,
//! `--tenant`, `--approval`) through the CLI, run as a user would, against
//! a real server. TOTP codes are computed here from the enrollment URL, as
//! an authenticator app would.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::time::{SystemTime, UNIX_EPOCH};

use common::{Server, cli as keyhold, fails, ok};
use keyhold_crypto::SecretBytes;
use keyhold_crypto::totp::TotpSecret;

/// Decodes RFC 4648 base32 (no padding), as otpauth URLs carry secrets.
fn base32(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut bits, mut acc, mut out) = (0u32, 0u32, Vec::new());
    for c in text.trim_end_matches('=').bytes() {
        let v = ALPHABET
            .iter()
            .position(|&a| a == c.to_ascii_uppercase())
            .unwrap_or_else(|| panic!("not base32: {text}"));
        acc = (acc << 5) | u32::try_from(v).unwrap();
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((acc >> bits) & 0xff).unwrap());
        }
    }
    out
}

/// An authenticator app for the otpauth URL in `text`.
fn authenticator(text: &str) -> TotpSecret {
    let url = text
        .lines()
        .find(|l| l.starts_with("otpauth://"))
        .unwrap_or_else(|| panic!("no otpauth URL in {text}"));
    let secret = url
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("secret="))
        .unwrap();
    TotpSecret::from_secret(SecretBytes::new(base32(secret))).unwrap()
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Creates a principal with `role` (as root) and returns a token for it.
fn principal(server: &Server, name: &str, role: &str) -> String {
    let root = server.token.as_deref();
    ok(keyhold(
        server,
        root,
        &["principal", "create", name, "--role", role],
        b"",
    ));
    let out = ok(keyhold(server, root, &["token", "create", name], b""));
    out.lines()
        .find_map(|l| l.strip_prefix("Token: "))
        .unwrap()
        .to_owned()
}

/// Enrolls and confirms MFA for `token` through the CLI; returns its app.
/// The confirming code is of the previous 30-second step, so a code of
/// the current step (`code_at(now())`) is still fresh afterwards.
fn enrolled(server: &Server, token: &str) -> TotpSecret {
    let t = Some(token);
    let out = ok(keyhold(server, t, &["mfa", "enroll"], b""));
    assert!(out.contains("authenticator app"), "{out}");
    let app = authenticator(&out);
    fails(
        keyhold(server, t, &["mfa", "confirm", "12345"], b""),
        "mfa_invalid",
    );
    let code = app.code_at(now() - 30).unwrap();
    let out = ok(keyhold(server, t, &["mfa", "confirm", &code], b""));
    assert!(out.contains("MFA confirmed"), "{out}");
    fails(
        keyhold(server, t, &["mfa", "confirm", &code], b""),
        "mfa_invalid",
    );
    app
}

fn json(out: &str) -> serde_json::Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

#[test]
fn enrollment_prints_the_url_once_and_json_on_request() {
    let server = Server::dev();
    let token = principal(&server, "alice", "key-user");
    let out = ok(keyhold(
        &server,
        Some(&token),
        &["mfa", "enroll", "--json"],
        b"",
    ));
    let v = json(&out);
    assert_eq!(v["confirmed"], false);
    let url = v["otpauth_url"].as_str().unwrap();
    assert!(url.starts_with("otpauth://totp/"), "{url}");
    let app = authenticator(url);
    let code = app.code_at(now() - 30).unwrap();
    let out = ok(keyhold(
        &server,
        Some(&token),
        &["mfa", "confirm", &code, "--json"],
        b"",
    ));
    assert_eq!(json(&out)["confirmed"], true);
    // The root token has no second factor of its own.
    fails(
        keyhold(&server, server.token.as_deref(), &["mfa", "enroll"], b""),
        "invalid_request",
    );
}

#[test]
fn a_quorum_approval_runs_once_through_the_cli() {
    let server = Server::dev();
    let root = server.token.as_deref();
    let custodian = principal(&server, "custodian", "key-custodian");
    let approver = principal(&server, "approver", "approver");
    let app = enrolled(&server, &approver);
    let rule = br#"{"quorum_rules": [{"actions": ["key:schedule-destroy"], "required": 1, "ttl_secs": 3600}]}"#;
    ok(keyhold(
        &server,
        root,
        &["tenant", "settings", "set", "default", "-"],
        rule,
    ));

    let c = Some(custodian.as_str());
    ok(keyhold(&server, c, &["key", "create", "doomed"], b""));
    ok(keyhold(&server, c, &["key", "deactivate", "doomed"], b""));
    let destroy = ["key", "schedule-destroy", "doomed"];
    fails(keyhold(&server, c, &destroy, b""), "approval_required");

    let out = ok(keyhold(
        &server,
        c,
        &[
            "approval",
            "request",
            "key:schedule-destroy",
            "--key",
            "doomed",
            "--json",
        ],
        b"",
    ));
    let v = json(&out);
    assert_eq!(v["state"], "pending");
    let id = v["id"].as_str().unwrap().to_owned();

    let a = Some(approver.as_str());
    let listed = ok(keyhold(&server, a, &["approval", "list"], b""));
    assert!(
        listed.starts_with("ID") && listed.contains(&id) && listed.contains("0/1"),
        "{listed}"
    );
    let shown = ok(keyhold(&server, a, &["approval", "show", &id], b""));
    assert!(shown.contains("State: pending"), "{shown}");
    fails(
        keyhold(&server, a, &["approval", "approve", &id], b""),
        "--mfa",
    );
    fails(
        keyhold(&server, c, &destroy_with(&destroy, &id), b""),
        "approval_not_usable",
    );
    let code = app.code_at(now()).unwrap();
    let voted = ok(keyhold(
        &server,
        a,
        &["approval", "approve", &id, "--mfa", &code],
        b"",
    ));
    assert!(voted.contains("State: approved"), "{voted}");

    let done = ok(keyhold(&server, c, &destroy_with(&destroy, &id), b""));
    assert!(done.contains("destruction scheduled"), "{done}");
    ok(keyhold(
        &server,
        c,
        &["key", "cancel-destroy", "doomed"],
        b"",
    ));
    fails(
        keyhold(&server, c, &destroy_with(&destroy, &id), b""),
        "approval_not_usable",
    );
    let executed = ok(keyhold(
        &server,
        a,
        &["approval", "list", "--state", "executed", "--json"],
        b"",
    ));
    assert_eq!(json(&executed)["approvals"][0]["id"], id.as_str());
}

/// `destroy` with `--approval ID`.
fn destroy_with<'a>(destroy: &[&'a str], id: &'a str) -> Vec<&'a str> {
    let mut args = destroy.to_vec();
    args.extend(["--approval", id]);
    args
}

#[test]
fn a_denial_ends_the_request() {
    let server = Server::dev();
    let root = server.token.as_deref();
    let custodian = principal(&server, "custodian", "key-custodian");
    let approver = principal(&server, "approver", "approver");
    let app = enrolled(&server, &approver);
    let rule = br#"{"quorum_rules": [{"actions": ["key:schedule-destroy"], "required": 1}]}"#;
    ok(keyhold(
        &server,
        root,
        &["tenant", "settings", "set", "default", "-"],
        rule,
    ));
    let c = Some(custodian.as_str());
    ok(keyhold(&server, c, &["key", "create", "kept"], b""));
    let out = ok(keyhold(
        &server,
        c,
        &[
            "approval",
            "request",
            "key:schedule-destroy",
            "--key",
            "kept",
            "--body",
            "-",
        ],
        br#"{"waiting_period_days": 30}"#,
    ));
    assert!(out.contains("--approval"), "{out}");
    let id = out
        .lines()
        .find_map(|l| l.strip_prefix("Id: "))
        .unwrap()
        .to_owned();
    let code = app.code_at(now()).unwrap();
    let denied = ok(keyhold(
        &server,
        Some(&approver),
        &["--mfa", &code, "approval", "deny", &id, "--json"],
        b"",
    ));
    assert_eq!(json(&denied)["state"], "denied");
}

#[test]
fn bad_input_is_refused_with_a_clear_error() {
    let server = Server::dev();
    let t = server.token.as_deref();
    let out = keyhold(&server, t, &["approval", "request", "key:fly"], b"");
    assert_eq!(out.status.code(), Some(2));
    fails(out, "unknown action \"key:fly\"");
    fails(
        keyhold(&server, t, &["approval", "show", "not-an-id"], b""),
        "invalid approval id \"not-an-id\"",
    );
    fails(
        keyhold(&server, t, &["key", "list", "--approval", "nope"], b""),
        "invalid approval identifier",
    );
    fails(
        keyhold(&server, t, &["approval", "list", "--state", "open"], b""),
        "unknown state",
    );
    fails(
        keyhold(
            &server,
            t,
            &["approval", "show", "0b9e3c5e-2f4f-4d39-9a57-5a0f3b0c8d11"],
            b"",
        ),
        "approval_not_found",
    );
    // Nothing asks for approval when no quorum rule names the action.
    let token = principal(&server, "custodian", "key-custodian");
    ok(keyhold(&server, Some(&token), &["key", "create", "k"], b""));
    fails(
        keyhold(
            &server,
            Some(&token),
            &["approval", "request", "key:schedule-destroy", "--key", "k"],
            b"",
        ),
        "approval_not_needed",
    );
}

#[test]
fn tenant_flag_acts_in_another_tenant() {
    let server = Server::dev();
    let t = server.token.as_deref();
    ok(keyhold(&server, t, &["tenant", "create", "payments"], b""));
    ok(keyhold(
        &server,
        t,
        &["key", "create", "card-key", "--tenant", "payments"],
        b"",
    ));
    let there = ok(keyhold(
        &server,
        t,
        &["--tenant", "payments", "key", "list"],
        b"",
    ));
    assert!(there.contains("card-key"), "{there}");
    let here = ok(keyhold(&server, t, &["key", "list"], b""));
    assert!(!here.contains("card-key"), "{here}");
    fails(
        keyhold(&server, t, &["key", "list", "--tenant", "nowhere"], b""),
        "tenant_not_found",
    );
    // A principal who is not a global admin stays in its own tenant.
    let token = principal(&server, "ops", "admin");
    fails(
        keyhold(
            &server,
            Some(&token),
            &["key", "list", "--tenant", "payments"],
            b"",
        ),
        "permission_denied",
    );
}
