//! `keyhold audit verify --file FILE --public-key KEY`: an export checked
//! offline, with the audit public key alone (no server, no MAC key), by
//! `keyhold_crypto::audit_verify::verify_offline`: the chain from event 1,
//! every checkpoint's signature and link, and a last event covered by a
//! checkpoint (so a cut tail is found).
//!
//! Each line is parsed through the API views' conversions into the core
//! types, so the canonical bytes (and hence the links) are the server's. A
//! line that does not parse is reported as `malformed`, with its number.
//! The file is read twice, never held in memory: a first pass parses every
//! line and keeps the checkpoints (one per thousand events by default), a
//! second streams the events through an `OfflineVerifier`.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use keyhold_api::audit::{ExportLine, VerifyReport};
use keyhold_core::audit::{AuditEvent, ChainHead, Checkpoint};
use keyhold_crypto::audit_signing::PUBLIC_KEY_LEN;
use keyhold_crypto::audit_verify::{OfflineBreak, OfflineVerifier};

use super::CliError;

/// What a line of an export holds.
enum Line {
    Event(Box<AuditEvent>),
    Checkpoint(Checkpoint),
    Blank,
}

/// One line of an export, parsed; `None` when it is neither an event, a
/// checkpoint nor blank.
fn parse_line(line: &str) -> Option<Line> {
    if line.trim().is_empty() {
        return Some(Line::Blank);
    }
    match serde_json::from_str::<ExportLine>(line).ok()? {
        ExportLine::Event(v) => AuditEvent::try_from(v)
            .ok()
            .map(|e| Line::Event(Box::new(e))),
        ExportLine::Checkpoint(v) => Checkpoint::try_from(v).ok().map(Line::Checkpoint),
    }
}

/// Verifies the export in `path` under `public_key` (base64 or hex): the
/// report, and the number of the malformed line when that is the problem.
pub(super) fn verify_file(
    path: &Path,
    public_key: &str,
) -> Result<(VerifyReport, Option<usize>), CliError> {
    let public_key = parse_public_key(public_key)?;
    let checkpoints = match read_checkpoints(open(path)?, path)? {
        Ok(checkpoints) => checkpoints,
        Err(line) => {
            let report = VerifyReport::broken(ChainHead::GENESIS, 0, 0, None, "malformed");
            return Ok((report, Some(line)));
        }
    };
    let mut verifier = OfflineVerifier::new(checkpoints, &public_key);
    for line in open(path)?.lines() {
        let line = line.map_err(|source| unreadable(path, source))?;
        if let Some(Line::Event(event)) = parse_line(&line) {
            if let Err(b) = verifier.push(&event) {
                return Ok((broken(&verifier, &b), None));
            }
        }
    }
    let (head, verified) = verifier.verified();
    let report = match verifier.finish() {
        Ok(h) => VerifyReport::verified(h.head, h.events, h.checkpoints),
        Err(b) => VerifyReport::broken(head, verified, 0, Some(b.seq), b.kind.as_str()),
    };
    Ok((report, None))
}

/// The report of a break in the chain, after the events verified before it.
fn broken(verifier: &OfflineVerifier<'_>, b: &OfflineBreak) -> VerifyReport {
    let (head, verified) = verifier.verified();
    VerifyReport::broken(head, verified, 0, Some(b.seq), b.kind.as_str())
}

fn open(path: &Path) -> Result<BufReader<File>, CliError> {
    File::open(path)
        .map(BufReader::new)
        .map_err(|source| CliError::File {
            what: "cannot read",
            path: path.to_owned(),
            source,
        })
}

fn unreadable(path: &Path, source: std::io::Error) -> CliError {
    CliError::File {
        what: "cannot read",
        path: path.to_owned(),
        source,
    }
}

/// The checkpoints of an export after parsing every line, or the number of
/// the first line that does not parse.
fn read_checkpoints(
    reader: impl BufRead,
    path: &Path,
) -> Result<Result<Vec<Checkpoint>, usize>, CliError> {
    let mut checkpoints = Vec::new();
    for (i, line) in reader.lines().enumerate() {
        let line = line.map_err(|source| unreadable(path, source))?;
        match parse_line(&line) {
            Some(Line::Checkpoint(c)) => checkpoints.push(c),
            Some(Line::Event(_) | Line::Blank) => {}
            None => return Ok(Err(i.saturating_add(1))),
        }
    }
    Ok(Ok(checkpoints))
}

/// A raw 32-byte Ed25519 public key from base64 or hex text.
fn parse_public_key(text: &str) -> Result<Vec<u8>, CliError> {
    let text = text.trim();
    let bytes = if text.len() == 2 * PUBLIC_KEY_LEN && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        hex::decode(text).ok()
    } else {
        STANDARD.decode(text).ok()
    };
    match bytes {
        Some(b) if b.len() == PUBLIC_KEY_LEN => Ok(b),
        _ => Err(CliError::InvalidArg {
            arg: "public-key",
            reason: "expected a 32-byte Ed25519 public key in base64 (as `keyhold audit \
                     public-key` prints it) or hex"
                .into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_keys_are_base64_or_hex_of_32_bytes() {
        let raw = [7u8; 32];
        assert_eq!(parse_public_key(&STANDARD.encode(raw)).unwrap(), raw);
        assert_eq!(parse_public_key(&hex::encode(raw)).unwrap(), raw);
        assert_eq!(
            parse_public_key(&format!(" {}\n", hex::encode(raw))).unwrap(),
            raw
        );
        for bad in [
            "",
            "abc",
            &STANDARD.encode([7u8; 31]),
            &hex::encode([7u8; 33]),
        ] {
            assert!(parse_public_key(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_line_that_is_not_an_export_line_is_named() {
        let text = "\n{\"checkpoint\":{\"seq\":1}}\n";
        let parsed = read_checkpoints(text.as_bytes(), Path::new("x")).unwrap();
        assert_eq!(parsed.unwrap_err(), 2);
        let empty = read_checkpoints("".as_bytes(), Path::new("x"))
            .unwrap()
            .unwrap();
        assert!(empty.is_empty());
    }
}
