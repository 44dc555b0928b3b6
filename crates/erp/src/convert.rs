//! Converts database values of any SQL type to the text the domain expects.
//!
//! Rules (docs/ERP-INTERFACE.md, "Values"): integers as digits, decimals with `.` and their
//! scale kept (`845.50`), dates `YYYY-MM-DD`, times `HH:MM:SS`, timestamps RFC 3339 in UTC
//! (`2024-01-01T10:00:00Z`; a timestamp without time zone is taken as UTC), booleans `1`/`0`,
//! SQL NULL as missing. Money must come as DECIMAL/NUMERIC (or text); binary floating point is
//! only rendered for non-money columns, with the shortest exact representation.
//!
//! The decoding is chosen by the type name the driver reports for each value, and decodes with
//! [`sqlx::Decode`] directly (the type is already known to match).

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, SecondsFormat, Utc};
use rust_decimal::Decimal;
use sqlx::mysql::{MySql, MySqlRow};
use sqlx::postgres::types::PgMoney;
use sqlx::postgres::{PgRow, PgTypeKind, Postgres};
use sqlx::{Decode, Row, TypeInfo, ValueRef};

/// Why a value could not be converted: the database type name and a German reason.
#[derive(Debug)]
pub(crate) struct ConvertError {
    pub type_name: String,
    pub reason: String,
}

type Converted = Result<Option<String>, ConvertError>;

fn fail(type_name: &str, reason: impl Into<String>) -> ConvertError {
    ConvertError {
        type_name: type_name.to_owned(),
        reason: reason.into(),
    }
}

fn decode_err(type_name: &str, e: impl std::fmt::Display) -> ConvertError {
    fail(type_name, format!("Wert nicht lesbar: {e}"))
}

fn unsupported(type_name: &str) -> ConvertError {
    fail(
        type_name,
        "Datentyp wird nicht unterstützt; bitte im View in Text umwandeln (CAST(spalte AS text) bzw. CAST(spalte AS CHAR))",
    )
}

/// Timestamp in UTC as RFC 3339 with `Z`, fractional seconds only when present.
pub(crate) fn format_timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn format_naive_timestamp(t: NaiveDateTime) -> String {
    format_timestamp(t.and_utc())
}

fn format_date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn format_time(t: NaiveTime) -> String {
    t.format("%H:%M:%S%.f").to_string()
}

pub(crate) fn format_float(type_name: &str, v: f64) -> Converted {
    if v.is_finite() {
        // `Display` of f64 gives the shortest text that reads back exactly, never an exponent.
        Ok(Some(v.to_string()))
    } else {
        Err(fail(type_name, format!("{v} ist keine endliche Zahl")))
    }
}

fn bytes_as_text(type_name: &str, bytes: Vec<u8>) -> Converted {
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| fail(type_name, "Binärdaten sind kein UTF-8-Text"))
}

macro_rules! decode {
    ($db:ty, $t:ty, $raw:expr, $name:expr) => {
        <$t as Decode<$db>>::decode($raw).map_err(|e| decode_err($name, e))
    };
}

/// PostgreSQL: by the column's type name.
pub(crate) fn pg_value(row: &PgRow, i: usize) -> Converted {
    let raw = row.try_get_raw(i).map_err(|e| decode_err("?", e))?;
    if raw.is_null() {
        return Ok(None);
    }
    let type_info = raw.type_info().into_owned();
    let name = type_info.name();
    let text = match name {
        "BOOL" => bool_text(decode!(Postgres, bool, raw, name)?),
        "INT2" => decode!(Postgres, i16, raw, name)?.to_string(),
        "INT4" => decode!(Postgres, i32, raw, name)?.to_string(),
        "INT8" => decode!(Postgres, i64, raw, name)?.to_string(),
        "OID" => decode!(Postgres, sqlx::postgres::types::Oid, raw, name)?
            .0
            .to_string(),
        "NUMERIC" => decode!(Postgres, Decimal, raw, name)?.to_string(),
        "MONEY" => decode!(Postgres, PgMoney, raw, name)?
            .to_decimal(2)
            .to_string(),
        "FLOAT4" => return format_float(name, f64::from(decode!(Postgres, f32, raw, name)?)),
        "FLOAT8" => return format_float(name, decode!(Postgres, f64, raw, name)?),
        "TEXT" | "VARCHAR" | "CHAR" | "NAME" | "UNKNOWN" | "\"CHAR\"" | "citext" => {
            decode!(Postgres, String, raw, name)?
        }
        "DATE" => format_date(decode!(Postgres, NaiveDate, raw, name)?),
        "TIME" => format_time(decode!(Postgres, NaiveTime, raw, name)?),
        "TIMESTAMP" => format_naive_timestamp(decode!(Postgres, NaiveDateTime, raw, name)?),
        "TIMESTAMPTZ" => format_timestamp(decode!(Postgres, DateTime<Utc>, raw, name)?),
        "TEXT[]" | "VARCHAR[]" | "CHAR[]" | "NAME[]" => {
            decode!(Postgres, Vec<String>, raw, name)?.join(";")
        }
        "INT2[]" => join(decode!(Postgres, Vec<i16>, raw, name)?),
        "INT4[]" => join(decode!(Postgres, Vec<i32>, raw, name)?),
        "INT8[]" => join(decode!(Postgres, Vec<i64>, raw, name)?),
        "NUMERIC[]" => join(decode!(Postgres, Vec<Decimal>, raw, name)?),
        _ => match type_info.kind() {
            // Enum labels travel as text.
            PgTypeKind::Enum(_) => decode!(Postgres, String, raw, name)?,
            _ => return Err(unsupported(name)),
        },
    };
    Ok(Some(text))
}

