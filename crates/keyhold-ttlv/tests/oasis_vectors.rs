//! Replays every request and response message of every OASIS KMIP 1.4 and 2.1 test vector
//! (`../shared/kmip-vectors` beside the project root): XML → tree → binary → tree, and
//! tree → XML → tree and tree → JSON → tree, comparing trees each time.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use keyhold_ttlv::{ItemType, Limits, Placeholders, Tag, Ttlv, Value, decode, encode, json, xml};

/// A fixed stand-in for `$NOW`.
const NOW: i64 = 1_700_000_000;

/// Resolves the vectors' placeholders to fixed values so that the trees compare equal.
struct FixedValues;

impl Placeholders for FixedValues {
    fn resolve(&self, _tag: Tag, ty: ItemType, text: &str) -> Option<Value> {
        match ty {
            ItemType::DateTime => {
                let offset = match text.strip_prefix("$NOW")? {
                    "" => 0,
                    rest => rest.parse::<i64>().ok()?,
                };
                Some(Value::DateTime(NOW + offset))
            }
            ItemType::ByteString => Some(Value::ByteString(text.as_bytes().to_vec())),
            _ => None,
        }
    }
}

fn vectors_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/kmip-vectors");
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI is set but the KMIP test vectors are missing at {}",
        dir.display()
    );
    eprintln!(
        "\n*** SKIPPING the OASIS KMIP vector test: {} does not exist ***\n",
        dir.display()
    );
    None
}

fn xml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .collect();
    files.sort();
    files
}

/// Every way one message must survive; the first failure, described.
fn replay(message: &str) -> Result<Ttlv, String> {
    let limits = Limits::DEFAULT;
    let tree = xml::to_ttlv_with(message, &limits, Some(&FixedValues))
        .map_err(|e| format!("XML parse: {e}"))?;
    if tree.tag != Tag::REQUEST_MESSAGE && tree.tag != Tag::RESPONSE_MESSAGE {
        return Err(format!("top element is {}", tree.tag));
    }
    let bytes = encode(&tree).map_err(|e| format!("encode: {e}"))?;
    let back = decode(&bytes, &limits).map_err(|e| format!("binary decode: {e}"))?;
    if back != tree {
        return Err("binary round trip changed the tree".into());
    }
    let text = xml::from_ttlv(&tree);
    let again =
        xml::to_ttlv_with(&text, &limits, None).map_err(|e| format!("XML re-parse: {e}"))?;
    if again != tree {
        return Err("XML round trip changed the tree".into());
    }
    let text = json::from_ttlv(&tree);
    let again = json::to_ttlv_with(&text, &limits, None).map_err(|e| format!("JSON parse: {e}"))?;
    if again != tree {
        return Err("JSON round trip changed the tree".into());
    }
    Ok(tree)
}

#[derive(Default)]
struct Counts {
    files: usize,
    requests: usize,
    responses: usize,
    failures: Vec<String>,
}

#[test]
fn every_oasis_vector_message_round_trips() {
    let Some(root) = vectors_dir() else { return };
    let mut report: BTreeMap<String, Counts> = BTreeMap::new();
    for version in ["v1.4", "v2.1"] {
        for kind in ["mandatory", "optional"] {
            let dir = root.join(version).join(kind);
            let counts = report.entry(format!("{version}/{kind}")).or_default();
            for file in xml_files(&dir) {
                counts.files += 1;
                let name = file.file_name().unwrap().to_string_lossy().into_owned();
                let document = std::fs::read_to_string(&file).unwrap();
                let messages = xml::split_messages(&document).unwrap();
                assert!(!messages.is_empty(), "{name}: no messages");
                for (i, message) in messages.iter().enumerate() {
                    match replay(message) {
                        Ok(tree) if tree.tag == Tag::REQUEST_MESSAGE => counts.requests += 1,
                        Ok(_) => counts.responses += 1,
                        Err(reason) => counts
                            .failures
                            .push(format!("{name} message {i}: {reason}")),
                    }
                }
            }
        }
    }
    let mut failures = Vec::new();
    for (dir, counts) in &report {
        eprintln!(
            "{dir}: {} files, {} requests and {} responses parsed, {} failed",
            counts.files,
            counts.requests,
            counts.responses,
            counts.failures.len()
        );
        assert!(counts.files > 0, "{dir}: no vector files");
        failures.extend(counts.failures.iter().cloned());
    }
    for failure in &failures {
        eprintln!("  FAILED {failure}");
    }
    assert!(failures.is_empty(), "{} messages failed", failures.len());
}

#[test]
fn vector_messages_fit_the_default_limits_with_room() {
    let Some(root) = vectors_dir() else { return };
    let (mut deepest, mut most_items, mut largest) = (0, 0, 0);
    for dir in [
        "v1.4/mandatory",
        "v1.4/optional",
        "v2.1/mandatory",
        "v2.1/optional",
    ] {
        for file in xml_files(&root.join(dir)) {
            let document = std::fs::read_to_string(&file).unwrap();
            for message in xml::split_messages(&document).unwrap() {
                let Ok(tree) = xml::to_ttlv_with(message, &Limits::DEFAULT, Some(&FixedValues))
                else {
                    continue; // reported by the round-trip test
                };
                deepest = deepest.max(depth(&tree));
                most_items = most_items.max(count(&tree));
                largest = largest.max(encode(&tree).unwrap().len());
            }
        }
    }
    eprintln!("deepest {deepest}, most items {most_items}, largest {largest} bytes");
    let limits = Limits::DEFAULT;
    assert!(deepest * 3 / 2 <= limits.max_depth, "depth {deepest}");
    assert!(most_items * 10 <= limits.max_items, "items {most_items}");
    assert!(largest * 10 <= limits.max_message_bytes, "size {largest}");
}

fn depth(tree: &Ttlv) -> usize {
    1 + tree
        .items()
        .map_or(0, |items| items.iter().map(depth).max().unwrap_or(0))
}

fn count(tree: &Ttlv) -> usize {
    1 + tree
        .items()
        .map_or(0, |items| items.iter().map(count).sum())
}
