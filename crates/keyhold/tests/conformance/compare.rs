//! Compares the server's Response Message with a vector's expected one and names the
//! first difference (path, expected, got).
//!
//! Exact, except where the server may choose:
//! - placeholders ([`super::bindings`]): learned the first time, checked afterwards;
//!   `$NOW` is a time window;
//! - Result Message (free text, optional) and the response header's correlation values;
//! - the order of attributes: the children of an Attributes structure, and runs of
//!   Attribute, Attribute Name or Attribute Reference items, compare as multisets;
//! - a Query answer describes the server, not the reference implementation: every kind
//!   of item the vector expects must be there, the values are the server's;
//! - what describes the server: Server Information, Vendor Identification, and the
//!   Random Number Generator attribute (the reference server's RNG is not ours);
//! - values the server generates: the data of RNG Retrieve; the IV, tag and ciphertext
//!   of an Encrypt whose IV the server chose; for an object whose material the server
//!   generated (Create, Create Key Pair, Re-key, ...): key material, digest values,
//!   ciphertexts, plaintexts, signatures, MACs, IVs, tags, certificates, and the key
//!   format a digest was computed over. Such a value must have the expected type, a
//!   Byte String its length (but a signature); a structure may hold anything;
//! - values a correct server draws at random under any key ([`super::random`]): the
//!   ciphertext of an RSA Encrypt with OAEP or PKCS#1 v1.5 padding, ECDSA and RSA-PSS
//!   signatures. Same length (an ECDSA signature: within [`DER_SLACK`] bytes); a
//!   deterministic value (PKCS#1 v1.5 signature, symmetric ciphertext under a client
//!   IV) stays exact.

use std::collections::BTreeMap;

use keyhold_ttlv::dictionary;
use keyhold_ttlv::{Tag, Ttlv, Value, xml};

use super::bindings::{Bindings, marked_bytes, marked_now};
use super::random::Random;

/// How many bytes a random DER-encoded (EC)DSA signature may differ in length from the
/// vector's: each of its two INTEGERs may lose leading zero bytes or gain a sign byte.
pub const DER_SLACK: usize = 4;

/// The first difference between an expected and an actual response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Difference {
    /// Where, as tag names from the message down (`BatchItem/ResponsePayload/...`).
    pub path: String,
    /// The operation of the batch item concerned, when known.
    pub operation: Option<String>,
    /// What the vector expects there.
    pub expected: String,
    /// What the server sent.
    pub got: String,
}

impl Difference {
    /// One line: a failed result as `OperationFailed/ItemNotFound ...`, anything else as
    /// `path: expected X, got Y`.
    pub fn short(&self) -> String {
        if self.path.ends_with("ResultStatus") {
            return self.got.clone();
        }
        format!(
            "{}: expected {}, got {}",
            self.path, self.expected, self.got
        )
    }
}

/// Compares `got` with `expected`, learning placeholders into `bindings`.
///
/// # Errors
/// The first difference.
pub fn compare(expected: &Ttlv, got: &Ttlv, bindings: &mut Bindings) -> Result<(), Difference> {
    compare_with(expected, got, bindings, &[])
}

/// Like [`compare`], knowing which batch items of the answer hold a random value
/// (`random[i]` for the i-th batch item; see [`super::random::Objects::request`]).
///
/// # Errors
/// The first difference.
pub fn compare_with(
    expected: &Ttlv,
    got: &Ttlv,
    bindings: &mut Bindings,
    random: &[Option<Random>],
) -> Result<(), Difference> {
    let mut walk = Walk {
        bindings,
        random,
        batch_items: 0,
    };
    walk.item(expected, got, &[], name(expected.tag), Scope::default())
}

/// Operations whose answers name objects with server-generated material.
const GENERATING: [&str; 9] = [
    "Create",
    "CreateKeyPair",
    "ReKey",
    "ReKeyKeyPair",
    "DeriveKey",
    "CreateSplitKey",
    "JoinSplitKey",
    "Certify",
    "ReCertify",
];

/// Identifier items in the answers of those operations.
const IDENTIFIERS: [&str; 3] = [
    "UniqueIdentifier",
    "PrivateKeyUniqueIdentifier",
    "PublicKeyUniqueIdentifier",
];

/// Items that depend on server-generated material.
const GENERATED_VALUES: [&str; 9] = [
    "KeyMaterial",
    "DigestValue",
    "Data",
    "SignatureData",
    "MACData",
    "IVCounterNonce",
    "AuthenticatedEncryptionTag",
    "CertificateValue",
    "CorrelationValue",
];

