//! The job queue's rules, for every backend: claimed once, a dead worker's job claimed again
//! after its lease, a stale worker cannot finish it, retries wait, keys de-duplicate, a schedule
//! runs once per period, an add's outbox jobs are written with its objects only, a job's effect
//! is recorded once (a batch of ends judged job by job), done jobs leave after their retention.

use std::collections::HashSet;
use std::time::Duration;

use chrono::{DateTime, TimeZone as _, Utc};
use kyoyu_store::{
    Actor, AuditAction, Effects, JobEffect, JobEnd, JobOutcome, NewJob, RequestCount, Store,
    StoreError,
};

use crate::fixtures::{COLLECTION, actor, hub_member_outsider, object};

fn at(seconds: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_790_000_000 + seconds, 0)
        .single()
        .expect("a valid instant")
}

fn job(kind: &str, key: Option<&str>, run_after: DateTime<Utc>) -> NewJob {
    NewJob {
        kind: kind.to_owned(),
        tenant: None,
        payload: serde_json::json!({"n": key}),
        key: key.map(str::to_owned),
        run_after,
    }
}

const LEASE: Duration = Duration::from_secs(30);

/// Ends one job; whether `worker` still held it.
async fn finish_one(
    store: &dyn Store,
    id: i64,
    worker: &str,
    outcome: &JobOutcome,
    effect: Option<&JobEffect>,
    now: DateTime<Utc>,
) -> bool {
    let held = store
        .system_finish(
            worker,
            &[JobEnd {
                id,
                outcome: outcome.clone(),
                effect: effect.cloned(),
            }],
            now,
        )
        .await
        .expect("finish");
    assert_eq!(held.len(), 1, "one flag per end");
    held[0]
}

/// Twenty jobs claimed by two workers at once in batches of three: each job by exactly one.
pub async fn jobs_are_claimed_by_exactly_one_worker(store: &dyn Store) {
    for n in 0..20 {
        store
            .system_enqueue(&job("correlate", None, at(0)))
            .await
            .unwrap_or_else(|error| panic!("enqueue {n}: {error}"));
    }
    // Not this kind: never claimed by a correlate worker.
    store
        .system_enqueue(&job("alert", None, at(0)))
        .await
        .expect("enqueue");
    let worker = async |name: &str| {
        let mut mine = Vec::new();
        loop {
            let claimed = store
                .system_claim(name, &["correlate"], LEASE, 3, at(1))
                .await
                .expect("claim");
            if claimed.is_empty() {
                return mine;
            }
            for job in claimed {
                assert_eq!(job.kind, "correlate");
                assert_eq!(job.attempts, 1);
                mine.push(job.id);
            }
        }
    };
    let (first, second) = futures_join(worker("worker-a"), worker("worker-b")).await;
    let all: Vec<i64> = first.iter().chain(&second).copied().collect();
    let unique: HashSet<i64> = all.iter().copied().collect();
    assert_eq!(all.len(), 20, "every job claimed: {first:?} {second:?}");
    assert_eq!(unique.len(), 20, "no job twice: {first:?} {second:?}");
    let stats = store.system_queue_stats(at(1)).await.expect("stats");
    assert_eq!((stats.queued, stats.running), (1, 20));
}

async fn futures_join<A, B>(a: impl Future<Output = A>, b: impl Future<Output = B>) -> (A, B) {
    tokio::join!(a, b)
}

/// A worker that died holds its job only until the lease runs out; then another claims it (the
/// attempt counted) and the dead one's late answer is refused.
pub async fn a_dead_workers_job_is_claimed_again_after_its_lease(store: &dyn Store) {
    let id = store
        .system_enqueue(&job("release_embargo", None, at(0)))
        .await
        .expect("enqueue");
    let first = store
        .system_claim("dies", &["release_embargo"], LEASE, 10, at(0))
        .await
        .expect("claim");
    assert_eq!(first.len(), 1);
    assert!(
        store
            .system_claim("other", &["release_embargo"], LEASE, 10, at(29))
            .await
            .expect("claim")
            .is_empty(),
        "held under the lease"
    );
    let again = store
        .system_claim("other", &["release_embargo"], LEASE, 10, at(31))
        .await
        .expect("claim");
    assert_eq!(again.len(), 1);
    assert_eq!((again[0].id, again[0].attempts), (id, 2));
    assert!(
        !finish_one(store, id, "dies", &JobOutcome::Done, None, at(32)).await,
        "the presumed-dead worker cannot finish it"
    );
    assert!(finish_one(store, id, "other", &JobOutcome::Done, None, at(33)).await);
    assert!(
        store
            .system_claim("late", &["release_embargo"], LEASE, 10, at(1000))
            .await
            .expect("claim")
            .is_empty(),
        "a done job is never claimed"
    );
    let stats = store.system_queue_stats(at(1000)).await.expect("stats");
    assert_eq!((stats.queued, stats.running, stats.dead), (0, 0, 0));
}

