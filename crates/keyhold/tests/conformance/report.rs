//! The results: the regression gate against the expected-results file, the Markdown
//! table that `docs/kmip.md` shows, and the rewrite of both.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::replay::Outcome;
use super::vectors::{KINDS, VERSIONS, Vector, natural_key};

/// Marks the generated part of `docs/kmip.md`.
pub const BEGIN: &str = "<!-- conformance:begin -->";
/// Ends the generated part of `docs/kmip.md`.
pub const END: &str = "<!-- conformance:end -->";

/// One vector and how it ended.
#[derive(Clone, Debug)]
pub struct Record {
    pub vector: Vector,
    pub outcome: Outcome,
}

impl Record {
    fn passed(&self) -> bool {
        matches!(self.outcome, Outcome::Pass)
    }

    /// `pass`, `FAIL` or `n/a`, and the reason.
    fn result(&self) -> (&'static str, String) {
        match &self.outcome {
            Outcome::Pass => ("pass", String::new()),
            Outcome::Fail(failure) => ("FAIL", failure.line()),
            Outcome::NotApplicable(reason) => ("n/a", format!("not applicable: {reason}")),
        }
    }
}

/// The names of the vectors that passed.
pub fn passing(records: &[Record]) -> BTreeSet<String> {
    records
        .iter()
        .filter(|r| r.passed())
        .map(|r| r.vector.name.clone())
        .collect()
}

/// The vector names of an expected-results file: one a line, `#` comments.
pub fn parse_expected(text: &str) -> BTreeSet<String> {
    text.lines()
        .map(|line| line.split('#').next().unwrap_or("").trim())
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The text of an expected-results file listing `names`.
pub fn expected_text(names: &BTreeSet<String>) -> String {
    let mut names: Vec<&String> = names.iter().collect();
    names.sort_by_key(|n| natural_key(n));
    let mut text = String::from(
        "# OASIS KMIP vectors that pass against keyhold (crates/keyhold/tests/kmip_conformance.rs).\n\
         # A vector listed here that fails makes the test fail. Regenerate with\n\
         # KEYHOLD_KMIP_CONFORMANCE_WRITE=1 cargo nextest run -p keyhold --test kmip_conformance\n",
    );
    for name in names {
        let _ = writeln!(text, "{name}");
    }
    text
}

/// The records of vectors expected to pass that did not.
pub fn regressions<'r>(records: &'r [Record], expected: &BTreeSet<String>) -> Vec<&'r Record> {
    records
        .iter()
        .filter(|r| expected.contains(&r.vector.name) && !r.passed())
        .collect()
}

/// Names expected to pass that are not vectors at all.
pub fn unknown<'e>(records: &[Record], expected: &'e BTreeSet<String>) -> Vec<&'e String> {
    let names: BTreeSet<&String> = records.iter().map(|r| &r.vector.name).collect();
    expected.iter().filter(|n| !names.contains(n)).collect()
}

/// The whole generated section: counts, the most common first failures, every vector.
pub fn markdown(records: &[Record]) -> String {
    let mut out = String::new();
    counts(&mut out, records);
    families(&mut out, records);
    common_failures(&mut out, records);
    every_vector(&mut out, records);
    out
}

fn counts(out: &mut String, records: &[Record]) {
    out.push_str("| Vectors | Pass | Fail | Not applicable |\n|---|---|---|---|\n");
    for version in VERSIONS {
        for kind in KINDS {
            let of = |tag: &str| {
                records
                    .iter()
                    .filter(|r| r.vector.version == version && r.vector.kind == kind)
                    .filter(|r| r.result().0 == tag)
                    .count()
            };
            let _ = writeln!(
                out,
                "| {version} {kind} | {} | {} | {} |",
                of("pass"),
                of("FAIL"),
                of("n/a")
            );
        }
    }
    out.push('\n');
}

/// Passes per targeted family, mandatory vectors only.
fn families(out: &mut String, records: &[Record]) {
    let targeted: Vec<&Record> = records
        .iter()
        .filter(|r| r.vector.targeted() && r.vector.kind == "mandatory")
        .collect();
    let passed = targeted.iter().filter(|r| r.passed()).count();
    let _ = writeln!(
        out,
        "Mandatory vectors of the families the first milestone targets: {passed} of {} \
         pass.\n\n| Family | v1.4 | v2.1 |\n|---|---|---|",
        targeted.len()
    );
    for family in super::vectors::TARGET_FAMILIES {
        let cell = |version: &str| {
            let of: Vec<&Record> = records
                .iter()
                .filter(|r| r.vector.family() == family && r.vector.kind == "mandatory")
                .filter(|r| r.vector.version == version)
                .collect();
            let passed = of.iter().filter(|r| r.passed()).count();
            format!("{passed} / {}", of.len())
        };
        let _ = writeln!(out, "| {family} | {} | {} |", cell("v1.4"), cell("v2.1"));
    }
    out.push('\n');
}