/// Items compared as multisets among their siblings.
const UNORDERED: [&str; 3] = ["Attribute", "AttributeName", "AttributeReference"];

/// Items ignored wherever either side lacks them or both have them.
const IGNORED: [&str; 1] = ["ResultMessage"];

/// Items of a response header ignored likewise.
const IGNORED_IN_HEADER: [&str; 2] = ["ClientCorrelationValue", "ServerCorrelationValue"];

/// What the walk knows about the place it compares.
#[derive(Clone, Copy, Default)]
struct Scope {
    /// The batch item's operation name.
    operation: Option<&'static str>,
    /// The payload names an object whose material the server generated.
    generated: bool,
    /// The payload is an Encrypt answer carrying the IV the server chose.
    server_iv: bool,
    /// Inside a value the server chooses.
    loose: bool,
    /// In a 1.x Attribute whose value the server chooses (Random Number Generator).
    loose_value: bool,
    /// Inside a Digest (2.x) or a 1.x Digest attribute.
    in_digest: bool,
    /// The batch item's answer holds this random value.
    random: Option<Random>,
}

struct Walk<'a, 'r> {
    bindings: &'a mut Bindings,
    /// Which batch items hold a random value, in order.
    random: &'r [Option<Random>],
    /// Batch items entered so far.
    batch_items: usize,
}

/// The name of a tag, or its hex form.
fn name(tag: Tag) -> String {
    tag.name()
        .map_or_else(|| format!("0x{:06X}", tag.value()), str::to_owned)
}

/// The operation an item holding an Operation enumeration names.
pub fn operation_of(item: &Ttlv) -> Option<&'static str> {
    let operation = Tag::from_name("Operation")?;
    let Value::Enumeration(v) = item.find(operation)?.value else {
        return None;
    };
    dictionary::value_names(operation)?.name(v)
}

/// The text of the first `tag` item directly inside `item`.
fn text_of<'t>(item: &'t Ttlv, tag: &str) -> Option<&'t str> {
    match &item.find(Tag::from_name(tag)?)?.value {
        Value::TextString(text) => Some(text.as_str()),
        _ => None,
    }
}

/// A short text form of an item's value, as in the KMIP XML encoding.
pub fn show(item: &Ttlv) -> String {
    if let Value::Structure(items) = &item.value {
        return format!("{} (structure of {} items)", name(item.tag), items.len());
    }
    let text = xml::from_ttlv(item);
    let value = text
        .split_once("value=\"")
        .and_then(|(_, rest)| rest.rsplit_once('"'))
        .map_or(text.as_str(), |(value, _)| value);
    let short: String = value.chars().take(48).collect();
    if short.len() < value.len() {
        return format!("{short}...");
    }
    short
}

impl Walk<'_, '_> {
    /// Compares two items inside `parent` (a path); `label` names the expected one there.
    fn item(
        &mut self,
        expected: &Ttlv,
        got: &Ttlv,
        parent: &[String],
        label: String,
        scope: Scope,
    ) -> Result<(), Difference> {
        let here = [parent, &[label]].concat();
        if expected.tag != got.tag {
            return Err(self.differ(&here, scope, name(expected.tag), name(got.tag)));
        }
        let scope = self.enter(expected, got, scope);
        match (&expected.value, &got.value) {
            (Value::Structure(_), Value::Structure(_)) if scope.loose => Ok(()),
            (Value::Structure(e), Value::Structure(g)) => {
                self.structure(expected, e, g, &here, scope)
            }
            _ => self.leaf(expected, got, &here, scope),
        }
    }

    /// The scope for the items inside `expected`.
    fn enter(&mut self, expected: &Ttlv, got: &Ttlv, mut scope: Scope) -> Scope {
        match expected.tag.name() {
            Some("BatchItem") => {
                scope = Scope {
                    operation: operation_of(expected),
                    random: self.random.get(self.batch_items).copied().flatten(),
                    ..Scope::default()
                };
                self.batch_items += 1;
                self.note_generated(got, scope.operation);
            }
            Some("ResponsePayload") => {
                let id = text_of(got, "UniqueIdentifier");
                scope.generated = id.is_some_and(|id| self.bindings.is_generated(id));
                scope.server_iv =
                    scope.operation == Some("Encrypt") && has(expected, "IVCounterNonce");
            }
            Some("Attribute") => {
                let attribute = text_of(expected, "AttributeName");
                scope.loose_value = attribute == Some("Random Number Generator");
                scope.in_digest = attribute == Some("Digest");
            }
            Some("AttributeValue") => scope.loose |= scope.loose_value,
            Some(tag) => {
                scope.in_digest |= tag == "Digest";
                scope.loose |= server_chosen(tag, scope);
            }
            None => {}
        }
        scope
    }

