//! KMIP conformance: replays the OASIS KMIP 1.4 and 2.1 test vectors
//! (`../shared/kmip-vectors` beside the project root, mandatory and optional)
//! against the real binary over mutual TLS, one connection per vector file,
//! and compares every answer with the vector's expected response (see
//! `conformance/compare.rs` for what is compared loosely).
//!
//! The gate is `kmip_conformance.expected`: a vector listed there that fails
//! fails the test; a vector that passes and is not listed is announced. The
//! results table goes to `$CARGO_TARGET_TMPDIR/kmip-conformance.md`; with
//! `KEYHOLD_KMIP_CONFORMANCE_WRITE=1` the run also rewrites the expected file
//! and the table in `docs/kmip.md`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
mod conformance;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

use conformance::replay::{self, Outcome};
use conformance::report::{self, Record};
use conformance::vectors::{self, Vector};

/// The expected-results file.
fn expected_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/kmip_conformance.expected")
}

/// The page whose conformance section is generated.
fn docs_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/kmip.md")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oasis_vectors_against_a_live_server() {
    let Some(root) = vectors::root() else { return };
    let all = vectors::all(&root).unwrap();
    assert!(all.len() > 100, "only {} vector files", all.len());
    let started = Instant::now();
    let records = replay_all(all).await;
    eprintln!(
        "replayed {} vectors in {:.1} s",
        records.len(),
        started.elapsed().as_secs_f64()
    );
    let table = report::markdown(&records);
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("kmip-conformance.md");
    std::fs::write(&out, &table).unwrap();
    eprintln!("results table: {}", out.display());
    let regressions = gate(&records);
    if std::env::var_os("KEYHOLD_KMIP_CONFORMANCE_WRITE").is_some() {
        rewrite(&records, &table);
        return;
    }
    assert_eq!(
        regressions, 0,
        "{regressions} KMIP vectors expected to pass now fail"
    );
}

/// Every vector, in order: one server per KMIP version, since the 1.4 and 2.1
/// vectors use the same object names and some files use the objects an earlier
/// file of their family left (the tape library cases).
async fn replay_all(all: Vec<Vector>) -> Vec<Record> {
    let mut records = Vec::new();
    for version in vectors::VERSIONS {
        let these = all.iter().filter(|v| v.version == version).cloned();
        records.extend(replay_on_one_server(these.collect()).await);
    }
    records
}

/// The vectors in order against a fresh server.
async fn replay_on_one_server(vectors: Vec<Vector>) -> Vec<Record> {
    let dir = tempfile::tempdir().unwrap();
    let pki = common::kmip::pki(dir.path());
    let (_server, addr) = common::kmip::ready_server(dir.path(), &pki).await;
    let mut generated = BTreeSet::new();
    let mut records = Vec::new();
    for vector in vectors {
        let outcome = match vector.not_applicable() {
            Some(reason) => Outcome::NotApplicable(reason),
            None => replay::run(&vector, &addr, &pki, &mut generated).await,
        };
        records.push(Record { vector, outcome });
    }
    records
}

/// Counts (and prints) the listed vectors that failed; announces passing
/// vectors not listed.
fn gate(records: &[Record]) -> usize {
    let text = std::fs::read_to_string(expected_path()).unwrap_or_default();
    let expected = report::parse_expected(&text);
    let unknown = report::unknown(records, &expected);
    assert!(unknown.is_empty(), "not vectors: {unknown:?}");
    let passing = report::passing(records);
    let new: Vec<&String> = passing.difference(&expected).collect();
    if !new.is_empty() {
        eprintln!(
            "\n*** {} KMIP vectors now pass but are not in {}: add them \
             (KEYHOLD_KMIP_CONFORMANCE_WRITE=1 rewrites it and docs/kmip.md):\n    {}\n",
            new.len(),
            expected_path().display(),
            new.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")
        );
    }
    let regressions = report::regressions(records, &expected);
    for record in &regressions {
        if let Outcome::Fail(failure) = &record.outcome {
            eprintln!("REGRESSION {}: {}", record.vector.name, failure.line());
        }
    }
    regressions.len()
}

/// Rewrites the expected file and the generated section of `docs/kmip.md`.
fn rewrite(records: &[Record], table: &str) {
    let names = report::passing(records);
    std::fs::write(expected_path(), report::expected_text(&names)).unwrap();
    let doc = std::fs::read_to_string(docs_path()).unwrap();
    let spliced = report::splice(&doc, table).expect("conformance markers in docs/kmip.md");
    std::fs::write(docs_path(), spliced).unwrap();
    eprintln!("rewrote {} and docs/kmip.md", expected_path().display());
}
