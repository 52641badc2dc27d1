//! `keyhold tenant ...`.

use std::path::Path;

use keyhold_api::access::TenantInfo;
use keyhold_core::TenantSettings;
use serde::de::DeserializeOwned;

use super::key::read_input;
use super::{CliError, client};
use crate::cli::{SettingsCommand, TenantCommand};
use crate::output;

/// Runs a tenant command.
pub(crate) async fn run(cmd: TenantCommand) -> Result<(), CliError> {
    match cmd {
        TenantCommand::Create(t) => {
            let info = client(&t.conn)?.create_tenant(&t.name).await?;
            show(&[info], t.conn.json)
        }
        TenantCommand::List { conn } => {
            let list = client(&conn)?.list_tenants().await?;
            if conn.json {
                return output::json(&list);
            }
            show(&list.tenants, false)
        }
        TenantCommand::Show(t) => {
            let info = client(&t.conn)?.tenant(&t.name).await?;
            show(&[info], t.conn.json)
        }
        TenantCommand::RotateKek(t) => {
            let r = client(&t.conn)?.rotate_kek(&t.name).await?;
            if t.conn.json {
                return output::json(&r);
            }
            output::text(&format!(
                "Tenant {} KEK rotated{}: generation {}; {} key version(s) and {} TOTP secret(s) re-sealed; the old KEK is deleted.\n",
                r.tenant,
                if r.resumed {
                    " (a pending rotation finished)"
                } else {
                    ""
                },
                r.kek_generation,
                r.versions_resealed,
                r.mfa_secrets_resealed
            ))
        }
        TenantCommand::Settings(SettingsCommand::Get(t)) => {
            output::json(&client(&t.conn)?.tenant_settings(&t.name).await?)
        }
        TenantCommand::Settings(SettingsCommand::Set { tenant, file }) => {
            let settings: TenantSettings = read_json(&file)?;
            let stored = client(&tenant.conn)?
                .set_tenant_settings(&tenant.name, &settings)
                .await?;
            output::json(&stored)
        }
    }
}

/// Reads a JSON file ('-' for standard input) as `T`.
pub(super) fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T, CliError> {
    let bytes = read_input(path)?;
    serde_json::from_slice(&bytes).map_err(|source| CliError::Json {
        path: path.to_owned(),
        source,
    })
}

fn show(tenants: &[TenantInfo], json: bool) -> Result<(), CliError> {
    if json {
        return match tenants {
            [one] => output::json(one),
            many => output::json(many),
        };
    }
    let rows: Vec<Vec<String>> = tenants
        .iter()
        .map(|t| {
            vec![
                t.name.to_string(),
                t.id.to_string(),
                t.created_at.to_string(),
            ]
        })
        .collect();
    output::table(&["NAME", "ID", "CREATED"], &rows)
}
