//! The job runner: claims jobs from the store's durable queue, runs them, records how they
//! ended; and asks the store's singleton schedules which periodic jobs are due. `kyoyu worker`
//! runs it on its own, `kyoyu serve` in-process by default (`worker = "in_process"`), so the
//! single-machine default needs no second process.
//!
//! Key decision: a worker holds nothing the store does not: it can be killed at any point, and
//! the job it held is claimed again by any worker once the lease runs out; a handler that fails
//! is retried after the queue's backoff and given up as `dead` after `MAX_ATTEMPTS`. A
//! schedule's run is itself a job (enqueued under a key), so a periodic task runs once per
//! period across every process, and survives the process that noticed it was due.
//!
//! The jobs today: `audit_verify` (every `audit_verify_seconds`: walks the whole audit chain and
//! logs an error naming the break when there is one) and `submission` (a member's POST into a
//! hub's collection, enqueued by the store in the POST's own transaction — the outbox: the hub
//! takes it in, recorded as a `submission_received` entry in the hub's audit trail; the hub's
//! correlation joins this handler). A handler returns its visible effect instead of writing it,
//! and the store records it in the transaction that marks the job done, so a job run twice by
//! two workers (one presumed dead) still has one effect. A round claims a batch (64) and ends it
//! in one store call: one write transaction for the batch, so on SQLite's single writer the
//! worker keeps up with the POSTs that enqueue its jobs. Embargo release and feedback arrive as
//! further kinds.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use kyoyu_core::usecase::collections::SUBMISSION_JOB;
use kyoyu_store::jobs::failed;
use kyoyu_store::{
    Actor, AuditAction, Job, JobEffect, JobEnd, JobOutcome, NewJob, Store, StoreResult,
};

/// The kinds this worker runs.
pub const KINDS: [&str; 2] = ["audit_verify", SUBMISSION_JOB];

/// How a worker runs.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// Its name in the queue (host and process id by default).
    pub name: String,
    /// How long a claim holds before another worker may take the job.
    pub lease: Duration,
    /// How long to wait when there was nothing to do.
    pub idle: Duration,
    /// Jobs claimed at once.
    pub batch: usize,
    /// The period of the `audit_verify` schedule.
    pub audit_verify_every: Duration,
}

impl WorkerSettings {
    /// A worker named after this process, with the server's settings.
    pub fn for_process(settings: &crate::Settings) -> WorkerSettings {
        let host = std::fs::read_to_string("/etc/hostname")
            .map(|name| name.trim().to_owned())
            .unwrap_or_else(|_| "host".into());
        WorkerSettings {
            name: format!("{host}:{}", std::process::id()),
            lease: Duration::from_secs(settings.job_lease_seconds),
            idle: Duration::from_secs(2),
            batch: 64,
            audit_verify_every: Duration::from_secs(settings.audit_verify_seconds),
        }
    }
}

/// What one round did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Round {
    /// Schedules found due (and enqueued as jobs).
    pub scheduled: Vec<&'static str>,
    /// The jobs run and how each ended.
    pub ran: Vec<(i64, String, JobOutcome)>,
}

/// One round at `now`: enqueue what the schedules say is due, then claim and run a batch.
pub async fn round(
    store: &dyn Store,
    settings: &WorkerSettings,
    now: DateTime<Utc>,
) -> StoreResult<Round> {
    let mut done = Round::default();
    for (name, every) in [("audit_verify", settings.audit_verify_every)] {
        if store.system_schedule_due(name, every, now).await? {
            store
                .system_enqueue(&NewJob {
                    kind: name.to_owned(),
                    tenant: None,
                    payload: serde_json::json!({}),
                    key: Some(name.to_owned()),
                    run_after: now,
                })
                .await?;
            done.scheduled.push(name);
        }
    }
    let jobs = store
        .system_claim(&settings.name, &KINDS, settings.lease, settings.batch, now)
        .await?;
    // The batch's ends go to the store together (one write transaction for many jobs), or sooner
    // when running them took a quarter of the lease, so a slow job cannot let the others' leases
    // run out.
    let flush_after = settings.lease / 4;
    let mut ends: Vec<JobEnd> = Vec::with_capacity(jobs.len());
    let mut kinds: Vec<String> = Vec::with_capacity(jobs.len());
    let mut since = std::time::Instant::now();
    for job in jobs {
        let (outcome, effect) = match run_job(store, &settings.name, &job).await {
            Ok(effect) => (JobOutcome::Done, effect),
            Err(error) => (failed(job.attempts, Utc::now(), error), None),
        };
        ends.push(JobEnd {
            id: job.id,
            outcome,
            effect,
        });
        kinds.push(job.kind);
        if since.elapsed() >= flush_after {
            finish(store, &settings.name, &mut ends, &mut kinds, &mut done).await?;
            since = std::time::Instant::now();
        }
    }
    finish(store, &settings.name, &mut ends, &mut kinds, &mut done).await?;
    Ok(done)
}