/// The first failures of mandatory vectors, grouped by operation and outcome, most
/// frequent first: what to build next.
fn common_failures(out: &mut String, records: &[Record]) {
    let mut groups: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for record in records.iter().filter(|r| r.vector.kind == "mandatory") {
        if let Outcome::Fail(failure) = &record.outcome {
            let key = format!("{}: {}", failure.operation, failure_kind(&failure.detail));
            groups.entry(key).or_default().push(&record.vector.name);
        }
    }
    let mut ranked: Vec<(String, Vec<&str>)> = groups.into_iter().collect();
    ranked.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then_with(|| a.0.cmp(&b.0)));
    out.push_str(
        "First failures of mandatory vectors, most frequent first:\n\n\
         | First failure | Vectors |\n|---|---|\n",
    );
    for (key, names) in ranked {
        let _ = writeln!(out, "| {} | {} |", cell(&key), names.len());
    }
    out.push('\n');
}

/// A failure without the values: the outcome of a failed item (with the server's
/// message), or the path that differs.
fn failure_kind(detail: &str) -> String {
    let Some((path, values)) = detail.split_once(": expected ") else {
        return detail.to_owned();
    };
    match values.strip_suffix(", got nothing") {
        Some(attribute) if attribute.starts_with("Attribute \"") => {
            format!("{path}: {attribute} missing")
        }
        Some(_) => format!("{path} missing"),
        None => format!("{path} differs"),
    }
}

fn every_vector(out: &mut String, records: &[Record]) {
    out.push_str(
        "| Vector | Version | Kind | Result | First difference |\n|---|---|---|---|---|\n",
    );
    for record in records {
        let (result, reason) = record.result();
        let v = &record.vector;
        let _ = writeln!(
            out,
            "| {} | {} | {} | {result} | {} |",
            v.name,
            v.version,
            v.kind,
            cell(&reason)
        );
    }
}

/// Text safe in a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// `doc` with the text between the markers replaced by `section`; `None` without
/// markers.
pub fn splice(doc: &str, section: &str) -> Option<String> {
    let (head, rest) = doc.split_once(BEGIN)?;
    let (_, tail) = rest.split_once(END)?;
    Some(format!("{head}{BEGIN}\n{section}{END}{tail}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_expected_file_round_trips_without_comments() {
        let names: BTreeSet<String> = ["TL-M-10-21", "BL-M-2-21", "BL-M-10-21"]
            .map(str::to_owned)
            .into();
        let text = expected_text(&names);
        assert!(
            text.contains("BL-M-2-21\nBL-M-10-21\nTL-M-10-21\n"),
            "{text}"
        );
        assert_eq!(parse_expected(&text), names);
        assert_eq!(parse_expected("  A-M-1-14  # note\n\n# B\n").len(), 1);
    }

    #[test]
    fn splice_replaces_only_between_the_markers() {
        let doc = format!("intro\n{BEGIN}\nold\n{END}\nafter\n");
        let new = splice(&doc, "new\n").unwrap();
        assert_eq!(new, format!("intro\n{BEGIN}\nnew\n{END}\nafter\n"));
        assert_eq!(splice("no markers", "x"), None);
    }

    #[test]
    fn failures_group_by_what_is_missing_or_differs() {
        let missing =
            "BatchItem/ResponsePayload/Attribute: expected Attribute \"Digest\", got nothing";
        assert_eq!(
            failure_kind(missing),
            "BatchItem/ResponsePayload/Attribute: Attribute \"Digest\" missing"
        );
        assert_eq!(
            failure_kind("A/Digest: expected Digest (structure of 3 items), got nothing"),
            "A/Digest missing"
        );
        assert_eq!(
            failure_kind("A/State: expected Active, got PreActive"),
            "A/State differs"
        );
        assert_eq!(
            failure_kind("OperationFailed/ItemNotFound (no such key)"),
            "OperationFailed/ItemNotFound (no such key)"
        );
    }
}
