//! The job queue on PostgreSQL (`kyoyu_store::jobs`), in the system scope (the row policies
//! let only it reach `jobs` and `schedules`).
//!
//! Key decision: a claim is one `UPDATE … FROM (SELECT … FOR UPDATE SKIP LOCKED)`: concurrent
//! claimers in other processes skip the rows another has locked instead of waiting for them, and
//! none can take a job another holds under an unexpired lease. Finishing is conditional on the
//! worker still holding the job (`state = 'running' AND worker = $`), like on SQLite. A
//! schedule's next run moves with a conditional `UPDATE`: under READ COMMITTED the second of
//! two concurrent updates re-reads the moved row and no longer matches. A done job's effect (an
//! audit entry) is appended in the transaction that marks it done, so it is recorded once; a
//! worker ends a batch in one transaction (one commit, one turn on the audit head), which also
//! removes done jobs past their retention. The
//! one write a tenant's scope may make here is the outbox's INSERT (`enqueue_outbox`).

use std::time::Duration;

use chrono::{DateTime, Utc};
use kyoyu_store::jobs::{JOB_PRUNE_BATCH, JOB_RETENTION};
use kyoyu_store::{Job, JobEnd, JobOutcome, NewJob, OrgId, QueueStats, StoreError, StoreResult};
use sqlx::PgConnection;

use crate::audit_log;
use crate::rows::{database, get, json, to_json};

fn later(now: DateTime<Utc>, by: Duration) -> DateTime<Utc> {
    now + chrono::Duration::from_std(by).unwrap_or(chrono::Duration::MAX)
}

pub(crate) async fn enqueue(
    connection: &mut PgConnection,
    job: &NewJob,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    let inserted = sqlx::query(
        "INSERT INTO jobs (kind, tenant, payload, dedupe_key, state, run_after, created) \
         VALUES ($1, $2, $3, $4, 'queued', $5, $6) \
         ON CONFLICT (kind, dedupe_key) WHERE dedupe_key IS NOT NULL AND state IN ('queued', 'running') \
         DO NOTHING RETURNING id",
    )
    .bind(&job.kind)
    .bind(job.tenant.map(|tenant| tenant.0))
    .bind(to_json(&job.payload, "a job's payload")?)
    .bind(&job.key)
    .bind(job.run_after)
    .bind(now)
    .fetch_optional(&mut *connection)
    .await
    .map_err(database("enqueuing a job"))?;
    if let Some(row) = inserted {
        return get(&row, "jobs", "id");
    }
    let open = sqlx::query(
        "SELECT id FROM jobs WHERE kind = $1 AND dedupe_key = $2 AND state IN ('queued', 'running')",
    )
    .bind(&job.kind)
    .bind(&job.key)
    .fetch_one(&mut *connection)
    .await
    .map_err(database("looking up a job's key"))?;
    get(&open, "jobs", "id")
}

/// Writes a job of the transactional outbox inside the transaction of the change that causes it,
/// in that change's (tenant's) scope: a plain INSERT, since the tenant's policy lets it add a
/// queued job but never read one (so neither `RETURNING` nor a de-duplication key).
pub(crate) async fn enqueue_outbox(
    connection: &mut PgConnection,
    job: &NewJob,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    if job.key.is_some() {
        return Err(StoreError::Invalid(
            "a job of the outbox carries no de-duplication key".into(),
        ));
    }
    sqlx::query(
        "INSERT INTO jobs (kind, tenant, payload, state, run_after, created) \
         VALUES ($1, $2, $3, 'queued', $4, $5)",
    )
    .bind(&job.kind)
    .bind(job.tenant.map(|tenant| tenant.0))
    .bind(to_json(&job.payload, "a job's payload")?)
    .bind(job.run_after)
    .bind(now)
    .execute(&mut *connection)
    .await
    .map_err(database("enqueuing a job"))?;
    Ok(())
}

pub(crate) async fn claim(
    connection: &mut PgConnection,
    worker: &str,
    kinds: &[&str],
    lease: Duration,
    limit: usize,
    now: DateTime<Utc>,
) -> StoreResult<Vec<Job>> {
    if kinds.is_empty() || limit == 0 {
        return Ok(Vec::new());
    }
    // Two index walks, each stopping at `limit` (the partial indexes of 0008): expired leases,
    // due queued jobs in id order. One `OR` over both grew with the queue (found by the soak).
    let until = later(now, lease);
    let kinds: Vec<String> = kinds.iter().map(|kind| (*kind).to_owned()).collect();
    let rows = sqlx::query(
        "UPDATE jobs SET state = 'running', worker = $1, lease_until = $2, attempts = jobs.attempts + 1 \
         FROM (SELECT id FROM ( \
                 SELECT id FROM (SELECT id FROM jobs WHERE state = 'running' AND lease_until < $4 \
                                 AND kind = ANY($3) ORDER BY id LIMIT $5 FOR UPDATE SKIP LOCKED) AS expired \
                 UNION ALL \
                 SELECT id FROM (SELECT id FROM jobs WHERE state = 'queued' AND run_after <= $4 \
                                 AND kind = ANY($3) ORDER BY id LIMIT $5 FOR UPDATE SKIP LOCKED) AS due \
               ) AS both_ ORDER BY id LIMIT $5) AS picked \
         WHERE jobs.id = picked.id \
         RETURNING jobs.id, jobs.kind, jobs.tenant, jobs.payload, jobs.attempts",
    )
    .bind(worker)
    .bind(until)
    .bind(&kinds)
    .bind(now)
    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
    .fetch_all(&mut *connection)
    .await
    .map_err(database("claiming jobs"))?;
    let mut jobs = Vec::with_capacity(rows.len());
    for row in rows {
        let attempts: i32 = get(&row, "jobs", "attempts")?;
        jobs.push(Job {
            id: get(&row, "jobs", "id")?,
            kind: get(&row, "jobs", "kind")?,
            tenant: get::<Option<i64>>(&row, "jobs", "tenant")?.map(OrgId),
            payload: json(&row, "jobs", "payload")?,
            attempts: u32::try_from(attempts).unwrap_or(0),
            lease_until: until,
        });
    }
    jobs.sort_by_key(|job| job.id);
    Ok(jobs)
}