    /// A walk like this one over other bindings, to try a match.
    fn trial<'b>(&self, bindings: &'b mut Bindings) -> Walk<'b, '_> {
        Walk {
            bindings,
            random: self.random,
            batch_items: self.batch_items,
        }
    }

    /// Records the identifiers a generating operation answered with.
    fn note_generated(&mut self, got: &Ttlv, operation: Option<&str>) {
        if !operation.is_some_and(|op| GENERATING.contains(&op)) {
            return;
        }
        let Some(payload) = Tag::from_name("ResponsePayload").and_then(|t| got.find(t)) else {
            return;
        };
        for tag in IDENTIFIERS {
            if let Some(id) = text_of(payload, tag) {
                self.bindings.mark_generated(id);
            }
        }
    }

    fn structure(
        &mut self,
        parent: &Ttlv,
        expected: &[Ttlv],
        got: &[Ttlv],
        here: &[String],
        scope: Scope,
    ) -> Result<(), Difference> {
        if parent.tag.name() == Some("BatchItem") {
            self.result_status(expected, got, here, scope)?;
        }
        if scope.operation == Some("Query") && parent.tag.name() == Some("ResponsePayload") {
            return self.query_payload(expected, got, here, scope);
        }
        let kept = |item: &&Ttlv| !ignored(parent, item);
        let mut expected: Vec<&Ttlv> = expected.iter().filter(kept).collect();
        let mut got: Vec<&Ttlv> = got.iter().filter(kept).collect();
        if parent.tag == Tag::RESPONSE_MESSAGE {
            // The batch items first: a failed item explains a short batch count.
            header_last(&mut expected);
            header_last(&mut got);
        }
        let all_unordered = parent.tag.name() == Some("Attributes");
        let (e_seq, e_set) = split(&expected, all_unordered);
        let (g_seq, g_set) = split(&got, all_unordered);
        self.sequence(&e_seq, &g_seq, here, scope)?;
        self.multiset(&e_set, &g_set, here, scope)
    }

    /// A failed result is reported as such, with the reason the server gave.
    fn result_status(
        &self,
        expected: &[Ttlv],
        got: &[Ttlv],
        path: &[String],
        scope: Scope,
    ) -> Result<(), Difference> {
        let status = |items: &[Ttlv]| {
            let tag = Tag::from_name("ResultStatus")?;
            items.iter().find(|i| i.tag == tag).cloned()
        };
        let (Some(e), Some(g)) = (status(expected), status(got)) else {
            return Ok(());
        };
        if e == g {
            return Ok(());
        }
        let here = [path, &["ResultStatus".to_owned()]].concat();
        Err(self.differ(&here, scope, show(&e), outcome(got)))
    }

    /// Query: each kind of item expected is present (Server Information is optional);
    /// values are the server's.
    fn query_payload(
        &self,
        expected: &[Ttlv],
        got: &[Ttlv],
        path: &[String],
        scope: Scope,
    ) -> Result<(), Difference> {
        let optional = |item: &Ttlv| item.tag.name() == Some("ServerInformation");
        for item in expected.iter().filter(|i| !optional(i)) {
            if !got.iter().any(|g| g.tag == item.tag) {
                let here = [path, &[name(item.tag)]].concat();
                return Err(self.differ(&here, scope, show(item), "nothing".into()));
            }
        }
        Ok(())
    }

    fn sequence(
        &mut self,
        expected: &[&Ttlv],
        got: &[&Ttlv],
        path: &[String],
        scope: Scope,
    ) -> Result<(), Difference> {
        let counts = tag_counts(expected);
        let mut seen: BTreeMap<Tag, usize> = BTreeMap::new();
        for (i, e) in expected.iter().enumerate() {
            let n = seen.entry(e.tag).or_default();
            let label = match counts.get(&e.tag) {
                Some(c) if *c > 1 => format!("{}[{n}]", name(e.tag)),
                _ => name(e.tag),
            };
            *n += 1;
            let Some(g) = got.get(i) else {
                let here = [path, &[label]].concat();
                return Err(self.differ(&here, scope, show(e), "nothing".into()));
            };
            self.item(e, g, path, label, scope)?;
        }
        match got.get(expected.len()) {
            Some(extra) => {
                let here = [path, &[name(extra.tag)]].concat();
                Err(self.differ(&here, scope, "nothing".into(), show(extra)))
            }
            None => Ok(()),
        }
    }

    /// Matches each expected item with a distinct got item, in any order.
    fn multiset(
        &mut self,
        expected: &[&Ttlv],
        got: &[&Ttlv],
        path: &[String],
        scope: Scope,
    ) -> Result<(), Difference> {
        let mut used = vec![false; got.len()];
        for e in expected {
            let found = got.iter().enumerate().find_map(|(i, g)| {
                let mut trial = self.bindings.clone();
                let ok = !used[i]
                    && self
                        .trial(&mut trial)
                        .item(e, g, path, name(e.tag), scope)
                        .is_ok();
                ok.then_some((i, trial))
            });
            match found {
                Some((i, trial)) => {
                    used[i] = true;
                    *self.bindings = trial;
                }
                None => return Err(self.unmatched(e, got, &used, path, scope)),
            }
        }
        match got.iter().zip(&used).find(|(_, u)| !**u) {
            Some((extra, _)) => {
                let here = [path, &[name(extra.tag)]].concat();
                Err(self.differ(&here, scope, "nothing".into(), show(extra)))
            }
            None => Ok(()),
        }
    }

    /// Why an expected item matched nothing: against an unused item of its tag, the
    /// difference; otherwise, missing.
    fn unmatched(
        &self,
        expected: &Ttlv,
        got: &[&Ttlv],
        used: &[bool],
        path: &[String],
        scope: Scope,
    ) -> Difference {
        let counterpart = got
            .iter()
            .zip(used)
            .find(|(g, u)| !**u && counterparts(expected, g));
        if let Some((g, _)) = counterpart {
            let mut trial = self.bindings.clone();
            let walk = self
                .trial(&mut trial)
                .item(expected, g, path, name(expected.tag), scope);
            if let Err(difference) = walk {
                return difference;
            }
        }
        let here = [path, &[name(expected.tag)]].concat();
        self.differ(&here, scope, show_attribute(expected), "nothing".into())
    }

    fn leaf(
        &mut self,
        e_item: &Ttlv,
        g_item: &Ttlv,
        here: &[String],
        scope: Scope,
    ) -> Result<(), Difference> {
        let (expected, got) = (&e_item.value, &g_item.value);
        let fail = |walk: &Self, what: String| Err(walk.differ(here, scope, what, show(g_item)));
        if expected.item_type() != got.item_type() {
            return fail(self, format!("a {}", expected.item_type()));
        }
        let placeholder = match expected {
            Value::TextString(text) if text.starts_with('$') => Some(text.as_str()),
            Value::ByteString(bytes) => marked_bytes(bytes),
            _ => None,
        };
        if let Some(placeholder) = placeholder {
            return match self.bindings.learn(placeholder, got) {
                Ok(()) => Ok(()),
                Err(conflict) => fail(self, conflict),
            };
        }
        if let (Value::DateTime(e), Value::DateTime(g)) = (expected, got) {
            if let Some(offset) = marked_now(*e) {
                let window = self.bindings.now_window(offset);
                if window.contains(g) {
                    return Ok(());
                }
                return fail(self, format!("$NOW{offset:+} (in {window:?})"));
            }
        }
        if same(expected, got, e_item.tag, scope) {
            self.bindings.answered(e_item.tag, got);
            return Ok(());
        }
        fail(self, show(e_item))
    }

    /// A difference at `path`, shown without the message's own tag.
    fn differ(&self, path: &[String], scope: Scope, expected: String, got: String) -> Difference {
        let inside = path.get(1..).filter(|rest| !rest.is_empty());
        Difference {
            path: inside.unwrap_or(path).join("/"),
            operation: scope.operation.map(str::to_owned),
            expected,
            got,
        }
    }
}

