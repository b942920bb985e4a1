//! Time: the [`Timestamp`] every event carries and the [`Clock`] that supplies "now".
//!
//! The engine never reads the wall clock behind the caller's back: it asks its clock, which is
//! the system clock by default and a [`ManualClock`] in tests, simulations and replays.

use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result};

/// A UTC instant with millisecond precision, serialized as RFC 3339 (`2026-03-01T09:30:00.000Z`).
///
/// ```
/// use salespipe::Timestamp;
/// let t: Timestamp = "2026-03-01T09:30:00Z".parse().unwrap();
/// assert_eq!(t.to_string(), "2026-03-01T09:30:00.000Z");
/// assert_eq!(Timestamp::from_millis(t.as_millis()), t);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The earliest instant RFC 3339 can write: 0000-01-01T00:00:00.000Z.
    pub const MIN_RFC3339: Timestamp = Timestamp(-62_167_219_200_000);
    /// The latest instant RFC 3339 can write: 9999-12-31T23:59:59.999Z.
    pub const MAX_RFC3339: Timestamp = Timestamp(253_402_300_799_999);

    /// The earliest instant the engine accepts from its clock or in a command:
    /// 0000-01-03T00:00:00.000Z, two days after [`Timestamp::MIN_RFC3339`].
    pub const MIN_INPUT: Timestamp = Timestamp(-62_167_046_400_000);
    /// The latest instant the engine accepts from its clock or in a command:
    /// 9999-12-30T00:00:00.000Z, two days before the end of [`Timestamp::MAX_RFC3339`]. The
    /// margin keeps every later read of an accepted instant inside the years 0000 to 9999:
    /// its local day in any time zone (offsets up to ±14 h), that day's end and the start of
    /// the day after it.
    pub const MAX_INPUT: Timestamp = Timestamp(253_402_128_000_000);

    /// Checks that an instant given to the engine (by its clock or in a command) lies in
    /// [`Timestamp::MIN_INPUT`]..=[`Timestamp::MAX_INPUT`]; the error is a
    /// [`Error::Validation`] naming `field`.
    ///
    /// ```
    /// use salespipe::Timestamp;
    /// assert_eq!(Timestamp::MIN_INPUT.to_string(), "0000-01-03T00:00:00.000Z");
    /// assert_eq!(Timestamp::MAX_INPUT.to_string(), "9999-12-30T00:00:00.000Z");
    /// assert!(Timestamp::MAX_INPUT.check_input("due").is_ok());
    /// assert!(Timestamp::MAX_INPUT.plus_millis(1).check_input("due").is_err());
    /// ```
    pub fn check_input(self, field: &str) -> Result<Self> {
        if (Self::MIN_INPUT..=Self::MAX_INPUT).contains(&self) {
            Ok(self)
        } else {
            Err(Error::validation(
                field,
                format!(
                    "{} is outside {} to {}, the instants the engine accepts",
                    self,
                    Self::MIN_INPUT,
                    Self::MAX_INPUT
                ),
            ))
        }
    }

    /// Checks that the instant can be stored and read back (years 0000 to 9999); the error
    /// names `field`.
    ///
    /// ```
    /// use salespipe::Timestamp;
    /// assert!(Timestamp::from_millis(0).check("at").is_ok());
    /// assert!(Timestamp::from_millis(i64::MAX).check("at").is_err());
    /// ```
    pub fn check(self, field: &str) -> Result<Self> {
        if (Self::MIN_RFC3339..=Self::MAX_RFC3339).contains(&self) {
            Ok(self)
        } else {
            Err(Error::validation(
                field,
                format!("{} ms since 1970 is outside the years 0000 to 9999", self.0),
            ))
        }
    }

    /// The instant `ms` milliseconds after 1970-01-01T00:00:00Z.
    pub const fn from_millis(ms: i64) -> Self {
        Timestamp(ms)
    }

    /// Milliseconds since 1970-01-01T00:00:00Z.
    pub const fn as_millis(self) -> i64 {
        self.0
    }

    /// This instant as a chrono `DateTime<Utc>`.
    pub fn to_datetime(self) -> DateTime<Utc> {
        Utc.timestamp_millis_opt(self.0)
            .single()
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    /// The instant of a chrono date-time (sub-millisecond precision is truncated).
    pub fn from_datetime<Tz: TimeZone>(dt: &DateTime<Tz>) -> Self {
        Timestamp(dt.timestamp_millis())
    }

    /// This instant plus a number of milliseconds, saturating at the ends of the range.
    pub const fn plus_millis(self, ms: i64) -> Self {
        Timestamp(self.0.saturating_add(ms))
    }

    /// This instant plus a std duration, saturating.
    pub fn plus(self, d: std::time::Duration) -> Self {
        self.plus_millis(i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    }

    /// Midnight UTC of a calendar date.
    pub fn from_date(d: chrono::NaiveDate) -> Self {
        Timestamp(
            d.and_time(chrono::NaiveTime::MIN)
                .and_utc()
                .timestamp_millis(),
        )
    }

    /// Parses RFC 3339; the error names the offending text.
    pub fn parse(s: &str) -> Result<Self> {
        DateTime::parse_from_rfc3339(s)
            .map(|dt| Timestamp::from_datetime(&dt))
            .map_err(|e| Error::validation("timestamp", format!("{s:?} is not RFC 3339: {e}")))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            &self
                .to_datetime()
                .to_rfc3339_opts(SecondsFormat::Millis, true),
        )
    }
}

impl std::str::FromStr for Timestamp {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Timestamp::parse(s)
    }
}