/// A failed job waits its retry time; a job given up is `dead`; a future job waits its time;
/// the oldest due job's age is reported.
pub async fn retries_wait_and_dead_jobs_stay_dead(store: &dyn Store) {
    let id = store
        .system_enqueue(&job("feedback", None, at(0)))
        .await
        .expect("enqueue");
    let later = store
        .system_enqueue(&job("feedback", None, at(500)))
        .await
        .expect("enqueue");
    let stats = store.system_queue_stats(at(10)).await.expect("stats");
    assert_eq!(stats.oldest_due, Some(Duration::from_secs(10)));
    let claimed = store
        .system_claim("w", &["feedback"], LEASE, 10, at(10))
        .await
        .expect("claim");
    assert_eq!(claimed.iter().map(|job| job.id).collect::<Vec<_>>(), [id]);
    let retry = JobOutcome::Retry {
        at: at(70),
        error: "the hub did not answer".into(),
    };
    assert!(finish_one(store, id, "w", &retry, None, at(11)).await);
    assert!(
        store
            .system_claim("w", &["feedback"], LEASE, 10, at(60))
            .await
            .expect("claim")
            .is_empty(),
        "not before its retry time"
    );
    let claimed = store
        .system_claim("w", &["feedback"], LEASE, 10, at(71))
        .await
        .expect("claim");
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].attempts, 2);
    let dead = JobOutcome::Dead {
        error: "gave up".into(),
    };
    assert!(finish_one(store, id, "w", &dead, None, at(72)).await);
    let claimed = store
        .system_claim("w", &["feedback"], LEASE, 10, at(600))
        .await
        .expect("claim");
    assert_eq!(
        claimed.iter().map(|job| job.id).collect::<Vec<_>>(),
        [later],
        "the dead job stays dead; the later one comes when due"
    );
    let stats = store.system_queue_stats(at(600)).await.expect("stats");
    assert_eq!((stats.queued, stats.running, stats.dead), (0, 1, 1));
}

/// While a job with a key is unfinished, enqueuing the same kind and key gives the same job;
/// once it is done, the key may be used again.
pub async fn job_keys_deduplicate_unfinished_jobs(store: &dyn Store) {
    let first = store
        .system_enqueue(&job("correlate", Some("bundle-1"), at(0)))
        .await
        .expect("enqueue");
    let again = store
        .system_enqueue(&job("correlate", Some("bundle-1"), at(0)))
        .await
        .expect("enqueue");
    assert_eq!(first, again);
    let other_kind = store
        .system_enqueue(&job("alert", Some("bundle-1"), at(0)))
        .await
        .expect("enqueue");
    assert_ne!(first, other_kind);
    let claimed = store
        .system_claim("w", &["correlate"], LEASE, 10, at(1))
        .await
        .expect("claim");
    assert_eq!(claimed.len(), 1);
    assert!(finish_one(store, first, "w", &JobOutcome::Done, None, at(2)).await);
    let fresh = store
        .system_enqueue(&job("correlate", Some("bundle-1"), at(3)))
        .await
        .expect("enqueue");
    assert_ne!(fresh, first, "a finished job's key is free again");
}

/// A schedule is due once per period, whoever asks.
pub async fn a_schedule_runs_once_per_period(store: &dyn Store) {
    let every = Duration::from_secs(600);
    assert!(
        store
            .system_schedule_due("audit_verify", every, at(0))
            .await
            .expect("due")
    );
    assert!(
        !store
            .system_schedule_due("audit_verify", every, at(0))
            .await
            .expect("due")
    );
    assert!(
        !store
            .system_schedule_due("audit_verify", every, at(599))
            .await
            .expect("due")
    );
    let (a, b) = tokio::join!(
        store.system_schedule_due("audit_verify", every, at(601)),
        store.system_schedule_due("audit_verify", every, at(601)),
    );
    assert_eq!(
        u8::from(a.expect("due")) + u8::from(b.expect("due")),
        1,
        "two processes asking at once: one runs it"
    );
    assert!(
        store
            .system_schedule_due("other", every, at(601))
            .await
            .expect("due")
    );
}