/// Whether a primitive value matches: exactly, or loosely where the server chooses.
fn same(expected: &Value, got: &Value, tag: Tag, scope: Scope) -> bool {
    if !scope.loose {
        return expected == got;
    }
    match (expected, got) {
        (Value::ByteString(e), Value::ByteString(g)) if tag.name() == Some("SignatureData") => {
            signature_fits(e.len(), g.len(), scope)
        }
        (Value::ByteString(e), Value::ByteString(g)) => e.len() == g.len(),
        _ => true,
    }
}

/// Whether a signature of `got` bytes stands for one of `expected` bytes: of any
/// length under a key the server generated (its size or curve may differ), of the
/// same length (an ECDSA one: within [`DER_SLACK`]) when only the signing is random.
fn signature_fits(expected: usize, got: usize, scope: Scope) -> bool {
    match scope.random {
        _ if scope.generated => true,
        Some(Random::Signature { der: true }) => expected.abs_diff(got) <= DER_SLACK,
        _ => expected == got,
    }
}

/// Whether an item is a value the server chooses in this scope.
fn server_chosen(tag: &str, scope: Scope) -> bool {
    let generated = GENERATED_VALUES.contains(&tag);
    match tag {
        "ServerInformation" | "VendorIdentification" | "RandomNumberGenerator" => true,
        "KeyFormatType" if scope.in_digest => scope.generated,
        "Data" if scope.operation == Some("RNGRetrieve") => true,
        "Data" | "IVCounterNonce" | "AuthenticatedEncryptionTag" if scope.server_iv => true,
        "Data" => scope.random == Some(Random::Ciphertext) || (generated && scope.generated),
        "SignatureData" => {
            matches!(scope.random, Some(Random::Signature { .. })) || scope.generated
        }
        _ => generated && scope.generated,
    }
}

