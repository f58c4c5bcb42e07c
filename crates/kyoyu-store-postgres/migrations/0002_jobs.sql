-- The durable job queue and singleton schedules (kyoyu_store::jobs). Workers act for every
-- tenant, so the rows are reachable in the system scope only.
CREATE TABLE jobs (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind TEXT NOT NULL,
    tenant BIGINT REFERENCES orgs (id),
    payload TEXT NOT NULL,
    dedupe_key TEXT,
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'dead')),
    run_after TIMESTAMPTZ NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    worker TEXT,
    lease_until TIMESTAMPTZ,
    last_error TEXT,
    created TIMESTAMPTZ NOT NULL,
    finished TIMESTAMPTZ
);
CREATE INDEX jobs_claimable ON jobs (kind, state, run_after);
CREATE UNIQUE INDEX jobs_open_key ON jobs (kind, dedupe_key)
    WHERE dedupe_key IS NOT NULL AND state IN ('queued', 'running');

CREATE TABLE schedules (
    name TEXT PRIMARY KEY,
    next_run TIMESTAMPTZ NOT NULL
);

GRANT SELECT, INSERT, UPDATE ON jobs TO kyoyu_app;
GRANT SELECT, INSERT, UPDATE ON schedules TO kyoyu_app;
ALTER TABLE jobs ENABLE ROW LEVEL SECURITY;
ALTER TABLE schedules ENABLE ROW LEVEL SECURITY;
CREATE POLICY jobs_system ON jobs FOR ALL TO kyoyu_app
    USING (kyoyu_is_system()) WITH CHECK (kyoyu_is_system());
CREATE POLICY schedules_system ON schedules FOR ALL TO kyoyu_app
    USING (kyoyu_is_system()) WITH CHECK (kyoyu_is_system());
