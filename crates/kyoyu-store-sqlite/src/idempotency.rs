//! Idempotency keys on SQLite (`kyoyu_store::RequestKey`): the claim made inside the write
//! transaction of a request's first audit entry, the lookup, and the saved response.
//!
//! Key decision: the claim is an `INSERT … ON CONFLICT DO NOTHING` followed, when nothing was
//! inserted, by a read of the holder; under the one writer's `BEGIN IMMEDIATE` no other request
//! can claim between the two, so the holder read is the one that will stay.

use chrono::{DateTime, Utc};
use kyoyu_store::{
    IDEMPOTENCY_RETENTION, KeyedRequest, OrgId, RequestKey, SavedResponse, StoreError,
};
use sqlx::SqliteConnection;

use crate::rows::{database, format_time, now, optional_integer, optional_text, text};

const TABLE: &str = "idempotency_keys";

/// Claims `key` for `org` in the caller's write transaction: `Ok` when it is this request's
/// (now or from an earlier write of the same request), `KeyInUse` when another request holds it.
pub(crate) async fn claim(
    connection: &mut SqliteConnection,
    org: OrgId,
    key: &RequestKey,
) -> Result<(), StoreError> {
    let inserted = sqlx::query(
        "INSERT INTO idempotency_keys (org, key, fingerprint, request, created)
         VALUES (?, ?, ?, ?, ?) ON CONFLICT (org, key) DO NOTHING",
    )
    .bind(org.0)
    .bind(&key.key)
    .bind(&key.fingerprint)
    .bind(&key.request)
    .bind(format_time(&now()))
    .execute(&mut *connection)
    .await
    .map_err(database("claiming an idempotency key"))?;
    if inserted.rows_affected() == 1 {
        return Ok(());
    }
    let holder = sqlx::query("SELECT request FROM idempotency_keys WHERE org = ? AND key = ?")
        .bind(org.0)
        .bind(&key.key)
        .fetch_one(&mut *connection)
        .await
        .map_err(database("reading an idempotency key"))?;
    if text(&holder, TABLE, "request")? == key.request {
        Ok(())
    } else {
        Err(StoreError::KeyInUse(key.key.clone()))
    }
}

fn cutoff(at: DateTime<Utc>) -> String {
    format_time(&(at - IDEMPOTENCY_RETENTION))
}

/// The organization's request with `key`, if younger than the retention.
pub(crate) async fn lookup(
    connection: &mut SqliteConnection,
    org: OrgId,
    key: &str,
) -> Result<Option<KeyedRequest>, StoreError> {
    let row = sqlx::query(
        "SELECT fingerprint, request, status, content_type, body FROM idempotency_keys
         WHERE org = ? AND key = ? AND created > ?",
    )
    .bind(org.0)
    .bind(key)
    .bind(cutoff(now()))
    .fetch_optional(&mut *connection)
    .await
    .map_err(database("reading an idempotency key"))?;
    let Some(row) = row else {
        return Ok(None);
    };
    let response = match optional_integer(&row, TABLE, "status")? {
        Some(status) => Some(SavedResponse {
            status: u16::try_from(status).map_err(|_| {
                StoreError::Corrupt(format!("{TABLE}.status: {status} is no HTTP status"))
            })?,
            content_type: optional_text(&row, TABLE, "content_type")?.unwrap_or_default(),
            body: optional_text(&row, TABLE, "body")?.unwrap_or_default(),
        }),
        None => None,
    };
    Ok(Some(KeyedRequest {
        fingerprint: text(&row, TABLE, "fingerprint")?,
        request: text(&row, TABLE, "request")?,
        response,
    }))
}

/// Saves the response of the request that holds `key`; removes the organization's expired keys.
pub(crate) async fn save(
    connection: &mut SqliteConnection,
    org: OrgId,
    key: &RequestKey,
    response: &SavedResponse,
) -> Result<bool, StoreError> {
    sqlx::query("DELETE FROM idempotency_keys WHERE org = ? AND created <= ?")
        .bind(org.0)
        .bind(cutoff(now()))
        .execute(&mut *connection)
        .await
        .map_err(database("removing expired idempotency keys"))?;
    let saved = sqlx::query(
        "UPDATE idempotency_keys SET status = ?, content_type = ?, body = ?
         WHERE org = ? AND key = ? AND request = ? AND status IS NULL",
    )
    .bind(i64::from(response.status))
    .bind(&response.content_type)
    .bind(&response.body)
    .bind(org.0)
    .bind(&key.key)
    .bind(&key.request)
    .execute(&mut *connection)
    .await
    .map_err(database("saving a response"))?;
    Ok(saved.rows_affected() == 1)
}
