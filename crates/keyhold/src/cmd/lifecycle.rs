//! `keyhold key rotate|activate|deactivate|suspend|resume|revoke|
//! schedule-destroy|cancel-destroy|archive|recover|update|versions|
//! public-key`. State changes print the updated key (a table, or JSON with
//! `--json`).

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use keyhold_api::lifecycle::{
    KeyVersions, Patch, PublicKeyEncoding, PublicKeyFormat, PublicKeyQuery, PublicKeyResponse,
    RevokeRequest, ScheduleDestroyRequest, UpdateKeyRequest,
};
use keyhold_core::Timestamp;

use super::key::show;
use super::{CliError, client, pairs};
use crate::cli::{
    KeyArgs, LifecycleCommand, PublicKeyArgs, PublicKeyFormatArg, RevokeArgs, ScheduleDestroyArgs,
    UpdateArgs, reason_name,
};
use crate::output;

/// A lifecycle verb that takes only a key.
#[derive(Clone, Copy, Debug)]
enum Simple {
    Rotate,
    Activate,
    Deactivate,
    Suspend,
    Resume,
    CancelDestroy,
    Archive,
    Recover,
}

/// Runs a lifecycle command.
pub(crate) async fn run(cmd: LifecycleCommand) -> Result<(), CliError> {
    use LifecycleCommand as L;
    let (args, verb) = match cmd {
        L::Rotate(a) => (a, Simple::Rotate),
        L::Activate(a) => (a, Simple::Activate),
        L::Deactivate(a) => (a, Simple::Deactivate),
        L::Suspend(a) => (a, Simple::Suspend),
        L::Resume(a) => (a, Simple::Resume),
        L::CancelDestroy(a) => (a, Simple::CancelDestroy),
        L::Archive(a) => (a, Simple::Archive),
        L::Recover(a) => (a, Simple::Recover),
        L::Revoke(a) => return revoke(a).await,
        L::ScheduleDestroy(a) => return schedule_destroy(a).await,
        L::Update(a) => return update(a).await,
        L::Versions(a) => return versions(a).await,
        L::PublicKey(a) => return public_key(a).await,
    };
    let c = client(&args.conn)?;
    let key = &args.key;
    let info = match verb {
        Simple::Rotate => c.rotate_key(key).await?,
        Simple::Activate => c.activate_key(key).await?,
        Simple::Deactivate => c.deactivate_key(key).await?,
        Simple::Suspend => c.suspend_key(key).await?,
        Simple::Resume => c.resume_key(key).await?,
        Simple::CancelDestroy => c.cancel_key_destroy(key).await?,
        Simple::Archive => c.archive_key(key).await?,
        Simple::Recover => c.recover_key(key).await?,
    };
    show(&[info], args.conn.json)
}

async fn revoke(a: RevokeArgs) -> Result<(), CliError> {
    let req = RevokeRequest {
        reason: a.reason,
        compromise_date: a.compromise_date,
        message: a.message,
        version: a.version,
    };
    let key = client(&a.conn)?.revoke_key(&a.key, &req).await?;
    show(&[key], a.conn.json)
}

async fn schedule_destroy(a: ScheduleDestroyArgs) -> Result<(), CliError> {
    let req = ScheduleDestroyRequest {
        waiting_period_days: a.days,
    };
    let key = client(&a.conn)?.schedule_key_destroy(&a.key, &req).await?;
    if a.conn.json {
        return output::json(&key);
    }
    show(std::slice::from_ref(&key), false)?;
    match key.destroy_scheduled_at {
        Some(at) => output::text(&format!("\ndestruction scheduled for {at}\n")),
        None => Ok(()),
    }
}

async fn update(a: UpdateArgs) -> Result<(), CliError> {
    let tags = match (a.clear_tags, a.tags.is_empty()) {
        (true, _) => Some(BTreeMap::new()),
        (false, false) => Some(pairs("tag", &a.tags)?),
        (false, true) => None,
    };
    let req = UpdateKeyRequest {
        description: a.description,
        tags,
        rotation_period_secs: patch(a.no_rotation, a.rotation_period),
        originator_usage_period_secs: patch(
            a.no_originator_usage_period,
            a.originator_usage_period,
        ),
        recipient_usage_period_secs: patch(a.no_recipient_usage_period, a.recipient_usage_period),
    };
    if req.is_empty() {
        return Err(CliError::InvalidArg {
            arg: "update",
            reason: "nothing to change: give --description, --tag, --clear-tags, \
                     --rotation-period, --no-rotation, --originator-usage-period, \
                     --recipient-usage-period or their --no- forms"
                .into(),
        });
    }
    let key = client(&a.conn)?.update_key(&a.key, &req).await?;
    show(&[key], a.conn.json)
}

/// A PATCH field from a `--no-X` flag and an `--X VALUE` option.
fn patch(clear: bool, value: Option<u64>) -> Patch<u64> {
    match (clear, value) {
        (true, _) => Patch::Clear,
        (false, Some(v)) => Patch::Set(v),
        (false, None) => Patch::Keep,
    }
}

async fn versions(a: KeyArgs) -> Result<(), CliError> {
    let list = client(&a.conn)?.key_versions(&a.key).await?;
    if a.conn.json {
        return output::json(&list);
    }
    versions_table(&list)
}

fn versions_table(list: &KeyVersions) -> Result<(), CliError> {
    let date = |t: Option<Timestamp>| t.map_or_else(|| "-".to_owned(), |t| t.to_string());
    let rows: Vec<Vec<String>> = list
        .versions
        .iter()
        .map(|v| {
            vec![
                format!("{}{}", v.version, if v.primary { "*" } else { "" }),
                v.id.to_string(),
                v.state.to_string(),
                if v.archived { "yes" } else { "no" }.to_owned(),
                v.created_at.to_string(),
                date(v.activation_date),
                date(v.deactivation_date),
                date(v.compromise_date),
                v.revocation_reason.map_or("-", reason_name).to_owned(),
            ]
        })
        .collect();
    output::table(
        &[
            "VERSION",
            "ID",
            "STATE",
            "ARCHIVED",
            "CREATED",
            "ACTIVATED",
            "DEACTIVATED",
            "COMPROMISED",
            "REASON",
        ],
        &rows,
    )
}

async fn public_key(a: PublicKeyArgs) -> Result<(), CliError> {
    let q = PublicKeyQuery {
        format: Some(match a.format {
            PublicKeyFormatArg::Pem => PublicKeyEncoding::Pem,
            PublicKeyFormatArg::Der => PublicKeyEncoding::Der,
        }),
        version: a.version,
    };
    let resp = client(&a.conn)?.public_key(&a.key, &q).await?;
    if a.conn.json {
        return output::json(&resp);
    }
    match (resp.format, a.output.as_deref()) {
        (PublicKeyFormat::Pem, out) => output::bytes(out, resp.public_key.as_bytes()),
        (PublicKeyFormat::Der | PublicKeyFormat::Raw, Some(out)) => {
            output::bytes(Some(out), &decode(&resp)?)
        }
        (PublicKeyFormat::Der | PublicKeyFormat::Raw, None) => {
            output::text(&format!("{}\n", resp.public_key))
        }
    }
}

fn decode(resp: &PublicKeyResponse) -> Result<Vec<u8>, CliError> {
    STANDARD
        .decode(resp.public_key.as_bytes())
        .map_err(|_| CliError::InvalidArg {
            arg: "public_key",
            reason: format!("the server sent {} that is not base64", resp.format),
        })
}