/// Ends `ends` in the caller's transaction, each conditional on `worker` still holding the job:
/// the done ones in one `UPDATE … WHERE id = ANY`, the failed ones one by one; then each done
/// job's effect, in order; then a bounded batch of done jobs past their retention is removed
/// (the partial index of 0009).
pub(crate) async fn finish(
    connection: &mut PgConnection,
    worker: &str,
    ends: &[JobEnd],
    now: DateTime<Utc>,
) -> StoreResult<Vec<bool>> {
    let done: Vec<i64> = ends
        .iter()
        .filter(|end| end.outcome == JobOutcome::Done)
        .map(|end| end.id)
        .collect();
    let mut held_done = std::collections::HashSet::new();
    if !done.is_empty() {
        let rows: Vec<i64> = sqlx::query_scalar(
            "UPDATE jobs SET state = 'done', finished = $1, lease_until = NULL \
             WHERE id = ANY($2) AND state = 'running' AND worker = $3 RETURNING id",
        )
        .bind(now)
        .bind(&done)
        .bind(worker)
        .fetch_all(&mut *connection)
        .await
        .map_err(database("finishing jobs"))?;
        held_done.extend(rows);
    }
    let mut held = Vec::with_capacity(ends.len());
    for end in ends {
        let id = end.id;
        let failed = match &end.outcome {
            JobOutcome::Done => None,
            JobOutcome::Retry { at, error } => Some(
                sqlx::query(
                    "UPDATE jobs SET state = 'queued', run_after = $1, last_error = $2, lease_until = NULL, worker = NULL \
                     WHERE id = $3 AND state = 'running' AND worker = $4",
                )
                .bind(*at)
                .bind(error),
            ),
            JobOutcome::Dead { error } => Some(
                sqlx::query(
                    "UPDATE jobs SET state = 'dead', finished = $1, last_error = $2, lease_until = NULL \
                     WHERE id = $3 AND state = 'running' AND worker = $4",
                )
                .bind(now)
                .bind(error),
            ),
        };
        let holds = match failed {
            None => held_done.contains(&id),
            Some(query) => {
                query
                    .bind(id)
                    .bind(worker)
                    .execute(&mut *connection)
                    .await
                    .map_err(database("finishing a job"))?
                    .rows_affected()
                    == 1
            }
        };
        if holds
            && end.outcome == JobOutcome::Done
            && let Some(effect) = &end.effect
        {
            audit_log::append(connection, effect.tenant, &effect.actor, &effect.action).await?;
        }
        held.push(holds);
    }
    sqlx::query(
        "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs \
         WHERE state = 'done' AND finished < $1 ORDER BY finished LIMIT $2)",
    )
    .bind(now - JOB_RETENTION)
    .bind(JOB_PRUNE_BATCH)
    .execute(&mut *connection)
    .await
    .map_err(database("removing done jobs past their retention"))?;
    Ok(held)
}

pub(crate) async fn stats(
    connection: &mut PgConnection,
    now: DateTime<Utc>,
) -> StoreResult<QueueStats> {
    let row = sqlx::query(
        "SELECT \
           (SELECT COUNT(*) FROM jobs WHERE state = 'queued') AS queued, \
           (SELECT COUNT(*) FROM jobs WHERE state = 'running') AS running, \
           (SELECT COUNT(*) FROM jobs WHERE state = 'dead') AS dead, \
           (SELECT MIN(run_after) FROM jobs WHERE state = 'queued' AND run_after <= $1) AS oldest",
    )
    .bind(now)
    .fetch_one(&mut *connection)
    .await
    .map_err(database("counting jobs"))?;
    let count = |column: &str| -> StoreResult<u64> {
        Ok(u64::try_from(get::<i64>(&row, "jobs", column)?).unwrap_or(0))
    };
    let oldest: Option<DateTime<Utc>> = get(&row, "jobs", "oldest")?;
    Ok(QueueStats {
        queued: count("queued")?,
        running: count("running")?,
        dead: count("dead")?,
        oldest_due: oldest.map(|at| (now - at).to_std().unwrap_or_default()),
    })
}

pub(crate) async fn schedule_due(
    connection: &mut PgConnection,
    name: &str,
    every: Duration,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let next = later(now, every);
    let inserted = sqlx::query(
        "INSERT INTO schedules (name, next_run) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .bind(next)
    .execute(&mut *connection)
    .await
    .map_err(database("adding a schedule"))?;
    if inserted.rows_affected() == 1 {
        return Ok(true);
    }
    let moved =
        sqlx::query("UPDATE schedules SET next_run = $1 WHERE name = $2 AND next_run <= $3")
            .bind(next)
            .bind(name)
            .bind(now)
            .execute(&mut *connection)
            .await
            .map_err(database("moving a schedule"))?;
    Ok(moved.rows_affected() == 1)
}
