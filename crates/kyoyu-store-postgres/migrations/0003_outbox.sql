-- The transactional outbox (kyoyu_store::Effects): a change made in a tenant's scope (a member's
-- submission into a hub's collection) writes the job it causes in its own transaction. The
-- tenant's scope may add a fresh queued job, and nothing else: it still reads, claims and
-- changes none (the system policy of 0002 alone covers those).
CREATE POLICY jobs_outbox ON jobs FOR INSERT TO kyoyu_app
    WITH CHECK (kyoyu_tenant() IS NOT NULL AND state = 'queued' AND worker IS NULL
                AND attempts = 0 AND dedupe_key IS NULL);
