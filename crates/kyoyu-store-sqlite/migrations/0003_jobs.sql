-- The durable job queue and singleton schedules (kyoyu_store::jobs). Times as in 0001.
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    tenant INTEGER REFERENCES orgs (id),
    payload TEXT NOT NULL,
    dedupe_key TEXT,
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'dead')),
    run_after TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    worker TEXT,
    lease_until TEXT,
    last_error TEXT,
    created TEXT NOT NULL,
    finished TEXT
);
-- What a claim looks for: due queued jobs and expired leases, by kind, oldest first.
CREATE INDEX jobs_claimable ON jobs (kind, state, run_after);
-- One unfinished job per kind and de-duplication key.
CREATE UNIQUE INDEX jobs_open_key ON jobs (kind, dedupe_key)
    WHERE dedupe_key IS NOT NULL AND state IN ('queued', 'running');

CREATE TABLE schedules (
    name TEXT PRIMARY KEY,
    next_run TEXT NOT NULL
);
