//! `keyhold key ...`.

use std::io::Read as _;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use keyhold_api::b64::{Base64, SecretBase64};
use keyhold_api::keys::{
    CreateKeyRequest, DecryptRequest, EncryptRequest, InitialState, KeyInfo, ListKeysQuery,
};
use keyhold_core::UsageMask;
use zeroize::Zeroizing;

use super::{CliError, client, pairs};
use crate::cli::{CreateArgs, DataArgs, KeyCommand, ListArgs};
use crate::output;

/// Runs a key command.
pub(crate) async fn run(cmd: KeyCommand) -> Result<(), CliError> {
    match cmd {
        KeyCommand::Create(args) => create(args).await,
        KeyCommand::List(args) => list(args).await,
        KeyCommand::Show { conn, key } => {
            let key = client(&conn)?.key(&key).await?;
            show(&[key], conn.json)
        }
        KeyCommand::Encrypt { conn, data, key } => encrypt(conn, data, key).await,
        KeyCommand::Decrypt { conn, data, key } => decrypt(conn, data, key).await,
        KeyCommand::ImportToken(args) => super::transfer::import_token(args).await,
        KeyCommand::Import(args) => super::transfer::import(args).await,
        KeyCommand::Export(args) => super::transfer::export(args).await,
        KeyCommand::Crypto(cmd) => super::crypto::run(cmd).await,
        KeyCommand::Lifecycle(cmd) => super::lifecycle::run(cmd).await,
    }
}

async fn create(args: CreateArgs) -> Result<(), CliError> {
    let CreateArgs {
        conn,
        name,
        algorithm,
        usage,
        description,
        tags,
        exportable,
        schedule,
    } = args;
    let req = CreateKeyRequest {
        name,
        algorithm,
        usage: parse_usage(&usage)?,
        description,
        tags: pairs("tag", &tags)?,
        exportable,
        activation_date: schedule.activation_date,
        deactivation_date: schedule.deactivation_date,
        rotation_period_secs: schedule.rotation_period,
        originator_usage_period_secs: schedule.originator_usage_period,
        recipient_usage_period_secs: schedule.recipient_usage_period,
        initial_state: schedule.pre_active.then_some(InitialState::PreActive),
    };
    let key = client(&conn)?.create_key(&req).await?;
    show(&[key], conn.json)
}

async fn list(args: ListArgs) -> Result<(), CliError> {
    let ListArgs {
        conn,
        prefix,
        algorithm,
        state,
        tag,
        limit,
        cursor,
    } = args;
    let q = ListKeysQuery {
        prefix,
        algorithm,
        state,
        tag,
        limit,
        cursor,
    };
    let page = client(&conn)?.list_keys(&q).await?;
    if conn.json {
        return output::json(&page);
    }
    show(&page.keys, false)?;
    match page.next_cursor {
        Some(c) => output::text(&format!("\nmore: --cursor {c}\n")),
        None => Ok(()),
    }
}

async fn encrypt(
    conn: crate::cli::Conn,
    data: DataArgs,
    key: keyhold_core::KeyRef,
) -> Result<(), CliError> {
    let plaintext = read_input(&data.input)?;
    let req = EncryptRequest {
        plaintext: SecretBase64(plaintext.to_vec()),
        context: pairs("context", &data.context)?,
    };
    let resp = client(&conn)?.encrypt(&key, &req).await?;
    if conn.json {
        return output::json(&resp);
    }
    let text = format!("{}\n", STANDARD.encode(&resp.ciphertext.0));
    output::bytes(data.output.as_deref(), text.as_bytes())
}

async fn decrypt(
    conn: crate::cli::Conn,
    data: DataArgs,
    key: keyhold_core::KeyRef,
) -> Result<(), CliError> {
    let text = read_input(&data.input)?;
    let trimmed: Vec<u8> = text
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    let ciphertext = STANDARD
        .decode(&trimmed)
        .map_err(|_| CliError::InvalidArg {
            arg: "ciphertext",
            reason: "expected base64, as printed by `keyhold key encrypt`".into(),
        })?;
    let req = DecryptRequest {
        ciphertext: Base64(ciphertext),
        context: pairs("context", &data.context)?,
    };
    let resp = client(&conn)?.decrypt(&key, &req).await?;
    if conn.json {
        return output::json(&resp);
    }
    output::bytes(data.output.as_deref(), &resp.plaintext.0)
}

pub(super) fn parse_usage(names: &[String]) -> Result<Option<UsageMask>, CliError> {
    if names.is_empty() {
        return Ok(None);
    }
    names
        .iter()
        .try_fold(UsageMask::EMPTY, |acc, n| {
            n.trim()
                .parse::<UsageMask>()
                .map(|u| acc.union(u))
                .map_err(|_| CliError::InvalidArg {
                    arg: "usage",
                    reason: format!("unknown usage {n:?}"),
                })
        })
        .map(Some)
}

pub(super) fn read_input(path: &Path) -> Result<Zeroizing<Vec<u8>>, CliError> {
    let mut buf = Zeroizing::new(Vec::new());
    let result = if path == Path::new("-") {
        std::io::stdin().lock().read_to_end(&mut buf)
    } else {
        std::fs::File::open(path).and_then(|mut f| f.read_to_end(&mut buf))
    };
    result.map_err(|source| CliError::File {
        what: "cannot read",
        path: path.to_owned(),
        source,
    })?;
    Ok(buf)
}

pub(super) fn show(keys: &[KeyInfo], json: bool) -> Result<(), CliError> {
    if json {
        return match keys {
            [one] => output::json(one),
            many => output::json(many),
        };
    }
    let rows: Vec<Vec<String>> = keys
        .iter()
        .map(|k| {
            vec![
                k.name.to_string(),
                k.id.to_string(),
                k.algorithm.to_string(),
                k.state.to_string(),
                k.primary_version.to_string(),
                k.usage.to_string(),
                k.created_at.to_string(),
            ]
        })
        .collect();
    output::table(
        &[
            "NAME",
            "ID",
            "ALGORITHM",
            "STATE",
            "VERSION",
            "USAGE",
            "CREATED",
        ],
        &rows,
    )
}
