//! Where the OASIS vectors are and which ones the runner replays.

use std::path::{Path, PathBuf};

/// A KMIP version directory of the vectors.
pub const VERSIONS: [&str; 2] = ["v1.4", "v2.1"];

/// The two kinds of test case of the KMIP Profiles.
pub const KINDS: [&str; 2] = ["mandatory", "optional"];

/// The families the issue asks to pass: Baseline, Symmetric and Asymmetric Key
/// Lifecycle, Basic and Advanced Cryptographic, RNG and Query.
pub const TARGET_FAMILIES: [&str; 7] = ["BL", "SKLC", "AKLC", "CS-BC", "CS-AC", "CS-RNG", "QS"];

/// Vector families that test something keyhold does not offer, and why.
const NOT_APPLICABLE: [(&str, &str); 3] = [
    (
        "MSGENC-HTTPS",
        "KMIP over HTTPS; keyhold speaks binary TTLV over TLS only",
    ),
    (
        "MSGENC-JSON",
        "the JSON message encoding over HTTPS; keyhold speaks binary TTLV over TLS only",
    ),
    (
        "MSGENC-XML",
        "the XML message encoding over HTTPS; keyhold speaks binary TTLV over TLS only",
    ),
];

/// One vector file.
#[derive(Clone, Debug)]
pub struct Vector {
    /// The test case name, e.g. `BL-M-1-21`.
    pub name: String,
    /// `v1.4` or `v2.1`.
    pub version: &'static str,
    /// `mandatory` or `optional`.
    pub kind: &'static str,
    /// The file.
    pub path: PathBuf,
}

impl Vector {
    /// The family: the name before `-M-` or `-O-` (`CS-BC`, `SKLC`, ...).
    pub fn family(&self) -> &str {
        ["-M-", "-O-"]
            .iter()
            .find_map(|sep| self.name.split_once(sep))
            .map_or(self.name.as_str(), |(family, _)| family)
    }

    /// Why the runner does not replay this vector, if it does not.
    pub fn not_applicable(&self) -> Option<&'static str> {
        NOT_APPLICABLE
            .iter()
            .find(|(family, _)| *family == self.family())
            .map(|(_, reason)| *reason)
    }

    /// Whether the vector is in a family the issue asks to pass.
    pub fn targeted(&self) -> bool {
        TARGET_FAMILIES.contains(&self.family())
    }
}

/// `../shared/kmip-vectors` from the project root; `None` (after a loud message) when it
/// is absent outside CI.
///
/// # Panics
/// When it is absent and the environment variable `CI` is set.
pub fn root() -> Option<PathBuf> {
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
        "\n*** SKIPPED: the KMIP conformance runner found no vectors at {} ***\n",
        dir.display()
    );
    None
}

/// Every vector file under `root`, by version, kind and name.
///
/// # Errors
/// When a vector directory cannot be read.
pub fn all(root: &Path) -> std::io::Result<Vec<Vector>> {
    let mut vectors = Vec::new();
    for version in VERSIONS {
        for kind in KINDS {
            for path in xml_files(&root.join(version).join(kind))? {
                let name = path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                vectors.push(Vector {
                    name,
                    version,
                    kind,
                    path,
                });
            }
        }
    }
    Ok(vectors)
}

/// The `.xml` files of a directory, sorted by name as people sort: `BL-M-2` before
/// `BL-M-10`.
fn xml_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "xml") {
            files.push(path);
        }
    }
    files.sort_by_key(|p| natural_key(&p.to_string_lossy()));
    Ok(files)
}

/// A sort key comparing runs of digits by value.
pub fn natural_key(text: &str) -> Vec<(String, u64)> {
    let mut key = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let split = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let (word, tail) = rest.split_at(split);
        let digits = tail
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(tail.len());
        let (number, tail) = tail.split_at(digits);
        key.push((word.to_owned(), number.parse().unwrap_or(0)));
        rest = tail;
    }
    key
}
