//! `keyhold bench`: a load generator. Over HTTP it drives the server with
//! hyper's low-level client (one keep-alive connection per worker, or
//! streams on HTTP/2 connections), bodies serialized once before the clock
//! starts; `--in-process` runs the same cryptography on the provider alone.
//! Either way it prints ops/s, latency percentiles (HDR histogram) and
//! errors. It measures; it never asserts a speed.

mod error;
mod http;
mod in_process;
mod kmip;
mod record;
mod setup;
mod summary;
mod target;
mod work;

pub(crate) use error::BenchError;
use keyhold_core::Algorithm;
use keyhold_crypto::SignatureScheme;

use self::summary::{Mode, RunInfo, Summary};
use super::{CliError, client};
use crate::cli::{BenchArgs, BenchOp};

/// Runs `keyhold bench`.
pub(crate) async fn run(args: BenchArgs) -> Result<(), CliError> {
    let algorithm = algorithm(args.op, args.algorithm)?;
    let mut info = RunInfo {
        op: args.op,
        algorithm,
        mode: Mode::Http1,
        concurrency: args.connections,
        streams: 1,
        payload: args.payload,
        keys: args.keys,
        duration: args.duration,
    };
    let recorded = if args.in_process {
        let threads = in_process::threads();
        info.mode = Mode::InProcess;
        info.concurrency = u32::try_from(threads).unwrap_or(u32::MAX);
        let alg = algorithm.ok_or(BenchError::NotInProcess {
            op: args.op.as_str(),
        })?;
        let (op, payload, keys) = (args.op, args.payload, args.keys);
        let window = (args.warmup, args.duration);
        tokio::task::spawn_blocking(move || {
            in_process::run(op, alg, payload, keys, threads, window)
        })
        .await
        .map_err(BenchError::Worker)??
    } else if args.op == BenchOp::KmipEncrypt {
        info.mode = Mode::KmipTls;
        let load = http::Load {
            connections: args.connections,
            streams: 1,
            warmup: args.warmup,
            duration: args.duration,
        };
        kmip::run(&args, load).await?
    } else {
        if args.http2 {
            info.mode = Mode::Http2;
            info.streams = args.streams;
        }
        over_http(&args, algorithm).await?
    };
    Summary::new(info, &recorded).print(args.conn.json)
}

async fn over_http(
    args: &BenchArgs,
    algorithm: Option<Algorithm>,
) -> Result<record::Recorder, CliError> {
    if args.conn.request.mfa.is_some() || args.conn.request.approval.is_some() {
        return Err(CliError::InvalidArg {
            arg: "--mfa/--approval",
            reason: "a benchmark sends many requests; a TOTP code or an approval is good for one"
                .into(),
        });
    }
    let target = target::Target::new(&args.conn, args.http2)?;
    let work = setup::work(&client(&args.conn)?, &target, args, algorithm).await?;
    let load = http::Load {
        connections: args.connections,
        streams: args.streams,
        warmup: args.warmup,
        duration: args.duration,
    };
    Ok(http::run(target, work, load).await?)
}

/// The key algorithm for `op`: `--algorithm` or the operation's default,
/// refused when the operation cannot use it; `None` for health.
fn algorithm(op: BenchOp, given: Option<Algorithm>) -> Result<Option<Algorithm>, BenchError> {
    let Some(alg) = given.or(op.default_algorithm()) else {
        return Ok(None);
    };
    let fits = match op {
        BenchOp::Health => return Ok(None),
        BenchOp::CreateKey => true,
        BenchOp::Encrypt | BenchOp::Decrypt | BenchOp::GenerateDataKey => {
            matches!(alg, Algorithm::Aes256Gcm | Algorithm::ChaCha20Poly1305)
        }
        BenchOp::KmipEncrypt => alg == Algorithm::Aes256Gcm,
        BenchOp::Sign | BenchOp::Verify => SignatureScheme::default_for(alg).is_ok(),
        BenchOp::Mac => matches!(
            alg,
            Algorithm::HmacSha256 | Algorithm::HmacSha384 | Algorithm::HmacSha512
        ),
    };
    match fits {
        true => Ok(Some(alg)),
        false => Err(BenchError::AlgorithmMismatch {
            op: op.as_str(),
            algorithm: alg,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_operation_gets_its_default_algorithm() {
        assert_eq!(algorithm(BenchOp::Health, None).unwrap(), None);
        let default = |op| algorithm(op, None).unwrap();
        assert_eq!(default(BenchOp::Encrypt), Some(Algorithm::Aes256Gcm));
        assert_eq!(default(BenchOp::Sign), Some(Algorithm::EcdsaP256));
        assert_eq!(default(BenchOp::Mac), Some(Algorithm::HmacSha256));
        let given = algorithm(BenchOp::Verify, Some(Algorithm::Ed25519)).unwrap();
        assert_eq!(given, Some(Algorithm::Ed25519));
    }

    #[test]
    fn an_algorithm_the_operation_cannot_use_is_refused_by_name() {
        for (op, alg) in [
            (BenchOp::Encrypt, Algorithm::EcdsaP256),
            (BenchOp::Sign, Algorithm::Aes256Gcm),
            (BenchOp::Verify, Algorithm::MlKem768),
            (BenchOp::Mac, Algorithm::Aes256Gcm),
            (BenchOp::GenerateDataKey, Algorithm::HmacSha256),
        ] {
            let err = algorithm(op, Some(alg)).unwrap_err();
            assert!(err.to_string().contains(alg.as_str()), "{err}");
            assert!(err.to_string().contains(op.as_str()), "{err}");
        }
    }
}
