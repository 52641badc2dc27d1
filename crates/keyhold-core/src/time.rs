//! A point in time, UTC, with microsecond resolution.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::CoreError;

/// A UTC instant, stored as microseconds since the Unix epoch and shown as
/// RFC 3339 text.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The Unix epoch.
    pub const EPOCH: Self = Self(0);

    /// From microseconds since the epoch.
    pub const fn from_unix_micros(micros: i64) -> Self {
        Self(micros)
    }

    /// From whole seconds since the epoch (KMIP Date-Time precision).
    pub const fn from_unix_seconds(seconds: i64) -> Self {
        Self(seconds.saturating_mul(1_000_000))
    }

    /// Microseconds since the epoch.
    pub const fn unix_micros(self) -> i64 {
        self.0
    }

    /// Whole seconds since the epoch, rounded down.
    pub const fn unix_seconds(self) -> i64 {
        self.0.div_euclid(1_000_000)
    }

    /// This instant moved by `seconds` (saturating).
    pub const fn plus_seconds(self, seconds: i64) -> Self {
        Self(self.0.saturating_add(seconds.saturating_mul(1_000_000)))
    }

    /// From an `OffsetDateTime` (any offset).
    pub fn from_datetime(dt: OffsetDateTime) -> Self {
        let nanos = dt.unix_timestamp_nanos();
        let micros = nanos.div_euclid(1_000);
        Self(i64::try_from(micros).unwrap_or(if micros < 0 { i64::MIN } else { i64::MAX }))
    }

    /// As an `OffsetDateTime` in UTC; `None` outside time's range.
    pub fn to_datetime(self) -> Option<OffsetDateTime> {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1_000).ok()
    }

    /// RFC 3339 text, e.g. `2026-11-23T19:15:00.123456Z`.
    pub fn to_rfc3339(self) -> String {
        self.to_datetime()
            .and_then(|dt| dt.format(&Rfc3339).ok())
            .unwrap_or_else(|| format!("@{}us", self.0))
    }

    /// Parses RFC 3339 text.
    pub fn parse_rfc3339(s: &str) -> Result<Self, CoreError> {
        OffsetDateTime::parse(s, &Rfc3339)
            .map(Self::from_datetime)
            .map_err(|_| CoreError::InvalidValue {
                field: "timestamp",
                reason: "expected RFC 3339 date-time",
            })
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({})", self.to_rfc3339())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse_rfc3339(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trip() {
        let t = Timestamp::parse_rfc3339("2026-11-23T19:15:00.123456Z").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-23T19:15:00.123456Z");
        assert_eq!(t.unix_seconds(), 1_795_461_300);
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(serde_json::from_str::<Timestamp>(&json).unwrap(), t);
    }

    #[test]
    fn bad_text_is_refused() {
        assert!(Timestamp::parse_rfc3339("yesterday").is_err());
        assert!(serde_json::from_str::<Timestamp>("\"2026-13-01T00:00:00Z\"").is_err());
    }

    #[test]
    fn arithmetic_saturates() {
        assert_eq!(
            Timestamp::from_unix_seconds(10)
                .plus_seconds(5)
                .unix_seconds(),
            15
        );
        assert_eq!(
            Timestamp::from_unix_micros(i64::MAX)
                .plus_seconds(1)
                .unix_micros(),
            i64::MAX
        );
    }
}
