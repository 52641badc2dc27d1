//! `keyhold operator backup`, `backup verify` and `restore`: the server
//! seals and opens the root-key layer; the optional passphrase layer is
//! sealed and opened here, so the passphrase never leaves this machine.

use std::path::Path;

use keyhold_api::backup::BackupReport;
use keyhold_crypto::SOFTWARE;
use keyhold_crypto::SecretBytes;
use keyhold_crypto::backup::{
    Argon2Params, Header, LayerHeader, OpenWith, Passphrase, SealWith, open_all, seal_all,
};

use super::{CliError, client};
use crate::cli::{BackupArgs, BackupCommand, BackupFileArgs, Conn, PassphraseArg};
use crate::output;

/// `keyhold operator backup [--out FILE | verify FILE]`.
pub(crate) async fn backup(args: BackupArgs) -> Result<(), CliError> {
    if let Some(BackupCommand::Verify { file, passphrase }) = args.verify {
        if args.out.is_some() {
            return Err(CliError::InvalidArg {
                arg: "--out",
                reason: "verify writes nothing".into(),
            });
        }
        return verify(&args.conn, &file, &passphrase).await;
    }
    let out = args.out.ok_or(CliError::InvalidArg {
        arg: "--out",
        reason: "where to write the backup is required".into(),
    })?;
    let passphrase = read_passphrase(&args.passphrase)?;
    let inner = client(&args.conn)?.backup().await?;
    let file = match &passphrase {
        Some(p) => seal_all(
            &SOFTWARE,
            SealWith::Passphrase(p, Argon2Params::DEFAULT),
            &inner,
        )
        .map_err(CliError::Backup)?,
        None => inner,
    };
    write_new(&out, &file)?;
    let layers = if passphrase.is_some() {
        "root key + passphrase"
    } else {
        "root key"
    };
    output::text(&format!(
        "Backup written to {} ({} bytes, sealed under: {layers}).\n",
        out.display(),
        file.len()
    ))
}

/// `keyhold operator backup verify FILE`.
async fn verify(conn: &Conn, file: &Path, passphrase: &PassphraseArg) -> Result<(), CliError> {
    let inner = inner_file(file, passphrase)?;
    let report = client(conn)?.verify_backup(inner).await?;
    print_report("Backup verified", &report, conn.json)
}

/// `keyhold operator restore FILE`: onto a running server, or held by an
/// uninitialized one until the backup's unseal shares are given.
pub(crate) async fn restore(args: BackupFileArgs) -> Result<(), CliError> {
    let inner = inner_file(&args.file, &args.passphrase)?;
    let client = client(&args.conn)?;
    if !client.seal_status().await?.initialized {
        let status = client.init_restore(inner).await?;
        if args.conn.json {
            return output::json(&status);
        }
        return output::text(
            "The uninitialized server holds the backup. Give the unseal shares of the server \
             it came from (keyhold operator unseal, once per share): when enough are given it \
             restores the backup and is unsealed.\n",
        );
    }
    let report = client.restore(inner).await?;
    print_report("Backup restored", &report, args.conn.json)
}

/// The root-key layer of the file: opened from the passphrase layer here
/// when there is one.
fn inner_file(path: &Path, passphrase: &PassphraseArg) -> Result<Vec<u8>, CliError> {
    let file = std::fs::read(path).map_err(|source| CliError::File {
        what: "cannot read",
        path: path.to_owned(),
        source,
    })?;
    let passphrase = read_passphrase(passphrase)?;
    let layer = Header::parse(&file)
        .map_err(CliError::Backup)?
        .map(|(h, _)| h.layer);
    match (layer, passphrase) {
        (Some(LayerHeader::Passphrase { .. }), Some(p)) => {
            open_all(OpenWith::Passphrase(&p), &file)
                .map(|(inner, _)| inner.to_vec())
                .map_err(CliError::Backup)
        }
        (Some(LayerHeader::Passphrase { .. }), None) => Err(CliError::InvalidArg {
            arg: "--passphrase-file",
            reason: "this backup has a passphrase layer: give the passphrase file".into(),
        }),
        (Some(LayerHeader::Root { .. }), Some(_)) => Err(CliError::InvalidArg {
            arg: "--passphrase-file",
            reason: "this backup has no passphrase layer".into(),
        }),
        // No header at all: the server says what is wrong.
        _ => Ok(file),
    }
}

/// The passphrase in the file, without one trailing newline; never empty.
fn read_passphrase(arg: &PassphraseArg) -> Result<Option<Passphrase>, CliError> {
    let Some(path) = &arg.passphrase_file else {
        return Ok(None);
    };
    let mut bytes = std::fs::read(path).map_err(|source| CliError::File {
        what: "cannot read",
        path: path.clone(),
        source,
    })?;
    for end in [b'\n', b'\r'] {
        if bytes.last() == Some(&end) {
            bytes.pop();
        }
    }
    if bytes.is_empty() {
        return Err(CliError::InvalidArg {
            arg: "--passphrase-file",
            reason: "the passphrase is empty".into(),
        });
    }
    Ok(Some(Passphrase::new(SecretBytes::new(bytes))))
}

/// Writes `bytes` to the new file `path` (mode 0600).
fn write_new(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
        .map_err(|source| CliError::File {
            what: "cannot write",
            path: path.to_owned(),
            source,
        })
}

fn print_report(title: &str, r: &BackupReport, json: bool) -> Result<(), CliError> {
    if json {
        return output::json(r);
    }
    output::text(&format!(
        "{title}: format v{}, backup key {} (epoch {}), {} chunks, {} bytes of database, \
         {} tenants, audit trail up to event {}.\nsha256: {}\n",
        r.format_version,
        r.key_id,
        r.key_epoch,
        r.chunks,
        r.bytes,
        r.tenants,
        r.audit_head,
        r.sha256
    ))
}
