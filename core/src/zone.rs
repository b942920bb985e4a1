//! Time-zone arithmetic shared by reminders, the daily report and target periods: parsing an
//! IANA name, the local date of an instant, the first instant of a local day.

use chrono::{NaiveDate, NaiveTime, TimeZone as _};
use chrono_tz::Tz;

use crate::clock::Timestamp;
use crate::error::{Error, Result};

/// Parses an IANA time-zone name; the error names `field`.
pub(crate) fn parse_tz(field: &str, name: &str) -> Result<Tz> {
    name.parse::<Tz>().map_err(|_| {
        Error::validation(
            field,
            format!("unknown time zone {name:?} (expected an IANA name such as \"Asia/Shanghai\")"),
        )
    })
}

/// The local calendar date of an instant.
pub(crate) fn local_date(tz: Tz, t: Timestamp) -> NaiveDate {
    t.to_datetime().with_timezone(&tz).date_naive()
}

/// The day after `d`; the error names `field`.
pub(crate) fn next_day(field: &str, d: NaiveDate) -> Result<NaiveDate> {
    d.succ_opt()
        .ok_or_else(|| Error::validation(field, format!("{d} has no next day")))
}

/// The first instant of a local day (the earliest, should midnight fall in a gap or an
/// overlap); the error names `field`.
pub(crate) fn day_start(field: &str, tz: Tz, d: NaiveDate) -> Result<Timestamp> {
    let mut local = d.and_time(NaiveTime::MIN);
    // A day may begin after a gap (e.g. 00:00 skipped by a DST change): try each minute.
    for _ in 0..=180 {
        if let Some(t) = tz.from_local_datetime(&local).earliest() {
            return Timestamp::from_datetime(&t).check(field);
        }
        local += chrono::Duration::minutes(1);
    }
    Err(Error::validation(
        field,
        format!("{d} has no start in {}", tz.name()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shanghai_day_starts_at_16_utc_and_bad_names_name_the_field() {
        let tz = parse_tz("time_zone", "Asia/Shanghai").unwrap();
        let d = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        assert_eq!(
            day_start("day", tz, d).unwrap().to_string(),
            "2026-03-01T16:00:00.000Z"
        );
        let t: Timestamp = "2026-03-01T16:00:00Z".parse().unwrap();
        assert_eq!(local_date(tz, t), d);
        assert_eq!(local_date(tz, t.plus_millis(-1)), d.pred_opt().unwrap());
        let e = parse_tz("user.time_zone", "Mars/Olympus").unwrap_err();
        assert!(e.to_string().contains("user.time_zone"), "{e}");
        assert!(next_day("day", NaiveDate::MAX).is_err());
    }
}
