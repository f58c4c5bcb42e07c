//! Reading columns and mapping errors: the one place that turns database values into kyoyu's
//! types and `sqlx` failures into [`StoreError`].
//!
//! Key decision: nothing read from the database is trusted to be well formed — a value this
//! version of kyoyu would not have written is [`StoreError::Corrupt`] naming its table and
//! column, never a panic; a failing database call is [`StoreError::Database`] saying what the
//! store was doing.

use chrono::{DateTime, SubsecRound, Utc};
use kyoyu_store::{OrgId, StoreError};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

pub(crate) use kyoyu_store::audit::format_time;

/// The current time at the stored resolution (microseconds), so what a method returns equals
/// what a later read gives back.
pub(crate) fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// Maps a failed database call to [`StoreError::Database`] with what the store was doing.
pub(crate) fn database(context: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |error| {
        if is_unavailable(&error) {
            StoreError::Unavailable(format!("{context}: {error}"))
        } else {
            StoreError::Database(format!("{context}: {error}"))
        }
    }
}

/// Whether a failure says the database cannot write just now rather than that the request was
/// wrong: the file locked beyond the busy timeout, the disk full, the file read-only, or an
/// exhausted pool (SQLite result codes 5, 13, 8 and their extended forms).
pub(crate) fn is_unavailable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => true,
        sqlx::Error::Database(database) => database.code().is_some_and(|code| {
            let primary = code.parse::<i64>().map(|code| code & 0xff).unwrap_or(-1);
            matches!(primary, 5 | 8 | 13)
        }),
        _ => false,
    }
}

/// Whether a failed call broke a unique or primary key constraint.
pub(crate) fn is_unique_violation(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .is_some_and(|error| error.is_unique_violation())
}

fn corrupt(table: &str, column: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{table}.{column}: {detail}"))
}

/// A column that holds text.
pub(crate) fn text(row: &SqliteRow, table: &str, column: &str) -> Result<String, StoreError> {
    row.try_get::<String, _>(column)
        .map_err(|error| corrupt(table, column, error))
}

/// A column that holds text or NULL.
pub(crate) fn optional_text(
    row: &SqliteRow,
    table: &str,
    column: &str,
) -> Result<Option<String>, StoreError> {
    row.try_get::<Option<String>, _>(column)
        .map_err(|error| corrupt(table, column, error))
}

/// A column that holds an integer.
pub(crate) fn integer(row: &SqliteRow, table: &str, column: &str) -> Result<i64, StoreError> {
    row.try_get::<i64, _>(column)
        .map_err(|error| corrupt(table, column, error))
}

/// A column that holds an integer or NULL.
pub(crate) fn optional_integer(
    row: &SqliteRow,
    table: &str,
    column: &str,
) -> Result<Option<i64>, StoreError> {
    row.try_get::<Option<i64>, _>(column)
        .map_err(|error| corrupt(table, column, error))
}

/// Parses a stored time (RFC 3339).
pub(crate) fn parse_time(
    text: &str,
    table: &str,
    column: &str,
) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(text)
        .map(|time| time.to_utc())
        .map_err(|error| {
            corrupt(
                table,
                column,
                format!("{text:?} is not an RFC 3339 time: {error}"),
            )
        })
}

/// A column that holds a time.
pub(crate) fn time(
    row: &SqliteRow,
    table: &str,
    column: &str,
) -> Result<DateTime<Utc>, StoreError> {
    parse_time(&text(row, table, column)?, table, column)
}

/// A column that holds a time or NULL.
pub(crate) fn optional_time(
    row: &SqliteRow,
    table: &str,
    column: &str,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    optional_text(row, table, column)?
        .map(|text| parse_time(&text, table, column))
        .transpose()
}

/// A column that holds JSON text of a known shape.
pub(crate) fn json<T: serde::de::DeserializeOwned>(
    row: &SqliteRow,
    table: &str,
    column: &str,
) -> Result<T, StoreError> {
    let text = text(row, table, column)?;
    serde_json::from_str(&text)
        .map_err(|error| corrupt(table, column, format!("bad JSON: {error}")))
}

/// A column that holds a name one of kyoyu's enums parses (an organization's kind, a role).
pub(crate) fn named<T>(
    row: &SqliteRow,
    table: &str,
    column: &str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Result<T, StoreError> {
    let text = text(row, table, column)?;
    parse(&text).ok_or_else(|| corrupt(table, column, format!("unknown name {text:?}")))
}

/// Organization ids from the text [`format_org_list`] writes.
pub(crate) fn parse_org_list(
    text: &str,
    table: &str,
    column: &str,
) -> Result<Vec<OrgId>, StoreError> {
    text.split(',')
        .filter(|part| !part.is_empty())
        .map(|part| {
            part.parse::<i64>()
                .map(OrgId)
                .map_err(|_| corrupt(table, column, format!("{part:?} is not an organization id")))
        })
        .collect()
}

/// Organization ids as stored in one text column: comma-separated, empty for none.
pub(crate) fn format_org_list(orgs: &[OrgId]) -> String {
    orgs.iter()
        .map(|org| org.0.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// Encodes a value as JSON text for a column.
pub(crate) fn to_json<T: serde::Serialize + ?Sized>(
    value: &T,
    what: &'static str,
) -> Result<String, StoreError> {
    serde_json::to_string(value)
        .map_err(|error| StoreError::Database(format!("encoding {what} as JSON: {error}")))
}
