-- Idempotency keys (kyoyu_store::RequestKey): claimed by a request's first audit entry in the
-- transaction of its change; the response saved after it for replay. Times as in 0001.
CREATE TABLE idempotency_keys (
    org INTEGER NOT NULL REFERENCES orgs (id),
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    request TEXT NOT NULL,
    created TEXT NOT NULL,
    status INTEGER,
    content_type TEXT,
    body TEXT,
    PRIMARY KEY (org, key)
);
CREATE INDEX idempotency_keys_by_time ON idempotency_keys (org, created);
