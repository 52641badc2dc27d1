//! Patterns in policy statements: sets of actions and resource patterns,
//! compiled once so that matching allocates nothing.

use std::collections::BTreeMap;

use crate::action::Action;
use crate::error::CoreError;

/// A set of actions, as one bit per action.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ActionSet(u128);

impl ActionSet {
    /// Every action a wildcard grants: all but those that must be named
    /// ([`Action::wildcard_grants`]).
    pub fn all() -> Self {
        Action::ALL
            .iter()
            .filter(|a| a.wildcard_grants())
            .fold(Self::default(), |s, a| s.with(*a))
    }

    /// This set plus `action`.
    pub fn with(self, action: Action) -> Self {
        Self(self.0 | (1u128 << action.index()))
    }

    /// Whether `action` is in the set.
    pub fn contains(self, action: Action) -> bool {
        self.0 & (1u128 << action.index()) != 0
    }

    /// Parses `key:encrypt` (one action), `key:*` (a family) or `*` (all);
    /// `key:use-compromised` is only ever granted by its own name.
    pub fn parse(pattern: &str) -> Result<Self, CoreError> {
        if pattern == "*" {
            return Ok(Self::all());
        }
        if let Some(family) = pattern.strip_suffix(":*") {
            let set = Action::ALL
                .iter()
                .filter(|a| a.as_str().split(':').next() == Some(family))
                .filter(|a| a.wildcard_grants())
                .fold(Self::default(), |s, a| s.with(*a));
            return match set.0 {
                0 => Err(invalid("action", "no action has this family")),
                _ => Ok(set),
            };
        }
        pattern.parse::<Action>().map(|a| Self::default().with(a))
    }

    /// The union of several patterns; an empty list is an error (a statement
    /// about no action is a mistake, not a no-op).
    pub fn parse_all<'a>(patterns: impl IntoIterator<Item = &'a str>) -> Result<Self, CoreError> {
        let mut set = Self::default();
        let mut any = false;
        for p in patterns {
            set = Self(set.0 | Self::parse(p)?.0);
            any = true;
        }
        if !any {
            return Err(invalid("actions", "must name at least one action"));
        }
        Ok(set)
    }
}

/// A name pattern where `*` matches any run of characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Glob {
    /// The literal pieces between the stars.
    pieces: Vec<String>,
    /// Whether the pattern starts with a star.
    open_start: bool,
    /// Whether the pattern ends with a star.
    open_end: bool,
}

impl Glob {
    /// Compiles a glob; at most 128 bytes.
    pub fn new(pattern: &str) -> Result<Self, CoreError> {
        if pattern.is_empty() || pattern.len() > 128 {
            return Err(invalid("resource", "a name pattern must be 1 to 128 bytes"));
        }
        let pieces = pattern
            .split('*')
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect();
        Ok(Self {
            pieces,
            open_start: pattern.starts_with('*'),
            open_end: pattern.ends_with('*'),
        })
    }

    /// Whether `name` matches (no allocation).
    pub fn matches(&self, name: &str) -> bool {
        let mut rest = name;
        let last = self.pieces.len().saturating_sub(1);
        for (i, piece) in self.pieces.iter().enumerate() {
            let anchored_start = i == 0 && !self.open_start;
            let anchored_end = i == last && !self.open_end;
            if anchored_start {
                let Some(r) = rest.strip_prefix(piece.as_str()) else {
                    return false;
                };
                rest = r;
                if anchored_end {
                    return rest.is_empty();
                }
            } else if anchored_end {
                return rest.len() >= piece.len() && rest.ends_with(piece.as_str());
            } else {
                let Some(pos) = rest.find(piece.as_str()) else {
                    return false;
                };
                rest = rest.get(pos + piece.len()..).unwrap_or("");
            }
        }
        // No pieces: "*" (anything) or, impossible here, an empty pattern.
        self.open_end || self.open_start || rest.is_empty()
    }
}

/// What a statement applies to, within the policy's tenant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResourcePattern {
    /// `*`: everything.
    Any,
    /// `key/<glob>`: keys whose name matches.
    KeyName(Glob),
    /// `tag/<name>=<value>`: keys carrying this tag.
    KeyTag {
        /// Tag name.
        name: String,
        /// Tag value.
        value: String,
    },
}

