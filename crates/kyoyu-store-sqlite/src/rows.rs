//! Reading columns and mapping errors: the one place that turns database values into kyoyu's
//! types and `sqlx` failures into [`StoreError`].
//!
//! Key decision: nothing read from the database is trusted to be well formed — a value this
//! version of kyoyu would not have written is [`StoreError::Corrupt`] naming its table and
//! column, never a panic; a failing database call is the [`StoreError`] its result code calls
//! for (busy, read-only and disk full apart from the rest) saying what the store was doing.

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

/// Maps a failed database call to the [`StoreError`] its kind calls for (see
/// [`by_result_code`]), with what the store was doing.
pub(crate) fn database(context: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |error| {
        let message = format!("{context}: {error}");
        match &error {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                StoreError::Unavailable(message)
            }
            sqlx::Error::Database(database) => by_result_code(
                database.code().and_then(|code| code.parse::<i32>().ok()),
                message,
            ),
            _ => StoreError::Database(message),
        }
    }
}

/// The kind of failure a SQLite result code (primary or extended) says: the file locked
/// beyond the busy timeout (5, `SQLITE_BUSY`) is [`StoreError::Unavailable`], a file or mount
/// that refuses writes (8, `SQLITE_READONLY`) [`StoreError::ReadOnly`], a full disk (13,
/// `SQLITE_FULL`) [`StoreError::DiskFull`] — the request was fine and may be retried, nothing
/// was written — and anything else [`StoreError::Database`]. One function for both read paths
/// (sqlx and rusqlite), so they cannot disagree.
pub(crate) fn by_result_code(code: Option<i32>, message: String) -> StoreError {
    match code.map(|code| code & 0xff) {
        Some(5) => StoreError::Unavailable(message),
        Some(8) => StoreError::ReadOnly(message),
        Some(13) => StoreError::DiskFull(message),
        _ => StoreError::Database(message),
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