/// MySQL / MariaDB: by the column's type name.
pub(crate) fn mysql_value(row: &MySqlRow, i: usize) -> Converted {
    let raw = row.try_get_raw(i).map_err(|e| decode_err("?", e))?;
    if raw.is_null() {
        return Ok(None);
    }
    let type_info = raw.type_info().into_owned();
    let name = type_info.name();
    let text = match name {
        "BOOLEAN" | "TINYINT" => decode!(MySql, i8, raw, name)?.to_string(),
        "TINYINT UNSIGNED" => decode!(MySql, u8, raw, name)?.to_string(),
        "SMALLINT" => decode!(MySql, i16, raw, name)?.to_string(),
        "SMALLINT UNSIGNED" | "YEAR" => decode!(MySql, u16, raw, name)?.to_string(),
        "INT" | "MEDIUMINT" => decode!(MySql, i32, raw, name)?.to_string(),
        "INT UNSIGNED" | "MEDIUMINT UNSIGNED" => decode!(MySql, u32, raw, name)?.to_string(),
        "BIGINT" => decode!(MySql, i64, raw, name)?.to_string(),
        "BIGINT UNSIGNED" => decode!(MySql, u64, raw, name)?.to_string(),
        "DECIMAL" => decode!(MySql, Decimal, raw, name)?.to_string(),
        "FLOAT" => return format_float(name, f64::from(decode!(MySql, f32, raw, name)?)),
        "DOUBLE" => return format_float(name, decode!(MySql, f64, raw, name)?),
        "DATE" => format_date(decode!(MySql, NaiveDate, raw, name).map_err(zero_date)?),
        "TIME" => format_time(decode!(MySql, NaiveTime, raw, name)?),
        "DATETIME" => {
            format_naive_timestamp(decode!(MySql, NaiveDateTime, raw, name).map_err(zero_date)?)
        }
        // The connection runs with time_zone '+00:00', so TIMESTAMP values arrive in UTC.
        "TIMESTAMP" => {
            format_timestamp(decode!(MySql, DateTime<Utc>, raw, name).map_err(zero_date)?)
        }
        "CHAR" | "VARCHAR" | "TEXT" | "TINYTEXT" | "MEDIUMTEXT" | "LONGTEXT" | "ENUM" | "SET"
        | "JSON" => decode!(MySql, String, raw, name)?,
        "BINARY" | "VARBINARY" | "BLOB" | "TINYBLOB" | "MEDIUMBLOB" | "LONGBLOB" => {
            return bytes_as_text(name, decode!(MySql, Vec<u8>, raw, name)?);
        }
        _ => return Err(unsupported(name)),
    };
    Ok(Some(text))
}

fn zero_date(mut e: ConvertError) -> ConvertError {
    e.reason.push_str(
        " (Nulldatum 0000-00-00? im View mit NULLIF(spalte, '0000-00-00') als NULL liefern)",
    );
    e
}

fn bool_text(b: bool) -> String {
    if b { "1" } else { "0" }.to_owned()
}

fn join<T: ToString>(items: Vec<T>) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(";")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_have_no_exponent() {
        assert_eq!(format_float("REAL", 845.5).unwrap().unwrap(), "845.5");
        assert_eq!(
            format_float("REAL", 1e21).unwrap().unwrap(),
            "1000000000000000000000"
        );
        assert!(format_float("REAL", f64::NAN).is_err());
    }

    #[test]
    fn timestamps_are_rfc3339_utc() {
        let t = NaiveDate::from_ymd_opt(2024, 1, 1)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap();
        assert_eq!(format_naive_timestamp(t), "2024-01-01T10:00:00Z");
        let t = t + chrono::Duration::milliseconds(250);
        assert_eq!(format_naive_timestamp(t), "2024-01-01T10:00:00.250Z");
    }
}
