//! Names of tags, enumeration values and bit-mask bits in KMIP 1.0–2.1.
//!
//! The tables are generated from the specifications by `tools/gen_dictionary.py` into
//! `dictionary_generated.rs`: tags from KMIP 1.4 section 9.1.3.1 and KMIP 2.1 section
//! 11.56, enumerations from KMIP 1.4 section 9.1.3.2 and KMIP 2.1 section 11, bit masks from
//! KMIP 1.4 section 9.1.3.3 and KMIP 2.1 section 12. Names are in the normalized form of the
//! XML and JSON encodings (KMIP Profiles 1.4, "Normalizing Names": "Cryptographic Usage Mask"
//! becomes `CryptographicUsageMask`, "3DES" becomes `DES3`).
//!
//! Tags and values that one version dropped are kept, and where 1.4 and 2.1 name a value
//! differently both names are accepted; the canonical name (the one printed) is the 2.1 one
//! unless the dictionary marks a 2.1 typographical error (2.1 spells MGF1 "MFG1").

use crate::dictionary_generated::{TAG_VALUES, TAGS, TAGS_BY_NAME};
use crate::tag::Tag;

pub(crate) const V1_4: u8 = 1;
pub(crate) const V2_1: u8 = 2;

/// One generated row: a value and one of its names.
#[derive(Debug)]
pub(crate) struct Entry {
    pub(crate) value: u32,
    pub(crate) name: &'static str,
    pub(crate) versions: u8,
    pub(crate) preferred: bool,
}

/// Where the names of a tag's values come from.
#[derive(Clone, Copy, Debug)]
pub(crate) enum EnumSource {
    /// An enumeration table.
    Enumeration(&'static [Entry]),
    /// A bit-mask table: the tag is an Integer whose bits have names.
    Mask(&'static [Entry]),
    /// The Tag enumeration (KMIP 2.1 section 11.56): values are tag numbers.
    Tags,
}

/// The specifications that define a name.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Versions(u8);

impl Versions {
    /// Defined in KMIP 1.4 (the 1.x line).
    pub fn kmip_1_4(self) -> bool {
        self.0 & V1_4 != 0
    }

    /// Defined in KMIP 2.1 (the 2.x line).
    pub fn kmip_2_1(self) -> bool {
        self.0 & V2_1 != 0
    }
}

/// A name the dictionary knows for a value.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Name {
    /// The value (a tag number, an enumeration value or a mask bit).
    pub value: u32,
    /// The normalized name.
    pub name: &'static str,
    /// Whether this is the name printed for the value (one per value).
    pub canonical: bool,
    /// The specifications that use this name.
    pub versions: Versions,
}

impl From<&Entry> for Name {
    fn from(e: &Entry) -> Self {
        Name {
            value: e.value,
            name: e.name,
            canonical: e.preferred,
            versions: Versions(e.versions),
        }
    }
}

/// Normalizes a name from the specification text as the "Normalizing Names" rules of the
/// KMIP Profiles 1.4 XML and JSON encodings describe, for example `"Cryptographic Usage Mask"` → `"CryptographicUsageMask"`,
/// `"IV/Counter/Nonce"` → `"IVCounterNonce"`, `"PKCS#11 Function"` → `"PKCS_11Function"`.
///
/// The 1.x encodings name attributes by text (`AttributeName` "Cryptographic Usage Mask");
/// normalizing that text finds the tag whose enumeration names the `AttributeValue`.
pub fn normalize_name(text: &str) -> String {
    let chars: Vec<char> = text
        .chars()
        .map(|c| if c == '(' || c == ')' { ' ' } else { c })
        .collect();
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    // A non-word character followed by a letter and a lower case letter separates words;
    // any other non-word character (except white space) becomes an underscore.
    let spaced: String = chars
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let next = chars.get(i + 1).copied().unwrap_or(' ');
            let after = chars.get(i + 2).copied().unwrap_or(' ');
            if word(c) || c.is_whitespace() {
                c
            } else if next.is_ascii_alphabetic() && after.is_ascii_lowercase() {
                ' '
            } else {
                '_'
            }
        })
        .collect();
    let mut out = String::new();
    for (i, w) in spaced.split_whitespace().enumerate() {
        let digits = if i == 0 {
            w.len() - w.trim_start_matches(|c: char| c.is_ascii_digit()).len()
        } else {
            0
        };
        let (lead, rest) = w.split_at(digits);
        let moved = format!("{rest}{lead}");
        let mut cs = moved.chars();
        if let Some(first) = cs.next() {
            out.extend(first.to_uppercase());
            out.push_str(cs.as_str());
        }
    }
    out
}

