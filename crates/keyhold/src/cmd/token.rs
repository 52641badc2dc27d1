//! `keyhold token ...`.

use keyhold_api::access::{CreateTokenRequest, ListTokensQuery, TokenInfo};

use super::principal::more;
use super::{CliError, client};
use crate::cli::{CreateTokenArgs, TokenCommand};
use crate::output;

/// Runs a token command.
pub(crate) async fn run(cmd: TokenCommand) -> Result<(), CliError> {
    match cmd {
        TokenCommand::Create(args) => create(args).await,
        TokenCommand::List {
            conn,
            principal,
            page,
        } => {
            let q = ListTokensQuery {
                principal,
                limit: page.limit,
                cursor: page.cursor,
            };
            let list = client(&conn)?.list_tokens(&q).await?;
            if conn.json {
                return output::json(&list);
            }
            show(&list.tokens)?;
            more(list.next_cursor)
        }
        TokenCommand::Revoke { conn, id } => {
            let info = client(&conn)?.revoke_token(id).await?;
            if conn.json {
                return output::json(&info);
            }
            show(&[info])
        }
    }
}

async fn create(args: CreateTokenArgs) -> Result<(), CliError> {
    let req = CreateTokenRequest {
        principal: args.principal,
        ttl_secs: args.ttl,
        source_cidrs: args.cidrs,
        description: args.description,
    };
    let created = client(&args.conn)?.create_token(&req).await?;
    if args.conn.json {
        return output::json(&created);
    }
    let expires = created
        .info
        .expires_at
        .map_or_else(|| "never".to_owned(), |t| t.to_string());
    output::text(&format!(
        "Token: {}\n\nId: {}\nPrincipal: {}\nExpires: {expires}\n\n\
         This is the only time the token is shown: the server keeps only its hash.\n",
        created.token.expose(),
        created.info.id,
        created.info.principal,
    ))
}

fn show(tokens: &[TokenInfo]) -> Result<(), CliError> {
    let opt =
        |t: Option<keyhold_core::Timestamp>| t.map_or_else(|| "-".to_owned(), |t| t.to_string());
    let rows: Vec<Vec<String>> = tokens
        .iter()
        .map(|t| {
            let cidrs: Vec<String> = t.source_cidrs.iter().map(ToString::to_string).collect();
            vec![
                t.id.to_string(),
                t.principal.to_string(),
                t.created_at.to_string(),
                opt(t.expires_at),
                if cidrs.is_empty() {
                    "any".to_owned()
                } else {
                    cidrs.join(",")
                },
                opt(t.revoked_at),
            ]
        })
        .collect();
    output::table(
        &[
            "ID",
            "PRINCIPAL",
            "CREATED",
            "EXPIRES",
            "SOURCES",
            "REVOKED",
        ],
        &rows,
    )
}