/// Records `ends` (of jobs of `kinds`) in one store call and moves them into `done`.
async fn finish(
    store: &dyn Store,
    worker: &str,
    ends: &mut Vec<JobEnd>,
    kinds: &mut Vec<String>,
    done: &mut Round,
) -> StoreResult<()> {
    if ends.is_empty() {
        return Ok(());
    }
    let held = store.system_finish(worker, ends, Utc::now()).await?;
    for ((end, kind), holds) in ends.drain(..).zip(kinds.drain(..)).zip(held) {
        if !holds {
            tracing::warn!(job = end.id, kind = %kind, "the job's lease ran out before it finished; another worker has it");
        }
        done.ran.push((end.id, kind, end.outcome));
    }
    Ok(())
}

/// Runs one job; its visible effect, if it has one, for the store to record with its end.
async fn run_job(store: &dyn Store, worker: &str, job: &Job) -> Result<Option<JobEffect>, String> {
    match job.kind.as_str() {
        "audit_verify" => match kyoyu_store::audit::verify_store(store).await {
            Ok(Ok((entries, head))) => {
                tracing::info!(entries, %head, "audit chain verified");
                Ok(None)
            }
            // The check itself worked: the finding is an alarm for the operator, not a retry.
            Ok(Err(broken)) => {
                tracing::error!(%broken, "the audit log was altered after it was written / 監査ログが改ざんされています");
                Ok(None)
            }
            Err(error) => Err(format!("reading the audit log: {error}")),
        },
        SUBMISSION_JOB => submission(worker, job).map(Some),
        other => Err(format!("no handler for job kind `{other}`")),
    }
}

/// A member's submission taken into the hub's work: the entry in the hub's trail that says so.
fn submission(worker: &str, job: &Job) -> Result<JobEffect, String> {
    let field = |name: &str| {
        job.payload
            .get(name)
            .ok_or_else(|| format!("job {}: the payload has no `{name}`", job.id))
    };
    let text = |name: &str| {
        field(name)?
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("job {}: `{name}` is not a text", job.id))
    };
    let hub = job
        .tenant
        .ok_or_else(|| format!("job {}: a submission names its hub", job.id))?;
    let objects = field("stored")?
        .as_u64()
        .and_then(|count| usize::try_from(count).ok())
        .ok_or_else(|| format!("job {}: `stored` is not a count", job.id))?;
    Ok(JobEffect {
        tenant: Some(hub),
        actor: Actor {
            org: Some(hub),
            who: format!("worker {worker} (job {})", job.id),
            request: None,
        },
        action: AuditAction::SubmissionReceived {
            collection: text("collection")?,
            status: text("status")?,
            objects,
        },
    })
}

/// Runs rounds until `shutdown` completes; a store that fails is logged and retried after the
/// idle wait (the database may be restarting).
pub async fn run(
    store: Arc<dyn Store>,
    settings: WorkerSettings,
    shutdown: impl std::future::Future<Output = ()> + Send,
) {
    tokio::pin!(shutdown);
    loop {
        let wait = match round(store.as_ref(), &settings, Utc::now()).await {
            Ok(done) if !done.ran.is_empty() => Duration::ZERO,
            Ok(_) => settings.idle,
            Err(error) => {
                tracing::warn!(%error, "the worker could not reach the store; retrying");
                settings.idle
            }
        };
        tokio::select! {
            () = &mut shutdown => return,
            () = tokio::time::sleep(wait) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_due_schedule_runs_its_job_once_per_period() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = kyoyu_store_sqlite::SqliteStore::open(dir.path())
            .await
            .expect("store");
        let settings = WorkerSettings {
            name: "test-worker".into(),
            lease: Duration::from_secs(60),
            idle: Duration::from_millis(10),
            batch: 8,
            audit_verify_every: Duration::from_secs(3600),
        };
        let now = Utc::now();
        let first = round(&store, &settings, now).await.expect("round");
        assert_eq!(first.scheduled, ["audit_verify"]);
        assert_eq!(first.ran.len(), 1);
        assert_eq!(first.ran[0].2, JobOutcome::Done);
        let again = round(&store, &settings, now + chrono::Duration::seconds(60))
            .await
            .expect("round");
        assert_eq!(again, Round::default(), "not due again within the period");
        let stats = store.system_queue_stats(now).await.expect("stats");
        assert_eq!((stats.queued, stats.running, stats.dead), (0, 0, 0));
        let later = round(&store, &settings, now + chrono::Duration::seconds(3601))
            .await
            .expect("round");
        assert_eq!(later.scheduled, ["audit_verify"]);
    }

    #[tokio::test]
    async fn an_unknown_kind_is_retried_then_given_up() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = kyoyu_store_sqlite::SqliteStore::open(dir.path())
            .await
            .expect("store");
        let job = Job {
            id: 0,
            kind: "no_such_kind".into(),
            tenant: None,
            payload: serde_json::json!({}),
            attempts: 1,
            lease_until: Utc::now(),
        };
        let error = run_job(&store, "test-worker", &job)
            .await
            .expect_err("no handler");
        assert!(error.contains("no_such_kind"), "{error}");
    }
}
