//! `keyhold audit verify --file FILE --public-key KEY`: an export checked
//! offline, with the audit public key alone (no server, no MAC key), by
//! `keyhold_crypto::audit_verify::verify_offline`: the chain from event 1,
//! every checkpoint's signature and link, and a last event covered by a
//! checkpoint (so a cut tail is found).
//!
//! Each line is parsed through the API views' conversions into the core
//! types, so the canonical bytes (and hence the links) are the server's. A
//! line that does not parse is reported as `malformed`, with its number.
//! The copy is held in memory while it is checked.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use keyhold_api::audit::{ExportLine, VerifyReport};
use keyhold_core::audit::{AuditEvent, ChainHead, Checkpoint, verify_chain};
use keyhold_crypto::audit_chain::AuditChain;
use keyhold_crypto::audit_signing::PUBLIC_KEY_LEN;
use keyhold_crypto::audit_verify::verify_offline;

use super::CliError;

/// The events and checkpoints of an export, or the number of the first
/// line that is neither.
type Parsed = Result<(Vec<AuditEvent>, Vec<Checkpoint>), usize>;

/// Verifies the export in `path` under `public_key` (base64 or hex): the
/// report, and the number of the malformed line when that is the problem.
pub(super) fn verify_file(
    path: &Path,
    public_key: &str,
) -> Result<(VerifyReport, Option<usize>), CliError> {
    let public_key = parse_public_key(public_key)?;
    let file = File::open(path).map_err(|source| CliError::File {
        what: "cannot read",
        path: path.to_owned(),
        source,
    })?;
    match read_export(BufReader::new(file), path)? {
        Ok((events, checkpoints)) => Ok((report(&events, &checkpoints, &public_key), None)),
        Err(line) => {
            let report = VerifyReport::broken(ChainHead::GENESIS, 0, 0, None, "malformed");
            Ok((report, Some(line)))
        }
    }
}

/// Every line of an export, parsed; blank lines are skipped.
fn read_export(reader: impl BufRead, path: &Path) -> Result<Parsed, CliError> {
    let (mut events, mut checkpoints) = (Vec::new(), Vec::new());
    for (i, line) in reader.lines().enumerate() {
        let line = line.map_err(|source| CliError::File {
            what: "cannot read",
            path: path.to_owned(),
            source,
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let parsed = serde_json::from_str::<ExportLine>(&line)
            .ok()
            .and_then(|l| match l {
                ExportLine::Event(v) => AuditEvent::try_from(v).ok().map(|e| events.push(e)),
                ExportLine::Checkpoint(v) => {
                    Checkpoint::try_from(v).ok().map(|c| checkpoints.push(c))
                }
            });
        if parsed.is_none() {
            return Ok(Err(i.saturating_add(1)));
        }
    }
    Ok(Ok((events, checkpoints)))
}

/// The offline verification's report.
fn report(events: &[AuditEvent], checkpoints: &[Checkpoint], public_key: &[u8]) -> VerifyReport {
    match verify_offline(events, checkpoints, public_key) {
        Ok(h) => VerifyReport::verified(h.head, h.events, h.checkpoints),
        Err(b) => {
            let (head, verified) = verified_prefix(events);
            VerifyReport::broken(head, verified, 0, Some(b.seq), b.kind.as_str())
        }
    }
}

/// The end of the longest prefix of `events` whose chain verifies, and its
/// length.
fn verified_prefix(events: &[AuditEvent]) -> (ChainHead, u64) {
    let chain = AuditChain::offline();
    let mut head = ChainHead::GENESIS;
    let mut verified = 0u64;
    for e in events {
        match verify_chain(std::iter::once(e), &chain, head) {
            Ok(next) => {
                head = next;
                verified = verified.saturating_add(1);
            }
            Err(_) => break,
        }
    }
    (head, verified)
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
        let parsed = read_export(text.as_bytes(), Path::new("x")).unwrap();
        assert_eq!(parsed.unwrap_err(), 2);
        let empty = read_export("".as_bytes(), Path::new("x")).unwrap().unwrap();
        assert!(empty.0.is_empty() && empty.1.is_empty());
    }
}
