//! Reading columns and mapping errors: the one place that turns PostgreSQL values into kyoyu's
//! types and `sqlx` failures into [`StoreError`].
//!
//! Key decision: nothing read from the database is trusted to be well formed — a value this
//! version of kyoyu would not have written is [`StoreError::Corrupt`] naming its table and
//! column, never a panic; a failing database call is the [`StoreError`] its SQLSTATE calls for
//! (read-only, disk full, out of reach and unstorable text apart from the rest) saying what the
//! store was doing. Times are `timestamptz` (microseconds, like the SQLite backend's text), so
//! what a method returns equals what a later read gives back.

use chrono::{DateTime, SubsecRound, Utc};
use kyoyu_store::StoreError;
use sqlx::Row;
use sqlx::postgres::PgRow;

/// The current time at the stored resolution (microseconds).
pub(crate) fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// Maps a failed database call to the [`StoreError`] its kind calls for, with what the store was
/// doing.
pub(crate) fn database(context: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |error| {
        if let Some(refused) = refused_write(&error) {
            refused(format!("{context}: {error}"))
        } else if is_unavailable(&error) {
            StoreError::Unavailable(format!("{context}: {error}"))
        } else if is_unstorable_text(&error) {
            StoreError::Invalid(format!(
                "{context}: a text holds a character PostgreSQL cannot store (a NUL, U+0000)"
            ))
        } else {
            StoreError::Database(format!("{context}: {error}"))
        }
    }
}

/// Whether a bound text was refused for a character PostgreSQL text cannot hold (SQLSTATE
/// 22021 `character_not_in_repertoire` for a NUL, 22P05 `untranslatable_character`): the
/// client sent it, so it is the request's fault, never a server error.
pub(crate) fn is_unstorable_text(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(database)
        if database.code().is_some_and(|code| matches!(&*code, "22021" | "22P05")))
}

/// The kind of a write the server refused for its state, not for the request: SQLSTATE 25006
/// `read_only_sql_transaction` (`default_transaction_read_only` set on the server, database or
/// role; a hot standby) is [`StoreError::ReadOnly`], 53100 `disk_full`
/// [`StoreError::DiskFull`].
pub(crate) fn refused_write(error: &sqlx::Error) -> Option<fn(String) -> StoreError> {
    let sqlx::Error::Database(database) = error else {
        return None;
    };
    match database.code().as_deref() {
        Some("25006") => Some(StoreError::ReadOnly),
        Some("53100") => Some(StoreError::DiskFull),
        _ => None,
    }
}

/// Whether a failure says the database is out of reach for now rather than that the request
/// was wrong: a lost or refused connection, an exhausted or closed pool, or a server that is
/// shutting down, starting, or out of space (SQLSTATE classes 08 and 53, 57P01–57P03).
pub(crate) fn is_unavailable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(database) => database.code().is_some_and(|code| {
            code.starts_with("08")
                || code.starts_with("53")
                || matches!(&*code, "57P01" | "57P02" | "57P03")
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

/// Whether a failed call broke a foreign key (the row it names does not exist). Foreign key
/// checks bypass row security, so this also answers for rows the tenant cannot read.
pub(crate) fn is_foreign_key_violation(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .is_some_and(|error| error.is_foreign_key_violation())
}

fn corrupt(table: &str, column: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{table}.{column}: {detail}"))
}

/// A column of any type sqlx decodes (text, integers, booleans, times, arrays), NULL included
/// when `T` is an `Option`.
pub(crate) fn get<T>(row: &PgRow, table: &str, column: &str) -> Result<T, StoreError>
where
    T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    row.try_get::<T, _>(column)
        .map_err(|error| corrupt(table, column, error))
}

/// A column that holds JSON text of a known shape.
pub(crate) fn json<T: serde::de::DeserializeOwned>(
    row: &PgRow,
    table: &str,
    column: &str,
) -> Result<T, StoreError> {
    let text: String = get(row, table, column)?;
    serde_json::from_str(&text)
        .map_err(|error| corrupt(table, column, format!("bad JSON: {error}")))
}

/// A column that holds a name one of kyoyu's enums parses (an organization's kind, a role).
pub(crate) fn named<T>(
    row: &PgRow,
    table: &str,
    column: &str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Result<T, StoreError> {
    let text: String = get(row, table, column)?;
    parse(&text).ok_or_else(|| corrupt(table, column, format!("unknown name {text:?}")))
}

/// Encodes a value as JSON text for a column.
pub(crate) fn to_json<T: serde::Serialize + ?Sized>(
    value: &T,
    what: &'static str,
) -> Result<String, StoreError> {
    serde_json::to_string(value)
        .map_err(|error| StoreError::Database(format!("encoding {what} as JSON: {error}")))
}
