-- What a claim walks (jobs.rs): due queued jobs in id order, expired leases by their end, each
-- walk stopping at the claim's limit; one OR over both grew with the queue (found by
-- bench/soak.sh). Partial indexes stay as small as the open jobs.
CREATE INDEX jobs_queued_by_id ON jobs (id) WHERE state = 'queued';
CREATE INDEX jobs_running_by_lease ON jobs (lease_until) WHERE state = 'running';
