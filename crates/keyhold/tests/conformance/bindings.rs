//! The `$` placeholders of the OASIS vectors: what the runner learns from the
//! server's answers in one file and substitutes into that file's later requests.
//!
//! - `$UNIQUE_IDENTIFIER_n` and every other `$NAME` (`$KEY_MATERIAL_0`,
//!   `$IV_COUNTER_NONCE`, ...) in an expected response stand for whatever the server
//!   answers there the first time, and for that same value afterwards. Two different
//!   `$UNIQUE_IDENTIFIER_n` cannot stand for one identifier.
//! - `$NOW`, `$NOW-3600`, `$NOW+3600` are the current time (plus the offset in seconds).
//!   In a request they are the time the request is built; in an expected response any
//!   time between the start of the file's replay and the comparison (plus the offset,
//!   with a few seconds of slack).
//!
//! The XML parser hands a placeholder to a resolver. Requests use [`RequestValues`];
//! expected responses use [`Marks`], which turns each placeholder into a mark that the
//! comparator recognizes: a Text String keeps its `$` text, a Byte String holds the
//! placeholder's ASCII bytes, a Date-Time is [`NOW_MARK`] plus the offset.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::RangeInclusive;
use std::time::{SystemTime, UNIX_EPOCH};

use keyhold_ttlv::{ItemType, Placeholders, Tag, Value};

/// The Date-Time that marks `$NOW` in a parsed expected response: no real date is
/// anywhere near it.
pub const NOW_MARK: i64 = i64::MIN / 4;

/// Offsets of `$NOW` larger than this (about 136 years) are not marks.
const NOW_SPAN: i64 = 1 << 32;

/// Seconds of tolerance on both ends of a `$NOW` window (clock reads, rounding).
const SLACK: i64 = 5;

/// The current POSIX time in seconds.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The offset of a `$NOW`, `$NOW+n` or `$NOW-n` text.
pub fn now_offset(text: &str) -> Option<i64> {
    match text.strip_prefix("$NOW")? {
        "" => Some(0),
        rest if rest.starts_with(['+', '-']) => rest.parse().ok(),
        _ => None,
    }
}

/// The offset a marked Date-Time stands for, if it is a `$NOW` mark.
pub fn marked_now(value: i64) -> Option<i64> {
    let offset = value.checked_sub(NOW_MARK)?;
    (offset.abs() < NOW_SPAN).then_some(offset)
}

/// The placeholder a marked Byte String stands for: `$` then capitals, digits or `_`.
pub fn marked_bytes(bytes: &[u8]) -> Option<&str> {
    let rest = bytes.strip_prefix(b"$")?;
    let ok = !rest.is_empty()
        && rest
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_');
    ok.then(|| std::str::from_utf8(bytes).ok()).flatten()
}

