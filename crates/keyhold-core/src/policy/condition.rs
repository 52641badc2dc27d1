//! Conditions on a policy statement (DESIGN.md section 6): source address,
//! time window, MFA, token age and encryption context. Every condition of a
//! statement must hold for the statement to apply.

use std::collections::BTreeMap;
use std::net::IpAddr;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use crate::error::CoreError;
use crate::time::Timestamp;

/// A daily window in UTC: `start` to `end` minutes after midnight (`end`
/// before `start` wraps past midnight), on the listed weekdays (0 = Monday;
/// empty = every day).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeWindow {
    /// Minutes after midnight UTC when the window opens (0..1440).
    pub start_minute: u16,
    /// Minutes after midnight UTC when it closes (0..1440).
    pub end_minute: u16,
    /// Weekdays, 0 = Monday ... 6 = Sunday; empty means every day.
    #[serde(default)]
    pub weekdays: Vec<u8>,
}

impl TimeWindow {
    fn check(&self) -> Result<(), CoreError> {
        let bad = |reason| {
            Err(CoreError::InvalidValue {
                field: "time_window",
                reason,
            })
        };
        if self.start_minute >= 1440 || self.end_minute >= 1440 {
            return bad("minutes are 0 to 1439");
        }
        if self.start_minute == self.end_minute {
            return bad("an empty window never opens");
        }
        if self.weekdays.iter().any(|d| *d > 6) {
            return bad("weekdays are 0 (Monday) to 6 (Sunday)");
        }
        Ok(())
    }

    fn contains(&self, now: Timestamp) -> bool {
        let secs = now.unix_seconds();
        let minute = u16::try_from(secs.rem_euclid(86_400) / 60).unwrap_or(0);
        // 1970-01-01 was a Thursday (3 when Monday is 0).
        let weekday = u8::try_from((secs.div_euclid(86_400) + 3).rem_euclid(7)).unwrap_or(0);
        let day_ok = self.weekdays.is_empty() || self.weekdays.contains(&weekday);
        let in_window = if self.start_minute < self.end_minute {
            (self.start_minute..self.end_minute).contains(&minute)
        } else {
            minute >= self.start_minute || minute < self.end_minute
        };
        day_ok && in_window
    }
}

/// The conditions of one statement, as written in a policy.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Conditions {
    /// The request must come from one of these networks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub source_cidrs: Vec<IpNet>,
    /// The request must fall in this window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_window: Option<TimeWindow>,
    /// `true`: a fresh MFA code must come with the request.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub mfa_required: bool,
    /// The token must be at most this old, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_token_age_secs: Option<u64>,
    /// The encryption context must hold these keys with these values.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub context_equals: BTreeMap<String, String>,
    /// The encryption context must hold these keys (any value).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub context_keys: Vec<String>,
}

/// What conditions look at in a request.
#[derive(Clone, Copy, Debug)]
pub struct RequestFacts<'a> {
    /// The peer address.
    pub source: Option<IpAddr>,
    /// Now.
    pub now: Timestamp,
    /// Whether a valid, fresh MFA code came with the request.
    pub mfa: bool,
    /// Age of the token used, in seconds.
    pub token_age_secs: Option<u64>,
    /// The request's encryption context, if it has one.
    pub context: Option<&'a BTreeMap<String, String>>,
}

impl Conditions {
    /// Checks the values (called when a policy is written).
    pub fn check(&self) -> Result<(), CoreError> {
        self.time_window.as_ref().map_or(Ok(()), TimeWindow::check)
    }

    /// Whether every condition holds (no allocation).
    pub fn hold(&self, r: &RequestFacts<'_>) -> bool {
        let source_ok = self.source_cidrs.is_empty()
            || r.source
                .is_some_and(|ip| self.source_cidrs.iter().any(|n| n.contains(&ip)));
        let time_ok = self.time_window.as_ref().is_none_or(|w| w.contains(r.now));
        let mfa_ok = !self.mfa_required || r.mfa;
        let age_ok = self
            .max_token_age_secs
            .is_none_or(|max| r.token_age_secs.is_some_and(|age| age <= max));
        let ctx_ok = (self.context_equals.is_empty() && self.context_keys.is_empty())
            || r.context.is_some_and(|c| {
                self.context_equals.iter().all(|(k, v)| c.get(k) == Some(v))
                    && self.context_keys.iter().all(|k| c.contains_key(k))
            });
        source_ok && time_ok && mfa_ok && age_ok && ctx_ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(now: &str) -> RequestFacts<'static> {
        RequestFacts {
            source: Some("10.1.2.3".parse().unwrap()),
            now: Timestamp::parse_rfc3339(now).unwrap(),
            mfa: false,
            token_age_secs: Some(100),
            context: None,
        }
    }

