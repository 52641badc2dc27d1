//! Output for people (aligned tables) and for scripts (`--json`).

use std::io::Write as _;

use serde::Serialize;

use crate::cmd::CliError;

/// Prints `value` as pretty JSON.
pub(crate) fn json<T: Serialize + ?Sized>(value: &T) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(value).map_err(CliError::Encode)?;
    text_line(&text)
}

/// Prints text as is.
pub(crate) fn text(s: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    out.write_all(s.as_bytes()).map_err(stdout_err)
}

fn text_line(s: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{s}").map_err(stdout_err)
}

/// Writes raw bytes to a file or standard output.
pub(crate) fn bytes(path: Option<&std::path::Path>, data: &[u8]) -> Result<(), CliError> {
    match path {
        Some(p) => std::fs::write(p, data).map_err(|source| CliError::File {
            what: "cannot write",
            path: p.to_owned(),
            source,
        }),
        None => std::io::stdout().lock().write_all(data).map_err(stdout_err),
    }
}

/// Prints an aligned table.
pub(crate) fn table(headers: &[&str], rows: &[Vec<String>]) -> Result<(), CliError> {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut text = String::new();
    let mut line = |cells: &mut dyn Iterator<Item = &str>| {
        let parts: Vec<String> = cells
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        text.push_str(parts.join("  ").trim_end());
        text.push('\n');
    };
    line(&mut headers.iter().copied());
    for row in rows {
        line(&mut row.iter().map(String::as_str));
    }
    self::text(&text)
}

fn stdout_err(source: std::io::Error) -> CliError {
    CliError::File {
        what: "cannot write",
        path: "-".into(),
        source,
    }
}
