//! `keyhold key sign|verify|mac|mac-verify|generate-data-key|reencrypt|
//! encapsulate|decapsulate` and `keyhold random`. Data comes from `--in`
//! (standard input by default); binary answers are printed as base64, or
//! the whole answer as JSON with `--json`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use keyhold_api::b64::Base64;
use keyhold_api::crypto::{
    DecapsulateRequest, GenerateDataKeyRequest, MacRequest, MacVerifyRequest, ReencryptRequest,
    SignRequest, VerifyRequest,
};
use keyhold_core::{KeyRef, VersionNumber};
use zeroize::Zeroizing;

use super::key::read_input;
use super::{CliError, client, pairs};
use crate::cli::{Conn, CryptoCommand, DataArgs, InputArg, IoArgs, RandomArgs, SignedArgs};
use crate::output;

/// Runs a cryptographic key command.
pub(crate) async fn run(cmd: CryptoCommand) -> Result<(), CliError> {
    match cmd {
        CryptoCommand::Sign {
            conn,
            io,
            signed,
            key,
        } => sign(conn, io, signed, key).await,
        CryptoCommand::Verify {
            conn,
            input,
            signed,
            signature,
            version,
            key,
        } => verify(conn, input, signed, &signature, version, key).await,
        CryptoCommand::Mac { conn, io, key } => mac(conn, io, key).await,
        CryptoCommand::MacVerify {
            conn,
            input,
            mac,
            version,
            key,
        } => mac_verify(conn, input, &mac, version, key).await,
        CryptoCommand::GenerateDataKey {
            conn,
            bytes,
            context,
            no_plaintext,
            key,
        } => generate_data_key(conn, bytes, &context, no_plaintext, key).await,
        CryptoCommand::Reencrypt {
            conn,
            data,
            to,
            to_context,
            key,
        } => reencrypt(conn, data, to, &to_context, key).await,
        CryptoCommand::Encapsulate { conn, key } => encapsulate(conn, key).await,
        CryptoCommand::Decapsulate {
            conn,
            io,
            version,
            key,
        } => decapsulate(conn, io, version, key).await,
    }
}

/// `keyhold random --bytes N`.
pub(crate) async fn random(args: RandomArgs) -> Result<(), CliError> {
    let resp = client(&args.conn)?.random(args.bytes).await?;
    if args.conn.json {
        return output::json(&resp);
    }
    output::text(&base64_text("", &resp.random.0))
}

async fn sign(conn: Conn, io: IoArgs, signed: SignedArgs, key: KeyRef) -> Result<(), CliError> {
    let data = Base64(read_input(&io.input)?.to_vec());
    let (message, digest) = split(signed.digest, data);
    let req = SignRequest {
        message,
        digest,
        scheme: signed.scheme,
    };
    let resp = client(&conn)?.sign(&key, &req).await?;
    if conn.json {
        return output::json(&resp);
    }
    base64_line(io, &resp.signature.0)
}

async fn verify(
    conn: Conn,
    input: InputArg,
    signed: SignedArgs,
    signature: &str,
    version: Option<VersionNumber>,
    key: KeyRef,
) -> Result<(), CliError> {
    let data = Base64(read_input(&input.input)?.to_vec());
    let (message, digest) = split(signed.digest, data);
    let req = VerifyRequest {
        message,
        digest,
        signature: Base64(decode("signature", signature.as_bytes())?),
        scheme: signed.scheme,
        version,
    };
    let resp = client(&conn)?.verify(&key, &req).await?;
    verdict(conn.json, &resp, resp.valid, "signature")
}

async fn mac(conn: Conn, io: IoArgs, key: KeyRef) -> Result<(), CliError> {
    let req = MacRequest {
        data: Base64(read_input(&io.input)?.to_vec()),
    };
    let resp = client(&conn)?.mac(&key, &req).await?;
    if conn.json {
        return output::json(&resp);
    }
    base64_line(io, &resp.mac.0)
}

async fn mac_verify(
    conn: Conn,
    input: InputArg,
    tag: &str,
    version: Option<VersionNumber>,
    key: KeyRef,
) -> Result<(), CliError> {
    let req = MacVerifyRequest {
        data: Base64(read_input(&input.input)?.to_vec()),
        mac: Base64(decode("mac", tag.as_bytes())?),
        version,
    };
    let resp = client(&conn)?.mac_verify(&key, &req).await?;
    verdict(conn.json, &resp, resp.valid, "MAC")
}

async fn generate_data_key(
    conn: Conn,
    bytes: u32,
    context: &[String],
    no_plaintext: bool,
    key: KeyRef,
) -> Result<(), CliError> {
    let req = GenerateDataKeyRequest {
        bytes,
        context: pairs("context", context)?,
        include_plaintext: !no_plaintext,
    };
    let resp = client(&conn)?.generate_data_key(&key, &req).await?;
    if conn.json {
        return output::json(&resp);
    }
    output::text(&base64_text("ciphertext: ", &resp.ciphertext.0))?;
    match &resp.plaintext {
        Some(p) => output::text(&base64_text("plaintext: ", &p.0)),
        None => Ok(()),
    }
}