fn outbox_job(hub: &kyoyu_store::Org) -> NewJob {
    NewJob {
        kind: "submission".into(),
        tenant: Some(hub.id),
        payload: serde_json::json!({"collection": COLLECTION}),
        key: None,
        run_after: Utc::now(),
    }
}

/// The transactional outbox: a member's add writes its jobs in its own transaction — with the
/// status id and the count stored filled in — and an add that stores nothing new, or fails,
/// writes none.
pub async fn an_adds_jobs_are_written_with_its_objects_only(store: &dyn Store) {
    let (hub, member, outsider) = hub_member_outsider(store).await;
    let jobs = [outbox_job(&hub)];
    let effects = Effects {
        outflows: &[],
        jobs: &jobs,
    };
    let objects = [
        object("indicator--o1", "indicator", 1),
        object("indicator--o2", "indicator", 1),
    ];
    let add = async || {
        store
            .add_objects(
                member.id,
                &actor(&member),
                COLLECTION,
                &objects,
                Vec::new(),
                &effects,
            )
            .await
            .expect("add")
    };
    let status = add().await;
    // The same objects again store nothing new: no second job.
    add().await;
    // An outsider's add fails as a whole: no job either.
    let refused = store
        .add_objects(
            outsider.id,
            &actor(&outsider),
            COLLECTION,
            &[object("indicator--o3", "indicator", 1)],
            Vec::new(),
            &effects,
        )
        .await;
    assert!(
        matches!(refused, Err(StoreError::NotFound(_))),
        "{refused:?}"
    );
    let later = Utc::now() + chrono::Duration::seconds(5);
    let claimed = store
        .system_claim("w", &["submission"], LEASE, 10, later)
        .await
        .expect("claim");
    assert_eq!(claimed.len(), 1, "{claimed:?}");
    assert_eq!(claimed[0].tenant, Some(hub.id));
    assert_eq!(
        claimed[0].payload,
        serde_json::json!({"collection": COLLECTION, "status": status.id, "stored": 2})
    );
}

/// A done job's effect is recorded with its end, once, and a batch of ends is judged job by job:
/// of three jobs claimed by a worker whose lease ran out, the one another worker took over is
/// not the stale worker's to finish (nothing of it is recorded), the two it still holds are
/// ended with their effects — in one call; the worker that took over then records its own end.
pub async fn a_jobs_effect_is_recorded_once(store: &dyn Store) {
    let (hub, _, _) = hub_member_outsider(store).await;
    let mut ids = Vec::new();
    for n in 0..3 {
        ids.push(
            store
                .system_enqueue(&job("submission", None, at(n)))
                .await
                .expect("enqueue"),
        );
    }
    let effect = |worker: &str, id: i64| JobEffect {
        tenant: Some(hub.id),
        actor: Actor {
            org: Some(hub.id),
            who: format!("worker {worker} (job {id})"),
            request: None,
        },
        action: AuditAction::SubmissionReceived {
            collection: COLLECTION.into(),
            status: format!("status-{id}"),
            objects: 2,
        },
    };
    let before = store.audit_entries(hub.id, 0, 1000).await.expect("audit");
    let slow = store
        .system_claim("slow", &["submission"], LEASE, 3, at(3))
        .await
        .expect("claim");
    assert_eq!(slow.len(), 3);
    // The slow worker's lease runs out; another worker takes the oldest job (expired leases are
    // claimed oldest first).
    let other = store
        .system_claim("other", &["submission"], LEASE, 1, at(34))
        .await
        .expect("claim again");
    assert_eq!(other.iter().map(|job| job.id).collect::<Vec<_>>(), [ids[0]]);
    let ends: Vec<JobEnd> = ids
        .iter()
        .map(|&id| JobEnd {
            id,
            outcome: JobOutcome::Done,
            effect: Some(effect("slow", id)),
        })
        .collect();
    let held = store
        .system_finish("slow", &ends, at(35))
        .await
        .expect("finish");
    assert_eq!(held, [false, true, true], "judged job by job, in order");
    let took_over = store
        .system_finish(
            "other",
            &[JobEnd {
                id: ids[0],
                outcome: JobOutcome::Done,
                effect: Some(effect("other", ids[0])),
            }],
            at(36),
        )
        .await
        .expect("finish");
    assert_eq!(took_over, [true]);
    let after = store.audit_entries(hub.id, 0, 1000).await.expect("audit");
    let new: Vec<&str> = after[before.len()..]
        .iter()
        .map(|entry| entry.actor.as_str())
        .collect();
    assert_eq!(
        new,
        [
            format!("worker slow (job {})", ids[1]),
            format!("worker slow (job {})", ids[2]),
            format!("worker other (job {})", ids[0]),
        ],
        "one entry per job, by the worker that held it"
    );
    assert!(
        after[before.len()..]
            .iter()
            .all(|entry| entry.action.contains("submission_received")),
        "{after:?}"
    );
    let stats = store.system_queue_stats(at(36)).await.expect("stats");
    assert_eq!((stats.queued, stats.running, stats.dead), (0, 0, 0));
}

