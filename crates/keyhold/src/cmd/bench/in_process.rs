//! `--in-process`: the same cryptographic operation straight on the crypto
//! provider (aws-lc-rs), one thread per core, no server: the ceiling the
//! server is measured against.

use std::num::NonZeroUsize;
use std::time::{Duration, Instant};

use keyhold_core::Algorithm;
use keyhold_crypto::{CryptoError, CryptoProvider, KeyMaterial, Sealed, SignatureScheme};
use zeroize::Zeroizing;

use super::BenchError;
use super::record::{Outcome, Recorder, Window};
use super::setup::payload;
use crate::cli::BenchOp;

/// Stands in for the server's AAD (tenant, key, version, context binding).
const AAD: &[u8] = b"keyhold-bench: tenant, key id, version and context binding";
/// The data key length for `generate-data-key`, as over HTTP.
const DATA_KEY_BYTES: usize = 32;

/// The threads to run: one per core.
pub(crate) fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, NonZeroUsize::get)
}

/// What one operation needs, made before the clock starts.
enum Fixture {
    Encrypt(KeyMaterial),
    Decrypt(KeyMaterial, Sealed),
    DataKey(KeyMaterial),
    Sign(KeyMaterial, SignatureScheme),
    Verify {
        algorithm: Algorithm,
        scheme: SignatureScheme,
        public_key: Vec<u8>,
        signature: Vec<u8>,
    },
    Mac(KeyMaterial),
    Generate(Algorithm),
}

impl Fixture {
    fn new(
        p: &CryptoProvider,
        op: BenchOp,
        alg: Algorithm,
        data: &[u8],
    ) -> Result<Self, BenchError> {
        let crypto = |step| move |source| BenchError::Crypto { step, source };
        let material = || p.keygen.generate(alg).map_err(crypto("generating a key"));
        let scheme = || SignatureScheme::default_for(alg).map_err(crypto("choosing a scheme"));
        Ok(match op {
            BenchOp::Health => return Err(BenchError::NotInProcess { op: op.as_str() }),
            // The same cryptography as KMIP Encrypt: its in-process ceiling.
            BenchOp::Encrypt | BenchOp::KmipEncrypt => Self::Encrypt(material()?),
            BenchOp::Decrypt => {
                let key = material()?;
                let sealed = p
                    .aead
                    .encrypt(&key, AAD, data)
                    .map_err(crypto("encrypting"))?;
                Self::Decrypt(key, sealed)
            }
            BenchOp::GenerateDataKey => Self::DataKey(material()?),
            BenchOp::Sign => Self::Sign(material()?, scheme()?),
            BenchOp::Verify => {
                let (key, scheme) = (material()?, scheme()?);
                let signature = p
                    .signatures
                    .sign(&key, scheme, data)
                    .map_err(crypto("signing"))?;
                let public_key = p.keygen.public_key(&key).map_err(crypto("public key"))?;
                let public_key = public_key.ok_or(BenchError::AlgorithmMismatch {
                    op: op.as_str(),
                    algorithm: alg,
                })?;
                Self::Verify {
                    algorithm: alg,
                    scheme,
                    public_key,
                    signature,
                }
            }
            BenchOp::Mac => Self::Mac(material()?),
            BenchOp::CreateKey => Self::Generate(alg),
        })
    }

    /// One operation.
    fn run(&self, p: &CryptoProvider, data: &[u8]) -> Result<(), CryptoError> {
        match self {
            Self::Encrypt(key) => p.aead.encrypt(key, AAD, data).map(drop),
            Self::Decrypt(key, s) => p.aead.decrypt(key, &s.nonce, AAD, &s.ciphertext).map(drop),
            Self::DataKey(key) => {
                let mut data_key = Zeroizing::new([0u8; DATA_KEY_BYTES]);
                p.random.fill(data_key.as_mut_slice())?;
                p.aead.encrypt(key, AAD, data_key.as_slice()).map(drop)
            }
            Self::Sign(key, scheme) => p.signatures.sign(key, *scheme, data).map(drop),
            Self::Verify {
                algorithm,
                scheme,
                public_key,
                signature,
            } => p
                .signatures
                .verify(*algorithm, *scheme, public_key, data, signature),
            Self::Mac(key) => p.mac.compute(key, data).map(drop),
            Self::Generate(alg) => p.keygen.generate(*alg).map(drop),
        }
    }
}

