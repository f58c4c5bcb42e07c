//! The job queue on SQLite (`kyoyu_store::jobs`): rows in `jobs`, schedules in `schedules`.
//!
//! Key decision: a claim is a read and an update inside one `BEGIN IMMEDIATE` write
//! transaction, and the store has one writer, so two claims are serialized and can never take
//! the same job (the same holds across processes on one file: SQLite's write lock). Finishing
//! checks in the same statement that the worker still holds an unexpired-or-not lease of its
//! own (`state = 'running' AND worker = ?`), so a presumed-dead worker cannot overwrite the
//! outcome of the claim that took over; a done job's effect (an audit entry) is appended in
//! that transaction, so it is recorded once. A worker ends a whole batch in one transaction (one
//! turn of the single writer for many jobs: ending each on its own left the worker behind the
//! POSTs), and that transaction also removes done jobs past their retention. Jobs of an add's outbox are enqueued in the add's
//! own write transaction.

use std::time::Duration;

use chrono::{DateTime, Utc};
use kyoyu_store::jobs::{JOB_PRUNE_BATCH, JOB_RETENTION};
use kyoyu_store::{Job, JobEnd, JobOutcome, NewJob, OrgId, QueueStats, StoreError, StoreResult};
use sqlx::{Row, SqliteConnection};

use crate::audit_log;
use crate::rows::{
    database, format_time, integer, is_unique_violation, optional_integer, parse_time, text,
    to_json,
};

fn lease_end(now: DateTime<Utc>, lease: Duration) -> DateTime<Utc> {
    now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::MAX)
}

pub(crate) async fn enqueue(
    connection: &mut SqliteConnection,
    job: &NewJob,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    if let Some(key) = &job.key {
        let open = sqlx::query(
            "SELECT id FROM jobs WHERE kind = ? AND dedupe_key = ? AND state IN ('queued', 'running')",
        )
        .bind(&job.kind)
        .bind(key)
        .fetch_optional(&mut *connection)
        .await
        .map_err(database("looking up a job's key"))?;
        if let Some(row) = open {
            return integer(&row, "jobs", "id");
        }
    }
    let inserted = sqlx::query(
        "INSERT INTO jobs (kind, tenant, payload, dedupe_key, state, run_after, created) \
         VALUES (?, ?, ?, ?, 'queued', ?, ?) RETURNING id",
    )
    .bind(&job.kind)
    .bind(job.tenant.map(|tenant| tenant.0))
    .bind(to_json(&job.payload, "a job's payload")?)
    .bind(&job.key)
    .bind(format_time(&job.run_after))
    .bind(format_time(&now))
    .fetch_one(&mut *connection)
    .await;
    match inserted {
        Ok(row) => integer(&row, "jobs", "id"),
        Err(error) if is_unique_violation(&error) => Err(StoreError::Conflict(format!(
            "a `{}` job with this key is already queued",
            job.kind
        ))),
        Err(error) => Err(database("enqueuing a job")(error)),
    }
}

pub(crate) async fn claim(
    connection: &mut SqliteConnection,
    worker: &str,
    kinds: &[&str],
    lease: Duration,
    limit: usize,
    now: DateTime<Utc>,
) -> StoreResult<Vec<Job>> {
    if kinds.is_empty() || limit == 0 {
        return Ok(Vec::new());
    }
    let marks = vec!["?"; kinds.len()].join(", ");
    // Two index walks, each stopping at `limit` (the partial indexes of 0006, named with
    // `INDEXED BY` so the plan does not depend on statistics): expired leases by their end,
    // due queued jobs in id order. One `OR` over both made SQLite sort every
    // queued job of the kinds first — a claim that grew with the queue (found by the soak).
    let sql = format!(
        "SELECT id FROM ( \
           SELECT id FROM (SELECT id FROM jobs INDEXED BY jobs_running_by_lease \
                           WHERE state = 'running' AND lease_until < ? \
                           AND kind IN ({marks}) ORDER BY id LIMIT ?) \
           UNION ALL \
           SELECT id FROM (SELECT id FROM jobs INDEXED BY jobs_queued_by_id \
                           WHERE state = 'queued' AND run_after <= ? \
                           AND kind IN ({marks}) ORDER BY id LIMIT ?) \
         ) ORDER BY id LIMIT ?"
    );
    let now_text = format_time(&now);
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut query = sqlx::query(&sql).bind(&now_text);
    for kind in kinds {
        query = query.bind(*kind);
    }
    query = query.bind(limit).bind(&now_text);
    for kind in kinds {
        query = query.bind(*kind);
    }
    let rows = query
        .bind(limit)
        .bind(limit)
        .fetch_all(&mut *connection)
        .await
        .map_err(database("finding claimable jobs"))?;
    let until = lease_end(now, lease);
    let mut jobs = Vec::with_capacity(rows.len());
    for row in rows {
        let id = integer(&row, "jobs", "id")?;
        let claimed = sqlx::query(
            "UPDATE jobs SET state = 'running', worker = ?, lease_until = ?, attempts = attempts + 1 \
             WHERE id = ? RETURNING id, kind, tenant, payload, attempts",
        )
        .bind(worker)
        .bind(format_time(&until))
        .bind(id)
        .fetch_one(&mut *connection)
        .await
        .map_err(database("claiming a job"))?;
        jobs.push(Job {
            id,
            kind: text(&claimed, "jobs", "kind")?,
            tenant: optional_integer(&claimed, "jobs", "tenant")?.map(OrgId),
            payload: crate::rows::json(&claimed, "jobs", "payload")?,
            attempts: u32::try_from(integer(&claimed, "jobs", "attempts")?).unwrap_or(u32::MAX),
            lease_until: until,
        });
    }
    Ok(jobs)
}

