//! The audit log table: appending an entry inside the caller's write transaction and reading
//! entries back.
//!
//! Key decision: an entry is appended in the same transaction as the change it records, after
//! reading the newest entry's seq and hash in that transaction. That is safe because there is
//! exactly one writer connection and every write transaction begins with `BEGIN IMMEDIATE` (the
//! write lock is held from the first read, also against another process on the same file), so
//! no two entries can ever claim the same predecessor.

use kyoyu_store::audit::{GENESIS, entry_hash};
use kyoyu_store::{Actor, AuditAction, AuditEntry, OrgId, StoreError};
use sqlx::SqliteConnection;
use sqlx::sqlite::SqliteRow;

use crate::rows::{database, format_time, integer, now, optional_integer, text, time, to_json};

const TABLE: &str = "audit_log";

/// Appends `action` to the log; the caller commits.
pub(crate) async fn append(
    connection: &mut SqliteConnection,
    tenant: Option<OrgId>,
    actor: &Actor,
    action: &AuditAction,
) -> Result<AuditEntry, StoreError> {
    // A keyed request's first entry claims its key in this transaction (kyoyu_store::RequestKey).
    if let (Some(key), Some(org)) = (&actor.request, actor.org) {
        crate::idempotency::claim(connection, org, key).await?;
    }
    let last = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut *connection)
        .await
        .map_err(database("reading the newest audit entry"))?;
    let (last_seq, prev_hash) = match last {
        Some(row) => (integer(&row, TABLE, "seq")?, text(&row, TABLE, "hash")?),
        None => (0, GENESIS.to_owned()),
    };
    let seq = last_seq + 1;
    let at = now();
    let action = to_json(action, "an audit action")?;
    let hash = entry_hash(&prev_hash, seq, &at, tenant, &actor.who, &action);
    sqlx::query(
        "INSERT INTO audit_log (seq, at, tenant, actor, action, prev_hash, hash)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(seq)
    .bind(format_time(&at))
    .bind(tenant.map(|tenant| tenant.0))
    .bind(&actor.who)
    .bind(&action)
    .bind(&prev_hash)
    .bind(&hash)
    .execute(&mut *connection)
    .await
    .map_err(database("appending an audit entry"))?;
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

/// Entries after `after_seq`, oldest first: the tenant's own, or all of them.
pub(crate) async fn entries(
    connection: &mut SqliteConnection,
    tenant: Option<OrgId>,
    after_seq: i64,
    limit: usize,
) -> Result<Vec<AuditEntry>, StoreError> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = match tenant {
        Some(tenant) => sqlx::query(
            "SELECT seq, at, tenant, actor, action, prev_hash, hash FROM audit_log
             WHERE tenant = ? AND seq > ? ORDER BY seq LIMIT ?",
        )
        .bind(tenant.0),
        None => sqlx::query(
            "SELECT seq, at, tenant, actor, action, prev_hash, hash FROM audit_log
             WHERE seq > ? ORDER BY seq LIMIT ?",
        ),
    }
    .bind(after_seq)
    .bind(limit)
    .fetch_all(&mut *connection)
    .await
    .map_err(database("reading audit entries"))?;
    rows.iter().map(entry).collect()
}

fn entry(row: &SqliteRow) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        seq: integer(row, TABLE, "seq")?,
        at: time(row, TABLE, "at")?,
        tenant: optional_integer(row, TABLE, "tenant")?.map(OrgId),
        actor: text(row, TABLE, "actor")?,
        action: text(row, TABLE, "action")?,
        prev_hash: text(row, TABLE, "prev_hash")?,
        hash: text(row, TABLE, "hash")?,
    })
}