impl<Tz: TimeZone> From<DateTime<Tz>> for Timestamp {
    fn from(dt: DateTime<Tz>) -> Self {
        Timestamp::from_datetime(&dt)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Timestamp::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// The source of "now" for an engine.
///
/// Any `Fn() -> Timestamp + Send + Sync` is a clock:
/// ```
/// use salespipe::{Clock, Timestamp};
/// let fixed = || Timestamp::from_millis(42);
/// assert_eq!(fixed.now(), Timestamp::from_millis(42));
/// ```
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> Timestamp;
}

impl<F: Fn() -> Timestamp + Send + Sync> Clock for F {
    fn now(&self) -> Timestamp {
        self()
    }
}

/// The operating system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_datetime(&Utc::now())
    }
}

/// A clock that moves only when told to; clones share the same time.
///
/// ```
/// use salespipe::{Clock, ManualClock, Timestamp};
/// let clock = ManualClock::new("2026-01-05T09:00:00Z".parse().unwrap());
/// clock.advance(std::time::Duration::from_secs(3600));
/// assert_eq!(clock.now().to_string(), "2026-01-05T10:00:00.000Z");
/// ```
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    /// A clock standing at `t`.
    pub fn new(t: Timestamp) -> Self {
        ManualClock(Arc::new(AtomicI64::new(t.as_millis())))
    }

    /// Sets the time (it may go backwards; the engine stamps what the clock says).
    pub fn set(&self, t: Timestamp) {
        self.0.store(t.as_millis(), Ordering::SeqCst);
    }

    /// Moves the time forward.
    pub fn advance(&self, d: std::time::Duration) {
        let now = self.now().plus(d);
        self.set(now);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.0.load(Ordering::SeqCst))
    }
}

/// The longest duration the engine accepts in a definition or rule (a stage's
/// `rotting_after`, a customer's `cadence`, an approval process's `sla`, every duration of the
/// reminder rules): 3650 days, about ten years. Every later read adds such a duration to an
/// instant, formats it as text and parses it back (the bindings turn it into a Python
/// `timedelta` or a number of milliseconds); this bound keeps all of them exact.
pub const MAX_DURATION: std::time::Duration = std::time::Duration::from_secs(3650 * 86_400);

/// Checks that a duration is at most [`MAX_DURATION`]; the error is a [`Error::Validation`]
/// naming `field`.
///
/// ```
/// use std::time::Duration;
/// use salespipe::clock::{check_duration, MAX_DURATION};
/// assert!(check_duration("cadence", Duration::from_secs(14 * 86_400)).is_ok());
/// let err = check_duration("cadence", MAX_DURATION + Duration::from_secs(1)).unwrap_err();
/// assert!(err.to_string().contains("cadence"));
/// ```
pub fn check_duration(field: &str, d: std::time::Duration) -> Result<std::time::Duration> {
    if d > MAX_DURATION {
        Err(Error::validation(field, duration_too_long(d)))
    } else {
        Ok(d)
    }
}

/// Reads a stored duration above [`MAX_DURATION`] (written before the engine checked it) as
/// [`MAX_DURATION`]: longer than any deal, cadence or SLA, and every binding can read it.
pub(crate) fn cap_duration(d: &mut std::time::Duration) {
    if *d > MAX_DURATION {
        *d = MAX_DURATION;
    }
}

/// [`cap_duration`] of an optional duration.
pub(crate) fn cap_opt_duration(d: &mut Option<std::time::Duration>) {
    if let Some(d) = d {
        cap_duration(d);
    }
}

/// The message of a duration above [`MAX_DURATION`].
pub(crate) fn duration_too_long(d: std::time::Duration) -> String {
    format!(
        "{} s is longer than the limit of 3650 days ({} s)",
        d.as_secs(),
        MAX_DURATION.as_secs()
    )
}

/// Parses a date `YYYY-MM-DD` for a named field; the error is a [`Error::Validation`] naming
/// `field`.
///
/// ```
/// let d = salespipe::parse_date("expected_close", "2026-04-30")?;
/// assert_eq!(d.to_string(), "2026-04-30");
/// assert!(salespipe::parse_date("expected_close", "30/04/2026").is_err());
/// # Ok::<(), salespipe::Error>(())
/// ```
pub fn parse_date(field: &str, s: &str) -> Result<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|e| Error::validation(field, format!("{s:?} is not a date (YYYY-MM-DD): {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trip_and_offsets() {
        let t = Timestamp::parse("2026-03-01T17:30:00+08:00").unwrap();
        assert_eq!(t.to_string(), "2026-03-01T09:30:00.000Z");
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(json, "\"2026-03-01T09:30:00.000Z\"");
        let back: Timestamp = serde_json::from_str(&json).unwrap();
        assert_eq!(back, t);
    }

    #[test]
    fn the_representable_range_round_trips() {
        for t in [Timestamp::MIN_RFC3339, Timestamp::MAX_RFC3339] {
            let back: Timestamp = t.to_string().parse().unwrap();
            assert_eq!(back, t);
            assert!(t.check("t").is_ok());
        }
        assert!(Timestamp::MIN_RFC3339.plus_millis(-1).check("t").is_err());
        assert!(Timestamp::MAX_RFC3339.plus_millis(1).check("t").is_err());
    }

    #[test]
    fn bad_timestamp_is_a_validation_error() {
        let e = Timestamp::parse("yesterday").unwrap_err();
        assert_eq!(e.code(), crate::ErrorCode::Validation);
        assert!(e.to_string().contains("yesterday"));
    }
}
