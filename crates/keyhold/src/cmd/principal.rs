//! `keyhold principal ...`.

use keyhold_api::access::{
    BindCertificateRequest, CertificateInfo, CreatePrincipalRequest, PageQuery, PrincipalInfo,
    UpdatePrincipalRequest,
};

use super::key::read_input;
use super::{CliError, client};
use crate::cli::{
    CreatePrincipalArgs, PageArgs, PrincipalArgs, PrincipalCommand, UpdatePrincipalArgs,
};
use crate::output;

/// Runs a principal command.
pub(crate) async fn run(cmd: PrincipalCommand) -> Result<(), CliError> {
    match cmd {
        PrincipalCommand::Create(args) => create(args).await,
        PrincipalCommand::List { conn, page } => list(conn, page).await,
        PrincipalCommand::Show(p) => {
            let info = client(&p.conn)?.principal(&p.name).await?;
            show(&[info], p.conn.json)
        }
        PrincipalCommand::Update(args) => update(args).await,
        PrincipalCommand::Delete(p) => {
            client(&p.conn)?.delete_principal(&p.name).await?;
            output::text(&format!("Deleted principal {}.\n", p.name))
        }
        PrincipalCommand::Grant(g) => {
            let c = client(&g.principal.conn)?;
            let info = c.grant_role(&g.principal.name, &g.role).await?;
            show(&[info], g.principal.conn.json)
        }
        PrincipalCommand::Revoke(g) => {
            let c = client(&g.principal.conn)?;
            let info = c.revoke_role(&g.principal.name, &g.role).await?;
            show(&[info], g.principal.conn.json)
        }
        PrincipalCommand::BindCert(args) => {
            let pem_text = |path: &std::path::Path| {
                read_input(path).map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            };
            let s = args.source;
            let req = match (s.fingerprint, s.subject, s.pem, s.subject_of) {
                (Some(f), ..) => BindCertificateRequest::Fingerprint(f),
                (_, Some(dn), ..) => BindCertificateRequest::Subject(dn),
                (_, _, Some(path), _) => BindCertificateRequest::Pem(pem_text(&path)?),
                (.., Some(path)) => BindCertificateRequest::SubjectOfPem(pem_text(&path)?),
                (None, None, None, None) => {
                    return Err(CliError::InvalidArg {
                        arg: "certificate",
                        reason: "give --fingerprint, --subject, --pem or --subject-of".into(),
                    });
                }
            };
            let p = &args.principal;
            let info = client(&p.conn)?.bind_certificate(&p.name, &req).await?;
            certs(&[info], p.conn.json)
        }
        PrincipalCommand::Certs(p) => {
            let list = client(&p.conn)?.certificates(&p.name).await?;
            if p.conn.json {
                return output::json(&list);
            }
            certs(&list.certificates, false)
        }
        PrincipalCommand::UnbindCert {
            principal,
            reference,
        } => {
            let c = client(&principal.conn)?;
            c.unbind_certificate(&principal.name, &reference).await?;
            output::text(&format!("Unbound {reference} from {}.\n", principal.name))
        }
    }
}

async fn create(args: CreatePrincipalArgs) -> Result<(), CliError> {
    let CreatePrincipalArgs {
        principal: PrincipalArgs { conn, name },
        kind,
        description,
        roles,
        policies,
    } = args;
    let req = CreatePrincipalRequest {
        name,
        kind,
        description,
        roles: roles.into_iter().collect(),
        policies: policies.into_iter().collect(),
    };
    let info = client(&conn)?.create_principal(&req).await?;
    show(&[info], conn.json)
}

async fn list(conn: crate::cli::Conn, page: PageArgs) -> Result<(), CliError> {
    let q = PageQuery {
        limit: page.limit,
        cursor: page.cursor,
    };
    let list = client(&conn)?.list_principals(&q).await?;
    if conn.json {
        return output::json(&list);
    }
    show(&list.principals, false)?;
    more(list.next_cursor)
}

async fn update(args: UpdatePrincipalArgs) -> Result<(), CliError> {
    let disabled = match (args.disable, args.enable) {
        (true, _) => Some(true),
        (_, true) => Some(false),
        _ => None,
    };
    let req = UpdatePrincipalRequest {
        description: args.description,
        disabled,
        policies: args.policies.map(|p| p.into_iter().collect()),
        global_admin: args.global_admin,
    };
    let p = &args.principal;
    let info = client(&p.conn)?.update_principal(&p.name, &req).await?;
    show(&[info], p.conn.json)
}

/// Tells how to get the next page, if there is one.
pub(super) fn more(cursor: Option<String>) -> Result<(), CliError> {
    match cursor {
        Some(c) => output::text(&format!("\nmore: --cursor {c}\n")),
        None => Ok(()),
    }
}

fn joined<T: ToString>(items: impl IntoIterator<Item = T>) -> String {
    let all: Vec<String> = items.into_iter().map(|i| i.to_string()).collect();
    if all.is_empty() {
        "-".to_owned()
    } else {
        all.join(",")
    }
}

fn show(principals: &[PrincipalInfo], json: bool) -> Result<(), CliError> {
    if json {
        return match principals {
            [one] => output::json(one),
            many => output::json(many),
        };
    }
    let rows: Vec<Vec<String>> = principals
        .iter()
        .map(|p| {
            vec![
                p.name.to_string(),
                p.kind.to_string(),
                joined(&p.roles),
                joined(&p.policies),
                if p.disabled { "disabled" } else { "enabled" }.to_owned(),
                p.id.to_string(),
            ]
        })
        .collect();
    output::table(
        &["NAME", "KIND", "ROLES", "POLICIES", "STATUS", "ID"],
        &rows,
    )
}

fn certs(list: &[CertificateInfo], json: bool) -> Result<(), CliError> {
    if json {
        return match list {
            [one] => output::json(one),
            many => output::json(many),
        };
    }
    let rows: Vec<Vec<String>> = list.iter().map(|c| vec![c.reference.clone()]).collect();
    output::table(&["REF"], &rows)
}