/// Runs `op` on `threads` threads over `keys` keys of `alg` and returns the
/// merged results.
pub(crate) fn run(
    op: BenchOp,
    alg: Algorithm,
    data_len: u32,
    keys: u32,
    threads: usize,
    (warmup, duration): (Duration, Duration),
) -> Result<Recorder, BenchError> {
    let p = keyhold_crypto::software();
    let data = payload(data_len);
    let fixtures = (0..keys)
        .map(|_| Fixture::new(&p, op, alg, &data))
        .collect::<Result<Vec<_>, _>>()?;
    let window = Window::after(warmup, duration);
    let recorders = (0..threads)
        .map(|_| Recorder::new(window))
        .collect::<Result<Vec<_>, _>>()?;
    let results = std::thread::scope(|s| {
        let handles: Vec<_> = recorders
            .into_iter()
            .enumerate()
            .map(|(id, r)| {
                let (p, data, fixtures) = (&p, &data, &fixtures);
                s.spawn(move || worker(p, fixtures, data, id, r))
            })
            .collect();
        handles.into_iter().map(|h| h.join()).collect::<Vec<_>>()
    });
    let mut total = Recorder::new(window)?;
    for result in results {
        total.merge(&result.map_err(|_| BenchError::ThreadPanicked)?)?;
    }
    Ok(total)
}

fn worker(
    p: &CryptoProvider,
    fixtures: &[Fixture],
    data: &[u8],
    id: usize,
    mut recorder: Recorder,
) -> Recorder {
    let end = recorder.window().end;
    let mut turn = id;
    loop {
        let started = Instant::now();
        if started >= end {
            break;
        }
        let outcome = match fixtures.get(turn % fixtures.len().max(1)) {
            Some(f) => match f.run(p, data) {
                Ok(()) => Outcome::Ok,
                Err(_) => Outcome::Operation,
            },
            None => Outcome::Operation,
        };
        recorder.record(started, Instant::now(), outcome);
        turn = turn.wrapping_add(1);
    }
    recorder
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_keyed_operation_runs_on_the_provider() {
        let p = keyhold_crypto::software();
        let data = payload(64);
        for op in [
            BenchOp::Encrypt,
            BenchOp::Decrypt,
            BenchOp::GenerateDataKey,
            BenchOp::Sign,
            BenchOp::Verify,
            BenchOp::Mac,
            BenchOp::CreateKey,
        ] {
            let alg = op.default_algorithm().unwrap();
            let fixture = Fixture::new(&p, op, alg, &data).unwrap();
            fixture.run(&p, &data).unwrap();
        }
    }

    #[test]
    fn a_tampered_fixture_fails_so_errors_would_be_counted() {
        let p = keyhold_crypto::software();
        let data = payload(16);
        let Fixture::Verify {
            algorithm,
            scheme,
            public_key,
            mut signature,
        } = Fixture::new(&p, BenchOp::Verify, Algorithm::Ed25519, &data).unwrap()
        else {
            panic!("not a verify fixture");
        };
        if let Some(b) = signature.first_mut() {
            *b ^= 1;
        }
        let bad = Fixture::Verify {
            algorithm,
            scheme,
            public_key,
            signature,
        };
        assert!(bad.run(&p, &data).is_err());
    }

    #[test]
    fn health_has_no_in_process_form() {
        let p = keyhold_crypto::software();
        let err = Fixture::new(&p, BenchOp::Health, Algorithm::Aes256Gcm, b"x").err();
        assert!(matches!(
            err,
            Some(BenchError::NotInProcess { op: "health" })
        ));
    }

    #[test]
    fn a_short_run_counts_operations_and_no_errors() {
        let window = (Duration::ZERO, Duration::from_millis(50));
        let r = run(BenchOp::Mac, Algorithm::HmacSha256, 32, 2, 2, window).unwrap();
        assert!(!r.latency().is_empty());
        assert_eq!(r.errors().total, 0);
    }
}