async fn encapsulate(conn: Conn, key: KeyRef) -> Result<(), CliError> {
    let resp = client(&conn)?.encapsulate(&key).await?;
    if conn.json {
        return output::json(&resp);
    }
    output::text(&base64_text("ciphertext: ", &resp.ciphertext.0))?;
    output::text(&base64_text("shared_secret: ", &resp.shared_secret.0))?;
    output::text(&format!("version: {}\n", resp.version))
}

async fn reencrypt(
    conn: Conn,
    data: DataArgs,
    to: Option<KeyRef>,
    to_context: &[String],
    key: KeyRef,
) -> Result<(), CliError> {
    let ciphertext = decode("ciphertext", &read_input(&data.input)?)?;
    let req = ReencryptRequest {
        ciphertext: Base64(ciphertext),
        context: pairs("context", &data.context)?,
        destination_key: to,
        destination_context: if to_context.is_empty() {
            None
        } else {
            Some(pairs("to-context", to_context)?)
        },
    };
    let resp = client(&conn)?.reencrypt(&key, &req).await?;
    if conn.json {
        return output::json(&resp);
    }
    let text = format!("{}\n", STANDARD.encode(&resp.ciphertext.0));
    output::bytes(data.output.as_deref(), text.as_bytes())
}

async fn decapsulate(
    conn: Conn,
    io: IoArgs,
    version: Option<VersionNumber>,
    key: KeyRef,
) -> Result<(), CliError> {
    let req = DecapsulateRequest {
        ciphertext: Base64(decode("ciphertext", &read_input(&io.input)?)?),
        version,
    };
    let resp = client(&conn)?.decapsulate(&key, &req).await?;
    if conn.json {
        return output::json(&resp);
    }
    base64_line(io, &resp.shared_secret.0)
}

/// The input as the message, or (with `--digest`) as the digest.
fn split(digest: bool, data: Base64) -> (Option<Base64>, Option<Base64>) {
    if digest {
        (None, Some(data))
    } else {
        (Some(data), None)
    }
}

/// Prints whether a signature or MAC verified; an invalid one fails the command.
fn verdict<T: serde::Serialize>(
    json: bool,
    resp: &T,
    valid: bool,
    what: &'static str,
) -> Result<(), CliError> {
    if json {
        output::json(resp)?;
    } else {
        output::text(if valid { "valid\n" } else { "invalid\n" })?;
    }
    if valid {
        Ok(())
    } else {
        Err(CliError::NotValid { what })
    }
}

/// Writes `bytes` as one line of base64 to `--out` or standard output.
fn base64_line(io: IoArgs, bytes: &[u8]) -> Result<(), CliError> {
    output::bytes(io.output.as_deref(), base64_text("", bytes).as_bytes())
}

/// `label`, `bytes` in base64 and a newline, in a string wiped when dropped
/// (the bytes may be a secret: a data key, a shared secret). Sized up front
/// so no copy is left behind by a reallocation.
fn base64_text(label: &str, bytes: &[u8]) -> Zeroizing<String> {
    let mut text = Zeroizing::new(String::with_capacity(
        label.len() + bytes.len().div_ceil(3) * 4 + 1,
    ));
    text.push_str(label);
    STANDARD.encode_string(bytes, &mut text);
    text.push('\n');
    text
}

/// Decodes base64 text, ignoring whitespace (a trailing newline, wrapping).
fn decode(arg: &'static str, text: &[u8]) -> Result<Vec<u8>, CliError> {
    let compact: Vec<u8> = text
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    STANDARD.decode(&compact).map_err(|_| CliError::InvalidArg {
        arg,
        reason: "expected base64".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_input_may_be_wrapped() {
        assert_eq!(decode("x", b"aGVs\nbG8=\n").unwrap(), b"hello");
        assert!(matches!(
            decode("x", b"%%%"),
            Err(CliError::InvalidArg { arg: "x", .. })
        ));
    }

    #[test]
    fn base64_text_is_sized_exactly() {
        for len in [0, 1, 2, 3, 32, 100] {
            let t = base64_text("label: ", &vec![7; len]);
            // The reserved length is exactly what is written: no reallocation.
            assert_eq!(t.len(), 7 + len.div_ceil(3) * 4 + 1, "{len}");
            assert!(t.starts_with("label: ") && t.ends_with('\n'));
        }
    }

    #[test]
    fn digest_flag_chooses_the_field() {
        let (m, d) = split(true, Base64(vec![1]));
        assert!(m.is_none() && d.is_some());
        let (m, d) = split(false, Base64(vec![1]));
        assert!(m.is_some() && d.is_none());
    }
}
