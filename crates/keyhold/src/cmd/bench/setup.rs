//! Before the clock starts: create the keys (through the REST client), and
//! build the one request each key gets, replaying a ciphertext or a
//! signature made here for decrypt and verify.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use keyhold_api::b64::{Base64, SecretBase64};
use keyhold_api::crypto::{GenerateDataKeyRequest, MacRequest, SignRequest, VerifyRequest};
use keyhold_api::keys::{CreateKeyRequest, DecryptRequest, EncryptRequest};
use keyhold_client::{Client, ClientError};
use keyhold_core::{Algorithm, KeyName, KeyRef};

use super::BenchError;
use super::target::Target;
use super::work::{Template, Work};
use crate::cli::{BenchArgs, BenchOp, SecretArg};

/// The data key length for `generate-data-key`.
const DATA_KEY_BYTES: u32 = 32;

/// Prepares the run's requests: `algorithm` is `Some` for every operation
/// with keys.
pub(crate) async fn work(
    client: &Client,
    target: &Target,
    args: &BenchArgs,
    algorithm: Option<Algorithm>,
) -> Result<Work, BenchError> {
    let token = args.conn.token.as_ref().map(SecretArg::expose);
    let algorithm = match (args.op, algorithm) {
        (BenchOp::Health, _) | (_, None) => {
            let health = Template::get(target, "/v1/sys/health")?;
            return Work::fixed(target, token, vec![health]);
        }
        (_, Some(a)) => a,
    };
    if args.op == BenchOp::CreateKey {
        let prefix = format!("bench-create-key-{}", run_suffix());
        return Work::create_keys(target, token, prefix, algorithm);
    }
    let names = keys(client, args, algorithm).await?;
    let data = payload(args.payload);
    let mut templates = Vec::with_capacity(names.len());
    for name in names {
        templates.push(template(client, target, args.op, name, &data).await?);
    }
    Work::fixed(target, token, templates)
}

/// `--payload` bytes of data (their value does not matter).
pub(crate) fn payload(len: u32) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

/// A suffix that makes this run's key names unique.
pub(super) fn run_suffix() -> String {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    format!("{millis:x}{:x}", std::process::id())
}

/// The name of key `i`: `bench-<op>-<algorithm>-<i>`, with a run-unique
/// suffix before `<i>` unless reused.
fn key_name(op: BenchOp, algorithm: Algorithm, i: u32, suffix: Option<&str>) -> String {
    let (op, alg) = (op.as_str(), algorithm.as_str());
    match suffix {
        Some(s) => format!("bench-{op}-{alg}-{s}-{i}"),
        None => format!("bench-{op}-{alg}-{i}"),
    }
}

/// Creates the `--keys` keys, or with `--reuse` finds them (creating the
/// missing ones).
async fn keys(
    client: &Client,
    args: &BenchArgs,
    algorithm: Algorithm,
) -> Result<Vec<KeyName>, BenchError> {
    let suffix = (!args.reuse).then(run_suffix);
    let mut names = Vec::new();
    for i in 0..args.keys {
        let text = key_name(args.op, algorithm, i, suffix.as_deref());
        let name: KeyName = text
            .parse()
            .map_err(|_| BenchError::KeyPrefix { prefix: text })?;
        let existing = match args.reuse {
            true => client.key(&KeyRef::Name(name.clone())).await.ok(),
            false => None,
        };
        if existing.is_none_or(|k| k.algorithm != algorithm) {
            let req = CreateKeyRequest::new(name.clone(), algorithm);
            client
                .create_key(&req)
                .await
                .map_err(setup("creating the keys"))?;
        }
        names.push(name);
    }
    Ok(names)
}

fn setup(step: &'static str) -> impl Fn(ClientError) -> BenchError {
    move |source| BenchError::Setup { step, source }
}

/// The request for one key.
async fn template(
    client: &Client,
    target: &Target,
    op: BenchOp,
    name: KeyName,
    data: &[u8],
) -> Result<Template, BenchError> {
    let path = |verb: &str| format!("/v1/keys/{}/{verb}", name.as_str());
    let key = KeyRef::Name(name.clone());
    let message = || Base64(data.to_vec());
    let encrypt = || EncryptRequest {
        plaintext: SecretBase64(data.to_vec()),
        context: BTreeMap::new(),
    };
    match op {
        BenchOp::Encrypt => Template::post(target, &path("encrypt"), &encrypt()),
        BenchOp::Decrypt => {
            let sealed = client.encrypt(&key, &encrypt()).await;
            let req = DecryptRequest {
                ciphertext: sealed
                    .map_err(setup("encrypting the ciphertext"))?
                    .ciphertext,
                context: BTreeMap::new(),
            };
            Template::post(target, &path("decrypt"), &req)
        }
        BenchOp::GenerateDataKey => {
            let req = GenerateDataKeyRequest {
                bytes: DATA_KEY_BYTES,
                context: BTreeMap::new(),
                include_plaintext: true,
            };
            Template::post(target, &path("generate-data-key"), &req)
        }
        BenchOp::Sign => Template::post(target, &path("sign"), &sign_request(message())),
        BenchOp::Verify => {
            let signed = client.sign(&key, &sign_request(message())).await;
            let req = VerifyRequest {
                message: Some(message()),
                digest: None,
                signature: signed.map_err(setup("signing the message"))?.signature,
                scheme: None,
                version: None,
            };
            Template::post(target, &path("verify"), &req)
        }
        BenchOp::Mac => Template::post(target, &path("mac"), &MacRequest { data: message() }),
        BenchOp::Health | BenchOp::CreateKey | BenchOp::KmipEncrypt => {
            Err(BenchError::NotKeyed { op: op.as_str() })
        }
    }
}

fn sign_request(message: Base64) -> SignRequest {
    SignRequest {
        message: Some(message),
        digest: None,
        scheme: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_names_are_valid_and_unique_per_run_unless_reused() {
        let a = key_name(BenchOp::Sign, Algorithm::Rsa2048, 3, Some("18c1f"));
        assert_eq!(a, "bench-sign-rsa-2048-18c1f-3");
        assert!(a.parse::<KeyName>().is_ok());
        let reused = key_name(BenchOp::GenerateDataKey, Algorithm::Aes256Gcm, 0, None);
        assert_eq!(reused, "bench-generate-data-key-aes-256-gcm-0");
        assert!(run_suffix().chars().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn the_payload_has_the_asked_length() {
        assert_eq!(payload(64).len(), 64);
        assert_eq!(payload(1).len(), 1);
        assert_ne!(payload(300).get(251), payload(300).get(250));
    }
}
