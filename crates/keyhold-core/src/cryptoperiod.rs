//! A key's cryptoperiod (NIST SP 800-57 Part 1 Rev. 5, section 5.3): the
//! originator-usage period (OUP), during which a version may apply
//! protection (encrypt, sign, wrap, MAC, data keys), and the
//! recipient-usage period (RUP), during which it may process protected data
//! (decrypt, verify, unwrap). Both start when a version is activated
//! (section 5.3.5: the RUP begins with the OUP and lasts at least as long).
//!
//! The periods are set on the key and run per version, from each version's
//! activation date: a rotation starts a new cryptoperiod for the new
//! primary. In KMIP terms (KMIP 2.1 sections 4.48 and 4.13) the end of the
//! OUP is the version's Protect Stop Date, and the end of the RUP its
//! Deactivation Date:
//! - when the OUP ends, protect operations are refused
//!   ([`CoreError::CryptoperiodEnded`]), checked at each use against the
//!   clock ([`Cryptoperiod::protect_stopped`]); process operations go on;
//! - when the RUP ends, the scheduler deactivates the version (Active or
//!   Suspended → Deactivated, through [`transition`](crate::transition)).
//!
//! Everything here is pure: the caller passes the time.

use serde::{Deserialize, Serialize};

use crate::error::CoreError;
use crate::time::Timestamp;

/// The shortest period accepted, in seconds: one hour.
pub const MIN_PERIOD_SECS: u64 = 3_600;

/// The longest period accepted, in seconds: thirty years (SP 800-57 Part 1
/// Table 1 allows recipient-usage periods of decades for some keys).
pub const MAX_PERIOD_SECS: u64 = 30 * 365 * 86_400;

/// A key's originator- and recipient-usage periods, in seconds; either may
/// be unset (no limit).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Cryptoperiod {
    /// How long a version may protect, from its activation.
    pub originator_usage_secs: Option<u64>,
    /// How long a version may process, from its activation (at least the
    /// originator-usage period).
    pub recipient_usage_secs: Option<u64>,
}

impl Cryptoperiod {
    /// No limit on either use.
    pub const NONE: Self = Self {
        originator_usage_secs: None,
        recipient_usage_secs: None,
    };

    /// Checks the periods: each within [`MIN_PERIOD_SECS`] to
    /// [`MAX_PERIOD_SECS`], and the recipient-usage period no shorter than
    /// the originator-usage period (SP 800-57 Part 1 section 5.3.5).
    pub fn check(&self) -> Result<(), CoreError> {
        let bounds = MIN_PERIOD_SECS..=MAX_PERIOD_SECS;
        if self
            .originator_usage_secs
            .is_some_and(|s| !bounds.contains(&s))
        {
            return Err(invalid("originator_usage_period_secs"));
        }
        if self
            .recipient_usage_secs
            .is_some_and(|s| !bounds.contains(&s))
        {
            return Err(invalid("recipient_usage_period_secs"));
        }
        if let (Some(oup), Some(rup)) = (self.originator_usage_secs, self.recipient_usage_secs) {
            if rup < oup {
                return Err(CoreError::InvalidValue {
                    field: "recipient_usage_period_secs",
                    reason: "must be at least the originator-usage period (NIST SP 800-57)",
                });
            }
        }
        Ok(())
    }

    /// When a version activated at `activation` stops protecting (its KMIP
    /// Protect Stop Date); `None` without an originator-usage period or
    /// before activation.
    pub fn protect_stop(&self, activation: Option<Timestamp>) -> Option<Timestamp> {
        end(activation, self.originator_usage_secs)
    }

    /// When a version activated at `activation` is to be deactivated: the
    /// end of its recipient-usage period.
    pub fn recipient_end(&self, activation: Option<Timestamp>) -> Option<Timestamp> {
        end(activation, self.recipient_usage_secs)
    }

    /// Whether, at `now`, a version activated at `activation` is past its
    /// originator-usage period: the period's end is at or before `now`.
    pub fn protect_stopped(&self, activation: Option<Timestamp>, now: Timestamp) -> bool {
        self.protect_stop(activation).is_some_and(|at| at <= now)
    }

