//! `keyhold policy ...` and `keyhold role ...`.

use keyhold_api::access::{
    CreatePolicyRequest, CreateRoleRequest, PageQuery, PolicyInfo, RoleInfo, UpdatePolicyRequest,
};
use keyhold_core::policy::StatementSpec;
use serde::Deserialize;

use super::principal::more;
use super::tenant::read_json;
use super::{CliError, client};
use crate::cli::{PolicyBody, PolicyCommand, RoleCommand};
use crate::output;

/// A policy file: an array of statements, or an object with them.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum PolicyFile {
    Statements(Vec<StatementSpec>),
    Object(UpdatePolicyRequest),
}

/// The description and statements of `body`.
fn read_body(body: &PolicyBody) -> Result<UpdatePolicyRequest, CliError> {
    let mut req = match read_json::<PolicyFile>(&body.file)? {
        PolicyFile::Statements(statements) => UpdatePolicyRequest {
            description: String::new(),
            statements,
        },
        PolicyFile::Object(req) => req,
    };
    if let Some(d) = &body.description {
        req.description.clone_from(d);
    }
    Ok(req)
}

/// Runs a policy command.
pub(crate) async fn run(cmd: PolicyCommand) -> Result<(), CliError> {
    match cmd {
        PolicyCommand::Create { policy, body } => {
            let UpdatePolicyRequest {
                description,
                statements,
            } = read_body(&body)?;
            let req = CreatePolicyRequest {
                name: policy.name,
                description,
                statements,
            };
            let info = client(&policy.conn)?.create_policy(&req).await?;
            show(&[info], policy.conn.json)
        }
        PolicyCommand::List { conn, page } => {
            let q = PageQuery {
                limit: page.limit,
                cursor: page.cursor,
            };
            let list = client(&conn)?.list_policies(&q).await?;
            if conn.json {
                return output::json(&list);
            }
            show(&list.policies, false)?;
            more(list.next_cursor)
        }
        PolicyCommand::Show(p) => {
            let info = client(&p.conn)?.policy(&p.name).await?;
            if p.conn.json {
                return output::json(&info);
            }
            show(std::slice::from_ref(&info), false)?;
            output::json(&info.statements)
        }
        PolicyCommand::Update { policy, body } => {
            let req = read_body(&body)?;
            let info = client(&policy.conn)?
                .update_policy(&policy.name, &req)
                .await?;
            show(&[info], policy.conn.json)
        }
        PolicyCommand::Delete(p) => {
            client(&p.conn)?.delete_policy(&p.name).await?;
            output::text(&format!("Deleted policy {}.\n", p.name))
        }
    }
}

fn show(policies: &[PolicyInfo], json: bool) -> Result<(), CliError> {
    if json {
        return match policies {
            [one] => output::json(one),
            many => output::json(many),
        };
    }
    let rows: Vec<Vec<String>> = policies
        .iter()
        .map(|p| {
            vec![
                p.name.to_string(),
                p.statements.len().to_string(),
                p.description.clone(),
                p.updated_at.to_string(),
            ]
        })
        .collect();
    output::table(&["NAME", "STATEMENTS", "DESCRIPTION", "UPDATED"], &rows)
}

/// Runs a role command.
pub(crate) async fn run_role(cmd: RoleCommand) -> Result<(), CliError> {
    match cmd {
        RoleCommand::List { conn } => {
            let list = client(&conn)?.list_roles().await?;
            if conn.json {
                return output::json(&list);
            }
            show_roles(&list.roles, false)
        }
        RoleCommand::Show(r) => {
            let info = client(&r.conn)?.role(&r.name).await?;
            if r.conn.json {
                return output::json(&info);
            }
            show_roles(std::slice::from_ref(&info), false)?;
            let grants: Vec<String> = if info.builtin {
                info.actions.iter().map(ToString::to_string).collect()
            } else {
                info.policies.iter().map(ToString::to_string).collect()
            };
            output::text(&format!("\n{}\n", grants.join("\n")))
        }
        RoleCommand::Create {
            role,
            description,
            policies,
        } => {
            let req = CreateRoleRequest {
                name: role.name,
                description,
                policies: policies.into_iter().collect(),
            };
            let info = client(&role.conn)?.create_role(&req).await?;
            show_roles(&[info], role.conn.json)
        }
        RoleCommand::Delete(r) => {
            client(&r.conn)?.delete_role(&r.name).await?;
            output::text(&format!("Deleted role {}.\n", r.name))
        }
    }
}

fn show_roles(roles: &[RoleInfo], json: bool) -> Result<(), CliError> {
    if json {
        return match roles {
            [one] => output::json(one),
            many => output::json(many),
        };
    }
    let rows: Vec<Vec<String>> = roles
        .iter()
        .map(|r| {
            let (kind, grants) = if r.builtin {
                ("built-in", format!("{} actions", r.actions.len()))
            } else {
                ("custom", format!("{} policies", r.policies.len()))
            };
            vec![
                r.name.to_string(),
                kind.to_owned(),
                grants,
                r.description.clone(),
            ]
        })
        .collect();
    output::table(&["NAME", "KIND", "GRANTS", "DESCRIPTION"], &rows)
}
