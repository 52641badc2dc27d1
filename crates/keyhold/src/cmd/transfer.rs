//! `keyhold key import-token | import | export`.
//!
//! `import --material FILE` is bring-your-own-key in one command: it asks
//! the server for an import token, wraps the file's key material locally to
//! the token's public key (`keyhold_crypto::transfer`: RSA-OAEP-SHA-256 +
//! AES-KWP, or ML-KEM-768 + AES-KWP), and sends only the wrapped blob.
//! `export` writes the wrapped blob it gets back; unwrapping it is the
//! recipient's business, with their own private key, which never comes near
//! this CLI.

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use keyhold_api::b64::Base64;
use keyhold_api::keys::KeyInfo;
use keyhold_api::transfer::{
    ExportKeyRequest, ImportKeyRequest, ImportTokenId, ImportTokenRequest, WrappingAlgorithm,
};
use keyhold_client::Client;
use keyhold_core::{Algorithm, KeyKind};
use keyhold_crypto::transfer::TransportScheme;
use zeroize::Zeroizing;

use super::key::{parse_usage, read_input, show};
use super::{CliError, client, pairs};
use crate::cli::{ExportArgs, ImportArgs, ImportTokenArgs};
use crate::output;

/// `keyhold key import-token`.
pub(super) async fn import_token(args: ImportTokenArgs) -> Result<(), CliError> {
    let req = ImportTokenRequest {
        algorithm: None,
        wrapping_key_spec: args.wrapping_key_spec,
    };
    let resp = client(&args.conn)?.import_token(&req).await?;
    if let Some(path) = &args.public_key_out {
        output::bytes(Some(path), &resp.public_key.0)?;
    }
    if args.conn.json {
        return output::json(&resp);
    }
    output::table(
        &["IMPORT TOKEN", "ALGORITHM", "KEY SPEC", "EXPIRES"],
        &[vec![
            resp.import_token.to_string(),
            resp.algorithm.to_string(),
            resp.wrapping_key_spec.to_string(),
            resp.expires_at.to_string(),
        ]],
    )
}

/// `keyhold key import`.
pub(super) async fn import(args: ImportArgs) -> Result<(), CliError> {
    let client = client(&args.conn)?;
    let (import_token, wrapped) = match (&args.material, &args.wrapped, args.import_token) {
        (Some(file), None, None) => wrap_to_new_token(&client, &args, file).await?,
        (None, Some(file), Some(token)) => (token, read_input(file)?.to_vec()),
        _ => {
            return Err(CliError::InvalidArg {
                arg: "material",
                reason: "give --material FILE, or --wrapped FILE with --import-token".into(),
            });
        }
    };
    let req = ImportKeyRequest {
        name: args.name,
        algorithm: args.algorithm,
        usage: parse_usage(&args.usage)?,
        description: args.description,
        tags: pairs("tag", &args.tags)?,
        exportable: args.exportable,
        import_token,
        wrapped_material: Base64(wrapped),
    };
    let key: KeyInfo = client.import_key(&req).await?;
    show(&[key], args.conn.json)
}

/// Gets an import token and wraps the material file to it.
async fn wrap_to_new_token(
    client: &Client,
    args: &ImportArgs,
    file: &Path,
) -> Result<(ImportTokenId, Vec<u8>), CliError> {
    let material = material(args.algorithm, &read_input(file)?)?;
    let req = ImportTokenRequest {
        algorithm: None,
        wrapping_key_spec: args.wrapping_key_spec,
    };
    let token = client.import_token(&req).await?;
    let wrapped = keyhold_crypto::transfer::wrap(
        &keyhold_crypto::software(),
        scheme(token.algorithm),
        &token.public_key.0,
        &material,
    )
    .map_err(CliError::Wrap)?;
    Ok((token.import_token, wrapped))
}

/// The material as the server reads it: a PEM "PRIVATE KEY" (PKCS#8) of an
/// asymmetric algorithm is decoded to DER; anything else is sent as is.
fn material(algorithm: Algorithm, file: &[u8]) -> Result<Zeroizing<Vec<u8>>, CliError> {
    if algorithm.kind() == KeyKind::Asymmetric {
        if let Some(der) = pem(file, "PRIVATE KEY", "material")? {
            return Ok(der);
        }
    }
    Ok(Zeroizing::new(file.to_vec()))
}