    /// Whether, at `now`, a version activated at `activation` is past its
    /// recipient-usage period.
    pub fn recipient_ended(&self, activation: Option<Timestamp>, now: Timestamp) -> bool {
        self.recipient_end(activation).is_some_and(|at| at <= now)
    }
}

/// `start + secs`, when both are known.
fn end(start: Option<Timestamp>, secs: Option<u64>) -> Option<Timestamp> {
    let secs = i64::try_from(secs?).unwrap_or(i64::MAX);
    start.map(|s| s.plus_seconds(secs))
}

fn invalid(field: &'static str) -> CoreError {
    CoreError::InvalidValue {
        field,
        reason: "must be 3600 (one hour) to 946080000 (thirty years) seconds",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: u64 = 86_400;
    const T0: Timestamp = Timestamp::from_unix_seconds(1_800_000_000);

    fn period(oup: Option<u64>, rup: Option<u64>) -> Cryptoperiod {
        Cryptoperiod {
            originator_usage_secs: oup,
            recipient_usage_secs: rup,
        }
    }

    fn at_day(days: u64) -> Timestamp {
        T0.plus_seconds(i64::try_from(days * DAY).unwrap())
    }

    #[test]
    fn check_bounds_each_period_and_orders_them() {
        let cases = [
            (None, None, Ok(())),
            (Some(MIN_PERIOD_SECS), None, Ok(())),
            (None, Some(MAX_PERIOD_SECS), Ok(())),
            (Some(30 * DAY), Some(30 * DAY), Ok(())),
            (Some(30 * DAY), Some(90 * DAY), Ok(())),
            (
                Some(MIN_PERIOD_SECS - 1),
                None,
                Err("originator_usage_period_secs"),
            ),
            (
                Some(MAX_PERIOD_SECS + 1),
                None,
                Err("originator_usage_period_secs"),
            ),
            (None, Some(0), Err("recipient_usage_period_secs")),
            (
                Some(90 * DAY),
                Some(30 * DAY),
                Err("recipient_usage_period_secs"),
            ),
        ];
        for (oup, rup, want) in cases {
            let got = period(oup, rup).check().map_err(|e| match e {
                CoreError::InvalidValue { field, .. } => field,
                other => panic!("{other:?}"),
            });
            assert_eq!(got, want, "oup={oup:?} rup={rup:?}");
        }
    }

    #[test]
    fn ends_count_from_the_activation_date() {
        let p = period(Some(30 * DAY), Some(90 * DAY));
        assert_eq!(p.protect_stop(Some(T0)), Some(at_day(30)));
        assert_eq!(p.recipient_end(Some(T0)), Some(at_day(90)));
        assert_eq!(
            p.protect_stop(None),
            None,
            "a pre-active version has no end yet"
        );
        assert_eq!(Cryptoperiod::NONE.protect_stop(Some(T0)), None);
        assert_eq!(Cryptoperiod::NONE.recipient_end(Some(T0)), None);
    }

    #[test]
    fn a_period_ends_at_its_last_instant_not_before() {
        let p = period(Some(30 * DAY), Some(90 * DAY));
        let stop = at_day(30);
        assert!(!p.protect_stopped(
            Some(T0),
            Timestamp::from_unix_micros(stop.unix_micros() - 1)
        ));
        assert!(p.protect_stopped(Some(T0), stop));
        assert!(!p.recipient_ended(Some(T0), stop));
        assert!(p.recipient_ended(Some(T0), at_day(90)));
        assert!(!Cryptoperiod::NONE.protect_stopped(Some(T0), at_day(10_000)));
    }

    #[test]
    fn an_enormous_period_saturates_instead_of_wrapping() {
        let p = period(Some(u64::MAX), None);
        assert_eq!(
            p.protect_stop(Some(T0)),
            Some(Timestamp::from_unix_micros(i64::MAX))
        );
        assert!(!p.protect_stopped(Some(T0), at_day(100_000)));
    }
}
