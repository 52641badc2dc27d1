//! `keyhold audit list | export | verify | public-key`.

use keyhold_api::audit::{AuditEventView, AuditEventsQuery, VerifyReport};
use keyhold_client::Client;
use keyhold_core::{KeyId, KeyRef};

use super::{CliError, client};
use crate::cli::{AuditCommand, AuditExportArgs, AuditListArgs, AuditVerifyArgs, Conn};
use crate::output;

/// Runs an audit command.
pub(crate) async fn run(cmd: AuditCommand) -> Result<(), CliError> {
    match cmd {
        AuditCommand::List(args) => list(args).await,
        AuditCommand::Export(args) => export(args).await,
        AuditCommand::Verify(args) => verify(args).await,
        AuditCommand::PublicKey { conn } => public_key(&conn).await,
    }
}

async fn list(args: AuditListArgs) -> Result<(), CliError> {
    let client = client(&args.conn)?;
    let key = match args.key {
        Some(k) => Some(key_id(&client, k).await?),
        None => None,
    };
    let query = AuditEventsQuery {
        from: args.since,
        to: args.until,
        principal: args.principal,
        key,
        action: args.action,
        outcome: args.outcome,
        cursor: args.cursor,
        limit: args.limit,
    };
    let page = client.audit_events(&query).await?;
    if args.conn.json {
        return output::json(&page);
    }
    let rows: Vec<Vec<String>> = page.events.iter().map(row).collect();
    output::table(
        &[
            "SEQ",
            "TIME",
            "INTERFACE",
            "SOURCE",
            "ACTION",
            "OUTCOME",
            "KEY",
            "VERSION",
        ],
        &rows,
    )?;
    match page.next_cursor {
        Some(c) => output::text(&format!("\nmore: --cursor {c}\n")),
        None => Ok(()),
    }
}

/// The key's id: as given, or looked up by name (itself an audited read).
async fn key_id(client: &Client, key: KeyRef) -> Result<KeyId, CliError> {
    match key {
        KeyRef::Id(id) => Ok(id),
        name @ KeyRef::Name(_) => Ok(client.key(&name).await?.id),
    }
}

fn row(e: &AuditEventView) -> Vec<String> {
    let outcome = match &e.outcome.code {
        Some(code) => format!("{} ({code})", e.outcome.result.as_str()),
        None => e.outcome.result.as_str().to_owned(),
    };
    let dash = || "-".to_owned();
    vec![
        e.seq.to_string(),
        e.time.to_string(),
        e.interface.as_str().to_owned(),
        e.source.map_or_else(dash, |s| s.to_string()),
        e.action.as_str().to_owned(),
        outcome,
        e.key.map_or_else(dash, |k| k.to_string()),
        e.version.map_or_else(dash, |v| v.to_string()),
    ]
}

async fn export(args: AuditExportArgs) -> Result<(), CliError> {
    let client = client(&args.conn)?;
    let path = &args.output;
    if path.as_os_str() == "-" {
        let mut out = std::io::stdout();
        client.audit_export_to(&mut out).await?;
        return Ok(());
    }
    let file = std::fs::File::create(path).map_err(|source| CliError::File {
        what: "cannot create",
        path: path.clone(),
        source,
    })?;
    let mut out = std::io::BufWriter::new(file);
    let bytes = client.audit_export_to(&mut out).await?;
    let file = out.into_inner().map_err(|e| CliError::File {
        what: "cannot write",
        path: path.clone(),
        source: e.into_error(),
    })?;
    file.sync_all().map_err(|source| CliError::File {
        what: "cannot sync",
        path: path.clone(),
        source,
    })?;
    if args.conn.json {
        return output::json(&serde_json::json!({ "file": path, "bytes": bytes }));
    }
    output::text(&format!("exported {bytes} bytes to {}\n", path.display()))
}

async fn verify(args: AuditVerifyArgs) -> Result<(), CliError> {
    let (report, bad_line) = match (&args.file, &args.public_key) {
        (Some(file), Some(key)) => super::audit_offline::verify_file(file, key)?,
        _ => (client(&args.conn)?.audit_verify().await?, None),
    };
    print_report(&report, args.conn.json)?;
    if report.ok {
        return Ok(());
    }
    let at = match (bad_line, report.broken_at) {
        (Some(line), _) => format!("line {line}"),
        (None, Some(seq)) => format!("event {seq}"),
        (None, None) => "an unknown place".to_owned(),
    };
    Err(CliError::AuditBroken {
        at,
        problem: report.problem.unwrap_or_default(),
    })
}

/// Prints a verification report: JSON, or a few lines for people.
fn print_report(r: &VerifyReport, json: bool) -> Result<(), CliError> {
    if json {
        return output::json(r);
    }
    let hash: String = r.head_hash.chars().take(16).collect();
    let head = format!(
        "{} events and {} checkpoints verified; head: event {} ({hash}...)",
        r.events, r.checkpoints, r.head_seq
    );
    let text = match (&r.problem, r.broken_at) {
        (None, _) => format!("ok: {head}\n"),
        (Some(p), Some(seq)) => format!("BROKEN at event {seq}: {p} ({})\n{head}\n", explain(p)),
        (Some(p), None) => format!("BROKEN: {p} ({})\n{head}\n", explain(p)),
    };
    output::text(&text)
}

/// What a problem name means, for people.
fn explain(problem: &str) -> &'static str {
    match problem {
        "sequence" => {
            "a sequence number is missing, repeated or out of order: an event was deleted or inserted"
        }
        "prev" => "the event does not follow the one before it: events were reordered or inserted",
        "hash" => "the event's content does not match its link: it was edited",
        "mac" => {
            "the link's MAC is wrong: the event was forged or recomputed without the audit key"
        }
        "checkpoint-signature" => {
            "a checkpoint's signature does not verify under the audit public key"
        }
        "checkpoint-mismatch" => {
            "a signed checkpoint names another link than the trail has there: the chain was rewritten"
        }
        "truncated" => "events are missing at the end of the trail",
        "malformed" => "a line of the file is not an audit event or checkpoint",
        _ => "unknown problem",
    }
}

async fn public_key(conn: &Conn) -> Result<(), CliError> {
    let key = client(conn)?.audit_public_key().await?;
    if conn.json {
        return output::json(&key);
    }
    output::table(
        &["ALGORITHM", "PUBLIC KEY", "FINGERPRINT"],
        &[vec![
            "ed25519".to_owned(),
            base64_text(&key.public_key.0),
            key.fingerprint,
        ]],
    )
}

fn base64_text(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