/// The canonical name of `tag`.
pub fn tag_name(tag: Tag) -> Option<&'static str> {
    canonical(TAGS, tag.value())
}

/// The tag with this name (canonical or not, any version).
pub fn tag_by_name(name: &str) -> Option<Tag> {
    let i = TAGS_BY_NAME
        .binary_search_by(|(n, _)| (*n).cmp(name))
        .ok()?;
    TAGS_BY_NAME.get(i).and_then(|(_, value)| Tag::new(*value))
}

/// Every tag name the dictionary knows, sorted by tag number.
pub fn tags() -> impl Iterator<Item = Name> {
    TAGS.iter().map(Name::from)
}

/// The names of the values of `tag`, if it is an Enumeration with named values or an
/// Integer bit mask (Cryptographic Usage Mask, Storage Status Mask, Protection Storage Mask).
pub fn value_names(tag: Tag) -> Option<ValueNames> {
    let i = TAG_VALUES
        .binary_search_by_key(&tag.value(), |(t, _)| *t)
        .ok()?;
    TAG_VALUES
        .get(i)
        .map(|(_, source)| ValueNames { source: *source })
}

/// The names of one tag's values (see [`value_names`]).
#[derive(Clone, Copy, Debug)]
pub struct ValueNames {
    source: EnumSource,
}

impl ValueNames {
    fn entries(self) -> &'static [Entry] {
        match self.source {
            EnumSource::Enumeration(e) | EnumSource::Mask(e) => e,
            EnumSource::Tags => TAGS,
        }
    }

    /// Whether the values are bit masks (Integers whose bits have names).
    pub fn is_mask(self) -> bool {
        matches!(self.source, EnumSource::Mask(_))
    }

    /// The canonical name of `value`.
    pub fn name(self, value: u32) -> Option<&'static str> {
        canonical(self.entries(), value)
    }

    /// The value with this name (canonical or not, any version).
    pub fn value(self, name: &str) -> Option<u32> {
        match self.source {
            EnumSource::Tags => tag_by_name(name).map(Tag::value),
            _ => self
                .entries()
                .iter()
                .find(|e| e.name == name)
                .map(|e| e.value),
        }
    }

    /// Every name, sorted by value.
    pub fn names(self) -> impl Iterator<Item = Name> {
        self.entries().iter().map(Name::from)
    }

    /// The canonical names of the bits set in `bits`, lowest bit first, and the bits that
    /// have no name.
    pub fn mask_names(self, bits: u32) -> (Vec<&'static str>, u32) {
        let mut rest = bits;
        let mut names = Vec::new();
        for e in self
            .entries()
            .iter()
            .filter(|e| e.preferred && e.value != 0)
        {
            if bits & e.value == e.value {
                names.push(e.name);
                rest &= !e.value;
            }
        }
        (names, rest)
    }
}

