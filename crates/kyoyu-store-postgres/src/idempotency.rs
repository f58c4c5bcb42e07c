//! Idempotency keys on PostgreSQL (`kyoyu_store::RequestKey`): the claim inside the transaction
//! of a request's first audit entry, the lookup, and the saved response.
//!
//! Key decision: the claim goes through the owner's function `kyoyu_claim_key` (migration 0004),
//! because the change's transaction is scoped to the tenant acted for, which is not always the
//! organization that owns the key; a concurrent claim of the same key waits on the primary key
//! until the first request's transaction ends, so of two retries racing on two processes
//! exactly one writes.

use kyoyu_store::{
    IDEMPOTENCY_RETENTION, KeyedRequest, OrgId, RequestKey, SavedResponse, StoreError,
};
use sqlx::PgConnection;

use crate::rows::{database, get, now};

const TABLE: &str = "idempotency_keys";

/// Claims `key` for `org` in the caller's write transaction: `Ok` when it is this request's
/// (now or from an earlier write of the same request), `KeyInUse` when another request holds it.
pub(crate) async fn claim(
    connection: &mut PgConnection,
    org: OrgId,
    key: &RequestKey,
) -> Result<(), StoreError> {
    let holder: Option<String> = sqlx::query_scalar("SELECT kyoyu_claim_key($1, $2, $3, $4)")
        .bind(org.0)
        .bind(&key.key)
        .bind(&key.fingerprint)
        .bind(&key.request)
        .fetch_one(&mut *connection)
        .await
        .map_err(database("claiming an idempotency key"))?;
    if holder.as_deref() == Some(key.request.as_str()) {
        Ok(())
    } else {
        Err(StoreError::KeyInUse(key.key.clone()))
    }
}

/// The organization's request with `key`, if younger than the retention.
pub(crate) async fn lookup(
    connection: &mut PgConnection,
    org: OrgId,
    key: &str,
) -> Result<Option<KeyedRequest>, StoreError> {
    let row = sqlx::query(
        "SELECT fingerprint, request, status, content_type, body FROM idempotency_keys
         WHERE org = $1 AND key = $2 AND created > $3",
    )
    .bind(org.0)
    .bind(key)
    .bind(now() - IDEMPOTENCY_RETENTION)
    .fetch_optional(&mut *connection)
    .await
    .map_err(database("reading an idempotency key"))?;
    let Some(row) = row else {
        return Ok(None);
    };
    let status: Option<i32> = get(&row, TABLE, "status")?;
    let response = match status {
        Some(status) => Some(SavedResponse {
            status: u16::try_from(status).map_err(|_| {
                StoreError::Corrupt(format!("{TABLE}.status: {status} is no HTTP status"))
            })?,
            content_type: get::<Option<String>>(&row, TABLE, "content_type")?.unwrap_or_default(),
            body: get::<Option<String>>(&row, TABLE, "body")?.unwrap_or_default(),
        }),
        None => None,
    };
    Ok(Some(KeyedRequest {
        fingerprint: get(&row, TABLE, "fingerprint")?,
        request: get(&row, TABLE, "request")?,
        response,
    }))
}

/// Saves the response of the request that holds `key`; removes the organization's expired keys.
pub(crate) async fn save(
    connection: &mut PgConnection,
    org: OrgId,
    key: &RequestKey,
    response: &SavedResponse,
) -> Result<bool, StoreError> {
    sqlx::query("DELETE FROM idempotency_keys WHERE org = $1 AND created <= $2")
        .bind(org.0)
        .bind(now() - IDEMPOTENCY_RETENTION)
        .execute(&mut *connection)
        .await
        .map_err(database("removing expired idempotency keys"))?;
    let saved = sqlx::query(
        "UPDATE idempotency_keys SET status = $1, content_type = $2, body = $3
         WHERE org = $4 AND key = $5 AND request = $6 AND status IS NULL",
    )
    .bind(i32::from(response.status))
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
