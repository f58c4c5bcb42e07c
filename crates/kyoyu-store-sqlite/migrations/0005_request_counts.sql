-- Requests per token and minute, summed over every process on this file (the rate limit of
-- kyoyu-server's ratelimit.rs). Counters, not records: old minutes are removed as new ones come.
CREATE TABLE request_counts (
    token TEXT NOT NULL,
    minute INTEGER NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (token, minute)
);
