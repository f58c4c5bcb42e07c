//! The durable job queue the store keeps for asynchronous work (correlating submissions,
//! releasing embargoes, pushing alerts, scheduled checks), and singleton schedules.
//!
//! Key decision: the queue lives in the store, not beside it — a job is a row, so it is as
//! durable as the change that caused it and survives every process. A worker *claims* jobs
//! under a lease (`running` until `lease_until`); a worker that dies simply lets its lease run
//! out and the job is claimed again, with its attempt counted. Finishing is conditional on still
//! holding the lease, so a worker that was presumed dead cannot overwrite the outcome of the
//! one that took over. Retries wait a backoff the caller computes ([`backoff`]); a job that keeps
//! failing ends `dead` with its last error. A schedule is one row per name whose next run moves
//! forward atomically: of several processes asking at once, exactly one is told to run it.
//! "Now" is always a parameter, so the rules are testable without sleeping.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::OrgId;

/// A job to enqueue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    /// What to do (the worker's handler name, e.g. `audit_verify`).
    pub kind: String,
    /// The tenant it acts for, when it acts for one.
    pub tenant: Option<OrgId>,
    /// Its input.
    pub payload: serde_json::Value,
    /// A de-duplication key: while a job with the same kind and key is not finished, enqueuing
    /// again returns that job instead of a second one.
    pub key: Option<String>,
    /// Not before.
    pub run_after: DateTime<Utc>,
}

/// A claimed job, as a worker receives it.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// Its id.
    pub id: i64,
    /// What to do.
    pub kind: String,
    /// The tenant it acts for.
    pub tenant: Option<OrgId>,
    /// Its input.
    pub payload: serde_json::Value,
    /// How many times it has been claimed, this claim included.
    pub attempts: u32,
    /// Until when this claim holds.
    pub lease_until: DateTime<Utc>,
}

/// How a claimed job ended.
#[derive(Debug, Clone, PartialEq)]
pub enum JobOutcome {
    /// Done.
    Done,
    /// Failed; run again at `at`.
    Retry {
        /// When to try again.
        at: DateTime<Utc>,
        /// What went wrong.
        error: String,
    },
    /// Failed for good.
    Dead {
        /// What went wrong.
        error: String,
    },
}

/// A done job's visible result: an audit entry in the trail of `tenant` (the system's when
/// `None`), written in the transaction that marks the job done.
#[derive(Debug, Clone, PartialEq)]
pub struct JobEffect {
    /// Whose trail.
    pub tenant: Option<OrgId>,
    /// Who did it (the worker and the job).
    pub actor: crate::Actor,
    /// What was done.
    pub action: crate::AuditAction,
}

/// How one claimed job ended, with its effect, for [`crate::Store::system_finish`]: a worker
/// ends a batch of jobs in one write transaction (one turn of the writer for many jobs).
#[derive(Debug, Clone, PartialEq)]
pub struct JobEnd {
    /// The job.
    pub id: i64,
    /// How it ended.
    pub outcome: JobOutcome,
    /// Its visible result, recorded only when it is done.
    pub effect: Option<JobEffect>,
}

/// How long a done job stays in the queue after it finished. Its effect is in the audit log for
/// good; the row only tells the operator what ran. Ending jobs removes the done ones older than
/// this, a bounded batch at a time, so the queue does not grow with every job ever run. Dead
/// jobs stay until the operator looks at them.
pub const JOB_RETENTION: chrono::Duration = chrono::Duration::days(1);

/// Most done jobs past [`JOB_RETENTION`] that one batch of ends removes (bounded work per
/// transaction; each batch removes more than it ends, so the backlog shrinks).
pub const JOB_PRUNE_BATCH: i64 = 1_000;

/// The queue at a glance, for `/metrics`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueueStats {
    /// Waiting (due or not yet).
    pub queued: u64,
    /// Claimed and not finished.
    pub running: u64,
    /// Given up.
    pub dead: u64,
    /// Age of the oldest job that is due and waiting.
    pub oldest_due: Option<Duration>,
}

/// A job of an add's outbox with what the store decided added to its (object) payload: the
/// status id it assigned under `status`, the number of objects it stored under `stored`.
pub fn with_status(job: &NewJob, status: &str, stored: usize) -> NewJob {
    let mut job = job.clone();
    if let serde_json::Value::Object(payload) = &mut job.payload {
        payload.insert(
            "status".into(),
            serde_json::Value::String(status.to_owned()),
        );
        payload.insert("stored".into(), serde_json::Value::from(stored));
    }
    job
}

/// Most attempts before a failing job is given up as `dead`.
pub const MAX_ATTEMPTS: u32 = 8;

/// The wait before the next attempt after `attempts` failed ones: 2, 4, 8 … seconds, at most
/// 15 minutes.
pub fn backoff(attempts: u32) -> Duration {
    Duration::from_secs(2u64.saturating_pow(attempts.clamp(1, 20)).min(900))
}

/// What to record for a failure after `attempts` attempts at `now`: another try after
/// [`backoff`], or `dead` after [`MAX_ATTEMPTS`].
pub fn failed(attempts: u32, now: DateTime<Utc>, error: String) -> JobOutcome {
    if attempts >= MAX_ATTEMPTS {
        JobOutcome::Dead { error }
    } else {
        let wait = chrono::Duration::from_std(backoff(attempts)).unwrap_or_default();
        JobOutcome::Retry {
            at: now + wait,
            error,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff(1), Duration::from_secs(2));
        assert_eq!(backoff(3), Duration::from_secs(8));
        assert_eq!(backoff(30), Duration::from_secs(900));
        let now = Utc::now();
        assert!(matches!(failed(1, now, "x".into()), JobOutcome::Retry { at, .. } if at > now));
        assert!(matches!(
            failed(MAX_ATTEMPTS, now, "x".into()),
            JobOutcome::Dead { .. }
        ));
    }
}