/// The placeholder named after the field `tag_name`: `MACData` is
/// `$MAC_DATA`, `IVCounterNonce` `$IV_COUNTER_NONCE`, `Data` `$DATA`.
fn placeholder_of(tag_name: &str) -> String {
    let chars: Vec<char> = tag_name.chars().collect();
    let mut out = String::from("$");
    for (i, c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).and_then(|p| chars.get(p));
        let next = chars.get(i + 1);
        let word_starts = c.is_ascii_uppercase()
            && prev.is_some_and(|p| {
                p.is_ascii_lowercase()
                    || p.is_ascii_digit()
                    || (p.is_ascii_uppercase() && next.is_some_and(char::is_ascii_lowercase))
            });
        if word_starts {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

/// Whether a placeholder names a unique identifier.
fn is_identifier(name: &str) -> bool {
    name.starts_with("$UNIQUE_IDENTIFIER_")
}

/// What one vector file's replay has learned so far.
#[derive(Clone, Debug)]
pub struct Bindings {
    values: BTreeMap<String, Value>,
    /// The first value the server answered in each field the vector gives
    /// literally, by the placeholder that names it ([`placeholder_of`]).
    answers: BTreeMap<String, Value>,
    /// Identifiers of objects whose material the server generated, in this file or
    /// an earlier one (the tape library vectors use keys made by the previous file).
    generated: BTreeSet<String>,
    /// When the replay of the file started (POSIX seconds).
    started: i64,
}

impl Bindings {
    /// Nothing learned; `$NOW` windows open at `started`.
    pub fn new(started: i64) -> Bindings {
        Bindings::with_generated(started, BTreeSet::new())
    }

    /// Nothing learned but the objects the server generated for earlier files.
    pub fn with_generated(started: i64, generated: BTreeSet<String>) -> Bindings {
        Bindings {
            values: BTreeMap::new(),
            answers: BTreeMap::new(),
            generated,
            started,
        }
    }

    /// The objects the server generated, for the next file.
    pub fn into_generated(self) -> BTreeSet<String> {
        self.generated
    }

    /// Binds `name` to `got` the first time, checks it the next times.
    ///
    /// # Errors
    /// A description of the conflict.
    pub fn learn(&mut self, name: &str, got: &Value) -> Result<(), String> {
        if let Some(bound) = self.values.get(name) {
            if bound == got {
                return Ok(());
            }
            return Err(format!("{name} was {bound:?} before"));
        }
        if is_identifier(name) {
            let taken = self
                .values
                .iter()
                .find(|(other, value)| is_identifier(other) && *value == got);
            if let Some((other, _)) = taken {
                return Err(format!("{name} is the same identifier as {other}"));
            }
        }
        self.values.insert(name.to_owned(), got.clone());
        Ok(())
    }

    /// Notes a value the server answered in a field the vector gives
    /// literally: the first answer of a field binds the placeholder named
    /// after it (`$` and the tag's name in capitals with `_` between
    /// words), alone or numbered `_0`, unless an expected response binds
    /// that name itself. The profiles' CS-AC-M-6 answers its MAC as a
    /// literal, then verifies `$MAC_DATA`, meaning the MAC just returned;
    /// CS-BC-M-13-14 answers an Encrypt's Data and IV literally (both
    /// random), then decrypts `$DATA_0` with `$IV_COUNTER_NONCE`.
    pub fn answered(&mut self, tag: Tag, got: &Value) {
        let Some(name) = tag.name() else { return };
        self.answers
            .entry(placeholder_of(name))
            .or_insert_with(|| got.clone());
    }

    /// The value learned for `name`: bound by an expected response, else
    /// the first answer of the field it names ([`Bindings::answered`]).
    pub fn value(&self, name: &str) -> Option<&Value> {
        self.values.get(name).or_else(|| {
            let field = name.strip_suffix("_0").unwrap_or(name);
            self.answers.get(field)
        })
    }

    /// The times an expected `$NOW` with this offset accepts now.
    pub fn now_window(&self, offset: i64) -> RangeInclusive<i64> {
        (self.started + offset - SLACK)..=(unix_now() + offset + SLACK)
    }

    /// Records that the server generated the material of object `id`.
    pub fn mark_generated(&mut self, id: &str) {
        self.generated.insert(id.to_owned());
    }

    /// Whether the server generated the material of object `id`.
    pub fn is_generated(&self, id: &str) -> bool {
        self.generated.contains(id)
    }
}

/// Resolves the placeholders of a request from what the file's replay learned;
/// remembers the ones it could not.
pub struct RequestValues<'a> {
    bindings: &'a Bindings,
    missing: RefCell<Vec<String>>,
}

impl<'a> RequestValues<'a> {
    /// A resolver over `bindings`.
    pub fn new(bindings: &'a Bindings) -> RequestValues<'a> {
        RequestValues {
            bindings,
            missing: RefCell::new(Vec::new()),
        }
    }

    /// The placeholders met that nothing learned yet.
    pub fn missing(self) -> Vec<String> {
        self.missing.into_inner()
    }
}

impl Placeholders for RequestValues<'_> {
    fn resolve(&self, _tag: Tag, ty: ItemType, text: &str) -> Option<Value> {
        if let (ItemType::DateTime, Some(offset)) = (ty, now_offset(text)) {
            return Some(Value::DateTime(unix_now() + offset));
        }
        let value = self.bindings.value(text).cloned();
        if value.is_none() {
            self.missing.borrow_mut().push(text.to_owned());
        }
        value
    }
}

/// Turns the placeholders of an expected response into marks (see the module docs).
pub struct Marks;

impl Placeholders for Marks {
    fn resolve(&self, _tag: Tag, ty: ItemType, text: &str) -> Option<Value> {
        match ty {
            ItemType::DateTime => Some(Value::DateTime(NOW_MARK + now_offset(text)?)),
            ItemType::ByteString => Some(Value::ByteString(text.as_bytes().to_vec())),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_name_their_placeholders() {
        assert_eq!(placeholder_of("MACData"), "$MAC_DATA");
        assert_eq!(placeholder_of("IVCounterNonce"), "$IV_COUNTER_NONCE");
        assert_eq!(placeholder_of("Data"), "$DATA");
        assert_eq!(placeholder_of("UniqueIdentifier"), "$UNIQUE_IDENTIFIER");
    }

    #[test]
    fn the_first_answer_of_a_field_binds_its_placeholder_unless_bound() {
        let data = Tag::from_name("Data").unwrap();
        let mut b = Bindings::new(0);
        assert_eq!(b.value("$DATA_0"), None);
        b.answered(data, &Value::ByteString(vec![1]));
        b.answered(data, &Value::ByteString(vec![2]));
        assert_eq!(b.value("$DATA_0"), Some(&Value::ByteString(vec![1])));
        assert_eq!(b.value("$DATA"), Some(&Value::ByteString(vec![1])));
        assert_eq!(b.value("$DATA_1"), None);
        // What an expected response binds wins, and is checked as before.
        b.learn("$DATA_0", &Value::ByteString(vec![3])).unwrap();
        assert_eq!(b.value("$DATA_0"), Some(&Value::ByteString(vec![3])));
        assert!(b.learn("$DATA_0", &Value::ByteString(vec![1])).is_err());
    }
}