/// Ends `ends` in the caller's write transaction, each conditional on `worker` still holding the
/// job, with each done job's effect; then removes a bounded batch of done jobs past their
/// retention (the partial index of 0007).
pub(crate) async fn finish(
    connection: &mut SqliteConnection,
    worker: &str,
    ends: &[JobEnd],
    now: DateTime<Utc>,
) -> StoreResult<Vec<bool>> {
    let now_text = format_time(&now);
    let mut held = Vec::with_capacity(ends.len());
    for end in ends {
        let id = end.id;
        let result = match &end.outcome {
            JobOutcome::Done => sqlx::query(
                "UPDATE jobs SET state = 'done', finished = ?, lease_until = NULL \
                 WHERE id = ? AND state = 'running' AND worker = ?",
            )
            .bind(&now_text)
            .bind(id)
            .bind(worker),
            JobOutcome::Retry { at, error } => sqlx::query(
                "UPDATE jobs SET state = 'queued', run_after = ?, last_error = ?, lease_until = NULL, worker = NULL \
                 WHERE id = ? AND state = 'running' AND worker = ?",
            )
            .bind(format_time(at))
            .bind(error)
            .bind(id)
            .bind(worker),
            JobOutcome::Dead { error } => sqlx::query(
                "UPDATE jobs SET state = 'dead', finished = ?, last_error = ?, lease_until = NULL \
                 WHERE id = ? AND state = 'running' AND worker = ?",
            )
            .bind(&now_text)
            .bind(error)
            .bind(id)
            .bind(worker),
        }
        .execute(&mut *connection)
        .await
        .map_err(database("finishing a job"))?;
        let holds = result.rows_affected() == 1;
        if holds
            && end.outcome == JobOutcome::Done
            && let Some(effect) = &end.effect
        {
            audit_log::append(connection, effect.tenant, &effect.actor, &effect.action).await?;
        }
        held.push(holds);
    }
    sqlx::query(
        "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs INDEXED BY jobs_done_by_finished \
         WHERE state = 'done' AND finished < ? LIMIT ?)",
    )
    .bind(format_time(&(now - JOB_RETENTION)))
    .bind(JOB_PRUNE_BATCH)
    .execute(&mut *connection)
    .await
    .map_err(database("removing done jobs past their retention"))?;
    Ok(held)
}

pub(crate) async fn stats(
    connection: &mut SqliteConnection,
    now: DateTime<Utc>,
) -> StoreResult<QueueStats> {
    let row = sqlx::query(
        "SELECT \
           (SELECT COUNT(*) FROM jobs WHERE state = 'queued') AS queued, \
           (SELECT COUNT(*) FROM jobs WHERE state = 'running') AS running, \
           (SELECT COUNT(*) FROM jobs WHERE state = 'dead') AS dead, \
           (SELECT MIN(run_after) FROM jobs WHERE state = 'queued' AND run_after <= ?) AS oldest",
    )
    .bind(format_time(&now))
    .fetch_one(&mut *connection)
    .await
    .map_err(database("counting jobs"))?;
    let count = |column: &str| -> StoreResult<u64> {
        Ok(u64::try_from(integer(&row, "jobs", column)?).unwrap_or(0))
    };
    let oldest = row
        .try_get::<Option<String>, _>("oldest")
        .map_err(database("reading the oldest job"))?
        .map(|text| parse_time(&text, "jobs", "run_after"))
        .transpose()?;
    Ok(QueueStats {
        queued: count("queued")?,
        running: count("running")?,
        dead: count("dead")?,
        oldest_due: oldest.map(|at| (now - at).to_std().unwrap_or_default()),
    })
}

pub(crate) async fn schedule_due(
    connection: &mut SqliteConnection,
    name: &str,
    every: Duration,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let next = format_time(&lease_end(now, every));
    let now_text = format_time(&now);
    // A new schedule is due at once; an existing one when its next run has come.
    let inserted = sqlx::query(
        "INSERT INTO schedules (name, next_run) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .bind(&next)
    .execute(&mut *connection)
    .await
    .map_err(database("adding a schedule"))?;
    if inserted.rows_affected() == 1 {
        return Ok(true);
    }
    let moved = sqlx::query("UPDATE schedules SET next_run = ? WHERE name = ? AND next_run <= ?")
        .bind(&next)
        .bind(name)
        .bind(&now_text)
        .execute(&mut *connection)
        .await
        .map_err(database("moving a schedule"))?;
    Ok(moved.rows_affected() == 1)
}
