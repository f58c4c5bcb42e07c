-- What a claim walks (jobs.rs): due queued jobs in id order, expired leases by their end. The
-- index of 0003 on (kind, state, run_after) made SQLite sort every queued job of the kinds for
-- `ORDER BY id` — a claim that grew with the queue, so a worker behind its queue fell further
-- behind (found by bench/soak.sh: 214,681 queued after 15 minutes). Partial indexes stay as
-- small as the open jobs.
CREATE INDEX jobs_queued_by_id ON jobs (id) WHERE state = 'queued';
CREATE INDEX jobs_running_by_lease ON jobs (lease_until) WHERE state = 'running';