    #[test]
    fn no_condition_always_holds() {
        assert!(Conditions::default().hold(&facts("2026-11-23T12:00:00Z")));
    }

    #[test]
    fn source_mfa_and_token_age() {
        let mut c = Conditions {
            source_cidrs: vec!["10.0.0.0/8".parse().unwrap()],
            ..Default::default()
        };
        let mut f = facts("2026-11-23T12:00:00Z");
        assert!(c.hold(&f));
        f.source = Some("192.168.1.1".parse().unwrap());
        assert!(!c.hold(&f));
        f.source = None;
        assert!(!c.hold(&f));
        c = Conditions {
            mfa_required: true,
            ..Default::default()
        };
        assert!(!c.hold(&f));
        f.mfa = true;
        assert!(c.hold(&f));
        c = Conditions {
            max_token_age_secs: Some(60),
            ..Default::default()
        };
        assert!(!c.hold(&f));
        f.token_age_secs = Some(60);
        assert!(c.hold(&f));
        f.token_age_secs = None;
        assert!(!c.hold(&f));
    }

    #[test]
    fn time_windows_including_midnight_and_weekdays() {
        // 2026-11-23 is a Monday.
        let office = TimeWindow {
            start_minute: 9 * 60,
            end_minute: 17 * 60,
            weekdays: vec![0, 1, 2, 3, 4],
        };
        let c = Conditions {
            time_window: Some(office),
            ..Default::default()
        };
        assert!(c.hold(&facts("2026-11-23T09:00:00Z")));
        assert!(!c.hold(&facts("2026-11-23T17:00:00Z")));
        assert!(!c.hold(&facts("2026-11-22T12:00:00Z")), "Sunday");
        let night = TimeWindow {
            start_minute: 22 * 60,
            end_minute: 2 * 60,
            weekdays: vec![],
        };
        let c = Conditions {
            time_window: Some(night),
            ..Default::default()
        };
        assert!(c.hold(&facts("2026-11-23T23:30:00Z")));
        assert!(c.hold(&facts("2026-11-24T01:59:00Z")));
        assert!(!c.hold(&facts("2026-11-24T02:00:00Z")));
        for bad in [(0, 0), (1440, 10), (10, 1440)] {
            let w = TimeWindow {
                start_minute: bad.0,
                end_minute: bad.1,
                weekdays: vec![],
            };
            assert!(
                Conditions {
                    time_window: Some(w),
                    ..Default::default()
                }
                .check()
                .is_err()
            );
        }
        let w = TimeWindow {
            start_minute: 1,
            end_minute: 2,
            weekdays: vec![7],
        };
        assert!(
            Conditions {
                time_window: Some(w),
                ..Default::default()
            }
            .check()
            .is_err()
        );
    }

    #[test]
    fn encryption_context() {
        let c = Conditions {
            context_equals: BTreeMap::from([("app".into(), "billing".into())]),
            context_keys: vec!["row".into()],
            ..Default::default()
        };
        let mut f = facts("2026-11-23T12:00:00Z");
        assert!(!c.hold(&f), "no context at all");
        let good = BTreeMap::from([("app".into(), "billing".into()), ("row".into(), "7".into())]);
        f.context = Some(&good);
        assert!(c.hold(&f));
        let wrong = BTreeMap::from([("app".into(), "hr".into()), ("row".into(), "7".into())]);
        f.context = Some(&wrong);
        assert!(!c.hold(&f));
        let missing = BTreeMap::from([("app".into(), "billing".into())]);
        f.context = Some(&missing);
        assert!(!c.hold(&f));
    }

    #[test]
    fn unknown_condition_fields_are_refused() {
        let bad = r#"{"source_cidr":["10.0.0.0/8"]}"#;
        assert!(serde_json::from_str::<Conditions>(bad).is_err());
        let bad_net = r#"{"source_cidrs":["10.0.0.0/33"]}"#;
        assert!(serde_json::from_str::<Conditions>(bad_net).is_err());
    }
}
