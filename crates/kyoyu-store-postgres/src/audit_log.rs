//! The audit log table: appending an entry inside the caller's transaction and reading entries
//! back.
//!
//! Key decision: the chain's append point is one row, `audit_head` (the newest entry's seq and
//! hash), locked with `SELECT … FOR UPDATE` in the transaction of the change the entry records.
//! A second writer — another task, another process, another server on the same database —
//! waits on that row lock until the first commits or rolls back, then reads the head the first
//! one left (under READ COMMITTED a locked row is re-read at its newest committed version), so
//! no two entries can claim the same predecessor and seq has no gaps (a rolled-back append
//! leaves the head as it was). A row lock rather than `pg_advisory_xact_lock`: it lives in the
//! schema (two kyoyu schemas in one database cannot share it by accident, nothing else in the
//! database has to keep off an advisory key), it is visible in `pg_locks` as a lock on a named
//! table, and the head read is the lock. The head is always the last lock a write takes (after
//! an incident row or the object clock), so writes cannot deadlock on it.

use kyoyu_store::audit::entry_hash;
use kyoyu_store::{Actor, AuditAction, AuditEntry, OrgId, StoreError};
use sqlx::PgConnection;
use sqlx::postgres::PgRow;

use crate::rows::{database, get, now, to_json};

const TABLE: &str = "audit_log";

/// Appends `action` to the log; the caller commits.
pub(crate) async fn append(
    connection: &mut PgConnection,
    tenant: Option<OrgId>,
    actor: &Actor,
    action: &AuditAction,
) -> Result<AuditEntry, StoreError> {
    // A keyed request's first entry claims its key in this transaction (kyoyu_store::RequestKey).
    // Before the head's lock: a retry racing its original waits on the key, not on the head.
    if let (Some(key), Some(org)) = (&actor.request, actor.org) {
        crate::idempotency::claim(connection, org, key).await?;
    }
    let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE")
        .fetch_one(&mut *connection)
        .await
        .map_err(database("locking the audit log's head"))?;
    let last_seq: i64 = get(&head, "audit_head", "seq")?;
    let prev_hash: String = get(&head, "audit_head", "hash")?;
    let seq = last_seq + 1;
    let at = now();
    let action = to_json(action, "an audit action")?;
    let hash = entry_hash(&prev_hash, seq, &at, tenant, &actor.who, &action);
    sqlx::query(
        "INSERT INTO audit_log (seq, at, tenant, actor, action, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(seq)
    .bind(at)
    .bind(tenant.map(|tenant| tenant.0))
    .bind(&actor.who)
    .bind(&action)
    .bind(&prev_hash)
    .bind(&hash)
    .execute(&mut *connection)
    .await
    .map_err(database("appending an audit entry"))?;
    sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(seq)
        .bind(&hash)
        .execute(&mut *connection)
        .await
        .map_err(database("moving the audit log's head"))?;
    Ok(AuditEntry {
        seq,
        at,
        tenant,
        actor: actor.who.clone(),
        action,
        prev_hash,
        hash,
    })
}

/// Entries after `after_seq`, oldest first: the tenant's own (`Some`), or all of them (`None`,
/// in a system transaction).
pub(crate) async fn entries(
    connection: &mut PgConnection,
    tenant: Option<OrgId>,
    after_seq: i64,
    limit: usize,
) -> Result<Vec<AuditEntry>, StoreError> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = match tenant {
        Some(tenant) => sqlx::query(
            "SELECT seq, at, tenant, actor, action, prev_hash, hash FROM audit_log
             WHERE tenant = $1 AND seq > $2 ORDER BY seq LIMIT $3",
        )
        .bind(tenant.0),
        None => sqlx::query(
            "SELECT seq, at, tenant, actor, action, prev_hash, hash FROM audit_log
             WHERE seq > $1 ORDER BY seq LIMIT $2",
        ),
    }
    .bind(after_seq)
    .bind(limit)
    .fetch_all(&mut *connection)
    .await
    .map_err(database("reading audit entries"))?;
    rows.iter().map(entry).collect()
}

fn entry(row: &PgRow) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        seq: get(row, TABLE, "seq")?,
        at: get(row, TABLE, "at")?,
        tenant: get::<Option<i64>>(row, TABLE, "tenant")?.map(OrgId),
        actor: get(row, TABLE, "actor")?,
        action: get(row, TABLE, "action")?,
        prev_hash: get(row, TABLE, "prev_hash")?,
        hash: get(row, TABLE, "hash")?,
    })
}