/// `keyhold key export`.
pub(super) async fn export(args: ExportArgs) -> Result<(), CliError> {
    let file = read_input(&args.wrapping_key)?;
    let wrapping_key = match pem(&file, "PUBLIC KEY", "wrapping key")? {
        Some(der) => der.to_vec(),
        None => file.to_vec(),
    };
    let req = ExportKeyRequest {
        wrapping_key: Base64(wrapping_key),
        wrapping_algorithm: args.wrapping_algorithm,
        version: args.version,
    };
    let resp = client(&args.conn)?.export_key(&args.key, &req).await?;
    if let Some(path) = &args.output {
        return output::bytes(Some(path), &resp.wrapped_material.0);
    }
    if args.conn.json {
        return output::json(&resp);
    }
    let text = format!("{}\n", STANDARD.encode(&resp.wrapped_material.0));
    output::text(&text)
}

/// The crypto scheme of a wire wrapping algorithm.
fn scheme(algorithm: WrappingAlgorithm) -> TransportScheme {
    match algorithm {
        WrappingAlgorithm::RsaOaepSha256AesKwp => TransportScheme::RsaOaepSha256AesKwp,
        WrappingAlgorithm::MlKem768AesKwp => TransportScheme::MlKem768AesKwp,
    }
}

/// The DER inside a PEM block labelled `label` (RFC 7468), `None` when the
/// file is not PEM. A PEM block with another label is refused.
fn pem(
    file: &[u8],
    label: &str,
    arg: &'static str,
) -> Result<Option<Zeroizing<Vec<u8>>>, CliError> {
    let Ok(text) = std::str::from_utf8(file) else {
        return Ok(None);
    };
    let text = text.trim();
    if !text.starts_with("-----BEGIN ") {
        return Ok(None);
    }
    let invalid = |reason: String| CliError::InvalidArg { arg, reason };
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let body = text
        .strip_prefix(begin.as_str())
        .and_then(|rest| rest.strip_suffix(end.as_str()))
        .ok_or_else(|| invalid(format!("expected one PEM block labelled {label:?}")))?;
    let b64: Zeroizing<String> =
        Zeroizing::new(body.chars().filter(|c| !c.is_whitespace()).collect());
    STANDARD
        .decode(b64.as_bytes())
        .map(|der| Some(Zeroizing::new(der)))
        .map_err(|_| invalid("the PEM block is not valid base64".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_blocks_are_decoded_and_other_files_pass_through() {
        let pem_text = "-----BEGIN PUBLIC KEY-----\nAAEC\nAwQ=\n-----END PUBLIC KEY-----\n";
        let der = pem(pem_text.as_bytes(), "PUBLIC KEY", "k")
            .unwrap()
            .unwrap();
        assert_eq!(der.as_slice(), &[0, 1, 2, 3, 4]);
        assert!(
            pem(&[0x30, 0x82, 0xff], "PUBLIC KEY", "k")
                .unwrap()
                .is_none()
        );
        assert!(pem(b"raw text key", "PUBLIC KEY", "k").unwrap().is_none());
    }

    #[test]
    fn wrong_labels_and_bad_base64_are_refused() {
        let rsa = "-----BEGIN RSA PRIVATE KEY-----\nAAEC\n-----END RSA PRIVATE KEY-----";
        assert!(matches!(
            pem(rsa.as_bytes(), "PRIVATE KEY", "material"),
            Err(CliError::InvalidArg {
                arg: "material",
                ..
            })
        ));
        let bad = "-----BEGIN PUBLIC KEY-----\n@@@@\n-----END PUBLIC KEY-----";
        assert!(pem(bad.as_bytes(), "PUBLIC KEY", "k").is_err());
    }

    #[test]
    fn symmetric_material_is_never_pem_decoded() {
        let pem_text = b"-----BEGIN PRIVATE KEY-----\nAAEC\n-----END PRIVATE KEY-----";
        let raw = material(Algorithm::Aes256Gcm, pem_text).unwrap();
        assert_eq!(raw.as_slice(), pem_text);
        let der = material(Algorithm::Ed25519, pem_text).unwrap();
        assert_eq!(der.as_slice(), &[0, 1, 2]);
    }
}
