//! Parsing of query parameters into typed values, with errors that name the field.
//!
//! Query strings are taken as strings and parsed here rather than by serde, so that every bad
//! value is answered with our JSON error naming the parameter.

use axum::extract::rejection::{PathRejection, QueryRejection};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::Berlin;

use crate::error::ApiError;

/// Default page size of lists and feeds.
pub const DEFAULT_LIMIT: u32 = 100;
/// Largest page size a client may ask for.
pub const MAX_LIMIT: u32 = 1000;

/// `limit`: 1 ..= [`MAX_LIMIT`], default [`DEFAULT_LIMIT`].
pub fn limit(raw: Option<&str>) -> Result<u32, ApiError> {
    let Some(raw) = raw else {
        return Ok(DEFAULT_LIMIT);
    };
    match raw.trim().parse::<u32>() {
        Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        _ => Err(ApiError::bad_request(
            "limit",
            format!("„limit“ muss eine ganze Zahl von 1 bis {MAX_LIMIT} sein, nicht „{raw}“"),
            format!("\"limit\" must be an integer from 1 to {MAX_LIMIT}, not \"{raw}\""),
        )),
    }
}

/// A non-negative feed position (`after`, `seq`).
pub fn seq(field: &'static str, raw: &str) -> Result<i64, ApiError> {
    match raw.trim().parse::<i64>() {
        Ok(n) if n >= 0 => Ok(n),
        _ => Err(seq_error(field, raw)),
    }
}

/// The error for a bad feed position.
pub fn seq_error(field: &'static str, raw: &str) -> ApiError {
    ApiError::bad_request(
        field,
        format!("„{field}“ muss eine ganze Zahl ≥ 0 sein (eine Feed-Position), nicht „{raw}“"),
        format!("\"{field}\" must be an integer ≥ 0 (a feed position), not \"{raw}\""),
    )
}

/// Which end of a time range a date stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// Inclusive start: a date means its first instant.
    From,
    /// Exclusive end: a date means the first instant of the next day, so the day is included.
    To,
}

/// A point in time: RFC 3339 (`2024-05-01T12:00:00Z`) or a calendar date (`2024-05-01`), which
/// is a day in Europe/Berlin — the time zone the protocol is read in.
pub fn instant(field: &'static str, raw: &str, bound: Bound) -> Result<DateTime<Utc>, ApiError> {
    let raw_t = raw.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(raw_t) {
        return Ok(t.with_timezone(&Utc));
    }
    let bad = || {
        ApiError::bad_request(
            field,
            format!(
                "„{field}“ muss ein Datum (JJJJ-MM-TT) oder ein Zeitpunkt nach RFC 3339 sein, \
                 nicht „{raw}“"
            ),
            format!(
                "\"{field}\" must be a date (YYYY-MM-DD) or an RFC 3339 timestamp, not \"{raw}\""
            ),
        )
    };
    let date = NaiveDate::parse_from_str(raw_t, "%Y-%m-%d").map_err(|_| bad())?;
    let day = match bound {
        Bound::From => date,
        Bound::To => date.succ_opt().ok_or_else(bad)?,
    };
    berlin_midnight(day).ok_or_else(bad)
}

/// The first instant of a day in Europe/Berlin.
fn berlin_midnight(day: NaiveDate) -> Option<DateTime<Utc>> {
    // Midnight exists on every day in Berlin (DST switches at 02:00/03:00); `earliest` also
    // covers a hypothetical ambiguous midnight.
    let local = day.and_hms_opt(0, 0, 0)?;
    Berlin
        .from_local_datetime(&local)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// Maps a rejected path to a 400.
pub(crate) fn path_error(e: PathRejection) -> ApiError {
    ApiError::bad_request(
        "path",
        format!("ungültiger Pfad: {e}"),
        format!("invalid path: {e}"),
    )
}

/// Maps a rejected query string to a 400.
pub(crate) fn query_error(e: QueryRejection) -> ApiError {
    ApiError::bad_request(
        "query",
        format!("ungültige Abfrageparameter: {e}"),
        format!("invalid query parameters: {e}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_defaults_and_bounds() {
        assert_eq!(limit(None).unwrap(), DEFAULT_LIMIT);
        assert_eq!(limit(Some("1")).unwrap(), 1);
        assert_eq!(limit(Some("1000")).unwrap(), 1000);
        for bad in ["0", "1001", "-1", "x", ""] {
            let e = limit(Some(bad)).unwrap_err();
            assert!(matches!(e, ApiError::BadRequest { field: Some(ref f), .. } if f == "limit"));
        }
    }

    #[test]
    fn seq_must_be_non_negative() {
        assert_eq!(seq("after", "0").unwrap(), 0);
        assert_eq!(seq("after", "42").unwrap(), 42);
        assert!(seq("after", "-1").is_err());
        assert!(seq("after", "1.5").is_err());
    }

    #[test]
    fn dates_are_berlin_days() {
        // Summer time: Berlin is UTC+2.
        let from = instant("from", "2024-05-01", Bound::From).unwrap();
        assert_eq!(from.to_rfc3339(), "2024-04-30T22:00:00+00:00");
        let to = instant("to", "2024-05-01", Bound::To).unwrap();
        assert_eq!(to.to_rfc3339(), "2024-05-01T22:00:00+00:00");
        // Winter time: UTC+1.
        let from = instant("from", "2024-01-15", Bound::From).unwrap();
        assert_eq!(from.to_rfc3339(), "2024-01-14T23:00:00+00:00");
    }

    #[test]
    fn timestamps_are_taken_as_given() {
        let t = instant("to", "2024-05-01T12:30:00+02:00", Bound::To).unwrap();
        assert_eq!(t.to_rfc3339(), "2024-05-01T10:30:00+00:00");
        assert!(instant("from", "gestern", Bound::From).is_err());
        assert!(instant("from", "2024-13-01", Bound::From).is_err());
    }
}