fn jobs_rows(counts: &kyoyu_store::copy::RowCounts) -> u64 {
    counts
        .iter()
        .find(|(table, _)| *table == "jobs")
        .map(|(_, rows)| *rows)
        .expect("the row counts name `jobs`")
}

/// Done jobs leave the queue once they are older than the retention, removed by a later batch
/// of ends; younger done jobs, dead jobs and open jobs stay.
pub async fn done_jobs_are_removed_after_their_retention(store: &dyn Store) {
    let base = jobs_rows(&store.system_row_counts().await.expect("counts"));
    let run = async |kind: &str, outcome: JobOutcome, when: DateTime<Utc>| {
        let id = store
            .system_enqueue(&job(kind, None, when))
            .await
            .expect("enqueue");
        let claimed = store
            .system_claim("w", &[kind], LEASE, 1, when)
            .await
            .expect("claim");
        assert_eq!(claimed.iter().map(|job| job.id).collect::<Vec<_>>(), [id]);
        let held = store
            .system_finish(
                "w",
                &[JobEnd {
                    id,
                    outcome,
                    effect: None,
                }],
                when,
            )
            .await
            .expect("finish");
        assert_eq!(held, [true]);
    };
    let dead = || JobOutcome::Dead {
        error: "gave up".into(),
    };
    run("old_done", JobOutcome::Done, at(0)).await;
    run("old_dead", dead(), at(1)).await;
    store
        .system_enqueue(&job("waiting", None, at(1_000_000)))
        .await
        .expect("enqueue");
    assert_eq!(
        jobs_rows(&store.system_row_counts().await.expect("counts")),
        base + 3
    );
    let retention = kyoyu_store::jobs::JOB_RETENTION.num_seconds();
    // Just inside the retention: the done job stays.
    run("young_done", JobOutcome::Done, at(retention - 1)).await;
    assert_eq!(
        jobs_rows(&store.system_row_counts().await.expect("counts")),
        base + 4
    );
    // Past it: the next batch of ends removes the old done job, and only it.
    run("later_done", JobOutcome::Done, at(retention + 1)).await;
    assert_eq!(
        jobs_rows(&store.system_row_counts().await.expect("counts")),
        base + 4,
        "old_done gone; old_dead, waiting, young_done and later_done stay"
    );
    let stats = store
        .system_queue_stats(at(retention + 1))
        .await
        .expect("stats");
    assert_eq!((stats.queued, stats.dead), (1, 1));
}

/// Request counts meet in the store: two processes' counts of one token and minute add up,
/// each exchange answers the total, tokens and minutes count apart, old minutes are forgotten.
pub async fn request_counts_add_up_across_processes(store: &dyn Store) {
    let count = |token: &str, minute: i64, count: u64| RequestCount {
        token: token.into(),
        minute,
        count,
    };
    let first = store
        .system_count_requests(&[count("a", 100, 5), count("b", 100, 1)], 99)
        .await
        .expect("count");
    assert_eq!(first, vec![5, 1]);
    // Another process's exchange for the same minute.
    let second = store
        .system_count_requests(&[count("a", 100, 7)], 99)
        .await
        .expect("count");
    assert_eq!(second, vec![12]);
    // Asking with 0 reads the total.
    let read = store
        .system_count_requests(&[count("b", 100, 0), count("a", 101, 0)], 99)
        .await
        .expect("count");
    assert_eq!(read, vec![1, 0]);
    // Minute 100 forgotten once the oldest kept is 101.
    let later = store
        .system_count_requests(&[count("a", 100, 1)], 101)
        .await
        .expect("count");
    assert_eq!(later, vec![1], "counted afresh after being forgotten");
}
