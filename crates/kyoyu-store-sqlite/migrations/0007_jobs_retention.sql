-- Done jobs are removed a day after they finished (kyoyu_store::jobs::JOB_RETENTION), a bounded
-- batch with each batch of job ends (jobs.rs): without it the queue kept every job ever run
-- (found by bench/soak.sh). The partial index holds done jobs only, by when they finished.
CREATE INDEX jobs_done_by_finished ON jobs (finished) WHERE state = 'done';
