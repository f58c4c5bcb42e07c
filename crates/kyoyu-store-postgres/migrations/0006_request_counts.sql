-- Requests per token and minute, summed over every process (the rate limit of kyoyu-server's
-- ratelimit.rs), reachable in the system scope only. Counters, not records: old minutes are
-- removed as new ones come, so the table stays as small as the tokens active in two minutes.
CREATE TABLE request_counts (
    token TEXT COLLATE "C" NOT NULL,
    minute BIGINT NOT NULL,
    count BIGINT NOT NULL,
    PRIMARY KEY (token, minute)
);
GRANT SELECT, INSERT, UPDATE, DELETE ON request_counts TO kyoyu_app;
ALTER TABLE request_counts ENABLE ROW LEVEL SECURITY;
CREATE POLICY request_counts_system ON request_counts FOR ALL TO kyoyu_app
    USING (kyoyu_is_system()) WITH CHECK (kyoyu_is_system());