impl ResourcePattern {
    /// Parses `*`, `key/<glob>` or `tag/<name>=<value>`.
    pub fn parse(text: &str) -> Result<Self, CoreError> {
        if text == "*" {
            return Ok(Self::Any);
        }
        if let Some(glob) = text.strip_prefix("key/") {
            return Glob::new(glob).map(Self::KeyName);
        }
        if let Some(tag) = text.strip_prefix("tag/") {
            let (name, value) = tag
                .split_once('=')
                .ok_or(invalid("resource", "a tag pattern is tag/<name>=<value>"))?;
            if name.is_empty() {
                return Err(invalid("resource", "a tag pattern needs a tag name"));
            }
            return Ok(Self::KeyTag {
                name: name.to_owned(),
                value: value.to_owned(),
            });
        }
        Err(invalid(
            "resource",
            "expected *, key/<name pattern> or tag/<name>=<value>",
        ))
    }

    /// Whether the resource of a request matches. Requests about no key
    /// (listing, random bytes, access management) match only `*`.
    pub fn matches(&self, key: Option<KeyFacts<'_>>) -> bool {
        match (self, key) {
            (Self::Any, _) => true,
            (_, None) => false,
            (Self::KeyName(glob), Some(k)) => glob.matches(k.name),
            (Self::KeyTag { name, value }, Some(k)) => k.tags.get(name) == Some(value),
        }
    }
}

/// What a policy may look at about the key a request concerns.
#[derive(Clone, Copy, Debug)]
pub struct KeyFacts<'a> {
    /// The key's name.
    pub name: &'a str,
    /// The key's tags.
    pub tags: &'a BTreeMap<String, String>,
}

fn invalid(field: &'static str, reason: &'static str) -> CoreError {
    CoreError::InvalidValue { field, reason }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_patterns() {
        let one = ActionSet::parse("key:encrypt").unwrap();
        assert!(one.contains(Action::KeyEncrypt) && !one.contains(Action::KeyDecrypt));
        let fam = ActionSet::parse("key:*").unwrap();
        assert!(fam.contains(Action::KeyDecrypt) && !fam.contains(Action::AuditRead));
        assert!(ActionSet::parse("*").unwrap().contains(Action::SysSeal));
        for bad in ["key:fly", "nope:*", "", "key", "*:*"] {
            assert!(ActionSet::parse(bad).is_err(), "{bad}");
        }
        assert!(ActionSet::parse_all([]).is_err());
    }

    #[test]
    fn globs() {
        let cases = [
            ("payments", "payments", true),
            ("payments", "payments2", false),
            ("pay*", "payments", true),
            ("pay*", "xpay", false),
            ("*ments", "payments", true),
            ("*ments", "paymentsx", false),
            ("app/*/db", "app/eu/db", true),
            ("app/*/db", "app/eu/dbx", false),
            ("a*b*c", "axxbyyc", true),
            ("a*b*c", "acb", false),
            ("*", "anything", true),
            ("*mid*", "a-mid-b", true),
            ("*mid*", "a-mud-b", false),
            ("ab*ab", "ab", false),
            ("ab*ab", "abab", true),
        ];
        for (pattern, name, want) in cases {
            assert_eq!(
                Glob::new(pattern).unwrap().matches(name),
                want,
                "{pattern} ~ {name}"
            );
        }
        assert!(Glob::new("").is_err());
    }

    #[test]
    fn resources() {
        let tags = BTreeMap::from([("team".to_owned(), "pay".to_owned())]);
        let key = Some(KeyFacts {
            name: "payments",
            tags: &tags,
        });
        let r = |t: &str| ResourcePattern::parse(t).unwrap();
        assert!(r("*").matches(None));
        assert!(r("key/pay*").matches(key));
        assert!(!r("key/pay*").matches(None));
        assert!(r("tag/team=pay").matches(key));
        assert!(!r("tag/team=ops").matches(key));
        for bad in ["key/", "tag/=x", "tag/team", "keys/x", ""] {
            assert!(ResourcePattern::parse(bad).is_err(), "{bad}");
        }
    }
}