/// The preferred name of `value` in a table sorted by value.
fn canonical(entries: &'static [Entry], value: u32) -> Option<&'static str> {
    let start = entries.partition_point(|e| e.value < value);
    entries
        .get(start..)?
        .iter()
        .take_while(|e| e.value == value)
        .find(|e| e.preferred)
        .map(|e| e.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(v: u32) -> Tag {
        Tag::new(v).unwrap()
    }

    #[test]
    fn normalizes_like_the_profiles_examples() {
        let cases = [
            ("Cryptographic Usage Mask", "CryptographicUsageMask"),
            ("IV/Counter/Nonce", "IVCounterNonce"),
            ("Common Template-Attribute", "CommonTemplateAttribute"),
            ("PKCS#11 Function", "PKCS_11Function"),
            ("3DES", "DES3"),
            ("SHA-256", "SHA_256"),
            ("RSASSA-PSS", "RSASSA_PSS"),
            (
                "Content Commitment (Non Repudiation)",
                "ContentCommitmentNonRepudiation",
            ),
            ("On-line storage", "OnLineStorage"),
            ("Certificate Subject CN", "CertificateSubjectCN"),
            ("X.500 Distinguished Name", "X_500DistinguishedName"),
            ("MAC Generate", "MACGenerate"),
            ("", ""),
        ];
        for (text, normalized) in cases {
            assert_eq!(normalize_name(text), normalized, "{text}");
        }
    }

    #[test]
    fn tags_by_number_and_name() {
        assert_eq!(tag_name(tag(0x42_002C)), Some("CryptographicUsageMask"));
        assert_eq!(tag_by_name("CryptographicUsageMask"), Some(tag(0x42_002C)));
        assert_eq!(tag_by_name("IVCounterNonce"), Some(tag(0x42_003D)));
        assert_eq!(tag_by_name("NoSuchTag"), None);
        assert_eq!(tag_name(tag(0x54_0000)), None);
    }

    #[test]
    fn keeps_tags_removed_in_2_x() {
        // Attribute Index (KMIP 1.4) is "(Reserved)" in KMIP 2.1.
        let index = tags().find(|n| n.name == "AttributeIndex").unwrap();
        assert_eq!(index.value, 0x42_0009);
        assert!(index.versions.kmip_1_4() && !index.versions.kmip_2_1());
        // Private Key Template-Attribute is 1.x only; Private Key Attributes is 2.x only.
        assert_eq!(
            tag_by_name("PrivateKeyTemplateAttribute"),
            Some(tag(0x42_0065))
        );
        assert!(tag_by_name("PrivateKeyAttributes").is_some());
    }

    #[test]
    fn enumeration_names_both_ways() {
        let algorithms = value_names(tag(0x42_0028)).unwrap();
        assert!(!algorithms.is_mask());
        assert_eq!(algorithms.value("AES"), Some(3));
        assert_eq!(algorithms.name(3), Some("AES"));
        assert_eq!(algorithms.value("DES3"), Some(2));
        assert_eq!(algorithms.value("Nonsense"), None);
        assert_eq!(algorithms.name(0x8000_0001), None);
    }

    #[test]
    fn names_that_differ_between_versions_are_all_accepted() {
        let hashes = value_names(tag(0x42_0038)).unwrap();
        // KMIP 1.4 "SHA-3-256", KMIP 2.1 "SHA3-256".
        assert_eq!(hashes.value("SHA_3_256"), Some(0x0F));
        assert_eq!(hashes.value("SHA3_256"), Some(0x0F));
        assert_eq!(hashes.name(0x0F), Some("SHA3_256"));
        // KMIP 2.1 misspells MGF1; the right spelling stays canonical.
        let generators = value_names(tag(0x42_0101)).unwrap();
        assert_eq!(generators.value("MFG1"), Some(1));
        assert_eq!(generators.name(1), Some("MGF1"));
    }

    #[test]
    fn mask_names_split_bits() {
        let usage = value_names(tag(0x42_002C)).unwrap();
        assert!(usage.is_mask());
        assert_eq!(usage.value("Encrypt"), Some(4));
        assert_eq!(usage.mask_names(0x0C), (vec!["Encrypt", "Decrypt"], 0));
        assert_eq!(
            usage.mask_names(0x8000_0004),
            (vec!["Encrypt"], 0x8000_0000)
        );
    }

    /// The lookups binary-search the generated tables: check they are sorted and consistent.
    #[test]
    fn generated_tables_are_sorted_and_consistent() {
        assert!(TAGS.len() > 370, "{} tag names", TAGS.len());
        assert!(TAGS.windows(2).all(|w| w[0].value <= w[1].value));
        assert!(TAGS_BY_NAME.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(TAG_VALUES.windows(2).all(|w| w[0].0 < w[1].0));
        for (name, value) in TAGS_BY_NAME {
            assert!(Tag::new(*value).is_some(), "{name}");
            assert!(
                TAGS.iter().any(|e| e.value == *value && e.name == *name),
                "{name}"
            );
        }
        for (tag, source) in TAG_VALUES {
            assert!(tag_name(Tag::new(*tag).unwrap()).is_some(), "{tag:#x}");
            let names = ValueNames { source: *source };
            let entries = names.entries();
            assert!(
                entries.windows(2).all(|w| w[0].value <= w[1].value),
                "{tag:#x}"
            );
            for e in entries {
                let canonical = entries.iter().filter(|o| o.value == e.value && o.preferred);
                assert_eq!(canonical.count(), 1, "{tag:#x} {}", e.name);
                assert_eq!(names.value(e.name), Some(e.value), "{tag:#x} {}", e.name);
                assert!(
                    !e.name.is_empty()
                        && e.name
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
                );
            }
        }
    }

    #[test]
    fn attribute_reference_values_are_tags() {
        let reference = value_names(tag(0x42_013B)).unwrap();
        assert_eq!(reference.value("ActivationDate"), Some(0x42_0001));
        assert_eq!(reference.name(0x42_0001), Some("ActivationDate"));
    }
}