/// Whether a child of `parent` is left out of the comparison.
fn ignored(parent: &Ttlv, item: &Ttlv) -> bool {
    let Some(tag) = item.tag.name() else {
        return false;
    };
    IGNORED.contains(&tag)
        || (parent.tag.name() == Some("ResponseHeader") && IGNORED_IN_HEADER.contains(&tag))
}

/// The ordered items and the ones compared as a multiset.
fn split<'t>(items: &[&'t Ttlv], all_unordered: bool) -> (Vec<&'t Ttlv>, Vec<&'t Ttlv>) {
    items.iter().partition(|item| {
        !all_unordered && !item.tag.name().is_some_and(|t| UNORDERED.contains(&t))
    })
}

fn tag_counts(items: &[&Ttlv]) -> BTreeMap<Tag, usize> {
    let mut counts = BTreeMap::new();
    for item in items {
        *counts.entry(item.tag).or_default() += 1;
    }
    counts
}

/// Moves a leading Response Header to the end.
fn header_last(items: &mut [&Ttlv]) {
    if items
        .first()
        .is_some_and(|i| i.tag.name() == Some("ResponseHeader"))
    {
        items.rotate_left(1);
    }
}

/// Whether `item` has a `tag` item directly inside.
fn has(item: &Ttlv, tag: &str) -> bool {
    Tag::from_name(tag).is_some_and(|t| item.find(t).is_some())
}

/// Whether `got` is the item `expected` should have matched, to show how they differ:
/// structures of one tag (1.x Attributes: of one Attribute Name).
/// Leaves of one tag, but not in lists of names or references where any is as good.
fn counterparts(expected: &Ttlv, got: &Ttlv) -> bool {
    if expected.tag != got.tag {
        return false;
    }
    match expected.items() {
        Some(_) => text_of(expected, "AttributeName") == text_of(got, "AttributeName"),
        None => !expected.tag.name().is_some_and(|t| UNORDERED.contains(&t)),
    }
}

/// An expected item, with the attribute name for a 1.x Attribute.
fn show_attribute(item: &Ttlv) -> String {
    match text_of(item, "AttributeName") {
        Some(attribute) => format!("Attribute {attribute:?}"),
        None => show(item),
    }
}

/// How a failed batch item ended: status, reason and message.
fn outcome(items: &[Ttlv]) -> String {
    let find = |tag: &str| {
        let tag = Tag::from_name(tag)?;
        items.iter().find(|i| i.tag == tag)
    };
    let mut text = find("ResultStatus").map_or_else(String::new, show);
    if let Some(reason) = find("ResultReason") {
        text = format!("{text}/{}", show(reason));
    }
    if let Some(Value::TextString(message)) = find("ResultMessage").map(|m| &m.value) {
        let message: String = message.chars().take(120).collect();
        text = format!("{text} ({message})");
    }
    text
}

#[cfg(test)]
mod tests {
    use keyhold_ttlv::Limits;

    use super::super::bindings::{Marks, RequestValues, unix_now};
    use super::*;

    /// An expected response as the runner parses it.
    fn expected(xml: &str) -> Ttlv {
        xml::to_ttlv_with(xml, &Limits::DEFAULT, Some(&Marks)).unwrap()
    }

    /// A server answer, with `$NOW` resolved as in a request.
    fn answer(xml: &str) -> Ttlv {
        let bindings = Bindings::new(unix_now());
        let values = RequestValues::new(&bindings);
        xml::to_ttlv_with(xml, &Limits::DEFAULT, Some(&values)).unwrap()
    }

    fn response(operation: &str, payload: &str) -> String {
        format!(
            r#"<ResponseMessage><ResponseHeader>
            <TimeStamp type="DateTime" value="$NOW"/><BatchCount type="Integer" value="1"/>
            </ResponseHeader><BatchItem>
            <Operation type="Enumeration" value="{operation}"/>
            <ResultStatus type="Enumeration" value="Success"/>
            <ResponsePayload>{payload}</ResponsePayload></BatchItem></ResponseMessage>"#
        )
    }

    fn uid(id: &str) -> String {
        format!(r#"<UniqueIdentifier type="TextString" value="{id}"/>"#)
    }

    fn created(id: &str) -> String {
        response(
            "Create",
            &format!(
                r#"<ObjectType type="Enumeration" value="SymmetricKey"/>{}"#,
                uid(id)
            ),
        )
    }

    fn digest(id: &str, hex: &str, more: &str) -> String {
        let attributes = format!(
            r#"<Attributes><Digest>
            <HashingAlgorithm type="Enumeration" value="SHA_256"/>
            <DigestValue type="ByteString" value="{hex}"/>
            <KeyFormatType type="Enumeration" value="Raw"/></Digest>{more}</Attributes>"#
        );
        response("GetAttributes", &format!("{}{attributes}", uid(id)))
    }

    fn check(bindings: &mut Bindings, want: &str, got: &str) -> Result<(), Difference> {
        compare(&expected(want), &answer(got), bindings)
    }

    #[test]
    fn identifiers_are_learned_then_held() {
        let mut b = Bindings::new(unix_now());
        check(&mut b, &created("$UNIQUE_IDENTIFIER_0"), &created("id-a")).unwrap();
        assert_eq!(
            b.value("$UNIQUE_IDENTIFIER_0"),
            Some(&Value::TextString("id-a".into()))
        );
        let again = response("Activate", &uid("$UNIQUE_IDENTIFIER_0"));
        check(&mut b, &again, &response("Activate", &uid("id-a"))).unwrap();
        let d = check(&mut b, &again, &response("Activate", &uid("id-b"))).unwrap_err();
        assert_eq!(d.path, "BatchItem/ResponsePayload/UniqueIdentifier");
        assert_eq!(d.operation.as_deref(), Some("Activate"));
        // A second identifier cannot be the first one again.
        let d = check(&mut b, &created("$UNIQUE_IDENTIFIER_1"), &created("id-a")).unwrap_err();
        assert!(d.expected.contains("same identifier"), "{d:?}");
        let values = RequestValues::new(&b);
        let request = r#"<UniqueIdentifier type="TextString" value="$UNIQUE_IDENTIFIER_1"/>"#;
        xml::to_ttlv_with(request, &Limits::DEFAULT, Some(&values)).unwrap();
        assert_eq!(values.missing(), vec!["$UNIQUE_IDENTIFIER_1".to_owned()]);
    }

    #[test]
    fn now_is_a_window() {
        let item = |value: &str| format!(r#"<ActivationDate type="DateTime" value="{value}"/>"#);
        let mut b = Bindings::new(unix_now());
        let now = unix_now();
        let at = |t: i64| item(&format!("0x{t:016X}"));
        check(&mut b, &item("$NOW"), &at(now)).unwrap();
        check(&mut b, &item("$NOW-3600"), &at(now - 3600)).unwrap();
        let d = check(&mut b, &item("$NOW"), &at(now - 3600)).unwrap_err();
        assert_eq!(d.path, "ActivationDate");
        assert!(d.expected.starts_with("$NOW+0"), "{d:?}");
        // A literal date is exact.
        check(&mut b, &item("2010-01-01T00:00:00Z"), &at(1_262_304_000)).unwrap();
        check(&mut b, &item("2010-01-01T00:00:00Z"), &at(1_262_304_001)).unwrap_err();
    }

    #[test]
    fn a_failed_item_reports_its_reason() {
        let mut b = Bindings::new(unix_now());
        let failed = response("Register", "").replace(
            r#"<ResultStatus type="Enumeration" value="Success"/>"#,
            r#"<ResultStatus type="Enumeration" value="OperationFailed"/>
               <ResultReason type="Enumeration" value="OperationNotSupported"/>
               <ResultMessage type="TextString" value="not yet"/>"#,
        );
        let d = check(&mut b, &response("Register", ""), &failed).unwrap_err();
        assert_eq!(d.path, "BatchItem/ResultStatus");
        assert_eq!(d.expected, "Success");
        assert_eq!(d.got, "OperationFailed/OperationNotSupported (not yet)");
        assert_eq!(d.short(), d.got);
        // Expected failures compare their reason, never their message.
        let vector = failed.replace("not yet", "DENIED");
        check(&mut b, &vector, &failed).unwrap();
        let other = failed.replace("OperationNotSupported", "PermissionDenied");
        check(&mut b, &vector, &other).unwrap_err();
    }

    #[test]
    fn digests_are_loose_only_for_generated_keys() {
        let (a, b_hex) = ("aa".repeat(32), "bb".repeat(32));
        let mut b = Bindings::new(unix_now());
        let want = digest("$UNIQUE_IDENTIFIER_0", &a, "");
        // Not generated by the server (never seen in a Create answer): exact.
        b.learn("$UNIQUE_IDENTIFIER_0", &Value::TextString("k1".into()))
            .unwrap();
        let d = check(&mut b, &want, &digest("k1", &b_hex, "")).unwrap_err();
        assert!(d.path.ends_with("Attributes/Digest/DigestValue"), "{d:?}");
        check(&mut b, &want, &digest("k1", &a, "")).unwrap();
        // Generated: any digest of the same length.
        let mut b = Bindings::new(unix_now());
        check(&mut b, &created("$UNIQUE_IDENTIFIER_0"), &created("k2")).unwrap();
        check(&mut b, &want, &digest("k2", &b_hex, "")).unwrap();
        check(&mut b, &want, &digest("k2", "bb", "")).unwrap_err();
    }

    #[test]
    fn attributes_compare_in_any_order_but_all_of_them() {
        let state = r#"<State type="Enumeration" value="PreActive"/>"#;
        let length = r#"<CryptographicLength type="Integer" value="256"/>"#;
        let mut b = Bindings::new(unix_now());
        b.learn("$UNIQUE_IDENTIFIER_0", &Value::TextString("k".into()))
            .unwrap();
        let hex = "aa".repeat(32);
        let want = digest("$UNIQUE_IDENTIFIER_0", &hex, &format!("{state}{length}"));
        let shuffled = response(
            "GetAttributes",
            &format!(
                "{}<Attributes>{length}{state}<Digest>\
                 <HashingAlgorithm type=\"Enumeration\" value=\"SHA_256\"/>\
                 <DigestValue type=\"ByteString\" value=\"{hex}\"/>\
                 <KeyFormatType type=\"Enumeration\" value=\"Raw\"/></Digest></Attributes>",
                uid("k")
            ),
        );
        check(&mut b, &want, &shuffled).unwrap();
        let d = check(&mut b, &want, &digest("k", &hex, state)).unwrap_err();
        assert!(d.path.ends_with("Attributes/CryptographicLength"), "{d:?}");
        assert_eq!(d.got, "nothing");
        let wrong = digest(
            "k",
            &hex,
            &format!("{state}{}", length.replace("256", "128")),
        );
        let d = check(&mut b, &want, &wrong).unwrap_err();
        assert_eq!((d.expected.as_str(), d.got.as_str()), ("256", "128"));
    }

    #[test]
    fn a_server_chosen_iv_frees_the_ciphertext_but_not_its_length() {
        let encrypted = |data: &str, iv: &str| {
            response(
                "Encrypt",
                &format!(
                    r#"{}<Data type="ByteString" value="{data}"/>
                    <IVCounterNonce type="ByteString" value="{iv}"/>"#,
                    uid("k")
                ),
            )
        };
        let mut b = Bindings::new(unix_now());
        b.learn("$UNIQUE_IDENTIFIER_0", &Value::TextString("k".into()))
            .unwrap();
        let want = encrypted("00112233", "000102030405060708090a0b")
            .replace(r#"value="k""#, r#"value="$UNIQUE_IDENTIFIER_0""#);
        check(
            &mut b,
            &want,
            &encrypted("ffeeddcc", "aaaaaaaaaaaaaaaaaaaaaaaa"),
        )
        .unwrap();
        let d = check(&mut b, &want, &encrypted("ffeeddcc", "aaaa")).unwrap_err();
        assert!(d.path.ends_with("ResponsePayload/IVCounterNonce"), "{d:?}");
        // Without a server-chosen IV the ciphertext is exact.
        let exact = |data: &str| {
            response(
                "Encrypt",
                &format!(r#"{}<Data type="ByteString" value="{data}"/>"#, uid("k")),
            )
        };
        check(&mut b, &exact("00112233"), &exact("00112233")).unwrap();
        check(&mut b, &exact("00112233"), &exact("ffeeddcc")).unwrap_err();
    }

    #[test]
    fn random_outputs_compare_by_length_deterministic_ones_exactly() {
        let answered = |operation: &str, tag: &str, hex: &str| {
            let item = format!(r#"<{tag} type="ByteString" value="{hex}"/>"#);
            response(operation, &format!("{}{item}", uid("k")))
        };
        let mut b = Bindings::new(unix_now());
        b.learn("$UNIQUE_IDENTIFIER_0", &Value::TextString("k".into()))
            .unwrap();
        let mut check = |want: &str, got: &str, random: Option<Random>| {
            let want = want.replace(r#"value="k""#, r#"value="$UNIQUE_IDENTIFIER_0""#);
            compare_with(&expected(&want), &answer(got), &mut b, &[random])
        };
        // An OAEP or PKCS#1 v1.5 ciphertext: any of the same length.
        let encrypted = |hex: &str| answered("Encrypt", "Data", hex);
        let (want, oaep) = (encrypted("00112233"), Some(Random::Ciphertext));
        check(&want, &encrypted("ffeeddcc"), oaep).unwrap();
        let d = check(&want, &encrypted("ffeedd"), oaep).unwrap_err();
        assert!(d.path.ends_with("ResponsePayload/Data"), "{d:?}");
        // A deterministic ciphertext (AES-ECB, RSA without padding): exact.
        check(&want, &encrypted("00112233"), None).unwrap();
        let d = check(&want, &encrypted("ffeeddcc"), None).unwrap_err();
        assert_eq!(
            (d.expected.as_str(), d.got.as_str()),
            ("00112233", "ffeeddcc")
        );
        // A signature flag does not free a ciphertext.
        let pss = Some(Random::Signature { der: false });
        check(&want, &encrypted("ffeeddcc"), pss).unwrap_err();
        // RSA-PSS: same length; ECDSA: within DER_SLACK bytes; PKCS#1 v1.5: exact.
        let signed = |hex: &str| answered("Sign", "SignatureData", hex);
        let want = signed(&"ab".repeat(8));
        check(&want, &signed(&"cd".repeat(8)), pss).unwrap();
        check(&want, &signed(&"cd".repeat(9)), pss).unwrap_err();
        let ecdsa = Some(Random::Signature { der: true });
        check(&want, &signed(&"cd".repeat(8 + DER_SLACK)), ecdsa).unwrap();
        check(&want, &signed(&"cd".repeat(9 + DER_SLACK)), ecdsa).unwrap_err();
        check(&want, &signed(&"ab".repeat(8)), None).unwrap();
        check(&want, &signed(&"cd".repeat(8)), None).unwrap_err();
        check(&want, &signed(&"cd".repeat(8)), Some(Random::Ciphertext)).unwrap_err();
    }

    #[test]
    fn the_random_number_generator_is_the_servers_own() {
        let rng = |algorithm: &str| {
            format!(
                r#"<RandomNumberGenerator>
                <RNGAlgorithm type="Enumeration" value="{algorithm}"/></RandomNumberGenerator>"#
            )
        };
        let attribute = |name: &str, value: &str| {
            format!(
                r#"<Attribute><AttributeName type="TextString" value="{name}"/>{value}</Attribute>"#
            )
        };
        let text = |t: &str| format!(r#"<AttributeValue type="TextString" value="{t}"/>"#);
        let answer_with = |items: &str| response("GetAttributes", &format!("{}{items}", uid("k")));
        let mut b = Bindings::new(unix_now());
        b.learn("$UNIQUE_IDENTIFIER_0", &Value::TextString("k".into()))
            .unwrap();
        let want = |items: &str| {
            let id = uid("$UNIQUE_IDENTIFIER_0");
            response("GetAttributes", &format!("{id}{items}"))
        };
        // 2.x: any Random Number Generator structure, but one must be there.
        let v2 = want(&format!("<Attributes>{}</Attributes>", rng("ANSIX9_31")));
        let ours = answer_with(&format!("<Attributes>{}</Attributes>", rng("FIPS186_2")));
        check(&mut b, &v2, &ours).unwrap();
        check(&mut b, &v2, &answer_with("<Attributes/>")).unwrap_err();
        // 1.x: the value of that attribute only; other attributes stay exact.
        let rng_value = format!("<AttributeValue>{}</AttributeValue>", rng("ANSIX9_31"));
        let ours_value = format!("<AttributeValue>{}</AttributeValue>", rng("DRBG"));
        let v1 = want(&attribute("Random Number Generator", &rng_value));
        check(
            &mut b,
            &v1,
            &answer_with(&attribute("Random Number Generator", &ours_value)),
        )
        .unwrap();
        let named = want(&attribute("x-label", &text("a")));
        check(
            &mut b,
            &named,
            &answer_with(&attribute("x-label", &text("a"))),
        )
        .unwrap();
        check(
            &mut b,
            &named,
            &answer_with(&attribute("x-label", &text("b"))),
        )
        .unwrap_err();
        let renamed = answer_with(&attribute("Random Number Generator", &text("a")));
        check(&mut b, &named, &renamed).unwrap_err();
    }
}
